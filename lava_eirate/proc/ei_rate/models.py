"""ProcessModels of EIRateNetwork: float (the tutorial's update), fixed point on the
network engine, and Lava's own Dense with graded spikes around RateNeurons."""
import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.model.sub.model import AbstractSubProcessModel
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_eirate.engine import _Run
from lava_eirate.proc.ei_rate.process import EIRateNetwork
from lava_eirate.rate_network import ei_rate_network, part_sign_mode
from lava_eirate.simulators import rate_step


@implements(proc=EIRateNetwork, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyEIRateModelFloat(PyLoihiProcessModel):
    """Float rate update, identical (order of operations included) to simulate_rate."""

    number_kind = "float"
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    state: np.ndarray = LavaPyType(np.ndarray, float)

    def __init__(self, proc_params):
        super().__init__(proc_params)
        dr = np.asarray(proc_params["dr"], float)
        self._keep = 1.0 - dr
        self._w_scaled = dr[:, None] * np.asarray(proc_params["weights"], float)
        self._bias = np.asarray(proc_params["bias"], float)

    def run_spk(self):
        a_in = self.a_in.recv()
        self.state[:] = rate_step(self.state, self._keep, self._w_scaled, self._bias, a_in)
        self.s_out.send(self.state)


@implements(proc=EIRateNetwork, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt", "bit_accurate_loihi")
class PyEIRateModelFixed(PyLoihiProcessModel):
    """The FixedRate population and its two graded connections on the engine, one engine
    step per time step; ``a_in`` is added to the step's synaptic input (int32)."""

    number_kind = "fixed"
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=24)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
    state: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)

    def __init__(self, proc_params):
        super().__init__(proc_params)
        net = ei_rate_network(proc_params["rate_fixed"]).with_inputs(["rate"])
        self._comp = net.compiled()
        self._st = self._comp.fresh_state()
        self._run = _Run(self._comp, {}, 1)
        self._n = net.populations["rate"].n

    def run_spk(self):
        n, st = self._n, self._st
        # the a_in source is the last population; its one row is what arrives this step
        self._comp.src_data[-n:] = np.asarray(self.a_in.recv()).astype(np.int64).astype(np.int32)
        st.v[:n] = self.state
        st.t = self.time_step - 1
        self._run.steps(st, 0, 1)
        self.state = st.v[:n].copy()
        self.s_out.send(self._run.pay[:n].copy())


@implements(proc=EIRateNetwork, protocol=LoihiProtocol)
@tag("lava_rate_dense")
class SubEIRateModelLava(AbstractSubProcessModel):
    """RateNeurons (lava_eirate's neuron rules, in numpy) and Lava's own Dense with graded
    spikes, one per presynaptic population (the other columns zero), both into ``a_in``."""

    def __init__(self, proc):
        from lava.proc.dense.process import Dense
        from lava.utils.weightutils import SignMode as LavaSignMode

        from lava_eirate.proc.rate.process import RateNeurons

        p = proc.proc_params["rate_fixed"]
        pop = ei_rate_network(p).populations["rate"].model
        n, n_e = pop.n, int(p["shape_exc"])
        self.neurons = RateNeurons(n, pop.dr, pop.bias_mant, pop.bias_exp, table=pop.table,
                                   table_shift=pop.table_shift, state=proc.state.init)
        w = np.asarray(p["weights"], np.int64)
        # Lava finds sub-processes among the model's attributes (not inside lists)
        for part, cols in (("exc", slice(0, n_e)), ("inh", slice(n_e, n))):
            mask = np.zeros((n, n), np.int64)
            mask[:, cols] = w[:, cols]
            if not mask.any():
                continue
            d = Dense(weights=mask, weight_exp=int(p[f"weight_exp_{part}"]), num_message_bits=int(p["num_message_bits"]),
                      sign_mode=LavaSignMode(part_sign_mode(mask).value))
            self.neurons.s_out.connect(d.s_in)
            d.a_out.connect(self.neurons.a_in)
            setattr(self, f"dense_{part}", d)
        proc.in_ports.a_in.connect(self.neurons.in_ports.a_in)
        self.neurons.out_ports.s_out.connect(proc.out_ports.s_out)
        proc.vars.state.alias(self.neurons.vars.state)
