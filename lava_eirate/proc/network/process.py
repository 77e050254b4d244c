"""NetworkProcess: a whole :class:`lava_eirate.Network` as one Lava Process."""
from __future__ import annotations

import numpy as np
from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.process import AbstractProcess
from lava.magma.core.process.variable import Var

from lava_eirate.engine import Network, _initial_state
from lava_eirate.proc._selection import ChecksSelectedModel


def port_names(name: str) -> dict:
    """The Lava names of population ``name``'s ports and Vars."""
    return {"a_in": f"a_in_{name}", "s_out": f"s_out_{name}", "u": f"u_{name}", "v": f"v_{name}"}


class NetworkProcess(ChecksSelectedModel, AbstractProcess):
    """A :class:`~lava_eirate.Network` (any populations and connections of the engine) as
    one Lava Process, so that it can sit inside a larger Lava graph.

    Per neuron population ``name`` (a Python identifier):

    * InPort ``a_in_<name>`` (n,): input added to the population's synaptic input on the
      same step (as LIF's ``a_in``): connect Lava's Dense/Sparse ``a_out`` or a
      RingBuffer to it;
    * OutPort ``s_out_<name>`` (n,): what the population sends each step (spikes 0/1,
      ternary +-1; a graded payload is the population's message);
    * Vars ``u_<name>``, ``v_<name>`` (n,): Monitors, ``get()`` and ``set()`` work on them.

    Every SpikeSource of the network has an OutPort ``s_out_<name>`` too. The network's
    own connections run inside the process on lava_eirate's engine, one engine step per
    Lava time step. Models: ``fixed_pt`` (bit-exact with the Lava processes the network
    corresponds to; see :mod:`lava_eirate.engine`) for a fixed-point network,
    ``floating_pt`` for a float one; the other tag raises when the graph is compiled.

    ``init``: initial u/v per population, as :func:`lava_eirate.simulate` takes it.
    Use :meth:`in_port`, :meth:`out_port` and :meth:`var` to reach a population's ports.
    """

    _model_kind = None
    #: Let Lava's ``__del__`` (which calls ``stop``) run on an instance whose constructor raised.
    _runtime = None

    def _check_model_kind(self, kind):
        if kind != self._model_kind:
            tag = "fixed_pt" if self._model_kind == "fixed" else "floating_pt"
            raise ValueError(f"NetworkProcess {self.name!r} holds a {self._model_kind}-point network; "
                             f"run it with Loihi2SimCfg(select_tag={tag!r})")

    def __init__(self, net: Network, *, init=None, name=None, log_config=None):
        if not isinstance(net, Network):
            raise TypeError(f"net must be a lava_eirate.Network, got {type(net).__name__}")
        bad = [k for k in net.populations if not k.isidentifier()]
        if bad:
            raise ValueError(f"population name {bad[0]!r} is not a Python identifier; NetworkProcess "
                             f"names its ports a_in_<name>, s_out_<name> (rename the population)")
        comp = net.compiled()
        st0 = _initial_state(comp, None, init)   # validates init
        super().__init__(network=net, init=init, name=name, log_config=log_config)
        self._model_kind = "fixed" if comp.fixed else "float"
        self.network = net
        for pop in comp.pops:
            names = port_names(pop.name)
            setattr(self, names["s_out"], OutPort(shape=(pop.n,)))
            if pop.is_source:
                continue
            sl = slice(comp.off[pop.index], comp.off[pop.index] + pop.n)
            setattr(self, names["a_in"], InPort(shape=(pop.n,)))
            setattr(self, names["u"], Var(shape=(pop.n,), init=st0.u[sl].copy()))
            setattr(self, names["v"], Var(shape=(pop.n,), init=st0.v[sl].copy()))

    def _member(self, name, what):
        pop = self.network.populations.get(name)
        if pop is None or (pop.is_source and what != "s_out"):
            legal = [k for k, p in self.network.populations.items() if what == "s_out" or not p.is_source]
            raise ValueError(f"{name!r} has no {what}; populations with one: {legal}")
        return getattr(self, port_names(name)[what])

    def in_port(self, name: str) -> InPort:
        """InPort ``a_in_<name>`` of neuron population ``name``."""
        return self._member(name, "a_in")

    def out_port(self, name: str) -> OutPort:
        """OutPort ``s_out_<name>`` of population or SpikeSource ``name``."""
        return self._member(name, "s_out")

    def var(self, name: str, which: str) -> Var:
        """Var ``u_<name>`` or ``v_<name>`` of neuron population ``name``."""
        if which not in ("u", "v"):
            raise ValueError(f"which={which!r}; legal values: 'u', 'v'")
        return self._member(name, which)
