"""Locating float32 values in a row's quantile windows, eight at a time.

The reducers' *locate* step (:mod:`dieroll.engine._reduce`) finds the counter
cell of every value of a row: gap 0, window 0's bins, gap 1, ..., the top gap.
Written per window slot (``t_k = (x - lo_k) inv_k``, clamped to ``-1`` below
and ``nbins_k`` above, summed over the slots) it takes six vector
instructions per value and slot.  Here the windows are first *counted*::

    j    = number of windows k with lo_k <= x          (0 .. 7)
    cell = base[j] + int(min((x - lo[j]) * inv[j], nbins[j]))

where entry ``j`` of the row's table (:func:`tables`) holds window ``j - 1``:
its lower edge, ``nbins / (hi - lo)``, its number of bins and the cell of its
first bin; entry 0 (below every window) has ``lo = inv = nbins = base = 0``.
A value at or above a window's upper edge gets ``nbins``, which is the gap
above it.  Two instructions per slot (compare, add) and one lookup per table
entry: a lookup in an eight-entry table by a vector of indices is one
variable permute (``vpermd``/``vpermps`` on AVX2), which the loop vectoriser
does not emit from Python, so :func:`locate_row` writes the loop in LLVM IR.
The IR is generic (vector ``extractelement``/``insertelement`` with
variable indices, which LLVM turns into permutes where the machine has
them), so the same numbers come out on every machine.

Lower edges are exact (``x >= lo`` is compared, not computed); a value within
a few thousandths of a bin of an upper or inner edge may be counted in the
neighbouring cell, as before (see :mod:`dieroll.engine.reduce`), though less
often: ``t`` is rounded once, where the per-slot formula also rounds its sum
of slots at the size of the cell index.  On the baseline's first 65,536
draws the two formulas put 6,082 of 318 million values (2 in 100,000) in
neighbouring cells, each at a bin edge.  ``nan`` and ``-inf`` go to gap 0,
``+inf`` to the top gap.

The locate step takes 0.17 instead of 0.21-0.22 ns a value (two threads,
rows in the L3 cache), and the phase-two reducers of a 1e7 run 2.38 instead
of 2.66 us a draw (``Reducer`` with and without tables fed the same chunks
alternately, medians of 30).  Tables serve float32 rows with at most seven
windows (runs with seven quantiles or fewer); other rows keep the per-slot
formula.
"""
from __future__ import annotations

import platform

import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.core.errors import TypingError
from numba.extending import intrinsic, overload

from .._stream import emit_prefetch

__all__ = ["SLOTS", "COMPACT", "tables", "locate_row", "locate", "locate_compact_row", "locate_compact"]

#: Windows a table holds (entry 0 is below every window): one 8-lane permute.
SLOTS = 7
_V = 8  # lanes


def tables(win: np.ndarray) -> np.ndarray:
    """Lookup tables ``(R, 4, 8)`` float32 for window slots ``win (R, K, 3)`` (``lo, inv,
    nbins`` per slot; unused slots have ``lo = +inf``; see :mod:`dieroll.engine._reduce`).

    Rows ``[lo, inv, nbins, base]`` of eight entries; entry ``k + 1`` is window
    ``k``, entry 0 is below every window; ``base`` holds int32 bits.  Unused
    slots get ``lo = nan``, which no value is at or above.
    """
    R, K = win.shape[:2]
    if K > SLOTS and np.isfinite(win[:, SLOTS:, 0]).any():
        raise ValueError(f"a lookup table holds at most {SLOTS} windows")
    lo = win[:, :SLOTS, 0].astype(np.float64)
    used = np.isfinite(lo)
    nb = np.where(used, win[:, :SLOTS, 2], 0).astype(np.int64)
    first_bin = np.cumsum(nb + used, axis=1) - (nb + used) + 1  # cell of each window's first bin
    out = np.zeros((R, 4, _V), np.float32)
    k = min(K, SLOTS)
    out[:, 0, 1:1 + k] = np.where(used, lo, np.nan)[:, :k]
    out[:, 1, 1:1 + k] = np.where(used, win[:, :k, 1], 0.0)
    out[:, 2, 1:1 + k] = nb[:, :k]
    out[:, 3].view(np.int32)[:, 1:1 + k] = np.where(used, first_bin, 0)[:, :k]
    return out


def _splat(builder, scalar, vty):
    v = builder.insert_element(ir.Constant(vty, ir.Undefined), scalar, ir.Constant(ir.IntType(32), 0))
    return builder.shuffle_vector(v, ir.Constant(vty, ir.Undefined), ir.Constant(ir.VectorType(ir.IntType(32), _V),
                                                                                   [0] * _V))


def _lookup(builder, table, j):
    """Lane ``l`` of the result is ``table[j[l]]`` (a variable permute)."""
    i32 = ir.IntType(32)
    res = ir.Constant(table.type, ir.Undefined)
    for lane in range(_V):
        jl = builder.extract_element(j, ir.Constant(i32, lane))
        res = builder.insert_element(res, builder.extract_element(table, jl), ir.Constant(i32, lane))
    return res


def _padded_tail(builder, rp, full, n):
    """The last ``n - full`` (< 8) values at ``rp`` as eight lanes, ``nan`` in the rest
    (a nan is below every window and in no window)."""
    vf = ir.VectorType(ir.FloatType(), _V)
    xbuf = cgutils.alloca_once(builder, vf)
    builder.store(ir.Constant(vf, [float("nan")] * _V), xbuf)
    xs = builder.bitcast(xbuf, ir.FloatType().as_pointer())
    with cgutils.for_range_slice(builder, full, n, ir.Constant(n.type, 1)) as (i, k):
        builder.store(builder.load(builder.gep(rp, [i])), builder.gep(xs, [k]))
    return builder.load(xbuf)


def _load_table(builder, ta):
    """A row's table as four eight-lane vectors (``lo``, ``inv``, ``nbins`` as floats,
    ``base`` as int32) and its seven lower edges, each splatted."""
    f32, i32 = ir.FloatType(), ir.IntType(32)
    vf, vi = ir.VectorType(f32, _V), ir.VectorType(i32, _V)
    tp = builder.bitcast(ta.data, vf.as_pointer())
    lo, inv, nb, base = (builder.load(builder.gep(tp, [ir.Constant(i32, k)]), align=4) for k in range(4))
    edges = [_splat(builder, builder.extract_element(lo, ir.Constant(i32, k)), vf) for k in range(1, SLOTS + 1)]
    return lo, inv, nb, builder.bitcast(base, vi), edges


def _find(builder, x, tab, on_compare=None):
    """For eight values ``x``: ``j`` (windows at or below each), ``t`` (the position in
    window ``j - 1``'s bins, not clamped) and that window's ``nbins``.  ``on_compare(k, s)``
    sees each comparison with edge ``k`` (``s``: -1 where ``x >= lo_k``, else 0)."""
    lo, inv, nb, _, edges = tab
    vi = ir.VectorType(ir.IntType(32), _V)
    j = ir.Constant(vi, [0] * _V)
    for k, e in enumerate(edges):
        s = builder.sext(builder.fcmp_ordered(">=", x, e), vi)  # true is -1
        j = builder.sub(j, s)
        if on_compare is not None:
            on_compare(k, s)
    t = builder.fmul(builder.fsub(x, _lookup(builder, lo, j)), _lookup(builder, inv, j))
    return j, t, _lookup(builder, nb, j)


@intrinsic
def locate_row(typingctx, row, table, idx):
    """``idx[i] = cell of row[i]`` for every ``i`` (see the module docstring).

    ``row``: a contiguous float32 array; ``table``: the row's ``(4, 8)`` float32
    C array from :func:`tables`; ``idx``: a uint32 array at least as long as
    ``row``.  No bounds are checked.
    """
    ok = (isinstance(row, types.Array) and row.ndim == 1 and row.layout == "C" and row.dtype == types.float32
          and isinstance(table, types.Array) and table.layout == "C" and table.dtype == types.float32
          and isinstance(idx, types.Array) and idx.ndim == 1 and idx.layout == "C" and idx.dtype == types.uint32)
    if not ok:
        raise TypingError(f"locate_row takes a contiguous float32 row, a (4, 8) float32 C table and a uint32 "
                          f"C array, got {row}, {table}, {idx}")
    sig = types.void(row, table, idx)

    def codegen(context, builder, signature, args):
        f32, i32 = ir.FloatType(), ir.IntType(32)
        vf, vi = ir.VectorType(f32, _V), ir.VectorType(i32, _V)
        ra = context.make_array(signature.args[0])(context, builder, args[0])
        ta = context.make_array(signature.args[1])(context, builder, args[1])
        ia = context.make_array(signature.args[2])(context, builder, args[2])
        n = cgutils.unpack_tuple(builder, ra.shape, 1)[0]
        tab = _load_table(builder, ta)

        def cells(x):
            j, t, nbj = _find(builder, x, tab)
            t = builder.select(builder.fcmp_ordered("<", t, nbj), t, nbj)  # nan (j = 0, x = +-inf) -> 0
            return builder.add(_lookup(builder, tab[3], j), builder.fptosi(t, vi))

        rp = builder.bitcast(ra.data, f32.as_pointer())
        ip = builder.bitcast(ia.data, i32.as_pointer())
        step = ir.Constant(n.type, _V)
        full = builder.mul(builder.udiv(n, step), step)
        with cgutils.for_range_slice(builder, ir.Constant(n.type, 0), full, step) as (i, _):
            x = builder.load(builder.bitcast(builder.gep(rp, [i]), vf.as_pointer()), align=4)
            builder.store(cells(x), builder.bitcast(builder.gep(ip, [i]), vi.as_pointer()), align=4)
        # the last n % 8 values, through an eight-value buffer (nan elsewhere): the same arithmetic
        cbuf = cgutils.alloca_once(builder, vi)
        cs = builder.bitcast(cbuf, i32.as_pointer())
        builder.store(cells(_padded_tail(builder, rp, full, n)), cbuf)
        with cgutils.for_range_slice(builder, full, n, ir.Constant(n.type, 1)) as (i, k):
            builder.store(builder.load(builder.gep(cs, [k])), builder.gep(ip, [i]))
        return context.get_dummy_value()

    return sig, codegen


def locate(row, table, idx):
    """:func:`locate_row` for float32 rows, in a kernel that is also compiled for
    float64 rows, where it does nothing: such a kernel must not call it for
    float64 rows (the reducers make tables for float32 rows only and use the
    per-slot formula otherwise).  A raise here would stop numba running the
    kernel's threads in parallel."""
    raise NotImplementedError("locate is called from numba kernels")


@overload(locate, inline="always")
def _locate_overload(row, table, idx):
    if isinstance(row, types.Array) and row.dtype == types.float32:
        return lambda row, table, idx: locate_row(row, table, idx)
    return lambda row, table, idx: None


# --- locating with the gaps counted in registers ----------------------------------------
#
# After the narrowing most values of a row fall in the gaps between its windows
# (in the baseline about three quarters on average, 96 % in the median row), and counting them one increment at a time is
# the reducers' largest cost.  :func:`locate_compact_row` counts them without
# a store: the seven comparisons ``x >= lo_k`` that find ``j`` are also added
# up, per window, into ``above[k]`` (the values at or above window ``k - 1``'s
# lower edge), and only the cells of values inside a window are written, packed
# to the front of ``idx`` (a lookup in a 256-entry table of lane orders by the
# eight in-window bits, one variable permute, one store).  The gaps' counts
# follow from ``above`` and the windows' counts (:func:`dieroll.engine._reduce._count_compact`);
# the counts are the same as cell by cell.

def _pack_orders() -> np.ndarray:
    """For each 8-bit mask, the lanes whose bit is set, in order, then zeros."""
    out = np.zeros((256, _V), np.int32)
    for b in range(256):
        lanes = [k for k in range(_V) if b >> k & 1]
        out[b, :len(lanes)] = lanes
    return out


_PACK = _pack_orders()


def _has_permd() -> bool:
    """Whether numba compiles for this machine's CPU and it has AVX2's ``vpermd``."""
    import numba
    from llvmlite import binding
    if numba.config.CPU_NAME not in (None, "host") or platform.machine().lower() not in ("x86_64", "amd64"):
        return False
    try:
        return bool(binding.get_host_cpu_features().get("avx2"))
    except RuntimeError:
        return False


#: Whether :func:`locate_compact_row` packs with ``vpermd`` (x86-64 with AVX2, compiled for
#: the host).  LLVM turns the generic packing into eight scalar loads and inserts, which
#: costs more than it saves, so the reducers use the compact path only where this holds.
COMPACT = _has_permd()


@intrinsic
def locate_compact_row(typingctx, row, table, idx, above, nxt):
    """Locate every value of ``row`` like :func:`locate_row`, but write to
    ``idx[0:m]`` only the cells of values inside a window (in order) and return
    ``m``; ``above[k]`` (``k = 1 .. 7``) becomes the number of values at or
    above table entry ``k``'s lower edge (``above[0]`` is left alone).
    ``idx`` needs room for ``len(row) + 8`` cells.  Lines of ``nxt`` (the next
    row, of ``row``'s length) are prefetched along the way.  No bounds are
    checked."""
    ok = (isinstance(row, types.Array) and row.ndim == 1 and row.layout == "C" and row.dtype == types.float32
          and isinstance(table, types.Array) and table.layout == "C" and table.dtype == types.float32
          and isinstance(idx, types.Array) and idx.ndim == 1 and idx.layout == "C" and idx.dtype == types.uint32
          and isinstance(above, types.Array) and above.ndim == 1 and above.layout == "C"
          and above.dtype == types.int64
          and isinstance(nxt, types.Array) and nxt.ndim == 1 and nxt.layout == "C" and nxt.dtype == types.float32)
    if not ok:
        raise TypingError(f"locate_compact_row takes contiguous float32 rows, a (4, 8) float32 C table, a uint32 "
                          f"and an int64 C array, got {row}, {table}, {idx}, {above}, {nxt}")
    sig = types.int64(row, table, idx, above, nxt)

    def codegen(context, builder, signature, args):
        f32, i32, i64, i8 = ir.FloatType(), ir.IntType(32), ir.IntType(64), ir.IntType(8)
        vf, vi = ir.VectorType(f32, _V), ir.VectorType(i32, _V)
        ra = context.make_array(signature.args[0])(context, builder, args[0])
        ta = context.make_array(signature.args[1])(context, builder, args[1])
        ia = context.make_array(signature.args[2])(context, builder, args[2])
        aa = context.make_array(signature.args[3])(context, builder, args[3])
        na = context.make_array(signature.args[4])(context, builder, args[4])
        n = cgutils.unpack_tuple(builder, ra.shape, 1)[0]
        tab = _load_table(builder, ta)
        pack = cgutils.global_constant(builder.module, "dieroll_locate_pack",
                                       ir.Constant(ir.ArrayType(vi, 256),
                                                   [ir.Constant(vi, [int(v) for v in r]) for r in _PACK]))
        zero = ir.Constant(vi, [0] * _V)
        accs = []
        for _ in range(SLOTS):
            slot = cgutils.alloca_once(builder, vi)
            builder.store(zero, slot)
            accs.append(slot)
        m = cgutils.alloca_once_value(builder, ir.Constant(i64, 0))
        ip = builder.bitcast(ia.data, i32.as_pointer())
        ctpop = cgutils.get_or_insert_function(builder.module, ir.FunctionType(i8, [i8]), "llvm.ctpop.i8")
        if COMPACT:
            permd = cgutils.get_or_insert_function(builder.module, ir.FunctionType(vi, [vi, vi]), "llvm.x86.avx2.permd")

        def one(x):
            j, t, nbj = _find(builder, x, tab,
                              lambda k, s: builder.store(builder.sub(builder.load(accs[k]), s), accs[k]))
            inwin = builder.fcmp_ordered("<", t, nbj)  # nan (j = 0, x = +-inf) is a gap
            t = builder.select(inwin, t, nbj)
            cell = builder.add(_lookup(builder, tab[3], j), builder.fptosi(t, vi))
            bits = builder.bitcast(inwin, i8)
            order = builder.load(builder.gep(pack, [ir.Constant(i32, 0), builder.zext(bits, i32)]), align=32)
            at = builder.load(m)
            packed = builder.call(permd, [cell, order]) if COMPACT else _lookup(builder, cell, order)
            builder.store(packed, builder.bitcast(builder.gep(ip, [at]), vi.as_pointer()), align=4)
            builder.store(builder.add(at, builder.zext(builder.call(ctpop, [bits]), i64)), m)

        rp = builder.bitcast(ra.data, f32.as_pointer())
        npf = builder.bitcast(na.data, f32.as_pointer())
        step = ir.Constant(n.type, _V)
        full = builder.mul(builder.udiv(n, step), step)
        with cgutils.for_range_slice(builder, ir.Constant(n.type, 0), full, step) as (i, _):
            # the next row's line (two calls a line: a hint, the second finds it asked for)
            emit_prefetch(builder, builder.gep(npf, [i]))
            one(builder.load(builder.bitcast(builder.gep(rp, [i]), vf.as_pointer()), align=4))
        one(_padded_tail(builder, rp, full, n))  # the last n % 8 values (nan elsewhere: counted nowhere)
        # the windows' totals
        ap = builder.bitcast(aa.data, i64.as_pointer())
        for k in range(SLOTS):
            v = builder.load(accs[k])
            tot = ir.Constant(i64, 0)
            for lane in range(_V):
                tot = builder.add(tot, builder.sext(builder.extract_element(v, ir.Constant(i32, lane)), i64))
            builder.store(tot, builder.gep(ap, [ir.Constant(i32, k + 1)]))
        return builder.load(m)

    return sig, codegen


def locate_compact(row, table, idx, above, nxt):
    """:func:`locate_compact_row` for float32 rows, in a kernel also compiled for float64
    rows, where it returns 0 (such a kernel must not call it for them; see :func:`locate`)."""
    raise NotImplementedError("locate_compact is called from numba kernels")


@overload(locate_compact, inline="always")
def _locate_compact_overload(row, table, idx, above, nxt):
    if isinstance(row, types.Array) and row.dtype == types.float32:
        return lambda row, table, idx, above, nxt: locate_compact_row(row, table, idx, above, nxt)
    return lambda row, table, idx, above, nxt: 0
