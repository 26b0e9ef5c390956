"""Change claim weights after the fact by importance weights on the stored draws.

Each draw recorded which claim it took for every disputed quantity.  Under new
weights ``w'`` the draw's importance weight is ``prod_q w'_q[k] / w_q[k]``
(claims are drawn independently of everything else, so this is exact).
Quantiles use the weighted empirical CDF with midpoint interpolation.  The
effective sample size ``(sum w)^2 / sum w^2`` is reported; below ``min_ess``
the result is refused (re-run with the new weights instead).
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from ..errors import DierollError
from ._draws import claims_of, need_draws
from ..selection import headline, period_month
from ..defaults import MONTH, QUANTILES

__all__ = ["reweight", "sweep", "weighted_quantiles", "importance_weights"]

PROBS = QUANTILES


def importance_weights(run, weights: dict) -> np.ndarray:
    """Per-draw importance weights for new claim weights (normalised to mean 1)."""
    claims = claims_of(run)
    n = run.prior.sizes["draw"]
    iw = np.ones(n)
    for q, new in weights.items():
        if q not in claims:
            raise DierollError(f"{q!r} has no competing claims in this run; disputed: {', '.join(claims)}")
        ids, old, k = claims[q]
        if not isinstance(new, dict):
            raise DierollError(f"weights for {q} must be a dict of claim id -> weight")
        unknown = set(new) - set(ids)
        if unknown:
            raise DierollError(f"{q}: no claim {sorted(unknown)}; claims are {', '.join(ids)}")
        w = np.array([float(new.get(c, old[i])) for i, c in enumerate(ids)])
        if np.any(w < 0) or not w.sum() > 0:
            raise DierollError(f"{q}: weights must be >= 0 with at least one positive")
        w = w / w.sum()
        bad = [c for i, c in enumerate(ids) if w[i] > 0 and old[i] == 0]
        if bad:
            raise DierollError(f"{q}: claim(s) {bad} had weight 0 in this run, so no draw took them; re-run")
        ratio = np.divide(w, old, out=np.zeros_like(w), where=old > 0)
        iw *= ratio[k]
    return iw / iw.mean()


def weighted_quantiles(values: np.ndarray, w: np.ndarray, probs) -> np.ndarray:
    """Quantiles along axis 0 of ``values`` under weights ``w`` (midpoint rule):
    the weighted empirical CDF puts each draw at ``(cumsum(w) - w / 2) / sum(w)``
    and the quantile is interpolated linearly between draws."""
    probs = np.asarray(probs, dtype=float)
    flat = values.reshape(values.shape[0], -1)
    out = np.empty((len(probs), flat.shape[1]))
    total = w.sum()
    for j in range(flat.shape[1]):
        order = np.argsort(flat[:, j])
        ww = w[order]
        pos = (np.cumsum(ww) - 0.5 * ww) / total
        out[:, j] = np.interp(probs, pos, flat[order, j])
    return out.reshape((len(probs),) + values.shape[1:])


def reweight(run, weights: dict, *, variables=None, at=None, probs=PROBS, min_ess: float = 1000.0) -> xr.Dataset:
    """Quantiles of the outputs under new claim weights, without re-running.

    Parameters
    ----------
    run : Run or Result
        With kept draws.
    weights : dict
        ``{"smic_yield": {"ft": 0.8, "csis": 0.2}}``; claims not named keep their weight.
    variables : list of str, optional
        Outputs to compute (default: all).
    at : list of str, optional
        Months ``YYYY-MM`` to compute (default: all).
    probs : sequence of float
    min_ess : float
        Refuse when the effective sample size falls below this.

    Returns
    -------
    xarray.Dataset
        Like the quantile variables of ``summary.nc``, with ``ess`` in the attributes
        and as a variable.
    """
    need_draws(run)
    iw = importance_weights(run, weights)
    ess = float(iw.sum() ** 2 / (iw ** 2).sum())
    if ess < min_ess:
        raise DierollError(f"effective sample size {ess:.0f} is below {min_ess:.0f}: these weights are too far "
                           "from the run's; re-run with them (dieroll run, or a scenario file)")
    pp = run.prior_predictive
    variables = list(pp.data_vars) if variables is None else list(variables)
    data = {}
    for v in variables:
        d = pp[v]
        if at is not None:
            d = d.sel(time=[period_month(a, d["time"].values) for a in at])
        q = weighted_quantiles(np.asarray(d.values), iw, probs)
        dims = d.dims[1:]
        data[v] = xr.Variable(("quantile",) + dims, q, dict(d.attrs)).transpose(*dims, "quantile")
    coords = {c: pp[c].values for c in pp.coords if c != "draw"}
    if at is not None:
        coords["time"] = [period_month(a, pp["time"].values) for a in at]
    coords["quantile"] = np.asarray(probs)
    ds = xr.Dataset(data, coords=coords)
    ds["ess"] = xr.Variable((), ess, {"units": "1", "long_name": "effective sample size"})
    ds.attrs.update({"weights": repr(weights), "ess": ess, "draws": int(iw.size)})
    return ds


def sweep(run, quantity: str, claim: str, var: str | None = None, *, metric: str | None = None,
          labels: dict | None = None, at: str = MONTH, steps: int = 11) -> xr.Dataset:
    """Median and 90 % band of ``var`` at ``at`` as the weight on one claim goes 0 -> 1
    (the other claims share the rest in their original proportions)."""
    var = var or headline(run.summary)
    from ._draws import output_at
    y, chosen = output_at(run, var, {**(labels or {}), "metric": metric} if metric else labels, at)
    disputed = claims_of(run)
    if quantity not in disputed:
        raise DierollError(f"{quantity!r} is not a disputed quantity of this run; disputed: "
                           f"{', '.join(disputed) or 'none'}")
    ids, old, _ = disputed[quantity]
    if claim not in ids:
        raise DierollError(f"{quantity}: no claim {claim!r}; claims are {', '.join(ids)}")
    j = ids.index(claim)
    rest = np.delete(old, j)
    rest = rest / rest.sum() if rest.sum() > 0 else np.full(rest.size, 1.0 / max(rest.size, 1))
    grid = np.linspace(0, 1, steps)
    out = np.empty((steps, 3))
    ess = np.empty(steps)
    for s, g in enumerate(grid):
        w = np.insert(rest * (1 - g), j, g)
        iw = importance_weights(run, {quantity: dict(zip(ids, w))})
        ess[s] = iw.sum() ** 2 / (iw ** 2).sum()
        out[s] = weighted_quantiles(y[:, None], iw, (0.05, 0.5, 0.95))[:, 0]
    return xr.Dataset({"p05": ("weight", out[:, 0]), "median": ("weight", out[:, 1]),
                       "p95": ("weight", out[:, 2]), "ess": ("weight", ess)},
                      coords={"weight": grid},
                      attrs={"quantity": quantity, "claim": claim, "variable": var, "labels": chosen, "at": at})
