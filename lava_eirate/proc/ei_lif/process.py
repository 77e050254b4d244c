"""EILIFNetwork: an E/I population of LIF neurons with its recurrent weights, one Process."""
from __future__ import annotations

import os

import numpy as np
from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.process import AbstractProcess
from lava.magma.core.process.variable import Var

from lava_eirate import _validate as V
from lava_eirate.loihi import limits as L
from lava_eirate.params import INFO_KEYS, EILIFParams
from lava_eirate.proc._recording import SharedRecording
from lava_eirate.proc._selection import ChecksSelectedModel

#: True while EILIFNetwork.create_runtime lets Lava fork its workers.
_FORKING_WORKERS = False


def _die_with_parent() -> None:
    """In a worker forked by Lava for an EILIFNetwork: ask Linux to kill it when the
    process that started it dies (SIGTERM or SIGKILL would otherwise leave it running,
    orphaned). No-op elsewhere."""
    if not _FORKING_WORKERS:
        return
    try:
        import ctypes
        import signal
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux
        pass


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_die_with_parent)

class EILIFNetwork(ChecksSelectedModel, AbstractProcess):
    """E/I LIF population with recurrent weights ``W[post, pre]`` (neurons
    ``0..shape_exc-1`` excitatory), taking converter output as ``**kwargs``.

    Models (select with ``Loihi2SimCfg(select_tag=...)``):

    * ``fixed_pt`` / ``bit_accurate_loihi``: Lava's PyLifModelBitAcc + PyDenseModelBitAcc
      semantics on lava_eirate's numba core, fused in one ProcessModel; needs Loihi
      integers (du, dv in [0, 4095], vth in [0, 2**17-1], bias_mant in [-4096, 4095],
      bias_exp in [0, 7], weight mantissas per sign mode, weight_exp in [-8, 7]).
    * ``floating_pt``: Lava's PyLifModelFloat + PyDenseModelFloat semantics, fused
      (du, dv in [0, 1]; ``bias_mant`` is the float bias, ``bias_exp`` is ignored).
    * ``SubEILIFModelLava`` (tag ``lava_lif_dense``): Lava's own LIF + Dense, the
      reference; choose it with ``exception_proc_model_map``.

    Vars ``u``, ``v`` (n,) work with Monitors, ``get()`` and ``set()``; InPort ``a_in``
    (n,) adds external input on the same step; OutPort ``s_out`` (n,) sends spikes.
    ``record=("s", "u", "v")`` with ``record_steps=T`` makes the fused models keep the
    last T steps in shared memory, read back in one go with :meth:`recorded`.
    Parameters that fit neither model raise ``ValueError`` here; parameters that do not
    fit the model selected raise ``ValueError`` when the network is compiled (in the
    calling process, before Lava's runtime starts: an exception inside Lava's runtime
    leaves its processes hanging).
    """

    #: Let Lava's ``__del__`` (which calls ``stop``) run on an instance whose constructor raised.
    _runtime = None
    _recording = None

    def _check_model_kind(self, kind):
        self.params.require(kind)

    def __init__(self, *, shape_exc, shape_inh, weights, du_exc, dv_exc, vth_exc, bias_mant_exc,
                 du_inh, dv_inh, vth_inh, bias_mant_inh, bias_exp_exc=0, bias_exp_inh=0,
                 weight_exp=0, num_weight_bits=8, sign_mode=None, lava_compat=False,
                 u=0, v=0, record=(), record_steps=0, name=None, log_config=None, **info):
        unknown = set(info) - set(INFO_KEYS)
        if unknown:
            raise TypeError(f"EILIFNetwork got unexpected keyword argument(s) {sorted(unknown)}")
        raw = dict(shape_exc=shape_exc, shape_inh=shape_inh, weights=weights, du_exc=du_exc,
                   dv_exc=dv_exc, vth_exc=vth_exc, bias_mant_exc=bias_mant_exc, du_inh=du_inh,
                   dv_inh=dv_inh, vth_inh=vth_inh, bias_mant_inh=bias_mant_inh,
                   bias_exp_exc=bias_exp_exc, bias_exp_inh=bias_exp_inh, weight_exp=weight_exp,
                   num_weight_bits=num_weight_bits,
                   sign_mode=None if sign_mode is None else getattr(sign_mode, "value", sign_mode),
                   lava_compat=lava_compat)
        params = EILIFParams(**raw)
        n = params.n
        integer = params.fixed is not None
        lo, hi = L.UV_INIT_RANGE if integer else (-np.inf, np.inf)
        conv = V.int_param if integer else V.float_param
        u0 = V.full(conv("u", u, lo, hi, n=n), n, np.int32 if integer else float)
        v0 = V.full(conv("v", v, lo, hi, n=n), n, np.int32 if integer else float)
        if isinstance(record, str):
            record = (record,)
        record = tuple(record or ())
        bad = [r for r in record if r not in ("s", "u", "v")]
        if bad:
            raise ValueError(f"record={record!r} contains {bad}; legal entries: ('s', 'u', 'v')")
        rec_spec = None
        if record:
            cap = V.as_count("record_steps", record_steps)
            self._recording = SharedRecording.create(self, n, cap, record,
                                                     np.int32 if integer else np.float64)
            rec_spec = self._recording.spec
        else:
            self._recording = None
        super().__init__(ei_params=raw, record_spec=rec_spec, name=name, log_config=log_config,
                         **{k: info[k] for k in info})
        self.params = params
        self.u = Var(shape=(n,), init=u0)
        self.v = Var(shape=(n,), init=v0)
        self.a_in = InPort(shape=(n,))
        self.s_out = OutPort(shape=(n,))

    @property
    def n(self) -> int:
        return self.params.n

    def create_runtime(self, run_cfg=None, executable=None, compile_config=None):
        """Lava's ``create_runtime``, with Lava's worker processes started while SIGINT is
        ignored: they inherit that, so Ctrl-C reaches only this process and :meth:`run`
        can stop a healthy runtime (a worker killed by Ctrl-C left ``run`` hanging). On
        Linux the workers are also set to die with this process (SIGTERM/SIGKILL left them
        running)."""
        import signal
        import threading
        global _FORKING_WORKERS
        if threading.current_thread() is not threading.main_thread():
            return super().create_runtime(run_cfg=run_cfg, executable=executable,
                                          compile_config=compile_config)
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        _FORKING_WORKERS = True
        try:
            return super().create_runtime(run_cfg=run_cfg, executable=executable,
                                          compile_config=compile_config)
        finally:
            _FORKING_WORKERS = False
            signal.signal(signal.SIGINT, previous)

    def run(self, condition=None, run_cfg=None, compile_config=None):
        """Lava's ``run``; on Ctrl-C the runtime is stopped and KeyboardInterrupt raised."""
        try:
            super().run(condition=condition, run_cfg=run_cfg, compile_config=compile_config)
        except KeyboardInterrupt:
            self.stop()
            raise

    def stop(self):
        """Stop Lava's runtime and release the shared-memory recording (its data stays
        readable with :meth:`recorded`)."""
        try:
            super().stop()
        finally:
            if self._recording is not None:
                self._recording.release()

    def recorded(self):
        """The recorded steps (oldest first) as a :class:`lava_eirate.Trace`, read from
        shared memory in one go. ``trace.final["first_step"]`` is the Lava time step of
        row 0. Needs ``record=`` at construction and a fused (fixed_pt/floating_pt) model."""
        if self._recording is None:
            raise RuntimeError("this EILIFNetwork was built without record=(...); "
                               "pass record=('s', 'u', 'v') and record_steps=T")
        if not os.path.isdir(self._recording.spec["dir"]) and isinstance(self._recording.header, np.memmap):
            raise RuntimeError(f"the recording files in {self._recording.spec['dir']} were removed "
                               f"before they could be read")
        return self._recording.read("EILIFNetwork")
