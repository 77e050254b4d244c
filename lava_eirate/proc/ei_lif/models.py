"""ProcessModels of EILIFNetwork: fused fixed-point and float models on lava_eirate's
network engine, and Lava's own LIF + Dense as a reference SubProcessModel."""
import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.model.sub.model import AbstractSubProcessModel
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_eirate.engine import _Run
from lava_eirate.simulators import _single_population
from lava_eirate.params import EILIFParams
from lava_eirate.proc._recording import SharedRecording
from lava_eirate.proc.ei_lif.process import EILIFNetwork


class _FusedMixin:
    """Shared by the fused models: the population as a one-population network of the
    engine (recurrent connection plus a one-row source that carries ``a_in``), stepped
    once per Lava time step, and the shared-memory recording."""

    def _setup(self, proc_params, kind):
        params = EILIFParams(**proc_params["ei_params"])
        neurons, synapses = params.require(kind)
        self._n = n = params.n
        self._integer = kind == "fixed"
        net = _single_population(neurons, synapses, 1, np.zeros((1, n)), self._integer)
        self._comp = net.compiled()
        self._state = self._comp.fresh_state()
        self._run = _Run(self._comp, {}, 1)
        spec = proc_params.get("record_spec")
        self._rec = SharedRecording.open(spec) if spec else None

    def run_spk(self):
        n = self._n
        dtype = np.int32 if self._integer else np.float64
        # Integer sources arrive as their int32 sum (LIF's int16 port + int32 channels);
        # nothing is raised here: an exception inside Lava's runtime hangs it.
        self._comp.src_data[:n] = np.asarray(self.a_in.recv()).astype(dtype, copy=False)
        st = self._state
        st.u[:n] = self.u
        st.v[:n] = self.v
        st.t = self.time_step - 1
        self._run.steps(st, 0, 1)
        self.u = st.u[:n].copy()
        self.v = st.v[:n].copy()
        s = self._run.pay[:n] != 0
        self.s_out.send(s)
        if self._rec is not None:
            self._rec.write(self.time_step, s, self.u, self.v)


@implements(proc=EILIFNetwork, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt", "bit_accurate_loihi")
class PyEILIFModelFixed(_FusedMixin, PyLoihiProcessModel):
    """Bit-exact with PyLifModelBitAcc + PyDenseModelBitAcc, one engine step per time step.

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
