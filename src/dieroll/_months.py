"""Month-by-month helpers shared by every model kernel: paths on the time grid, inputs by draw.

:func:`paths_month` interpolates every path input for one month of a block of
draws, and :func:`by_draw` lays a block's inputs out draw-innermost; the
model kernels generated from model files (:mod:`dieroll.modelfile.codegen`)
call them, so that a path's values are the same bits in every model.
:func:`paths_on_grid` is the plain-numpy interpolation the tests check them against.
"""
from __future__ import annotations

import math
from collections import namedtuple

import numpy as np

from ._jit import kernel

__all__ = ["PathGrid", "by_draw", "paths_month", "paths_by_month", "paths_on_grid"]

#: The paths on a run's months: knots ``nk (P,)`` at offset ``koff (P,)`` of the knot
#: vector, interpolation ``interp (P,)`` (0 linear, 1 log-linear, 2 step), and for each
#: month the left knot ``seg (P, T)`` and the fraction towards the next ``frac (P, T)``.
PathGrid = namedtuple("PathGrid", "koff nk interp seg frac")


@kernel(inline=True)
def by_draw(src, j0, nb, dst):
    """Copy rows ``j0 .. j0 + nb - 1`` of ``src (n, Q)`` to ``dst[q, draw - j0]``, so that
    the loops over a block's draws read with unit stride and are vectorised."""
    for q in range(src.shape[1]):
        for j in range(nb):
            dst[q, j] = src[j0 + j, q]


@kernel(inline=True)
def paths_month(t, nb, grid, kb, pv, rat, step):
    """Every path of the block's draws in month ``t``: ``pv[path, draw]`` (last month's values in).

    Before the first knot a path holds its first value, after the last its last;
    between knots ``i`` and ``i + 1`` (fraction ``f``) a linear path is
    ``a + f (b - a)``, a step path ``a``, a log-linear path ``exp(log a + f log(b / a))``:
    log-linear paths take ``exp`` where a segment starts and then multiply by
    the segment's monthly ratio (``rat[2 p]`` holds path ``p``'s log ratio of the
    segment's knots, ``rat[2 p + 1]`` the monthly ratio, ``step[p]`` the
    monthly step of its fraction).  Months are equally spaced, so the
    interpolation fraction grows by the same step each month (to rounding,
    checked to 1e-15; otherwise the ratio is taken afresh).  The product
    differs from ``exp`` by a few units in the last place per month.  The
    block's knots are in ``kb[knot, draw]`` (:func:`by_draw`), the paths' months in
    ``grid`` (:data:`PathGrid`).
    """
    pa_koff, pa_nk, pa_interp, pa_seg, pa_frac = grid
    for p in range(pv.shape[0]):
        ko = pa_koff[p]
        nk = pa_nk[p]
        mode = pa_interp[p]
        i = pa_seg[p, t]
        f = pa_frac[p, t]
        if t == 0:
            step[p] = -1.0
        if nk == 1 or f <= 0.0:
            for j in range(nb):
                pv[p, j] = kb[ko + i, j]
        elif f >= 1.0:
            for j in range(nb):
                pv[p, j] = kb[ko + i + 1, j]
        elif mode == 0:
            for j in range(nb):
                a = kb[ko + i, j]
                pv[p, j] = a + f * (kb[ko + i + 1, j] - a)
        elif mode == 1:
            prev = pa_frac[p, t - 1] if t > 0 else 0.0
            df = f - prev
            if t > 1 and pa_seg[p, t - 1] == i and prev > 0.0 and abs(df - step[p]) <= 1e-15:
                # same segment and step as last month: multiply by the monthly ratio
                for j in range(nb):
                    pv[p, j] = pv[p, j] * rat[2 * p + 1, j]
            elif t > 0 and pa_seg[p, t - 1] == i and prev > 0.0:
                # second month of a segment: the ratio for this step
                step[p] = df
                for j in range(nb):
                    r = math.exp(rat[2 * p, j] * df)
                    rat[2 * p + 1, j] = r
                    pv[p, j] = pv[p, j] * r
            else:
                step[p] = -1.0
                for j in range(nb):
                    la = math.log(kb[ko + i, j])
                    lr = math.log(kb[ko + i + 1, j]) - la
                    rat[2 * p, j] = lr
                    pv[p, j] = math.exp(la + f * lr)
        else:
            for j in range(nb):
                pv[p, j] = kb[ko + i, j]



def paths_on_grid(layout, knots: np.ndarray) -> dict[str, np.ndarray]:
    """Interpolate every path's knots onto the time grid with plain numpy (the kernels' reference,
    written apart from :func:`paths_month`): name -> (n, T)."""
    return {k: v.T for k, v in paths_by_month(layout, knots).items()}


def paths_by_month(layout, knots: np.ndarray) -> dict[str, np.ndarray]:
    """As :func:`paths_on_grid`, name -> (T, n): a month's draws contiguous."""
    out = {}
    T = layout.pa_seg.shape[1]
    t = np.arange(T, dtype=float)
    for p, name in enumerate(layout.path_names):
        k0, nk = int(layout.pa_koff[p]), int(layout.pa_nk[p])
        v = knots[:, k0:k0 + nk]
        months = layout.knot_months[p]
        v = np.ascontiguousarray(v.T)  # (knot, n): a knot's draws contiguous
        if nk == 1:
            out[name] = np.repeat(v, T, axis=0)
            continue
        mode = int(layout.pa_interp[p])
        res = np.empty((T, v.shape[1]))
        for ti in range(T):
            if t[ti] <= months[0]:
                res[ti] = v[0]
            elif t[ti] >= months[-1]:
                res[ti] = v[-1]
            else:
                i = np.searchsorted(months, t[ti], side="right") - 1
                f = (t[ti] - months[i]) / (months[i + 1] - months[i])
                if mode == 0:
                    res[ti] = v[i] + f * (v[i + 1] - v[i])
                elif mode == 1:
                    res[ti] = np.exp(np.log(v[i]) + f * (np.log(v[i + 1]) - np.log(v[i])))
                else:
                    res[ti] = v[i]
        out[name] = res
    return out
