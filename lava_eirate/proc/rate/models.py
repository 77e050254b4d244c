"""ProcessModel of RateNeurons: the FixedRate rules written in numpy (a second
implementation beside the engine's numba kernel, see :mod:`lava_eirate.loihi.rate`)."""
import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_eirate.loihi import limits as L
from lava_eirate.loihi.rate import lookup
from lava_eirate.proc.rate.process import RateNeurons


@implements(proc=RateNeurons, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt", "bit_accurate_loihi")
class PyRateNeuronsModelFixed(PyLoihiProcessModel):
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=24)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
    state: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)

    def __init__(self, proc_params):
        super().__init__(proc_params)
        self._keep = np.asarray(proc_params["keep"], np.int64)
        self._bias = np.asarray(proc_params["bias_eff"], np.int64)
        self._table = np.asarray(proc_params["table"], np.int64)
        self._shift = int(proc_params["table_shift"])

    def run_spk(self):
        a = np.asarray(self.a_in.recv()).astype(np.int64).astype(np.int32).astype(np.int64)
        x = self.state.astype(np.int64)
        dec = np.sign(x) * ((np.abs(x) * self._keep) >> L.DECAY_SHIFT)
        x = np.clip(dec + a + self._bias, L.V_MIN, L.V_MAX)
        self.state = x.astype(np.int32)
        self.s_out.send(lookup(x, self._table, self._shift).astype(np.int32))
