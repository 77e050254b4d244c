"""The E/I rate network as a :class:`~lava_eirate.Network`: one rate population
``"rate"`` (neurons ``0..shape_exc-1`` excitatory) with its recurrent connections.

* float parameters (``tutorial_networks()``'s): :class:`FloatRate` and one graded
  connection ``dr * W`` (the tutorial's scaling by the postsynaptic dr);
* fixed-point parameters (:func:`lava_eirate.convert.rate_to_fixed`'s): :class:`FixedRate`
  and one graded connection per presynaptic population, ``weights[:, exc]`` with
  ``weight_exp_exc`` and ``weights[:, inh]`` with ``weight_exp_inh`` (Loihi synapse
  groups; Lava's Dense each, as the sub-process model of EIRateNetwork builds them).
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from . import _validate as V
from ._sparse import checked, is_sparse
from .engine import Network
from .params import FixedRate, FixedSynapses, FloatRate, FloatSynapses

#: Keys of the fixed-point form (besides shape_exc, shape_inh, weights, dr_exc, dr_inh).
FIXED_KEYS = ("bias_mant_exc", "bias_exp_exc", "bias_mant_inh", "bias_exp_inh", "weight_exp_exc",
              "weight_exp_inh", "num_message_bits", "table", "table_shift")
FLOAT_KEYS = ("bias_exc", "bias_inh")
INFO_KEYS = ("g_factor", "q_factor")


def is_fixed(params: dict) -> bool:
    """True for the fixed-point form (a ``table`` given), False for the float form; raises
    naming the keys when the two are mixed or unknown keys are present."""
    keys = set(params)
    base = {"shape_exc", "shape_inh", "weights", "dr_exc", "dr_inh"}
    missing = base - keys
    if missing:
        raise TypeError(f"rate network parameters lack {sorted(missing)}")
    fixed = "table" in keys
    want = base | set(FIXED_KEYS if fixed else FLOAT_KEYS)
    extra = keys - want - set(INFO_KEYS) - ({"bias_exp_exc", "bias_exp_inh"} if fixed else set())
    if extra:
        other = "float (bias_exc, bias_inh)" if fixed else "fixed-point (table, bias_mant_*, weight_exp_*, ...)"
        raise TypeError(f"unexpected rate network parameters {sorted(extra)} for the "
                        f"{'fixed-point' if fixed else 'float'} form; they belong to the {other} form "
                        f"or to none")
    need = set(FIXED_KEYS if fixed else FLOAT_KEYS) - {"bias_exp_exc", "bias_exp_inh"} - keys
    if need:
        raise TypeError(f"the {'fixed-point' if fixed else 'float'} rate network needs {sorted(need)}")
    return fixed


def _per_pop(name_e, ve, name_i, vi, n_e, n_i, conv):
    return np.concatenate([np.broadcast_to(conv(name_e, ve, n_e), (n_e,)),
                           np.broadcast_to(conv(name_i, vi, n_i), (n_i,))])


def ei_rate_network(params: dict, name: str = "rate") -> Network:
    """The network of float or fixed-point E/I rate parameters (see the module)."""
    fixed = is_fixed(params)
    n_e = V.as_count("shape_exc", params["shape_exc"], lo=0)
    n_i = V.as_count("shape_inh", params["shape_inh"], lo=0)
    n = n_e + n_i
    if n < 1:
        raise ValueError("shape_exc + shape_inh must be >= 1")
    w = params["weights"]
    w = w.toarray() if is_sparse(checked("weights", w)) else w
    if np.shape(w) != (n, n):
        raise ValueError(f"weights have shape {np.shape(w)}; expected ({n}, {n}) = "
                         f"(shape_exc + shape_inh, shape_exc + shape_inh) W[post, pre]")
    net = Network()
    if not fixed:
        from .simulators import rate_params
        _, _, dr, bias, w = rate_params(*(params[k] for k in ("shape_exc", "shape_inh", "weights", "dr_exc",
                                                              "dr_inh", "bias_exc", "bias_inh")))
        pop = net.add(FloatRate(n, dr, bias), name=name)
        net.connect(pop, pop, FloatSynapses(dr[:, None] * w, num_message_bits=24))
        return net
    w = V.int_param("weights", w, -256, 255)
    ints = lambda lo, hi: (lambda k, v, m: V.int_param(k, v, lo, hi, n=m))
    dr = _per_pop("dr_exc", params["dr_exc"], "dr_inh", params["dr_inh"], n_e, n_i, ints(0, 4095))
    bm = _per_pop("bias_mant_exc", params["bias_mant_exc"], "bias_mant_inh", params["bias_mant_inh"], n_e, n_i,
                  ints(-4096, 4095))
    be = _per_pop("bias_exp_exc", params.get("bias_exp_exc", 0), "bias_exp_inh", params.get("bias_exp_inh", 0),
                  n_e, n_i, ints(0, 7))
    pop = net.add(FixedRate(n, dr, bm, be, table=params["table"], table_shift=params["table_shift"]), name=name)
    nb = V.int_scalar("num_message_bits", params["num_message_bits"], 1, 24)
    for part, cols in (("exc", slice(0, n_e)), ("inh", slice(n_e, n))):
        if cols.start == cols.stop:
            continue
        mask = np.zeros((n, n), w.dtype)
        mask[:, cols] = w[:, cols]
        if not mask.any():
            continue
        e = V.int_scalar(f"weight_exp_{part}", params[f"weight_exp_{part}"], -8, 7)
        net.connect(pop, pop, FixedSynapses(sp.csr_matrix(mask), weight_exp=e, num_message_bits=nb,
                                            sign_mode=part_sign_mode(mask)))
    return net


def part_sign_mode(w_part: np.ndarray):
    """The sign mode Lava's Dense detects for one presynaptic population's weights (the
    full (n, n) matrix with the other columns zero)."""
    from .loihi.weights import detect_sign_mode
    return detect_sign_mode(int(w_part.min()), int(w_part.max()))
