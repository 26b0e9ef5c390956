"""Streaming (non-temporal) stores: the one hand-written low-level path in dieroll.

The model writes about 21 KB of outputs a draw into a chunk of 128 MiB that the
reducers read back once.  With ordinary stores every cache line written is
first read from memory (the core must own the line before it writes part of
it); a streaming store writes a whole 32-byte piece without reading the line
first, and leaves the caches to the reducers.  What this buys on a whole run
is measured by ``benchmarks/bench_streaming.py`` and reported in
``docs/performance.md``; it is kept because it buys more than a fifth of the
1e7 baseline run.

:func:`stream8` stores eight values with one aligned non-temporal store
(``vmovntps``); :func:`store_fence` orders such stores before the results are
read by another thread (``sfence``; x86 does not order them otherwise).  A
kernel streams only where :func:`can_stream` says the destination allows it,
and copies with ordinary stores otherwise: the numbers are the same either way
(each value is rounded to the destination's type once, as an assignment does).

**The switch.**  Streaming is on where the machine is x86-64 and off
elsewhere, and off everywhere when the environment variable
``DIEROLL_STREAMING`` is ``0`` (read at import) or :data:`ENABLED` is set
false (read at each call of :func:`can_stream`).  Off, no generated or
hand-written IR runs: kernels take their portable path.  ``make test`` runs
the kernels' tests both ways.
"""
from __future__ import annotations

import os
import platform

import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.core.errors import TypingError
from numba.extending import intrinsic

__all__ = ["STREAMING", "ENABLED", "ALIGN", "aligned_empty", "can_stream", "stream8", "store_fence"]

#: Whether this machine can stream (x86-64: ``vmovntps`` and ``sfence``).
STREAMING = platform.machine().lower() in ("x86_64", "amd64")
#: The switch: kernels stream only while this is true (``DIEROLL_STREAMING=0`` turns it off).
ENABLED = os.environ.get("DIEROLL_STREAMING", "1") != "0"
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
    for every ``j`` that is a multiple of 8: the switch on (:data:`ENABLED`), float32, C-contiguous, data aligned to
    :data:`ALIGN` bytes and a last axis that is a multiple of 8 (so every row is)."""
    return (STREAMING and ENABLED and out.dtype == np.float32 and out.flags.c_contiguous
            and out.ctypes.data % ALIGN == 0 and out.shape[-1] % 8 == 0)


def _element_ptr(context, builder, arrty, arr, i, ptrty):
    """Pointer of type ``ptrty`` to element ``i`` of the flat C array ``arr``."""
    data = context.make_array(arrty)(context, builder, arr).data
    return builder.bitcast(builder.gep(data, [i]), ptrty)


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
