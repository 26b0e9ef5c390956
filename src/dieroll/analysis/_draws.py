"""Helpers shared by the analyses: pick an output at a date from kept draws."""
from __future__ import annotations

import numpy as np

from ..errors import DierollError
from ..selection import month_in


def need_draws(run):
    if getattr(run, "prior", None) is None or getattr(run, "prior_predictive", None) is None:
        raise DierollError("this analysis needs the run's draws: run it with --keep-draws "
                           "(or dieroll.run(..., keep_draws=True))")


def output_at(run, var: str, metric: str, at: str) -> np.ndarray:
    """Values of ``var`` (``metric``) at month ``at`` for every kept draw."""
    need_draws(run)
    pp = run.prior_predictive
    if var not in pp:
        raise DierollError(f"{var!r} is not an output; outputs are {', '.join(pp.data_vars)}")
    d = pp[var]
    if "metric" in d.dims:
        d = d.sel(metric=metric)
    extra = [x for x in d.dims if x not in ("draw", "time")]
    if extra:
        raise DierollError(f"{var} has dimension(s) {extra}; choose china_total, us_total or us_china_ratio")
    t = month_in(at, d["time"].values)
    return np.asarray(d.sel(time=t).values, dtype=float)


def claims_of(run) -> dict[str, tuple[list[str], np.ndarray, np.ndarray]]:
    """Disputed quantity -> (claim ids, weights in the run, claim index per draw)."""
    need_draws(run)
    out = {}
    for v in run.prior.data_vars:
        if v.endswith("_claim"):
            a = run.prior[v]
            ids = a.attrs["flag_meanings"].split()
            w = np.asarray(a.attrs.get("claim_weights", np.full(len(ids), 1.0 / len(ids))), dtype=float)
            out[v[: -len("_claim")]] = (ids, w, np.asarray(a.values))
    return out
