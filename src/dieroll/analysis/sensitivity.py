"""Sensitivity of an output at a date to every sampled scalar and path.

Spearman rank correlations over all kept draws (the tornado), and a given-data
first-order index from SALib (RBD-FAST, Plischke 2010) on a subsample.

A path is one input: its mean over the run's months up to the date asked
(interpolated from its knots as the model does), so a knot after that date
counts only through the segment it closes, and a path never shows as several
drivers, or as a driver of a month none of its knots can reach.
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from ._draws import need_draws, output_at
from ..selection import headline
from ..defaults import MONTH

__all__ = ["sensitivity", "input_matrix", "path_mean"]


def _interpolation(run) -> dict[str, str]:
    """Quantity -> how its path is interpolated, from the run's resolved priors."""
    import tomllib
    try:
        doc = tomllib.loads(str(run.summary.attrs.get("priors_text", "")))
    except tomllib.TOMLDecodeError:
        return {}
    return {k: str(q.get("interpolate", "linear")) for k, q in doc.get("quantities", {}).items()
            if isinstance(q, dict)}


def _knot_months(dates, t0) -> np.ndarray:
    """Knot dates (``YYYY-MM-DD``) as months after the run's first month (days as a fraction)."""
    import calendar
    out = []
    for d in dates:
        y, m, day = (int(x) for x in str(d)[:10].split("-"))
        out.append((y - t0.year) * 12 + (m - t0.month) + (day - 1) / calendar.monthrange(y, m)[1])
    return np.array(out, dtype=float)


def path_mean(knots: np.ndarray, months: np.ndarray, upto: int, mode: str = "linear") -> np.ndarray:
    """Each draw's path averaged over months ``0 .. upto`` (both included): ``knots (draw, k)``
    at ``months`` (after the run's first month), held flat outside them, interpolated between them
    linearly, log-linearly or by steps, as :func:`dieroll._months.paths_month` does."""
    t = np.arange(upto + 1, dtype=float)
    if len(months) == 1:
        return knots[:, 0].astype(float)
    seg = np.clip(np.searchsorted(months, t, side="right") - 1, 0, len(months) - 2)
    frac = np.clip((t - months[seg]) / (months[seg + 1] - months[seg]), 0.0, 1.0)
    if mode == "step":
        frac = np.where(frac >= 1.0, 1.0, 0.0)
    if mode == "log":
        lk = np.log(np.maximum(knots, np.finfo(float).tiny))
        return np.mean([np.exp(lk[:, i] + f * (lk[:, i + 1] - lk[:, i])) for i, f in zip(seg, frac)], axis=0)
    w = np.zeros(len(months))  # a linear mean: one weight per knot
    np.add.at(w, seg, 1.0 - frac)
    np.add.at(w, seg + 1, frac)
    return knots @ (w / len(t))


def input_matrix(run, at: str | None = None) -> tuple[np.ndarray, list[str]]:
    """Every sampled scalar as a column ``(draw, k)`` with its name; every path as its knots
    (``name@date``), or, with ``at`` (a period), as one column: its mean up to that month."""
    need_draws(run)
    cols, names = [], []
    if at is not None:
        import pandas as pd

        from ..selection import period_month
        times = run.summary["time"].values
        upto = int(np.searchsorted(times, period_month(at, times)))
        t0 = pd.Timestamp(times[0])
        modes = _interpolation(run)
    for v, da in run.prior.data_vars.items():
        if v.endswith("_claim"):
            continue
        if da.ndim == 1:
            cols.append(np.asarray(da.values, dtype=float))
            names.append(v)
        elif at is not None:
            kd = da.dims[1]
            cols.append(path_mean(np.asarray(da.values, dtype=float), _knot_months(da[kd].values, t0), upto,
                                  modes.get(v, "linear")))
            names.append(v)
        else:
            kd = da.dims[1]
            for i, lab in enumerate(da[kd].values):
                cols.append(np.asarray(da.values[:, i], dtype=float))
                names.append(f"{v}@{lab}")
    return np.column_stack(cols), names


def _ranks(a):
    """Ranks (0..n-1, ties broken by position) of each column of ``a``."""
    n = a.shape[0]
    r = np.empty(a.shape, dtype=float)
    ar = np.arange(n, dtype=float)
    for j in range(a.shape[1]):
        r[np.argsort(a[:, j]), j] = ar
    return r


def sensitivity(run, var: str | None = None, *, metric: str | None = None, labels: dict | None = None,
                at: str = MONTH, subsample: int = 20_000, seed: int = 0, salib: bool = True) -> xr.Dataset:
    """Rank correlation of ``var`` at ``at`` with each input, and RBD-FAST indices.

    Each path is one input, its mean up to ``at`` (module docstring).  Constant inputs
    are left out.  Sorted by absolute rank correlation.

    Returns
    -------
    xarray.Dataset
        ``rank_correlation`` and ``rbd_fast_s1`` over dim ``input``.
    """
    var = var or headline(run.summary)
    y, chosen = output_at(run, var, {**(labels or {}), "metric": metric} if metric else labels, at)
    X, names = input_matrix(run, at)
    keep = X.std(axis=0) > 0
    X, names = X[:, keep], [n for n, k in zip(names, keep) if k]
    rx = _ranks(X)
    ry = _ranks(y[:, None])[:, 0]
    rx -= rx.mean(axis=0)
    ry -= ry.mean()
    rho = (rx * ry[:, None]).sum(axis=0) / np.sqrt((rx ** 2).sum(axis=0) * (ry ** 2).sum())
    s1 = np.full(len(names), np.nan)
    if salib and len(names):
        from SALib.analyze import rbd_fast
        rng = np.random.default_rng(seed)
        idx = rng.choice(y.size, size=min(subsample, y.size), replace=False)
        problem = {"num_vars": len(names), "names": names,
                   "bounds": [[float(lo), float(hi)] for lo, hi in zip(X.min(axis=0), X.max(axis=0))]}
        # S1 is computed from all the given draws; the bootstrap only gives S1_conf, which is not
        # reported, so 10 resamples instead of SALib's default 100 (90 % of the time, same S1)
        res = rbd_fast.analyze(problem, X[idx], y[idx], seed=seed, num_resamples=10)
        s1 = np.asarray(res["S1"], dtype=float)
    order = np.argsort(-np.abs(rho))
    return xr.Dataset({"rank_correlation": ("input", rho[order], {"units": "1", "long_name": "Spearman rank correlation"}),
                       "rbd_fast_s1": ("input", s1[order], {"units": "1", "long_name": "RBD-FAST first-order index (given data)"})},
                      coords={"input": np.array(names, dtype=object)[order]},
                      attrs={"variable": var, "labels": chosen, "at": at, "draws": int(y.size),
                             "salib_subsample": int(min(subsample, y.size))})
