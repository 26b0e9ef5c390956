"""The validated, in-memory form of a priors file: :class:`PriorSet`."""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

import numpy as np

from ..distributions import Distribution
from ..defaults import QUANTILES

__all__ = ["Claim", "Correlation", "Knot", "PriorSet", "Quantity", "RunSettings"]


@dataclass(frozen=True)
class Claim:
    """One source's claim about a quantity: a weighted mixture component.

    A claim about a scalar holds a ``dist``; a claim about a path holds ``knots``
    (and ``dist`` is None).  ``date`` is when the source was published (None when
    the file does not say)."""

    id: str
    source: str
    says: str
    weight: float          # normalised: the weights of a quantity sum to 1
    dist: Distribution | None
    date: dt.date | None = None
    knots: tuple["Knot", ...] = ()


@dataclass(frozen=True)
class Knot:
    """One knot of a time path: a date (as months after the run start) and its distribution."""

    date: dt.date
    month: float
    dist: Distribution
    source: str = ""
    basis: str = ""  # "judgement" where this knot is the analyst's judgement; "" inherits the quantity's


@dataclass(frozen=True)
class Quantity:
    """A named uncertain input: a mixture of claims, or a path of knots."""

    name: str
    description: str
    units: str
    source: str
    claims: tuple[Claim, ...] = ()
    knots: tuple[Knot, ...] = ()
    interpolate: str = "linear"
    knot_rank: float = 0.0
    basis: str = "document"  # or "judgement": the analyst's reasoning, no document behind the numbers
    date: dt.date | None = None  # publication date of a single dist's or path's source

    @property
    def is_path(self) -> bool:
        """True for a time path (one path of knots, or competing claims each with a path)."""
        return bool(self.knots) or any(c.knots for c in self.claims)

    @property
    def path_claims(self) -> bool:
        """True for a path with competing claims, each a path of its own."""
        return any(c.knots for c in self.claims)

    @property
    def knot_dates(self) -> tuple[dt.date, ...]:
        """The dates of the path's knots; for competing paths, every claim's dates merged."""
        if self.knots:
            return tuple(k.date for k in self.knots)
        return tuple(sorted({k.date for c in self.claims for k in c.knots}))

    def paths(self) -> list[tuple[str, float, tuple[Knot, ...]]]:
        """``(claim id, weight, knots)`` for each path of a path quantity: one (id ``""``), or one per claim."""
        if self.knots:
            return [("", 1.0, self.knots)]
        return [(c.id, c.weight, c.knots) for c in self.claims if c.knots]

    def basis_at(self, date) -> str:
        """``"judgement"`` when the quantity is judgement, or when a judgement knot can move its path in
        the months up to ``date`` (a knot on or before it, or the first knot after it, which closes the
        segment ``date`` is in); else ``"document"``."""
        if self.basis == "judgement" or not self.is_path:
            return self.basis
        from ..selection import knots_reach
        for _, _, knots in self.paths():
            if any(k.basis == "judgement" and r for k, r in zip(knots, knots_reach([k.date for k in knots], date))):
                return "judgement"
        return self.basis

    @property
    def single_source(self) -> bool:
        """True for one dist or one path with its source on the quantity (no claims of its own)."""
        return not self.claims or [c.id for c in self.claims] == ["only"]

    @property
    def dates(self) -> tuple[dt.date | None, ...]:
        """The publication date of each claim (a single dist or path: the quantity's)."""
        return (self.date,) if self.single_source else tuple(c.date for c in self.claims)

    @property
    def weights(self) -> np.ndarray:
        """Normalised claim weights."""
        return np.array([c.weight for c in self.claims])

    def cdf(self, x) -> np.ndarray:
        """Mixture CDF (scalar quantities)."""
        return sum(c.weight * np.asarray(c.dist.cdf(x), dtype=float) for c in self.claims)

    def ppf(self, p) -> np.ndarray:
        """Mixture quantiles by bisection on the mixture CDF (scalar quantities).

        The result is the smallest ``x`` with ``F(x) >= p`` to within 1e-12 relative.
        """
        p = np.atleast_1d(np.asarray(p, dtype=float))
        if len(self.claims) == 1:
            return np.asarray(self.claims[0].dist.ppf(p), dtype=float)
        live = [c for c in self.claims if c.weight > 0]
        lo = np.full(p.shape, min(float(c.dist.ppf(1e-12)) for c in live))
        hi = np.full(p.shape, max(float(c.dist.ppf(1 - 1e-12)) for c in live))
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            below = self.cdf(mid) < p
            lo = np.where(below, mid, lo)
            hi = np.where(below, hi, mid)
            if np.all(hi - lo <= 1e-12 * np.maximum(np.abs(hi), 1e-300)):
                break
        return hi


@dataclass(frozen=True)
class Correlation:
    """A rank (Spearman) correlation between two scalar quantities."""

    a: str
    b: str
    rank: float


@dataclass(frozen=True)
class RunSettings:
    """The ``[run]`` table."""

    title: str
    start: dt.date
    end: dt.date
    draws: int
    seed: int
    step: str = "month"
    quantiles: tuple[float, ...] = QUANTILES
    thresholds: dict[str, tuple[float, ...]] = field(default_factory=dict)
    model: str = ""  # a packaged model's name or a model file's path, as written; "" for the China model
    as_of: dt.date | None = None  # the evidence cut-off: only claims published by then are used

    @property
    def n_steps(self) -> int:
        """Number of monthly time steps from start to end, both included."""
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def dates(self) -> np.ndarray:
        """First day of each month in the run window, as ``datetime64[ns]``."""
        m0 = np.datetime64(f"{self.start.year:04d}-{self.start.month:02d}", "M")
        months = m0 + np.arange(self.n_steps)
        out = months.astype("datetime64[D]").astype("datetime64[ns]")
        # datetime64[ns] wraps silently outside 1677-09 .. 2262-04: never relabel a month
        if not np.array_equal(out.astype("datetime64[M]"), months):
            from ..errors import RunError
            raise RunError(f"the run window {self.start} .. {self.end} cannot be held by the time axis "
                           "(datetime64[ns], 1678-01 .. 2262-03)")
        return out


@dataclass(frozen=True, repr=False)
class PriorSet:
    """A validated priors file, after ``extends`` has been resolved.

    Attributes
    ----------
    path : str
        The file that was loaded.
    files : tuple of str
        It and every file it extends, nearest first.
    run : RunSettings
    quantities : dict of str to Quantity
    correlations : tuple of Correlation
    resolved : dict
        The merged TOML document (what ``priors.toml`` in a run holds).
    text : str
        ``resolved`` written as TOML.
    what_ifs : tuple of str
        What-ifs applied on top of the files (``--weight ...``, ``--set ...``), as given.

    catalog : dict of str to InputSpec, or None
        The model inputs it was checked against (``None``: names unchecked); what-ifs
        and :meth:`extend` check against the same.
    """

    path: str
    files: tuple[str, ...]
    run: RunSettings
    quantities: dict[str, Quantity]
    correlations: tuple[Correlation, ...]
    resolved: dict
    text: str
    what_ifs: tuple[str, ...] = ()
    catalog: dict | None = field(default=None, compare=False)

    @property
    def sha256(self) -> str:
        """SHA-256 of the resolved priors text."""
        return hashlib.sha256(self.text.encode()).hexdigest()

    def extend(self, fragment: dict, **kwargs) -> "PriorSet":
        """Shorthand for :func:`dieroll.priors.extend_priors` (``extends`` rules)."""
        from . import extend_priors
        return extend_priors(self, fragment, **kwargs)

    def with_weights(self, weights: dict[str, dict[str, float]]) -> "PriorSet":
        """New claim weights, e.g. ``{"smic_yield": {"ft": 0.8, "csis": 0.2}}``."""
        return self.extend({"quantities": {q: {"weights": w} for q, w in weights.items()}})

    def with_claims(self, quantity: str, claims: list[dict]) -> "PriorSet":
        """Append claims to a quantity's claims (``add_claims``), e.g.
        ``prior.with_claims("smic_yield", [{"id": "new", "source": "...", "says": "...",
        "weight": 0.2, "dist": {"family": "beta", "mean": 0.5, "sd": 0.05}}])``."""
        return self.extend({"quantities": {quantity: {"add_claims": list(claims)}}})

    def with_values(self, values: dict) -> "PriorSet":
        """Fix quantities at values, or give them new dists, as ``--set`` does:
        ``prior.with_values({"packaging_yield": 0.8})``."""
        from .what_if import apply_what_ifs
        return apply_what_ifs(self, values=values)

    def as_of_date(self, date) -> "PriorSet":
        """Only the claims published by ``date``, as ``[run] as_of`` does (see
        :func:`dieroll.priors.as_of.apply_as_of`)."""
        from dataclasses import replace

        from .as_of import parse_as_of
        return replace(self.extend({"run": {"as_of": parse_as_of(date)}}), what_ifs=self.what_ifs)

    def what_if(self, weights=(), sets=()) -> "PriorSet":
        """The CLI's ``--weight Q.CLAIM=W`` and ``--set Q=VALUE`` strings applied in code."""
        from .what_if import apply_what_ifs
        return apply_what_ifs(self, weights, sets)

    def __repr__(self) -> str:
        n_claims = sum(len(q.claims) > 1 for q in self.quantities.values())
        return (f"PriorSet({self.path!r}: {len(self.quantities)} quantities, {n_claims} disputed, "
                f"{len(self.correlations)} correlations, {self.run.draws:,} draws, seed {self.run.seed}, "
                f"sha256 {self.sha256[:12]}" + (f", what-ifs {list(self.what_ifs)}" if self.what_ifs else "")
                + ")")

    def _repr_html_(self) -> str:
        from ..text import html_table
        rows = []
        for name, q in self.quantities.items():
            if q.path_claims:
                what = ", ".join(f"{c.id} {c.weight:.0%}" for c in q.claims) + f" (paths, {q.interpolate})"
                p5 = p50 = p95 = ""
            elif q.is_path:
                what = f"path, {len(q.knots)} knots ({q.interpolate})"
                p5 = p50 = p95 = ""
            else:
                what = ", ".join(f"{c.id} {c.weight:.0%}" for c in q.claims) if len(q.claims) > 1 else "one dist"
                p5, p50, p95 = (f"{v:.4g}" for v in q.ppf([0.05, 0.5, 0.95]))
            rows.append((name, q.units, q.basis, what, p5, p50, p95))
        return html_table(f"{self.run.title} — {self.path}, {self.run.draws:,} draws, seed {self.run.seed}",
                          ("quantity", "units", "basis", "claims", "p5", "p50", "p95"), rows)

    def disputed(self) -> list[str]:
        """Names of quantities with more than one claim."""
        return [n for n, q in self.quantities.items() if len(q.claims) > 1]
