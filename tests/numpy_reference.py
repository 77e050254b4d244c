"""A plain-numpy transcription of Loihi's integer rules, written from the text of
DESIGN.md and Lava 0.10's PyLifModelBitAcc / PyDenseModelBitAcc / weightutils, and kept
independent of lava_eirate's own code (no import from lava_eirate)."""
import numpy as np

M = 2 ** 23


def i32(x):
    """numpy's unsafe cast to int32, back in int64."""
    return np.asarray(x, dtype=np.int64).astype(np.int32).astype(np.int64)


def prepare_weights(w_raw, sign_mode=None, num_weight_bits=8):
    """int32 cast, sign mode (1 MIXED, 2 EXCITATORY, 3 INHIBITORY), clip, truncate."""
    w = np.asarray(w_raw).astype(np.int32).astype(np.int64)
    if sign_mode is None:
        sign_mode = 2 if w.min() >= 0 else (3 if w.max() <= 0 else 1)
    if sign_mode == 1:
        w = np.clip(w, -256, 255)
    elif sign_mode == 2:
        w = np.clip(w, 0, 255)
    else:
        w = np.clip(w, -255, 0)
    k = 8 - num_weight_bits + (1 if sign_mode == 1 else 0)
    if sign_mode == 3:
        w = -(((-w) >> k) << k)
    else:
        w = (w >> k) << k
    return w


def decay(x, keep):
    p = x * keep
    return np.sign(p) * (np.abs(p) >> 12)


def run(w_eff, weight_exp, du, dv, vth, bias_mant, bias_exp, num_steps, a_in=None,
        u0=0, v0=0, n=None):
    """Returns s (T, n) bool, u, v (T, n) int64, from effective weights W[post, pre]."""
    n = w_eff.shape[0] if w_eff is not None else (n or np.shape(a_in)[1])
    full = lambda x: np.broadcast_to(np.asarray(x, dtype=np.int64), (n,)).copy()
    du, dv, vth, bm, be = map(full, (du, dv, vth, bias_mant, bias_exp))
    u, v = full(u0), full(v0)
    bias = bm << be
    a_buff = np.zeros(n, np.int64)
    S = np.zeros((num_steps, n), bool)
    U = np.zeros((num_steps, n), np.int64)
    Vv = np.zeros((num_steps, n), np.int64)
    for t in range(num_steps):
        a = a_buff if a_in is None else i32(a_buff + np.asarray(a_in[t], np.int64))
        u = i32(i32(decay(u, 4096 - (du + 1))) + i32(a << 6))
        u = np.where(u > M, u - 2 ** 24, np.where(u <= -M, u + 2 ** 24, u))
        v = i32(i32(decay(v, 4096 - dv) + u) + bias)
        v = np.clip(v, -(M - 1), M - 1)
        s = v > (vth << 6)
        v = np.where(s, 0, v)
        S[t], U[t], Vv[t] = s, u, v
        if w_eff is not None:
            acc = w_eff[:, s].sum(axis=1).astype(np.int64)
            acc = acc << weight_exp if weight_exp > 0 else acc >> -weight_exp
            a_buff = i32(acc)
    return S, U, Vv
