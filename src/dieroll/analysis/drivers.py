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
    (a period), a path counts as judgement where a knot marked judgement (its ``knot_basis``) can move
    it up to that month: a knot on or before it, or the first after it, which closes the segment it is in
    (as :meth:`dieroll.priors.Quantity.basis_at`)."""
    from ..selection import knots_reach, period_month
    out = {}
    month = None
    if at is not None:
        month = np.datetime64(period_month(at, run.summary["time"].values), "D")
    for v, da in run.prior.data_vars.items():
        if v.endswith("_claim"):
            continue
        basis = str(da.attrs.get("basis", "document"))
        marks = list(np.atleast_1d(da.attrs.get("knot_basis", [])))
        if basis != "judgement" and month is not None and da.ndim == 2 and len(marks) == da.shape[1]:
            dates = [np.datetime64(str(d)[:10], "D") for d in da[da.dims[1]].values]
            if any(str(m) == "judgement" and r for m, r in zip(marks, knots_reach(dates, month))):
                basis = "judgement"
        out[v] = basis
    return out
