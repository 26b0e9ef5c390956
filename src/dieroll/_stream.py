"""Memory hints for kernels that go through a chunk larger than the caches:
streaming (non-temporal) stores and prefetches.

The model writes 21 KB of outputs a draw into a chunk of 128 MB that the
reducers read back once.  With ordinary stores every cache line written is
first read from memory (the core must own the line before it writes part of
it), and the writes, 256 bytes here and 256 bytes there across the chunk,
stall the core while those reads wait for memory: on the 2-core development
machine the model kernel took 3.40-3.50 us a draw writing a chunk of 1,536
draws and 1.87-1.89 us with the streaming stores below (the same bits; a
whole phase-two draw through sampling, model and reducers 6.92-7.44 ->
6.33-6.92 us, alternating in one process).  A streaming store writes a whole
32-byte piece without reading the line first, and leaves the caches to the
reducers' counters.

:func:`stream8` stores eight values with one aligned non-temporal store
(``vmovntps``); :func:`store_fence` orders such stores before the results are
read by another thread (``sfence``; x86 does not order them otherwise).  A
kernel streams only where :func:`can_stream` says the destination allows it,
and copies with ordinary stores otherwise: the numbers are the same either
way (each value is rounded to the destination's type once, as an assignment
does).  On a machine that is not x86-64 :data:`STREAMING` is false and
nothing streams.

:func:`prefetch` asks for a line before it is needed: the reducers read each
row of the chunk from memory once, and while they count one row they ask for
the next (``prefetcht1``), so that its lines arrive during the counting
instead of after it (phase-two reducers 2.86-2.90 -> 2.58-2.61 us a draw,
``benchmarks/bench_reducer.py``, alternating; a whole phase-two draw 6.07-6.83
-> 5.61-6.24 us in five alternating pairs).  A prefetch changes no value.
"""
from __future__ import annotations

import platform

import numpy as np
from llvmlite import binding as llvm
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.core.errors import TypingError
from numba.extending import intrinsic

__all__ = ["STREAMING", "ALIGN", "aligned_empty", "can_stream", "stream8", "store_fence", "prefetch"]

#: Whether this machine streams (x86-64: ``vmovntps`` and ``sfence``).
STREAMING = platform.machine().lower() in ("x86_64", "amd64")
#: Bytes of alignment a streamed piece of eight values needs (a float32 piece is 32 bytes).
ALIGN = 32


def aligned_empty(shape, dtype, align: int = 64) -> np.ndarray:
    """``np.empty(shape, dtype)`` whose data starts at a multiple of ``align`` bytes.

    numpy aligns large arrays to 16 bytes only; a streamed piece needs 32.
    """
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    raw = np.empty(nbytes + align, np.uint8)
    off = -raw.ctypes.data % align
    return raw[off:off + nbytes].view(dtype).reshape(shape)


def can_stream(out: np.ndarray) -> bool:
    """Whether a kernel may stream eight values at a time into ``out[..., j:j + 8]``
    for every ``j`` that is a multiple of 8: float32, C-contiguous, data aligned to
    :data:`ALIGN` bytes and a last axis that is a multiple of 8 (so every row is)."""
    return (STREAMING and out.dtype == np.float32 and out.flags.c_contiguous
            and out.ctypes.data % ALIGN == 0 and out.shape[-1] % 8 == 0)


def _element_ptr(context, builder, arrty, arr, i, ptrty):
    """Pointer of type ``ptrty`` to element ``i`` of the flat C array ``arr``."""
    data = context.make_array(arrty)(context, builder, arr).data
    return builder.bitcast(builder.gep(data, [i]), ptrty)


#: LLVM's name for its prefetch intrinsic: mangled by the pointer type, which is
#: ``ptr`` from LLVM 15 on (opaque pointers) and ``i8*`` before.
_PREFETCH = "llvm.prefetch.p0" if llvm.llvm_version_info >= (15,) else "llvm.prefetch.p0i8"


@intrinsic
def stream8(typingctx, dst, di, src, si):
    """``dst.flat[di:di + 8] = src.flat[si:si + 8]`` (rounded to ``dst``'s type) with one
    non-temporal store.  ``dst`` must be a float32 C-contiguous array and the
    piece must start at a multiple of :data:`ALIGN` bytes (see :func:`can_stream`);
    ``src`` a float32 or float64 contiguous array.  No bounds are checked."""
    ok = (isinstance(dst, types.Array) and isinstance(src, types.Array) and dst.layout == "C"
          and src.layout == "C" and dst.dtype == types.float32 and src.dtype in (types.float32, types.float64)
          and isinstance(di, types.Integer) and isinstance(si, types.Integer))
    if not ok:
        raise TypingError(f"stream8 takes a float32 C array, an index, a float C array and an index, "
                          f"got {dst}, {di}, {src}, {si}")
    sig = types.void(dst, di, src, si)

    def codegen(context, builder, signature, args):
        dst_v, di_v, src_v, si_v = args
        sty = context.get_value_type(signature.args[2].dtype)
        vs, vd = ir.VectorType(sty, 8), ir.VectorType(ir.FloatType(), 8)
        p = _element_ptr(context, builder, signature.args[2], src_v, si_v, vs.as_pointer())
        v = builder.load(p, align=signature.args[2].dtype.bitwidth // 8)
        if isinstance(sty, ir.DoubleType):
            v = builder.fptrunc(v, vd)
        q = _element_ptr(context, builder, signature.args[0], dst_v, di_v, vd.as_pointer())
        st = builder.store(v, q, align=ALIGN)
        st.set_metadata("nontemporal", builder.module.add_metadata([ir.Constant(ir.IntType(32), 1)]))
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def store_fence(typingctx):
    """Order the streamed stores before everything after (``sfence`` on x86-64; a
    sequentially consistent fence elsewhere)."""
    sig = types.void()

    def codegen(context, builder, signature, args):
        if STREAMING:
            fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), []),
                                                "llvm.x86.sse.sfence")
            builder.call(fn, [])
        else:
            builder.fence("seq_cst")
        return context.get_dummy_value()

    return sig, codegen


def emit_prefetch(builder, ptr):
    """Emit a ``prefetcht1`` of the line holding ``ptr`` (any pointer) at ``builder``:
    the IR :func:`prefetch` generates, for other intrinsics' loops."""
    i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
    fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]),
                                        _PREFETCH)
    # read (0), locality 2 (prefetcht1), data cache (1)
    builder.call(fn, [builder.bitcast(ptr, i8p), ir.Constant(i32, 0), ir.Constant(i32, 2), ir.Constant(i32, 1)])


@intrinsic
def prefetch(typingctx, a, i):
    """Ask for the cache line holding ``a.flat[i]`` to be brought into the caches
    (``prefetcht1``: a hint, it waits for nothing and changes no value).  No
    bounds are checked; a prefetch of an address outside ``a`` does nothing."""
    if not (isinstance(a, types.Array) and a.layout == "C" and isinstance(i, types.Integer)):
        raise TypingError(f"prefetch takes a C array and an index, got {a}, {i}")
    sig = types.void(a, i)

    def codegen(context, builder, signature, args):
        emit_prefetch(builder, _element_ptr(context, builder, signature.args[0], args[0], args[1],
                                            ir.IntType(8).as_pointer()))
        return context.get_dummy_value()

    return sig, codegen
