"""Connectivity and E/I weight builders. All return ``W[post, pre]``; every random draw
goes through the ``numpy.random.Generator`` passed in."""
from __future__ import annotations

import numpy as np

from . import _validate as V


def _generator(rng) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, (int, np.integer)):
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be a numpy.random.Generator or an int seed, got {type(rng).__name__}")


def tutorial_gaussian_weights(shape_exc: int, shape_inh: int, q_factor: float, g_factor: float,
                              rng) -> np.ndarray:
    """The Lava E/I tutorial's Gaussian E/I weights ``W[post, pre]``, drawn from ``rng``.

    As Lava 0.10's notebook (tutorial02_excitatory_inhibitory_network,
    ``generate_gaussian_weights``) computes them: ``W ~ N(0, J)`` with standard deviation
    ``J = (2 q_factor)**2 / N`` (the notebook's comment says ``q_factor**2 * 6 / N``; its
    code, which is what ran, is followed); negative entries of excitatory columns and
    positive ones of inhibitory columns set to zero; inhibitory columns times
    ``g_factor``. ``rng``: a ``numpy.random.Generator``, an int seed, or a legacy
    ``numpy.random.RandomState`` (one ``normal`` call of shape (N, N), as the notebook's
    ``np.random.normal``).
    """
    n_e = V.as_count("shape_exc", shape_exc, lo=0)
    n_i = V.as_count("shape_inh", shape_inh, lo=0)
    n = n_e + n_i
    if n < 1:
        raise ValueError("shape_exc + shape_inh must be >= 1")
    q = float(V.float_param("q_factor", q_factor, 0.0))
    g = float(V.float_param("g_factor", g_factor, 0.0))
    if not isinstance(rng, np.random.RandomState):
        rng = _generator(rng)
    std = (2.0 * q) ** 2 / n
    w = rng.normal(0.0, std, (n, n))
    exc = w[:, :n_e]
    exc[exc < 0] = 0.0
    inh = w[:, n_e:]
    inh[inh > 0] = 0.0
    inh *= g
    return w


def _tutorial_params(n, exc_fraction):
    n = V.as_count("n", n, lo=2)
    frac = float(V.float_param("exc_fraction", exc_fraction, 0.0, 1.0))
    n_e = int(n * frac)
    base = dict(shape_exc=n_e, shape_inh=n - n_e, dr_exc=0.01, dr_inh=0.01, bias_exc=0.1, bias_inh=0.1,
                g_factor=4.5)
    return base, (("balanced", 1.0), ("critical", float(np.sqrt(n / 6.0))))


def tutorial_networks(seed: int = 1234, n: int = 400, exc_fraction: float = 0.8) -> dict:
    """The Lava E/I tutorial's two rate networks with the notebook's own weights:
    ``{"balanced": params, "critical": params}``.

    Both: 80% excitatory, dr 0.01, bias 0.1, g_factor 4.5; q_factor 1 (balanced) and
    sqrt(n / 6) (critical). Each params dict holds shape_exc, shape_inh, dr_exc, dr_inh,
    bias_exc, bias_inh, g_factor, q_factor and weights. The weights reproduce the
    notebook's draws exactly: it seeds NumPy's legacy global stream with 1234 and draws
    the balanced network's weights, then the critical network's, from that one stream; here
    a local ``numpy.random.RandomState(seed)`` (the same stream, without touching NumPy's
    global state) does the same. For new work, :func:`tutorial_networks_generator` draws
    them from ``numpy.random.Generator`` streams instead.
    """
    base, nets = _tutorial_params(n, exc_fraction)
    stream = np.random.RandomState(V.as_count("seed", seed, lo=0))
    return {name: dict(base, q_factor=q, weights=tutorial_gaussian_weights(
        base["shape_exc"], base["shape_inh"], q, base["g_factor"], stream)) for name, q in nets}


def tutorial_networks_generator(seed: int = 1234, n: int = 400, exc_fraction: float = 0.8) -> dict:
    """The tutorial's two networks as :func:`tutorial_networks`, with weights drawn from
    ``numpy.random.default_rng([seed, k])`` (k = 0 balanced, 1 critical): independent,
    reproducible streams, not the notebook's numbers."""
    base, nets = _tutorial_params(n, exc_fraction)
    seed = V.as_count("seed", seed, lo=0)
    return {name: dict(base, q_factor=q, weights=tutorial_gaussian_weights(
        base["shape_exc"], base["shape_inh"], q, base["g_factor"], np.random.default_rng([seed, k])))
        for k, (name, q) in enumerate(nets)}


def random_topology(n: int, n_syn: int, rng, allow_autapses: bool = False, n_pre: int | None = None):
    """Adjacency ``A[post, pre]`` (scipy CSR, ones) with exactly ``n_syn`` distinct
    synapses drawn uniformly from ``rng``, no autapses unless allowed. Square (n, n)
    unless ``n_pre`` is given (then autapses are not an issue). Vectorised: indices are
    drawn without replacement from the allowed positions, off-diagonal ones by skipping
    the diagonal."""
    import scipy.sparse as sp
    n = V.as_count("n", n)
    m = n if n_pre is None else V.as_count("n_pre", n_pre)
    square = n_pre is None
    skip_diag = square and not allow_autapses
    per_row = m - 1 if skip_diag else m
    total = n * per_row
    n_syn = V.as_count("n_syn", n_syn, lo=0)
    if n_syn > total:
        raise ValueError(f"n_syn = {n_syn} is out of range [0, {total}] for n = {n}"
                         f"{' without autapses' if skip_diag else ''}")
    rng = _generator(rng)
    idx = _sample_without_replacement(total, n_syn, rng)
    post = idx // per_row
    pre = idx % per_row
    if skip_diag:
        pre = pre + (pre >= post)
    return sp.csr_matrix((np.ones(n_syn, np.int8), (post, pre)), shape=(n, m))


def _sample_without_replacement(total: int, k: int, rng) -> np.ndarray:
    """``k`` distinct integers in [0, total), sorted, drawn from ``rng`` (vectorised)."""
    if k == 0:
        return np.zeros(0, np.int64)
    if k > total // 4:
        return np.sort(rng.permutation(total)[:k]).astype(np.int64)
    out = np.unique(rng.integers(0, total, int(k * 1.05) + 16, dtype=np.int64))
    while out.size < k:
        extra = rng.integers(0, total, (k - out.size) * 2 + 16, dtype=np.int64)
        out = np.unique(np.concatenate([out, extra]))
    if out.size > k:
        out = np.sort(rng.choice(out, k, replace=False))
    return out


def fixed_indegree(n_post: int, n_pre: int, k: int, rng, allow_autapses: bool = False):
    """Adjacency ``A[post, pre]`` (scipy CSR) where every postsynaptic neuron has exactly
    ``k`` distinct presynaptic partners drawn from ``rng`` (no autapses when square and
    not allowed). Duplicates and autapses are redrawn, vectorised, until none remain."""
    import scipy.sparse as sp
    n_post, n_pre = V.as_count("n_post", n_post), V.as_count("n_pre", n_pre)
    k = V.as_count("k", k, lo=0)
    square_no_self = n_post == n_pre and not allow_autapses
    if k > n_pre - (1 if square_no_self else 0):
        raise ValueError(f"k = {k} is out of range [0, {n_pre - (1 if square_no_self else 0)}]")
    rng = _generator(rng)
    # drawn in the index dtype: numpy's Generator gives the same numbers for int32 as for
    # its int64 default (both draw 32-bit words below 2**32), in half the memory
    idx_dtype = np.int32 if max(n_pre, n_post * k) < 2 ** 31 else np.int64
    pre = rng.integers(0, n_pre, (n_post, k), dtype=idx_dtype)
    rows = np.arange(n_post, dtype=idx_dtype)[:, None]
    while True:
        pre.sort(axis=1)
        bad = np.zeros_like(pre, dtype=bool)
        bad[:, 1:] = pre[:, 1:] == pre[:, :-1]
        if square_no_self:
            bad |= pre == rows
        nbad = int(bad.sum())
        if nbad == 0:
            break
        pre[bad] = rng.integers(0, n_pre, nbad, dtype=idx_dtype)
    # rows are sorted and duplicate-free: canonical CSR as it stands (no COO temporaries)
    indptr = np.arange(n_post + 1, dtype=idx_dtype) * idx_dtype(k)
    indices = pre.reshape(-1)
    del pre
    return sp.csr_matrix((np.ones(n_post * k, np.int8), indices, indptr), shape=(n_post, n_pre))


def ei_balanced_weights(n: int, p: float, f_exc: float, mu_e: float, sigma_0: float, rng,
                        n_input: int = 0, n_output: int = 0):
    """E/I balanced random network (the seed's ``hetero.networks`` initialisation, with its
    rng honoured): ``(w_in, w_rec, w_out)``.

    ``w_rec`` (scipy CSR, W[post, pre]) has exactly ``round(n**2 p)`` synapses, no
    autapses; presynaptic neurons ``0..int(n f_exc)-1`` are excitatory with weights
    ``N(mu_e, sigma_0)``, the rest inhibitory with ``N(mu_i, sigma_0)``,
    ``mu_i = -f_exc/(1 - f_exc) mu_e`` (zero mean input for equal rates), all divided by
    ``sqrt(n p)``. ``w_in`` (n, n_input) ~ N(0, 1)/sqrt(n_input); ``w_out``
    (n_output, n) ~ N(0, 1)/sqrt(n_output).
    """
    n = V.as_count("n", n)
    p = float(V.float_param("p", p, 0.0, 1.0))
    f = float(V.float_param("f_exc", f_exc, 0.0, 1.0))
    mu_e = float(V.float_param("mu_e", mu_e))
    sigma_0 = float(V.float_param("sigma_0", sigma_0, 0.0))
    rng = _generator(rng)
    mu_i = -mu_e if f == 0 else (0.0 if f == 1 else -f / (1 - f) * mu_e)
    n_e = int(n * f)
    topo = random_topology(n, int(round(n * n * p)), rng)
    topo = topo.tocoo()
    pre = topo.col
    w = np.where(pre < n_e, rng.normal(mu_e, sigma_0, pre.size), rng.normal(mu_i, sigma_0, pre.size))
    w /= np.sqrt(n * p) if p > 0 else 1.0
    import scipy.sparse as sp
    w_rec = sp.csr_matrix((w, (topo.row, pre)), shape=(n, n))
    w_in = rng.normal(0, 1, (n, n_input)) / np.sqrt(max(n_input, 1))
    w_out = rng.normal(0, 1, (n_output, n)) / np.sqrt(max(n_output, 1))
    return w_in, w_rec, w_out
