"""Adding whole groups of a float32 row to the reducers' lane sums, in registers.

The reducers keep a row's sum and sum of squares in ``LANES`` lanes by absolute
draw index (:func:`dieroll.engine._reduce._sums`): draw ``d`` adds
``x - shift`` to lane ``d % LANES`` and its square to lane ``LANES + d % LANES``,
``x`` widened to float64 first.  Written in Python the loop over a group's
lanes is vectorised, but the lanes stay in memory: every group loads all 64
lanes and stores them back, and the next group waits for those stores.  Here
the loop is written in LLVM IR with the lanes held in vector registers
(eight ``<8 x double>``) from the first group to the last, loaded once and
stored once a call.

Each lane adds the same values in the same order, with the same operations
(widen, subtract, multiply, add; nothing fused or reassociated), so the sums
are the same, bit for bit, as :func:`dieroll.engine._reduce._groups`.  The IR
is generic vector IR, which LLVM lowers to whatever vectors the machine has.
"""
from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.core.errors import TypingError
from numba.extending import intrinsic

__all__ = ["add_groups"]

_V = 8  # doubles a vector


def lanes_ir(lanes: int):
    """``add_groups`` for ``lanes`` lanes (a multiple of 8)."""
    if lanes % _V:
        raise ValueError(f"lanes must be a multiple of {_V}, got {lanes}")
    nv = lanes // _V

    @intrinsic
    def add_groups(typingctx, seg, shift, acc):
        """Add ``seg[g * LANES + k] - shift`` to ``acc[k]`` and its square to
        ``acc[LANES + k]`` for every whole group ``g`` of ``seg`` (its length is a
        multiple of ``LANES``; a tail is ignored).  ``seg``: contiguous float32;
        ``shift``: float64; ``acc``: contiguous float64 of ``2 LANES``.  No bounds
        are checked."""
        ok = (isinstance(seg, types.Array) and seg.ndim == 1 and seg.layout == "C" and seg.dtype == types.float32
              and isinstance(shift, types.Float)
              and isinstance(acc, types.Array) and acc.ndim == 1 and acc.layout == "C"
              and acc.dtype == types.float64)
        if not ok:
            raise TypingError(f"add_groups takes a contiguous float32 row, a float shift and a contiguous "
                              f"float64 array of lanes, got {seg}, {shift}, {acc}")
        sig = types.void(seg, types.float64, acc)

        def codegen(context, builder, signature, args):
            f32, f64, i32 = ir.FloatType(), ir.DoubleType(), ir.IntType(32)
            vf, vd = ir.VectorType(f32, _V), ir.VectorType(f64, _V)
            sa = context.make_array(signature.args[0])(context, builder, args[0])
            aa = context.make_array(signature.args[2])(context, builder, args[2])
            n = cgutils.unpack_tuple(builder, sa.shape, 1)[0]
            sh = builder.insert_element(ir.Constant(vd, ir.Undefined), args[1], ir.Constant(i32, 0))
            sh = builder.shuffle_vector(sh, ir.Constant(vd, ir.Undefined),
                                        ir.Constant(ir.VectorType(i32, _V), [0] * _V))
            ap = builder.bitcast(aa.data, vd.as_pointer())
            # the lanes in allocas of the entry block: promoted to registers by mem2reg
            regs = []
            for k in range(2 * nv):
                slot = cgutils.alloca_once(builder, vd)
                builder.store(builder.load(builder.gep(ap, [ir.Constant(i32, k)]), align=8), slot)
                regs.append(slot)
            sp = builder.bitcast(sa.data, f32.as_pointer())
            group = ir.Constant(n.type, lanes)
            full = builder.mul(builder.udiv(n, group), group)
            with cgutils.for_range_slice(builder, ir.Constant(n.type, 0), full, group) as (i, _):
                for k in range(nv):
                    p = builder.gep(sp, [builder.add(i, ir.Constant(n.type, k * _V))])
                    x = builder.fpext(builder.load(builder.bitcast(p, vf.as_pointer()), align=4), vd)
                    d = builder.fsub(x, sh)
                    builder.store(builder.fadd(builder.load(regs[k]), d), regs[k])
                    builder.store(builder.fadd(builder.load(regs[nv + k]), builder.fmul(d, d)), regs[nv + k])
            for k in range(2 * nv):
                builder.store(builder.load(regs[k]), builder.gep(ap, [ir.Constant(i32, k)]), align=8)
            return context.get_dummy_value()

        return sig, codegen

    return add_groups
