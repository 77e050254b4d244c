"""Sign modes, clipping and truncation of Loihi weight mantissas.

The rules reproduce ``lava.utils.weightutils`` (``determine_sign_mode``,
``clip_weights(num_bits=8)``, ``truncate_weights``) as applied once by
``PyDenseModelBitAcc`` / ``PySparseModelBitAcc`` before their first step.
"""
from __future__ import annotations

from enum import Enum, unique

import numpy as np

from .limits import WEIGHT_BITS


@unique
class SignMode(Enum):
    """Sign mode of a weight matrix; values equal ``lava.utils.weightutils.SignMode``."""

    MIXED = 1
    EXCITATORY = 2
    INHIBITORY = 3


def as_sign_mode(value) -> SignMode | None:
    """Coerce ``value`` (None, a SignMode, Lava's SignMode, a name or 1..3) to SignMode."""
    if value is None or isinstance(value, SignMode):
        return value
    legal = "None, 'mixed', 'excitatory', 'inhibitory' or a SignMode (MIXED=1, EXCITATORY=2, INHIBITORY=3)"
    if isinstance(value, Enum):  # Lava's own SignMode
        value = value.value
    if isinstance(value, str):
        try:
            return SignMode[value.upper()]
        except KeyError:
            raise ValueError(f"sign_mode={value!r} is not legal; legal values: {legal}") from None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"sign_mode={value!r} is not legal; legal values: {legal}")
    try:
        return SignMode(int(value))
    except ValueError:
        raise ValueError(f"sign_mode={value!r} is not legal; legal values: {legal}") from None


def mantissa_range(sign_mode: SignMode) -> tuple[int, int]:
    """Legal 8-bit weight mantissa range ``(lo, hi)`` of ``sign_mode``."""
    top = 2 ** WEIGHT_BITS
    if sign_mode is SignMode.MIXED:
        return -top, top - 1
    if sign_mode is SignMode.EXCITATORY:
        return 0, top - 1
    return -(top - 1), 0


def detect_sign_mode(w_min: int, w_max: int) -> SignMode:
    """EXCITATORY when ``min >= 0``, INHIBITORY when ``max <= 0``, else MIXED.

    ``w_min``/``w_max`` are over the whole matrix, implicit zeros of a sparse matrix
    included (as ``np.min`` of a scipy matrix in Lava's ``determine_sign_mode``).
    """
    if w_min >= 0:
        return SignMode.EXCITATORY
    if w_max <= 0:
        return SignMode.INHIBITORY
    return SignMode.MIXED


def truncate_bits(sign_mode: SignMode, num_weight_bits: int) -> int:
    """Low bits dropped from each mantissa: ``8 - num_weight_bits + (1 if MIXED)``."""
    return WEIGHT_BITS - int(num_weight_bits) + (1 if sign_mode is SignMode.MIXED else 0)


def clip_mantissas(w: np.ndarray, sign_mode: SignMode) -> np.ndarray:
    """Clip int mantissas to the sign mode's 8-bit range (Lava's ``clip_weights``)."""
    lo, hi = mantissa_range(sign_mode)
    return np.clip(np.asarray(w, dtype=np.int32), lo, hi).astype(np.int32)


def truncate_mantissas(w: np.ndarray, sign_mode: SignMode, num_weight_bits: int) -> np.ndarray:
    """Drop the low bits Loihi cannot hold: ``(w >> k) << k``.

    Arithmetic shifts floor, so MIXED negative weights round toward -inf; INHIBITORY
    weights are truncated on their magnitude (Lava negates, shifts, negates back).
    """
    k = truncate_bits(sign_mode, num_weight_bits)
    w = np.asarray(w, dtype=np.int32)
    if sign_mode is SignMode.INHIBITORY:
        return -(((-w) >> k) << k)
    return (w >> k) << k
