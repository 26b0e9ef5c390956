"""``manifest.json``: every file of a run with its size and SHA-256, and checking them.

A run folder is a closed world.  Every entry of the manifest must be a plain
relative name inside the folder (no ``..``, no absolute path, no symbolic
link anywhere on the way, a regular file whose size matches the manifest)
before a byte of it is read.  The manifest covers every file of
``draws.zarr`` too, and the files under ``draws.zarr`` must be exactly those
listed: a chunk deleted, added or taken from another run is named.
"""
from __future__ import annotations

import hashlib
import json
import os
import stat

from ..errors import RunStoreError
from ..text import printable

__all__ = ["FORMAT", "MAX_MANIFEST_BYTES", "file_entries", "read_manifest", "verify_entries", "read_verified", "run_files"]

#: Manifest format: 2 records ``{"sha256": ..., "bytes": ...}`` per file, draws.zarr included.
FORMAT = 2
MAX_MANIFEST_BYTES = 64 << 20
MANIFEST, SUMMARY, DRAWS, PRIORS = "manifest.json", "summary.nc", "draws.zarr", "priors.toml"
#: Files a complete run must list.
REQUIRED = (SUMMARY, PRIORS)


def _open_regular(path: str) -> int:
    """Open ``path`` for reading, never blocking on a pipe or following a link; regular files only."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise RunStoreError(f"{path!r} is not a regular file (a device, pipe or folder): refused")
    return fd


def _read_at_most(path: str, limit: int) -> bytes:
    """Up to ``limit + 1`` bytes of regular file ``path`` (one more than allowed shows it is too large)."""
    fd = _open_regular(path)
    try:
        chunks, got = [], 0
        while got <= limit:
            b = os.read(fd, min(1 << 22, limit + 1 - got))
            if not b:
                break
            chunks.append(b)
            got += len(b)
    finally:
        os.close(fd)
    return b"".join(chunks)


def sha256_file(path: str, size: int | None = None) -> str:
    """SHA-256 of the file at ``path`` (read at most ``size`` bytes plus one, to catch growth)."""
    h = hashlib.sha256()
    fd = _open_regular(path)
    try:
        left = None if size is None else size + 1
        while True:
            block = os.read(fd, 1 << 20 if left is None else min(1 << 20, left))
            if not block:
                break
            h.update(block)
            if left is not None:
                left -= len(block)
                if left <= 0:
                    break
    finally:
        os.close(fd)
    return h.hexdigest()


def file_entries(folder: str) -> dict:
    """``{relative path: {"sha256", "bytes"}}`` for every file under ``folder`` (manifest excluded)."""
    out = {}
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(root, f)
            rel = os.path.relpath(p, folder).replace(os.sep, "/")
            if rel == MANIFEST:
                continue
            st = os.lstat(p)
            out[rel] = {"sha256": sha256_file(p), "bytes": st.st_size}
    return dict(sorted(out.items()))


def read_manifest(path: str) -> dict:
    """Read and check the manifest of run folder ``path``.

    Raises
    ------
    dieroll.errors.RunStoreError
        When the folder or its manifest is missing, not a regular file, too
        large, not JSON, or not marked complete.
    """
    if not os.path.isdir(path):
        raise RunStoreError(f"{path!r} is not a run folder (no such directory)")
    mp = os.path.join(path, MANIFEST)
    try:
        st = os.lstat(mp)
    except FileNotFoundError:
        raise RunStoreError(f"{path!r} is not a complete run: {MANIFEST} is missing "
                            "(the run was interrupted or this is not a run folder)") from None
    if not stat.S_ISREG(st.st_mode):
        raise RunStoreError(f"{mp!r} is not a regular file (a link or device): refused")
    if st.st_size > MAX_MANIFEST_BYTES:
        raise RunStoreError(f"{mp!r} is {st.st_size:,} bytes, more than a manifest can be "
                            f"({MAX_MANIFEST_BYTES:,}): refused")
    try:
        m = json.loads(_read_at_most(mp, MAX_MANIFEST_BYTES).decode("utf-8"))
    except (OSError, ValueError) as exc:
        raise RunStoreError(f"{mp!r} is not valid JSON: {printable(str(exc), 120)}") from None
    if not isinstance(m, dict) or m.get("status") != "complete":
        got = m.get("status") if isinstance(m, dict) else type(m).__name__
        raise RunStoreError(f"{mp!r} does not mark a complete run (status {printable(repr(got), 60)})")
    if not isinstance(m.get("files"), dict):
        raise RunStoreError(f"{mp!r}: 'files' must be a table of file name -> sha256 and bytes")
    return m


def _entry(rel, value, where):
    """``(sha256, bytes or None)`` of a manifest entry, or a RunStoreError naming it."""
    if isinstance(value, str):  # format 1: the digest alone
        digest, size = value, None
    elif isinstance(value, dict):
        digest, size = value.get("sha256"), value.get("bytes")
        if not (isinstance(size, int) and not isinstance(size, bool) and size >= 0):
            raise RunStoreError(f"{where}: entry {printable(repr(rel), 120)} has no valid 'bytes' "
                                f"(got {printable(repr(size), 40)})")
    else:
        raise RunStoreError(f"{where}: entry {printable(repr(rel), 120)} must be a sha256 and a size")
    if not (isinstance(digest, str) and len(digest) == 64 and all(c in "0123456789abcdef" for c in digest)):
        raise RunStoreError(f"{where}: entry {printable(repr(rel), 120)} has no valid sha256")
    return digest, size


def _check_name(rel, where) -> list[str]:
    """The parts of a manifest entry that is a plain relative name inside the folder."""
    bad = None
    if not isinstance(rel, str) or not rel:
        bad = "is not a file name"
    elif "\x00" in rel or "\\" in rel or any(ord(c) < 32 for c in rel):
        bad = "holds a control character or backslash"
    elif rel.startswith("/") or os.path.isabs(rel):
        bad = "is an absolute path (entries must be names inside the run folder)"
    elif any(p in ("", ".", "..") for p in rel.split("/")):
        bad = "steps outside the run folder or is not normalised ('..', '.', '//')"
    if bad:
        raise RunStoreError(f"{where}: entry {printable(repr(rel), 120)} {bad}: refused")
    return rel.split("/")


def _lstat_inside(path, parts, rel, where):
    """lstat the entry ``parts`` under ``path`` with no symbolic link on the way."""
    p = path
    for i, part in enumerate(parts):
        p = os.path.join(p, part)
        try:
            st = os.lstat(p)
        except FileNotFoundError:
            raise RunStoreError(f"{where}: {printable(rel, 120)} is listed in the manifest but missing") from None
        if stat.S_ISLNK(st.st_mode):
            raise RunStoreError(f"{where}: {printable(rel, 120)} goes through a symbolic link "
                                f"({printable('/'.join(parts[:i + 1]), 120)}): refused")
        last = i == len(parts) - 1
        if not last and not stat.S_ISDIR(st.st_mode):
            raise RunStoreError(f"{where}: {printable(rel, 120)}: {printable(part, 60)} is not a folder")
        if last and not stat.S_ISREG(st.st_mode):
            raise RunStoreError(f"{where}: {printable(rel, 120)} is not a regular file (a device, pipe or "
                                "folder): refused")
    return st


def verify_entries(path: str, m: dict, *, hashes: bool = True, later: tuple = ()) -> dict:
    """Check every file of run folder ``path`` against its manifest ``m``.

    Parameters
    ----------
    hashes : bool
        Also compare every file's SHA-256 (``False``: names, types and sizes only).
    later : tuple of str
        Entries whose hash the caller checks itself when it reads them
        (:func:`read_verified`).

    Returns
    -------
    dict
        ``{relative path: (sha256, bytes)}`` of the checked entries.

    Raises
    ------
    dieroll.errors.RunStoreError
        Naming the first entry that is not a plain regular file inside the
        folder, is missing, has the wrong size or hash; or a file under
        ``draws.zarr`` that the manifest does not list.
    """
    where = repr(path)
    checked = {}
    for rel, value in m["files"].items():
        parts = _check_name(rel, where)
        digest, size = _entry(rel, value, where)
        st = _lstat_inside(path, parts, rel, where)
        if size is not None and st.st_size != size:
            raise RunStoreError(f"{where}: {printable(rel, 120)} is {st.st_size:,} bytes, the manifest says "
                                f"{size:,} (truncated, grown or replaced)")
        if hashes and rel not in later and sha256_file(os.path.join(path, *parts), size) != digest:
            raise RunStoreError(f"{where}: {rel} does not match its SHA-256 in the manifest (modified or corrupt)")
        checked[rel] = (digest, size)
    for req in REQUIRED:
        if req not in checked:
            raise RunStoreError(f"{where}: the manifest does not list {req}")
    dp = os.path.join(path, DRAWS)
    if os.path.lexists(dp):
        if os.path.islink(dp) or not os.path.isdir(dp):
            raise RunStoreError(f"{where}: {DRAWS} is not a folder (a link or a file): refused")
        listed = {r for r in checked if r.startswith(DRAWS + "/")}
        if not listed:
            raise RunStoreError(f"{where}: {DRAWS} is not covered by the manifest's hashes (written by an "
                                "older dieroll, or added later); re-run with --keep-draws")
        for root, dirs, files in os.walk(dp, followlinks=False):
            for d in dirs:
                if os.path.islink(os.path.join(root, d)):
                    rel = os.path.relpath(os.path.join(root, d), path).replace(os.sep, "/")
                    raise RunStoreError(f"{where}: {printable(rel, 120)} is a symbolic link: refused")
            for f in files:
                rel = os.path.relpath(os.path.join(root, f), path).replace(os.sep, "/")
                if rel not in listed:
                    raise RunStoreError(f"{where}: {printable(rel, 120)} is not in the manifest (draws.zarr "
                                        "was changed or mixed with another run's)")
    return checked


def read_verified(path: str, rel: str, entry: tuple, limit: int) -> bytes:
    """The bytes of entry ``rel`` of run folder ``path``, read once and checked against its hash.

    The bytes that are parsed are the bytes that were hashed (no window for a
    swap between checking and reading).  ``entry`` is ``(sha256, bytes)``; a
    ``None`` digest reads without checking the hash.
    """
    digest, size = entry
    where = repr(path)
    if size is not None and size > limit:
        raise RunStoreError(f"{where}: {rel} is {size:,} bytes, more than dieroll reads ({limit:,}): refused")
    data = _read_at_most(os.path.join(path, rel), limit)
    if len(data) > limit:
        raise RunStoreError(f"{where}: {rel} is more than {limit:,} bytes: refused")
    if digest is not None and hashlib.sha256(data).hexdigest() != digest:
        raise RunStoreError(f"{where}: {rel} does not match its SHA-256 in the manifest (modified or corrupt)")
    return data


def run_files(folder) -> set[str]:
    """The paths a completed run in ``folder`` records in its manifest (and the manifest):
    what a chart or export written there must never replace.  Empty when ``folder``
    holds no readable manifest."""
    if not os.path.exists(os.path.join(folder, MANIFEST)):
        return set()
    try:
        files = read_manifest(folder)["files"]
    except RunStoreError:
        return set()
    return {os.path.normpath(os.path.join(folder, f)) for f in [*files, MANIFEST]}
