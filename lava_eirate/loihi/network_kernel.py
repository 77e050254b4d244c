"""The network engine's step loop: any graph of populations and connections, one numba kernel.

One kernel serves both number families. The integer (Loihi, bit-exact) and float (Lava's
float models) arithmetic differ only in a few small functions that dispatch on the array
dtype at compile time (``numba.extending.overload``): :func:`conn_out`, :func:`contrib`
and :func:`update_population`. Everything else -- gathering the input of a population
from its incoming connections, compacting spikes, accumulating synapses of any layout
with or without delays -- is written once.

Bit-level reference for the integer family (Lava 0.10):

* neurons: ``AbstractPyLifModelFixed.subthr_dynamics`` with ``PyLifModelBitAcc``,
  ``PyLifResetModelBitAcc`` (u = v = 0 before the update when ``t % reset_interval ==
  reset_offset``), ``PyTernLifModelFixed`` (spikes +1 where ``v > vth_hi << 6``, -1 where
  ``v < vth_lo << 6``); the refractory LIF follows Loihi 1 (see :func:`_fixed_population`);
* connections: ``PyDenseModelBitAcc`` / ``PySparseModelBitAcc`` (the sum of one step's
  input is shifted by ``weight_exp`` and sent on the next step) and
  ``PyDelayDenseModelBitAcc`` / ``PyDelaySparseModelBitAcc`` (each step's sum per delay is
  shifted and added into an int32 ring buffer ``a_buff``; delay ``d`` arrives at step
  ``t + 1 + d``); graded spikes (``num_message_bits > 0``) add ``weight * payload``;
* a population's InPort adds its sources in int32 (``PyInPortVectorDense.recv``);
* ``RingBuffer`` sources send ``data[(t - 1) % len]`` and may feed a population directly
  (same step) or through a connection.

Layout of the flattened network (prepared once by :mod:`lava_eirate.engine`):

* every population (neurons and sources) owns the slice ``[off, off + n)`` of the global
  per-neuron arrays; ``pay`` holds what each neuron sent this step (spike 0/1, ternary
  +-1, or a source's graded payload);
* connection ``c`` owns ``nslots[c] * n_post`` entries of ``acc`` starting at
  ``acc_off[c]`` (one slot without delays, ``max_delay + 1`` slots with delays; slot
  ``t % nslots`` is read at step ``t``). Without per-synapse delays a slot holds the raw
  sum of one step and ``weight_exp`` is applied when it is read; with per-synapse delays
  each step's sums per delay are formed in ``stage`` (a dirty list keeps the cost
  proportional to the events), shifted, and added into the slots, as Lava does;
* synapses by presynaptic neuron (cost = spikes x fan-out) in one of three layouts (see
  :mod:`lava_eirate.loihi.kernels`), optional per-synapse delays (uint8) alongside.
"""
import numpy as np
from numba import njit, types
from numba.extending import overload

from .kernels import (FMT_CSC, FMT_DENSE, FMT_PACKED, PACK_MASK, PACK_SHIFT, PREFETCH_AHEAD,
                      decay, lif_fixed_subthr, prefetch, wrap_int32)

#: Population models (``pop_model``).
MODEL_SOURCE = 0
MODEL_LIF = 1
MODEL_LIF_RESET = 2
MODEL_TERNARY = 3
MODEL_REFRACTORY = 4

#: Connection layout of a source feeding a population's InPort directly (no synapses).
FMT_DIRECT = 4


# -- family-specific arithmetic, chosen by dtype at compile time ---------------------------

def conn_out(x, lsh, rsh, wrap_first):
    """What a connection sends from the raw sum ``x`` of one step (see the overloads)."""
    raise NotImplementedError


@overload(conn_out, inline="always")
def _conn_out(x, lsh, rsh, wrap_first):
    if isinstance(x, types.Integer):
        def impl(x, lsh, rsh, wrap_first):
            # Graded Dense/Sparse form the sum in int32 (numpy's int32 dot) before the
            # shift; binary sums are int64. The int32 output port wraps the result.
            y = wrap_int32(x) if wrap_first else np.int64(x)
            return wrap_int32((y << lsh) >> rsh)
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


def update_population(model, t, reset_now, off, n, ain, u, v, ref_end, p0, p1, p2, p3, p4,
                      ref_period, pay, rec_s, rec_u, rec_v, rec_a, row, cs, cu, cv, ca):
    """Update one neuron population for step ``t`` (see the overloads); returns spikes."""
    raise NotImplementedError


@overload(update_population)
def _update_population(model, t, reset_now, off, n, ain, u, v, ref_end, p0, p1, p2, p3, p4,
                       ref_period, pay, rec_s, rec_u, rec_v, rec_a, row, cs, cu, cv, ca):
    kernel = _fixed_population if isinstance(u.dtype, types.Integer) else _float_population

    def impl(model, t, reset_now, off, n, ain, u, v, ref_end, p0, p1, p2, p3, p4,
             ref_period, pay, rec_s, rec_u, rec_v, rec_a, row, cs, cu, cv, ca):
        return kernel(model, t, reset_now, off, n, ain, u, v, ref_end, p0, p1, p2, p3, p4,
                      ref_period, pay, rec_s, rec_u, rec_v, rec_a, row, cs, cu, cv, ca)
    return impl


@njit(cache=True, inline="always")
def _record(g, i, row, s, uu, vv, rec_s, rec_u, rec_v, cs, cu, cv):
    if cs >= 0:
        rec_s[row, cs + i] = s
    if cu >= 0:
        rec_u[row, cu + i] = uu
    if cv >= 0:
        rec_v[row, cv + i] = vv


@njit(cache=True)
def _fixed_population(model, t, reset_now, off, n, ain, u, v, ref_end, ukeep, vkeep, bias,
                      vth, vth_lo, ref_period, pay, rec_s, rec_u, rec_v, rec_a, row, cs, cu, cv, ca):
    """Loihi integer update of neurons ``off .. off+n-1`` at Lava time step ``t``.

    ``ukeep = 4096 - du - 1``, ``vkeep = 4096 - dv``, ``bias = bias_mant << bias_exp``,
    ``vth = vth << 6`` (``vth_hi << 6`` for ternary), ``vth_lo = vth_lo << 6``.

    Refractory LIF (Loihi 1's refractory delay; Lava 0.10 has no fixed model): while
    ``ref_end >= t`` the voltage is held (it was reset to 0 by the spike) and u keeps
    integrating; a spike at step t sets ``ref_end = t + refractory_period``. This is
    nengo-loihi's emulator rule (v zeroed while ``ref_count > 0``) with its
    ``refract_delay = refractory_period + 1``, and the hold of Lava's float
    ``PyLifRefractoryModelFloat``.
    """
    spikes = 0
    if ca >= 0:
        for i in range(n):
            rec_a[row, ca + i] = wrap_int32(ain[off + i])
    if model == MODEL_LIF_RESET and reset_now:
        for i in range(n):
            u[off + i] = 0
            v[off + i] = 0
    if model == MODEL_LIF or model == MODEL_LIF_RESET:
        for i in range(n):
            g = off + i
            cur, vol = lif_fixed_subthr(u[g], v[g], wrap_int32(ain[g]), ukeep[g], vkeep[g], bias[g])
            s = vol > vth[g]
            u[g] = cur
            v[g] = vol * (1 - s)
            pay[g] = s
            spikes += s
            _record(g, i, row, s, cur, v[g], rec_s, rec_u, rec_v, cs, cu, cv)
        return spikes
    for i in range(n):
        g = off + i
        cur, vol = lif_fixed_subthr(u[g], v[g], wrap_int32(ain[g]), ukeep[g], vkeep[g], bias[g])
        if model == MODEL_REFRACTORY and ref_end[g] >= t:
            vol = v[g]
        if model == MODEL_TERNARY:
            s = np.int32(vol > vth[g]) - np.int32(vol < vth_lo[g])
        else:
            s = np.int32(vol > vth[g])
        if s != 0:
            vol = 0
            spikes += 1
            if model == MODEL_REFRACTORY:
                ref_end[g] = t + ref_period[g]
        u[g] = cur
        v[g] = vol
        pay[g] = s
        _record(g, i, row, s, cur, vol, rec_s, rec_u, rec_v, cs, cu, cv)
    return spikes


@njit(cache=True)
def _float_population(model, t, reset_now, off, n, ain, u, v, ref_end, du, dv, bias,
                      vth, vth_lo, ref_period, pay, rec_s, rec_u, rec_v, rec_a, row, cs, cu, cv, ca):
    """Lava's float models: ``u = u*(1-du) + a``; ``v = v*(1-dv) + u + bias``; spike where
    ``v > vth`` (ternary: +1 above ``vth_hi``, -1 below ``vth_lo``), v reset to 0.
    LIFReset zeroes u and v first on reset steps; LIFRefractory holds v while
    ``ref_end >= t`` (``PyLifRefractoryModelFloat``), its threshold test included."""
    spikes = 0
    if ca >= 0:
        for i in range(n):
            rec_a[row, ca + i] = ain[off + i]
    if model == MODEL_LIF_RESET and reset_now:
        for i in range(n):
            u[off + i] = 0.0
            v[off + i] = 0.0
    for i in range(n):
        g = off + i
        cur = u[g] * (1.0 - du[g])
        cur += ain[g]
        if model == MODEL_REFRACTORY and ref_end[g] >= t:
            vol = v[g]
        else:
            vol = v[g] * (1.0 - dv[g]) + cur + bias[g]
        if model == MODEL_TERNARY:
            s = np.float64(vol > vth[g]) - np.float64(vol < vth_lo[g])
        else:
            s = np.float64(vol > vth[g])
        if s != 0.0:
            vol = 0.0
            spikes += 1
            if model == MODEL_REFRACTORY:
                ref_end[g] = t + ref_period[g]
        u[g] = cur
        v[g] = vol
        pay[g] = s
        _record(g, i, row, s, cur, vol, rec_s, rec_u, rec_v, cs, cu, cv)
    return spikes


# -- synaptic accumulation -------------------------------------------------------------------

@njit(cache=True, inline="always")
def _unpack(word):
    return word >> PACK_SHIFT, word & PACK_MASK


@njit(cache=True)
def _acc_direct(spk, nsp, p_off, graded, pay, indptr, packed, csc_idx, csc_w, wt, fmt, n_post,
                target, base):
    """Add one step's synaptic input into ``target[base + post]`` (no per-synapse delays)."""
    if fmt == FMT_PACKED:
        for q in range(nsp):
            if q + PREFETCH_AHEAD < nsp:
                jn = spk[q + PREFETCH_AHEAD]
                for k in range(indptr[jn], indptr[jn + 1], 16):
                    prefetch(packed, k)
            j = spk[q]
            if graded:
                pj = pay[p_off + j]
                for k in range(indptr[j], indptr[j + 1]):
                    w, post = _unpack(packed[k])
                    target[base + post] += contrib(w, pj)
            else:
                for k in range(indptr[j], indptr[j + 1]):
                    w, post = _unpack(packed[k])
                    target[base + post] += w
    elif fmt == FMT_CSC:
        for q in range(nsp):
            j = spk[q]
            if graded:
                pj = pay[p_off + j]
                for k in range(indptr[j], indptr[j + 1]):
                    target[base + csc_idx[k]] += contrib(csc_w[k], pj)
            else:
                for k in range(indptr[j], indptr[j + 1]):
                    target[base + csc_idx[k]] += csc_w[k]
    else:  # FMT_DENSE: wt[j * n_post + post]
        for q in range(nsp):
            j = spk[q]
            row = j * n_post
            if graded:
                pj = pay[p_off + j]
                for i in range(n_post):
                    target[base + i] += contrib(wt[row + i], pj)
            else:
                for i in range(n_post):
                    target[base + i] += wt[row + i]


@njit(cache=True, inline="always")
def _stage(stage, s0, idx, x, marker, dirty, nd):
    if marker[s0 + idx] == 0:
        marker[s0 + idx] = 1
        dirty[nd] = idx
        nd += 1
    stage[s0 + idx] += x
    return nd


@njit(cache=True)
def _acc_delayed(spk, nsp, p_off, graded, pay, indptr, packed, csc_idx, csc_w, wt, delays, fmt,
                 n_post, stage, s0, marker, dirty):
    """Per-synapse delays: this step's sums per (delay, post) into ``stage[s0 + d*n_post +
    post]``; returns the number of entries listed in ``dirty``."""
    nd = 0
    for q in range(nsp):
        j = spk[q]
        pj = pay[p_off + j]
        if fmt == FMT_DENSE:
            row = j * n_post
            for i in range(n_post):
                w = wt[row + i]
                if w != 0:
                    x = contrib(w, pj) if graded else w
                    nd = _stage(stage, s0, np.int64(delays[row + i]) * n_post + i, x, marker, dirty, nd)
        else:
            for k in range(indptr[j], indptr[j + 1]):
                if fmt == FMT_PACKED:
                    w, post = _unpack(packed[k])
                else:
                    w, post = csc_w[k], np.int64(csc_idx[k])
                x = contrib(w, pj) if graded else w
                nd = _stage(stage, s0, np.int64(delays[k]) * n_post + post, x, marker, dirty, nd)
    return nd


@njit(cache=True)
def _flush(stage, s0, marker, dirty, nd, n_post, acc, a0, nslots, t, lsh, rsh, wrap_first):
    """Shift each staged sum and add it to the slot of step ``t + 1 + d``."""
    for q in range(nd):
        idx = dirty[q]
        d = idx // n_post
        post = idx - d * n_post
        slot = (t + 1 + d) % nslots
        acc[a0 + slot * n_post + post] += conn_out(stage[s0 + idx], lsh, rsh, wrap_first)
        stage[s0 + idx] = 0
        marker[s0 + idx] = 0


@njit(cache=True)
def _compact(pay, off, n, spk):
    """Local indices of the nonzero ``pay[off:off+n]`` into ``spk[off:]``; returns the count."""
    k = 0
    for i in range(n):
        spk[off + k] = i
        k += pay[off + i] != 0
    return k


# -- the step loop --------------------------------------------------------------------------

@njit(cache=True)
def run_network(t0, num_steps, pops, neur, state, conns, syn, src_data, rec, work):
    """Run ``num_steps`` steps of a flattened network; state is updated in place.

    ``t0`` is the number of steps already run (Lava's ``time_step`` of the first step is
    ``t0 + 1``); recorded step ``k`` goes to row ``k`` of the ``rec`` arrays (callers pass
    views). Returns the number of spikes per population (int64, ``(P,)``).
    """
    (pop_model, pop_off, pop_n, reset_int, reset_off, src_off, src_len, inc_ptr, inc_conn,
     rec_cs, rec_cu, rec_cv, rec_ca) = pops
    p0, p1, p2, p3, p4, ref_period = neur
    u, v, ref_end, pay, acc, stage, marker, dirty = state
    (c_pre, c_post, c_fmt, c_graded, c_lsh, c_rsh, c_wrap, c_nslots, c_acc_off, c_delay,
     c_staged, c_stage_off, c_ptr_off, c_syn_off, c_csc_off, c_wt_off, c_dly_off) = conns
    indptr, packed, csc_idx, csc_w, wt, delays = syn
    rec_s, rec_u, rec_v, rec_a = rec
    ain, spk, nspk = work
    P = pop_model.shape[0]
    C = c_pre.shape[0]
    counts = np.zeros(P, np.int64)
    for step in range(num_steps):
        t = t0 + step + 1
        # 1. sources: this step's payload
        for p in range(P):
            if pop_model[p] == MODEL_SOURCE:
                off, n = pop_off[p], pop_n[p]
                d0 = src_off[p] + ((t - 1) % src_len[p]) * n
                for i in range(n):
                    pay[off + i] = src_data[d0 + i]
        # 2. neurons: gather the input of this step, update
        for p in range(P):
            if pop_model[p] == MODEL_SOURCE:
                continue
            off, n = pop_off[p], pop_n[p]
            for i in range(n):
                ain[off + i] = 0
            for k in range(inc_ptr[p], inc_ptr[p + 1]):
                c = inc_conn[k]
                if c_fmt[c] == FMT_DIRECT:
                    s_off = pop_off[c_pre[c]]
                    for i in range(n):
                        ain[off + i] += pay[s_off + i]
                    continue
                base = c_acc_off[c] + (t % c_nslots[c]) * n
                if c_staged[c]:  # slots hold shifted sums already
                    for i in range(n):
                        ain[off + i] += conn_out(acc[base + i], 0, 0, False)
                        acc[base + i] = 0
                else:
                    lsh, rsh, wf = c_lsh[c], c_rsh[c], c_wrap[c]
                    for i in range(n):
                        ain[off + i] += conn_out(acc[base + i], lsh, rsh, wf)
                        acc[base + i] = 0
            reset_now = reset_int[p] > 0 and (t % reset_int[p]) == reset_off[p]
            counts[p] += update_population(pop_model[p], t, reset_now, off, n, ain, u, v, ref_end,
                                           p0, p1, p2, p3, p4, ref_period, pay, rec_s, rec_u,
                                           rec_v, rec_a, step, rec_cs[p], rec_cu[p], rec_cv[p],
                                           rec_ca[p])
        # 3. who sent something
        for p in range(P):
            nspk[p] = _compact(pay, pop_off[p], pop_n[p], spk)
            if pop_model[p] == MODEL_SOURCE:
                counts[p] += nspk[p]
        # 4. synapses: this step's spikes into the slots of later steps
        for c in range(C):
            fmt = c_fmt[c]
            if fmt == FMT_DIRECT:
                continue
            pre = c_pre[c]
            p_off, nsp = pop_off[pre], nspk[pre]
            if nsp == 0:
                continue
            n_post = pop_n[c_post[c]]
            sp = spk[p_off:p_off + nsp]
            ip = indptr[c_ptr_off[c]:c_ptr_off[c] + pop_n[pre] + 1]
            s0, k0, w0 = c_syn_off[c], c_csc_off[c], c_wt_off[c]
            if c_staged[c]:
                nd = _acc_delayed(sp, nsp, p_off, c_graded[c], pay, ip, packed[s0:], csc_idx[k0:],
                                  csc_w[k0:], wt[w0:], delays[c_dly_off[c]:], fmt,
                                  n_post, stage, c_stage_off[c], marker, dirty)
                _flush(stage, c_stage_off[c], marker, dirty, nd, n_post, acc, c_acc_off[c],
                       c_nslots[c], t, c_lsh[c], c_rsh[c], c_wrap[c])
            else:
                slot = (t + 1 + c_delay[c]) % c_nslots[c]
                _acc_direct(sp, nsp, p_off, c_graded[c], pay, ip, packed[s0:], csc_idx[k0:],
                            csc_w[k0:], wt[w0:], fmt, n_post, acc, c_acc_off[c] + slot * n_post)
    return counts
