"""Helpers shared by the analyses: pick an output at a date from kept draws."""
from __future__ import annotations

import numpy as np

from ..errors import DierollError
from ..selection import label_default, label_dims, period_month


def need_draws(run):
    if getattr(run, "prior", None) is None or getattr(run, "prior_predictive", None) is None:
        raise DierollError("this analysis needs the run's draws: run it with --keep-draws "
                           "(or dieroll.run(..., keep_draws=True))")


def output_at(run, var: str, labels: dict | None, at: str) -> tuple[np.ndarray, str]:
    """Values of one series of ``var`` at month ``at`` for every kept draw, and its labels in
    words (``"metric=inference"``).  ``labels`` picks a label of each label set; a label set
    the model declares a ``default`` for defaults to it."""
    need_draws(run)
    pp = run.prior_predictive
    if var not in pp:
        raise DierollError(f"{var!r} is not an output; outputs are {', '.join(pp.data_vars)}")
    d = pp[var]
    labels = {k: v for k, v in (labels or {}).items() if v is not None}
    chosen = {}
    for dim in label_dims(d):
        want = labels.get(dim) or label_default(run.summary, dim)
        have = [str(x) for x in d[dim].values]
        if want is None:
            raise DierollError(f"{var} has a {dim} dimension: choose {dim}= one of {', '.join(have)}")
        if str(want) not in have:
            raise DierollError(f"{dim}={want!r}: {var} has no such {dim}; choose one of {', '.join(have)}")
        chosen[dim] = str(want)
    d = d.sel(chosen) if chosen else d
    t = period_month(at, d["time"].values)
    return np.asarray(d.sel(time=t).values, dtype=float), ", ".join(f"{k}={v}" for k, v in chosen.items())


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
