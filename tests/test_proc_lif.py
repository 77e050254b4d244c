"""EILIFNetwork in Lava's runtime: the fused fixed_pt model bit-exact with Lava's own LIF +
Dense (SubEILIFModelLava) and with simulate_fixed; the float model equal to Lava's float
LIF + Dense; model selection, repeated runs, Var set/get, recording, bad input."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from lava.magma.core.run_conditions import RunSteps
from lava.magma.core.run_configs import Loihi2SimCfg
from lava.proc.dense.process import Dense
from lava.proc.io.source import RingBuffer
from lava.proc.monitor.process import Monitor

import lava_eirate as le
from lava_eirate import EILIFNetwork
from lava_eirate.proc.ei_lif.models import PyEILIFModelFixed, PyEILIFModelFloat, SubEILIFModelLava

pytestmark = pytest.mark.lava

SUB = {EILIFNetwork: SubEILIFModelLava}


def random_ei_params(seed, n_e=24, n_i=8, per_neuron=True, weight_exp=0, num_weight_bits=8):
    rng = np.random.default_rng(seed)
    n = n_e + n_i

    def pop(lo, hi, size):
        return rng.integers(lo, hi + 1, size) if per_neuron else int(rng.integers(lo, hi + 1))

    w = np.zeros((n, n), np.int64)
    w[:, :n_e] = rng.integers(0, 60, (n, n_e))
    w[:, n_e:] = rng.integers(-200, 1, (n, n_i))
    w *= rng.random((n, n)) < 0.3
    return dict(shape_exc=n_e, shape_inh=n_i, weights=w,
                du_exc=pop(0, 4095, n_e), dv_exc=pop(100, 800, n_e), vth_exc=pop(2000, 9000, n_e),
                bias_mant_exc=pop(500, 1500, n_e), bias_exp_exc=6,
                du_inh=pop(0, 4095, n_i), dv_inh=pop(100, 800, n_i), vth_inh=pop(2000, 9000, n_i),
                bias_mant_inh=pop(500, 1500, n_i), bias_exp_inh=6,
                weight_exp=weight_exp, num_weight_bits=num_weight_bits)


def run(net, cfg, num_steps, extra=None):
    """Run ``net`` (and its graph) with Monitors on s_out, u and v; return (s, u, v)."""
    mons = {}
    for name, target in (("s", net.s_out), ("u", net.u), ("v", net.v)):
        mons[name] = Monitor()
        mons[name].probe(target, num_steps)
    try:
        net.run(condition=RunSteps(num_steps=num_steps), run_cfg=cfg)
        out = {}
        for name, mon in mons.items():
            key = "s_out" if name == "s" else name
            out[name] = np.asarray(mon.get_data()[net.name][key])
        model = net.model_class
    finally:
        net.stop()
    return out["s"].astype(bool), out["u"], out["v"], model


@settings(max_examples=3)
@given(seed=st.integers(0, 2 ** 31), weight_exp=st.integers(-3, 3), nwb=st.integers(5, 8),
       per_neuron=st.booleans())
def test_fused_fixed_model_bit_exact_with_lava_lif_dense_and_engine(seed, weight_exp, nwb, per_neuron):
    kw = random_ei_params(seed, per_neuron=per_neuron, weight_exp=weight_exp, num_weight_bits=nwb)
    T = 40
    s_f, u_f, v_f, model_f = run(EILIFNetwork(**kw), Loihi2SimCfg(select_tag="fixed_pt"), T)
    s_l, u_l, v_l, model_l = run(EILIFNetwork(**kw),
                                 Loihi2SimCfg(select_tag="fixed_pt", exception_proc_model_map=SUB), T)
    assert model_f is PyEILIFModelFixed and model_l is SubEILIFModelLava
    tr = le.simulate_fixed(*le.EILIFParams(**kw).fixed, T)
    assert tr.num_spikes > 0
    for mine, lava, eng in ((s_f, s_l, tr.s), (u_f, u_l, tr.u), (v_f, v_l, tr.v)):
        assert np.array_equal(mine, lava)
        assert np.array_equal(mine, eng)


def test_external_spikes_through_dense_from_a_spike_source():
    kw = random_ei_params(7)
    n, T, n_src = 32, 40, 12
    rng = np.random.default_rng(3)
    src_spikes = rng.random((n_src, T)) < 0.2
    w_in = rng.integers(0, 120, (n, n_src))
    results = []
    for cfg in (Loihi2SimCfg(select_tag="fixed_pt"),
                Loihi2SimCfg(select_tag="fixed_pt", exception_proc_model_map=SUB)):
        net = EILIFNetwork(**kw)
        src = RingBuffer(data=src_spikes.astype(np.int32))
        dense_in = Dense(weights=w_in, weight_exp=2)
        src.s_out.connect(dense_in.s_in)
        dense_in.a_out.connect(net.a_in)
        results.append(run(net, cfg, T))
    syn_in = le.FixedSynapses(w_in, weight_exp=2)
    a_ext = np.zeros((T, n), np.int64)
    for t in range(1, T):  # Dense delays by one step
        a_ext[t] = syn_in.activation(src_spikes[:, t - 1])
    tr = le.simulate_fixed(*le.EILIFParams(**kw).fixed, T, a_in=a_ext)
    assert np.any(a_ext)
    for s, u, v, _ in results:
        assert np.array_equal(s, tr.s) and np.array_equal(u, tr.u) and np.array_equal(v, tr.v)


def test_float_model_equals_lava_float_lif_dense():
    rng = np.random.default_rng(1)
    n_e, n_i = 24, 8
    n = n_e + n_i
    w = np.zeros((n, n))
    w[:, :n_e] = rng.uniform(0, 0.3, (n, n_e))
    w[:, n_e:] = rng.uniform(-1.2, 0, (n, n_i))
    w *= rng.random((n, n)) < 0.3
    kw = dict(shape_exc=n_e, shape_inh=n_i, weights=w, du_exc=0.07, dv_exc=0.01, vth_exc=1.0,
              bias_mant_exc=rng.uniform(0.01, 0.05, n_e), du_inh=0.07, dv_inh=0.02, vth_inh=1.0,
              bias_mant_inh=0.05)
    T = 200
    s_f, u_f, v_f, model_f = run(EILIFNetwork(**kw), Loihi2SimCfg(select_tag="floating_pt"), T)
    s_l, u_l, v_l, _ = run(EILIFNetwork(**kw),
                           Loihi2SimCfg(select_tag="floating_pt", exception_proc_model_map=SUB), T)
    assert model_f is PyEILIFModelFloat
    assert s_f.sum() > 20
    assert np.array_equal(s_f, s_l)
    np.testing.assert_allclose(u_f, u_l, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(v_f, v_l, rtol=1e-12, atol=1e-12)


def test_run_run_again_set_var_between_runs_and_stop():
    kw = random_ei_params(5)
    p = le.EILIFParams(**kw)
    net = EILIFNetwork(**kw, record=("s", "u", "v"), record_steps=100)
    cfg = Loihi2SimCfg(select_tag="fixed_pt")
    try:
        net.run(condition=RunSteps(num_steps=15), run_cfg=cfg)
        net.run(condition=RunSteps(num_steps=10), run_cfg=cfg)
        u_25 = net.u.get().astype(np.int64)
        new_u = (np.arange(p.n) * 1000 - 5000).astype(np.int64)
        net.u.set(new_u)
        assert np.array_equal(net.u.get(), new_u)
        net.run(condition=RunSteps(num_steps=20), run_cfg=cfg)
        rec = net.recorded()
        v_end = net.v.get().astype(np.int64)
    finally:
        net.stop()
    first = le.simulate_fixed(*p.fixed, 25)
    assert np.array_equal(first.final["u"], u_25)
    state = dict(first.final, u=new_u)
    second = le.simulate_fixed(*p.fixed, 20, state=state)
    assert np.array_equal(second.final["v"], v_end)
    assert rec.final["first_step"] == 1 and rec.num_steps == 45
    assert np.array_equal(rec.s, np.concatenate([first.s, second.s]))
    assert np.array_equal(rec.u, np.concatenate([first.u, second.u]))


def test_recording_keeps_the_last_steps_as_a_ring_buffer():
    kw = random_ei_params(9)
    net = EILIFNetwork(**kw, record=("s",), record_steps=16)
    try:
        net.run(condition=RunSteps(num_steps=50), run_cfg=Loihi2SimCfg(select_tag="fixed_pt"))
        rec = net.recorded()
    finally:
        net.stop()
    tr = le.simulate_fixed(*le.EILIFParams(**kw).fixed, 50)
    assert rec.final == {"first_step": 35, "last_step": 50}
    assert rec.u is None and np.array_equal(rec.s, tr.s[34:])


def test_bad_input_is_refused_at_construction():
    kw = random_ei_params(0)
    with pytest.raises(ValueError, match=r"weights have shape \(32, 31\); expected \(32, 32\)"):
        EILIFNetwork(**dict(kw, weights=kw["weights"][:, :31]))
    with pytest.raises(ValueError, match=r"du_exc = 5000 is out of range \[0, 4095\]"):
        EILIFNetwork(**dict(kw, du_exc=5000))
    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\) \['du_exx'\]"):
        EILIFNetwork(**kw, du_exx=3)
    with pytest.raises(RuntimeError, match="built without record"):
        EILIFNetwork(**kw).recorded()


def run_two_steps(net, tag):
    """Run ``net`` for two steps with ``select_tag=tag``; always stop it."""
    try:
        net.run(condition=RunSteps(num_steps=2), run_cfg=Loihi2SimCfg(select_tag=tag))
    finally:
        net.stop()


def test_parameters_unfit_for_the_selected_model_fail_at_compile_time():
    kw = random_ei_params(0)
    float_kw = dict(kw, du_exc=0.07, dv_exc=0.01, du_inh=0.07, dv_inh=0.01, vth_exc=1.0,
                    vth_inh=1.0, bias_mant_exc=0.02, bias_mant_inh=0.02,
                    weights=kw["weights"] / 100.0)
    with pytest.raises(ValueError, match=r"fixed_pt .* needs Loihi integers: du_exc = 0.07 is not an integer"):
        run_two_steps(EILIFNetwork(**float_kw), "fixed_pt")
    # integers that are a legal float network but not legal Loihi (bias mantissa > 4095)
    ok_float = dict(kw, du_exc=0, du_inh=0, dv_exc=1, dv_inh=1, vth_exc=1000, vth_inh=1000,
                    bias_mant_exc=5000, bias_mant_inh=10)
    with pytest.raises(ValueError, match=r"bias_mant_exc = 5000 is out of range \[-4096, 4095\]"):
        run_two_steps(EILIFNetwork(**ok_float), "fixed_pt")
    # the same parameters run fine where they fit
    net = EILIFNetwork(**ok_float)
    try:
        net.run(condition=RunSteps(num_steps=2), run_cfg=Loihi2SimCfg(select_tag="floating_pt"))
        assert net.v.get().shape == (32,)
    finally:
        net.stop()


def test_stop_releases_shared_memory_and_keeps_the_data():
    import os
    kw = random_ei_params(3)
    net = EILIFNetwork(**kw, record=("s", "v"), record_steps=20)
    folder = net._recording.spec["dir"]
    try:
        net.run(condition=RunSteps(num_steps=12), run_cfg=Loihi2SimCfg(select_tag="fixed_pt"))
    finally:
        net.stop()
    assert not os.path.exists(folder)
    rec = net.recorded()                       # still readable after stop
    tr = le.simulate_fixed(*le.EILIFParams(**kw).fixed, 12)
    assert np.array_equal(rec.v, tr.v) and np.array_equal(rec.s, tr.s)


def test_recordings_of_killed_processes_are_removed_and_oversized_ones_refused(tmp_path):
    import os
    import subprocess
    import sys
    from lava_eirate.proc import _recording as R
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    root = R._ROOT or __import__("tempfile").gettempdir()
    orphan = os.path.join(root, f"{R._PREFIX}{dead}_x")
    os.makedirs(orphan)
    kw = random_ei_params(4)
    EILIFNetwork(**kw, record=("s",), record_steps=5)
    assert not os.path.exists(orphan)
    with pytest.raises(ValueError, match=r"record_steps=100000000000 needs .* GiB of shared memory"):
        EILIFNetwork(**kw, record=("s", "u", "v"), record_steps=10 ** 11)


def test_recording_removed_before_the_run_does_not_hang():
    import shutil
    kw = random_ei_params(6)
    net = EILIFNetwork(**kw, record=("s",), record_steps=10)
    shutil.rmtree(net._recording.spec["dir"])
    try:
        net.run(condition=RunSteps(num_steps=5), run_cfg=Loihi2SimCfg(select_tag="fixed_pt"))
        v = net.v.get()
    finally:
        net.stop()
    assert np.array_equal(v, le.simulate_fixed(*le.EILIFParams(**kw).fixed, 5).final["v"])
    with pytest.raises(RuntimeError, match="nothing recorded|were removed"):
        net.recorded()


def test_ctrl_c_inside_run_stops_the_runtime_and_raises():
    """Ctrl-C (SIGINT to the process group, as a terminal sends it) during net.run used to
    leave run() hanging; now KeyboardInterrupt comes out and stop() completes."""
    import os
    import signal
    import subprocess
    import sys
    import time
    code = ("import sys; sys.path.insert(0, %r)\n"
            "from lava.magma.core.run_conditions import RunSteps\n"
            "from lava.magma.core.run_configs import Loihi2SimCfg\n"
            "from lava_eirate import EILIFNetwork\n"
            "from test_proc_lif import random_ei_params\n"
            "net = EILIFNetwork(**random_ei_params(1))\n"
            "print('ready', flush=True)\n"
            "try:\n"
            "    net.run(condition=RunSteps(num_steps=10 ** 7), run_cfg=Loihi2SimCfg(select_tag='fixed_pt'))\n"
            "finally:\n"
            "    net.stop()\n"
            "    print('stopped', flush=True)\n") % os.path.dirname(__file__)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(3)
        t0 = time.time()
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert time.time() - t0 < 10
    assert "stopped" in out and "KeyboardInterrupt" in err


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGKILL"])
def test_killing_the_main_process_leaves_no_lava_workers(sig):
    import os
    import signal
    import subprocess
    import sys
    import time
    code = ("import sys; sys.path.insert(0, %r)\n"
            "from lava.magma.core.run_conditions import RunSteps\n"
            "from lava.magma.core.run_configs import Loihi2SimCfg\n"
            "from lava_eirate import EILIFNetwork\n"
            "from test_proc_lif import random_ei_params\n"
            "net = EILIFNetwork(**random_ei_params(2))\n"
            "print('ready', flush=True)\n"
            "net.run(condition=RunSteps(num_steps=10 ** 7), run_cfg=Loihi2SimCfg(select_tag='fixed_pt'))\n"
            ) % os.path.dirname(__file__)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)

    def group():
        out = subprocess.run(["ps", "-eo", "pgid=,stat="], capture_output=True, text=True).stdout
        return [line for line in out.splitlines() if line.split()[0] == str(proc.pid) and "Z" not in line.split()[1]]
    try:
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(3)
        assert len(group()) >= 3                       # Lava's workers are up
        proc.send_signal(getattr(signal, sig))
        proc.wait(timeout=10)
        deadline = time.time() + 10
        while group() and time.time() < deadline:
            time.sleep(0.2)
        assert group() == []
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
