"""Published output-level estimates as data, and the model beside them.

Priors are built from evidence about *inputs*; what others have published about
the *outputs* (H100-equivalents in China, packages per month) is what a run is
checked against.  A published-estimates file is TOML::

    [[estimate]]
    id = "heim-tsmc-bank"                 # letters, digits, _ and -
    variable = "stock"                    # an output of the run's model
    labels = { region = "north", kind = "low" }   # a label of each of its label sets
    metric = "peak"                       # which H100e, where the output has a metric dimension
    date = "2026-12"                      # YYYY-MM; YYYY for a yearly flow (*_ytd)
    value = 1_000_000                     # a point, or low and/or high (a range or a bound)
    units = "H100e"                       # must be the output's
    source = "L. Heim, RAND commentary, 2025-05-02 (seeds/000)"
    published = "2025-05-02"              # when the estimate was published
    counted = "what was counted, and how the date was chosen"

:func:`load_published` checks every entry (the error names the file, the entry,
the key and the value); :func:`validate` checks each against the run's output (its
units, its label sets, which metric) and puts it beside the run's quantiles, with
its coverage, where the model's median falls, and an interval score.

The interval score of the central 90 % interval ``[l, u]`` at a published value
``x`` (Gneiting and Raftery 2007, with alpha = 0.1) is
``(u - l) + 20 (l - x) [x < l] + 20 (x - u) [x > u]``: lower is better; it rewards
a narrow interval and charges 20 times the miss.  A range is scored at its
midpoint; a bound is not scored.  ``score_rel`` divides it by ``|x|``, so that
estimates of different sizes can be compared.  An estimate published after the
run's evidence cut-off (``--as-of``) is out of sample: the run is a backtest
against it.
"""
from __future__ import annotations

import math
import os
import re
import tomllib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import DierollError
from .text import first_unsafe

__all__ = ["Estimate", "load_published", "validate", "estimate_month", "interval_score"]

_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]*$")
_KEYS = ("id", "variable", "labels", "metric", "date", "value", "low", "high", "units", "source", "counted",
         "published", "notes")
MAX_BYTES = 1 << 20


@dataclass(frozen=True)
class Estimate:
    """One published output-level estimate: a point, a range, or a bound."""

    id: str
    variable: str
    date: str
    source: str
    counted: str
    units: str = ""
    value: float | None = None
    low: float | None = None
    high: float | None = None
    labels: dict = field(default_factory=dict)
    published: str = ""
    metric: str = ""
    origin: str = ""  # "file:line" of its [[estimate]] header, for messages

    @property
    def kind(self) -> str:
        """``point``, ``range``, ``lower bound`` or ``upper bound``."""
        if self.value is not None:
            return "point"
        if self.low is not None and self.high is not None:
            return "range"
        return "lower bound" if self.low is not None else "upper bound"

    def text(self) -> str:
        """The estimate in words: ``≈ 1.0 M``, ``0.8 M–1.2 M``, ``≥ 200 k``."""
        f = _short
        if self.kind == "point":
            return f"≈ {f(self.value)}"
        if self.kind == "range":
            return f"{f(self.low)}–{f(self.high)}"
        return f"≥ {f(self.low)}" if self.low is not None else f"≤ {f(self.high)}"


def _short(x: float) -> str:
    a = abs(x)
    for div, suf in ((1e9, " B"), (1e6, " M"), (1e3, " k")):
        if a >= div:
            return f"{x / div:.3g}{suf}"
    return f"{x:.3g}"


def load_published(path: str | os.PathLike) -> list[Estimate]:
    """Read and check a published-estimates file.

    Raises
    ------
    DierollError
        Listing every problem with file, entry, key and value.
    """
    path = os.fspath(path)
    try:
        if not os.path.isfile(path):
            raise DierollError(f"{path}: not found (or not a regular file): give a published-estimates TOML file")
        if os.path.getsize(path) > MAX_BYTES:
            raise DierollError(f"{path}: is {os.path.getsize(path):,} bytes; at most {MAX_BYTES:,} are read")
        with open(path, "rb") as fh:
            text = fh.read().decode("utf-8")
        doc = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        raise DierollError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise DierollError(f"{path}: malformed TOML: {exc}") from None
    except OSError as exc:
        raise DierollError(f"{path}: cannot read: {exc.strerror}") from None
    problems: list[str] = []
    extra = [k for k in doc if k not in ("estimate", "title", "notes")]
    if extra:
        problems.append(f"unknown top-level key(s) {', '.join(extra)}; allowed: estimate, title, notes")
    entries = doc.get("estimate", [])
    if not isinstance(entries, list) or not entries:
        problems.append("no [[estimate]] entries")
        entries = []
    heads = [n for n, ln in enumerate(text.splitlines(), start=1) if re.match(r"^\s*\[\[\s*estimate\s*\]\]", ln)]
    out, seen = [], set()
    for i, e in enumerate(entries):
        key = f"estimate[{i}]"
        if not isinstance(e, dict):
            problems.append(f"{key}: must be a table")
            continue
        for k in e:
            if k not in _KEYS:
                problems.append(f"{key}.{k}: unknown key; allowed: {', '.join(_KEYS)}")
        strings = {}
        for k in ("id", "variable", "date", "source", "counted", "units", "published", "metric"):
            v = e.get(k, "")
            if not isinstance(v, str) or len(v) > 2000 or first_unsafe(v) is not None:
                problems.append(f"{key}.{k}: must be printable text of at most 2,000 characters (got {v!r:.60})")
                v = ""
            strings[k] = v
        for k in ("id", "variable", "date", "source", "counted", "units"):
            if not strings[k].strip():
                problems.append(f"{key}.{k}: required ({'what was counted' if k == 'counted' else k})")
        if strings["published"] and not re.match(r"^\d{4}(-\d{2}(-\d{2})?)?$", strings["published"]):
            problems.append(f"{key}.published: the publication date, YYYY-MM-DD (or YYYY-MM, YYYY) "
                            f"(got {strings['published']!r})")
        if strings["id"] and not _ID.match(strings["id"]):
            problems.append(f"{key}.id: letters, digits, _ and - only, starting with a letter (got {strings['id']!r})")
        if strings["id"] in seen:
            problems.append(f"{key}.id: {strings['id']!r} is used twice")
        seen.add(strings["id"])
        if strings["date"] and not re.match(r"^\d{4}(-(\d{2}|Q[1-4]))?$", strings["date"]):
            problems.append(f"{key}.date: write a month YYYY-MM, a quarter YYYY-Qn or a year YYYY (read at its "
                            f"December) (got {strings['date']!r})")
        nums = {}
        for k in ("value", "low", "high"):
            v = e.get(k)
            if v is None:
                nums[k] = None
            elif isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(float(v)) \
                    or abs(float(v)) > 1e300:
                problems.append(f"{key}.{k}: must be a finite number (got {v!r})")
                nums[k] = None
            else:
                nums[k] = float(v)
        if nums["value"] is None and nums["low"] is None and nums["high"] is None:
            problems.append(f"{key}: give value, or low and/or high")
        if nums["value"] is not None and (nums["low"] is not None or nums["high"] is not None):
            problems.append(f"{key}: give value or a range (low, high), not both")
        if nums["low"] is not None and nums["high"] is not None and nums["low"] > nums["high"]:
            problems.append(f"{key}: low {nums['low']:g} is above high {nums['high']:g}")
        labels = e.get("labels", {})
        if not isinstance(labels, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                  for k, v in labels.items()):
            problems.append(f"{key}.labels: a table of dimension = \"label\" strings (got {labels!r:.80})")
            labels = {}
        out.append(Estimate(id=strings["id"], variable=strings["variable"], date=strings["date"],
                            source=strings["source"], counted=strings["counted"], units=strings["units"],
                            value=nums["value"], low=nums["low"], high=nums["high"], labels=dict(labels),
                            published=strings["published"], metric=strings["metric"],
                            origin=f"{path}:{heads[i]}" if len(heads) == len(entries) else path))
    if problems:
        raise DierollError(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in {path}:\n"
                           + "\n".join(f"  - {p}" for p in problems))
    return out


def estimate_month(est: Estimate, times) -> np.datetime64:
    """The run month an estimate is compared at (:func:`dieroll.selection.period_month`: its
    month, a quarter's last month, or December of its year for a ``YYYY`` date)."""
    from .selection import period_month
    return period_month(est.date, times, f"estimate {est.id}: date")


def _percentile(q: np.ndarray, v: np.ndarray, x: float) -> str:
    """Where ``x`` falls among the stored quantiles ``v`` (at levels ``q``), in words."""
    if x < v[0]:
        return f"below p{round(q[0] * 100)}"
    if x > v[-1]:
        return f"above p{round(q[-1] * 100)}"
    p = float(np.interp(x, v, q)) if np.all(np.diff(v) > 0) else float(q[np.searchsorted(v, x)])
    return f"≈ p{round(p * 100)}"


def _checked(ds, e: Estimate):
    """The estimate's series in the run, after checking its units, label sets and metric."""
    from .selection import label_dims, select
    from .units import model_units
    if e.variable not in ds:
        select(ds, e.variable)  # raises, naming the outputs
    da = ds[e.variable]
    dims = label_dims(da)
    unknown = [k for k in e.labels if k not in dims]
    if unknown:
        raise DierollError(f"labels.{unknown[0]}: {e.variable} has no {unknown[0]} dimension "
                           f"(its label sets: {', '.join(dims) or 'none'}); remove the label or pick another output")
    labels = dict(e.labels)
    if e.metric:
        if "metric" not in dims:
            raise DierollError(f"metric = {e.metric!r}: {e.variable} has no metric dimension (it is "
                               f"{da.attrs.get('long_name', e.variable)}); leave metric out")
        if labels.get("metric", e.metric) != e.metric:
            raise DierollError(f"metric = {e.metric!r} and labels.metric = {labels['metric']!r} disagree")
        labels["metric"] = e.metric
    elif "metric" in dims and "metric" not in labels:
        have = ", ".join(str(x) for x in da["metric"].values)
        raise DierollError(f"{e.variable} is counted in several metrics ({have}): say which one the estimate "
                           "counts with metric = \"...\"")
    have_units = model_units(da.attrs)
    if " ".join(e.units.split()) != " ".join(have_units.split()):
        raise DierollError(f"units = {e.units!r}, but {e.variable} is in {have_units!r}: convert the estimate "
                           "or compare it with another output")
    return select(ds, e.variable, labels, option="labels.{dim} =")


def interval_score(lo: float, hi: float, x: float, alpha: float = 0.1) -> float:
    """The interval score of the central ``1 - alpha`` interval ``[lo, hi]`` at ``x``."""
    return (hi - lo) + 2.0 / alpha * max(lo - x, 0.0) + 2.0 / alpha * max(x - hi, 0.0)


def validate(run, estimates: list[Estimate]) -> pd.DataFrame:
    """Each estimate beside the run's median and 90 % interval at its date.

    Parameters
    ----------
    run : Run or Result
        Needs ``summary``.
    estimates : list of Estimate

    Returns
    -------
    pandas.DataFrame
        One row per estimate: ``id, variable, labels, metric, date, published_on,
        after_cutoff, published, kind, units, model_p05, model_p50, model_p95, where,
        median_vs, inside_90, score, score_rel, source, counted``.  ``where`` says
        where the published value (a range's midpoint) falls among the model's
        quantiles (for a bound: whether the model's 90 % interval lies on the
        bound's side); ``median_vs`` is the model median over the published value,
        less 1; ``inside_90`` whether the published value or range overlaps the
        model's 90 % interval; ``score`` the interval score (module docstring);
        ``after_cutoff`` whether the estimate was published after the run's
        evidence cut-off (``None`` when the run has none or the date is unknown).

    Raises
    ------
    DierollError
        An estimate names an output, label, metric, units or date the run does not have.
    """
    from .selection import period_last_day
    ds = run.summary
    cut = period_last_day(str(ds.attrs.get("evidence_as_of", "")))
    rows, problems, cols = [], [], []
    for e in estimates:
        where = f"{e.origin}: estimate {e.id}" if e.origin else f"estimate {e.id}"
        try:
            da = _checked(ds, e)
            t = estimate_month(e, ds["time"].values)
        except DierollError as exc:
            problems.append(f"{where}: {exc}")
            continue
        col = da.sel(time=t)
        if not np.all(np.isfinite(np.asarray(col.values, dtype=float))):
            problems.append(f"{where}: the run has no summary of {e.variable} at {e.date} ({str(t)[:7]}): a yearly "
                            "flow is summarised at year ends; give the year (YYYY)")
            continue
        cols.append((e, col))
    if problems:
        raise DierollError(f"{len(problems)} estimate{'s' if len(problems) > 1 else ''} do not fit the run:\n"
                           + "\n".join(f"  - {p}" for p in problems))
    for e, col in cols:
        q = np.asarray(col["quantile"].values, dtype=float)
        v = np.asarray(col.values, dtype=float)
        p05, p50, p95 = (float(col.sel(quantile=x, method="nearest")) for x in (0.05, 0.5, 0.95))
        lo = e.value if e.value is not None else (e.low if e.low is not None else -math.inf)
        hi = e.value if e.value is not None else (e.high if e.high is not None else math.inf)
        mid = e.value if e.value is not None else (lo if e.high is None else hi if e.low is None else (lo + hi) / 2)
        where = _percentile(q, v, mid)
        if e.kind == "lower bound":
            where = "p5 above it" if p05 >= lo else "p95 below it" if p95 < lo else where
        elif e.kind == "upper bound":
            where = "p95 below it" if p95 <= hi else "p5 above it" if p05 > hi else where
        scored = e.kind in ("point", "range")
        score = interval_score(p05, p95, mid) if scored else math.nan
        pub = period_last_day(e.published)
        rows.append({"id": e.id, "variable": e.variable,
                     "labels": ", ".join(f"{k}={v}" for k, v in e.labels.items()), "metric": e.metric,
                     "date": e.date, "published_on": e.published,
                     "after_cutoff": None if cut is None or pub is None else bool(pub > cut),
                     "published": e.text(), "kind": e.kind, "units": e.units,
                     "model_p05": p05, "model_p50": p50, "model_p95": p95, "where": where,
                     "median_vs": p50 / mid - 1 if scored and mid else math.nan,
                     "inside_90": bool(hi >= p05 and lo <= p95), "score": score,
                     "score_rel": score / abs(mid) if scored and mid else math.nan,
                     "source": e.source, "counted": e.counted})
    return pd.DataFrame(rows)
