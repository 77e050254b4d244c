"""Integer nonlinearity of the graded rate neuron (:class:`lava_eirate.FixedRate`): the
lookup table for ``erf`` and the exact worst-case error of the lookup rule.

The rule (kernel: :func:`lava_eirate.loihi.kernels.rate_fixed_output`) maps a state
``x`` (state units, ``state_scale`` per unit of the float rate) to a payload in
``[-payload_max, payload_max]`` standing for ``erf(x / state_scale)``:
``sign(x) * g(|x|)``, ``g`` interpolated linearly between entries ``2**table_shift``
state units apart and constant beyond the last one. Pure numpy; no Lava import.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.special import erf, erfinv

from .limits import V_MAX


def payload_max(num_message_bits: int) -> int:
    """Largest |payload| of a signed graded spike of ``num_message_bits`` bits."""
    return 2 ** (int(num_message_bits) - 1) - 1


def interpolation_product(table, table_shift: int) -> int:
    """The largest intermediate of the interpolation, ``max|step| * (2**shift - 1) +
    2**(shift - 1)``; the rule needs it inside int32."""
    tab = np.asarray(table, np.int64)
    step = int(np.max(np.abs(np.diff(tab)))) if tab.size > 1 else 0
    return step * ((1 << table_shift) - 1) + (1 << max(table_shift - 1, 0))


def erf_table(state_scale: float, payload_max: int, table_shift: int) -> np.ndarray:
    """``round(payload_max * erf(i * 2**table_shift / state_scale))`` for ``i = 0 .. L``,
    with ``L`` the first entry that rounds to ``payload_max`` (the rule saturates there).
    int64, length ``L + 1``."""
    h = 2.0 ** table_shift / float(state_scale)
    # erf(z) rounds to payload_max once 1 - erf(z) < 0.5 / payload_max
    z_sat = float(erfinv(1.0 - 0.5 / payload_max)) if payload_max > 1 else 1.0
    last = max(int(math.ceil(z_sat / h)), 1)
    tab = np.rint(payload_max * erf(np.arange(last + 1) * h)).astype(np.int64)
    first = int(np.argmax(tab >= payload_max)) if np.any(tab >= payload_max) else last
    return tab[:first + 1]


def lookup(x: np.ndarray, table: np.ndarray, table_shift: int) -> np.ndarray:
    """The rule applied to integer states ``x`` (vectorised numpy, int64)."""
    x = np.asarray(x, np.int64)
    table = np.asarray(table, np.int64)
    m = np.abs(x)
    i = m >> table_shift
    last = table.size - 1
    inside = i < last
    ii = np.where(inside, i, 0)
    y = np.where(inside, table[ii], table[last])
    if table_shift > 0:
        f = m & ((1 << table_shift) - 1)
        step = table[np.minimum(ii + 1, last)] - table[ii]
        y = np.where(inside, table[ii] + ((step * f + (1 << (table_shift - 1))) >> table_shift), y)
    return np.where(x < 0, -y, y)


def lookup_error(table: np.ndarray, table_shift: int, state_scale: float, payload_max: int,
                 chunk: int = 1 << 20) -> float:
    """Worst ``|lookup(x) - payload_max * erf(x / state_scale)|`` over every integer state
    in ``[0, 2**23 - 1]`` (payload units; the rule is odd, so negative x are the same).
    Checked exhaustively up to the saturation point plus one table step; beyond it the
    payload is constant and the error only shrinks."""
    end = min((table.size + 1) << table_shift, V_MAX + 1)
    worst = 0.0
    for x0 in range(0, end, chunk):
        x = np.arange(x0, min(x0 + chunk, end), dtype=np.int64)
        err = np.abs(lookup(x, table, table_shift) - payload_max * erf(x / state_scale))
        worst = max(worst, float(err.max()))
    if end <= V_MAX:
        worst = max(worst, float(abs(table[-1] - payload_max * erf(V_MAX / state_scale))))
    return worst


def choose_table_shift(state_scale: float, payload_max: int, max_entries: int,
                       target: float = 1.0) -> tuple[int, np.ndarray, float]:
    """``(table_shift, table, worst error)``: the largest shift (fewest entries) whose
    worst-case error is at most ``target`` payload units (the table entries and the
    interpolation each round by up to half a unit, so 0.5 is the floor), among
    tables of at most ``max_entries`` entries whose interpolation product fits int32; if
    none reaches the target, the most accurate of them."""
    best = None
    for shift in range(23, -1, -1):
        tab = erf_table(state_scale, payload_max, shift)
        if tab.size > max_entries:
            break
        if interpolation_product(tab, shift) > 2 ** 31 - 1:
            continue
        err = lookup_error(tab, shift, state_scale, payload_max)
        if best is None or err < best[2]:
            best = (shift, tab, err)
        if err <= target:
            return shift, tab, err
    if best is None:
        raise ValueError(f"max_table_entries={max_entries}: no erf table of at most that many entries "
                         f"fits state_scale={state_scale:.6g} and payload_max={payload_max}; legal: "
                         f"max_table_entries >= {erf_table(state_scale, payload_max, 0).size} or a "
                         f"smaller state scale")
    return best
