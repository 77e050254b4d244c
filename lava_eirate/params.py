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
from .loihi import kernels as K
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
    """Return ``(matrix, num_cast)`` for a dense 2-D numeric matrix; raise on bad input."""
    w = V._numeric_array("weights", weights)
    _check_shape(w.shape)
    if np.iscomplexobj(w):
        raise ValueError("weights must be real integers, got complex values")
    num_cast = 0
    if np.issubdtype(w.dtype, np.floating):
        bad = ~np.isfinite(w)
        if bad.any():
            raise ValueError(f"weights contain {int(bad.sum())} non-finite value(s); "
                             f"weight mantissas must be finite integers")
        bad = w != np.trunc(w)
        num_cast = int(bad.sum())
        _check_cast("weights", num_cast, w[bad].flat[0] if num_cast else None, lava_compat)
        w = np.trunc(w)
    return w, num_cast


def _check_shape(shape):
    if len(shape) != 2:
        raise ValueError(f"weights must be a 2-D matrix W[post, pre]; got shape {shape}")
    if shape[0] < 1 or shape[1] < 1:
        raise ValueError(f"weights must have at least one row and column; got shape {shape}")


def _check_cast(label, num_cast, example, lava_compat):
    if num_cast and not lava_compat:
        raise ValueError(f"{label} contain {num_cast} non-integer value(s) (e.g. {example}); "
                         f"weight mantissas must be integers -- quantize them first "
                         f"(lava_eirate.float_to_fixed), or pass lava_compat=True to "
                         f"truncate toward zero as Lava's Dense does")


#: Stored values of a sparse matrix are converted this many at a time, so that building
#: the synapses of a large network needs no temporaries the size of the network.
SPARSE_CHUNK = 1 << 20


def _canonical_sparse(weights):
    """``weights`` as CSR or CSC with duplicate-free indices: the caller's matrix itself
    when it already is one, sorted or not (it is not modified, and not copied: a matrix
    may be GBs), else a converted copy whose duplicates are summed in int64 (float64 for
    floats), so that no sum wraps in a narrow dtype."""
    import scipy.sparse as sp
    kind = weights.dtype.kind
    if kind == "c":
        raise ValueError("weights must be real integers, got complex values")
    if kind not in "biuf":
        raise TypeError(f"weights must be a numeric matrix; got dtype {weights.dtype}")
    _check_shape(weights.shape)
    fmt = getattr(weights, "format", "")
    if fmt in ("csr", "csc"):
        if weights.has_canonical_format or K.index_order(weights.indptr, weights.indices, True)[1]:
            return weights
        return _folded(weights)
    wide = weights.astype(np.float64 if kind == "f" else np.int64)
    w = sp.csc_matrix(wide) if fmt == "csc" else sp.csr_matrix(wide)
    w.sum_duplicates()
    return w


def _folded(w):
    """CSR/CSC ``w`` with its duplicates summed in place of the first of each (the others
    stored zeros), sharing the caller's ``indices`` and ``indptr``: only the values are
    new, int32 where no sum can leave it (|value| * longest segment < 2**31), else int64;
    float64 for floats."""
    import scipy.sparse as sp
    data = _as_number(w.data)
    if data.dtype.kind == "f":
        dt = np.float64
    else:
        big = max(abs(int(data.min())), abs(int(data.max()))) if data.size else 0
        longest = int(np.diff(w.indptr).max()) if w.indptr.size > 1 else 0
        dt = np.int32 if big * longest < 2 ** 31 else np.int64
    out = np.empty(data.size, dt)
    K.fold_duplicates(w.indptr, w.indices, data, out)
    cls = sp.csr_matrix if w.format == "csr" else sp.csc_matrix
    return cls((out, w.indices, w.indptr), shape=w.shape, copy=False)


def _sparse_coords(w, k: int) -> tuple[int, int]:
    """``(post, pre)`` of stored value ``k`` of a canonical CSR/CSC matrix."""
    major = int(np.searchsorted(w.indptr, k, side="right")) - 1
    minor = int(w.indices[k])
    return (major, minor) if w.format == "csr" else (minor, major)


def _scan_sparse(w, lava_compat):
    """``(w_min, w_max, num_cast)`` of the stored values, implicit zeros included in the
    extremes; raises on non-finite values, and on non-integers unless ``lava_compat``."""
    data = _as_number(w.data)
    w_min, w_max = (0, 0) if w.nnz < w.shape[0] * w.shape[1] else (data[0], data[0])
    n_inf = num_cast = 0
    example = None
    for a in range(0, data.size, SPARSE_CHUNK):
        v = data[a:a + SPARSE_CHUNK]
        if v.dtype.kind == "f":
            n_inf += int(np.count_nonzero(~np.isfinite(v)))
            if n_inf:
                continue
            cast = v != np.trunc(v)
            n = int(np.count_nonzero(cast))
            if n and example is None:
                example = v[np.argmax(cast)]
            num_cast += n
        w_min, w_max = min(w_min, v.min()), max(w_max, v.max())
    if n_inf:
        raise ValueError(f"weights (stored values) contain {n_inf} non-finite value(s); "
                         f"weight mantissas must be finite integers")
    _check_cast("weights (stored values)", num_cast, example, lava_compat)
    return int(np.trunc(w_min)), int(np.trunc(w_max)), num_cast


def _as_number(data):
    """Boolean stored values as 0/1 integers (a view, no copy)."""
    return data.view(np.uint8) if data.dtype.kind == "b" else data


#: Stored-value dtypes the layout kernels read directly (numba has no float16).
_DIRECT_DTYPES = frozenset(np.dtype(t) for t in ("i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f4", "f8"))


def _sparse_mantissas(w, mode, num_weight_bits):
    """The stored values of canonical ``w`` as the mantissas Loihi holds (clipped to
    ``mode``'s range, low bits dropped), with ``(num_out, first_out, num_truncated,
    num_zeroed)``: values out of range and the index of the first.

    When every stored value already is such a mantissa (an integer in range with no low
    bits to drop: the usual case) the caller's values are returned as they stand -- the
    layout reads them directly, so no copy of the network's size is made; else an int16
    copy, converted by chunks of ``SPARSE_CHUNK``."""
    lo, hi = mantissa_range(mode)
    data = _as_number(w.data)
    n_out = n_trunc = n_zero = 0
    first = -1
    exact = data.dtype in _DIRECT_DTYPES
    chunks = lambda: ((a, data[a:a + SPARSE_CHUNK]) for a in range(0, data.size, SPARSE_CHUNK))  # noqa: E731
    for a, v in chunks():
        eff, vals, out = _chunk_mantissas(v, mode, num_weight_bits, lo, hi)
        n = int(np.count_nonzero(out))
        if n and first < 0:
            first = a + int(np.argmax(out))
        n_out += n
        n_trunc += int(np.count_nonzero(eff != vals))
        n_zero += int(np.count_nonzero((eff == 0) & (v != 0)))
        exact = exact and bool(np.array_equal(eff, v))
    if exact:
        return data, n_out, first, n_trunc, n_zero
    mant = np.empty(data.size, np.int16)
    for a, v in chunks():
        mant[a:a + v.size] = _chunk_mantissas(v, mode, num_weight_bits, lo, hi)[0]
    return mant, n_out, first, n_trunc, n_zero


def _chunk_mantissas(v, mode, num_weight_bits, lo, hi):
    """``(mantissas, clipped, out_of_range)`` of a chunk of stored values: truncated
    toward zero and clipped to ``[lo, hi]`` (``clipped``, int32), then low bits dropped."""
    if v.dtype.kind == "f":
        v = np.trunc(v)
    vals = np.clip(v, lo, hi).astype(np.int32)
    return truncate_mantissas(vals, mode, num_weight_bits), vals, (v < lo) | (v > hi)


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
        self.sparse_input = is_sparse(checked("weights", weights))
        if self.sparse_input:
            w = _canonical_sparse(weights)
            w_min, w_max, self.num_cast = _scan_sparse(w, lava_compat)
        else:
            w, self.num_cast = _read_weights(weights, lava_compat)
            w_min, w_max = int(np.trunc(w.min())), int(np.trunc(w.max()))
        self.shape = tuple(int(s) for s in w.shape)
        self.weight_exp = weight_exp
        self.num_weight_bits = num_weight_bits
        self.num_message_bits = V.int_scalar("num_message_bits", num_message_bits, 0, 24)
        mode = as_sign_mode(sign_mode)
        if mode is None:
            mode = detect_sign_mode(w_min, w_max)
        self.sign_mode = mode
        self.sign_mode_given = sign_mode is not None
        lo, hi = mantissa_range(mode)

        if self.sparse_input:
            mant, n_out, k, self.num_truncated, self.num_zeroed = _sparse_mantissas(
                w, mode, self.num_weight_bits)
            where = lambda: ("weights[%d, %d]" % _sparse_coords(w, k), w.data[k])  # noqa: E731
        else:
            bad = (w < lo) | (w > hi)
            n_out = int(np.count_nonzero(bad))
            where = lambda: V._where("weights", w, bad)  # noqa: E731
        if n_out and not lava_compat:
            at, val = where()
            raise ValueError(
                f"{at} = {val} is out of range [{lo}, {hi}] for sign_mode={mode.name} "
                f"({n_out} weight(s) out of range); pass lava_compat=True to clip as Lava's Dense does")
        self.num_clipped = n_out
        if self.sparse_input:
            self._store_by_pre(w.indptr, w.indices, mant, w.format == "csr")
            return
        del bad
        vals = np.clip(w, lo, hi).astype(np.int32)
        eff = truncate_mantissas(vals, mode, self.num_weight_bits)
        self.num_truncated = int(np.count_nonzero(eff != vals))
        self.num_zeroed = int(np.count_nonzero((eff == 0) & (w != 0)))
        del vals
        mat = eff.astype(np.int16)
        del eff
        nnz = int(np.count_nonzero(mat))
        if nnz / float(mat.size) > DENSE_STORAGE_DENSITY:
            self.fmt = FMT_DENSE
            self.w_t = np.ascontiguousarray(mat.T)
            self.indptr = np.zeros(1, np.int64)
            self.indices = np.zeros(0, np.uint32)
            self.data = np.zeros(0, np.int16)
            self.nnz = nnz
            row_abs = np.abs(mat.astype(np.int64)).sum(axis=1)
            self.acc_dtype = np.int32 if int(row_abs.max()) < 2 ** 31 else np.int64
            return
        indptr, post, mant = csc_parts(mat)
        self._store_by_pre(indptr, post, mant, False)

    def _store_by_pre(self, indptr, indices, mant, by_row):
        """Store the nonzero synapses of a compressed ``W[post, pre]`` (CSR if ``by_row``,
        else CSC; ``mant`` its values, integral mantissas of any numeric dtype) by presynaptic neuron, packed when the
        targets fit in ``PACK_SHIFT`` bits."""
        n_post, n_pre = self.shape
        ptr = K.by_pre_indptr(indptr, indices, mant, by_row, n_pre)
        nnz = int(ptr[-1])
        pack = n_post <= PACK_MASK + 1
        self.fmt = FMT_PACKED if pack else FMT_CSC
        self.w_t = np.zeros((0, 0), np.int16)
        self.indptr = ptr
        packed = np.empty(nnz if pack else 0, np.int32)
        self.indices = np.empty(0 if pack else nnz, np.uint32)
        data = np.empty(0 if pack else nnz, np.int16)
        row_abs = np.zeros(n_post, np.int64)
        K.by_pre_fill(indptr, indices, mant, by_row, ptr, packed, self.indices, data, row_abs)
        if not by_row and not K.index_order(indptr, indices, False)[0]:  # CSC: posts in the caller's order
            K.sort_rows_by_post(ptr, packed, self.indices, data)
        self.data = packed if pack else data
        self.nnz = nnz
        #: int32 accumulation is exact when no neuron's summed |weights| can leave int32.
        self.acc_dtype = np.int32 if int(row_abs.max()) < 2 ** 31 else np.int64

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
