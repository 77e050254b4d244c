"""Brunel (2000) model A in NEST, Brian2 and lava_eirate: wall time per simulated second.

    PYTHONPATH=benchmarks python benchmarks/bench_peers.py [--n 12500] [--seconds 1]
        [--threads 1 2] [--repeats 3] [--only nest brian2 lava_eirate] [--out ...]

The model (Brunel 2000, J Comput Neurosci 8:183, model A; NEST's ``brunel_delta_nest``):
N_E = 0.8 N excitatory and N_I = 0.2 N inhibitory identical LIF neurons with delta
synapses, tau_m = 20 ms, V_th = 20 mV, V_reset = 10 mV, tau_ref = 2 ms; every neuron
receives C_E = 0.1 N_E excitatory (J = 0.1 mV) and C_I = 0.1 N_I inhibitory (-g J, g = 5)
recurrent inputs with delay D = 1.5 ms, and C_E external Poisson inputs at eta = 2 times
the threshold rate nu_thr = V_th / (J C_E tau_m); dt = 0.1 ms.

Each simulator runs in its own process (peak resident memory is that process's), build
(network construction, compilation where there is one) and run timed apart:

* NEST 3.10 ``iaf_psc_delta`` + ``poisson_generator``, ``fixed_indegree`` (multapses as
  NEST's default), ``local_num_threads`` = threads;
* Brian2 ``cpp_standalone`` (OpenMP threads = threads; a fresh project directory per
  size and thread count; build is code generation, compilation and the binary's start-up
  and synapse creation, run is its simulation loop as Brian2 reports it,
  ``device._last_run_time``; each repeat runs the binary again) and the
  ``cython`` runtime (1 thread), ``PoissonInput``, in-degrees drawn with numpy;
* lava_eirate float (``FloatLIFRefractory``: Lava's ``PyLifRefractoryModelFloat`` rules)
  and fixed point (``FixedLIFRefractory``) as the same 2-population network: E and I,
  four connections (E->E, E->I, I->E, I->I) of one weight each, drawn as NEST's
  ``fixed_indegree`` (multapses, autapses), all with a constant delay of 15 steps.
  Lava's LIF resets to 0 and leaks to 0, so v is the membrane potential minus V_reset:
  threshold 10 mV, leak towards -10 mV (bias = -10 mV dt/tau_m).
  Fixed point: 1280 units per mV, so J = 128 units = mantissa 2 << (0 + 6), -gJ =
  -10 << 6, vth = 200 << 6, dv = round(4096 dt / tau_m) = 20 (tau_m 20.48 ms, -2.4%),
  bias = -1 << 6, du = 4095. The external input is a ``PoissonSource`` (fresh
  Poisson(C_E nu_ext dt) counts x J every step, one per population, as NEST's
  poisson_generator and Brian2's PoissonInput draw every step).

Each simulator times ``--repeats`` runs of ``--seconds`` (consecutive segments of one
simulation, Brian2 standalone: the binary again); reported per simulator and thread count:
build s, run s per simulated second (mean +- standard error of the repeats), recurrent
synaptic events/s (spikes x 1250 targets), peak RSS (the process and any child: Brian2's
standalone binary) per synapse, resident memory once built (construction temporaries
freed) per synapse, both less the process's resident memory after its imports (the
network's own memory per synapse), lava_eirate's own synapse storage per synapse, mean rate against
the mean-field (Siegert) prediction of lava_eirate.meanfield. Peers missing from the
environment (``pip install 'lava_eirate[peers]'``) are skipped with the reason. Last,
each lava_eirate row's speed-up over each peer at the same N and thread count (ratio of
mean run times, with its standard error).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import textwrap

import numpy as np

from lava_eirate.analysis import ratio_of_means
from _report import write_json

COMMON = """
import json, resource, sys, time
import numpy as np
N, SECONDS, THREADS, SEED, REPEATS = {n}, {seconds}, {threads}, 0, {repeats}
NE = int(0.8 * N); NI = N - NE
CE, CI = int(0.1 * NE), int(0.1 * NI)
J, G, ETA, D, DT, TAU, VTH, VR, TREF = 0.1, 5.0, 2.0, 1.5, 0.1, 20.0, 20.0, 10.0, 2.0
NU_THR = VTH / (J * CE * TAU)            # 1/ms
NU_EXT = ETA * NU_THR                     # per external input, 1/ms
def peak():  # this process or a child it ran (Brian2's standalone binary)
    return max(resource.getrusage(w).ru_maxrss for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) * 1024
def rss_now():
    import gc
    gc.collect()
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize()
def report(**kw):
    kw.update(peak_rss=peak(), rss_base=rss_base)
    print("RESULT " + json.dumps(kw))
"""

NEST = COMMON + """
import nest
nest.set_verbosity("M_ERROR")
rss_base = rss_now()
t0 = time.perf_counter()
nest.ResetKernel()
nest.SetKernelStatus(dict(resolution=DT, local_num_threads=THREADS, rng_seed=SEED + 1))
params = dict(C_m=1.0, tau_m=TAU, t_ref=TREF, E_L=0.0, V_reset=VR, V_m=0.0, V_th=VTH)
exc = nest.Create("iaf_psc_delta", NE, params=params)
inh = nest.Create("iaf_psc_delta", NI, params=params)
noise = nest.Create("poisson_generator", params=dict(rate=NU_EXT * CE * 1000.0))
rec = nest.Create("spike_recorder")
nest.CopyModel("static_synapse", "ex", dict(weight=J, delay=D))
nest.CopyModel("static_synapse", "in", dict(weight=-G * J, delay=D))
nest.Connect(noise, exc + inh, syn_spec="ex")
nest.Connect(exc, exc + inh, dict(rule="fixed_indegree", indegree=CE), "ex")
nest.Connect(inh, exc + inh, dict(rule="fixed_indegree", indegree=CI), "in")
nest.Connect(exc + inh, rec)
nest.Prepare()
nest.Run(0.1)  # connection infrastructure built here (NEST 3: on the first run)
build = time.perf_counter() - t0
rss_built = rss_now()
runs = []
for _ in range(REPEATS):  # consecutive segments of SECONDS, each timed
    t1 = time.perf_counter()
    nest.Run(SECONDS * 1000.0)
    runs.append(time.perf_counter() - t1)
nest.Cleanup()
spikes = int(nest.GetStatus(rec, "n_events")[0])
report(build_s=build, runs=runs, spikes=spikes, synapses=int(nest.GetKernelStatus("num_connections")) - N - N,
       rss_built=rss_built)
"""

BRIAN2 = COMMON + """
import os
import brian2 as b2
MODE = "{mode}"
rss_base = rss_now()
t0 = time.perf_counter()
if MODE == "cpp_standalone":
    b2.set_device("cpp_standalone", build_on_run=False, directory="{workdir}")
    b2.prefs.devices.cpp_standalone.openmp_threads = THREADS
else:
    b2.prefs.codegen.target = "cython"
b2.defaultclock.dt = DT * b2.ms
b2.seed(SEED)
G_ = b2.NeuronGroup(N, "dv/dt = -v / (TAU * ms) : volt (unless refractory)", threshold="v > VTH * mV",
                    reset="v = VR * mV", refractory=TREF * b2.ms, method="exact",
                    namespace=dict(TAU=TAU, VTH=VTH, VR=VR, ms=b2.ms, mV=b2.mV))
rng = np.random.default_rng(SEED)
post = np.repeat(np.arange(N), CE)
pre_e = rng.integers(0, NE, N * CE)
post_i = np.repeat(np.arange(N), CI)
pre_i = NE + rng.integers(0, NI, N * CI)
S = b2.Synapses(G_, G_, "w : volt", on_pre="v += w", delay=D * b2.ms)
S.connect(i=np.concatenate([pre_e, pre_i]), j=np.concatenate([post, post_i]))
S.w[:N * CE] = J * b2.mV
S.w[N * CE:] = -G * J * b2.mV
P = b2.PoissonInput(G_, "v", CE, NU_EXT * 1000.0 * b2.Hz, weight=J * b2.mV)
M = b2.SpikeMonitor(G_, record=False)
net = b2.Network(G_, S, P, M)
if MODE == "cpp_standalone":
    net.run(SECONDS * b2.second)
    t1 = time.perf_counter()
    b2.device.build(directory="{workdir}", compile=True, run=False)
    build = time.perf_counter() - t0
    runs, spikes = [], 0
    for k in range(REPEATS):  # the binary run again (the same simulation, the same seed)
        t2 = time.perf_counter()
        b2.device.run(directory="{workdir}")
        wall = time.perf_counter() - t2
        runs.append(b2.device._last_run_time)  # its simulation loop (Brian2's last_run_info)
        if k == 0:  # the binary's start-up and synapse creation count as build
            build += wall - runs[0]
        spikes += int(M.num_spikes)
    rss_built = None  # the network lives in the standalone binary: its peak is peak_rss
else:
    net.run(1 * b2.ms)  # code generation and compilation
    build = time.perf_counter() - t0
    rss_built = rss_now()
    runs = []
    for _ in range(REPEATS):
        t2 = time.perf_counter()
        net.run(SECONDS * b2.second)
        runs.append(time.perf_counter() - t2)
    spikes = int(M.num_spikes)
report(build_s=build, runs=runs, spikes=spikes, synapses=int(N * (CE + CI)), rss_built=rss_built)
"""

LAVA_EIRATE = COMMON + """
import lava_eirate as le
from lava_eirate.network import fixed_indegree
FIXED = {fixed}
STEPS = int(round(SECONDS * 1000.0 / DT))
DELAY = int(round(D / DT)) - 1          # a spike at step t arrives at t + 1 + delay
REF = int(round(TREF / DT))
LAM = NU_EXT * CE * DT                  # external input: Poisson counts per step
S = 1280.0                              # fixed point: units per mV
JM = int(round(J * S)) >> 6             # J as a mantissa (<< 6): 2
if FIXED:
    W_E, W_I, W_EXT = JM, int(-G * JM), JM
    SYN = lambda a: le.FixedSynapses(a, weight_exp=0)
    LIF = lambda n: le.FixedLIFRefractory(n, du=4095, dv=int(round(4096 * DT / TAU)),
                                          vth=int(round((VTH - VR) * S)) >> 6, bias_mant=-1,
                                          bias_exp=6, refractory_period=REF)
else:
    W_E, W_I, W_EXT = J, -G * J, J
    SYN = lambda a: le.FloatSynapses(a)
    LIF = lambda n: le.FloatLIFRefractory(n, du=1.0, dv=DT / TAU, vth=VTH - VR,
                                          bias=-VR * DT / TAU, refractory_period=REF)
def brunel(ne, ni, ce, ci, rng):
    # populations E and I; E->E, E->I, I->E, I->I each a fixed in-degree matrix (multapses
    # and autapses allowed, as NEST's fixed_indegree) of one weight (int8 mantissas: 1 B/syn
    # to build from), all with one delay; a Poisson source into each population
    net = le.Network()
    net.add(LIF(ne), name="E")
    net.add(LIF(ni), name="I")
    for pre, npre, k, w in (("E", ne, ce, W_E), ("I", ni, ci, W_I)):
        for post, npost in (("E", ne), ("I", ni)):
            a = fixed_indegree(npost, npre, k, rng, allow_autapses=True)
            a = a if FIXED else a.astype(np.float64)
            a.data[:] = w
            net.connect(pre, post, SYN(a), delays=DELAY)
            del a     # the engine keeps its own copy
    for post, n in (("E", ne), ("I", ni)):
        net.connect(net.add(le.PoissonSource(n, LAM, weight=W_EXT, rng=rng), name="ext_" + post), post)
    return net
REC = {{"E": "events", "I": "events"}}
# the same kinds of objects for 4 neurons first: the kernels' code loaded (NEST's is at import)
le.simulate(brunel(2, 2, 1, 1, np.random.default_rng(1)), 2, record=REC, num_threads=THREADS)
rss_base = rss_now()
t0 = time.perf_counter()
net = brunel(NE, NI, CE, CI, np.random.default_rng(SEED))
synapses = net.num_synapses
le.simulate(net, 2, record=REC, num_threads=THREADS)   # JIT (cached) and flattening
build = time.perf_counter() - t0
rss_built = rss_now()
runs, spikes, state = [], 0, None
for _ in range(REPEATS):  # consecutive segments of SECONDS, each timed
    t1 = time.perf_counter()
    tr = le.simulate(net, STEPS, record=REC, state=state, num_threads=THREADS, progress=False)
    runs.append(time.perf_counter() - t1)
    spikes += int(tr["E"].num_spikes + tr["I"].num_spikes)
    state = tr.final
comp = net.compiled()
engine_bytes = sum(a.nbytes for a in comp.syn)
report(build_s=build, runs=runs, spikes=spikes,
       synapses=int(synapses), engine_bytes_per_synapse=engine_bytes / synapses, rss_built=rss_built)
"""


def mean_field_rate(n):
    """Brunel's stationary rate (Hz) from lava_eirate.meanfield (diffusion approximation)."""
    from lava_eirate import meanfield as mf
    ne = int(0.8 * n)
    ni = n - ne
    ce, ci = int(0.1 * ne), int(0.1 * ni)
    j, g = 0.1, 5.0
    nu_ext = 2.0 * 20.0 / (j * ce * 20e-3)  # Hz per external input
    K = [[ce, ci], [ce, ci]]
    J = [[j, -g * j], [j, -g * j]]
    nu = mf.firing_rates(J=J, K=K, tau_m=20e-3, tau_r=2e-3, v_th=20.0, v_reset=10.0, J_ext=j,
                         K_ext=ce, nu_ext=nu_ext, on_unstable="ignore")
    return float(nu[0])


def run_peer(label, script, timeout):
    try:
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                             timeout=timeout, env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
    except subprocess.TimeoutExpired:
        return dict(simulator=label, skipped=f"timed out after {timeout} s")
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")]
    if out.returncode != 0 or not lines:
        err = (out.stderr.strip().splitlines() or ["no output"])[-1]
        return dict(simulator=label, skipped=f"failed: {err}")
    return dict(simulator=label, **json.loads(lines[-1][7:]))


def have(module):
    import importlib.util
    return importlib.util.find_spec(module) is not None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, nargs="+", default=[12_500], help="network sizes N")
    ap.add_argument("--seconds", type=float, default=1.0, help="simulated seconds")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--only", nargs="+", default=["nest", "brian2", "lava_eirate"])
    ap.add_argument("--repeats", type=int, default=3,
                    help="timed runs of --seconds each per simulator (mean and standard error)")
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds per simulator run")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "bench_peers.json"))
    args = ap.parse_args(argv)
    workdir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "_brian2_standalone")
    # (one directory per size and thread count: a reused project keeps stale build files)
    rows = []
    for n in args.n:
        theory = mean_field_rate(n)
        fill = dict(n=n, seconds=args.seconds, repeats=args.repeats)
        plan = []
        for T in args.threads:
            if "nest" in args.only:
                plan.append(("NEST 3.10 iaf_psc_delta", T, NEST, "nest"))
            if "brian2" in args.only:
                plan.append(("Brian2 cpp_standalone", T, BRIAN2.replace("{mode}", "cpp_standalone")
                             .replace("{workdir}", f"{workdir}_{n}_{T}"), "brian2"))
            if "lava_eirate" in args.only:
                plan.append(("lava_eirate float", T, LAVA_EIRATE.replace("{fixed}", "False"), "lava_eirate"))
                plan.append(("lava_eirate fixed point", T, LAVA_EIRATE.replace("{fixed}", "True"), "lava_eirate"))
        if "brian2" in args.only:
            plan.append(("Brian2 cython runtime", 1, BRIAN2.replace("{mode}", "cython").replace("{workdir}", workdir),
                         "brian2"))
        for label, T, script, module in plan:
            if not have(module):
                rows.append(dict(simulator=label, N=n, threads=T,
                                 skipped=f"{module} is not installed (pip install 'lava_eirate[peers]')"))
                print(f"{label:<26} T={T}: skipped ({module} not installed)", flush=True)
                continue
            code = textwrap.dedent(script).format(threads=T, **fill)
            r = run_peer(label, code, args.timeout)
            r.update(N=n, threads=T, theory_rate_hz=theory)
            if "skipped" not in r:
                per = np.asarray(r["runs"]) / args.seconds
                r["run_s_per_sim_s"] = float(per.mean())
                r["run_s_per_sim_s_se"] = float(per.std(ddof=1) / np.sqrt(per.size)) if per.size > 1 else float("nan")
                r["rate_hz"] = r["spikes"] / n / (args.seconds * per.size)
                r["events_per_s"] = r["spikes"] * r["synapses"] / n / float(np.sum(r["runs"]))
                r["rss_bytes_per_synapse"] = r["peak_rss"] / r["synapses"]
                if r.get("rss_built"):
                    r["built_bytes_per_synapse"] = r["rss_built"] / r["synapses"]
                    # the network's own memory: resident once built, less the process after imports
                    r["net_bytes_per_synapse"] = (r["rss_built"] - r["rss_base"]) / r["synapses"]
                r["net_peak_bytes_per_synapse"] = (r["peak_rss"] - r["rss_base"]) / r["synapses"]
            rows.append(r)
            print(f"{label:<26} T={T}: " + (r["skipped"] if "skipped" in r else
                  f"build {r['build_s']:.1f} s, run {r['run_s_per_sim_s']:.2f} s/s, {r['rate_hz']:.1f} Hz"),
                  flush=True)
    head = (f"{'simulator':<26} {'N':>6} {'T':>2} | {'build s':>7} {'run s/sim s':>13} {'events/s':>9} | "
            f"{'peak GB':>7} {'B/syn':>6} {'built':>6} {'net':>5} {'netpk':>5} | {'rate Hz':>7} {'theory':>6}")
    print()
    print(head)
    print("-" * len(head))
    for r in rows:
        if "skipped" in r:
            print(f"{r['simulator']:<26} {r['N']:>6} {r['threads']:>2} | skipped: {r['skipped']}")
            continue
        print(f"{r['simulator']:<26} {r['N']:>6} {r['threads']:>2} | {r['build_s']:7.1f} "
              f"{r['run_s_per_sim_s']:6.2f} +- {r['run_s_per_sim_s_se']:4.2f} {r['events_per_s']:9.2e} | {r['peak_rss'] / 1e9:7.2f} "
              f"{r['rss_bytes_per_synapse']:6.1f} {r.get('built_bytes_per_synapse', float('nan')):6.1f} "
              f"{r.get('net_bytes_per_synapse', float('nan')):5.1f} {r['net_peak_bytes_per_synapse']:5.1f} | "
              f"{r['rate_hz']:7.1f} {r['theory_rate_hz']:6.1f}")
    print("(B/syn: peak resident bytes per recurrent synapse; built: resident once built, "
          "before the run; net / netpk: built / peak less the process's resident memory after its "
          "imports; lava_eirate's synapse arrays: 4.0 B/syn fixed point, 12.0 float; run: mean +- "
          f"standard error of {args.repeats} runs)")
    ratios = speedups(rows)
    if ratios:
        print()
        print(f"{'speed-up (peer run time / lava_eirate run time)':<50} {'N':>6} {'T':>2} | {'ratio':>13}")
        for q in ratios:
            print(f"{q['lava_eirate'] + ' vs ' + q['peer']:<50} {q['N']:>6} {q['threads']:>2} | "
                  f"{q['ratio']:6.1f} +- {q['ratio_se']:4.1f}")
    write_json(args.out, dict(rows=rows, speedups=ratios, python=platform.python_version(),
                              machine=platform.machine(), cpu_count=os.cpu_count(),
                              seconds=args.seconds, repeats=args.repeats))


def speedups(rows):
    """Each lava_eirate row against each peer row of the same N and thread count: the
    ratio of mean run times and its standard error (``analysis.ratio_of_means``)."""
    ok = [r for r in rows if "skipped" not in r]
    out = []
    for a in (r for r in ok if r["simulator"].startswith("lava_eirate")):
        for b in (r for r in ok if not r["simulator"].startswith("lava_eirate")):
            if (a["N"], a["threads"]) != (b["N"], b["threads"]):
                continue
            ratio, se = ratio_of_means(a["runs"], b["runs"])
            out.append(dict(lava_eirate=a["simulator"], peer=b["simulator"], N=a["N"],
                            threads=a["threads"], ratio=ratio, ratio_se=se))
    return out


if __name__ == "__main__":
    main()
