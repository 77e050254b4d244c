"""The network engine's step loop: any graph of populations and connections, one numba kernel.

One kernel serves both number families. The integer (Loihi, bit-exact) and float (Lava's
float models) arithmetic differ only in four small functions that dispatch on the dtype
at compile time (``numba.extending.overload``, inlined): :func:`subthr`,
:func:`input_value`, :func:`conn_out` and :func:`contrib`. Everything else -- neuron
models, gathering a population's input from its connections, compacting spikes,
accumulating synapses of any layout with or without delays -- is written once.

Bit-level reference for the integer family (Lava 0.10):

* neurons: ``AbstractPyLifModelFixed.subthr_dynamics`` with ``PyLifModelBitAcc``,
  ``PyLifResetModelBitAcc`` (u = v = 0 before the update when ``t % reset_interval ==
  reset_offset``), ``PyTernLifModelFixed`` (spikes +1 where ``v > vth_hi << 6``, -1 where
  ``v < vth_lo << 6``); the refractory LIF follows Loihi 1 (see :func:`update_population`);
* connections: ``PyDenseModelBitAcc`` / ``PySparseModelBitAcc`` (the sum of one step's
  input is shifted by ``weight_exp`` and sent on the next step) and
  ``PyDelayDenseModelBitAcc`` / ``PyDelaySparseModelBitAcc`` (each step's sum per delay is
  shifted and added into an int32 ring buffer ``a_buff``; delay ``d`` arrives at step
  ``t + 1 + d``); graded spikes (``num_message_bits > 0``) add ``weight * payload``;
* a population's InPort adds its sources in int32 (``PyInPortVectorDense.recv``);
* ``RingBuffer`` sources send ``data[(t - 1) % len]`` and may feed a population directly
  (same step) or through a connection; Poisson sources send ``weight * count`` with
  counts drawn as :mod:`lava_eirate.loihi.poisson` defines.

Layout of the flattened network (prepared once by :mod:`lava_eirate.engine`):

* every population (neurons and sources) owns the slice ``[off, off + n)`` of the global
  per-neuron arrays; ``pay`` holds what each neuron sent this step (spike 0/1, ternary
  +-1, or a source's graded payload);
* connection ``c`` adds into ``nslots[c] * n_post`` entries of ``acc`` starting at
  ``acc_off[c]`` (one slot without delays, ``max_delay + 1`` slots with delays; slot
  ``t % nslots`` is read at step ``t``). A slot holds raw sums and ``weight_exp`` is
  applied when it is read -- exact while the shift is a left shift (linear modulo
  2**32), so connections into one population with the same slots and left shift share
  one accumulator. Where Lava right-shifts each step's sum per delay (per-synapse delays
  with ``weight_exp < 0``), the sums are formed in ``stage`` (a dirty list keeps the cost
  proportional to the events), shifted, and added into the slots (``staged``);
* synapses by presynaptic neuron (cost = spikes x fan-out) in one of three layouts (see
  :mod:`lava_eirate.loihi.kernels`), optional per-synapse delays (uint8) alongside.
"""
import math

import numpy as np
from numba import njit, prange, types
from numba.extending import overload

from .kernels import (FMT_CSC, FMT_DENSE, FMT_PACKED, PACK_MASK, PACK_SHIFT, PREFETCH_AHEAD,
                      decay, lif_fixed_subthr, prefetch, rate_fixed_output, rate_fixed_state,
                      wrap_int32)
from .poisson import GAMMA, MIX1, MIX2

#: Population models (``pop_model``).
MODEL_SOURCE = 0
MODEL_LIF = 1
MODEL_LIF_RESET = 2
MODEL_TERNARY = 3
MODEL_REFRACTORY = 4
MODEL_RATE = 5
MODEL_POISSON = 6

#: Connection layout of a source feeding a population's InPort directly (no synapses).
FMT_DIRECT = 4
#: Neurons tested at once when listing a step's senders (:func:`_compact`).
_BLOCK = 32


# -- family-specific arithmetic, chosen by dtype at compile time ---------------------------

@njit(cache=True)
def _before_shift(x, wrap_first):
    if wrap_first:
        return wrap_int32(x)
    return np.int64(x)


def conn_out(x, lsh, rsh, wrap_first):
    """What a connection sends from the raw sum ``x`` of one step (see the overloads)."""
    raise NotImplementedError


@overload(conn_out, inline="always")
def _conn_out(x, lsh, rsh, wrap_first):
    if isinstance(x, types.Integer):
        def impl(x, lsh, rsh, wrap_first):
            # Graded Dense/Sparse form the sum in int32 (numpy's int32 dot) before the
            # shift; binary sums are int64. The int32 output port wraps the result.
            return wrap_int32((_before_shift(x, wrap_first) << lsh) >> rsh)
        return impl

    def impl_float(x, lsh, rsh, wrap_first):
        return x
    return impl_float


def contrib(w, p):
    """One synapse's contribution to a graded sum: ``weight * payload``."""
    raise NotImplementedError


@overload(contrib, inline="always")
def _contrib(w, p):
    if isinstance(w, types.Integer) and isinstance(p, types.Integer):
        def impl(w, p):
            # int32 products, as numpy forms them for int32 weights and payloads.
            return wrap_int32(np.int64(w) * np.int64(p))
        return impl

    def impl_float(w, p):
        return w * p
    return impl_float


def subthr(u, v, a, p0, p1, p2):
    """Sub-threshold update of one neuron, ``(u, v)`` before the threshold test."""
    raise NotImplementedError


@overload(subthr, inline="always")
def _subthr(u, v, a, p0, p1, p2):
    if isinstance(u, types.Integer):
        def impl(u, v, a, p0, p1, p2):
            # Loihi: a is the int32 sum of the InPort's sources; p0 = 4096 - du - 1,
            # p1 = 4096 - dv, p2 = bias_mant << bias_exp.
            return lif_fixed_subthr(u, v, wrap_int32(a), p0, p1, p2)
        return impl

    def impl_float(u, v, a, p0, p1, p2):
        # Lava's float models: p0 = du, p1 = dv, p2 = bias; u = u*(1-du) + a, then
        # v = v*(1-dv) + u + bias.
        cur = u * (1.0 - p0)
        cur += a
        return cur, v * (1.0 - p1) + cur + p2
    return impl_float


def rate_update(x, a, p1, p2, p0, p3, p4, tab):
    """Rate neuron: ``(state, payload)`` after one step (see the overloads)."""
    raise NotImplementedError


@overload(rate_update, inline="always")
def _rate_update(x, a, p1, p2, p0, p3, p4, tab):
    if isinstance(x, types.Integer):
        def impl(x, a, p1, p2, p0, p3, p4, tab):
            # p1 = 4096 - dr, p2 = bias_mant << bias_exp, p0 = table shift, p3 = the
            # population's table offset, p4 = its last table index.
            y = rate_fixed_state(x, a, p1, p2)
            return y, rate_fixed_output(y, p0, p4, tab[p3:])
        return impl

    def impl_float(x, a, p1, p2, p0, p3, p4, tab):
        # The tutorial's rate neuron: r = (1 - dr) r + bias + a, sends erf(r).
        y = x * (1.0 - p1)
        y += p2
        y += a
        return y, math.erf(y)
    return impl_float


def input_value(a):
    """The input a population's InPort delivers from the sum ``a`` (recorded as "a")."""
    raise NotImplementedError


@overload(input_value, inline="always")
def _input_value(a):
    if isinstance(a, types.Integer):
        return lambda a: wrap_int32(a)
    return lambda a: a


@njit(cache=True)
def _record(off, n, row, pay, u, v, rec_s, rec_u, rec_v, cs, cu, cv):
    """Copy this step's payload, u and v of a population into the recorders (column
    ``cs``/``cu``/``cv``, or -1: not recorded). Kept out of the update loop, where the
    branches and 2-D stores cost ~30x its run time."""
    if cs >= 0:
        rec_s[row, cs:cs + n] = pay[off:off + n]
    if cu >= 0:
        rec_u[row, cu:cu + n] = u[off:off + n]
    if cv >= 0:
        rec_v[row, cv:cv + n] = v[off:off + n]


@njit(cache=True)
def update_population(model, t, reset_now, off, n, ain, u, v, ref_end, p0, p1, p2, vth, vth_lo,
                      ref_period, tab, pay, rec_s, rec_u, rec_v, rec_a, row, cs, cu, cv, ca):
    """Update neurons ``off .. off+n-1`` at Lava time step ``t``; returns the spike count.

    ``(p0, p1, p2)`` are ``(4096 - du - 1, 4096 - dv, bias_mant << bias_exp)`` in fixed
    point and ``(du, dv, bias)`` in float; ``vth`` is the (upper) threshold (``vth << 6``
    in fixed point), ``vth_lo`` the ternary lower one. Spikes: LIF where ``v > vth``;
    ternary +1 above ``vth`` and -1 below ``vth_lo``; v is reset to 0 after a spike.

    LIFReset (``PyLifResetModelBitAcc`` / ``PyLifResetModelFloat``): u = v = 0 before
    the update on reset steps (``reset_now``).

    Refractory LIF: while ``ref_end >= t`` the voltage is held (at its reset value 0) and
    u keeps integrating; a spike at step t sets ``ref_end = t + refractory_period``. In
    float this is Lava's ``PyLifRefractoryModelFloat`` (threshold test included); in
    fixed point it is Loihi 1's refractory delay as nengo-loihi's emulator applies it
    (v zeroed while ``ref_count > 0``, ``refract_delay = refractory_period + 1``).

    Rate neurons (``MODEL_RATE``): v holds the state, u and the payload what it sends
    (:func:`rate_update`); returns the number of nonzero payloads.
    """
    # Views of the population's slice: indices from range() are provably >= 0, so numba
    # emits no wraparound test and the loops vectorise (off + i would defeat both).
    u_, v_, a_, q_ = u[off:off + n], v[off:off + n], ain[off:off + n], pay[off:off + n]
    k0, k1, k2, th = p0[off:off + n], p1[off:off + n], p2[off:off + n], vth[off:off + n]
    spikes = 0
    if ca >= 0:
        for i in range(n):
            rec_a[row, ca + i] = input_value(a_[i])
    if model == MODEL_RATE:
        lo_ = vth_lo[off:off + n]
        for i in range(n):
            x, y = rate_update(v_[i], a_[i], k1[i], k2[i], k0[i], th[i], lo_[i], tab)
            v_[i] = x
            u_[i] = y
            q_[i] = y
            spikes += y != 0
        _record(off, n, row, pay, u, v, rec_s, rec_u, rec_v, cs, cu, cv)
        return spikes
    if model == MODEL_LIF_RESET and reset_now:
        for i in range(n):
            u_[i] = 0
            v_[i] = 0
    if model == MODEL_LIF or model == MODEL_LIF_RESET:
        for i in range(n):
            cur, vol = subthr(u_[i], v_[i], a_[i], k0[i], k1[i], k2[i])
            s = vol > th[i]
            if s:
                vol = 0
            u_[i] = cur
            v_[i] = vol
            q_[i] = s
            spikes += s
        _record(off, n, row, pay, u, v, rec_s, rec_u, rec_v, cs, cu, cv)
        return spikes
    lo_, re_, rp_ = vth_lo[off:off + n], ref_end[off:off + n], ref_period[off:off + n]
    if model == MODEL_REFRACTORY:  # selects only, no branches: vectorises (~2x a branchy form)
        for i in range(n):
            cur, vol = subthr(u_[i], v_[i], a_[i], k0[i], k1[i], k2[i])
            vol = v_[i] if re_[i] >= t else vol
            s = vol > th[i]
            re_[i] = t + rp_[i] if s else re_[i]
            u_[i] = cur
            v_[i] = 0 if s else vol
            q_[i] = s
            spikes += s
        _record(off, n, row, pay, u, v, rec_s, rec_u, rec_v, cs, cu, cv)
        return spikes
    for i in range(n):
        cur, vol = subthr(u_[i], v_[i], a_[i], k0[i], k1[i], k2[i])
        s = np.int32(vol > th[i]) - np.int32(vol < lo_[i])   # ternary
        if s != 0:
            vol = 0
            spikes += 1
        u_[i] = cur
        v_[i] = vol
        q_[i] = s
    _record(off, n, row, pay, u, v, rec_s, rec_u, rec_v, cs, cu, cv)
    return spikes


@njit(cache=True)
def _gather(p, t, lo, hi, inc_ptr, inc_conn, c_fmt, c_pre, pop_off, c_acc_off, c_nslots, c_stride,
            c_staged, c_lsh, c_rsh, c_wrap, acc, pay, ain):
    """The input of step ``t`` of neurons ``lo .. hi`` of population ``p`` into ``ain``:
    the sum of its connections' slots of this step (shifted by ``weight_exp``; the slots
    are cleared) and of its direct sources' payloads. The first input is written, later
    ones added (int32: wraps as Lava's InPort adds its sources); no input gives 0."""
    off = pop_off[p]
    a_ = ain[off + lo:off + hi]
    m = hi - lo
    first = True
    for k in range(inc_ptr[p], inc_ptr[p + 1]):
        c = inc_conn[k]
        if c_fmt[c] == FMT_DIRECT:
            s_off = pop_off[c_pre[c]] + lo
            x_ = pay[s_off:s_off + m]
            if first:
                for i in range(m):
                    a_[i] = x_[i]
            else:
                for i in range(m):
                    a_[i] += x_[i]
            first = False
            continue
        base = c_acc_off[c] + (t % c_nslots[c]) * c_stride[c] + lo
        q_ = acc[base:base + m]
        # staged slots hold shifted sums already
        lsh = 0 if c_staged[c] else c_lsh[c]
        rsh = 0 if c_staged[c] else c_rsh[c]
        wf = False if c_staged[c] else c_wrap[c]
        if first:
            for i in range(m):
                a_[i] = conn_out(q_[i], lsh, rsh, wf)
                q_[i] = 0
        else:
            for i in range(m):
                a_[i] += conn_out(q_[i], lsh, rsh, wf)
                q_[i] = 0
        first = False
    if first:
        a_[:] = 0


@njit(cache=True, parallel=True)
def _pop_threads(T, p, t, reset_now, inc_ptr, inc_conn, c_fmt, c_pre, pop_off, c_acc_off, c_nslots,
                 c_stride, c_staged, c_lsh, c_rsh, c_wrap, acc, model, off, n, ain, u, v, ref_end, p0,
                 p1, p2, vth, vth_lo, ref_period, tab, pay, rec_s, rec_u, rec_v, rec_a, row, cs, cu, cv,
                 ca, spk):
    """Gather, update and compact population ``p`` on ``T`` threads, each a contiguous
    range of its neurons (a neuron's update reads only its own state and input: bit-
    identical). Returns ``(spike count, senders)``; ``spk[off:]`` lists the senders in
    ascending order, as :func:`_compact` does."""
    counts = np.zeros(T, np.int64)
    nloc = np.zeros(T, np.int64)
    for th in prange(T):
        lo, hi = th * n // T, (th + 1) * n // T
        _gather(p, t, lo, hi, inc_ptr, inc_conn, c_fmt, c_pre, pop_off, c_acc_off, c_nslots, c_stride,
                c_staged, c_lsh, c_rsh, c_wrap, acc, pay, ain)
        counts[th] = update_population(model, t, reset_now, off + lo, hi - lo, ain, u, v, ref_end, p0, p1,
                                       p2, vth, vth_lo, ref_period, tab, pay, rec_s, rec_u, rec_v, rec_a,
                                       row, cs + lo if cs >= 0 else cs, cu + lo if cu >= 0 else cu,
                                       cv + lo if cv >= 0 else cv, ca + lo if ca >= 0 else ca)
        nloc[th] = _compact(pay, off + lo, hi - lo, spk)
    pos = nloc[0]  # join the ranges' lists (moved forward: pos <= lo always)
    for th in range(1, T):
        lo = th * n // T
        for i in range(nloc[th]):
            spk[off + pos + i] = spk[off + lo + i] + lo
        pos += nloc[th]
    return counts.sum(), pos


# -- synaptic accumulation -------------------------------------------------------------------

@njit(cache=True, inline="always")
def _unpack(word):
    """``(mantissa, post)`` of a packed synapse (post unsigned: no wraparound test)."""
    return word >> PACK_SHIFT, np.uint32(word & PACK_MASK)


@njit(cache=True)
def _acc_direct(spk, nsp, p_off, graded, pay, ip, ps, th, packed, csc_idx, csc_w, wt, fmt, n_post,
                lo, hi, target, base):
    """Add one step's synaptic input into ``target[base + post]`` (no per-synapse delays).

    The synapses of presynaptic ``j`` taken here are ``ip[j * ps + th] .. ip[j * ps + th +
    1]`` (``ip = indptr, ps = 1, th = 0``: all of them; a thread's bounds table: those of
    thread ``th``); of a dense matrix, the posts ``lo .. hi``.
    """
    target = target[base:base + n_post]
    if fmt == FMT_PACKED:
        for q in range(nsp):
            if q + 2 * PREFETCH_AHEAD < nsp:  # the row bounds further ahead
                prefetch(ip, spk[q + 2 * PREFETCH_AHEAD] * ps + th)
            if q + PREFETCH_AHEAD < nsp:
                jn = spk[q + PREFETCH_AHEAD]
                for k in range(ip[jn * ps + th], ip[jn * ps + th + 1], 16):
                    prefetch(packed, k)
            j = spk[q]
            k0, k1 = ip[j * ps + th], ip[j * ps + th + 1]
            if graded:
                pj = pay[p_off + j]
                for k in range(k0, k1):
                    w, post = _unpack(packed[k])
                    target[post] += contrib(w, pj)
            else:
                for k in range(k0, k1):
                    w, post = _unpack(packed[k])
                    target[post] += w
    elif fmt == FMT_CSC:
        for q in range(nsp):
            j = spk[q]
            k0, k1 = ip[j * ps + th], ip[j * ps + th + 1]
            if graded:
                pj = pay[p_off + j]
                for k in range(k0, k1):
                    target[csc_idx[k]] += contrib(csc_w[k], pj)
            else:
                for k in range(k0, k1):
                    target[csc_idx[k]] += csc_w[k]
    else:  # FMT_DENSE: wt[j * n_post + post]
        for q in range(nsp):
            j = spk[q]
            row = j * n_post
            if graded:
                pj = pay[p_off + j]
                for i in range(lo, hi):
                    target[i] += contrib(wt[row + i], pj)
            else:
                for i in range(lo, hi):
                    target[i] += wt[row + i]


@njit(cache=True, inline="always")
def _stage(stage, s0, idx, x, marker, dirty, nd):
    if marker[s0 + idx] == 0:
        marker[s0 + idx] = 1
        dirty[nd] = idx
        nd += 1
    stage[s0 + idx] += x
    return nd


@njit(cache=True, inline="always")
def _add(target, idx, x, track, marker, dirty, nd):
    """``target[idx] += x``; with ``track``, list ``idx`` in ``dirty`` the first time."""
    target[idx] += x
    if track and marker[idx] == 0:
        marker[idx] = 1
        dirty[nd] = idx
        nd += 1
    return nd


@njit(cache=True)
def _acc_delayed(spk, nsp, p_off, graded, pay, ip, ps, th, packed, csc_idx, csc_w, wt, delays, fmt,
                 n_post, lo, hi, target, dbase, track, marker, dirty):
    """Per-synapse delays: add into ``target[dbase[d] + post]`` (``dbase[d]``: the slot of
    step t + 1 + d, or the staging row of delay d); synapses taken as in
    :func:`_acc_direct`. With ``track`` the touched entries are listed in ``dirty``
    (``marker`` flags them); returns how many."""
    nd = 0
    for q in range(nsp):
        j = spk[q]
        pj = pay[p_off + j]
        if fmt == FMT_DENSE:
            row = j * n_post
            for i in range(lo, hi):
                w = wt[row + i]
                if w != 0:
                    nd = _add(target, dbase[delays[row + i]] + i, contrib(w, pj) if graded else w,
                              track, marker, dirty, nd)
            continue
        k0, k1 = ip[j * ps + th], ip[j * ps + th + 1]
        if fmt == FMT_PACKED:
            if q + PREFETCH_AHEAD < nsp:
                jn = spk[q + PREFETCH_AHEAD]
                for k in range(ip[jn * ps + th], ip[jn * ps + th + 1], 16):
                    prefetch(packed, k)
                for k in range(ip[jn * ps + th], ip[jn * ps + th + 1], 64):
                    prefetch(delays, k)
            if not graded and not track:  # the common case, kept lean
                for k in range(k0, k1):
                    w, post = _unpack(packed[k])
                    target[dbase[delays[k]] + post] += w
                continue
            for k in range(k0, k1):
                w, post = _unpack(packed[k])
                nd = _add(target, dbase[delays[k]] + post, contrib(w, pj) if graded else w,
                          track, marker, dirty, nd)
        else:
            for k in range(k0, k1):
                nd = _add(target, dbase[delays[k]] + csc_idx[k],
                          contrib(csc_w[k], pj) if graded else csc_w[k], track, marker, dirty, nd)
    return nd


@njit(cache=True, parallel=True)
def _acc_threads(T, spk, nsp, p_off, graded, pay, bnd, packed, csc_idx, csc_w, wt, delays, per_syn,
                 fmt, n_post, target, base, dbase, marker, dirty):
    """:func:`_acc_direct` (or, with ``per_syn``, untracked :func:`_acc_delayed`) on ``T``
    threads, thread ``th`` taking the synapses onto its own range of posts (``bnd``: the
    bounds table of :func:`thread_bounds`; a dense matrix is split evenly). No two threads
    write one entry and each entry receives its additions in the single-thread order, so
    the result is bit-identical, floats included."""
    for th in prange(T):
        lo, hi = th * n_post // T, (th + 1) * n_post // T
        if per_syn:
            _acc_delayed(spk, nsp, p_off, graded, pay, bnd, T + 1, th, packed, csc_idx, csc_w, wt,
                         delays, fmt, n_post, lo, hi, target, dbase, False, marker, dirty)
        else:
            _acc_direct(spk, nsp, p_off, graded, pay, bnd, T + 1, th, packed, csc_idx, csc_w, wt,
                        fmt, n_post, lo, hi, target, base)


@njit(cache=True, parallel=True)
def _acc_batch_threads(T, batch, nb, t, c_pre, c_post, c_fmt, c_graded, c_nslots, c_stride, c_acc_off,
                       c_delay, c_per_syn, c_ptr_off, c_syn_off, c_csc_off, c_wt_off, c_dly_off, c_bnd_off,
                       pop_off, pop_n, nspk, spk, pay, bnd, packed, csc_idx, csc_w, wt, delays, acc, dtab,
                       marker, dirty):
    """:func:`_acc_threads` for the ``nb`` connections ``batch[:nb]`` (consecutive, none
    staged or fused) in one parallel region, each thread taking them in order on its own
    range of each one's posts: the additions into every entry come in the single-thread
    order, as when each has a region of its own, without a region launch per connection.
    ``dtab[j]``: the slot bases of per-synapse-delay connection ``batch[j]``."""
    for th in prange(T):
        for j in range(nb):
            c = batch[j]
            pre = c_pre[c]
            nsp = nspk[pre]
            if nsp == 0:
                continue
            n_post = pop_n[c_post[c]]
            lo, hi = th * n_post // T, (th + 1) * n_post // T
            p_off = pop_off[pre]
            sp = spk[p_off:p_off + nsp]
            b_ = bnd[c_bnd_off[c]:]
            s0, k0, w0 = c_syn_off[c], c_csc_off[c], c_wt_off[c]
            if c_per_syn[c]:
                _acc_delayed(sp, nsp, p_off, c_graded[c], pay, b_, T + 1, th, packed[s0:], csc_idx[k0:],
                             csc_w[k0:], wt[w0:], delays[c_dly_off[c]:], c_fmt[c], n_post, lo, hi, acc,
                             dtab[j], False, marker, dirty)
            else:
                base = c_acc_off[c] + ((t + 1 + c_delay[c]) % c_nslots[c]) * c_stride[c]
                _acc_direct(sp, nsp, p_off, c_graded[c], pay, b_, T + 1, th, packed[s0:], csc_idx[k0:],
                            csc_w[k0:], wt[w0:], c_fmt[c], n_post, lo, hi, acc, base)


@njit(cache=True)
def key_counts(packed, csc_idx, fmt, K):
    """Synapses per post (the column index of a packed or CSC list), ``(K,)`` int64."""
    out = np.zeros(K, np.int64)
    if fmt == FMT_PACKED:
        for k in range(packed.shape[0]):
            out[packed[k] & PACK_MASK] += 1
    else:
        for k in range(csc_idx.shape[0]):
            out[csc_idx[k]] += 1
    return out


@njit(cache=True)
def thread_bounds(indptr, packed, csc_idx, fmt, cuts, bnd):
    """Fill ``bnd`` ((n_pre, T + 1) flat int64) with where each thread's synapses of each
    presynaptic row start: thread ``th`` takes the posts ``cuts[th] <= post < cuts[th +
    1]``. Returns False where some row's posts are not ascending (no table then)."""
    T = cuts.shape[0] - 1
    n_pre = indptr.shape[0] - 1
    for j in range(n_pre):
        k0, k1 = indptr[j], indptr[j + 1]
        prev = -1
        th = 0
        bnd[j * (T + 1)] = k0
        for k in range(k0, k1):
            post = np.int64(packed[k] & PACK_MASK) if fmt == FMT_PACKED else np.int64(csc_idx[k])
            if post < prev:
                return False
            prev = post
            while th < T - 1 and post >= cuts[th + 1]:
                th += 1
                bnd[j * (T + 1) + th] = k
        while th < T - 1:
            th += 1
            bnd[j * (T + 1) + th] = k1
        bnd[j * (T + 1) + T] = k1
    return True


@njit(cache=True)
def _flush(stage, s0, marker, dirty, nd, n_post, acc, a0, nslots, t, lsh, rsh, wrap_first):
    """Shift each staged sum (row d of the staging area at ``s0``) and add it to the slot
    of step ``t + 1 + d``, as Lava's DelayDense/DelaySparse shift each step's sums."""
    for q in range(nd):
        idx = dirty[q]
        d = (idx - s0) // n_post
        post = idx - s0 - d * n_post
        slot = (t + 1 + d) % nslots
        acc[a0 + slot * n_post + post] += conn_out(stage[idx], lsh, rsh, wrap_first)
        stage[idx] = 0
        marker[idx] = 0


@njit(cache=True)
def _record_events(P, ev_on, pop_off, nspk, spk, pay, row, ev_t, ev_i, ev_v, ev_n):
    """Append this step's senders of the populations with ``ev_on`` as events (row, global
    index, payload), in ascending index order; O(spikes), not O(neurons)."""
    e = ev_n[0]
    for p in range(P):
        if not ev_on[p]:
            continue
        off = pop_off[p]
        for q in range(nspk[p]):
            g = off + spk[off + q]
            ev_t[e] = row
            ev_i[e] = g
            ev_v[e] = pay[g]
            e += 1
    ev_n[0] = e


@njit(cache=True)
def _compact(pay, off, n, spk):
    """Local indices of the nonzero ``pay[off:off+n]`` into ``spk[off:]``; returns the count."""
    k = 0
    q = pay[off:off + n]
    out = spk[off:off + n]
    # Blocks of _BLOCK are tested at once (a vectorised count) and only blocks with a
    # sender are listed: ~1 cycle per neuron less than a store per neuron when few spike.
    nb = n // _BLOCK
    for b in range(nb):
        lo = b * _BLOCK
        blk = q[lo:lo + _BLOCK]
        hit = 0
        for i in range(_BLOCK):
            hit += blk[i] != 0
        if hit:
            for i in range(_BLOCK):
                out[k] = lo + i
                k += blk[i] != 0
    for i in range(nb * _BLOCK, n):
        out[k] = i
        k += q[i] != 0
    return k


@njit(cache=True, inline="always")
def _is_source(model):
    return model == MODEL_SOURCE or model == MODEL_POISSON


#: Neurons of a Poisson source drawn together: their uniforms stay in L1 and the threshold
#: passes stop at the block's largest uniform.
_PZ_BLOCK = 256


@njit(cache=True)
def _pz_uniforms(key, c0, m, ub):
    """``ub[i]`` = top 32 bits of SplitMix64 output ``c0 + i`` (i < m); returns their max."""
    umax = np.uint32(0)
    for i in range(m):
        z = key + (c0 + np.uint64(i)) * GAMMA
        z = (z ^ (z >> np.uint64(30))) * MIX1
        z = (z ^ (z >> np.uint64(27))) * MIX2
        x = np.uint32((z ^ (z >> np.uint64(31))) >> np.uint64(32))
        ub[i] = x
        umax = max(umax, x)
    return umax


@njit(cache=True)
def _pz_count_shared(ub, kb, m, cdf, umax):
    """``kb[i]`` = thresholds of ``cdf`` at or below ``ub[i]``: threshold by threshold
    over the block (vectorises), stopping past the block's largest uniform ``umax``."""
    for i in range(m):
        kb[i] = 0
    for j in range(cdf.shape[0]):
        c = cdf[j]
        if c > umax:
            break
        for i in range(m):
            kb[i] += np.int32(1) if ub[i] >= c else np.int32(0)


@njit(cache=True)
def _pz_count_each(ub, kb, m, lo_, hi_, cdf):
    """``kb[i]`` = thresholds of neuron i's own table ``cdf[lo_[i]:hi_[i]]`` at or below
    ``ub[i]``, walked up from its start."""
    for i in range(m):
        j0, j1, x = lo_[i], hi_[i], ub[i]
        j = j0
        while j < j1 and x >= cdf[j]:
            j += 1
        kb[i] = j - j0


@njit(cache=True)
def _poisson_send(key, t, off, n, lo, hi, uniform, c_lo, c_hi, cdf, w, pay, u, k):
    """Payloads ``w[i] * k_i`` of neurons ``lo .. hi-1`` of a Poisson source (neurons
    ``off .. off+n-1``) at step t: ``k_i`` counts the thresholds ``cdf[c_lo[i]:c_hi[i]]``
    (uint32, ascending) at or below the top 32 bits of SplitMix64 output ``(t - 1) n + i``
    (see :mod:`lava_eirate.loihi.poisson`; ``uniform``: one table for all). Drawn in
    blocks of ``_PZ_BLOCK``; ``u`` (uint32), ``k`` (int32): scratch, entries ``lo .. hi-1``."""
    q_, w_, lo_, hi_ = pay[off:off + n], w[off:off + n], c_lo[off:off + n], c_hi[off:off + n]
    base = np.uint64(t - 1) * np.uint64(n) + np.uint64(1)
    shared = cdf[lo_[0]:hi_[0]] if n > 0 else cdf[:0]
    for b0 in range(lo, hi, _PZ_BLOCK):
        m = min(_PZ_BLOCK, hi - b0)
        ub, kb = u[b0:b0 + m], k[b0:b0 + m]
        umax = _pz_uniforms(key, base + np.uint64(b0), m, ub)
        if uniform:
            _pz_count_shared(ub, kb, m, shared, umax)
        else:
            _pz_count_each(ub, kb, m, lo_[b0:b0 + m], hi_[b0:b0 + m], cdf)
    for i in range(lo, hi):
        q_[i] = k[i] * w_[i]


@njit(cache=True, parallel=True)
def _poisson_threads(T, key, t, off, n, uniform, c_lo, c_hi, cdf, w, pay, u, k):
    """:func:`_poisson_send` of a whole source on ``T`` threads, each a contiguous range of
    its neurons (a draw depends only on ``(key, t, i)``: the same counts)."""
    for th in prange(T):
        _poisson_send(key, t, off, n, np.int64(th * n // T), np.int64((th + 1) * n // T), uniform, c_lo, c_hi,
                      cdf, w, pay, u, k)


@njit(cache=True)
def _count_sent(pay, off, n):
    """How many of ``pay[off:off+n]`` are nonzero (a source nobody reads a sender list of)."""
    q = pay[off:off + n]
    k = 0
    for i in range(n):
        k += q[i] != 0
    return k


# -- the step loop --------------------------------------------------------------------------

@njit(cache=True)
def run_network(t0, num_steps, pops, neur, state, conns, syn, src_data, rec, work, threads):
    """Run ``num_steps`` steps of a flattened network; state is updated in place.

    ``threads = (T, bnd, c_bnd_off, min_n)``: with ``T > 1``, each connection with
    ``c_bnd_off[c] >= 0`` is accumulated on ``T`` threads (:func:`_acc_threads`; its bounds
    table at ``bnd[c_bnd_off[c]:]``) and populations of at least ``min_n`` neurons are
    gathered, updated and compacted on ``T`` threads (:func:`_pop_threads`); the rest
    stays on this thread.

    ``t0`` is the number of steps already run (Lava's ``time_step`` of the first step is
    ``t0 + 1``); recorded step ``k`` goes to row ``k`` of the ``rec`` arrays (callers pass
    views).

    ``rec[4] = (ev_on, ev_t, ev_i, ev_v, ev_n)`` records spikes as events, straight from
    each step's sender list: for populations with ``ev_on[p]``, event ``ev_n[0]`` gets
    the step's row (``ev_t``), the neuron's global index (``ev_i``) and the payload
    (``ev_v``). A step starts only while the buffers have room for every such neuron to
    spike; otherwise the run stops early, for the caller to empty them and go on.

    Returns ``(spikes per population (P,) int64, steps run)``.
    """
    (pop_model, pop_off, pop_n, reset_int, reset_off, src_off, src_len, inc_ptr, inc_conn,
     rec_cs, rec_cu, rec_cv, rec_ca) = pops
    p0, p1, p2, p3, p4, ref_period, tab, (pz_key, pz_uniform, pz_lo, pz_hi, pz_cdf, pz_w) = neur
    u, v, ref_end, pay, acc, stage, marker, dirty = state
    (c_pre, c_post, c_fmt, c_graded, c_lsh, c_rsh, c_wrap, c_nslots, c_stride, c_acc_off, c_delay,
     c_per_syn, c_staged, c_stage_off, c_ptr_off, c_syn_off, c_csc_off, c_wt_off, c_dly_off,
     c_fused) = conns
    indptr, packed, csc_idx, csc_w, wt, delays = syn
    rec_s, rec_u, rec_v, rec_a, (ev_on, ev_t, ev_i, ev_v, ev_n) = rec
    ain, spk, nspk = work
    T, bnd, c_bnd_off, min_n = threads
    P = pop_model.shape[0]
    C = c_pre.shape[0]  # connections, then fused lists (post -1: absolute targets in acc)
    counts = np.zeros(P, np.int64)
    dbase = np.zeros(64, np.uint64)  # unsigned: the scatter index needs no wraparound test
    n_pz = 0
    for p in range(P):
        if pop_model[p] == MODEL_POISSON:
            n_pz = max(n_pz, pop_n[p])
    pz_u = np.empty(n_pz, np.uint32)  # a Poisson source's uniforms and counts of one step
    pz_k = np.empty(n_pz, np.int32)
    ev_need = 0
    listed = np.zeros(P, np.bool_)  # whose sender list is read (events, synapses)
    for p in range(P):
        if ev_on[p]:
            ev_need += pop_n[p]
            listed[p] = True
    for c in range(C):
        if c_fmt[c] != FMT_DIRECT:
            listed[c_pre[c]] = True
    # threaded connections that may share one parallel region per step (_acc_batch_threads)
    batchable = np.zeros(C, np.bool_)
    for c in range(C):
        batchable[c] = T > 1 and c_bnd_off[c] >= 0 and c_post[c] >= 0 and not c_staged[c]
    batch = np.zeros(C, np.int64)
    dtab = np.zeros((C, 64), np.uint64)
    for step in range(num_steps):
        if ev_need > 0 and ev_n[0] + ev_need > ev_t.shape[0]:
            return counts, step
        t = t0 + step + 1
        # 1. sources: this step's payload
        for p in range(P):
            if pop_model[p] == MODEL_SOURCE:
                off, n = pop_off[p], pop_n[p]
                d0 = src_off[p] + ((t - 1) % src_len[p]) * n
                pay[off:off + n] = src_data[d0:d0 + n]  # slices: a vectorised copy
            elif pop_model[p] == MODEL_POISSON:
                if T > 1 and pop_n[p] >= min_n:
                    _poisson_threads(T, pz_key[p], t, pop_off[p], pop_n[p], pz_uniform[p], pz_lo, pz_hi, pz_cdf,
                                     pz_w, pay, pz_u, pz_k)
                else:
                    _poisson_send(pz_key[p], t, pop_off[p], pop_n[p], 0, pop_n[p], pz_uniform[p], pz_lo, pz_hi,
                                  pz_cdf, pz_w, pay, pz_u, pz_k)
        # 2. neurons: gather the input of this step, update
        for p in range(P):
            if _is_source(pop_model[p]):
                continue
            off, n = pop_off[p], pop_n[p]
            reset_now = reset_int[p] > 0 and (t % reset_int[p]) == reset_off[p]
            if T > 1 and n >= min_n:
                c_, k_ = _pop_threads(T, p, t, reset_now, inc_ptr, inc_conn, c_fmt, c_pre, pop_off, c_acc_off,
                                      c_nslots, c_stride, c_staged, c_lsh, c_rsh, c_wrap, acc, pop_model[p],
                                      off, n, ain, u, v, ref_end, p0, p1, p2, p3, p4, ref_period, tab, pay,
                                      rec_s, rec_u, rec_v, rec_a, step, rec_cs[p], rec_cu[p], rec_cv[p],
                                      rec_ca[p], spk)
                counts[p] += c_
                nspk[p] = k_
                continue
            _gather(p, t, 0, n, inc_ptr, inc_conn, c_fmt, c_pre, pop_off, c_acc_off, c_nslots, c_stride,
                    c_staged, c_lsh, c_rsh, c_wrap, acc, pay, ain)
            counts[p] += update_population(pop_model[p], t, reset_now, off, n, ain, u, v, ref_end,
                                           p0, p1, p2, p3, p4, ref_period, tab, pay, rec_s, rec_u,
                                           rec_v, rec_a, step, rec_cs[p], rec_cu[p], rec_cv[p],
                                           rec_ca[p])
        # 3. who sent something (populations updated on threads have been compacted there)
        for p in range(P):
            src = _is_source(pop_model[p])
            if T > 1 and pop_n[p] >= min_n and not src:
                continue
            if src and not listed[p]:  # feeds InPorts only
                nspk[p] = 0
                counts[p] += _count_sent(pay, pop_off[p], pop_n[p])
                continue
            nspk[p] = _compact(pay, pop_off[p], pop_n[p], spk)
            if src:
                counts[p] += nspk[p]
        if ev_need > 0:
            _record_events(P, ev_on, pop_off, nspk, spk, pay, step, ev_t, ev_i, ev_v, ev_n)
        # 4. synapses: this step's spikes into the slots of later steps. Runs of threaded
        # connections (not staged, not fused lists) share one parallel region.
        nb = 0
        for c in range(C + 1):
            if c < C and (c_fmt[c] == FMT_DIRECT or c_fused[c] or nspk[c_pre[c]] == 0):
                continue
            if c < C and batchable[c]:
                if c_per_syn[c]:
                    for d in range(c_nslots[c]):
                        dtab[nb, d] = c_acc_off[c] + ((t + 1 + d) % c_nslots[c]) * c_stride[c]
                batch[nb] = c
                nb += 1
                continue
            if nb > 1:
                _acc_batch_threads(T, batch, nb, t, c_pre, c_post, c_fmt, c_graded, c_nslots, c_stride,
                                   c_acc_off, c_delay, c_per_syn, c_ptr_off, c_syn_off, c_csc_off, c_wt_off,
                                   c_dly_off, c_bnd_off, pop_off, pop_n, nspk, spk, pay, bnd, packed,
                                   csc_idx, csc_w, wt, delays, acc, dtab, marker, dirty)
            elif nb == 1:
                _acc_one(batch[0], T, t, c_pre, c_post, c_fmt, c_graded, c_lsh, c_rsh, c_wrap, c_nslots,
                         c_stride, c_acc_off, c_delay, c_per_syn, c_staged, c_stage_off, c_ptr_off, c_syn_off,
                         c_csc_off, c_wt_off, c_dly_off, c_bnd_off, pop_off, pop_n, nspk, spk, pay, indptr,
                         bnd, packed, csc_idx, csc_w, wt, delays, acc, stage, dbase, marker, dirty)
            nb = 0
            if c < C:
                _acc_one(c, T, t, c_pre, c_post, c_fmt, c_graded, c_lsh, c_rsh, c_wrap, c_nslots,
                         c_stride, c_acc_off, c_delay, c_per_syn, c_staged, c_stage_off, c_ptr_off, c_syn_off,
                         c_csc_off, c_wt_off, c_dly_off, c_bnd_off, pop_off, pop_n, nspk, spk, pay, indptr,
                         bnd, packed, csc_idx, csc_w, wt, delays, acc, stage, dbase, marker, dirty)
    return counts, num_steps


@njit(cache=True)
def _acc_one(c, T, t, c_pre, c_post, c_fmt, c_graded, c_lsh, c_rsh, c_wrap, c_nslots, c_stride, c_acc_off,
             c_delay, c_per_syn, c_staged, c_stage_off, c_ptr_off, c_syn_off, c_csc_off, c_wt_off, c_dly_off,
             c_bnd_off, pop_off, pop_n, nspk, spk, pay, indptr, bnd, packed, csc_idx, csc_w, wt, delays, acc,
             stage, dbase, marker, dirty):
    """Connection (or fused list) ``c``'s synapses for this step's spikes: on ``T`` threads
    where it has a bounds table, else on this thread."""
    fmt = c_fmt[c]
    pre = c_pre[c]
    p_off, nsp = pop_off[pre], nspk[pre]
    if nsp == 0:
        return
    n_post = pop_n[c_post[c]] if c_post[c] >= 0 else acc.shape[0]
    sp = spk[p_off:p_off + nsp]
    ip = indptr[c_ptr_off[c]:c_ptr_off[c] + pop_n[pre] + 1]
    s0, k0, w0 = c_syn_off[c], c_csc_off[c], c_wt_off[c]
    par = T > 1 and c_bnd_off[c] >= 0
    b_ = bnd[c_bnd_off[c]:] if par else bnd
    if c_per_syn[c]:
        ns = c_nslots[c]
        if c_staged[c]:
            for d in range(ns):
                dbase[d] = c_stage_off[c] + d * n_post
            nd = _acc_delayed(sp, nsp, p_off, c_graded[c], pay, ip, 1, 0, packed[s0:],
                              csc_idx[k0:], csc_w[k0:], wt[w0:], delays[c_dly_off[c]:], fmt,
                              n_post, 0, n_post, stage, dbase, True, marker, dirty)
            _flush(stage, c_stage_off[c], marker, dirty, nd, n_post, acc, c_acc_off[c],
                   ns, t, c_lsh[c], c_rsh[c], c_wrap[c])
            return
        for d in range(ns):
            dbase[d] = c_acc_off[c] + ((t + 1 + d) % ns) * c_stride[c]
        if par:
            _acc_threads(T, sp, nsp, p_off, c_graded[c], pay, b_, packed[s0:], csc_idx[k0:],
                         csc_w[k0:], wt[w0:], delays[c_dly_off[c]:], True, fmt, n_post, acc,
                         0, dbase, marker, dirty)
        else:
            _acc_delayed(sp, nsp, p_off, c_graded[c], pay, ip, 1, 0, packed[s0:], csc_idx[k0:],
                         csc_w[k0:], wt[w0:], delays[c_dly_off[c]:], fmt, n_post, 0, n_post,
                         acc, dbase, False, marker, dirty)
    else:
        base = c_acc_off[c] + ((t + 1 + c_delay[c]) % c_nslots[c]) * c_stride[c]
        if par:
            _acc_threads(T, sp, nsp, p_off, c_graded[c], pay, b_, packed[s0:], csc_idx[k0:],
                         csc_w[k0:], wt[w0:], delays, False, fmt, n_post, acc, base, dbase,
                         marker, dirty)
        else:
            _acc_direct(sp, nsp, p_off, c_graded[c], pay, ip, 1, 0, packed[s0:], csc_idx[k0:],
                        csc_w[k0:], wt[w0:], fmt, n_post, 0, n_post, acc, base)
