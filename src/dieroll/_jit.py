"""The one decorator spelling for numba kernels in dieroll.

``@kernel`` compiles a function with ``numba.njit`` with the project's settings:
on-disk cache (so that a second process starts fast), numpy's error model (a
division by zero gives ``inf``/``nan`` as in numpy rather than raising) and no
``fastmath`` (reassociation would break bit-reproducibility).
``@kernel(parallel=True)`` adds ``prange`` parallelism.
"""
from __future__ import annotations

import numba

__all__ = ["kernel"]


def kernel(fn=None, *, parallel: bool = False, inline: bool = False):
    """Compile ``fn`` as a dieroll kernel (see module docstring).

    ``inline=True`` inlines the function into its callers at numba's IR level:
    for small helpers that take arrays and run per value, where a call would
    cost more than the work (array arguments are reference counted per call).
    """
    deco = numba.njit(cache=True, error_model="numpy", parallel=parallel, fastmath=False,
                      inline="always" if inline else "never")
    return deco if fn is None else deco(fn)
