"""The run folder: ``runs/<name>/`` with ``summary.nc``, ``manifest.json``,
``priors.toml``, optional ``draws.zarr`` and the charts.

A run is written into a hidden temporary folder beside its target
(``.tmp-<name>-<random>``) and renamed into place only when complete, so an
interrupted run never looks finished and never touches other runs.  An
existing run is replaced only with ``force=True``, and only once the new run is
complete (the old one is renamed aside, the new one moved in, the old one
deleted).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass

import xarray as xr

from ..errors import RunError, RunStoreError
from .provenance import command_line, git_commit, now_utc, version

__all__ = ["Run", "list_runs", "open_run", "write_run_folder", "MANIFEST", "SUMMARY", "DRAWS", "PRIORS"]

MANIFEST, SUMMARY, DRAWS, PRIORS = "manifest.json", "summary.nc", "draws.zarr", "priors.toml"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$")


@dataclass
class Run:
    """An opened run.

    Attributes
    ----------
    path : str
    manifest : dict
    summary : xarray.Dataset
    prior : xarray.Dataset or None
        Per-draw inputs and claims (lazy), when the run kept its draws.
    prior_predictive : xarray.Dataset or None
        Per-draw outputs (lazy), when the run kept its draws.
    """

    path: str
    manifest: dict
    summary: xr.Dataset
    prior: xr.Dataset | None = None
    prior_predictive: xr.Dataset | None = None

    @property
    def name(self) -> str:
        return os.path.basename(os.path.normpath(self.path))


def _sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def check_name(name: str) -> str:
    """Validate a run name (letters, digits, ``_ . -``; no path separators)."""
    if not _NAME.match(name or ""):
        raise RunError(f"run name {name!r} is not allowed: use letters, digits, '_', '.' or '-' "
                       "(up to 100 characters, not starting with '.')")
    return name


def write_run_folder(runs_dir: str, name: str, fill, *, force: bool = False) -> str:
    """Create ``runs_dir/name`` atomically.

    Parameters
    ----------
    runs_dir, name : str
    fill : callable
        ``fill(tmpdir) -> dict`` writes the run's files into ``tmpdir`` and returns
        the manifest fields to record.
    force : bool
        Replace an existing run (only once the new one is complete).

    Returns
    -------
    str
        The run's path.
    """
    check_name(name)
    os.makedirs(runs_dir, exist_ok=True)
    target = os.path.join(runs_dir, name)
    if os.path.exists(target) and not force:
        raise RunError(f"run {target!r} already exists; choose another --name or pass --force to replace it")
    tmp = tempfile.mkdtemp(prefix=f".tmp-{name}-", dir=runs_dir)
    try:
        fields = fill(tmp)
        files = {}
        for root, _, names in os.walk(tmp):
            for f in names:
                p = os.path.join(root, f)
                rel = os.path.relpath(p, tmp)
                if not rel.startswith(DRAWS):
                    files[rel] = _sha256(p)
        manifest = {"name": name, "status": "complete", "dieroll_version": version(),
                    "git_commit": git_commit(), "command": command_line(), "completed_at": now_utc(),
                    **fields, "files": dict(sorted(files.items()))}
        with open(os.path.join(tmp, MANIFEST), "w") as fh:
            json.dump(manifest, fh, indent=2, sort_keys=False)
            fh.write("\n")
        if os.path.exists(target):
            old = tempfile.mkdtemp(prefix=f".old-{name}-", dir=runs_dir)
            os.rmdir(old)
            os.rename(target, old)
            os.rename(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _read_manifest(path: str) -> dict:
    mp = os.path.join(path, MANIFEST)
    if not os.path.isdir(path):
        raise RunStoreError(f"{path!r} is not a run folder (no such directory)")
    if not os.path.exists(mp):
        raise RunStoreError(f"{path!r} is not a complete run: {MANIFEST} is missing "
                            "(the run was interrupted or this is not a run folder)")
    try:
        with open(mp) as fh:
            m = json.load(fh)
    except (OSError, ValueError) as exc:
        raise RunStoreError(f"{mp!r} is not valid JSON: {exc}") from None
    if not isinstance(m, dict) or m.get("status") != "complete":
        raise RunStoreError(f"{mp!r} does not mark a complete run (status {m.get('status') if isinstance(m, dict) else m!r})")
    return m


def open_run(path: str | os.PathLike, *, verify: bool = True) -> Run:
    """Open a run folder.

    Parameters
    ----------
    path : str or path-like
        The run folder (``runs/<name>``).
    verify : bool
        Check every recorded file's SHA-256 against the manifest.

    Returns
    -------
    Run
        ``summary`` loaded into memory; per-draw data opened lazily.

    Raises
    ------
    dieroll.errors.RunStoreError
        When the folder is missing, partial or corrupt, naming what is wrong.
    """
    path = os.fspath(path)
    m = _read_manifest(path)
    files = m.get("files", {})
    for rel, digest in files.items():
        p = os.path.join(path, rel)
        if not os.path.exists(p):
            raise RunStoreError(f"{path!r}: {rel} is listed in the manifest but missing")
        if verify and _sha256(p) != digest:
            raise RunStoreError(f"{path!r}: {rel} does not match its SHA-256 in the manifest (modified or corrupt)")
    sp = os.path.join(path, SUMMARY)
    if not os.path.exists(sp):
        raise RunStoreError(f"{path!r}: {SUMMARY} is missing")
    try:
        with xr.open_dataset(sp, engine="h5netcdf") as ds:
            summary = ds.load()
    except Exception as exc:  # h5py raises many kinds on corrupt files
        raise RunStoreError(f"{sp!r} cannot be read as netCDF: {exc}") from None
    prior = pred = None
    dp = os.path.join(path, DRAWS)
    if os.path.exists(dp):
        try:
            prior = xr.open_zarr(dp, group="prior", consolidated=False)
            pred = xr.open_zarr(dp, group="prior_predictive", consolidated=False)
        except Exception as exc:
            raise RunStoreError(f"{dp!r} cannot be read as zarr: {exc}") from None
    return Run(path=path, manifest=m, summary=summary, prior=prior, prior_predictive=pred)


def list_runs(runs_dir: str = "runs") -> list[dict]:
    """Every run folder under ``runs_dir`` with title, draws, seed, date and status.

    Hidden temporary folders left by interrupted runs are listed with status
    ``interrupted``; they never count as complete.
    """
    out = []
    if not os.path.isdir(runs_dir):
        return out
    for name in sorted(os.listdir(runs_dir)):
        path = os.path.join(runs_dir, name)
        if not os.path.isdir(path):
            continue
        if name.startswith(".tmp-") or name.startswith(".old-"):
            out.append({"name": name, "status": "interrupted", "title": "", "draws": "", "seed": "",
                        "date": "", "path": path})
            continue
        if name.startswith("."):
            continue
        try:
            m = _read_manifest(path)
            out.append({"name": name, "status": "complete", "title": m.get("title", ""),
                        "draws": m.get("draws", ""), "seed": m.get("seed", ""),
                        "date": m.get("completed_at", ""), "path": path})
        except RunStoreError:
            out.append({"name": name, "status": "incomplete", "title": "", "draws": "", "seed": "",
                        "date": "", "path": path})
    return out
