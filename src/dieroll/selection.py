"""Pick one series of an output by its labels (channel, route, metric, ...).

Outputs carry label dimensions besides ``time`` (and ``quantile`` in a summary,
``draw`` in kept draws), as the run's model declares them, e.g.
``stock[region, kind]``.  Charts, tables and analyses all select
through :func:`select`, so a missing or wrong label is the same clear error
everywhere: it names the output, the dimension and the labels to choose from.
"""
from __future__ import annotations

import numpy as np

from .errors import DierollError

__all__ = ["SelectionError", "label_dims", "label_default", "label_name", "label_colour", "label_attrs",
           "all_label_dims", "headline", "headlines", "declared_charts", "outputs", "select", "describe_labels",
           "period_month", "period_last_day", "knots_reach", "YEAR_ENDS", "year_ends", "year_ends_only"]

#: Dimensions that are never labels.
_AXES = ("time", "quantile", "draw", "year", "period")


#: Suffixes of a summary's companion variables (not outputs of their own).
_COMPANIONS = ("_mean", "_sd", "_quantile_error", "_quantile_mcse", "_exceedance")


def outputs(ds) -> list[str]:
    """The outputs a summary (or kept draws) holds, companions such as ``*_mean`` left out."""
    return [v for v in ds.data_vars if not str(v).endswith(_COMPANIONS)
            and ("quantile" in ds[v].dims or "draw" in ds[v].dims)]


class SelectionError(DierollError):
    """An output's labels were not chosen, or a chosen label does not exist."""


#: The ``summarised`` attribute of a calendar-year flow's variables in a summary
#: (``OutputSpec.year_end``).
YEAR_ENDS = "at year ends (December and the run's last month); nan between"


def year_ends(times) -> np.ndarray:
    """For each month of a run (``datetime64`` first days, in order), whether it ends a
    year of the run: a December, or the run's last month."""
    months = np.asarray(times).astype("datetime64[M]").astype(np.int64) % 12 + 1
    return (months == 12) | (np.arange(len(months)) == len(months) - 1)


def year_ends_only(ds, var: str) -> bool:
    """Whether a summary holds ``var`` at year ends only (a calendar-year flow,
    ``OutputSpec.year_end``; ``nan`` in the months between)."""
    return ds[var].attrs.get("summarised") == YEAR_ENDS


def label_dims(da) -> list[str]:
    """The label dimensions of ``da`` (everything but time, quantile, draw)."""
    return [d for d in da.dims if d not in _AXES and not d.endswith("_threshold")]


def all_label_dims(ds) -> list[str]:
    """Every label dimension of a run's outputs, in the order the outputs declare them."""
    seen = []
    for v in outputs(ds):
        seen += [d for d in label_dims(ds[v]) if d not in seen]
    return seen


def label_attrs(model, dim: str) -> dict:
    """The attributes of a summary's label coordinate ``dim``, from the model's declarations:
    ``long_name``, ``label_names`` and ``label_colours`` (JSON) and ``default`` (if declared)."""
    import json
    labels = getattr(model, "labels", {}).get(dim, {})
    attrs = {"long_name": dim,
             "label_names": json.dumps({lb: name for lb, (name, _) in labels.items()}),
             "label_colours": json.dumps({lb: c for lb, (_, c) in labels.items() if c})}
    default = getattr(model, "label_defaults", {}).get(dim)
    if default:
        attrs["default"] = default
    return attrs


def _coord_json(ds, dim, key) -> dict:
    import json
    try:
        return json.loads(ds[dim].attrs.get(key, "{}")) if dim in ds.coords else {}
    except (TypeError, ValueError):
        return {}


def label_default(ds, dim: str) -> str | None:
    """The label of ``dim`` picked when none is given (the model's ``default``), or ``None``."""
    return ds[dim].attrs.get("default") if dim in ds.coords else None


def label_name(ds, dim: str, label) -> str:
    """A label's human name, as the run's model declares it (else the label)."""
    return str(_coord_json(ds, dim, "label_names").get(str(label), label))


def label_colour(ds, dim: str, label) -> str | None:
    """A label's colour, as the run's model declares it (else ``None``)."""
    return _coord_json(ds, dim, "label_colours").get(str(label))


def headline(ds) -> str:
    """The output a run's model shows unless told otherwise (its ``headline``; else the first
    output summarised every month)."""
    h = ds.attrs.get("headline")
    if h and h in ds:
        return str(h)
    outs = outputs(ds)
    return next((v for v in outs if not year_ends_only(ds, v)), outs[0] if outs else "")


def headlines(ds) -> list:
    """``[(output, {dim: label}, title)]``: the series of a run's headline table, as its model
    declares them (else the headline output at its default labels)."""
    import json
    try:
        rows = json.loads(ds.attrs.get("headlines", "[]"))
    except (TypeError, ValueError):
        rows = []
    rows = [(o, sel, t) for o, sel, t in rows if o in ds]
    if rows:
        return rows
    h = headline(ds)
    if not h:
        return []
    sel = {d: label_default(ds, d) or str(ds[d].values[0]) for d in label_dims(ds[h])}
    return [(h, sel, str(ds[h].attrs.get("long_name", h)).removesuffix(": quantiles"))]


def declared_charts(ds, kind: str | None = None) -> list[dict]:
    """The charts a run's model declares (``[model] charts``), of ``kind`` if given."""
    import json
    try:
        charts = json.loads(ds.attrs.get("charts", "[]"))
    except (TypeError, ValueError):
        return []
    return [c for c in charts if isinstance(c, dict) and c.get("var") in ds and (kind is None or c.get("kind") == kind)]


def describe_labels(da) -> str:
    """``region: north, south; kind: low, high`` for an error or a help text."""
    return "; ".join(f"{d}: {', '.join(map(str, da[d].values))}" for d in label_dims(da))


def select(ds, var: str, labels: dict | None = None, *, keep: tuple[str, ...] = (), option: str = "--{dim}"):
    """``ds[var]`` with every label dimension (but ``keep``) reduced to the chosen label.

    Parameters
    ----------
    ds : xarray.Dataset
        A summary, or a run's ``prior_predictive`` draws.
    var : str
        Output name.
    labels : dict, optional
        ``{"region": "north", "kind": "high"}``.  A ``None`` value
        counts as not given.  A label set whose model declares a ``default`` label
        defaults to it; every other label dimension must be chosen.  Labels for dimensions ``var`` does not
        have are ignored (one set of options serves several outputs).
    keep : tuple of str
        Label dimensions to leave whole (e.g. ``("channel",)`` for a stacked chart).
    option : str
        How the error message names the option for a dimension (the CLI's
        ``--channel``; notebooks pass ``"{dim}="``).

    Returns
    -------
    xarray.DataArray

    Raises
    ------
    SelectionError
        Naming the output, the dimension and the labels it has.
    """
    if var not in ds:
        outs = sorted(outputs(ds))
        raise SelectionError(f"{var!r} is not an output of this run; choose one of {', '.join(outs)}")
    da = ds[var]
    labels = {k: v for k, v in (labels or {}).items() if v is not None}
    chosen = {}
    for dim in label_dims(da):
        if dim in keep:
            continue
        have = [str(x) for x in da[dim].values]
        want = labels.get(dim, label_default(da, dim))
        name = option.format(dim=dim)
        if want is None:
            raise SelectionError(f"{var} has a {dim} dimension: choose {name} one of {', '.join(have)}")
        if str(want) not in have:
            raise SelectionError(f"{name} {want!r}: {var} has no such {dim}; choose one of {', '.join(have)}")
        chosen[dim] = str(want)
    return da.sel(chosen) if chosen else da


def label_text(da, labels: dict | None = None) -> str:
    """`` (north, high)``: the chosen labels of an output, for a title."""
    labels = {k: v for k, v in (labels or {}).items() if v is not None}
    parts = []
    for dim in label_dims(da):
        v = labels.get(dim, label_default(da, dim))
        if v is not None:
            parts.append(str(v))
    return f" ({', '.join(parts)})" if parts else ""


def quantile_column(q: float) -> str:
    """The table column of a quantile level: ``median`` for 0.5, else ``p5``, ``p10``, ``p97.5``."""
    return "median" if abs(q - 0.5) < 1e-12 else f"p{q * 100:g}"


def period_month(at, times: np.ndarray, label: str = "at =") -> np.datetime64:
    """The run month a period is read at, one meaning everywhere (``show``, ``disputes``,
    ``export``, ``chart``, ``validate``, the report and the API).

    * ``YYYY-MM``: that month;
    * ``YYYY-Qn``: the quarter's last month;
    * ``YYYY``: the year's December, which is the year's end for a stock and the
      calendar-year total for a ``*_ytd`` flow.

    Raises a DierollError naming ``label``, what is allowed and the run's window when
    the text is none of these or the month is outside the run.
    """
    import re
    text = str(at).strip()
    m = re.fullmatch(r"(\d{4})(?:-(?:(\d{2})|Q([1-4])))?", text)
    if not m:
        raise DierollError(f"{label} {at!r}: write a month YYYY-MM, a quarter YYYY-Qn or a year YYYY "
                           f"(a year is read at its December)")
    year, month, quarter = m.groups()
    mo = int(month) if month else 3 * int(quarter) if quarter else 12
    if not 1 <= mo <= 12:
        raise DierollError(f"{label} {at!r}: the month must be from 01 to 12")
    t = np.datetime64(f"{year}-{mo:02d}", "M").astype("datetime64[ns]")
    if t not in times:
        read = "" if month else f" (read at {year}-{mo:02d})"
        raise DierollError(f"{label} {text}{read}: outside the run ({str(times[0])[:7]} .. {str(times[-1])[:7]})")
    return t


def period_last_day(text):
    """``"2025"``, ``"2025-09"`` or ``"2025-09-14"`` as the last day it can mean (2025-12-31,
    2025-09-30, 2025-09-14), or None when it is not such a date: a publication known only to the
    month or year is read as published by the period's end."""
    import calendar
    import datetime as dt
    import re
    m = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", str(text).strip())
    if not m or not 1 <= int(m.group(2) or 12) <= 12:
        return None
    y, mo = int(m.group(1)), int(m.group(2) or 12)
    try:
        return dt.date(y, mo, int(m.group(3) or calendar.monthrange(y, mo)[1]))
    except ValueError:
        return None


def knots_reach(dates, date) -> list[bool]:
    """For a path's knot ``dates`` (sorted), which can move its values up to ``date``: every knot on
    or before it, and the first after it (it closes the segment ``date`` is in)."""
    reach = [d <= date for d in dates]
    if not all(reach):
        reach[reach.index(False)] = True
    return reach
