"""Turn a finished :class:`~dieroll.engine.simulate.Simulation` into ``summary.nc``'s Dataset.

Schema (checked by :func:`dieroll.testing.assert_run_schema`): for each model
output ``v`` with extra dims ``E`` (``channel``, ``metric``, ``route``):

* ``v`` (``*E, time, quantile``): quantiles;
* ``v_mean``, ``v_sd`` (``*E, time``);
* ``v_quantile_error`` (``*E, time, quantile``): bound on the reducer's error
  (histogram bin and the float32 rounding of outputs, see :mod:`dieroll.engine.reduce`);
* ``v_quantile_mcse`` (``*E, time, quantile``): Monte Carlo standard error;
* ``v_exceedance`` (``*E, time, v_threshold``) when thresholds are configured.

A calendar-year flow (``OutputSpec.year_end``: the ``*_ytd`` outputs) is
summarised at the run's year ends only; its variables say so in a
``summarised`` attribute and hold ``nan`` in the months between.

Every variable has CF ``units`` and ``long_name``; root attributes carry the
provenance (nested values JSON-encoded).
"""
from __future__ import annotations

import json

import numpy as np
import xarray as xr

from ..selection import YEAR_ENDS, headlines, label_attrs
from ..units import cf_attrs
from .provenance import git_commit, now_utc, version

__all__ = ["summary_dataset", "summary_bytes", "SCHEMA_VERSION"]

SCHEMA_VERSION = "1"


def summary_dataset(sim, *, command: str = "", priors_file: str = "") -> xr.Dataset:
    """Build the summary Dataset of a simulation.

    Parameters
    ----------
    sim : Simulation
    command : str
        The command line that produced it (for ``history``).
    priors_file : str
        Path of the priors file as given by the user.
    """
    prior, model, red = sim.prior, sim.model, sim.reducer
    T = prior.run.n_steps
    probs = np.asarray(prior.run.quantiles)
    q, qerr, qse = red.quantiles(probs)
    mean, sd = red.moments()
    exc = red.exceedance()
    time = prior.run.dates()
    # each month is a cell [first day, first day of the next month): CF's time_bnds
    ends = (np.asarray(time).astype("datetime64[M]") + 1).astype(time.dtype)
    data_vars = {"time_bnds": xr.Variable(("time", "nv"), np.stack([np.asarray(time), ends], axis=1))}
    coords = {"time": ("time", time, {"standard_name": "time", "axis": "T", "bounds": "time_bnds",
                                      "long_name": "month (first day); stocks at month end"}),
                             "quantile": ("quantile", probs, {"long_name": "probability level", "units": "1"})}
    contract = model.contract
    for o in contract.outputs:
        dims = tuple(d for d, _ in o.dims)
        shape = contract.shape(o.name)
        for d, labels in o.dims:
            coords[d] = (d, np.array(labels, dtype=object), label_attrs(model, d))
        rows = contract.block(o.name)
        sl = slice(rows.start * T, rows.stop * T)  # reducer rows are (series, time) flattened

        def put(name, arr, extra_dims, extra_shape, long_name, units=o.units):
            attrs = {**cf_attrs(units), "long_name": long_name}
            if o.year_end:
                attrs["summarised"] = YEAR_ENDS
            data_vars[name] = xr.Variable(dims + ("time",) + extra_dims, arr.reshape(shape + (T,) + extra_shape),
                                          attrs)

        P = len(probs)
        put(o.name, q[sl], ("quantile",), (P,), f"{o.long_name}: quantiles")
        put(f"{o.name}_mean", mean[sl], (), (), f"{o.long_name}: mean")
        put(f"{o.name}_sd", sd[sl], (), (), f"{o.long_name}: standard deviation")
        put(f"{o.name}_quantile_error", qerr[sl], ("quantile",), (P,),
            f"{o.long_name}: bound on the quantile reducer's error")
        put(f"{o.name}_quantile_mcse", qse[sl], ("quantile",), (P,),
            f"{o.long_name}: Monte Carlo standard error of the quantile")
        th = sim.thresholds.get(o.name)
        if th:
            tdim = f"{o.name}_threshold"
            coords[tdim] = (tdim, np.array(th), {**cf_attrs(o.units), "long_name": f"threshold on {o.name}"})
            put(f"{o.name}_exceedance", exc[sl, : len(th)], (tdim,), (len(th),),
                f"{o.long_name}: probability of exceeding the threshold", units="1")
    created = now_utc()
    attrs = {
        "Conventions": "CF-1.8",
        "title": prior.run.title,
        "source": f"dieroll {version()} Monte Carlo, model {model.name}",
        "history": f"{created} {command}".strip(),
        "dieroll_version": version(),
        "dieroll_schema": SCHEMA_VERSION,
        "git_commit": git_commit(),
        "model": model.name,
        **({"model_file": model.source, "model_sha256": model.sha256, "model_text": model.text}
           if getattr(model, "sha256", "") else {}),
        **getattr(model, "presentation", {}),
        "seed": str(sim.seed),
        "draws": int(sim.draws),
        "engine": json.dumps(sim.settings, sort_keys=True),
        "quantile_method": "single-pass window histograms placed by a pilot; see dieroll.engine.reduce",
        "priors_file": priors_file,
        "priors_files": json.dumps(list(prior.files)),
        "priors_sha256": prior.sha256,
        "priors_text": prior.text,
        "what_ifs": json.dumps(list(getattr(prior, "what_ifs", ()))),
        **({"evidence_as_of": str(prior.run.as_of)} if getattr(prior.run, "as_of", None) else {}),
        "thresholds": json.dumps(sim.thresholds, sort_keys=True),
        "created_at": created,
    }
    return xr.Dataset(data_vars, coords=coords, attrs=attrs)


def summary_bytes(ds: xr.Dataset) -> bytes:
    """``summary.nc``'s bytes: netCDF-4 through h5netcdf, label coordinates as
    fixed-width character arrays (the classic form every CF reader accepts;
    xarray reads them back as strings), ``time`` and ``time_bnds`` as int32 days
    since the run's first month (xarray decodes them back to dates)."""
    enc = {name: {"dtype": "S1"} for name, v in ds.variables.items() if v.dtype == object}
    t0 = ds["time"].values[0].astype("datetime64[D]")
    start = str(t0)
    out = ds.copy()
    for name in ("time", "time_bnds"):
        if name in ds.variables:
            days = (ds[name].values.astype("datetime64[D]") - t0).astype(np.int64)
            if np.abs(days).max(initial=0) >= 2**31:
                raise ValueError("internal error: a run window too long for int32 days")
            attrs = {**ds[name].attrs, "units": f"days since {start}", "calendar": "proleptic_gregorian"}
            var = xr.Variable(ds[name].dims, days.astype(np.int32), attrs)
            out = out.assign_coords({name: var}) if name in ds.coords else out.assign({name: var})
            enc[name] = {"_FillValue": None}
    # xarray takes a dask.distributed lock for the write when a Client is active (a cluster
    # run): the summary is in memory, so write it with dask's synchronous scheduler
    try:
        import dask
    except ImportError:
        return out.to_netcdf(engine="h5netcdf", encoding=enc)
    with dask.config.set(scheduler="synchronous"):
        return out.to_netcdf(engine="h5netcdf", encoding=enc)


def median_precision(ds, times=None) -> tuple[float, str] | None:
    """The largest relative Monte Carlo standard error of the headline medians at ``times``
    (``v_quantile_mcse`` over the median), and where: ``(0.0012, "China, inference at 2030-12")``;
    None when the run stores no standard errors."""
    if times is None:
        all_t = ds["time"].values
        times = [t for t in all_t if str(t)[5:7] == "12"] or [all_t[-1]]
    worst = None
    for var, sel, label in headlines(ds):
        err = ds.get(f"{var}_quantile_mcse")
        if err is None or var not in ds or any(d not in ds[var].dims for d in sel):
            continue
        for t in times:
            med = float(ds[var].sel(**sel).sel(time=t, quantile=0.5))
            e = float(err.sel(**sel).sel(time=t, quantile=0.5))
            if med and np.isfinite(e) and np.isfinite(med):
                r = abs(e / med)
                if worst is None or r > worst[0]:
                    worst = (r, f"{label} at {str(t)[:7]}")
    return worst


def headline_rows(ds, times=None, fmt=None):
    """``(label, [cell per time])`` for each headline series of the run's model
    (:func:`dieroll.selection.headlines`), each cell ``median [p5–p95]``; ``times``
    default to each December (or the last month)."""
    fmt = fmt or (lambda x: f"{x:.3g}")
    if times is None:
        all_t = ds["time"].values
        times = [t for t in all_t if str(t)[5:7] == "12"] or [all_t[-1]]
    rows = []
    for var, sel, label in headlines(ds):
        if var not in ds or any(d not in ds[var].dims for d in sel):
            continue
        da = ds[var].sel(**sel)
        cells = []
        for t in times:
            v = da.sel(time=t).sel(quantile=[0.05, 0.5, 0.95]).values
            cells.append(f"{fmt(v[1])} [{fmt(v[0])}–{fmt(v[2])}]")
        rows.append((label, cells))
    return times, rows


def run_repr(kind: str, ds, extra: str = "") -> str:
    """A one-line repr of a run: title, N, seed, priors hash, window."""
    a = ds.attrs
    t = ds["time"].values
    return (f"{kind}({a.get('title', '')!r}{extra}, N = {int(a.get('draws', 0)):,}, seed {a.get('seed')}, "
            f"{str(t[0])[:7]}..{str(t[-1])[:7]}, priors sha256 {str(a.get('priors_sha256', ''))[:12]})")


def run_html(kind: str, ds, extra: str = "") -> str:
    """An HTML table of the headline quantiles at each December, for Jupyter."""
    from ..text import html_table
    from ..text import human
    times, rows = headline_rows(ds, fmt=lambda x: human(float(x)))
    return html_table(run_repr(kind, ds, extra) + " — median [5 %–95 %]", ["", *[str(x)[:7] for x in times]],
                      [(label, *cells) for label, cells in rows])
