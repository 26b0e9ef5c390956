"""Pick one series of an output by its labels (channel, route, metric, ...).

Outputs carry label dimensions besides ``time`` (and ``quantile`` in a summary,
``draw`` in kept draws): ``china_stock[channel, metric]``,
``ascend_packages[route]``, ``ascend_binding[constraint]``,
``h100e_added_ytd[country, metric]``.  Charts, tables and analyses all select
through :func:`select`, so a missing or wrong label is the same clear error
everywhere: it names the output, the dimension and the labels to choose from.
"""
from __future__ import annotations

import numpy as np

from .errors import DierollError

__all__ = ["LABEL_DIMS", "SelectionError", "label_dims", "outputs", "select", "describe_labels", "month_in",
           "YEAR_ENDS", "year_ends", "year_ends_only"]

#: Label dimensions an output may have, in the order options are listed.
LABEL_DIMS = ("metric", "channel", "route", "constraint", "country")
#: Dimensions that are never labels.
_AXES = ("time", "quantile", "draw", "year", "period")
#: The metric chosen when an output has one and none is given.
DEFAULT_METRIC = "inference"


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


def describe_labels(da) -> str:
    """``channel: a, b, c; metric: inference, training`` for an error or a help text."""
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
        ``{"channel": "smic_ascend", "metric": "training"}``.  A ``None`` value
        counts as not given.  ``metric`` defaults to ``"inference"``; every other
        label dimension must be chosen.  Labels for dimensions ``var`` does not
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
        want = labels.get(dim, DEFAULT_METRIC if dim == "metric" else None)
        name = option.format(dim=dim)
        if want is None:
            raise SelectionError(f"{var} has a {dim} dimension: choose {name} one of {', '.join(have)}")
        if str(want) not in have:
            raise SelectionError(f"{name} {want!r}: {var} has no such {dim}; choose one of {', '.join(have)}")
        chosen[dim] = str(want)
    return da.sel(chosen) if chosen else da


def label_text(da, labels: dict | None = None) -> str:
    """`` (smic_ascend, training)``: the chosen labels of an output, for a title."""
    labels = {k: v for k, v in (labels or {}).items() if v is not None}
    parts = []
    for dim in label_dims(da):
        v = labels.get(dim, DEFAULT_METRIC if dim == "metric" else None)
        if v is not None:
            parts.append(str(v))
    return f" ({', '.join(parts)})" if parts else ""


def quantile_column(q: float) -> str:
    """The table column of a quantile level: ``median`` for 0.5, else ``p5``, ``p10``, ``p97.5``."""
    return "median" if abs(q - 0.5) < 1e-12 else f"p{q * 100:g}"


def month_in(at: str, times: np.ndarray, label: str = "at =") -> np.datetime64:
    """``YYYY-MM`` as one of the run's ``times``, or a DierollError naming ``label`` and the run's window."""
    try:
        t = np.datetime64(at, "M").astype("datetime64[ns]")
    except ValueError:
        raise DierollError(f"{label} {at!r}: write dates as YYYY-MM") from None
    if t not in times:
        raise DierollError(f"{label} {at}: outside the run ({str(times[0])[:7]} .. {str(times[-1])[:7]})")
    return t
