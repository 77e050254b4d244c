"""Hypothesis strategies: random Loihi LIF networks over the full legal ranges."""
import numpy as np
from hypothesis import strategies as st


@st.composite
def lif_networks(draw, max_n=12, max_steps=40, regime=None):
    """A dict of raw network parameters. ``regime`` in (None, "overflow", "quiet")."""
    n = draw(st.integers(1, max_n))
    num_steps = draw(st.integers(1, max_steps))
    seed = draw(st.integers(0, 2 ** 32 - 1))
    rng = np.random.default_rng(seed)
    regime = regime or draw(st.sampled_from(["overflow", "normal", "sparse_input"]))
    per_neuron = draw(st.booleans())

    def param(lo, hi):
        return rng.integers(lo, hi + 1, n) if per_neuron else int(rng.integers(lo, hi + 1))

    sign_mode = draw(st.sampled_from([None, 1, 2, 3]))
    num_weight_bits = draw(st.integers(1, 8))
    weight_exp = draw(st.integers(-8, 7))
    density = draw(st.sampled_from([0.0, 0.2, 0.6, 1.0]))
    lo, hi = {None: (-300, 300), 1: (-300, 300), 2: (-20, 300), 3: (-300, 20)}[sign_mode]
    weights = rng.integers(lo, hi + 1, (n, n)) * (rng.random((n, n)) < density)
    if regime == "overflow":
        weight_exp = draw(st.integers(4, 7))
        a_scale = 2 ** draw(st.integers(18, 31))
        bias_exp = param(5, 7)
        vth = param(0, 200)
    else:
        a_scale = 2 ** draw(st.integers(0, 16))
        bias_exp = param(0, 7)
        vth = param(0, 2 ** 17 - 1)
    with_input = draw(st.booleans())
    a_in = None
    if with_input:
        a_in = rng.integers(-a_scale, a_scale, (num_steps, n))
        a_in = np.clip(a_in, -2 ** 31, 2 ** 31 - 1)
        if regime == "sparse_input":
            a_in = a_in * (rng.random((num_steps, n)) < 0.1)
    nonzero_init = draw(st.booleans())
    u0 = rng.integers(-(2 ** 23) + 1, 2 ** 23, n) if nonzero_init else 0
    v0 = rng.integers(-(2 ** 23) + 1, 2 ** 23, n) if nonzero_init else 0
    return dict(n=n, num_steps=num_steps, du=param(0, 4095), dv=param(0, 4095), vth=vth,
                bias_mant=param(-4096, 4095), bias_exp=bias_exp, weights=weights,
                weight_exp=weight_exp, num_weight_bits=num_weight_bits, sign_mode=sign_mode,
                a_in=a_in, u0=u0, v0=v0)


def fixed_objects(net, sparse=False):
    """FixedLIF / FixedSynapses built with Lava-compatible clipping from a raw network."""
    import scipy.sparse as sp
    import lava_eirate as le
    neurons = le.FixedLIF(net["n"], net["du"], net["dv"], net["vth"], net["bias_mant"],
                          net["bias_exp"])
    w = sp.csr_matrix(net["weights"]) if sparse else net["weights"]
    syn = le.FixedSynapses(w, net["weight_exp"], net["num_weight_bits"], net["sign_mode"],
                           lava_compat=True)
    return neurons, syn


def float_network(seed, n, num_steps, scale=1.0):
    """A random float LIF network: dict(weights, du, dv, vth, bias, a_in, u0, v0)."""
    rng = np.random.default_rng(seed)
    return dict(weights=rng.normal(0, 0.2 * scale, (n, n)) * (rng.random((n, n)) < 0.25),
                du=rng.uniform(0.01, 0.4, n), dv=rng.uniform(0.01, 0.4, n),
                vth=rng.uniform(0.5, 1.5, n), bias=rng.uniform(0.0, 0.1 * scale, n),
                a_in=rng.normal(0, 0.05 * scale, (num_steps, n)),
                u0=rng.normal(0, 0.2 * scale, n), v0=rng.normal(0, 0.2 * scale, n))


KINDS = ("lif", "reset", "ternary", "refractory")
M24 = 2 ** 23


@st.composite
def network_specs(draw, max_pops=4, max_n=8, max_steps=30, kinds=KINDS, max_conns=6):
    """A random graph as a plain dict (see numpy_network_reference): 1-4 neuron populations
    of the given kinds, 0-2 RingBuffer sources, up to ``max_conns`` connections with every
    sign mode, num_weight_bits 1..8, weight_exp -8..7, dense or sparse, binary or graded,
    no delay / one delay / per-synapse delays up to 62, some direct source inputs."""
    seed = draw(st.integers(0, 2 ** 32 - 1))
    rng = np.random.default_rng(seed)
    num_steps = draw(st.integers(1, max_steps))
    overflow = draw(st.booleans())
    npop = draw(st.integers(1, max_pops))
    pops = []
    for k in range(npop):
        kind = draw(st.sampled_from(kinds))
        n = int(rng.integers(1, max_n + 1))
        per = draw(st.booleans())

        def param(lo, hi, n=n, per=per):
            return rng.integers(lo, hi + 1, n) if per else int(rng.integers(lo, hi + 1))

        p = dict(name=f"p{k}", kind=kind, n=n, du=param(0, 4095), dv=param(0, 4095),
                 bias_mant=param(-4096, 4095), bias_exp=param(5, 7) if overflow else param(0, 7))
        if kind == "rate":
            # a table of any shape (random steps, some of either sign), small or up to 24 bits
            b = int(rng.integers(1, 24))
            top = 2 ** b
            p.update(dr=param(0, 4095), table_shift=int(rng.integers(0, max(1, min(12, 29 - b)))),
                     table=rng.integers(-top // 4, top, int(rng.integers(1, 20))).clip(-(M24 - 1), M24 - 1))
            if rng.random() < 0.5:
                p["table"] = np.sort(np.abs(p["table"]))
        elif kind == "ternary":
            hi = int(rng.integers(-200, 2000))
            p.update(vth_hi=hi, vth_lo=int(rng.integers(-2000, hi + 1)))
        else:
            p["vth"] = param(0, 200) if overflow or rng.random() < 0.5 else param(0, 2 ** 17 - 1)
        if kind == "reset":
            p["reset_interval"] = int(rng.integers(1, 12))
            p["reset_offset"] = int(rng.integers(0, p["reset_interval"]))
        if kind == "refractory":
            p["refractory_period"] = param(1, 6)
        pops.append(p)
    neurons = list(pops)
    for k in range(draw(st.integers(0, 2))):
        n = draw(st.sampled_from(neurons))["n"] if draw(st.booleans()) else int(rng.integers(1, max_n + 1))
        big = draw(st.booleans())
        scale = 2 ** int(rng.integers(18, 31)) if big else int(rng.integers(1, 8))
        data = rng.integers(-scale, scale, (int(rng.integers(1, 12)), n)) * (rng.random((1, n)) < 0.7)
        if draw(st.booleans()):
            data = (data != 0)
        pops.append(dict(name=f"s{k}", kind="source", n=n, data=data))
    conns = []
    for _ in range(draw(st.integers(0, max_conns))):
        pre = draw(st.sampled_from(pops))
        post = draw(st.sampled_from(neurons))
        direct_pair = (pre["name"], post["name"], True)
        if pre["kind"] == "source" and pre["n"] == post["n"] and draw(st.booleans()) and \
                direct_pair not in [(c["pre"], c["post"], c["direct"]) for c in conns]:
            # (Lava refuses a second connection between the same two ports.)
            conns.append(dict(pre=pre["name"], post=post["name"], direct=True))
            continue
        sign_mode = draw(st.sampled_from([None, 1, 2, 3]))
        lo, hi = {None: (-300, 300), 1: (-300, 300), 2: (-20, 300), 3: (-300, 20)}[sign_mode]
        density = draw(st.sampled_from([0.2, 0.6, 1.0]))
        w = rng.integers(lo, hi + 1, (post["n"], pre["n"])) * (rng.random((post["n"], pre["n"])) < density)
        sparse = draw(st.booleans())
        if sparse and not np.any(w):
            w[0, 0] = hi or lo
        dmode = draw(st.sampled_from(["none", "const", "per_syn", "per_syn"]))
        max_d = draw(st.sampled_from([1, 3, 62]))
        delays = (None if dmode == "none" else int(rng.integers(0, max_d + 1)) if dmode == "const"
                  else rng.integers(0, max_d + 1, w.shape))
        conns.append(dict(pre=pre["name"], post=post["name"], direct=False, weights=w, sparse=sparse,
                          weight_exp=draw(st.integers(4, 7)) if overflow else draw(st.integers(-8, 7)),
                          num_weight_bits=draw(st.integers(1, 8)), sign_mode=sign_mode,
                          num_message_bits=_message_bits(draw, pre), delays=delays))
    init = {}
    if draw(st.booleans()):
        for p in neurons:
            init[p["name"]] = dict(u=rng.integers(-(2 ** 23) + 1, 2 ** 23, p["n"]),
                                   v=rng.integers(-(2 ** 23) + 1, 2 ** 23, p["n"]))
    return dict(pops=pops, conns=conns, num_steps=num_steps, init=init)


def _message_bits(draw, pre):
    if pre["kind"] != "rate":
        return draw(st.sampled_from([0, 0, 1, 8, 24]))
    need = int(np.max(np.abs(pre["table"]))).bit_length() + 1
    return draw(st.sampled_from([0, max(need, 1), 24]))


def build_network(spec):
    """The lava_eirate Network of a spec (raw weights with Lava's own clipping)."""
    import scipy.sparse as sp
    import lava_eirate as le
    net = le.Network()
    cls = dict(lif=le.FixedLIF, reset=le.FixedLIFReset, refractory=le.FixedLIFRefractory)
    for p in spec["pops"]:
        if p["kind"] == "source":
            net.add(le.SpikeSource(p["data"]), name=p["name"])
        elif p["kind"] == "rate":
            net.add(le.FixedRate(p["n"], p["dr"], p["bias_mant"], p["bias_exp"], table=p["table"],
                                 table_shift=p["table_shift"]), name=p["name"])
        elif p["kind"] == "ternary":
            net.add(le.FixedTernaryLIF(p["n"], p["du"], p["dv"], p["vth_hi"], p["vth_lo"], p["bias_mant"],
                                       p["bias_exp"]), name=p["name"])
        else:
            extra = {k: p[k] for k in ("reset_interval", "reset_offset", "refractory_period") if k in p}
            net.add(cls[p["kind"]](p["n"], p["du"], p["dv"], p["vth"], p["bias_mant"], p["bias_exp"], **extra),
                    name=p["name"])
    for c in spec["conns"]:
        if c["direct"]:
            net.connect(c["pre"], c["post"])
            continue
        w, d = c["weights"], c["delays"]
        if c["sparse"]:
            w = sp.csr_matrix(w)
            d = sp.csr_matrix(d) if isinstance(d, np.ndarray) else d
        syn = le.FixedSynapses(w, c["weight_exp"], c["num_weight_bits"], c["sign_mode"],
                               c["num_message_bits"], lava_compat=True)
        net.connect(c["pre"], c["post"], syn, delays=d)
    return net
