"""ProcessModels of EILIFNetwork: fused fixed-point and float models on lava_eirate's
numba core, and Lava's own LIF + Dense as a reference SubProcessModel."""
import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.model.sub.model import AbstractSubProcessModel
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_eirate.loihi.kernels import run_fixed, run_float
from lava_eirate.params import EILIFParams
from lava_eirate.proc._recording import SharedRecording
from lava_eirate.proc.ei_lif.process import EILIFNetwork


class _FusedMixin:
    """Shared set-up of the fused models: parameters, recurrent state, recording."""

    def _setup(self, proc_params, kind):
        params = EILIFParams(**proc_params["ei_params"])
        self._neurons, self._synapses = params.require(kind)
        self._n = params.n
        spec = proc_params.get("record_spec")
        self._rec = SharedRecording.open(spec) if spec else None
        self._srow = np.zeros((1, self._n), np.bool_)
        self._spikes = np.zeros(self._n, np.int32)

    def _external(self, a_in, integer):
        # Integer sources arrive as their int32 sum (LIF's int16 port + int32 channels);
        # nothing is raised here: an exception inside Lava's runtime hangs it.
        return np.ascontiguousarray(a_in, dtype=np.int32 if integer else np.float64).reshape(1, self._n)

    def _record(self):
        if self._rec is not None:
            self._rec.write(self.time_step, self._srow[0], self.u, self.v)


@implements(proc=EILIFNetwork, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt", "bit_accurate_loihi")
class PyEILIFModelFixed(_FusedMixin, PyLoihiProcessModel):
    """Bit-exact with PyLifModelBitAcc + PyDenseModelBitAcc, one numba step per time step.

    ``a_in`` takes integer sources (fixed_pt models of Dense, Sparse, RingBuffer, ...).
    """

    number_kind = "fixed"

    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int16, precision=16)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
    u: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)
    v: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)

    def __init__(self, proc_params):
        super().__init__(proc_params)
        self._setup(proc_params, "fixed")
        self._consts = self._neurons.kernel_arrays()
        self._acc = np.zeros(self._n, self._synapses.acc_dtype)
        self._empty = np.zeros((0, self._n), np.int32)

    def run_spk(self):
        ext = self._external(self.a_in.recv(), integer=True)
        if self.u.dtype != np.int32 or self.v.dtype != np.int32:
            self.u = self.u.astype(np.int32)
            self.v = self.v.astype(np.int32)
        fmt, indptr, indices, data, w_t, weight_exp = self._synapses.kernel_arrays()
        run_fixed(0, 1, self.u, self.v, self._acc, *self._consts, fmt, indptr, indices, data,
                  w_t, weight_exp, ext, self._srow, self._empty, self._empty, self._spikes)
        self.s_out.send(self._srow[0])
        self._record()


@implements(proc=EILIFNetwork, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyEILIFModelFloat(_FusedMixin, PyLoihiProcessModel):
    """Lava's PyLifModelFloat + PyDenseModelFloat semantics, fused."""

    number_kind = "float"

    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    u: np.ndarray = LavaPyType(np.ndarray, float)
    v: np.ndarray = LavaPyType(np.ndarray, float)

    def __init__(self, proc_params):
        super().__init__(proc_params)
        self._setup(proc_params, "float")
        self._consts = self._neurons.kernel_arrays()
        self._acc = np.zeros(self._n, np.float64)
        self._empty = np.zeros((0, self._n), np.float64)

    def run_spk(self):
        ext = self._external(self.a_in.recv(), integer=False)
        fmt, indptr, indices, data, w_t = self._synapses.kernel_arrays()
        run_float(0, 1, self.u, self.v, self._acc, *self._consts, fmt, indptr, indices, data,
                  w_t, ext, self._srow, self._empty, self._empty, self._spikes)
        self.s_out.send(self._srow[0])
        self._record()


@implements(proc=EILIFNetwork, protocol=LoihiProtocol)
@tag("lava_lif_dense")
class SubEILIFModelLava(AbstractSubProcessModel):
    """Lava's own LIF + Dense (the reference the fused models are tested against).

    Fixed or float models of LIF and Dense follow the run config's select_tag; weights
    are handed to Dense unmodified, so Lava does its own cast, clip and truncation.
    """

    def __init__(self, proc):
        from lava.proc.dense.process import Dense
        from lava.proc.lif.process import LIF
        from lava.utils.weightutils import SignMode as LavaSignMode

        raw = proc.proc_params["ei_params"]
        params = EILIFParams(**raw)
        kind = "fixed" if params.fixed is not None else "float"
        arr = params.lava_arrays(kind)
        n = params.n
        self.lif = LIF(shape=(n,), du=arr["du"], dv=arr["dv"], vth=arr["vth"],
                       bias_mant=arr["bias_mant"], bias_exp=arr["bias_exp"],
                       u=proc.u.init, v=proc.v.init)
        w = raw["weights"]
        w = w.toarray() if hasattr(w, "toarray") else np.asarray(w)
        kwargs = dict(weight_exp=int(raw["weight_exp"]), num_weight_bits=int(raw["num_weight_bits"]))
        if raw["sign_mode"] is not None:
            kwargs["sign_mode"] = LavaSignMode(params.sign_mode.value)
        self.dense = Dense(weights=w, **kwargs)
        self.lif.s_out.connect(self.dense.s_in)
        self.dense.a_out.connect(self.lif.a_in)
        proc.in_ports.a_in.connect(self.lif.in_ports.a_in)
        self.lif.out_ports.s_out.connect(proc.out_ports.s_out)
        proc.vars.u.alias(self.lif.vars.u)
        proc.vars.v.alias(self.lif.vars.v)
