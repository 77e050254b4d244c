"""A plain-numpy transcription of Lava 0.10's processes for whole graphs, kept independent
of lava_eirate (no import from it): each process's ``run_spk`` written out from Lava's
source with the same dtypes, so that int32 wrap points fall where Lava's do.

* LIF / LIFReset / TernaryLIF: lava/proc/lif/models.py (``AbstractPyLifModelFixed``,
  ``PyLifModelBitAcc``, ``PyLifResetModelBitAcc``, ``PyTernLifModelFixed``).
* Refractory LIF (fixed): nengo-loihi's emulator ``CompartmentState.update`` (clip, v
  zeroed while ``ref_count > 0``, spike, ``ref_count = refract_delay``, decrement), with
  ``refract_delay = refractory_period + 1`` as nengo-loihi configures it.
* Dense / Sparse / DelayDense / DelaySparse bit-accurate models: lava/proc/dense/models.py,
  lava/proc/sparse/models.py (graded sums: numpy int32 dot; DelayDense: int32 products
  summed by np.sum in int64; DelaySparse: scipy's int32 dot).
* Rate neurons (lava_eirate's own rules, FixedRate's docstring): written out here with
  Python integers from that text, not from the kernel.
* RingBuffer: data[(t-1) % len], int32 port; InPorts add their sources to a zero vector
  of the port's dtype (int16 for LIF, so the sum is int32).

The network spec is the dict built by ``strategies.network_specs``.
"""
import numpy as np

M = 2 ** 23


def i32(x):
    return np.asarray(x).astype(np.int64).astype(np.int32)


def decay(x, keep):
    p = np.asarray(x, np.int64) * keep
    return np.sign(p) * (np.abs(p) >> 12)


def weights_as_lava(conn):
    """clip_weights(num_bits=8) and truncate_weights, as int32 (lava.utils.weightutils)."""
    w = np.asarray(conn["weights"]).astype(np.int32)
    mode = conn["sign_mode"]
    if mode is None:
        mode = 2 if w.min() >= 0 else (3 if w.max() <= 0 else 1)
    if mode == 3:
        w = -w
    lo = -256 if mode == 1 else 0
    w = np.clip(w, lo, 255).astype(np.int32)
    k = 8 - conn["num_weight_bits"] + (1 if mode == 1 else 0)
    w = (w >> k) << k
    if mode == 3:
        w = -w
    return w.astype(np.int32)


def shift(a, e):
    return np.left_shift(a, e) if e > 0 else np.right_shift(a, -e)


class Conn:
    def __init__(self, c):
        self.c = c
        if c["direct"]:
            return
        self.w = weights_as_lava(c)
        d = c["delays"]
        self.delayed = d is not None
        if self.delayed:
            self.d = np.broadcast_to(np.asarray(d, np.int64), self.w.shape)
            self.buf = np.zeros((self.w.shape[0], int(self.d.max()) + 1), np.int32)
        else:
            self.buf = np.zeros(self.w.shape[0], np.int32)

    def send(self):
        return (self.buf[:, 0] if self.delayed else self.buf).astype(np.int32)

    def receive(self, s_in):
        c, w = self.c, self.w
        graded = c["num_message_bits"] > 0
        e = c["weight_exp"]
        if not self.delayed:
            if graded:
                acc = w.dot(s_in)  # int32 @ int32 -> int32 (wraps), int64 payloads -> int64
            else:
                acc = w[:, s_in.astype(bool)].sum(axis=1)  # int64
            self.buf = i32(shift(acc, e))
            return
        s = s_in if graded else s_in.astype(bool)
        D = self.buf.shape[1]
        if c["sparse"]:
            # scipy: int32 matrix . vector -> int32 (wraps) for int32 or bool vectors
            acc = np.stack([i32((np.where(self.d == k, w, 0).astype(np.int64) * s).sum(axis=1))
                            for k in range(D)], axis=1).astype(np.int32)
        else:
            prod = [np.where(self.d == k, w, 0).astype(np.int32) * s for k in range(D)]
            acc = np.stack([p.sum(axis=1) for p in prod], axis=1)  # int32 products, int64 sum
        buf = self.buf.copy()
        buf[:, 0] = 0
        buf = np.roll(buf, -1, axis=1)
        self.buf = i32(buf.astype(np.int64) + shift(acc, e).astype(np.int64))


def run(spec):
    """Returns {name: (s, u, v)} per neuron population, each (T, n), Lava's dtypes
    (rate populations: s is the payload, u the payload, v the state)."""
    T = spec["num_steps"]
    pops = {p["name"]: p for p in spec["pops"]}
    st = {}
    for p in spec["pops"]:
        if p["kind"] == "source":
            continue
        n = p["n"]
        init = spec.get("init", {}).get(p["name"], {})
        full = lambda x, n=n: np.broadcast_to(np.asarray(x, np.int64), (n,)).copy()
        st[p["name"]] = dict(u=full(init.get("u", 0)).astype(np.int32), v=full(init.get("v", 0)).astype(np.int32),
                             ref=np.zeros(n, np.int64), out=np.zeros(n, np.int32),
                             rec=(np.zeros((T, n), np.int32 if p["kind"] == "rate" else np.int8),
                                  np.zeros((T, n), np.int32), np.zeros((T, n), np.int32)))
    conns = [Conn(c) for c in spec["conns"]]
    for t in range(1, T + 1):
        sent = [None if c.c["direct"] else c.send() for c in conns]
        src_out = {p["name"]: np.asarray(p["data"])[(t - 1) % len(p["data"])].astype(np.int32)
                   for p in spec["pops"] if p["kind"] == "source"}
        for name, s in st.items():
            p = pops[name]
            a = np.zeros(p["n"], np.int16)
            for c, out in zip(conns, sent):
                if c.c["post"] == name:
                    a = a + (src_out[c.c["pre"]] if c.c["direct"] else out)
            a = a.astype(np.int32)
            s["out"] = step_neurons(p, s, a, t)
        for c in conns:
            if c.c["direct"]:
                continue
            pre = c.c["pre"]
            c.receive(src_out[pre] if pre in src_out else st[pre]["out"])
        for name, s in st.items():
            r = s["rec"]
            r[0][t - 1], r[1][t - 1], r[2][t - 1] = s["out"], s["u"], s["v"]
    return {name: s["rec"] for name, s in st.items()}


def rate_output(x, table, shift):
    """The documented lookup: saturate at the last entry, else interpolate (half up)."""
    m = abs(int(x))
    i = m // 2 ** shift
    if i >= len(table) - 1:
        y = int(table[-1])
    else:
        f = m - i * 2 ** shift
        y = int(table[i]) + ((int(table[i + 1]) - int(table[i])) * f + (2 ** shift) // 2) // 2 ** shift
    return -y if x < 0 else y


def step_rate(p, s, a):
    n = p["n"]
    full = lambda x: [int(e) for e in np.broadcast_to(np.asarray(x, np.int64), (n,))]
    dr, bm, be = full(p["dr"]), full(p["bias_mant"]), full(p["bias_exp"])
    x_new, y_new = [], []
    for i in range(n):
        x = int(s["v"][i])
        keep = 4096 - dr[i]
        dec = (abs(x) * keep) // 4096 * (1 if x >= 0 else -1)
        x = min(max(dec + int(a[i]) + bm[i] * 2 ** be[i], -(M - 1)), M - 1)
        x_new.append(x)
        y_new.append(rate_output(x, p["table"], p["table_shift"]))
    s["v"] = np.array(x_new, np.int32)
    s["u"] = np.array(y_new, np.int32)
    return s["u"].copy()


def step_neurons(p, s, a, t):
    if p["kind"] == "rate":
        return step_rate(p, s, a)
    full = lambda x: np.broadcast_to(np.asarray(x, np.int64), (p["n"],))
    if p["kind"] == "reset" and t % p["reset_interval"] == p["reset_offset"] % p["reset_interval"]:
        s["u"] = s["u"] * 0
        s["v"] = s["v"] * 0
    du, dv = full(p["du"]), full(p["dv"])
    bias = np.left_shift(full(p["bias_mant"]).astype(np.int32), full(p["bias_exp"]))
    cur = decay(s["u"], 4096 - (du + 1)).astype(np.int32)
    cur = cur + np.left_shift(a, 6)  # int32 + int32
    wrapped = np.where(cur > M, cur - 2 * M, cur)
    wrapped = np.where(wrapped <= -M, cur + 2 * M, wrapped)
    u = wrapped.astype(np.int32)
    vol = decay(s["v"], 4096 - dv).astype(np.int32)
    vol = np.clip(vol + u + bias.astype(np.int32), -(M - 1), M - 1).astype(np.int32)
    if p["kind"] == "ternary":
        spk = (-1) * (vol < (full(p["vth_lo"]) << 6)) + (vol > (full(p["vth_hi"]) << 6))
    elif p["kind"] == "refractory":
        # nengo-loihi emulator: v zeroed while ref_count > 0, then spike, ref_count set
        # to refract_delay and decremented.
        vol = np.where(s["ref"] > 0, 0, vol).astype(np.int32)
        spk = (vol > (full(p["vth"]) << 6)).astype(np.int64)
        s["ref"] = np.where(spk != 0, full(p["refractory_period"]) + 1, s["ref"])
        s["ref"] = np.clip(s["ref"] - 1, 0, None)
    else:
        spk = (vol > (full(p["vth"]) << 6)).astype(np.int64)
    vol[spk != 0] = 0
    s["u"], s["v"] = u, vol
    return spk.astype(np.int64 if p["kind"] == "ternary" else np.int32)
