"""PoissonSource: fresh counts every step, drawn by the kernel as lava_eirate.loihi.poisson
defines, checked against an independent pure-Python transcription of SplitMix64."""
import math

import numpy as np
import pytest
from scipy.stats import poisson

import lava_eirate as le

M64 = (1 << 64) - 1


def splitmix64(seed, count):
    """Vigna's splitmix64.c, transcribed with Python integers: the first ``count`` outputs."""
    x, out = seed, []
    for _ in range(count):
        x = (x + 0x9E3779B97F4A7C15) & M64
        z = x
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        out.append(z ^ (z >> 31))
    return out


def _net(src, fixed=True):
    net = le.Network()
    net.add(src, name="x")
    if fixed:
        net.add(le.FixedLIF(src.n, du=4095, dv=0, vth=10_000, bias_mant=0, bias_exp=0), name="p")
    else:
        net.add(le.FloatLIF(src.n, du=1.0, dv=0.0, vth=1e9, bias=0.0), name="p")
    net.connect("x", "p")
    return net


def test_counts_equal_an_independent_transcription():
    n, steps = 7, 5
    lam = np.array([0.0, 0.02, 0.5, 2.0, 2.0, 9.0, 40.0])
    src = le.PoissonSource(n, lam, weight=1, rng=np.random.default_rng(3))
    outs = splitmix64(src.key, n * steps)        # output number (t - 1) n + i
    want = np.zeros((steps, n), np.int64)
    for t in range(steps):
        for i in range(n):
            u = outs[t * n + i] >> 32
            k = 0
            while u >= (1 << 32) - round(math.ldexp(poisson.sf(k, lam[i]), 32)):
                k += 1
            want[t, i] = k
    assert np.array_equal(src.payloads(steps), want)
    tr = le.simulate(_net(src), steps, record={"p": "a"})
    assert np.array_equal(tr["p"].a, want)


@pytest.mark.parametrize("threads", [1, 2])
def test_engine_sends_the_payloads_across_chunks_and_continued_runs(monkeypatch, threads):
    import lava_eirate.engine as E
    import lava_eirate.simulators as sim
    monkeypatch.setattr(sim, "_CHUNK_WORK", 2000)          # many chunks
    monkeypatch.setattr(E, "THREADS_MIN_POP_NEURONS", 1)
    rng = np.random.default_rng(4)
    lam = rng.choice([0.3, 2.0, 7.5], 200)
    w = rng.integers(-20, 20, 200)
    src = le.PoissonSource(200, lam, weight=w, rng=rng)
    net = _net(src)
    net.connect("p", "p", le.FixedSynapses(rng.integers(-5, 5, (200, 200))), delays=2)
    whole = le.simulate(net, 120, record={"p": ("a", "v")}, num_threads=threads)
    first = le.simulate(net, 50, record={"p": "a"})
    rest = le.simulate(net, 70, record={"p": ("a", "v")}, state=first.final)
    assert np.array_equal(np.vstack([first["p"].a, rest["p"].a]), whole["p"].a)
    assert np.array_equal(rest["p"].v, whole["p"].v[50:])
    # the source alone: its payloads are the population's whole input
    alone = le.simulate(_net(src), 120, record={"p": "a"})
    assert np.array_equal(alone["p"].a, src.payloads(120))


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("lam", [3.0, "mixed"])
def test_blocks_and_thread_ranges_draw_the_payloads(monkeypatch, threads, lam):
    """n = 1000: several draw blocks, a ragged last one and thread ranges cutting blocks;
    one table for all (threshold passes stop at a block's largest uniform) or per neuron."""
    import lava_eirate.engine as E
    monkeypatch.setattr(E, "THREADS_MIN_POP_NEURONS", 1)
    rng = np.random.default_rng(8)
    n = 1000
    lam = rng.choice([0.05, 3.0, 60.0], n) if lam == "mixed" else lam
    src = le.PoissonSource(n, lam, weight=3, rng=rng)
    tr = le.simulate(_net(src), 40, record={"p": "a"}, num_threads=threads)
    want = src.payloads(40)
    assert np.array_equal(tr["p"].a, want)
    assert want.max() > 3 * (5 if np.isscalar(lam) else 60)   # counts well into the tails


def test_same_counts_in_float_and_fixed_and_as_a_spike_source():
    src = le.PoissonSource(50, 1.5, weight=2, rng=np.random.default_rng(6))
    fixed = le.simulate(_net(src), 40, record={"p": "a"})["p"].a
    flo = le.simulate(_net(src.with_weight(0.25), fixed=False), 40, record={"p": "a"})["p"].a
    assert np.array_equal(flo * 8, fixed)
    ring = le.simulate(_net(src.as_spike_source(40)), 40, record={"p": "a"})["p"].a
    assert np.array_equal(ring, fixed)


@pytest.mark.parametrize("lam", [0.02, 2.0, 30.0])
def test_counts_are_poisson(lam):
    """Mean and variance within 4 standard errors of lam, the pmf within 4 SE cell by cell,
    and no correlation between neighbouring neurons or consecutive steps (4 SE)."""
    steps, n = 400, 2500
    k = le.PoissonSource(n, lam, rng=np.random.default_rng(7)).payloads(steps).astype(np.float64)
    m = k.size
    assert abs(k.mean() - lam) < 4 * math.sqrt(lam / m)
    assert abs(k.var() - lam) < 4 * math.sqrt((lam + 2 * lam ** 2) / m)
    for j in range(int(lam + 3 * math.sqrt(lam)) + 1):
        p = poisson.pmf(j, lam)
        if p * m > 100:
            assert abs(np.mean(k == j) - p) < 4 * math.sqrt(p * (1 - p) / m), j
    z = (k - lam) / math.sqrt(lam)
    for a, b in ((z[:, 1:], z[:, :-1]), (z[1:], z[:-1])):
        assert abs(np.mean(a * b)) < 4 / math.sqrt(a.size)


def test_bad_parameters_are_named():
    g = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"lam.*out of range \[0.0, 1000.0\]"):
        le.PoissonSource(3, 1e4, rng=g)
    with pytest.raises(ValueError, match="lam"):
        le.PoissonSource(3, [1.0, -1.0, 2.0], rng=g)
    with pytest.raises(ValueError, match=r"weight\[0\] = 1000000000 times the largest count"):
        le.PoissonSource(3, 2.0, weight=10 ** 9, rng=g)
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        le.PoissonSource(3, 2.0, rng=0)
    with pytest.raises(ValueError, match=r"weight\[0\] = 0.5 is not an integer"):
        le.simulate(_net(le.PoissonSource(3, 2.0, weight=0.5, rng=g)), 2)
    with pytest.raises(ValueError, match="PoissonSource"):
        net = _net(le.PoissonSource(3, 2.0, rng=g), fixed=False)
        le.nir.export(net, dt=1e-3)


def test_float_to_fixed_keeps_the_counts_and_scales_the_weight():
    from lava_eirate.convert.graph_fixed import graph_float_to_fixed
    src = le.PoissonSource(20, 2.0, weight=0.05, rng=np.random.default_rng(8))
    net = _net(src, fixed=False)
    fixed, report = graph_float_to_fixed(net, v_range={"p": 4.0})
    fsrc = fixed.populations["x"].model
    assert isinstance(fsrc, le.PoissonSource) and fsrc.key == src.key
    S = report.populations["p"]["scale"]
    assert np.array_equal(fsrc.weight, np.rint(S * 0.05 / 64) * np.ones(20))
    a = le.simulate(fixed, 30, record={"p": "a"})["p"].a
    assert np.array_equal(a, src.payloads(30) / 0.05 * fsrc.weight)
