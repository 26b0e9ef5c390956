"""Checks for tests and for anyone validating a run folder."""
from __future__ import annotations

import hashlib
import json
import os

import numpy as np

from .errors import RunStoreError
from .defaults import QUANTILES

__all__ = ["assert_run_schema"]

_ROOT_ATTRS = ("Conventions", "title", "source", "history", "dieroll_version", "git_commit", "seed", "draws",
               "engine", "priors_sha256", "priors_text", "created_at", "model")


def assert_run_schema(run, model=None) -> None:
    """Raise ``AssertionError`` unless ``run`` (a path or :class:`~dieroll.store.Run`)
    follows the run-store schema described in :mod:`dieroll.store.summary` and
    :mod:`dieroll.store.draws`, for ``model`` (default: the China model): every
    series of the model's output contract is present with its labels."""
    if model is None:
        from .modelfile import default_model
        model = default_model()
    from .store import open_run
    if isinstance(run, (str, os.PathLike)):
        try:
            run = open_run(run)
        except RunStoreError as exc:
            raise AssertionError(str(exc)) from None
    ds = run.summary
    problems = []
    for a in _ROOT_ATTRS:
        if a not in ds.attrs:
            problems.append(f"root attribute {a!r} missing")
    if ds.attrs.get("priors_text") is not None:
        h = hashlib.sha256(ds.attrs["priors_text"].encode()).hexdigest()
        if h != ds.attrs.get("priors_sha256"):
            problems.append("priors_sha256 does not match priors_text")
    try:
        json.loads(ds.attrs.get("engine", ""))
    except ValueError:
        problems.append("engine attribute is not JSON")
    if not np.issubdtype(ds["time"].dtype, np.datetime64):
        problems.append("time is not datetime64")
    for need in QUANTILES:
        if not np.any(np.isclose(ds["quantile"].values, need)):
            problems.append(f"quantile {need} missing")
    contract = model.contract
    for o in contract.outputs:
        dims = tuple(d for d, _ in o.dims)
        for name, want in ((o.name, dims + ("time", "quantile")), (f"{o.name}_mean", dims + ("time",)),
                           (f"{o.name}_sd", dims + ("time",)),
                           (f"{o.name}_quantile_error", dims + ("time", "quantile")),
                           (f"{o.name}_quantile_mcse", dims + ("time", "quantile"))):
            if name not in ds:
                problems.append(f"variable {name!r} missing")
                continue
            if ds[name].dims != want:
                problems.append(f"{name} has dims {ds[name].dims}, expected {want}")
        for d, labels in o.dims:
            if d in ds.coords and list(ds[d].values) != list(labels):
                problems.append(f"coordinate {d} is {list(ds[d].values)}, expected {list(labels)}")
    bounds = {str(ds[c].attrs.get("bounds")) for c in ds.coords if "bounds" in ds[c].attrs}
    for name, v in ds.data_vars.items():
        if name in bounds:  # a CF boundary variable takes its coordinate's attributes
            continue
        for a in ("units", "long_name"):
            if a not in v.attrs:
                problems.append(f"{name} lacks CF attribute {a!r}")
    for _, name, labels in contract.series():
        if name in ds and labels:
            try:
                ds[name].sel(labels)
            except KeyError:
                problems.append(f"{name} has no series for {labels}")
    for o in contract.outputs:
        q = ds[o.name].values if o.name in ds else None
        if q is not None and np.any(np.diff(q, axis=-1) < -1e-9 * np.abs(q[..., 1:])):
            problems.append(f"{o.name} quantiles are not increasing in probability")
    if run.prior is not None:
        if "draw" not in run.prior.dims or "draw" not in run.prior_predictive.dims:
            problems.append("draws.zarr groups lack the 'draw' dimension")
        for o in contract.outputs:
            if o.name not in run.prior_predictive:
                problems.append(f"draws.zarr prior_predictive lacks {o.name}")
            elif run.prior_predictive[o.name].dims[0] != "draw":
                problems.append(f"draws.zarr {o.name} does not start with the draw dimension")
        for name in model.inputs:
            if name not in run.prior:
                problems.append(f"draws.zarr prior lacks input {name}")
    if problems:
        raise AssertionError("run schema: " + "; ".join(problems))
