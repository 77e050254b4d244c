"""Shared-memory recording for the fused ProcessModels.

Lava's Monitor and Var.get() move arrays one value at a time through the runtime's
channels, so a 400 x 1000 raster takes seconds. The fused EILIFNetwork models instead
write each step's spikes (and u, v) into a ring buffer of memory-mapped ``.npy`` files
on tmpfs, which the Process reads directly after ``run()`` returns.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import weakref

import numpy as np

from ..simulators import Trace

_ROOT = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
_PREFIX = "lava_eirate_rec_"


def _remove_orphans(root) -> None:
    """Remove recordings whose creating process is gone (killed before it could clean up:
    the folder name carries its pid)."""
    root = root or tempfile.gettempdir()
    for name in os.listdir(root):
        m = re.match(_PREFIX + r"(\d+)_", name)
        if not m:
            continue
        try:
            os.kill(int(m.group(1)), 0)
        except ProcessLookupError:
            shutil.rmtree(os.path.join(root, name), ignore_errors=True)
        except PermissionError:  # alive, another user's
            pass


class SharedRecording:
    """Ring buffer of the last ``capacity`` steps of s (bool) and u, v (``dtype``)."""

    def __init__(self, spec: dict, mode: str):
        self.spec = spec
        n, cap = spec["n"], spec["capacity"]
        d = spec["dir"]
        self.header = np.lib.format.open_memmap(os.path.join(d, "header.npy"), mode=mode,
                                                dtype=np.int64, shape=(2,))
        self.released = False
        self.arrays = {}
        for name in spec["record"]:
            dtype = np.bool_ if name == "s" else np.dtype(spec["dtype"])
            self.arrays[name] = np.lib.format.open_memmap(os.path.join(d, name + ".npy"), mode=mode,
                                                          dtype=dtype, shape=(cap, n))

    @classmethod
    def create(cls, owner, n: int, capacity: int, record, dtype) -> "SharedRecording":
        """Allocate files (main process); removed by :meth:`release` (the Process's
        ``stop``), when ``owner`` is garbage-collected, or -- after a kill -- by the next
        process that creates one. Refused when the files would not fit."""
        _remove_orphans(_ROOT)
        per_step = int(n) * sum(1 if r == "s" else np.dtype(dtype).itemsize for r in record)
        need = int(capacity) * per_step
        free = shutil.disk_usage(_ROOT or tempfile.gettempdir()).free
        if need > free // 2:
            raise ValueError(f"record_steps={capacity} needs {need / 2 ** 30:.3g} GiB of shared memory for "
                             f"{tuple(record)} of {n} neurons, but {free / 2 ** 30:.3g} GiB are free in "
                             f"{_ROOT or tempfile.gettempdir()} (at most half is used): record fewer steps")
        d = tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}_", dir=_ROOT)
        weakref.finalize(owner, shutil.rmtree, d, True)
        spec = dict(dir=d, n=int(n), capacity=int(capacity), record=tuple(record),
                    dtype=np.dtype(dtype).str)
        rec = cls(spec, "w+")
        rec.header[:] = 0
        return rec

    def release(self) -> None:
        """Copy the recording into memory and remove its files (reading still works)."""
        if self.released:
            return
        self.released = True
        self.header = np.array(self.header)
        self.arrays = {k: np.array(v) for k, v in self.arrays.items()}
        shutil.rmtree(self.spec["dir"], ignore_errors=True)

    @classmethod
    def open(cls, spec: dict):
        """Attach to existing files (inside the ProcessModel); None when they are gone --
        an exception inside Lava's runtime would leave it hanging."""
        try:
            return cls(spec, "r+")
        except (OSError, ValueError):
            return None

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
