"""Which quantities drive an output, and which of them rest on judgement alone.

A quantity with ``basis = "judgement"`` has no document behind its numbers.
That is allowed, but a reader must be told when such a quantity is among the
top drivers of a published result: :func:`judgement_drivers` ranks the
distinct quantities by the absolute Spearman rank correlation of their inputs
(a path counts by its strongest knot) with the output, and returns the
judgement-basis ones among the first ``top``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Driver", "bases_of", "ranked_quantities", "judgement_drivers", "TOP"]

#: How many of the strongest drivers are screened for judgement bases.
TOP = 5


@dataclass(frozen=True)
class Driver:
    """One quantity's place among the drivers of an output."""

    rank: int
    quantity: str
    input: str            # the input column (``name`` or ``name@knot date``)
    rank_correlation: float
    basis: str


def ranked_quantities(sens, bases: dict[str, str]) -> list[Driver]:
    """Distinct quantities in order of their strongest ``|rank correlation|``.

    Parameters
    ----------
    sens : xarray.Dataset
        From :func:`dieroll.analysis.sensitivity` (sorted by ``|rank_correlation|``).
    bases : dict
        Quantity name -> ``"document"`` or ``"judgement"``.
    """
    out, seen = [], set()
    for inp, rho in zip(sens["input"].values, sens["rank_correlation"].values):
        q = str(inp).split("@")[0]
        if q in seen or not np.isfinite(rho):
            continue
        seen.add(q)
        out.append(Driver(len(out) + 1, q, str(inp), float(rho), bases.get(q, "document")))
    return out


def judgement_drivers(sens, bases: dict[str, str], top: int = TOP) -> list[Driver]:
    """The judgement-basis quantities among the ``top`` strongest drivers."""
    return [d for d in ranked_quantities(sens, bases)[:top] if d.basis == "judgement"]


def bases_of(run, at: str | None = None) -> dict[str, str]:
    """Quantity -> basis, from a run's kept draws (the ``basis`` attribute of each input); with ``at``
    (a period), a path whose judgement knots can move it up to that month counts as judgement
    (:meth:`dieroll.priors.Quantity.basis_at`, read from the run's resolved priors)."""
    out = {v: str(run.prior[v].attrs.get("basis", "document")) for v in run.prior.data_vars
           if not v.endswith("_claim")}
    prior = getattr(run, "prior_set", None)
    if at is not None and prior is None and getattr(run, "path", None):
        import os

        from ..priors import load_priors
        try:
            prior = load_priors(os.path.join(run.path, "priors.toml"))
        except Exception:  # noqa: BLE001 (a run whose priors no longer load keeps the quantity bases)
            prior = None
    if at is not None and prior is not None:
        import pandas as pd

        from ..selection import period_month
        month = pd.Timestamp(period_month(at, run.summary["time"].values)).date()
        out.update({n: q.basis_at(month) for n, q in prior.quantities.items() if n in out})
    return out
