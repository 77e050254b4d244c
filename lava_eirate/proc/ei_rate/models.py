"""ProcessModels of EIRateNetwork."""
import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_eirate.proc.ei_rate.process import EIRateNetwork
from lava_eirate.simulators import rate_step


@implements(proc=EIRateNetwork, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyEIRateModelFloat(PyLoihiProcessModel):
    """Float rate update, identical (order of operations included) to simulate_rate."""

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
