"""le.sweep: independent runs over local processes or a Dask cluster, results identical
and in input order; failures name the run; ensemble_fidelity in parallel equals the
sequential result."""
import warnings

import numpy as np
import pytest

import lava_eirate as le
from lava_eirate.network import random_topology, tutorial_networks, tutorial_networks_generator
from lava_eirate.parallel import SweepError


def _same(a, b):
    return all(np.array_equal(x[k]["weights"], y[k]["weights"]) for x, y in zip(a, b) for k in x)


def test_local_processes_give_the_sequential_results_in_order():
    params = [dict(seed=s, n=60) for s in (5, 1, 9, 3, 7)]
    seq = le.sweep(tutorial_networks_generator, params, processes=1)
    par = le.sweep(tutorial_networks_generator, params, processes=2)
    assert _same(seq, par) and len(par) == 5
    assert not np.array_equal(par[0]["balanced"]["weights"], par[1]["balanced"]["weights"])   # order kept
    assert le.sweep(abs, [-3, 2, -1], processes=2) == [3, 2, 1]          # non-dict params: fn(p)


def test_a_failing_run_is_named():
    params = [dict(n=10, n_syn=5, rng=1), dict(n=10, n_syn=500, rng=2), dict(n=10, n_syn=5, rng=3)]
    for processes in (1, 2):
        with pytest.raises(SweepError, match=r"run 1 with parameters \{'n': 10, 'n_syn': 500, 'rng': 2\} failed: "
                                             r"ValueError: n_syn = 500 is out of range"):
            le.sweep(random_topology, params, processes=processes)
    with pytest.raises(TypeError, match="fn must be callable"):
        le.sweep(3, [1])
    with pytest.raises(ValueError, match="processes=0"):
        le.sweep(abs, [1], processes=0)


@pytest.fixture(scope="module")
def critical():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lif = le.convert_rate_to_lif_params(**tutorial_networks()["critical"])
    net, rep = le.convert.float_to_fixed_network(lif)
    return lif, net, rep


def test_ensemble_fidelity_in_parallel_equals_the_sequential_result(critical):
    lif, net, rep = critical
    a = le.convert.ensemble_fidelity(lif, net, rep.scales, num_steps=500, realizations=9, seed=2, offset=100)
    b = le.convert.ensemble_fidelity(lif, net, rep.scales, num_steps=500, realizations=9, seed=2, offset=100,
                                      processes=2)
    for k in ("rate_float", "rate_fixed", "c0_float", "c0_fixed", "acov_float", "acov_fixed"):
        assert np.array_equal(getattr(a, k), getattr(b, k)), k


def _engine_threads(_):
    from lava_eirate import engine
    return engine.resolve_threads(None, 10 ** 9)


def test_dask_cluster_gives_the_same_results(critical):
    distributed = pytest.importorskip("distributed")
    lif, net, rep = critical
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  host="127.0.0.1") as cluster, distributed.Client(cluster) as client:
        params = [dict(seed=s, n=60) for s in (4, 8, 2)]
        assert _same(le.sweep(tutorial_networks_generator, params, client), le.sweep(tutorial_networks_generator, params))
        with pytest.raises(SweepError, match=r"run 0 with parameters .* failed: ValueError"):
            le.sweep(random_topology, [dict(n=10, n_syn=500, rng=2)], client)
        # runs go in chunks: a failure inside one is still named by its own index, and the
        # results of many short runs come back in order
        many = [dict(n=10, n_syn=5, rng=k) for k in range(20)]
        many[13]["n_syn"] = 500
        with pytest.raises(SweepError, match=r"run 13 with parameters \{'n': 10, 'n_syn': 500, 'rng': 13\}"):
            le.sweep(random_topology, many, client)
        assert le.sweep(abs, list(range(-10, 10)), client) == [abs(k) for k in range(-10, 10)]
        assert le.sweep(_engine_threads, [0, 1, 2], client) == [1, 1, 1]   # workers: one engine thread
        a = le.convert.ensemble_fidelity(lif, net, rep.scales, num_steps=400, realizations=6, seed=4, offset=100)
        b = le.convert.ensemble_fidelity(lif, net, rep.scales, num_steps=400, realizations=6, seed=4, offset=100,
                                      client=client)
        assert np.array_equal(a.rate_fixed, b.rate_fixed) and np.array_equal(a.acov_float, b.acov_float)
    with pytest.raises(ValueError, match=r"num_steps = 300 leaves -100 steps after dropping offset = 200"):
        le.convert.ensemble_fidelity(lif, net, rep.scales, num_steps=300, realizations=2)


def _fresh(code, **env):
    """Run ``code`` in a fresh interpreter (this one imported Lava long ago); ``env``
    entries set (str) or remove (None) environment variables."""
    import os
    import subprocess
    import sys
    environ = {**os.environ, **env}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         env={k: v for k, v in environ.items() if v is not None})
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


def test_lava_processes_import_after_a_dask_cluster():
    """Starting a LocalCluster fixes multiprocessing's start method; Lava's import-time
    set_start_method('fork') then fails ("context has already been set"). lava_eirate's
    Lava-facing modules unset a 'fork' first; another method is a clear error."""
    pytest.importorskip("distributed")
    code = ("import multiprocessing as mp\n"
            "if __name__ == '__main__':\n"
            "    import distributed, numpy as np, lava_eirate as le\n"
            "    with distributed.LocalCluster(n_workers=1, processes=True, dashboard_address=None,\n"
            "                                  host='127.0.0.1', silence_logs=40) as c, distributed.Client(c):\n"
            "        pass\n"
            "    print('method', mp.get_start_method(allow_none=True))\n"
            "    from lava_eirate.lava_ref import run_lif_network\n"
            "    tr = run_lif_network(n=3, du=0, dv=0, vth=10, bias_mant=np.array([1, 2, 12]), bias_exp=6,\n"
            "                         num_steps=4, record=('s',))\n"
            "    print('spikes', tr.s.sum(axis=0).tolist())\n")
    out = _fresh(code)
    assert "method fork" in out             # the state that broke Lava's import
    # bias_mant * 2**6 against vth * 2**6: 12 > 10 fires every step, 1 and 2 not within 4 steps
    assert "spikes [0, 0, 4]" in out, out
    bad = ("import multiprocessing as mp\n"
           "mp.set_start_method('spawn')\n"
           "try:\n"
           "    import lava_eirate.proc\n"
           "except RuntimeError as err:\n"
           "    print('error:', err)\n")
    assert "error: multiprocessing's start method is 'spawn', but Lava's runtime sets 'fork'" in _fresh(bad)


def test_dask_chunks_keep_freed_memory_and_give_it_back():
    """Under Dask's MALLOC_TRIM_THRESHOLD_=65536 every array over 128 KiB is mmapped afresh
    (1.3x slower runs); inside a chunk such arrays come from the heap, after it the
    environment's thresholds are back. Seen through glibc's mallinfo2 (bytes mmapped)."""
    code = ("import ctypes, numpy as np\n"
            "from lava_eirate.parallel import _KeepFreedMemory\n"
            "class MI(ctypes.Structure):\n"
            "    _fields_ = [(n, ctypes.c_size_t) for n in 'arena ordblks smblks hblks hblkhd usmblks fsmblks "
            "uordblks fordblks keepcost'.split()]\n"
            "libc = ctypes.CDLL(None)\n"
            "libc.mallinfo2.restype = MI\n"
            "def mapped(n):\n"
            "    b = libc.mallinfo2().hblkhd; a = np.ones(n, np.uint8); d = libc.mallinfo2().hblkhd - b; del a\n"
            "    return d\n"
            "keep = _KeepFreedMemory()\n"
            "print('active', keep.libc is not None)\n"
            "before = [mapped(1 << 20) for _ in range(3)]\n"
            "with keep:\n"
            "    inside = [mapped(1 << 20) for _ in range(3)]\n"
            "after = [mapped(1 << 20) for _ in range(3)]\n"
            "print(min(before) >= 1 << 20, max(inside) == 0, min(after) >= 1 << 20)\n")
    assert _fresh(code, MALLOC_TRIM_THRESHOLD_="65536").split() == ["active", "True", "True", "True", "True"]
    # glibc's adaptive default is left alone, also where os.environ gained the variable later
    # (Dask's nanny writes it into the client's os.environ)
    assert _fresh(code, MALLOC_TRIM_THRESHOLD_=None).split()[:2] == ["active", "False"]
    late = "import os\nos.environ['MALLOC_TRIM_THRESHOLD_'] = '65536'\n" + code
    assert _fresh(late, MALLOC_TRIM_THRESHOLD_=None).split()[:2] == ["active", "False"]
