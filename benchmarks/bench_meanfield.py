"""Self-consistent firing rates: lava_eirate.meanfield vs NNMT (nnmt.lif.delta) on the same
problems in the same run, same answer required (1e-7 relative).

  * 2 populations: Brunel (2000) model A, g = 5, nu_ext = 2 nu_thr (target <= 20 ms)
  * 8 populations: four E/I layer pairs with layer-specific in-degrees (target <= 200 ms)
  * transfer function (Schuecker et al. 2015, tau_r = 0 where NNMT's formula applies):
    2 populations x 100 frequencies, time and agreement with NNMT (mpmath)
  * transfer function with a refractory period against simulation (simulate_diffusion_lif,
    2000 neurons, dt = tau_m / 1000): ours (reset terms delayed by tau_r) and NNMT's (no delay factor)

    python benchmarks/bench_meanfield.py [--out benchmarks/results/bench_meanfield.json]
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np

from lava_eirate import meanfield as mf

from _report import write_json

NEURON = dict(tau_m=0.02, tau_r=0.002, v_th=0.02, v_reset=0.01)


def brunel():
    J = 0.0001
    nu_thr = NEURON["v_th"] / (J * 1000 * NEURON["tau_m"])
    return dict(J=np.array([[J, -5 * J], [J, -5 * J]]), K=np.array([[1000.0, 250.0], [1000.0, 250.0]]),
                J_ext=np.full(2, J), K_ext=np.full(2, 1000.0), nu_ext=2 * nu_thr)


def layered(seed=0):
    """Four Brunel-type E/I pairs (C_E = 800, C_I = 200, g = 6 within a pair) coupled
    weakly across pairs (5-20 inputs); each pair has its own external drive
    (1.5-2.5 nu_thr), the same for its E and I population as in Brunel (2000)."""
    rng = np.random.default_rng(seed)
    P = 8
    K = rng.uniform(5, 20, (P, P))
    for layer in range(4):
        K[2 * layer:2 * layer + 2, 2 * layer:2 * layer + 2] = [[800, 200], [800, 200]]
    J = np.tile([0.0001, -0.0006], (P, 4))
    nu_thr = NEURON["v_th"] / (0.0001 * 1000 * NEURON["tau_m"])
    # one external population per population: (P, E) matrices, NNMT's convention
    return dict(J=J, K=K, J_ext=np.full((P, P), 0.0001), K_ext=np.diag(np.full(P, 1000.0)),
                nu_ext=np.repeat(rng.uniform(1.5, 2.5, 4), 2) * nu_thr)


def time_best(fn, repeats=5):
    best, out = np.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def run_case(name, p):
    from nnmt.lif.delta import _firing_rates as nnmt_rates
    ours_t, ours = time_best(lambda: mf.firing_rates(J=p["J"], K=p["K"], J_ext=p["J_ext"], K_ext=p["K_ext"],
                                                     nu_ext=p["nu_ext"], **NEURON))
    peer_t, peer = time_best(lambda: nnmt_rates(p["J"], p["K"], NEURON["v_reset"], NEURON["v_th"],
                                                NEURON["tau_m"], NEURON["tau_r"], p["J_ext"], p["K_ext"],
                                                p["nu_ext"], fixpoint_method="ODE"))
    rel = float(np.max(np.abs(ours - peer) / np.maximum(np.abs(peer), 1e-12)))
    return dict(case=name, populations=len(ours), lava_eirate_ms=ours_t * 1e3, nnmt_ms=peer_t * 1e3,
                speedup=peer_t / ours_t, max_rel_diff=rel, rates_hz=ours.tolist())


def transfer_case():
    import nnmt.lif.exp as ne
    mu, sigma = np.array([0.010, 0.016]), np.array([0.005, 0.004])
    omega = 2 * np.pi * np.logspace(0, 3, 100)
    p = dict(tau_m=0.01, tau_s=0.0005, tau_r=0.0, v_th=0.015, v_reset=0.0)
    ours_t, ours = time_best(lambda: mf.transfer_function(mu, sigma, omega, **p), repeats=3)
    peer_t, peer = time_best(lambda: ne._transfer_function_shift(mu, sigma, p["tau_m"], p["tau_s"], 0.0,
                                                                 p["v_th"], p["v_reset"], omega), repeats=1)
    rel = float(np.max(np.abs(ours - peer) / np.abs(peer)))
    return dict(case="transfer fn, 2 pops x 100 freqs", lava_eirate_ms=ours_t * 1e3, nnmt_ms=peer_t * 1e3,
                speedup=peer_t / ours_t, max_rel_diff=rel)


def transfer_vs_simulation(freqs=(2.0, 10.0, 30.0, 100.0), n=2000, seed=11):
    """|H| and phase from a simulated population (mu + eps cos(omega t)) against theory."""
    import nnmt.lif.exp as ne
    mu, sigma, eps, dt = 0.012, 0.004, 0.0008, 1e-5
    p = dict(tau_m=0.01, tau_r=0.004, v_th=0.015, v_reset=0.0)
    rows = []
    for f in freqs:
        omega = 2 * np.pi * f
        settle, periods = 0.1, 8 * max(1, int(f / 4))
        rate = mf.simulate_diffusion_lif(mu, sigma, **p, n=n, duration=settle + periods / f, dt=dt, eps=eps,
                                         omega=omega, rng=np.random.default_rng(seed))
        t = np.arange(rate.size) * dt
        keep = t >= settle
        proj = rate[keep] * np.exp(-1j * omega * t[keep]) * 2 / eps
        h_sim = np.mean(proj)
        blocks = np.array([b.mean() for b in np.array_split(proj, 8)])     # 8 blocks of whole periods
        se = float(np.std(np.abs(blocks), ddof=1) / np.sqrt(8))
        h = mf.transfer_function(mu, sigma, [omega], **p, tau_s=0.0)[0]
        with np.errstate(all="ignore"):
            h_nnmt = ne._transfer_function_shift(np.array([mu]), np.array([sigma]), p["tau_m"], 1e-14, p["tau_r"],
                                                 p["v_th"], p["v_reset"], np.array([omega]),
                                                 synaptic_filter=False)[0, 0]
        rows.append(dict(freq_hz=f, sim_abs=abs(h_sim), sim_abs_se=se, ours_abs=abs(h), nnmt_abs=abs(h_nnmt),
                         ours_err=abs(h) / abs(h_sim) - 1, nnmt_err=abs(h_nnmt) / abs(h_sim) - 1,
                         sim_phase=float(np.angle(h_sim)), ours_phase=float(np.angle(h)),
                         nnmt_phase=float(np.angle(h_nnmt))))
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "bench_meanfield.json"))
    args = ap.parse_args(argv)
    rows = [run_case("Brunel A, 2 pops", brunel()), run_case("layered E/I, 8 pops", layered())]
    print(f"{'case':<22} {'pops':>4} {'lava_eirate ms':>14} {'NNMT ms':>9} {'speedup':>8} {'max rel diff':>12}")
    for r in rows:
        print(f"{r['case']:<22} {r['populations']:>4} {r['lava_eirate_ms']:>14.2f} {r['nnmt_ms']:>9.2f} "
              f"{r['speedup']:>7.1f}x {r['max_rel_diff']:>12.1e}")
    tf = transfer_case()
    print(f"{tf['case']:<34} {tf['lava_eirate_ms']:>8.2f} ms  NNMT {tf['nnmt_ms']:>9.1f} ms "
          f"{tf['speedup']:>7.0f}x  max rel diff {tf['max_rel_diff']:.1e}")
    sim = transfer_vs_simulation()
    print("\ntransfer function vs simulation (tau_r = 4 ms, nu ~ 21 Hz; |H| in Hz/V, phase in rad)")
    print(f"{'f Hz':>6} {'|H| sim':>9} {'+-SE':>5} {'ours':>9} {'err':>7} {'NNMT':>9} {'err':>7} "
          f"{'ph sim':>7} {'ours':>7} {'NNMT':>7}")
    for r in sim:
        print(f"{r['freq_hz']:>6.0f} {r['sim_abs']:>9.0f} {r['sim_abs_se']:>5.0f} {r['ours_abs']:>9.0f} {r['ours_err']:>+7.1%} "
              f"{r['nnmt_abs']:>9.0f} {r['nnmt_err']:>+7.1%} {r['sim_phase']:>7.3f} {r['ours_phase']:>7.3f} "
              f"{r['nnmt_phase']:>7.3f}")
    write_json(args.out, dict(self_consistent=rows, transfer_function=tf, transfer_vs_simulation=sim))


if __name__ == "__main__":
    main()
