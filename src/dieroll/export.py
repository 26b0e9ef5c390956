"""Tidy tables of a run's numbers, and files a spreadsheet or a dataframe library opens.

One row per output series and period: ``variable``, one column per label
dimension (``metric``, ``channel``, ``route``, ``constraint``, ``country``;
empty where an output has no such dimension), ``period``, ``month`` (the month
whose values are given), ``reads`` (what the numbers are: a stock at the
period's end, a monthly rate in its last month, a calendar-year-to-date flow),
the stored quantiles (``p5`` ... ``median`` ... ``p95``), ``mean``, ``sd``,
``units`` and ``long_name``.  Numbers are rounded to ``digits`` significant
digits (stated in the provenance).

A quarter or a year is read at its last month: for a stock that is its value
at the period's end; for a ``*_ytd`` flow read in December, the calendar year's
total (whose quantiles come from the per-draw totals, not from the months);
for a per-month rate, the rate in that last month (quantiles of a sum of months
cannot be derived from the months' quantiles: use the ``*_ytd`` outputs).
A ``*_ytd`` flow is summarised at the year ends only (December and the run's
last month), so a table by month or quarter gives it those rows alone.
"""
from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd

from .errors import DierollError
from .text import safe_cells
from .selection import (all_label_dims, label_dims, outputs, period_month, quantile_column, year_ends,
                        year_ends_only)
from .units import model_units

__all__ = ["table", "export", "provenance", "FORMATS", "BY"]

FORMATS = ("csv", "xlsx", "parquet")
BY = ("month", "quarter", "year")
def _round(values: np.ndarray, digits: int) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    out = v.copy()
    ok = np.isfinite(v) & (v != 0)
    mag = np.floor(np.log10(np.abs(v[ok])))
    scale = 10.0 ** (digits - 1 - mag)
    out[ok] = np.round(v[ok] * scale) / scale
    return out


def _reads(var: str, units: str) -> str:
    if var.endswith("_ytd"):
        return "calendar year to date"
    if units.endswith("/month"):
        return "monthly rate in the month"
    if var.endswith("_binding"):
        return "share of draws bound in the month (mean)"
    return "stock at the month's end"


def _periods(times: np.ndarray, by: str):
    """(period label, index of the month it is read at) for each complete period end in the run."""
    m = times.astype("datetime64[M]")
    years = m.astype("datetime64[Y]").astype(int) + 1970
    month = m.astype(int) % 12 + 1
    out = []
    for i, (y, mo) in enumerate(zip(years, month)):
        if by == "month":
            out.append((f"{y:04d}-{mo:02d}", i))
        elif by == "quarter" and mo % 3 == 0:
            out.append((f"{y:04d}-Q{mo // 3}", i))
        elif by == "year" and mo == 12:
            out.append((f"{y:04d}", i))
    return out


def table(run, variables=None, *, at=None, by: str = "month", labels: dict | None = None,
          digits: int = 4) -> pd.DataFrame:
    """A tidy table of a run's quantiles (see the module).

    Parameters
    ----------
    run : Run or Result
        Anything with a ``summary``.
    variables : list of str, optional
        Outputs to include (default: all).
    at : list of str, optional
        Periods to keep: ``YYYY-MM``, ``YYYY-Qn`` or ``YYYY``, each read at one month
        (:func:`dieroll.selection.period_month`: a quarter's last month, a year's
        December); the row read at that month is kept.
    by : {"month", "quarter", "year"}
    labels : dict, optional
        Keep only these labels (``{"metric": "inference"}``).
    digits : int
        Significant digits (1 to 15).

    Returns
    -------
    pandas.DataFrame
        With ``attrs["provenance"]`` (a dict).

    Raises
    ------
    DierollError
        An unknown output, label, period or option, naming what is allowed.
    """
    ds = run.summary
    if by not in BY:
        raise DierollError(f"--by {by!r}: choose one of {', '.join(BY)}")
    if isinstance(digits, bool) or not isinstance(digits, (int, np.integer)) or not 1 <= digits <= 15:
        raise DierollError(f"--digits {digits!r}: give a whole number of significant digits from 1 to 15")
    outs = outputs(ds)
    label_sets = all_label_dims(ds)
    variables = list(variables or outs)
    for v in variables:
        if v not in outs:
            raise DierollError(f"--var {v!r}: not an output of this run; choose from {', '.join(outs)}")
    labels = {k: v for k, v in (labels or {}).items() if v is not None}
    for dim, want in labels.items():
        holders = [v for v in variables if dim in ds[v].dims]
        if not holders:
            raise DierollError(f"--{dim} {want}: none of the chosen outputs has a {dim} dimension")
        have = [str(x) for x in ds[dim].values]
        if str(want) not in have:
            raise DierollError(f"--{dim} {want!r}: no such {dim}; choose one of {', '.join(have)}")
    times = ds["time"].values
    periods = _periods(times, by)
    if at:
        # one meaning of a period everywhere (dieroll.selection.period_month): each --at is
        # read at one month, and the table keeps the row read at that month
        keep = []
        for a in at:
            t = period_month(a, times, "--at")
            hit = [(p, i) for p, i in periods if times[i] == t]
            if not hit:
                raise DierollError(f"--at {a}: read at {str(t)[:7]}, which is not the end of a {by} (a {by} is "
                                   f"read at its last month); use --by month, or --at a period that ends there")
            keep += [h for h in hit if h not in keep]
        periods = keep
    if not periods:
        raise DierollError(f"--by {by}: the run ({str(times[0])[:7]} .. {str(times[-1])[:7]}) holds no complete {by}")
    idx = np.array([i for _, i in periods])
    start = str(times[0])[:7]
    ends = year_ends(times)
    qs = [float(q) for q in ds["quantile"].values]
    frames = []
    for var in variables:
        da = ds[var]
        # a calendar-year flow is summarised at the year ends only: its rows there
        pick = np.flatnonzero(ends[idx]) if year_ends_only(ds, var) else np.arange(len(idx))
        if not len(pick):
            continue
        vidx, vperiods = idx[pick], [periods[k] for k in pick]
        dims = label_dims(da)
        sel = {d: labels[d] for d in dims if d in labels}
        da = da.sel(sel) if sel else da
        mean = ds.get(f"{var}_mean")
        sd = ds.get(f"{var}_sd")
        mcse = ds.get(f"{var}_quantile_mcse")
        if mean is not None and sel:
            mean = mean.sel(sel)
        if sd is not None and sel:
            sd = sd.sel(sel)
        if mcse is not None and sel:
            mcse = mcse.sel(sel)
        rest = [d for d in dims if d not in sel]
        combos = [{}]
        for d in rest:
            combos = [{**c, d: str(x)} for c in combos for x in da[d].values]
        units = model_units(ds[var])
        reads = _reads(var, units)
        for c in combos:
            s = da.sel(c) if c else da
            f = pd.DataFrame({"variable": [var] * len(vidx)})
            for d in label_sets:
                f[d] = sel.get(d, c.get(d, ""))
            f["period"] = [p for p, _ in vperiods]
            f["month"] = [str(times[i])[:7] for i in vidx]
            rd = [reads] * len(vidx)
            if var.endswith("_ytd"):
                rd = [f"calendar year to date from {start} (the run's start)" if str(times[i])[:4] == start[:4]
                      and start[5:] != "01" else reads for i in vidx]
            f["reads"] = rd
            vals = np.asarray(s.transpose("time", "quantile").values, dtype=float)[vidx]
            for j, q in enumerate(qs):
                f[quantile_column(q)] = _round(vals[:, j], digits)
            f["mean"] = _round((mean.sel(c) if c else mean).values[vidx], digits) if mean is not None else np.nan
            f["sd"] = _round((sd.sel(c) if c else sd).values[vidx], digits) if sd is not None else np.nan
            if mcse is not None and 0.5 in qs:
                m = (mcse.sel(c) if c else mcse).sel(quantile=0.5)
                f["median_mcse"] = _round(np.asarray(m.values, dtype=float)[vidx], 2)
            else:
                f["median_mcse"] = np.nan
            f["units"] = units
            f["long_name"] = str(ds[var].attrs.get("long_name", "")).removesuffix(": quantiles")
            frames.append(f)
    if not frames:
        raise DierollError(f"--var {', '.join(variables)}: calendar-year flows, summarised at year ends only "
                           f"(December and the run's last month), and none of the chosen {by}s ends a year; "
                           f"use --by year, or --at a December")
    out = pd.concat(frames, ignore_index=True)
    used = [d for d in label_sets if (out[d] != "").any()]
    out = out.drop(columns=[d for d in label_sets if d not in used])
    out.attrs["provenance"] = provenance(run, by=by, digits=digits)
    return out


def provenance(run, **extra) -> dict:
    """The run's provenance as a flat dict of strings (title, seed, draws, priors sha256, version, ...)."""
    a = run.summary.attrs
    keys = ("title", "dieroll_version", "git_commit", "model", "seed", "draws", "priors_file", "priors_sha256",
            "quantile_method", "created_at", "history")
    out = {k: str(a[k]) for k in keys if k in a}
    path = getattr(run, "path", None)
    if path:
        out["run"] = str(path)
    for k, v in extra.items():
        out[k] = str(v)
    out["rounding"] = f"{extra.get('digits', '')} significant digits"
    return out


def export(run, path: str, *, format: str | None = None, force: bool = False, **kw) -> str:
    """Write :func:`table` to ``path`` as CSV, Excel or Parquet, with the provenance.

    CSV: ``# key: value`` lines first (``pandas.read_csv(path, comment="#")``).
    Excel: the table on sheet ``table``, the provenance on sheet ``provenance``.
    Parquet: the provenance in the file's key-value metadata (key ``dieroll``, JSON).

    The file is written beside its final name and renamed, and an existing file
    is never replaced unless ``force``.

    Returns
    -------
    str
        The path written.
    """
    fmt = (format or os.path.splitext(path)[1].lstrip(".")).lower()
    if fmt not in FORMATS:
        raise DierollError(f"--format {fmt!r}: choose one of {', '.join(FORMATS)}")
    from .store.files import check_target, replace_file
    check_target(path, force)  # before the table is built; again, atomically, when the file is put in place
    tab = table(run, **kw)
    prov = tab.attrs["provenance"]

    def write(tmp):
        if fmt == "csv":
            head = "".join(f"# {k}: {' '.join(str(v).split())}\n" for k, v in prov.items())
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                fh.write(head)
                safe_cells(tab).to_csv(fh, index=False, lineterminator="\n")
        elif fmt == "xlsx":  # text cells that start like a formula are kept text (see dieroll.text.cell_text)
            with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
                safe_cells(tab).to_excel(xw, sheet_name="table", index=False)
                safe_cells(pd.DataFrame({"key": list(prov), "value": list(prov.values())})).to_excel(
                    xw, sheet_name="provenance", index=False)
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq
            t = pa.Table.from_pandas(tab, preserve_index=False)
            meta = dict(t.schema.metadata or {})
            meta[b"dieroll"] = json.dumps(prov).encode()
            pq.write_table(t.replace_schema_metadata(meta), tmp)

    return replace_file(path, write, force=force, suffix=f".{fmt}")
