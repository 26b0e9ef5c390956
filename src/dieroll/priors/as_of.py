"""What the evidence said at a date: a priors set cut to the claims published by then.

Each claim carries ``date`` (its source's publication date); a single ``dist`` or
``path`` carries the quantity's ``date``.  :func:`apply_as_of` keeps the claims
dated on or before the cut-off, renormalises their weights, and refuses, in one
error listing every one, a quantity left with nothing: an analyst then adds an
earlier claim or fixes the value with ``--set``.  Quantities whose ``basis`` is
``"judgement"`` and that carry no date are the analyst's own reasoning and are
kept as written (the run's notes say so).
"""
from __future__ import annotations

import copy
import datetime as dt

from ..errors import PriorsError, Problem

__all__ = ["apply_as_of", "parse_as_of"]


def parse_as_of(text) -> dt.date:
    """``YYYY-MM-DD`` (or a date) as a cut-off date; a clear error otherwise."""
    if isinstance(text, dt.date) and not isinstance(text, dt.datetime):
        return text
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise PriorsError([Problem("--as-of", "", "must be a date written YYYY-MM-DD (e.g. 2025-06-30)",
                                   text)]) from None


def _fmt(d):
    return "undated" if d is None else d.isoformat()


def apply_as_of(prior, date):
    """``prior`` with only the claims published by ``date`` (``prior.run.as_of`` records the cut-off).

    Called by :func:`dieroll.priors.load_priors` and :func:`~dieroll.priors.extend_priors`
    when ``[run] as_of`` is set.

    Raises
    ------
    dieroll.errors.PriorsError
        Listing every quantity left without a claim, and every claim without a date.
    """
    from dataclasses import replace

    from .extends import Merged
    from .validate import build_prior_set

    cut = parse_as_of(date)
    doc = copy.deepcopy(prior.resolved)
    problems: list[Problem] = []
    dropped: dict[str, list[str]] = {}
    for name, q in prior.quantities.items():
        key = f"quantities.{name}"
        if q.single_source:
            if q.date is None:
                if q.basis != "judgement":
                    problems.append(Problem(prior.path, key, f"has no date: --as-of needs the publication date of "
                                            f"every source (add date = YYYY-MM-DD to {name})"))
            elif q.date > cut:
                problems.append(Problem(prior.path, key, f"its source is dated {q.date}, after the cut-off {cut}: "
                                        f"no evidence about {name} was published by then; give it a claim "
                                        f"dated by then, or fix it with --set {name}=VALUE"))
            continue
        undated = [c.id for c in q.claims if c.date is None]
        if undated:
            problems.append(Problem(prior.path, key, f"claim(s) {', '.join(undated)} have no date: --as-of needs "
                                    "the publication date of every claim (date = YYYY-MM-DD)"))
            continue
        keep = [c for c in q.claims if c.date <= cut]
        if not keep:
            dates = ", ".join(f"{c.id} {_fmt(c.date)}" for c in q.claims)
            problems.append(Problem(prior.path, key, f"no claim published by {cut} (claims: {dates}); add a claim "
                                    f"dated by then, or fix it with --set {name}=VALUE"))
            continue
        if len(keep) < len(q.claims):
            ids = {c.id for c in keep}
            dropped[name] = [c.id for c in q.claims if c.id not in ids]
            entry = doc["quantities"][name]
            weights = {c.id: c.weight for c in q.claims}
            entry["claims"] = [{**t, "weight": weights[t["id"]]} for t in entry["claims"] if t["id"] in ids]
            entry.pop("weights", None)
    if problems:
        raise PriorsError(problems)
    errors: list[Problem] = []
    merged = Merged(data=doc, files=list(prior.files))
    out = build_prior_set(prior.path, merged,
                          lambda key, msg, value: errors.append(Problem(prior.path, key, msg, value)),
                          prior.catalog)
    if errors or out is None:
        raise PriorsError(errors or [Problem(prior.path, "", "invalid after --as-of")])
    return replace(out, what_ifs=prior.what_ifs)
