"""Poisson counts from a counter-based stream: what :class:`lava_eirate.PoissonSource` sends.

Neuron ``i`` of a source of ``n`` neurons draws at Lava time step ``t`` (1, 2, ...) from
output number ``c = (t - 1) n + i`` of SplitMix64 seeded with the source's 64-bit ``key``
(Steele, Lea & Flood 2014, "Fast splittable pseudorandom number generators", OOPSLA; the
constants of Vigna's reference ``splitmix64.c``): ``z = key + (c + 1) * GAMMA``, then the
two xor-shift-multiply rounds. Its top 32 bits ``u`` give the count by inversion,
``k = #{j : u >= C_j}`` with ``C_j = 2**32 - round(2**32 P(X > j))``, X ~ Poisson(lam):
``P(k > j)`` equals ``P(X > j)`` to within 2**-33, and the table ends where that tail
rounds to zero.

A draw depends only on ``(key, t, i)``: runs split into chunks, continued from a saved
state or spread over threads draw the same counts, and the float and fixed-point versions
of a network get the same input. The key comes from the user's seeded numpy Generator.
:func:`counts` is the numpy form the engine's kernel (``network_kernel._poisson_send``)
must equal.
"""
import numpy as np

GAMMA = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)
#: Largest expected count per step a PoissonSource takes (each step costs ~lam + 7 sqrt(lam)
#: comparisons per neuron).
LAM_MAX = 1000.0


def thresholds(lam: float) -> np.ndarray:
    """``C_j`` (uint32, ascending) for a Poisson(lam) count, lam in [0, LAM_MAX]: the
    dtype the engine's kernel compares the 32-bit uniforms against."""
    from scipy.stats import poisson
    if lam == 0:
        return np.zeros(0, np.uint32)
    j = np.arange(int(lam + 12 * np.sqrt(lam) + 40))
    tail = np.rint(np.ldexp(poisson.sf(j, lam), 32))   # 2**32 P(X > j), rounded
    keep = tail > 0
    assert not keep[-1], "table too short"
    return (np.uint64(1 << 32) - tail[keep].astype(np.uint64)).astype(np.uint32)   # tail > 0: < 2**32


def uniforms(key: int, t: np.ndarray, n: int) -> np.ndarray:
    """Top 32 bits of SplitMix64 output ``(t - 1) n + i`` for steps ``t`` (shape (T,)) and
    neurons ``i < n``: (T, n) uint64."""
    with np.errstate(over="ignore"):
        c = (np.asarray(t, np.uint64)[:, None] - np.uint64(1)) * np.uint64(n) + np.arange(n, dtype=np.uint64)
        z = np.uint64(key) + (c + np.uint64(1)) * GAMMA
        z = (z ^ (z >> np.uint64(30))) * MIX1
        z = (z ^ (z >> np.uint64(27))) * MIX2
        z ^= z >> np.uint64(31)
    return z >> np.uint64(32)


def counts(key: int, lam: np.ndarray, t0: int, num_steps: int) -> np.ndarray:
    """The counts of steps ``t0 + 1 .. t0 + num_steps`` (``(num_steps, n)`` int64) for
    per-neuron ``lam`` (n,)."""
    lam = np.asarray(lam, np.float64)
    n = lam.size
    u = uniforms(key, np.arange(t0 + 1, t0 + num_steps + 1), n)
    out = np.zeros((num_steps, n), np.int64)
    for value in np.unique(lam):
        cols = np.nonzero(lam == value)[0]
        C = thresholds(float(value))
        out[:, cols] = np.searchsorted(C, u[:, cols], side="right")
    return out
