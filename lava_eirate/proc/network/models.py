"""ProcessModels of NetworkProcess: the network on lava_eirate's engine, one engine step
per Lava time step (fixed point: bit-exact; float: Lava's float models).

The Process has ports and Vars named after the network's populations, so the models
cannot list them as class attributes. Lava's compiler and builder look every port and
Var type up with ``getattr(model_class, name)``; the metaclass answers those lookups
for the names ``a_in_*``, ``s_out_*``, ``u_*`` and ``v_*``.
"""
import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_eirate.engine import _initial_state, _Run
from lava_eirate.proc.network.process import NetworkProcess, port_names

_PREFIXES = ("a_in_", "s_out_", "u_", "v_")


class _NamedPorts(type(PyLoihiProcessModel)):
    """Class-level lookups of ``<prefix><population>`` return the LavaPyType of that
    prefix (from the class's ``_types``)."""

    def __getattr__(cls, name):
        if not name.startswith("_"):
            for prefix in _PREFIXES:
                if name.startswith(prefix):
                    return cls._types[prefix]
        raise AttributeError(f"type object {cls.__name__!r} has no attribute {name!r}")


class _NetworkModel(PyLoihiProcessModel, metaclass=_NamedPorts):
    _types = {}

    def __init__(self, proc_params):
        super().__init__(proc_params)
        net = proc_params["network"]
        neurons = [p.name for p in net.populations.values() if not p.is_source]
        self._aug = aug = net.with_inputs(neurons, prefix="a_in:")
        comp = self._comp = aug.compiled()
        self._state = _initial_state(comp, None, proc_params["init"])
        self._run = _Run(comp, {}, 1)
        src_off = comp.pop_arrays[5]
        self._io = []   # (names, population slice, a_in slice of src_data or None)
        for pop in comp.pops:
            if pop.name.startswith("a_in:"):
                continue
            sl = slice(int(comp.off[pop.index]), int(comp.off[pop.index]) + pop.n)
            a = None
            if not pop.is_source:
                k = comp.index("a_in:" + pop.name)
                a = slice(int(src_off[k]), int(src_off[k]) + pop.n)
            self._io.append((port_names(pop.name), sl, a, pop.is_source))

    def run_spk(self):
        st, comp = self._state, self._comp
        dtype = comp.vdt
        for names, sl, a, source in self._io:
            if source:
                continue
            # Integer inputs arrive as their int32 sum; nothing is raised here: an
            # exception inside Lava's runtime hangs it.
            comp.src_data[a] = np.asarray(getattr(self, names["a_in"]).recv()).astype(dtype, copy=False)
            st.u[sl] = getattr(self, names["u"])
            st.v[sl] = getattr(self, names["v"])
        st.t = self.time_step - 1
        self._run.steps(st, 0, 1)
        for names, sl, a, source in self._io:
            if not source:
                setattr(self, names["u"], st.u[sl].copy())
                setattr(self, names["v"], st.v[sl].copy())
            getattr(self, names["s_out"]).send(self._run.pay[sl].copy())


@implements(proc=NetworkProcess, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt", "bit_accurate_loihi")
class PyNetworkModelFixed(_NetworkModel):
    """A fixed-point network, bit-exact with the Lava processes it corresponds to."""

    number_kind = "fixed"
    _types = {"a_in_": LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=24),
              "s_out_": LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24),
              "u_": LavaPyType(np.ndarray, np.int32, precision=24),
              "v_": LavaPyType(np.ndarray, np.int32, precision=24)}


@implements(proc=NetworkProcess, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyNetworkModelFloat(_NetworkModel):
    """A float network (Lava's float LIF/Dense models' semantics)."""

    number_kind = "float"
    _types = {"a_in_": LavaPyType(PyInPort.VEC_DENSE, float),
              "s_out_": LavaPyType(PyOutPort.VEC_DENSE, float),
              "u_": LavaPyType(np.ndarray, float),
              "v_": LavaPyType(np.ndarray, float)}
