"""Shared-memory recording for the fused ProcessModels.

Lava's Monitor and Var.get() move arrays one value at a time through the runtime's
channels, so a 400 x 1000 raster takes seconds. The fused EILIFNetwork models instead
write each step's spikes (and u, v) into a ring buffer of memory-mapped ``.npy`` files
on tmpfs, which the Process reads directly after ``run()`` returns.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import weakref

import numpy as np

from ..simulators import Trace

_ROOT = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


class SharedRecording:
    """Ring buffer of the last ``capacity`` steps of s (bool) and u, v (``dtype``)."""

    def __init__(self, spec: dict, mode: str):
        self.spec = spec
        n, cap = spec["n"], spec["capacity"]
        d = spec["dir"]
        self.header = np.lib.format.open_memmap(os.path.join(d, "header.npy"), mode=mode,
                                                dtype=np.int64, shape=(2,))
        self.arrays = {}
        for name in spec["record"]:
            dtype = np.bool_ if name == "s" else np.dtype(spec["dtype"])
            self.arrays[name] = np.lib.format.open_memmap(os.path.join(d, name + ".npy"), mode=mode,
                                                          dtype=dtype, shape=(cap, n))

    @classmethod
    def create(cls, owner, n: int, capacity: int, record, dtype) -> "SharedRecording":
        """Allocate files (main process); removed when ``owner`` is garbage-collected."""
        d = tempfile.mkdtemp(prefix="lava_eirate_rec_", dir=_ROOT)
        weakref.finalize(owner, shutil.rmtree, d, True)
        spec = dict(dir=d, n=int(n), capacity=int(capacity), record=tuple(record),
                    dtype=np.dtype(dtype).str)
        rec = cls(spec, "w+")
        rec.header[:] = 0
        return rec

    @classmethod
    def open(cls, spec: dict) -> "SharedRecording":
        """Attach to existing files (inside the ProcessModel)."""
        return cls(spec, "r+")

    def write(self, time_step: int, s, u, v) -> None:
        """Store the state after ``time_step`` (Lava counts steps from 1)."""
        row = (time_step - 1) % self.spec["capacity"]
        for name, value in (("s", s), ("u", u), ("v", v)):
            if name in self.arrays:
                self.arrays[name][row] = value
        self.header[0] = time_step

    def read(self, kind: str) -> Trace:
        """The recorded steps, oldest first, as a Trace (``final`` holds ``first_step``)."""
        steps = int(self.header[0])
        cap = self.spec["capacity"]
        count = min(steps, cap)
        if count == 0:
            raise RuntimeError("nothing recorded yet: run the network first")
        order = (np.arange(steps - count, steps) % cap)
        data = {name: np.array(arr[order]) for name, arr in self.arrays.items()}
        s = data.get("s")
        return Trace(s=s, u=data.get("u"), v=data.get("v"), num_steps=count, n=self.spec["n"],
                     kind=kind, final={"first_step": steps - count + 1, "last_step": steps},
                     num_spikes=int(s.sum()) if s is not None else 0)
