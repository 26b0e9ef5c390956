"""Scenario minus baseline, paired by draw when the runs kept their draws."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DierollError
from ..selection import headline, quantile_column, select

__all__ = ["differences", "table_months"]

_Q = (0.05, 0.25, 0.5, 0.75, 0.95)


def _paired(runs) -> bool:
    firsts = list(runs.values())
    if any(getattr(r, "prior_predictive", None) is None for r in firsts):
        return False
    a = firsts[0].summary.attrs
    for r in firsts[1:]:
        b = r.summary.attrs
        if str(a.get("seed")) != str(b.get("seed")) or int(a.get("draws", -1)) != int(b.get("draws", -2)):
            return False
    return True


def differences(runs: dict, var: str | None = None, labels: dict | None = None) -> pd.DataFrame:
    """Each run minus the first, month by month.

    Parameters
    ----------
    runs : dict of str to Run or Result
        Label -> run, the baseline first.  Each needs ``summary``; for the paired
        difference also ``prior_predictive`` (kept draws).
    var : str
    labels : dict, optional
        Labels of ``var``'s dimensions (``metric`` defaults to inference).

    Returns
    -------
    pandas.DataFrame
        Columns ``scenario, baseline, time, p5, p25, median, p75, p95, mean, paired``.
        Paired (every run kept its draws, same seed and N): quantiles of the
        per-draw difference ``scenario[i] - baseline[i]``.  Otherwise only the
        difference of the medians (``median``) and of the means, the rest NaN;
        ``attrs["paired"]`` says which.

    Raises
    ------
    DierollError
        With fewer than two runs, or runs of different time windows.
    """
    var = var or headline(next(iter(runs.values())).summary)
    if len(runs) < 2:
        raise DierollError("a difference needs two runs or more: the baseline first, then the scenarios")
    labels = labels or {}
    items = list(runs.items())
    base_name, base = items[0]
    times = base.summary["time"].values
    for name, r in items[1:]:
        if not np.array_equal(r.summary["time"].values, times):
            raise DierollError(f"{name} and {base_name} cover different months; a difference needs the same "
                               "run window")
    paired = _paired(runs)
    months = pd.to_datetime(times).strftime("%Y-%m")
    rows = []
    if paired:
        b = np.asarray(select(base.prior_predictive, var, labels).transpose("draw", "time").values, dtype=float)
    bs = select(base.summary, var, labels)
    bmean = select(base.summary, f"{var}_mean", labels).values if f"{var}_mean" in base.summary else None
    for name, r in items[1:]:
        frame = pd.DataFrame({"scenario": name, "baseline": base_name, "time": months})
        if paired:
            d = np.asarray(select(r.prior_predictive, var, labels).transpose("draw", "time").values,
                           dtype=float) - b
            qs = np.quantile(d, _Q, axis=0)
            for q, v in zip(_Q, qs):
                frame[quantile_column(q)] = v
            frame["mean"] = d.mean(axis=0)
        else:
            s = select(r.summary, var, labels)
            for q in _Q:
                frame[quantile_column(q)] = np.nan
            frame["median"] = s.sel(quantile=0.5).values - bs.sel(quantile=0.5).values
            frame["mean"] = (select(r.summary, f"{var}_mean", labels).values - bmean
                             if bmean is not None and f"{var}_mean" in r.summary else np.nan)
        frame["paired"] = paired
        rows.append(frame)
    out = pd.concat(rows, ignore_index=True)
    out.attrs["paired"] = paired
    out.attrs["variable"] = var
    return out


def table_months(tab: pd.DataFrame, most: int = 5) -> list[str]:
    """The months a printed difference table shows: at most ``most`` evenly spaced Decembers, the
    last one included (the last month when the run holds no December)."""
    months = [m for m in tab["time"].unique() if m.endswith("-12")] or [tab["time"].iloc[-1]]
    if len(months) > most:
        months = [months[round(i * (len(months) - 1) / (most - 1))] for i in range(most)]
    return months
