"""NIR graphs in and out (float): load against a step-by-step transcription of the NIR
equations discretized as documented, export/load round trips (in memory and through the
HDF5 file), and clear errors for malformed graphs."""
import numpy as np
import pytest

nir = pytest.importorskip("nir")

import lava_eirate as le  # noqa: E402
from lava_eirate import nir as lnir  # noqa: E402

DT = 1e-3


def _graph(rng, delay_steps=(2, 0, 3, 1)):
    """Input(3) -> Affine -> CubaLIF(5) -> Linear -> Delay -> LIF(4) -> Output, with a
    recurrent Linear on the LIF and a Scale -> LI read-out."""
    w1 = rng.normal(0.0, 2.0, (5, 3))
    b1 = rng.uniform(0.0, 0.5, 5)
    w2 = rng.normal(0.5, 1.0, (4, 5))
    wr = rng.normal(0.0, 0.6, (4, 4))
    nodes = {
        "in": nir.Input(input_type={"input": np.array([3])}),
        "aff": nir.Affine(weight=w1, bias=b1),
        "cuba": nir.CubaLIF(tau_syn=rng.uniform(4e-3, 8e-3, 5), tau_mem=rng.uniform(10e-3, 20e-3, 5),
                            r=rng.uniform(5.0, 15.0, 5), v_leak=rng.uniform(-0.1, 0.3, 5),
                            v_threshold=np.full(5, 1.0), v_reset=rng.uniform(-0.2, 0.2, 5),
                            w_in=rng.uniform(0.5, 1.5, 5)),
        "lin": nir.Linear(weight=w2),
        "dly": nir.Delay(delay=np.array(delay_steps, float) * DT),
        "lif": nir.LIF(tau=rng.uniform(5e-3, 30e-3, 4), r=rng.uniform(5.0, 30.0, 4), v_leak=np.zeros(4),
                       v_threshold=rng.uniform(0.5, 1.0, 4), v_reset=np.zeros(4)),
        "rec": nir.Linear(weight=wr),
        "scale": nir.Scale(scale=rng.uniform(0.5, 2.0, 4)),
        "ro": nir.LI(tau=np.full(4, 10e-3), r=np.full(4, 10.0), v_leak=np.zeros(4)),
        "out": nir.Output(output_type={"output": np.array([4])}),
    }
    edges = [("in", "aff"), ("aff", "cuba"), ("cuba", "lin"), ("lin", "dly"), ("dly", "lif"),
             ("lif", "rec"), ("rec", "lif"), ("lif", "scale"), ("scale", "ro"), ("lif", "out")]
    return nir.NIRGraph(nodes=nodes, edges=edges)


def _transcription(g, x, T):
    """The graph stepped by hand from the NIR equations (forward Euler at DT; a spike or
    input value at step t reaches the next node at t + 1, plus Delay steps)."""
    nd = g.nodes
    cu, lf, ro = nd["cuba"], nd["lif"], nd["ro"]
    d = (nd["dly"].delay / DT).round().astype(int)
    I = np.zeros(5)
    vc = np.zeros(5) + 0.0  # measured from v_reset
    vl = np.zeros(4)
    Ir, vr = np.zeros(4), np.zeros(4)
    s_c, s_l, v_ro = [], [], []
    hist_c = [np.zeros(5)] * 70
    s_l_prev = np.zeros(4)
    x_prev = np.zeros(3)
    for t in range(T):
        xin = x[t % x.shape[0]]
        # CubaLIF: tau_syn dI/dt = -I + w_in S ; tau_mem dv/dt = (v_leak - v) + r I
        drive = nd["aff"].weight @ x_prev + nd["aff"].bias
        I = I * (1 - DT / cu.tau_syn) + (DT / cu.tau_syn) * cu.w_in * drive
        vc = vc * (1 - DT / cu.tau_mem) + (DT / cu.tau_mem) * (cu.v_leak - cu.v_reset + cu.r * I)
        sc = vc > cu.v_threshold - cu.v_reset
        vc[sc] = 0.0
        hist_c.append(sc.astype(float))
        # LIF: tau dv/dt = (v_leak - v) + r I, I = delayed Linear(cuba) + recurrent Linear(lif)
        arrived = np.array([nd["lin"].weight[i] @ hist_c[-2 - d[i]] for i in range(4)])
        drive_l = arrived + nd["rec"].weight @ s_l_prev
        vl = vl * (1 - DT / lf.tau) + (DT / lf.tau) * (lf.v_leak + lf.r * drive_l)
        sl = vl > lf.v_threshold
        vl[sl] = 0.0
        # LI read-out of the scaled LIF spikes (one step later)
        vr = vr * (1 - DT / ro.tau) + (DT / ro.tau) * (ro.v_leak + ro.r * nd["scale"].scale * s_l_prev)
        s_c.append(sc)
        s_l.append(sl)
        v_ro.append(vr.copy())
        s_l_prev = sl.astype(float)
        x_prev = xin
    return np.array(s_c), np.array(s_l), np.array(v_ro)


def test_load_matches_the_discretized_nir_equations():
    rng = np.random.default_rng(4)
    g = _graph(rng)
    T = 400
    x = (rng.random((T, 3)) < 0.3).astype(float)
    net = lnir.load(g, dt=DT, inputs={"in": x})
    assert net.nir_outputs == ["lif", "ro"]  # (NIRGraph adds an Output for the dangling read-out)
    tr = le.simulate(net, T, record={"cuba": "s", "lif": "s", "ro": "v"})
    s_c, s_l, v_ro = _transcription(g, x, T)
    assert s_c.sum() > 20 and s_l.sum() > 20
    np.testing.assert_array_equal(tr["cuba"].s, s_c)
    np.testing.assert_array_equal(tr["lif"].s, s_l)
    np.testing.assert_allclose(tr["ro"].v, v_ro, rtol=1e-9, atol=1e-12)


def _float_net(rng):
    net = le.Network()
    net.add(le.SpikeSource((rng.random((50, 6)) < 0.2).astype(float)), name="stim")
    net.add(le.FloatLIF(8, du=rng.uniform(0.1, 0.5, 8), dv=rng.uniform(0.02, 0.2, 8), vth=1.0,
                        bias=rng.uniform(0, 0.05, 8)), name="a")
    net.add(le.FloatLIF(5, du=1.0, dv=0.1, vth=rng.uniform(0.5, 1.5, 5), bias=0.01), name="b")
    net.connect("stim", "a", le.FloatSynapses(rng.normal(0.5, 0.3, (8, 6)), num_message_bits=24), delays=1)
    w_ab = rng.normal(0.2, 0.5, (5, 8))
    net.connect("a", "b", le.FloatSynapses(w_ab), delays=np.repeat(rng.integers(0, 5, 5)[:, None], 8, 1))
    net.connect("b", "a", le.FloatSynapses(rng.normal(-0.3, 0.2, (8, 5))))
    return net


def _dense(m):
    return m.toarray() if hasattr(m, "toarray") else np.asarray(m)


def _same_network(a, b, tol=1e-12):
    assert set(p for p in a.populations) <= set(b.populations)
    for name, p in a.populations.items():
        q = b.populations[name]
        assert q.n == p.n
        if p.is_source:
            np.testing.assert_allclose(q.model.data, p.model.data, rtol=0, atol=tol)
            continue
        for f in ("du", "dv", "vth", "bias"):
            np.testing.assert_allclose(np.broadcast_to(getattr(q.model, f), (p.n,)),
                                       np.broadcast_to(getattr(p.model, f), (p.n,)), rtol=tol, atol=tol)
    conns = {(c.pre.name, c.post.name): c for c in b.connections}
    for c in a.connections:
        d = conns[(c.pre.name, c.post.name)]
        if c.synapses is None:  # a direct input (the bias source)
            assert d.synapses is None
            continue
        w = _dense(c.synapses.matrix)
        np.testing.assert_allclose(_dense(d.synapses.matrix), w, rtol=tol, atol=tol)
        np.testing.assert_array_equal(_delay_matrix(d) * (w != 0), _delay_matrix(c) * (w != 0))


def _delay_matrix(c):
    """The delays of a connection as (n_post, n_pre) (the engine keeps per-synapse delays
    in storage order)."""
    out = np.zeros(c.synapses.shape, np.int64)
    if isinstance(c.delays, np.ndarray):
        post, pre = c.synapses.synapse_coords()
        out[post, pre] = c.delays
    elif c.delays is not None:
        out[:] = c.delays
    return out


def test_export_then_load_gives_the_same_network(tmp_path):
    rng = np.random.default_rng(7)
    net = _float_net(rng)
    g = lnir.export(net, dt=DT)
    types = sorted({type(n).__name__ for n in g.nodes.values()})
    assert types == ["CubaLIF", "Delay", "Input", "LIF", "Linear", "Output"]
    back = lnir.load(g, dt=DT, inputs={"stim": net.populations["stim"].model.data})
    _same_network(net, back)
    a, b = le.simulate(net, 200), le.simulate(back, 200)
    assert a["a"].num_spikes > 10
    np.testing.assert_array_equal(a["a"].s, b["a"].s)
    np.testing.assert_array_equal(a["b"].s, b["b"].s)
    # through the file (atomic write), with an Affine bias made by load
    path = tmp_path / "net.nir"
    lnir.export(back, path, dt=DT)
    again = lnir.load(path, dt=DT, inputs={"stim": net.populations["stim"].model.data})
    _same_network(net, again)
    assert not list(tmp_path.glob("*.tmp"))


def test_affine_bias_round_trips_as_a_bias():
    rng = np.random.default_rng(1)
    g = _graph(rng)
    net = lnir.load(g, dt=DT)
    g2 = lnir.export(net, dt=DT, outputs=["lif"])
    aff = [n for n in g2.nodes.values() if isinstance(n, nir.Affine)]
    assert len(aff) == 1
    np.testing.assert_allclose(aff[0].bias, g.nodes["aff"].bias * g.nodes["cuba"].w_in * g.nodes["cuba"].r
                               * DT / g.nodes["cuba"].tau_mem, rtol=1e-12)
    _same_network(net, lnir.load(g2, dt=DT))


def _bad(**change):
    rng = np.random.default_rng(0)
    g = _graph(rng)
    for key, fn in change.items():
        fn(g)
    return g


@pytest.mark.parametrize("mutate, match", [
    (lambda g: g.nodes.__setitem__("cuba", nir.Threshold(threshold=np.ones(5))), r"'cuba' has type Threshold"),
    (lambda g: setattr(g.nodes["lif"], "tau", np.array([np.nan, 1e-2, 1e-2, 1e-2])), r"'lif'.*tau contains nan"),
    (lambda g: setattr(g.nodes["lif"], "tau", np.full(4, 1e-4)), r"'lif'.*shorter than dt"),
    (lambda g: setattr(g.nodes["lin"], "weight", np.ones((4, 3))), r"'lin'.*shape \(4, 3\).*receives 5"),
    (lambda g: setattr(g.nodes["dly"], "delay", np.full(4, 1.5e-3)), r"not a whole number"),
    (lambda g: g.edges.append(("lif", "nowhere")), r"'nowhere'"),
    (lambda g: setattr(g.nodes["cuba"], "v_threshold", np.ones(3)), r"'cuba'.*has 5 values; expected 1 or 3"),
])
def test_malformed_graphs_raise_naming_the_node(mutate, match):
    g = _graph(np.random.default_rng(0))
    mutate(g)
    with pytest.raises(ValueError, match=match):
        lnir.load(g, dt=DT)


def test_bad_files_and_arguments(tmp_path):
    junk = tmp_path / "junk.nir"
    junk.write_bytes(b"not hdf5")
    with pytest.raises(ValueError, match="cannot read a NIR graph"):
        lnir.load(junk, dt=DT)
    with pytest.raises(ValueError, match="cannot read a NIR graph"):
        lnir.load(tmp_path / "missing.nir", dt=DT)
    g = _graph(np.random.default_rng(0))
    with pytest.raises(ValueError, match="dt = 0.0"):
        lnir.load(g, dt=0)
    with pytest.raises(ValueError, match=r"inputs\['in'\] has shape \(10, 2\)"):
        lnir.load(g, dt=DT, inputs={"in": np.zeros((10, 2))})
    with pytest.raises(ValueError, match="not Input nodes"):
        lnir.load(g, dt=DT, inputs={"lif": np.zeros((10, 4))})
    fixed = le.Network()
    fixed.add(le.FixedLIF(3, du=10, dv=10, vth=100, bias_mant=1, bias_exp=0), name="p")
    with pytest.raises(ValueError, match="fixed_to_float"):
        lnir.export(fixed, dt=DT)
    net = _float_net(np.random.default_rng(2))
    c = net.connections[1]
    post_i, _ = c.synapses.synapse_coords()
    c.delays[0] += 1  # one synapse of row post_i[0] later than the rest of its row
    with pytest.raises(ValueError, match=f"delays vary along row {post_i[0]}"):
        lnir.export(net, dt=DT)


DATA = __import__("pathlib").Path(__file__).parent / "data" / "nir_paper"


def test_graph_written_by_norse_matches_norses_own_simulation():
    """Norse's forward-Euler LIF is the discretization load() uses: the traces are equal,
    one step later (Lava's Dense delivers a step's input on the next step; Norse applies
    its Linear in the same step)."""
    ref = np.loadtxt(DATA / "lif_norse.csv", delimiter=",")
    net = lnir.load(DATA / "lif_norse.nir", dt=1e-4, inputs={"input": ref[:, :1]})
    tr = le.simulate(net, ref.shape[0], record={"1": ("s", "v")})
    theirs = np.flatnonzero(ref[:, 2])
    assert theirs.size == 4
    np.testing.assert_array_equal(np.flatnonzero(tr["1"].s[:, 0]), theirs + 1)
    np.testing.assert_allclose(tr["1"].v[1:, 0], ref[:-1, 1], rtol=2e-6, atol=1e-8)  # (float32 file)


def test_graph_written_by_rockpool_loads_and_keeps_its_spike_count():
    """Rockpool's LIF decays by exp(-dt / tau) and scales its input otherwise, so the
    traces differ by the discretization; the graph loads (its Output type is broken) and
    the neuron spikes as often, each spike within a few steps of Rockpool's."""
    ref = np.loadtxt(DATA / "lif_rockpool.csv", delimiter=",")
    net = lnir.load(DATA / "lif_rockpool.nir", dt=1e-4, inputs={"input": ref[:, :1]})
    name = "1_LIFNeuronTorch"
    tr = le.simulate(net, ref.shape[0], record={name: "s"})
    ours, theirs = np.flatnonzero(tr[name].s[:, 0]), np.flatnonzero(ref[:, 2])
    assert ours.size == theirs.size == 4
    assert np.all(np.abs(ours - theirs) <= 25)


def _ints(net):
    """Every integer of a fixed network: population parameters, source data, mantissas,
    exponents and delays."""
    out = {}
    for name, p in net.populations.items():
        if p.is_source:
            out[name] = np.asarray(p.model.data).tolist()
            continue
        out[name] = [np.broadcast_to(getattr(p.model, f), (p.n,)).tolist()
                     for f in ("du", "dv", "vth", "bias_mant", "bias_exp")]
    for c in net.connections:
        if c.synapses is None:
            out[(c.pre.name, c.post.name)] = "direct"
            continue
        out[(c.pre.name, c.post.name)] = (c.synapses.effective_weights(sparse=False).tolist(),
                                          int(c.synapses.weight_exp), c.synapses.sign_mode.name,
                                          _delay_matrix(c).tolist())
    return out


def test_fixed_point_load_keeps_rates_and_reports_each_part():
    rng = np.random.default_rng(4)
    g = _graph(rng)
    T = 2000
    x = (rng.random((T, 3)) < 0.3).astype(float)
    flt = lnir.load(g, dt=DT, inputs={"in": x})
    fx = lnir.load(g, dt=DT, inputs={"in": x}, fixed=True, num_steps=T)
    assert fx.family == "fixed"
    rep = fx.quantization
    assert set(rep.populations) == {"cuba", "lif", "ro"} and not rep.populations["ro"]["spiking"]
    assert set(rep.connections) == {"in->cuba", "cuba->lif", "lif->lif", "lif->ro"}
    assert all(c["rel_rms_error"] < 0.02 for c in rep.connections.values())
    a, b = le.simulate(flt, T), le.simulate(fx, T, record={"cuba": "s", "lif": "s", "ro": "v"})
    for name in ("cuba", "lif"):
        assert a[name].num_spikes > 500
        assert abs(b[name].num_spikes / a[name].num_spikes - 1) < 0.05, name
    # the read-out: v / S tracks the float v
    S = rep.populations["ro"]["scale"]
    err = np.abs(b["ro"].v / S - a["ro"].v)
    assert err.mean() < 0.05 * np.abs(a["ro"].v).mean()
    assert "weight_exp" in str(rep)


def test_fixed_point_round_trip_gives_the_same_integers(tmp_path):
    rng = np.random.default_rng(4)
    g = _graph(rng)
    x = (rng.random((300, 3)) < 0.3).astype(float)
    fx = lnir.load(g, dt=DT, inputs={"in": x}, fixed=True, num_steps=300)
    path = tmp_path / "fixed.nir"
    lnir.export(fx, path, dt=DT)
    again = lnir.load(path, dt=DT, inputs={"in": x}, fixed=True)
    assert _ints(again) == _ints(fx)
    np.testing.assert_array_equal(le.simulate(fx, 300)["lif"].v, le.simulate(again, 300)["lif"].v)
    with pytest.raises(ValueError, match="pass scales"):
        fx.quantization = None
        lnir.export(fx, dt=DT)


def test_norse_graph_in_fixed_point_spikes_as_the_float_one():
    ref = np.loadtxt(DATA / "lif_norse.csv", delimiter=",")
    flt = lnir.load(DATA / "lif_norse.nir", dt=1e-4, inputs={"input": ref[:, :1]})
    fx = lnir.load(DATA / "lif_norse.nir", dt=1e-4, inputs={"input": ref[:, :1]}, fixed=True)
    a = le.simulate(flt, ref.shape[0], record={"1": "s"})["1"].s[:, 0]
    b = le.simulate(fx, ref.shape[0], record={"1": "s"})["1"].s[:, 0]
    np.testing.assert_array_equal(np.flatnonzero(b), np.flatnonzero(a))


def test_fixed_point_refuses_non_integer_payloads_into_synapses():
    g = _graph(np.random.default_rng(0))
    with pytest.raises(ValueError, match="source 'in' sends non-integer values"):
        lnir.load(g, dt=DT, inputs={"in": np.full((10, 3), 0.5)}, fixed=True, num_steps=10)


def test_float_to_fixed_of_a_large_sparse_network_stays_sparse():
    """le.float_to_fixed(network): per population and connection, sparse weights and
    per-synapse delays kept sparse (no n x n matrix), rates kept."""
    import scipy.sparse as sp
    rng = np.random.default_rng(3)
    n_e, n_i = 4000, 1000
    net = le.Network()
    net.add(le.FloatLIF(n_e, du=0.2, dv=0.05, vth=1.0, bias=rng.uniform(0.06, 0.08, n_e)), name="e")
    net.add(le.FloatLIF(n_i, du=0.3, dv=0.1, vth=1.0, bias=0.1), name="i")
    w_ee = sp.random(n_e, n_e, 0.01, random_state=np.random.RandomState(0), format="csr") * 0.05
    w_ie = sp.random(n_i, n_e, 0.02, random_state=np.random.RandomState(1), format="csr") * 0.08
    w_ei = -sp.random(n_e, n_i, 0.05, random_state=np.random.RandomState(2), format="csr") * 0.2
    d_ee = w_ee.copy()
    d_ee.data = rng.integers(0, 5, d_ee.nnz).astype(float)
    net.connect("e", "e", le.FloatSynapses(w_ee), delays=d_ee)
    net.connect("e", "i", le.FloatSynapses(w_ie))
    net.connect("i", "e", le.FloatSynapses(w_ei), delays=2)
    fx, rep = le.float_to_fixed(net, num_steps=500)
    assert all(c.synapses.sparse_input for c in fx.connections)
    assert set(rep.connections) == {"e->e", "e->i", "i->e"}
    assert rep.connections["i->e"]["sign_mode"] == "INHIBITORY"
    a, b = le.simulate(net, 1000), le.simulate(fx, 1000)
    for k in ("e", "i"):
        assert a[k].num_spikes > 1000
        assert abs(b[k].num_spikes / a[k].num_spikes - 1) < 0.05, (k, a[k].num_spikes, b[k].num_spikes)
    back = le.fixed_to_float(fx, rep.scales)
    assert all(c.synapses.sparse_input for c in back.connections)
    kept = _dense(back.connections[0].synapses.matrix) != 0   # (weights that rounded to 0 are gone)
    assert kept.sum() == rep.connections["e->e"]["nonzero"] - rep.connections["e->e"]["became_zero"]
    np.testing.assert_array_equal(_delay_matrix(back.connections[0])[kept], _delay_matrix(net.connections[0])[kept])


REPO = __import__("pathlib").Path(__file__).resolve().parent.parent


def _norse_python():
    import os
    env = os.environ.get("LAVA_EIRATE_NORSE_PYTHON")
    path = __import__("pathlib").Path(env) if env else REPO / ".venv-norse" / "bin" / "python"
    return path if path.exists() else None


def test_a_network_norse_writes_matches_norses_own_simulation(tmp_path):
    """Norse (its own NIR writer and simulator, run in the peer venv ``make peer-norse``
    builds) on a two-layer network: every spike equal -- layer k k steps later, as each
    Lava Dense takes a step where Norse's Linear takes none -- v within float32 rounding,
    and the fixed-point network's rates within 5% of the float's."""
    import subprocess
    py = _norse_python()
    if py is None:
        pytest.skip("the Norse peer venv is not built (make peer-norse)")
    out = subprocess.run([str(py), str(REPO / "tests" / "peers" / "norse_export.py"), str(tmp_path), "3"],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    z = np.load(tmp_path / "norse_trace.npz")
    x, dt = z["x"], float(z["dt"])
    T = x.shape[0]
    net = lnir.load(tmp_path / "norse.nir", dt=dt, inputs={"input": x})
    layers = [k for k in net.populations if not net.populations[k].is_source]
    assert len(layers) == 2
    first = [k for k in layers if any(c.pre.is_source and c.post.name == k for c in net.connections)][0]
    second = [k for k in layers if k != first][0]
    tr = le.simulate(net, T, record={first: ("s", "v"), second: ("s", "v")})
    for name, s, v, lag in ((first, z["s1"], z["v1"], 1), (second, z["s2"], z["v2"], 2)):
        assert s.sum() > 0.05 * s.size
        np.testing.assert_array_equal(tr[name].s[lag:], s[:T - lag].astype(bool))
        np.testing.assert_allclose(tr[name].v[lag:], v[:T - lag], rtol=1e-5, atol=1e-6)
    fx = lnir.load(tmp_path / "norse.nir", dt=dt, inputs={"input": x}, fixed=True, num_steps=T)
    b = le.simulate(fx, T)
    for name in layers:
        assert abs(b[name].num_spikes / tr[name].num_spikes - 1) < 0.05, name
