"""The one decorator spelling for numba kernels in dieroll.

``@kernel`` compiles a function with ``numba.njit`` with the project's settings:
on-disk cache (so that a second process starts fast), numpy's error model (a
division by zero gives ``inf``/``nan`` as in numpy rather than raising) and no
``fastmath`` (reassociation would break bit-reproducibility).
``@kernel(parallel=True)`` adds ``prange`` parallelism.

The on-disk cache lives in a folder named for a hash of dieroll's own source
(``~/.cache/dieroll/numba/<hash>``, or under ``$XDG_CACHE_HOME``): numba checks
only the timestamp of the file that defines a kernel, so after an update that
changes a kernel it calls from another file it would otherwise load stale
machine code.  A ``NUMBA_CACHE_DIR`` set by the user is respected.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numba


def _cache_dir(src: Path | None = None) -> str:
    """The numba cache folder for the package source under ``src`` (default: dieroll's)."""
    src = Path(__file__).resolve().parent if src is None else Path(src)
    h = hashlib.sha256()
    for f in sorted(src.rglob("*.py")):
        h.update(str(f.relative_to(src)).encode())
        h.update(f.read_bytes())
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return str(base / "dieroll" / "numba" / h.hexdigest()[:16])


if not os.environ.get("NUMBA_CACHE_DIR"):
    numba.config.CACHE_DIR = _cache_dir()

__all__ = ["kernel"]


def kernel(fn=None, *, parallel: bool = False, inline: bool = False, no_nan: bool = False):
    """Compile ``fn`` as a dieroll kernel (see module docstring).

    ``inline=True`` inlines the function into its callers at numba's IR level:
    for small helpers that take arrays and run per value, where a call would
    cost more than the work (array arguments are reference counted per call).
    ``no_nan=True`` lets the compiler assume no ``nan`` and ignore the sign of
    zero (the only fast-math flags dieroll uses, never reassociation): for
    order-free reductions such as min and max, which it then vectorises.
    """
    fastmath = {"nnan", "nsz"} if no_nan else False
    deco = numba.njit(cache=True, error_model="numpy", parallel=parallel, fastmath=fastmath,
                      inline="always" if inline else "never")
    return deco if fn is None else deco(fn)

