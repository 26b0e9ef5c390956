"""The run folder: ``runs/<name>/`` with ``summary.nc``, ``manifest.json``,
``priors.toml``, optional ``draws.zarr`` and the charts.

How a run is written (every step is a named crash point, see
:func:`~dieroll.store.commit.crash_point`, and ``docs/reliability.md``):

1. the name is reserved (:class:`~dieroll.store.reserve.Reservation`) before
   anything is sampled: a second run under the same name is refused at once;
2. an existing run is refused unless ``force``;
3. the files are written into a hidden ``.tmp-<name>-<hex>`` folder beside the
   target, each checked against the free space first;
4. the manifest (every file, ``draws.zarr`` included, with size and SHA-256)
   is written last, so a folder without it is never complete;
5. the folder is put in place in one atomic step (:mod:`~dieroll.store.commit`);
   a replaced run is swapped out and then removed, its manifest first.

Ctrl-C (or SIGTERM through the CLI) at any step before 5 removes the temporary
folder and leaves any existing run untouched; a crash (SIGKILL, power) leaves
a hidden leftover that :func:`leftovers` finds and :func:`clean` removes.
"""
from __future__ import annotations

import io
import json
import os
import re
import secrets
from dataclasses import dataclass

import xarray as xr

from ..errors import Interrupted, RunError, RunStoreError
from ..text import printable
from . import commit as _commit
from .files import disk_error, remove_tree, tree_size, write_bytes
from .manifest import (DRAWS, FORMAT, MANIFEST, PRIORS, SUMMARY, file_entries, read_manifest,
                       read_verified, verify_entries)
from .provenance import command_line, git_commit, now_utc, version
from .reserve import LOCK_PREFIX, Reservation, holder, is_held, lock_path

__all__ = ["Run", "check_name", "clean", "leftovers", "list_runs", "open_run", "write_run_folder",
           "MANIFEST", "SUMMARY", "DRAWS", "PRIORS"]

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}")
_HIDDEN = (".tmp-", ".old-")
#: summary.nc is read into memory (and hashed) whole: no larger than this.
MAX_SUMMARY_BYTES = 1 << 30


@dataclass(repr=False)
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

    def __repr__(self) -> str:
        from .summary import run_repr
        return run_repr("Run", self.summary, f" at {self.path!r}" + (", draws kept" if self.prior is not None
                                                                      else ""))

    def _repr_html_(self) -> str:
        from .summary import run_html
        return run_html("Run", self.summary, f" at {self.path!r}")


def check_name(name: str) -> str:
    """Validate a run name: letters, digits and ``_ . -``, up to 100, not starting with ``.``.

    The whole name must match (a trailing newline or space is refused).
    """
    if not isinstance(name, str) or not _NAME.fullmatch(name) or name.endswith("."):
        raise RunError(f"run name {printable(repr(name), 120)} is not allowed: use letters, digits, '_', '.' "
                       "or '-' (up to 100 characters, not starting or ending with '.', no spaces or "
                       "control characters)")
    return name


def check_stop() -> None:
    """Raise ``KeyboardInterrupt`` if a Ctrl-C asked the run to stop (checked between steps)."""
    from ..engine.simulate import STOP
    if STOP.is_set():
        raise KeyboardInterrupt


def _make_tmp(runs_dir: str, name: str) -> str:
    while True:
        p = os.path.join(runs_dir, f".tmp-{name}-{secrets.token_hex(4)}")
        try:
            os.mkdir(p, 0o755)
            return p
        except FileExistsError:
            continue


def _remove_replaced(path: str) -> None:
    """Remove a swapped-out run, its manifest first (so no part of it looks complete)."""
    try:
        os.unlink(os.path.join(path, MANIFEST))
    except OSError:
        pass
    _commit.crash_point("removing-replaced")
    remove_tree(path)


def _fields_manifest(name, fields, files) -> bytes:
    manifest = {"name": name, "status": "complete", "format": FORMAT, "dieroll_version": version(),
                "git_commit": git_commit(), "command": command_line(), "completed_at": now_utc(),
                **fields, "files": files}
    return (json.dumps(manifest, indent=2, sort_keys=False) + "\n").encode()


def write_run_folder(runs_dir: str, name: str, fill, *, force: bool = False) -> str:
    """Create ``runs_dir/name`` atomically and exclusively.

    Parameters
    ----------
    runs_dir, name : str
    fill : callable
        ``fill(tmpdir) -> dict`` writes the run's files into ``tmpdir`` (the
        simulation runs inside it, after the name is reserved) and returns the
        manifest fields to record.
    force : bool
        Replace an existing run, in one atomic step once the new one is complete.

    Returns
    -------
    str
        The run's path.

    Raises
    ------
    dieroll.errors.RunError
        The name is not allowed, exists (without ``force``) or is taken by a run
        in progress (refused before ``fill`` is called).
    dieroll.errors.RunStoreError
        The disk is full or not writable (the temporary folder is removed).
    dieroll.errors.Interrupted
        Ctrl-C: the temporary folder is removed, an existing run is untouched.
    """
    check_name(name)
    try:
        os.makedirs(runs_dir, exist_ok=True)
    except OSError as exc:
        raise disk_error(exc, f"the runs folder {runs_dir!r}", runs_dir) from None
    target = os.path.join(runs_dir, name)
    try:
        res = Reservation(runs_dir, name)
    except OSError as exc:
        raise disk_error(exc, f"the lock for run {name!r}", runs_dir) from None
    with res:
        restored = recover(runs_dir, name)
        existed = os.path.lexists(target)
        if existed and not force:
            extra = " (restored from an interrupted --force replacement)" if restored else ""
            raise RunError(f"run {target!r} already exists{extra}; choose another --name or pass --force "
                           "to replace it")
        if existed and (os.path.islink(target) or not os.path.isdir(target)):
            raise RunError(f"{target!r} exists and is not a run folder (a file or a link); remove it yourself")
        _commit.crash_point("reserved")
        try:
            tmp = _make_tmp(runs_dir, name)
        except OSError as exc:
            raise disk_error(exc, "the temporary run folder", runs_dir) from None
        res.note(tmp=tmp)
        committed, stage = False, "sampling and writing the run"
        try:
            _commit.crash_point("tmp-created")
            fields = fill(tmp)
            stage = "writing the manifest"
            check_stop()
            _commit.crash_point("files-written")
            files = file_entries(tmp)
            write_bytes(os.path.join(tmp, MANIFEST), _fields_manifest(name, fields, files))
            _commit.crash_point("manifest-written")
            check_stop()
            stage = "putting the run in place"
            if existed:
                old = _commit.exchange(tmp, target, os.path.join(runs_dir, f".old-{name}-{secrets.token_hex(4)}"))
            else:
                _commit.move_new(tmp, target)
            committed = True
            _commit.crash_point("committed")
            if existed:
                stage = "removing the replaced run"
                _remove_replaced(old)
        except KeyboardInterrupt:
            if committed:
                raise Interrupted(f"interrupted while {stage}; the new run is complete at {target}; "
                                  "`dieroll clean` removes what is left of the old one") from None
            remove_tree(tmp)
            kept = f"the existing run {target!r} is unchanged" if existed else "no run was written"
            raise Interrupted(f"interrupted while {stage}; the temporary folder was removed and {kept}") from None
        except OSError as exc:
            if committed:
                raise
            remove_tree(tmp)
            raise disk_error(exc, f"run {name!r}", runs_dir) from None
        except BaseException:
            if not committed:
                remove_tree(tmp)
            raise
    return target


# --------------------------------------------------------------------- reading
def open_run(path: str | os.PathLike, *, verify: bool = True) -> Run:
    """Open a run folder, checking every file against its manifest first.

    Parameters
    ----------
    path : str or path-like
        The run folder (``runs/<name>``).
    verify : bool
        Compare every file's SHA-256 (``draws.zarr`` included) with the
        manifest.  Without it, names, file types and sizes are still checked.

    Returns
    -------
    Run
        ``summary`` loaded into memory (parsed from the very bytes that were
        hashed); per-draw data opened lazily.

    Raises
    ------
    dieroll.errors.RunStoreError
        When the folder is missing, partial, corrupt or hostile (an entry
        outside it, a link, a device), naming the file.
    """
    path = os.fspath(path)
    m = read_manifest(path)
    checked = verify_entries(path, m, hashes=verify, later=(SUMMARY,))
    sp = os.path.join(path, SUMMARY)
    digest, size = checked[SUMMARY]
    data = read_verified(path, SUMMARY, (digest if verify else None, size), MAX_SUMMARY_BYTES)
    try:
        with xr.open_dataset(io.BytesIO(data), engine="h5netcdf") as ds:
            summary = ds.load()
    except Exception as exc:  # h5py raises many kinds on corrupt files
        raise RunStoreError(f"{sp!r} cannot be read as netCDF: {printable(str(exc), 160)}") from None
    prior = pred = None
    dp = os.path.join(path, DRAWS)
    if os.path.exists(dp):
        try:
            prior = xr.open_zarr(dp, group="prior", consolidated=None)
            pred = xr.open_zarr(dp, group="prior_predictive", consolidated=None)
            for group, d in (("prior", prior), ("prior_predictive", pred)):
                if d.sizes.get("chain", 1) != 1:
                    raise RunStoreError(f"{dp!r}: group {group} has {d.sizes['chain']} chains; a run writes one")
            prior, pred = (d.squeeze("chain", drop=True) if "chain" in d.dims else d for d in (prior, pred))
        except Exception as exc:
            raise RunStoreError(f"{dp!r} cannot be read as zarr: {printable(str(exc), 160)}") from None
        n = int(m.get("draws", -1)) if isinstance(m.get("draws"), int) else -1
        for group, ds in (("prior", prior), ("prior_predictive", pred)):
            if ds.sizes.get("draw") != n:
                raise RunStoreError(f"{dp!r}: group {group} holds {ds.sizes.get('draw')} draws, the run has {n}")
    return Run(path=path, manifest=m, summary=summary, prior=prior, prior_predictive=pred)


# --------------------------------------------------------------------- listing
def _parse_hidden(entry: str) -> tuple[str, str] | None:
    """``('.tmp-', 'baseline')`` for ``.tmp-baseline-1a2b3c4d``; ``None`` for other names."""
    for prefix in _HIDDEN:
        if entry.startswith(prefix) and len(entry) > len(prefix) + 9 and entry[-9] == "-":
            return prefix, entry[len(prefix):-9]
    if entry.startswith(LOCK_PREFIX) and len(entry) > len(LOCK_PREFIX):
        return LOCK_PREFIX, entry[len(LOCK_PREFIX):]
    return None


def leftovers(runs_dir: str = "runs") -> list[dict]:
    """What interrupted or killed runs left in ``runs_dir``, and what is in progress.

    Returns
    -------
    list of dict
        ``name`` (the hidden entry), ``run`` (the run name it belongs to),
        ``kind`` (``temporary``, ``replaced`` or ``lock``), ``bytes``,
        ``in_progress`` (a live run is writing it: never removed) and ``path``.
    """
    out = []
    if not os.path.isdir(runs_dir):
        return out
    live = {}
    for entry in sorted(os.listdir(runs_dir)):
        got = _parse_hidden(entry)
        if got and got[0] == LOCK_PREFIX and is_held(os.path.join(runs_dir, entry)):
            live[got[1]] = holder(os.path.join(runs_dir, entry)).get("tmp")
    for entry in sorted(os.listdir(runs_dir)):
        got = _parse_hidden(entry)
        if got is None:
            continue
        prefix, run = got
        path = os.path.join(runs_dir, entry)
        if prefix == LOCK_PREFIX:
            kind, size, busy = "lock", 0, run in live
        else:
            kind = "temporary" if prefix == ".tmp-" else "replaced"
            size = tree_size(path) if os.path.isdir(path) and not os.path.islink(path) else 0
            busy = run in live and live[run] is not None and os.path.abspath(live[run]) == os.path.abspath(path)
        out.append({"name": entry, "run": run, "kind": kind, "bytes": size, "in_progress": busy, "path": path})
    return out


def recover(runs_dir: str, name: str) -> bool:
    """Move back a run that a two-step replacement (no atomic exchange) left aside.

    Call with ``name`` reserved.  Returns whether a run was restored.
    """
    target = os.path.join(runs_dir, name)
    if os.path.lexists(target) or not os.path.isdir(runs_dir):
        return False
    for entry in sorted(os.listdir(runs_dir)):
        got = _parse_hidden(entry)
        if got == (".old-", name):
            old = os.path.join(runs_dir, entry)
            try:
                read_manifest(old)
            except RunStoreError:
                continue
            os.rename(old, target)
            return True
    return False


def clean(runs_dir: str = "runs", *, dry_run: bool = False) -> list[dict]:
    """Remove what interrupted runs left behind; never a complete run, never a run in progress.

    A run that a two-step replacement left aside (``.old-<name>-*``, with no run
    under ``<name>``) is moved back, not removed.

    Returns
    -------
    list of dict
        The entries of :func:`leftovers` acted on, each with ``action``
        (``removed``, ``restored``, ``skipped: in progress``).
    """
    done = []
    for item in leftovers(runs_dir):
        item = dict(item)
        if item["in_progress"]:
            item["action"] = "skipped: in progress"
            done.append(item)
            continue
        if dry_run:
            item["action"] = "would remove"
            done.append(item)
            continue
        try:
            res = Reservation(runs_dir, item["run"]) if _NAME.fullmatch(item["run"]) else None
        except RunError:
            res = None  # another run holds the name now; its own folder is not this one
        try:
            if item["kind"] == "lock":
                item["action"] = "removed" if res is not None else "skipped: in progress"
            elif item["kind"] == "replaced" and res is not None and recover(runs_dir, item["run"]):
                item["action"] = f"restored as {item['run']}"
            elif os.path.lexists(item["path"]):
                remove_tree(item["path"])
                item["action"] = "removed"
            else:
                item["action"] = "gone"
        finally:
            if res is not None:
                res.release()
        done.append(item)
    return done


def list_runs(runs_dir: str = "runs", *, verify: bool = True) -> list[dict]:
    """Every run folder under ``runs_dir`` with title, draws, seed, date and status.

    Parameters
    ----------
    verify : bool
        Check every file's SHA-256 before calling a run complete (``False``:
        names, types and sizes only; the status says ``unverified``).

    Returns
    -------
    list of dict
        ``status`` is ``complete`` (verified), ``unverified`` (checked without
        hashes), ``corrupt`` (``note`` says why), ``in progress`` (reserved by a
        live run, not yet in place) or ``leftover`` (hidden, from an interrupted
        run; ``bytes`` gives its size).
    """
    out = []
    if not os.path.isdir(runs_dir):
        return out
    def row(name, status, path, size, note="", m=None):
        m = m or {}
        return {"name": name, "status": status, "title": str(m.get("title", "")), "draws": m.get("draws", ""),
                "seed": m.get("seed", ""), "date": str(m.get("completed_at", "")), "path": path, "bytes": size,
                "note": note}

    names = set()
    for name in sorted(os.listdir(runs_dir)):
        path = os.path.join(runs_dir, name)
        if name.startswith(".") or not os.path.isdir(path):
            continue
        names.add(name)
        try:
            m = read_manifest(path)
            verify_entries(path, m, hashes=verify)
            r = row(name, "complete" if verify else "unverified", path, tree_size(path), m=m)
        except RunStoreError as exc:
            r = row(name, "corrupt", path, tree_size(path), note=str(exc))
        if is_held(lock_path(runs_dir, name)):
            r["note"] = (r["note"] + "; " if r["note"] else "") + "a replacement is being written"
        out.append(r)
    for item in leftovers(runs_dir):
        if item["kind"] == "lock" and item["in_progress"] and item["run"] not in names:
            out.append(row(item["run"], "in progress", os.path.join(runs_dir, item["run"]), 0,
                           note="reserved by a live run"))
        elif item["kind"] != "lock" and not item["in_progress"]:
            out.append(row(item["name"], "leftover", item["path"], item["bytes"],
                           note=f"{item['kind']} folder of run {item['run']!r}; `dieroll clean` removes it"))
    return out
