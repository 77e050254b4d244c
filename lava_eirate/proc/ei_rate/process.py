"""EIRateNetwork: the Lava E/I tutorial's rate network as a Lava Process."""
from __future__ import annotations

import numpy as np
from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.process import AbstractProcess
from lava.magma.core.process.variable import Var

from lava_eirate.simulators import rate_params


class EIRateNetwork(AbstractProcess):
    """E/I rate network ``r <- (1 - dr) r + (dr W) erf(r) + bias + a_in``.

    Neurons ``0..shape_exc-1`` are excitatory (dr_exc, bias_exc), the rest inhibitory.
    ``weights`` is ``W[post, pre]`` of shape (n, n); dr in [0, 1] per population; biases
    scalars or per-neuron arrays. Var ``state`` (n,), the rate; InPort ``a_in`` (n,),
    added each step; OutPort ``s_out`` (n,), the state. Model: ``floating_pt``.
    """

    #: Lets Lava's ``__del__`` run on an instance whose constructor raised.
    _runtime = None

    def __init__(self, shape_exc, shape_inh, weights, dr_exc, dr_inh, bias_exc, bias_inh, *,
                 state=0.0, name=None, log_config=None):
        n_e, n_i, dr, bias, w = rate_params(shape_exc, shape_inh, weights, dr_exc, dr_inh,
                                            bias_exc, bias_inh)
        n = n_e + n_i
        super().__init__(shape_exc=n_e, shape_inh=n_i, weights=w, dr=dr, bias=bias,
                         name=name, log_config=log_config)
        self.state = Var(shape=(n,), init=np.broadcast_to(np.asarray(state, float), (n,)).copy())
        self.a_in = InPort(shape=(n,))
        self.s_out = OutPort(shape=(n,))
