"""EIRateNetwork: the Lava E/I tutorial's rate network as a Lava Process, in float or in
Loihi fixed point (graded rate neurons)."""
from __future__ import annotations

import numpy as np
from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.process import AbstractProcess
from lava.magma.core.process.variable import Var

from lava_eirate.proc._selection import ChecksSelectedModel
from lava_eirate.rate_network import ei_rate_network, is_fixed
from lava_eirate.simulators import rate_params


class EIRateNetwork(ChecksSelectedModel, AbstractProcess):
    """E/I rate network ``r <- (1 - dr) r + (dr W) erf(r) + bias + a_in``.

    Float form (``floating_pt``): ``EIRateNetwork(shape_exc, shape_inh, weights, dr_exc,
    dr_inh, bias_exc, bias_inh)``; ``weights`` is ``W[post, pre]`` (n, n), dr in [0, 1]
    per population; biases scalars or per-neuron arrays. Var ``state`` (n,) the rate;
    ``a_in`` (n,) added each step; ``s_out`` (n,) the state.

    Fixed-point form (``fixed_pt``, bit-exact on the engine; ``lava_rate_dense``: the same
    rules as a :class:`~lava_eirate.proc.rate.process.RateNeurons` process and Lava's own
    ``Dense(num_message_bits=...)``, one per presynaptic population):
    ``EIRateNetwork(**fixed_params)`` with :func:`lava_eirate.convert.rate_to_fixed`'s
    output (integer weight mantissas, dr in 1/4096, bias_mant/bias_exp, weight_exp_exc /
    weight_exp_inh, num_message_bits, the erf table). Var ``state`` (n,) int32 holds the
    24-bit state (``report.state_scale`` units per unit of r); ``a_in`` takes integer
    graded input in state units; ``s_out`` sends the graded payload
    (``erf(r) * (2**(num_message_bits - 1) - 1)``). Neurons ``0..shape_exc-1`` are excitatory.
    """

    #: Lets Lava's ``__del__`` run on an instance whose constructor raised.
    _runtime = None

    def __init__(self, shape_exc, shape_inh, weights, dr_exc, dr_inh, bias_exc=None, bias_inh=None, *,
                 state=0, name=None, log_config=None, **fixed):
        params = dict(shape_exc=shape_exc, shape_inh=shape_inh, weights=weights, dr_exc=dr_exc, dr_inh=dr_inh,
                      **({} if bias_exc is None and bias_inh is None else dict(bias_exc=bias_exc, bias_inh=bias_inh)),
                      **fixed)
        for k in ("g_factor", "q_factor"):
            params.pop(k, None)
        self._fixed = is_fixed(params)
        if self._fixed:
            net = ei_rate_network(params)       # validates every integer
            n = net.populations["rate"].n
            init = np.broadcast_to(np.asarray(state), (n,))
            if not np.issubdtype(init.dtype, np.integer) and not np.all(init == np.rint(init)):
                raise ValueError("state of a fixed-point EIRateNetwork must be integers (state units)")
            if np.any(np.abs(init) > 2 ** 23 - 1):
                raise ValueError("state must lie in [-(2**23 - 1), 2**23 - 1] (24-bit state)")
            super().__init__(rate_fixed=params, name=name, log_config=log_config)
            self.state = Var(shape=(n,), init=init.astype(np.int32))
        else:
            n_e, n_i, dr, bias, w = rate_params(shape_exc, shape_inh, weights, dr_exc, dr_inh,
                                                bias_exc, bias_inh)
            n = n_e + n_i
            super().__init__(shape_exc=n_e, shape_inh=n_i, weights=w, dr=dr, bias=bias,
                             name=name, log_config=log_config)
            self.state = Var(shape=(n,), init=np.broadcast_to(np.asarray(state, float), (n,)).copy())
        self.a_in = InPort(shape=(n,))
        self.s_out = OutPort(shape=(n,))

    def _check_model_kind(self, kind: str) -> None:
        have = "fixed" if self._fixed else "float"
        if kind != have:
            tag = "fixed_pt" if self._fixed else "floating_pt"
            raise ValueError(f"this EIRateNetwork has {have}-point parameters but the run config selected "
                             f"a {kind}-point model; use Loihi2SimCfg(select_tag={tag!r})")
