"""Claim-conditional results: does it matter which source is right?

For each quantity with competing claims, the chosen output at a date
conditional on each claim (the draws that drew it), and how much the 90 %
interval narrows if the dispute were settled either way:
``narrowing_k = 1 - width(claim k) / width(all)``.  Disputes are ranked by the
expected narrowing ``sum_k w_k narrowing_k`` (weights as in the run).  Claims
are drawn independently of every other input, so conditioning on a claim is the
same as re-running with all weight on it (up to Monte Carlo error, shown as the
number of draws behind each row).
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from ._draws import claims_of, output_at
from ..selection import headline
from ..units import model_units
from ..defaults import MONTH

__all__ = ["disputes"]


def disputes(run, var: str | None = None, *, metric: str | None = None, labels: dict | None = None,
             at: str = MONTH) -> xr.Dataset:
    """Table of claim-conditional medians and 90 % intervals, sorted by impact.

    Parameters
    ----------
    run : Run or Result
        With kept draws.
    var : str, optional
        Output (default: the run's headline output).
    metric : str, optional
        Shortcut for ``labels={"metric": ...}``.
    labels : dict, optional
        A label of each of ``var``'s label sets (default: the model's declared default).
    at : str
        Month (``YYYY-MM``).

    Returns
    -------
    xarray.Dataset
        Dims ``quantity`` (sorted by ``impact``, largest first) and ``claim``
        (padded with empty ids where a quantity has fewer claims).
    """
    var = var or headline(run.summary)
    y, chosen = output_at(run, var, {**(labels or {}), "metric": metric} if metric else labels, at)
    lo_all, med_all, hi_all = np.quantile(y, [0.05, 0.5, 0.95])
    width_all = hi_all - lo_all
    rows = []
    for q, (ids, w, k) in claims_of(run).items():
        stats = []
        for i, cid in enumerate(ids):
            yk = y[k == i]
            if yk.size:
                lo, med, hi = np.quantile(yk, [0.05, 0.5, 0.95])
            else:
                lo = med = hi = np.nan
            narrow = 1 - (hi - lo) / width_all if width_all > 0 else 0.0
            stats.append((cid, w[i], yk.size, med, lo, hi, narrow))
        impact = float(np.nansum([s[1] * s[6] for s in stats]))
        spread = float(np.nanmax([s[3] for s in stats]) - np.nanmin([s[3] for s in stats]))
        rows.append((q, impact, spread, stats))
    rows.sort(key=lambda r: -r[1])
    C = max((len(r[3]) for r in rows), default=1)
    Q = len(rows)

    def pad(f, fill):
        a = np.full((Q, C), fill, dtype=object if isinstance(fill, str) else float)
        for i, r in enumerate(rows):
            for j, s in enumerate(r[3]):
                a[i, j] = f(s)
        return a

    ds = xr.Dataset(
        {
            "claim_id": (("quantity", "claim"), pad(lambda s: s[0], "")),
            "weight": (("quantity", "claim"), pad(lambda s: s[1], np.nan), {"units": "1", "long_name": "claim weight in the run"}),
            "draws": (("quantity", "claim"), pad(lambda s: s[2], 0.0), {"units": "1", "long_name": "draws that drew the claim"}),
            "median": (("quantity", "claim"), pad(lambda s: s[3], np.nan)),
            "p05": (("quantity", "claim"), pad(lambda s: s[4], np.nan)),
            "p95": (("quantity", "claim"), pad(lambda s: s[5], np.nan)),
            "narrowing": (("quantity", "claim"), pad(lambda s: s[6], np.nan),
                          {"units": "1", "long_name": "1 - 90 % width given the claim / 90 % width overall"}),
            "impact": ("quantity", np.array([r[1] for r in rows]),
                       {"units": "1", "long_name": "expected narrowing of the 90 % interval if settled"}),
            "median_spread": ("quantity", np.array([r[2] for r in rows]),
                              {"long_name": "largest minus smallest claim-conditional median"}),
        },
        coords={"quantity": [r[0] for r in rows], "claim": np.arange(C)},
        attrs={"variable": var, "labels": chosen, "at": at, "median_all": med_all, "p05_all": lo_all,
               "p95_all": hi_all, "draws": int(y.size)},
    )
    for v in ("median", "p05", "p95", "median_spread"):
        ds[v].attrs.setdefault("units", model_units(run.summary[var]))
        ds[v].attrs.setdefault("long_name", f"{v} of {var} given the claim")
    return ds
