"""Sensitivity of an output at a date to every sampled scalar and path knot.

Spearman rank correlations over all kept draws (the tornado), and a given-data
first-order index from SALib (RBD-FAST, Plischke 2010) on a subsample.
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from ._draws import need_draws, output_at
from ..selection import headline
from ..defaults import MONTH

__all__ = ["sensitivity", "input_matrix"]


def input_matrix(run) -> tuple[np.ndarray, list[str]]:
    """Every sampled scalar and path knot as columns ``(draw, k)`` with names."""
    need_draws(run)
    cols, names = [], []
    for v, da in run.prior.data_vars.items():
        if v.endswith("_claim"):
            continue
        if da.ndim == 1:
            cols.append(np.asarray(da.values, dtype=float))
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

    Constant inputs are left out.  Sorted by absolute rank correlation.

    Returns
    -------
    xarray.Dataset
        ``rank_correlation`` and ``rbd_fast_s1`` over dim ``input``.
    """
    var = var or headline(run.summary)
    y, chosen = output_at(run, var, {**(labels or {}), "metric": metric} if metric else labels, at)
    X, names = input_matrix(run)
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
