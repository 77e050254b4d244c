"""numba primitives of Loihi's integer arithmetic, and the synapse layouts.

Bit-level reference: Lava 0.10 ``AbstractPyLifModelFixed.subthr_dynamics`` and
``PyLifModelBitAcc`` (lava/proc/lif/models.py), ``PyDenseModelBitAcc`` /
``PySparseModelBitAcc`` (lava/proc/dense/models.py, lava/proc/sparse/models.py) and the
port dtypes that connect them. The int32 wrap points of that code are reproduced, not
only its intended 24-bit arithmetic:

* the Dense output port is int32: the int64 sum, after ``weight_exp``, is cast to int32;
* LIF's ``a_in`` sums its sources in int32 and shifts the sum left by 6 in int32;
* the decayed u is cast to int32, the input added in int32, then u wraps once by 2**24;
* ``decay(v) + u + bias`` is formed in int32 and then clipped to +-(2**23 - 1).

The step loop that uses them, for any network, is :mod:`lava_eirate.loihi.network_kernel`.
Synapses come in one of three layouts, all indexed by presynaptic neuron j so that cost
is spikes x fan-out:

* ``FMT_PACKED`` (default for sparse weights, n_post <= 2**23): one int32 per synapse,
  ``(mantissa << 23) | post``, the 9-bit signed mantissa on top of a 23-bit target
  index, in ``packed[indptr[j]:indptr[j+1]]``. One stream of 4 bytes per synapse; the
  next spiking neurons' synapses are prefetched while the current one is applied.
* ``FMT_CSC``: ``indices`` (uint32) and int16 ``data`` in the same ranges (any n_post).
* ``FMT_DENSE``: a transposed int16 matrix ``w_t[pre, post]`` (dense weights).

Float networks use ``FMT_CSC`` and ``FMT_DENSE`` with float64 weights.
"""
import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from .limits import ACT_SHIFT, DECAY_SHIFT, UV_HALF, V_MAX, V_MIN

_WRAP = 2 * UV_HALF

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
def lif_fixed_subthr(u, v, a_in, ukeep, vkeep, bias_eff):
    """Loihi's sub-threshold LIF update of one neuron; returns ``(u, v)`` (before the
    threshold test).

    ``a_in`` is the int32 synaptic input of this step (already summed in int32),
    ``ukeep = 4096 - du - 1``, ``vkeep = 4096 - dv``, ``bias_eff`` the int32
    ``bias_mant << bias_exp``. Branchless.
    """
    act = wrap_int32(np.int64(a_in) << ACT_SHIFT)
    cur = wrap_int32(wrap_int32(decay(u, ukeep)) + act)
    cur = cur - (cur > UV_HALF) * _WRAP + (cur <= -UV_HALF) * _WRAP
    vol = wrap_int32(wrap_int32(decay(v, vkeep) + cur) + bias_eff)
    return cur, min(max(vol, V_MIN), V_MAX)


@njit(cache=True, inline="always")
def rate_fixed_state(x, a_in, keep, bias_eff):
    """The graded rate neuron's state update (see :class:`lava_eirate.FixedRate`):
    ``clip(decay(x, keep) + a_in + bias_eff, -(2**23 - 1), 2**23 - 1)`` with ``keep = 4096
    - dr``, ``a_in`` the int32 sum of the step's input, ``bias_eff = bias_mant << bias_exp``."""
    y = decay(x, keep) + wrap_int32(a_in) + np.int64(bias_eff)
    return min(max(y, V_MIN), V_MAX)


@njit(cache=True, inline="always")
def rate_fixed_output(x, shift, last, table):
    """The graded payload of state ``x``: an odd, piecewise-linear lookup on ``|x|``.

    ``i = |x| >> shift``, ``f = |x| & (2**shift - 1)``; for ``i >= last`` the payload is
    ``table[last]`` (saturation), else ``table[i] + ((table[i+1] - table[i]) * f +
    2**(shift-1)) >> shift`` (interpolation rounded half up; ``shift = 0``: no
    interpolation); the sign of ``x`` is applied last. ``table`` is the population's slice.
    """
    m = np.int64(abs(x))
    i = m >> shift
    if i >= last:
        y = np.int64(table[last])
    else:
        t0 = np.int64(table[i])
        y = t0
        if shift > 0:
            f = m & ((np.int64(1) << shift) - 1)
            y = t0 + (((np.int64(table[i + 1]) - t0) * f + (np.int64(1) << (shift - 1))) >> shift)
    return -y if x < 0 else y


# -- synapse layouts: built from a compressed matrix in one pass per stage -------------
@njit(cache=True)
def by_pre_indptr(indptr, indices, mant, by_row, n_pre):
    """``(n_pre + 1,)`` int64 offsets of each presynaptic neuron's nonzero synapses.

    The matrix is compressed ``W[post, pre]``: CSR (``by_row``: ``indptr`` over posts,
    ``indices`` the pres) or CSC (``indptr`` over pres, ``indices`` the posts), with
    ``mant`` its stored values; zeros are not counted."""
    ptr = np.zeros(n_pre + 1, np.int64)
    for r in range(indptr.size - 1):
        for k in range(indptr[r], indptr[r + 1]):
            if mant[k] != 0:
                ptr[(indices[k] if by_row else r) + 1] += 1
    for c in range(n_pre):
        ptr[c + 1] += ptr[c]
    return ptr


@njit(cache=True)
def index_order(indptr, indices, check_unique):
    """``(ascending, duplicate_free)`` of a compressed matrix's index segments: whether
    every segment's indices strictly ascend, and (with ``check_unique``, else reported
    False unless ascending) whether no segment holds one twice (segments are then checked
    on a sorted copy, one at a time)."""
    ascending = True
    longest = 0
    for r in range(indptr.size - 1):
        longest = max(longest, indptr[r + 1] - indptr[r])
        for k in range(indptr[r] + 1, indptr[r + 1]):
            if indices[k] <= indices[k - 1]:
                ascending = False
    if ascending:
        return True, True
    if not check_unique:
        return False, False
    buf = np.empty(longest, np.int64)
    for r in range(indptr.size - 1):
        m = indptr[r + 1] - indptr[r]
        for k in range(m):
            buf[k] = indices[indptr[r] + k]
        seg = np.sort(buf[:m])
        for k in range(1, m):
            if seg[k] == seg[k - 1]:
                return False, False
    return False, True


@njit(cache=True)
def fold_duplicates(indptr, indices, data, out):
    """Sum a compressed matrix's duplicate entries without moving any: ``out[k]`` is the
    sum of ``data`` over the entries of ``k``'s segment with index ``indices[k]`` where
    ``k`` is the first of them (in storage order), 0 at the others (stored zeros, which
    the synapse layouts skip). Returns how many entries were folded."""
    folded = 0
    for r in range(indptr.size - 1):
        a, b = indptr[r], indptr[r + 1]
        ordered = True
        for k in range(a + 1, b):
            if indices[k] < indices[k - 1]:
                ordered = False
                break
        if ordered:
            first = a
            for k in range(a, b):
                if k > a and indices[k] == indices[first]:
                    out[first] += data[k]
                    out[k] = 0
                    folded += 1
                else:
                    first = k
                    out[k] = data[k]
            continue
        order = np.argsort(indices[a:b], kind="mergesort")  # stable: firsts stay first
        first = a + order[0]
        out[first] = data[first]
        for q in range(1, b - a):
            k = a + order[q]
            if indices[k] == indices[first]:
                out[first] += data[k]
                out[k] = 0
                folded += 1
            else:
                first = k
                out[k] = data[k]
    return folded


@njit(cache=True)
def sort_rows_by_post(ptr, packed, post_out, w_out):
    """Sort each presynaptic neuron's synapses (``ptr`` offsets) by post, in place: the
    layout :func:`by_pre_fill` makes from a matrix whose indices do not ascend."""
    pack = packed.size > 0
    for j in range(ptr.size - 1):
        a, b = ptr[j], ptr[j + 1]
        keys = (packed[a:b] & PACK_MASK) if pack else post_out[a:b].astype(np.int64)
        done = True
        for k in range(1, b - a):
            if keys[k] < keys[k - 1]:
                done = False
                break
        if done:
            continue
        order = np.argsort(keys, kind="mergesort")
        if pack:
            packed[a:b] = packed[a:b][order]
        else:
            post_out[a:b] = post_out[a:b][order]
            w_out[a:b] = w_out[a:b][order]


@njit(cache=True)
def by_pre_fill(indptr, indices, mant, by_row, ptr, packed, post_out, w_out, row_abs):
    """Place the nonzero synapses at ``ptr`` (:func:`by_pre_indptr`), posts ascending per
    presynaptic neuron: into ``packed`` (``FMT_PACKED``) when it has room, else into
    ``post_out``/``w_out`` (``FMT_CSC``); ``row_abs[post]`` gathers ``sum |mantissa|``."""
    pos = ptr[:-1].copy()
    pack = packed.size > 0
    for r in range(indptr.size - 1):
        for k in range(indptr[r], indptr[r + 1]):
            m = mant[k]
            if m != 0:
                if by_row:
                    pre, post = indices[k], r
                else:
                    pre, post = r, indices[k]
                j = pos[pre]
                pos[pre] = j + 1
                if pack:
                    packed[j] = (np.int32(m) << PACK_SHIFT) | np.int32(post)
                else:
                    post_out[j] = post
                    w_out[j] = m
                row_abs[post] += abs(np.int64(m))
