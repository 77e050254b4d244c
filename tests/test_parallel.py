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
