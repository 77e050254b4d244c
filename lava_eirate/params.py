"""Validated parameter sets: :class:`FixedLIF`, :class:`FixedSynapses`, :class:`FloatLIF`.

Every parameter is checked when it is set (on construction and on later assignment); a
value outside its legal range raises ``ValueError`` naming the parameter, the value
(with its index for arrays) and the range. Ranges: :mod:`lava_eirate.loihi.limits`.
"""
from __future__ import annotations

import numpy as np

from . import _validate as V
from ._sparse import checked, csc_parts, is_sparse
from .loihi import limits as L
from .loihi import network_kernel as NK
from .loihi.kernels import FMT_CSC, FMT_DENSE, FMT_PACKED, PACK_MASK, PACK_SHIFT
from .loihi.weights import (SignMode, as_sign_mode, detect_sign_mode, mantissa_range,
                            truncate_mantissas)

#: A dense matrix denser than this is stored transposed and dense (no index arrays).
DENSE_STORAGE_DENSITY = 0.5


class _PerNeuronInt:
    """Descriptor: an integer scalar or per-neuron array, validated on assignment."""

    def __init__(self, lo: int, hi: int, doc: str):
        self.lo, self.hi, self.__doc__ = lo, hi, doc

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        return obj.__dict__[self.name]

    def __set__(self, obj, value):
        obj.__dict__[self.name] = V.int_param(self.name, value, self.lo, self.hi, obj.n)


class _PerNeuronFloat:
    """Descriptor: a finite real scalar or per-neuron array, validated on assignment."""

    def __init__(self, lo: float, hi: float, doc: str):
        self.lo, self.hi, self.__doc__ = lo, hi, doc

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        return obj.__dict__[self.name]

    def __set__(self, obj, value):
        obj.__dict__[self.name] = V.float_param(self.name, value, self.lo, self.hi, obj.n)


class _NeuronModel:
    """Shared by the neuron models: ``n``, the family ("fixed"/"float") and the per-neuron
    arrays the network kernel takes (:meth:`engine_arrays`)."""

    family = ""
    model_code = NK.MODEL_LIF
    _fields: tuple = ()

    def to_dict(self) -> dict:
        out = {"n": self.n}
        for k in self._fields:
            val = getattr(self, k)
            out[k] = val.tolist() if isinstance(val, np.ndarray) else val
        return out

    def __repr__(self):
        def short(a):
            if not isinstance(a, np.ndarray):
                return repr(a)
            return repr(a.item()) if a.ndim == 0 else f"array(n={a.size})"
        args = ", ".join(f"{k}={short(getattr(self, k))}" for k in self._fields)
        return f"{type(self).__name__}(n={self.n}, {args})"

    def _full(self, name, dtype):
        return V.full(getattr(self, name), self.n, dtype)

    def reset_schedule(self) -> tuple[int, int]:
        """``(reset_interval, reset_offset)``; interval 0 = never."""
        return 0, 0


class _FixedLIFBase(_NeuronModel):
    """du, dv, bias_mant, bias_exp of Lava's ``AbstractPyLifModelFixed``."""

    family = "fixed"
    du = _PerNeuronInt(*L.DU_RANGE, "current decay in [0, 4095]")
    dv = _PerNeuronInt(*L.DV_RANGE, "voltage decay in [0, 4095]")
    bias_mant = _PerNeuronInt(*L.BIAS_MANT_RANGE, "bias mantissa in [-4096, 4095]")
    bias_exp = _PerNeuronInt(*L.BIAS_EXP_RANGE, "bias exponent in [0, 7]")

    def _init_lif(self, n, du, dv, bias_mant, bias_exp):
        self.n = V.as_count("n", n)
        self.du = du
        self.dv = dv
        self.bias_mant = bias_mant
        self.bias_exp = bias_exp

    def _decays_and_bias(self):
        n = self.n
        ukeep = L.DECAY_UNITY - (V.full(self.du, n, np.int64) + L.DU_OFFSET)
        vkeep = L.DECAY_UNITY - (V.full(self.dv, n, np.int64) + L.DV_OFFSET)
        bias_eff = V.full(self.bias_mant, n, np.int64) << V.full(self.bias_exp, n, np.int64)
        return ukeep, vkeep, bias_eff

    def engine_arrays(self):
        """``(ukeep, vkeep, bias_eff, vth_eff, vth_lo_eff)`` int32 and ``ref_period`` int64,
        each (n,): ``4096 - du - 1``, ``4096 - dv``, ``bias_mant << bias_exp``, the (upper)
        threshold ``<< 6`` and the lower threshold ``<< 6`` (ternary; else 0)."""
        ukeep, vkeep, bias_eff = self._decays_and_bias()
        hi, lo = self._thresholds()
        arrs = [x.astype(np.int32) for x in (ukeep, vkeep, bias_eff, hi << L.VTH_SHIFT, lo << L.VTH_SHIFT)]
        return (*arrs, self._ref_period())

    def _thresholds(self):
        return self._full("vth", np.int64), np.zeros(self.n, np.int64)

    def _ref_period(self):
        return np.zeros(self.n, np.int64)


class FixedLIF(_FixedLIFBase):
    """Loihi LIF neurons in integers (the parameters of Lava's ``PyLifModelBitAcc``).

    Each parameter is a scalar or an array of shape ``(n,)``.

    Parameters
    ----------
    n : number of neurons (>= 1).
    du, dv : current and voltage decay, integers in [0, 4095] (per step, in 1/4096;
        Loihi adds 1 to du).
    vth : threshold mantissa in [0, 2**17 - 1]; the neuron spikes where ``v > vth << 6``.
    bias_mant : bias mantissa in [-4096, 4095].
    bias_exp : bias exponent in [0, 7]; the bias added each step is ``bias_mant << bias_exp``.
    """

    _fields = ("du", "dv", "vth", "bias_mant", "bias_exp")
    vth = _PerNeuronInt(*L.VTH_RANGE, "threshold mantissa in [0, 131071]")

    def __init__(self, n, du, dv, vth, bias_mant=0, bias_exp=0):
        self._init_lif(n, du, dv, bias_mant, bias_exp)
        self.vth = vth

    def kernel_arrays(self):
        """Per-neuron int32 arrays ``(ukeep, vkeep, bias_eff, vth_eff)``:
        ``4096 - du - 1``, ``4096 - dv``, ``bias_mant << bias_exp`` and ``vth << 6``."""
        return self.engine_arrays()[:4]


class FixedLIFReset(FixedLIF):
    """Lava's ``PyLifResetModelBitAcc``: a :class:`FixedLIF` whose u and v are set to 0
    before the update of every step ``t`` (Lava's ``time_step``, from 1) with
    ``t % reset_interval == reset_offset``.

    Parameters
    ----------
    reset_interval : integer >= 1 (one value for the population, as in Lava).
    reset_offset : integer in [0, reset_interval - 1] (Lava takes it modulo the
        interval; give the remainder).
    """

    model_code = NK.MODEL_LIF_RESET
    _fields = FixedLIF._fields + ("reset_interval", "reset_offset")

    def __init__(self, n, du, dv, vth, bias_mant=0, bias_exp=0, reset_interval=1, reset_offset=0):
        super().__init__(n, du, dv, vth, bias_mant, bias_exp)
        self.reset_interval = V.int_scalar("reset_interval", reset_interval, 1, 2 ** 31 - 1)
        self.reset_offset = V.int_scalar("reset_offset", reset_offset, 0, self.reset_interval - 1)

    def reset_schedule(self):
        return self.reset_interval, self.reset_offset


class FixedTernaryLIF(_FixedLIFBase):
    """Lava's ``PyTernLifModelFixed``: spikes +1 where ``v > vth_hi << 6`` and -1 where
    ``v < vth_lo << 6``; v is reset to 0 after either.

    vth_hi, vth_lo : integers in [-(2**23 - 1), 2**23 - 1] (Lava's 24-bit Vars), scalars
        or (n,), with ``vth_lo <= vth_hi``. Other parameters as :class:`FixedLIF`.

    Graded connections (``num_message_bits > 0``) carry the sign; binary ones, as Lava's
    Dense does (``s_in.astype(bool)``), count -1 as a spike.
    """

    model_code = NK.MODEL_TERNARY
    _fields = ("du", "dv", "vth_hi", "vth_lo", "bias_mant", "bias_exp")
    vth_hi = _PerNeuronInt(*L.UV_INIT_RANGE, "upper threshold mantissa in [-(2**23-1), 2**23-1]")
    vth_lo = _PerNeuronInt(*L.UV_INIT_RANGE, "lower threshold mantissa in [-(2**23-1), 2**23-1]")

    def __init__(self, n, du, dv, vth_hi, vth_lo, bias_mant=0, bias_exp=0):
        self._init_lif(n, du, dv, bias_mant, bias_exp)
        self.vth_hi = vth_hi
        self.vth_lo = vth_lo
        _check_order("vth_lo", self.vth_lo, "vth_hi", self.vth_hi)

    def _thresholds(self):
        return self._full("vth_hi", np.int64), self._full("vth_lo", np.int64)


class FixedLIFRefractory(FixedLIF):
    """Loihi 1's refractory delay on a :class:`FixedLIF` (Lava 0.10 has no fixed model):
    after a spike at step t the voltage is held at 0 for steps t+1 .. t+refractory_period
    while u keeps integrating.

    refractory_period : integer in [1, 62], scalar or (n,). Loihi 1's refractory delay
        field is 6 bits (at most 63) and counts the spike step too: NxSDK and
        nengo-loihi set ``refractDelay = refractory_period + 1``.

    Against nengo-loihi's emulator (``CompartmentState.update``: v zeroed while
    ``ref_count > 0``, then the threshold test, ``ref_count = refract_delay``, decrement)
    the rule coincides step for step (tests/numpy_network_reference.py transcribes it).
    Where they differ: the emulator raises on u leaving 23 bits (lava_eirate wraps u at
    24 bits as Lava's ``PyLifModelBitAcc`` does) and clips v to its configured
    ``vmin``/``vmax`` (lava_eirate: Lava's +-(2**23 - 1)); v held rather than zeroed
    differs only for a state set by hand with ``v != 0`` inside a refractory period.
    """

    model_code = NK.MODEL_REFRACTORY
    _fields = FixedLIF._fields + ("refractory_period",)
    refractory_period = _PerNeuronInt(1, 62, "refractory period in steps, in [1, 62]")

    def __init__(self, n, du, dv, vth, bias_mant=0, bias_exp=0, refractory_period=1):
        super().__init__(n, du, dv, vth, bias_mant, bias_exp)
        self.refractory_period = refractory_period

    def _ref_period(self):
        return self._full("refractory_period", np.int64)


def _check_order(lo_name, lo, hi_name, hi):
    bad = np.broadcast_to(lo > hi, np.broadcast(lo, hi).shape)
    if bad.any():
        idx = int(np.argmax(bad)) if bad.ndim else None
        where = "" if idx is None else f"[{idx}]"
        lv = lo if lo.ndim == 0 else np.broadcast_to(lo, bad.shape)[idx]
        hv = hi if hi.ndim == 0 else np.broadcast_to(hi, bad.shape)[idx]
        raise ValueError(f"{lo_name}{where} = {lv} is above {hi_name}{where} = {hv}; "
                         f"need {lo_name} <= {hi_name}")


class _FloatLIFBase(_NeuronModel):
    """du, dv, bias of Lava's float LIF models (``AbstractPyLifModelFloat``)."""

    family = "float"
    du = _PerNeuronFloat(0.0, 1.0, "current decay per step in [0, 1]")
    dv = _PerNeuronFloat(0.0, 1.0, "voltage decay per step in [0, 1]")
    bias = _PerNeuronFloat(-np.inf, np.inf, "bias added each step")

    def _init_lif(self, n, du, dv, bias):
        self.n = V.as_count("n", n)
        self.du = du
        self.dv = dv
        self.bias = bias

    def engine_arrays(self):
        """``(du, dv, bias, vth, vth_lo)`` float64 and ``ref_period`` int64, each (n,)."""
        hi, lo = self._thresholds()
        return (self._full("du", np.float64), self._full("dv", np.float64),
                self._full("bias", np.float64), hi, lo, self._ref_period())

    def _thresholds(self):
        return self._full("vth", np.float64), np.zeros(self.n)

    def _ref_period(self):
        return np.zeros(self.n, np.int64)


class FloatLIF(_FloatLIFBase):
    """Floating-point LIF neurons (Lava's ``PyLifModelFloat``).

    ``u = u*(1-du) + a``; ``v = v*(1-dv) + u + bias``; spike where ``v > vth``, then
    ``v = 0``. du and dv are in [0, 1] per step; vth and bias are finite reals.
    """

    _fields = ("du", "dv", "vth", "bias")
    vth = _PerNeuronFloat(-np.inf, np.inf, "threshold")

    def __init__(self, n, du, dv, vth, bias=0.0):
        self._init_lif(n, du, dv, bias)
        self.vth = vth


class FloatLIFReset(FloatLIF):
    """Lava's ``PyLifResetModelFloat``: :class:`FloatLIF` with u and v set to 0 before the
    update of every step t with ``t % reset_interval == reset_offset`` (as
    :class:`FixedLIFReset`)."""

    model_code = NK.MODEL_LIF_RESET
    _fields = FloatLIF._fields + ("reset_interval", "reset_offset")

    def __init__(self, n, du, dv, vth, bias=0.0, reset_interval=1, reset_offset=0):
        super().__init__(n, du, dv, vth, bias)
        self.reset_interval = V.int_scalar("reset_interval", reset_interval, 1, 2 ** 31 - 1)
        self.reset_offset = V.int_scalar("reset_offset", reset_offset, 0, self.reset_interval - 1)

    def reset_schedule(self):
        return self.reset_interval, self.reset_offset


class FloatTernaryLIF(_FloatLIFBase):
    """Lava's ``PyTernLifModelFloat``: +1 where ``v > vth_hi``, -1 where ``v < vth_lo``
    (``vth_lo <= vth_hi``), v reset to 0 after either."""

    model_code = NK.MODEL_TERNARY
    _fields = ("du", "dv", "vth_hi", "vth_lo", "bias")
    vth_hi = _PerNeuronFloat(-np.inf, np.inf, "upper threshold")
    vth_lo = _PerNeuronFloat(-np.inf, np.inf, "lower threshold")

    def __init__(self, n, du, dv, vth_hi, vth_lo, bias=0.0):
        self._init_lif(n, du, dv, bias)
        self.vth_hi = vth_hi
        self.vth_lo = vth_lo
        _check_order("vth_lo", self.vth_lo, "vth_hi", self.vth_hi)

    def _thresholds(self):
        return self._full("vth_hi", np.float64), self._full("vth_lo", np.float64)


class FloatLIFRefractory(FloatLIF):
    """Lava's ``PyLifRefractoryModelFloat``: after a spike at step t, v is held (at its
    reset value 0) for steps t+1 .. t+refractory_period; u keeps integrating.
    refractory_period: integer >= 1, scalar or (n,)."""

    model_code = NK.MODEL_REFRACTORY
    _fields = FloatLIF._fields + ("refractory_period",)
    refractory_period = _PerNeuronInt(1, 2 ** 31 - 1, "refractory period in steps, >= 1")

    def __init__(self, n, du, dv, vth, bias=0.0, refractory_period=1):
        super().__init__(n, du, dv, vth, bias)
        self.refractory_period = refractory_period

    def _ref_period(self):
        return self._full("refractory_period", np.int64)


class FixedRate(_NeuronModel):
    """Graded rate neurons in integers (Loihi 2 programmable neurons with graded spikes);
    the fixed-point form of the Lava E/I tutorial's rate neuron. Lava 0.10 has no such
    model: the rules below are lava_eirate's, each one an operation Loihi 2's neuron
    microcode has.

    Per neuron and step, with ``a`` the int32 sum of the step's input (graded Dense/Sparse
    outputs and direct inputs, as Lava's InPorts add them):

    1. ``x = clip(decay(x, dr) + a + (bias_mant << bias_exp), -(2**23 - 1), 2**23 - 1)``:
       24-bit state, saturating as Loihi's v does; ``decay`` is Loihi's
       ``sign(x) * ((|x| * (4096 - dr)) >> 12)`` (multiply, shift; rounds toward zero).
    2. payload ``y = sign(x) * g(|x|)``, ``g`` a table read with linear interpolation
       (:func:`lava_eirate.loihi.kernels.rate_fixed_output`: shift, mask, one table read
       pair, multiply, add, shift; the table read as Lava's own ``InvSqrtModelFP`` in
       ``lava.proc.graded`` uses one). For the tutorial's ``erf`` the table is
       :func:`lava_eirate.loihi.rate.erf_table`.
    3. ``y`` is sent as a graded spike (signed, as Lava's ``SigmaDelta`` sends them; 0
       sends nothing), to arrive at the next step through Dense/Sparse with
       ``num_message_bits`` wide enough for ``max |table|``.

    In traces and NetworkState, ``v`` is the state ``x`` and ``u`` the payload ``y``.

    Parameters
    ----------
    n : number of neurons (>= 1).
    dr : state decay per step in 1/4096, integers in [0, 4095] (scalar or (n,)).
    bias_mant, bias_exp : bias ``bias_mant << bias_exp`` added each step, mantissa in
        [-4096, 4095], exponent in [0, 7] (scalar or (n,)).
    table : 1-D integers, ``g`` at ``|x| = i * 2**table_shift`` for ``i = 0 .. len - 1``;
        ``g`` is ``table[-1]`` beyond; entries in [-(2**23 - 1), 2**23 - 1] (24-bit payload).
    table_shift : interpolation step ``2**table_shift`` state units, in [0, 23].
    """

    family = "fixed"
    model_code = NK.MODEL_RATE
    _fields = ("dr", "bias_mant", "bias_exp", "table", "table_shift")
    dr = _PerNeuronInt(0, L.DECAY_UNITY - 1, "state decay in [0, 4095] (1/4096 per step)")
    bias_mant = _PerNeuronInt(*L.BIAS_MANT_RANGE, "bias mantissa in [-4096, 4095]")
    bias_exp = _PerNeuronInt(*L.BIAS_EXP_RANGE, "bias exponent in [0, 7]")

    def __init__(self, n, dr, bias_mant=0, bias_exp=0, *, table, table_shift=0):
        self.n = V.as_count("n", n)
        self.dr = dr
        self.bias_mant = bias_mant
        self.bias_exp = bias_exp
        self.table_shift = V.int_scalar("table_shift", table_shift, 0, L.UV_BITS - 1)
        tab = V.int_param("table", table, L.V_MIN, L.V_MAX)
        if tab.ndim != 1 or tab.size < 1:
            raise ValueError(f"table must be a 1-D integer array with at least one entry, got shape {tab.shape}")
        from .loihi.rate import interpolation_product
        prod = interpolation_product(tab, self.table_shift)
        if prod > 2 ** 31 - 1:
            step = int(np.max(np.abs(np.diff(tab))))
            raise ValueError(f"table steps up to {step} with table_shift={self.table_shift}: the "
                             f"interpolation product {prod} leaves int32 [-2**31, 2**31 - 1]; "
                             f"use a smaller table_shift (more entries)")
        self.table = tab.astype(np.int32)

    @property
    def max_payload(self) -> int:
        """The largest |payload| the population sends."""
        return int(np.max(np.abs(self.table)))

    def engine_arrays(self):
        """``(table_shift, 4096 - dr, bias_mant << bias_exp, table offset 0, last table
        index)`` int32 and a zero ``ref_period``, each (n,) (the engine adds the table's offset)."""
        n = self.n
        keep = L.DECAY_UNITY - V.full(self.dr, n, np.int64)
        bias_eff = V.full(self.bias_mant, n, np.int64) << V.full(self.bias_exp, n, np.int64)
        return (np.full(n, self.table_shift, np.int32), keep.astype(np.int32), bias_eff.astype(np.int32),
                np.zeros(n, np.int32), np.full(n, self.table.size - 1, np.int32), np.zeros(n, np.int64))

    def rate_table(self) -> np.ndarray:
        return self.table


class FloatRate(_NeuronModel):
    """The Lava E/I tutorial's rate neuron: ``r = (1 - dr) r + bias + a``; it sends
    ``erf(r)`` (to arrive at the next step, as the tutorial's ``W @ erf(r(t-1))``); dr in
    [0, 1] and a finite bias, scalars or (n,). The tutorial scales its weights by dr
    (``dr * W``): pass ``FloatSynapses(dr[:, None] * W, num_message_bits=24)``. In traces,
    ``v`` is r and ``u`` is erf(r)."""

    family = "float"
    model_code = NK.MODEL_RATE
    _fields = ("dr", "bias")
    dr = _PerNeuronFloat(0.0, 1.0, "state decay per step in [0, 1]")
    bias = _PerNeuronFloat(-np.inf, np.inf, "bias added each step")

    def __init__(self, n, dr, bias=0.0):
        self.n = V.as_count("n", n)
        self.dr = dr
        self.bias = bias

    @property
    def max_payload(self) -> float:
        return 1.0

    def engine_arrays(self):
        z = np.zeros(self.n)
        return (z, self._full("dr", np.float64), self._full("bias", np.float64), z, z,
                np.zeros(self.n, np.int64))

    def rate_table(self) -> np.ndarray:
        return np.zeros(0, np.int32)


def _read_weights(weights, lava_compat: bool):
    """Return ``(matrix, is_sparse, num_cast)`` with a 2-D numeric matrix; raise on bad input."""
    if is_sparse(checked("weights", weights)):
        import scipy.sparse as sp
        w = sp.csc_matrix(weights)
        w.sum_duplicates()
        vals = w.data
        label = "weights (stored values)"
    else:
        w = V._numeric_array("weights", weights)
        vals = w
        label = "weights"
    if w.ndim != 2:
        raise ValueError(f"weights must be a 2-D matrix W[post, pre]; got shape {w.shape}")
    if w.shape[0] < 1 or w.shape[1] < 1:
        raise ValueError(f"weights must have at least one row and column; got shape {w.shape}")
    if np.iscomplexobj(vals):
        raise ValueError("weights must be real integers, got complex values")
    num_cast = 0
    if np.issubdtype(vals.dtype, np.floating):
        bad = ~np.isfinite(vals)
        if bad.any():
            raise ValueError(f"{label} contain {int(bad.sum())} non-finite value(s); "
                             f"weight mantissas must be finite integers")
        bad = vals != np.trunc(vals)
        num_cast = int(bad.sum())
        if num_cast and not lava_compat:
            v = vals[bad].flat[0]
            raise ValueError(f"{label} contain {num_cast} non-integer value(s) (e.g. {v}); "
                             f"weight mantissas must be integers -- quantize them first "
                             f"(lava_eirate.float_to_fixed), or pass lava_compat=True to "
                             f"truncate toward zero as Lava's Dense does")
        if is_sparse(w):
            w = w.copy()
            w.data = np.trunc(w.data)
        else:
            w = np.trunc(w)
    return w, is_sparse(w), num_cast


class _Synapses:
    """Shared by FixedSynapses and FloatSynapses: ``shape`` is ``(n_post, n_pre)``."""

    shape: tuple

    @property
    def n_post(self) -> int:
        return self.shape[0]

    @property
    def n_pre(self) -> int:
        return self.shape[1]


class FixedSynapses(_Synapses):
    """Loihi weight mantissas with ``weight_exp``, ``num_weight_bits`` and ``sign_mode``.

    ``weights`` is an (n_post, n_pre) integer array or scipy.sparse matrix, ``W[post,
    pre]``. Preparation follows Lava's ``PyDenseModelBitAcc``: sign mode given or detected
    (EXCITATORY if min >= 0, INHIBITORY if max <= 0, else MIXED; implicit zeros of a
    sparse matrix count), then ``k = 8 - num_weight_bits (+1 if MIXED)`` low bits dropped.

    Mantissas outside the sign mode's range (MIXED [-256, 255], EXCITATORY [0, 255],
    INHIBITORY [-255, 0]) and non-integer values raise ``ValueError`` unless
    ``lava_compat=True``, which truncates toward zero and clips as Lava's Dense silently
    does (counted in ``num_cast`` and ``num_clipped``). Truncation by num_weight_bits is
    what Loihi holds; ``num_truncated`` and ``num_zeroed`` count its effect. The per-step
    input is ``(sum of W[:, j] over spiking j)`` shifted left by ``weight_exp`` (right,
    flooring, when negative), weight_exp in [-8, 7].

    ``num_message_bits`` in [0, 24]: 0 sends binary spikes (any nonzero payload counts as
    one spike, as Lava's Dense does ``s_in.astype(bool)``); > 0 carries graded spikes, each
    adding ``weight * payload`` (Lava's ``weights.dot(s_in)``; Loihi 2 payloads are at most
    24 bits wide). As in Lava 0.10's models the width is not applied to the payload.
    Dense ``weights`` behave as Lava's Dense/DelayDense, scipy.sparse ones as
    Sparse/DelaySparse (they differ only in where graded sums wrap to int32).
    """

    def __init__(self, weights, weight_exp=0, num_weight_bits=8, sign_mode=None,
                 num_message_bits=0, *, lava_compat=False):
        lava_compat = V.as_flag("lava_compat", lava_compat)
        w, is_sparse, self.num_cast = _read_weights(weights, lava_compat)
        self.shape = tuple(int(s) for s in w.shape)
        self.sparse_input = bool(is_sparse)
        self.weight_exp = weight_exp
        self.num_weight_bits = num_weight_bits
        self.num_message_bits = V.int_scalar("num_message_bits", num_message_bits, 0, 24)
        if is_sparse:
            vals = w.data
            has_implicit_zero = w.nnz < w.shape[0] * w.shape[1]
            w_min = min(vals.min(), 0) if (has_implicit_zero and vals.size) else (vals.min() if vals.size else 0)
            w_max = max(vals.max(), 0) if (has_implicit_zero and vals.size) else (vals.max() if vals.size else 0)
        else:
            w_min, w_max = w.min(), w.max()
        mode = as_sign_mode(sign_mode)
        if mode is None:
            mode = detect_sign_mode(int(np.trunc(w_min)), int(np.trunc(w_max)))
        self.sign_mode = mode
        self.sign_mode_given = sign_mode is not None
        lo, hi = mantissa_range(mode)

        vals = (w.data if is_sparse else w)
        bad = (vals < lo) | (vals > hi)
        n_out = int(np.count_nonzero(bad))
        if n_out and not lava_compat:
            if is_sparse:
                coo = w.tocoo()
                k = int(np.argmax(bad))
                where, val = f"weights[{coo.row[k]}, {coo.col[k]}]", coo.data[k]
            else:
                where, val = V._where("weights", vals, bad)
            raise ValueError(
                f"{where} = {val} is out of range [{lo}, {hi}] for sign_mode={mode.name} "
                f"({n_out} weight(s) out of range); pass lava_compat=True to clip as Lava's Dense does")
        self.num_clipped = n_out
        del bad
        vals = np.clip(vals, lo, hi).astype(np.int32)
        eff = truncate_mantissas(vals, mode, self.num_weight_bits)
        self.num_truncated = int(np.count_nonzero(eff != vals))
        del vals     # (large networks: every copy not needed any more is freed before the next)
        if is_sparse:
            import scipy.sparse as sp
            self.num_zeroed = int(np.count_nonzero((eff == 0) & (w.data != 0)))
            mat = sp.csc_matrix((eff.astype(np.int16), w.indices.copy(), w.indptr.copy()),
                                shape=self.shape)
            del eff
            mat.eliminate_zeros()
        else:
            self.num_zeroed = int(np.count_nonzero((eff == 0) & (np.asarray(w) != 0)))
            mat = eff.astype(np.int16)
            del eff
        self._store(mat)

    def _store(self, mat):
        n_post, n_pre = self.shape
        nnz = mat.nnz if is_sparse(mat) else int(np.count_nonzero(mat))
        density = nnz / float(n_post * n_pre)
        if not is_sparse(mat) and density > DENSE_STORAGE_DENSITY:
            self.fmt = FMT_DENSE
            self.w_t = np.ascontiguousarray(mat.T, dtype=np.int16)
            self.indptr = np.zeros(1, np.int64)
            self.indices = np.zeros(0, np.uint32)
            self.data = np.zeros(0, np.int16)
            row_abs = np.abs(self.w_t.astype(np.int64)).sum(axis=0) if self.w_t.size else np.zeros(1)
        else:
            indptr, post, mant = csc_parts(mat)
            del mat
            self.w_t = np.zeros((0, 0), np.int16)
            self.indptr = indptr
            nnz = int(mant.size)
            # |weights| summed per target, in chunks (no nnz-sized float64 temporaries)
            row_abs = np.zeros(max(n_post, 1))
            for a in range(0, nnz, 1 << 22):
                row_abs[:n_post] += np.bincount(post[a:a + (1 << 22)], minlength=n_post,
                                                weights=np.abs(mant[a:a + (1 << 22)]).astype(np.float64))
            if n_post <= PACK_MASK + 1:
                self.fmt = FMT_PACKED
                self.indices = np.zeros(0, np.uint32)
                data = mant.astype(np.int32)          # (mantissa << 23) | target, formed in place
                del mant
                np.left_shift(data, PACK_SHIFT, out=data)
                np.bitwise_or(data, post.astype(np.int32, copy=False), out=data)
                self.data = data
            else:
                self.fmt = FMT_CSC
                self.indices = post.astype(np.uint32)
                self.data = mant.astype(np.int16)
        self.nnz = nnz
        #: int32 accumulation is exact when no neuron's summed |weights| can leave int32.
        self.acc_dtype = np.int32 if float(np.max(row_abs)) < 2 ** 31 else np.int64

    # -- validated scalars -------------------------------------------------------------
    @property
    def weight_exp(self) -> int:
        return self._weight_exp

    @weight_exp.setter
    def weight_exp(self, value):
        self._weight_exp = V.int_scalar("weight_exp", value, *L.WEIGHT_EXP_RANGE)

    @property
    def num_weight_bits(self) -> int:
        return self._num_weight_bits

    @num_weight_bits.setter
    def num_weight_bits(self, value):
        if hasattr(self, "_num_weight_bits"):
            raise AttributeError("num_weight_bits is fixed at construction (it changes the "
                                 "stored mantissas); build a new FixedSynapses")
        self._num_weight_bits = V.int_scalar("num_weight_bits", value, *L.NUM_WEIGHT_BITS_RANGE)

    @property
    def nbytes(self) -> int:
        """Bytes held for weights and index arrays (packed: 9-bit mantissa + 23-bit index
        in 4 bytes, plus the per-neuron ``indptr``)."""
        return int(self.w_t.nbytes + self.indptr.nbytes + self.indices.nbytes + self.data.nbytes)

    def effective_weights(self, sparse: bool | None = None):
        """The mantissas Loihi holds, ``W[post, pre]`` as int32 (dense, or CSR if sparse)."""
        import scipy.sparse as sp
        if self.fmt == FMT_DENSE:
            dense = self.w_t.T.astype(np.int32)
            return sp.csr_matrix(dense) if sparse else dense
        if self.fmt == FMT_PACKED:
            mant, post = self.data >> PACK_SHIFT, self.data & PACK_MASK
        else:
            mant, post = self.data.astype(np.int32), self.indices
        csc = sp.csc_matrix((mant, post, self.indptr), shape=self.shape)
        if sparse is False:
            return csc.toarray()
        return csc.tocsr()

    def activation(self, spikes) -> np.ndarray:
        """The int32 input that one step of presynaptic ``spikes`` ((n_pre,); bool, or
        integer payloads when ``num_message_bits > 0``) produces: ``(sum of W[:, j] over
        spiking j) << weight_exp``, cast to int32 -- what Lava's Dense sends on the
        following step."""
        s = np.asarray(spikes)
        if s.shape != (self.n_pre,):
            raise ValueError(f"spikes have shape {s.shape}; expected ({self.n_pre},)")
        pay = V.int_param("spikes", s, np.iinfo(np.int32).min, np.iinfo(np.int32).max,
                          allow_bool=True).astype(np.int32)
        idx = np.flatnonzero(pay).astype(np.int32)
        acc = np.zeros(self.n_post, np.int64)
        graded = self.num_message_bits > 0
        NK._acc_direct(idx, idx.size, 0, graded, pay, self.indptr, 1, 0, *self.storage(), self.n_post,
                       0, self.n_post, acc, 0)
        if graded:  # numpy's int32 dot wraps before the shift
            acc = acc.astype(np.int32).astype(np.int64)
        e = self.weight_exp
        acc = acc << e if e > 0 else acc >> -e
        return acc.astype(np.int32)

    def storage(self):
        """``(packed, csc_idx, csc_w, wt, fmt)``: the stored synapses, by presynaptic neuron
        (``indptr`` alongside), for the network kernel; unused layouts are empty."""
        empty_i32, empty_u32, empty_i16 = np.zeros(0, np.int32), np.zeros(0, np.uint32), np.zeros(0, np.int16)
        if self.fmt == FMT_PACKED:
            return self.data, empty_u32, empty_i16, empty_i16, self.fmt
        if self.fmt == FMT_CSC:
            return empty_i32, self.indices, self.data, empty_i16, self.fmt
        return empty_i32, empty_u32, empty_i16, self.w_t.ravel(), self.fmt

    def synapse_coords(self):
        """``(post, pre)`` of every stored synapse in storage order (dense layout: all
        ``(post, pre)`` pairs, pre-major)."""
        return _synapse_coords(self.fmt, self.shape, self.indptr,
                               (self.data & PACK_MASK) if self.fmt == FMT_PACKED else self.indices)

    def __repr__(self):
        return (f"FixedSynapses(shape={self.shape}, nnz={self.nnz}, weight_exp={self.weight_exp}, "
                f"num_weight_bits={self.num_weight_bits}, sign_mode={self.sign_mode.name})")


def _synapse_coords(fmt, shape, indptr, post):
    n_post, n_pre = shape
    if fmt == FMT_DENSE:
        pre, post = np.divmod(np.arange(n_post * n_pre, dtype=np.int64), n_post)
        return post, pre
    pre = np.repeat(np.arange(n_pre, dtype=np.int64), np.diff(indptr))
    return np.asarray(post, dtype=np.int64), pre


class FloatSynapses(_Synapses):
    """Float weights ``W[post, pre]`` (dense or scipy.sparse), Lava's float Dense/Sparse.

    ``num_message_bits > 0`` carries graded spikes (``weights.dot(payload)``); 0 counts any
    nonzero payload as one spike. See :class:`FixedSynapses`.
    """

    def __init__(self, weights, num_message_bits=0):
        if isinstance(weights, FloatSynapses):
            weights = weights.matrix
        self.num_message_bits = V.int_scalar("num_message_bits", num_message_bits, 0, 24)
        self.sparse_input = is_sparse(checked("weights", weights))
        raw = weights.data if is_sparse(weights) else V._numeric_array("weights", weights)
        if np.iscomplexobj(raw):
            raise ValueError("weights must be real, got complex values")
        if is_sparse(weights):
            import scipy.sparse as sp
            w = sp.csc_matrix(weights, dtype=np.float64)
            w.sum_duplicates()
            vals = w.data
        else:
            w = raw.astype(np.float64)
            vals = w
        if w.ndim != 2:
            raise ValueError(f"weights must be a 2-D matrix W[post, pre]; got shape {w.shape}")
        if not np.all(np.isfinite(vals)):
            raise ValueError(f"weights contain {int((~np.isfinite(vals)).sum())} non-finite value(s)")
        self.shape = tuple(int(s) for s in w.shape)
        self.matrix = w
        if is_sparse(w) or np.count_nonzero(w) <= DENSE_STORAGE_DENSITY * w.size:
            indptr, post, vals = csc_parts(w)
            self.fmt = FMT_CSC
            self.w_t = np.zeros((0, 0), np.float64)
            self.indptr = indptr
            self.indices = post.astype(np.uint32)
            self.data = vals.astype(np.float64)
        else:
            self.fmt = FMT_DENSE
            self.w_t = np.ascontiguousarray(w.T)
            self.indptr = np.zeros(1, np.int64)
            self.indices = np.zeros(0, np.uint32)
            self.data = np.zeros(0, np.float64)

    def storage(self):
        """As :meth:`FixedSynapses.storage` (float64 weights; no packed layout)."""
        empty = np.zeros(0, np.float64)
        if self.fmt == FMT_CSC:
            return np.zeros(0, np.int32), self.indices, self.data, empty, self.fmt
        return np.zeros(0, np.int32), np.zeros(0, np.uint32), empty, self.w_t.ravel(), self.fmt

    def synapse_coords(self):
        return _synapse_coords(self.fmt, self.shape, self.indptr, self.indices)

    @property
    def nnz(self) -> int:
        return int(self.data.size + self.w_t.size)


__all__ = ["FixedLIF", "FixedLIFReset", "FixedTernaryLIF", "FixedLIFRefractory", "FloatLIF", "FloatLIFReset",
           "FloatTernaryLIF", "FloatLIFRefractory", "FixedSynapses", "FloatSynapses", "SignMode", "EILIFParams"]


_POP_KEYS = ("du", "dv", "vth", "bias_mant", "bias_exp")
#: Keys the converters emit for the rate network they came from: accepted and kept as
#: information (they do not change the LIF dynamics).
INFO_KEYS = ("g_factor", "q_factor")


class EILIFParams:
    """The parameters of an E/I LIF population with recurrent weights, as
    :class:`~lava_eirate.EILIFNetwork` and the converters name them, checked once against
    both models: ``fixed`` holds ``(FixedLIF, FixedSynapses)`` when they are legal Loihi
    integers (else ``fixed_error`` says why), ``float`` holds ``(FloatLIF,
    FloatSynapses)`` when they are legal floats (float LIF uses ``bias_mant`` as its bias
    and ignores ``bias_exp``, as Lava's ``PyLifModelFloat`` does). Neurons
    ``0..shape_exc-1`` are excitatory. Raises ``ValueError`` when neither model can take
    them. Per-population parameters are scalars or arrays of that population's size.
    ``g_factor``/``q_factor`` (converter output) are kept as information only.
    """

    def __init__(self, *, shape_exc, shape_inh, weights, du_exc, dv_exc, vth_exc, bias_mant_exc,
                 du_inh, dv_inh, vth_inh, bias_mant_inh, bias_exp_exc=0, bias_exp_inh=0,
                 weight_exp=0, num_weight_bits=8, sign_mode=None, lava_compat=False,
                 g_factor=None, q_factor=None):
        self.g_factor, self.q_factor = g_factor, q_factor
        self.n_e = V.as_count("shape_exc", shape_exc, lo=0)
        self.n_i = V.as_count("shape_inh", shape_inh, lo=0)
        self.n = self.n_e + self.n_i
        if self.n < 1:
            raise ValueError("shape_exc + shape_inh must be >= 1")
        shape = getattr(weights, "shape", np.shape(weights))
        if tuple(shape) != (self.n, self.n):
            raise ValueError(f"weights have shape {tuple(shape)}; expected ({self.n}, {self.n}) = "
                             f"(shape_exc + shape_inh, shape_exc + shape_inh) W[post, pre]")
        pops = dict(du=(du_exc, du_inh), dv=(dv_exc, dv_inh), vth=(vth_exc, vth_inh),
                    bias_mant=(bias_mant_exc, bias_mant_inh), bias_exp=(bias_exp_exc, bias_exp_inh))
        self.weights = weights
        self.weight_exp = weight_exp
        self.num_weight_bits = num_weight_bits
        self.sign_mode = None if sign_mode is None else as_sign_mode(sign_mode)
        self.lava_compat = V.as_flag("lava_compat", lava_compat)
        self.fixed = self.float = None
        self.fixed_error = self.float_error = None
        try:
            full = {k: self._full_int(k, *pops[k]) for k in _POP_KEYS}
            self.fixed = (FixedLIF(self.n, **full),
                          FixedSynapses(weights, weight_exp, num_weight_bits, sign_mode,
                                        lava_compat=lava_compat))
        except ValueError as exc:
            self.fixed_error = str(exc)
        try:
            fl = {k: self._full_float(k, *pops[k]) for k in ("du", "dv", "vth", "bias_mant")}
            self.float = (FloatLIF(self.n, fl["du"], fl["dv"], fl["vth"], fl["bias_mant"]),
                          FloatSynapses(weights))
        except ValueError as exc:
            self.float_error = str(exc)
        if self.fixed is None and self.float is None:
            raise ValueError("E/I LIF parameters fit neither model --\n"
                             f"  fixed_pt (Loihi integers): {self.fixed_error}\n"
                             f"  floating_pt: {self.float_error}")

    def _pop(self, key, exc, inh, conv):
        arrs = []
        for suffix, value, size in (("_exc", exc, self.n_e), ("_inh", inh, self.n_i)):
            arr = conv(key + suffix, value, size)
            arrs.append(np.broadcast_to(arr, (size,)))
        return np.concatenate(arrs)

    def _full_int(self, key, exc, inh):
        lo, hi = {"du": L.DU_RANGE, "dv": L.DV_RANGE, "vth": L.VTH_RANGE,
                  "bias_mant": L.BIAS_MANT_RANGE, "bias_exp": L.BIAS_EXP_RANGE}[key]
        return self._pop(key, exc, inh, lambda nm, v, size: V.int_param(
            nm, v, lo, hi, None if np.ndim(v) == 0 else size))

    def _full_float(self, key, exc, inh):
        lo, hi = (0.0, 1.0) if key in ("du", "dv") else (-np.inf, np.inf)
        return self._pop(key, exc, inh, lambda nm, v, size: V.float_param(
            nm, v, lo, hi, None if np.ndim(v) == 0 else size))

    def require(self, kind: str):
        """Return ``(neurons, synapses)`` for ``kind`` ("fixed" or "float") or raise."""
        if kind == "fixed":
            if self.fixed is None:
                raise ValueError("the fixed_pt (bit-accurate Loihi) model needs Loihi integers: "
                                 f"{self.fixed_error}. Convert float parameters with "
                                 "lava_eirate.float_to_fixed, or select floating_pt.")
            return self.fixed
        if self.float is None:
            raise ValueError(f"the floating_pt model cannot take these parameters: {self.float_error}")
        return self.float

    def lava_arrays(self, kind: str) -> dict:
        """Per-neuron arrays for Lava's own LIF (du, dv, vth, bias_mant, bias_exp)."""
        neurons, _ = self.require(kind)
        n = self.n
        if kind == "fixed":
            return {k: V.full(getattr(neurons, k), n, np.int64) for k in _POP_KEYS}
        return dict(du=V.full(neurons.du, n, np.float64), dv=V.full(neurons.dv, n, np.float64),
                    vth=V.full(neurons.vth, n, np.float64),
                    bias_mant=V.full(neurons.bias, n, np.float64), bias_exp=np.zeros(n))
