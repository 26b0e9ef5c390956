"""Philox4x32-10 counter-based random numbers (Salmon et al., SC'11) for numba.

Every uniform the engine draws is a pure function of
``(seed, stream, draw, step)``: the counter is ``(draw_lo, draw_hi, step, stream)``
and the key is ``(seed_lo, seed_hi)``.  ``stream`` identifies a quantity (a stable
32-bit hash of its name, so scenarios that share a quantity share its random
numbers) and ``step`` a time step, a path knot or a purpose.  Checked against the
Random123 known-answer vectors in the tests.

The functions are inlined into their callers, so that a loop over draws with
everything else fixed is vectorised (four 32x32-bit products per AVX2
instruction).
"""
from __future__ import annotations

import numpy as np

from .._jit import kernel

_M0 = np.uint64(0xD2511F53)
_M1 = np.uint64(0xCD9E8D57)
_W0 = np.uint64(0x9E3779B9)
_W1 = np.uint64(0xBB67AE85)
_MASK = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)
_TWO53 = 9007199254740992.0


@kernel(inline=True)
def philox4x32(c0, c1, c2, c3, k0, k1):
    """Ten Philox rounds on a 4x32-bit counter with a 2x32-bit key.

    Arguments are ``uint64`` holding 32-bit values; returns four such values.
    """
    for r in range(10):
        if r > 0:
            k0 = (k0 + _W0) & _MASK
            k1 = (k1 + _W1) & _MASK
        p0 = _M0 * c0
        p1 = _M1 * c2
        hi0 = p0 >> _S32
        lo0 = p0 & _MASK
        hi1 = p1 >> _S32
        lo1 = p1 & _MASK
        c0, c1, c2, c3 = hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0
    return c0, c1, c2, c3


@kernel(inline=True)
def _open01(a, b):
    # 53 random bits from two 32-bit words, mapped to the open interval (0, 1).
    k = ((a >> np.uint64(5)) << np.uint64(26)) | (b >> np.uint64(6))
    return (np.float64(k) + 0.5) / _TWO53


@kernel(inline=True)
def uniform2(seed, stream, draw, step):
    """Two independent uniforms in (0, 1) for ``(seed, stream, draw, step)``.

    Parameters are integers: ``seed`` < 2**64, ``stream`` and ``step`` < 2**32,
    ``draw`` < 2**64.
    """
    s = np.uint64(seed)
    d = np.uint64(draw)
    x0, x1, x2, x3 = philox4x32(d & _MASK, d >> _S32, np.uint64(step) & _MASK,
                                np.uint64(stream) & _MASK, s & _MASK, s >> _S32)
    return _open01(x0, x1), _open01(x2, x3)
