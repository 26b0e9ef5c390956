"""Published output-level estimates as data, and the model beside them.

Priors are built from evidence about *inputs*; what others have published about
the *outputs* (H100-equivalents in China, packages per month) is what a run is
checked against.  A published-estimates file is TOML::

    [[estimate]]
    id = "heim-tsmc-bank"                 # letters, digits, _ and -
    variable = "stock"                    # an output of the run's model
    labels = { region = "north", kind = "low" }   # a label of each of its label sets
    date = "2026-12"                      # YYYY-MM; YYYY for a yearly flow (*_ytd)
    value = 1_000_000                     # a point, or low and/or high (a range or a bound)
    units = "H100e"
    source = "L. Heim, RAND commentary, 2025-05-02 (seeds/000)"
    counted = "what was counted, and how the date was chosen"

:func:`load_published` checks every entry (the error names the file, the entry,
the key and the value); :func:`validate` puts each beside the run's quantiles.
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

__all__ = ["Estimate", "load_published", "validate", "estimate_month"]

_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]*$")
_KEYS = ("id", "variable", "labels", "date", "value", "low", "high", "units", "source", "counted", "published",
         "notes")
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
            doc = tomllib.loads(fh.read().decode("utf-8"))
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
        for k in ("id", "variable", "date", "source", "counted", "units", "published"):
            v = e.get(k, "")
            if not isinstance(v, str) or len(v) > 2000 or first_unsafe(v) is not None:
                problems.append(f"{key}.{k}: must be printable text of at most 2,000 characters (got {v!r:.60})")
                v = ""
            strings[k] = v
        for k in ("id", "variable", "date", "source", "counted"):
            if not strings[k].strip():
                problems.append(f"{key}.{k}: required ({'what was counted' if k == 'counted' else k})")
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
                            published=strings["published"]))
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
        One row per estimate: ``id, variable, labels, date, published, kind,
        model_p05, model_p50, model_p95, where, inside_90, source, counted``.
        ``where`` says where the published value (a range's midpoint) falls
        among the model's quantiles (for a bound: whether the model's 90 %
        interval lies on the bound's side); ``inside_90`` whether the published value
        or range overlaps the model's 90 % interval.

    Raises
    ------
    DierollError
        An estimate names an output, label or date the run does not have.
    """
    from .selection import select
    ds = run.summary
    rows = []
    for e in estimates:
        try:
            da = select(ds, e.variable, e.labels, option="labels.{dim} =")
        except DierollError as exc:
            raise DierollError(f"estimate {e.id}: {exc}") from None
        t = estimate_month(e, ds["time"].values)
        col = da.sel(time=t)
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
        rows.append({"id": e.id, "variable": e.variable,
                     "labels": ", ".join(f"{k}={v}" for k, v in e.labels.items()), "date": e.date,
                     "published": e.text(), "kind": e.kind, "model_p05": p05, "model_p50": p50, "model_p95": p95,
                     "where": where, "inside_90": bool(hi >= p05 and lo <= p95),
                     "source": e.source, "counted": e.counted})
    return pd.DataFrame(rows)
