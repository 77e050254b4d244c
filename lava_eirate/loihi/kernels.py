"""numba kernels for Loihi's integer LIF dynamics and synaptic accumulation.

Bit-level reference: Lava 0.10 ``AbstractPyLifModelFixed.subthr_dynamics`` and
``PyLifModelBitAcc`` (lava/proc/lif/models.py), ``PyDenseModelBitAcc`` /
``PySparseModelBitAcc`` (lava/proc/dense/models.py, lava/proc/sparse/models.py) and the
port dtypes that connect them. The int32 wrap points of that code are reproduced, not
only its intended 24-bit arithmetic:

* the Dense output port is int32: the int64 sum, after ``weight_exp``, is cast to int32;
* LIF's ``a_in`` sums its sources in int32 and shifts the sum left by 6 in int32;
* the decayed u is cast to int32, the input added in int32, then u wraps once by 2**24;
* ``decay(v) + u + bias`` is formed in int32 and then clipped to +-(2**23 - 1).

All kernels take plain arrays and scalars. Synapses come in one of three layouts, all
indexed by presynaptic neuron j so that cost is spikes x fan-out:

* ``FMT_PACKED`` (default for sparse weights, n_post <= 2**23): one int32 per synapse,
  ``(mantissa << 23) | post``, the 9-bit signed mantissa on top of a 23-bit target
  index, in ``packed[indptr[j]:indptr[j+1]]``. One stream of 4 bytes per synapse; the
  next spiking neurons' synapses are prefetched while the current one is applied.
* ``FMT_CSC``: ``indices`` (uint32) and int16 ``data`` in the same ranges (any n_post).
* ``FMT_DENSE``: a transposed int16 matrix ``w_t[pre, post]`` (dense weights).
"""
import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from .limits import ACT_SHIFT, DECAY_SHIFT, UV_HALF, V_MAX, V_MIN

_WRAP = 2 * UV_HALF

FMT_NONE = 0
FMT_CSC = 1
FMT_DENSE = 2
FMT_PACKED = 3

#: Packed synapse: ``(mantissa << PACK_SHIFT) | post``.
PACK_SHIFT = 23
PACK_MASK = (1 << PACK_SHIFT) - 1
#: Spiking neurons looked ahead when prefetching synapses.
PREFETCH_AHEAD = 4


@intrinsic
def prefetch(typingctx, arr, idx):
    """Hint the CPU to fetch ``arr[idx]`` into cache (``llvm.prefetch``, read, high locality)."""
    sig = types.void(arr, idx)

    def codegen(context, builder, signature, args):
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        ptr = cgutils.get_item_pointer(context, builder, aryty, ary, [args[1]], wraparound=False)
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0i8")
        builder.call(fn, [builder.bitcast(ptr, i8p), ir.Constant(i32, 0), ir.Constant(i32, 3),
                          ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return sig, codegen


@njit(cache=True, inline="always")
def wrap_int32(x):
    """Two's-complement wrap of an int64 into the int32 range (numpy's unsafe cast)."""
    return np.int64(np.int32(x))


@njit(cache=True, inline="always")
def decay(x, keep):
    """``sign(x) * ((|x| * keep) >> 12)``: Loihi's decay, rounding toward zero.

    ``keep = 4096 - du - 1`` for u and ``4096 - dv`` for v. Branchless (sign mask).
    """
    p = np.int64(x) * np.int64(keep)
    m = p >> 63
    return ((((p ^ m) - m) >> DECAY_SHIFT) ^ m) - m


@njit(cache=True, inline="always")
def exp_shift(acc, weight_exp):
    """``acc << weight_exp`` if ``weight_exp > 0`` else ``acc >> -weight_exp`` (floors)."""
    if weight_exp > 0:
        return np.int64(acc) << weight_exp
    return np.int64(acc) >> (-weight_exp)


@njit(cache=True, inline="always")
def lif_fixed_neuron(u, v, a_in, ukeep, vkeep, bias_eff, vth_eff):
    """One Loihi LIF update of a single neuron; returns ``(u, v, spiked)``.

    ``a_in`` is the int32 synaptic input of this step, ``bias_eff`` the int32
    ``bias_mant << bias_exp`` and ``vth_eff`` the int32 ``vth << 6``. Branchless.
    """
    act = wrap_int32(np.int64(a_in) << ACT_SHIFT)
    cur = wrap_int32(wrap_int32(decay(u, ukeep)) + act)
    cur = cur - (cur > UV_HALF) * _WRAP + (cur <= -UV_HALF) * _WRAP
    vol = wrap_int32(wrap_int32(decay(v, vkeep) + cur) + bias_eff)
    vol = min(max(vol, V_MIN), V_MAX)
    spk = vol > vth_eff
    return cur, vol * (1 - spk), spk


@njit(cache=True)
def accumulate_csc(spikes, nspk, indptr, indices, data, acc):
    """``acc[post] += W[post, j]`` for the first ``nspk`` spiking ``j`` in ``spikes``."""
    for q in range(nspk):
        j = spikes[q]
        for k in range(indptr[j], indptr[j + 1]):
            acc[indices[k]] += data[k]


@njit(cache=True)
def accumulate_packed(spikes, nspk, indptr, packed, acc):
    """As :func:`accumulate_csc` on packed synapses, prefetching ahead."""
    for q in range(nspk):
        if q + PREFETCH_AHEAD < nspk:
            jn = spikes[q + PREFETCH_AHEAD]
            for k in range(indptr[jn], indptr[jn + 1], 16):
                prefetch(packed, k)
        j = spikes[q]
        for k in range(indptr[j], indptr[j + 1]):
            p = packed[k]
            acc[p & PACK_MASK] += p >> PACK_SHIFT


@njit(cache=True)
def accumulate(fmt, spikes, nspk, indptr, indices, data, w_t, acc):
    """Dispatch on the synapse layout ``fmt`` (FMT_NONE: nothing)."""
    if fmt == FMT_PACKED:
        accumulate_packed(spikes, nspk, indptr, data, acc)
    elif fmt == FMT_CSC:
        accumulate_csc(spikes, nspk, indptr, indices, data, acc)
    elif fmt == FMT_DENSE:
        accumulate_dense(spikes, nspk, w_t, acc)


@njit(cache=True)
def accumulate_dense(spikes, nspk, w_t, acc):
    """``acc += w_t[j, :]`` for the first ``nspk`` spiking ``j`` (``w_t`` is W transposed)."""
    n_post = w_t.shape[1]
    for q in range(nspk):
        row = w_t[spikes[q]]
        for i in range(n_post):
            acc[i] += row[i]


@njit(cache=True)
def compact_spikes(srow, spikes):
    """Write the indices of nonzero ``srow`` entries to ``spikes``; return their count."""
    nspk = 0
    for i in range(srow.shape[0]):
        spikes[nspk] = i
        nspk += srow[i]
    return nspk


@njit(cache=True)
def lif_fixed_step(u, v, acc, lsh, rsh, ext, ukeep, vkeep, bias_eff, vth_eff, srow):
    """One step of the population (vectorisable): input from ``acc`` and ``ext``, LIF
    update, spikes to ``srow``; ``acc`` is cleared for the next accumulation."""
    for i in range(u.shape[0]):
        a = wrap_int32((np.int64(acc[i]) << lsh) >> rsh)
        a = wrap_int32(a + ext[i])
        acc[i] = 0
        cur, vol, spk = lif_fixed_neuron(u[i], v[i], a, ukeep[i], vkeep[i],
                                         bias_eff[i], vth_eff[i])
        u[i] = cur
        v[i] = vol
        srow[i] = spk


@njit(cache=True)
def run_fixed(t0, num_steps, u, v, acc, ukeep, vkeep, bias_eff, vth_eff,
              fmt, indptr, indices, data, w_t, weight_exp,
              a_ext, rec_s, rec_u, rec_v, spikes):
    """Run ``num_steps`` Loihi steps of a LIF population with recurrent synapses.

    State, updated in place: ``u``, ``v`` (int32) and ``acc`` (int32 where the sum of
    |weights| into any neuron fits, else int64): the synaptic sum accumulated on the
    previous step, before ``weight_exp``. Per-neuron int32 constants: ``ukeep``,
    ``vkeep``, ``bias_eff``, ``vth_eff``. ``a_ext`` is ``(T, n)`` int32 external input
    (``T == 0``: none), indexed by ``t0 + step``; ``rec_s``/``rec_u``/``rec_v`` have
    ``T`` rows or 0 rows (not recorded) and are written at row ``t0 + step``.
    ``spikes`` is an int32 work buffer of length n. Returns the number of spikes.
    """
    n = u.shape[0]
    has_ext = a_ext.shape[0] > 0
    do_s = rec_s.shape[0] > 0
    do_u = rec_u.shape[0] > 0
    do_v = rec_v.shape[0] > 0
    zero_ext = np.zeros(n, np.int32)
    sbuf = np.zeros(n, np.bool_)
    lsh = max(weight_exp, 0)
    rsh = max(-weight_exp, 0)
    total = 0
    for step in range(num_steps):
        t = t0 + step
        ext = a_ext[t] if has_ext else zero_ext
        srow = rec_s[t] if do_s else sbuf
        lif_fixed_step(u, v, acc, lsh, rsh, ext, ukeep, vkeep, bias_eff, vth_eff, srow)
        if do_u:
            rec_u[t, :] = u
        if do_v:
            rec_v[t, :] = v
        nspk = compact_spikes(srow, spikes)
        total += nspk
        accumulate(fmt, spikes, nspk, indptr, indices, data, w_t, acc)
    return total


@njit(cache=True)
def run_float(t0, num_steps, u, v, acc, du, dv, bias, vth,
              fmt, indptr, indices, data, w_t,
              a_ext, rec_s, rec_u, rec_v, spikes):
    """Float LIF + Dense (Lava's ``PyLifModelFloat`` / ``PyDenseModelFloat``).

    ``u = u*(1-du) + a``; ``v = v*(1-dv) + u + bias``; spike where ``v > vth``, then
    ``v = 0``. ``acc`` holds the synaptic sum of the previous step's spikes.
    Arguments as in :func:`run_fixed`, with float64 arrays.
    """
    n = u.shape[0]
    has_ext = a_ext.shape[0] > 0
    do_s = rec_s.shape[0] > 0
    do_u = rec_u.shape[0] > 0
    do_v = rec_v.shape[0] > 0
    total = 0
    for step in range(num_steps):
        t = t0 + step
        nspk = 0
        for i in range(n):
            a = acc[i]
            acc[i] = 0.0
            if has_ext:
                a = a + a_ext[t, i]
            cur = u[i] * (1.0 - du[i])
            cur += a
            vol = v[i] * (1.0 - dv[i]) + cur + bias[i]
            spk = vol > vth[i]
            if spk:
                vol = 0.0
                spikes[nspk] = i
                nspk += 1
            u[i] = cur
            v[i] = vol
            if do_s:
                rec_s[t, i] = spk
            if do_u:
                rec_u[t, i] = cur
            if do_v:
                rec_v[t, i] = vol
        total += nspk
        if fmt == FMT_CSC:
            accumulate_csc(spikes, nspk, indptr, indices, data, acc)
        elif fmt == FMT_DENSE:
            accumulate_dense(spikes, nspk, w_t, acc)
    return total
