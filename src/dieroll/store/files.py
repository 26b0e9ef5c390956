"""Writing a run's files so that a full disk is a message, never a crash.

Every file of a run is made in memory first (``summary.nc`` as netCDF bytes,
the charts as image bytes), the free space is checked against its exact size,
and only then is it written with plain ``os.write`` calls.  No C library
writes to disk except zarr, whose batches are checked against their
uncompressed size (an upper bound) before each write.
"""
from __future__ import annotations

import errno
import os
import shutil
import stat

from ..errors import RunStoreError
from ..text import human_bytes

__all__ = ["MARGIN", "check_free", "free_bytes", "human_bytes", "tree_size", "write_bytes", "replace_file",
           "check_target"]

#: Space kept free beyond a file's own size (file-system metadata, the manifest).
MARGIN = 1 << 20
#: The system call that writes (a seam: tests replace it with one that fails part-way).
_os_write = os.write


def free_bytes(folder: str) -> int:
    """Bytes free to this user on the file system holding ``folder``."""
    return shutil.disk_usage(folder).free


def check_free(folder: str, need: int, what: str) -> None:
    """Refuse with the estimate when ``need`` bytes (plus :data:`MARGIN`) do not fit in ``folder``.

    Raises
    ------
    dieroll.errors.RunStoreError
        Naming ``what`` would be written, the bytes it needs and the bytes free.
    """
    try:
        free = free_bytes(folder)
    except OSError as exc:
        raise RunStoreError(f"cannot read the free space of {folder!r}: {exc.strerror or exc}") from None
    if need + MARGIN > free:
        raise RunStoreError(f"not enough disk space for {what}: it needs about {human_bytes(need + MARGIN)}, "
                            f"{human_bytes(free)} is free on the file system of {folder!r}; free some space "
                            "(`dieroll clean` removes what interrupted runs left) or choose another --runs-dir")


def disk_error(exc: OSError, what: str, folder: str) -> RunStoreError:
    """A one-line :class:`RunStoreError` for an ``OSError`` raised while writing ``what``."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        why = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is exceeded",
               errno.EFBIG: "the file is larger than this system allows"}[exc.errno]
        return RunStoreError(f"writing {what} failed: {why} ({folder!r}); nothing was kept. Free some space "
                             "(`dieroll clean` removes what interrupted runs left) or choose another --runs-dir")
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return RunStoreError(f"writing {what} failed: {exc.strerror} ({folder!r}); choose a writable --runs-dir")
    return RunStoreError(f"writing {what} failed: {exc.strerror or exc} ({folder!r}); nothing was kept")


def write_bytes(path: str, data: bytes | memoryview, what: str | None = None) -> int:
    """Create ``path`` (it must not exist) holding ``data``, after checking the free space.

    Returns
    -------
    int
        Bytes written.

    Raises
    ------
    dieroll.errors.RunStoreError
        When the space is short (before writing) or the write fails (the partial
        file is removed).
    """
    folder = os.path.dirname(path) or "."
    what = what or os.path.basename(path)
    data = memoryview(data).cast("B")
    check_free(folder, len(data), what)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except OSError as exc:
        raise disk_error(exc, what, folder) from None
    try:
        done = 0
        while done < len(data):
            done += _os_write(fd, data[done:done + (8 << 20)])
        os.fsync(fd)
    except OSError as exc:
        os.close(fd)
        try:
            os.unlink(path)
        except OSError:
            pass
        raise disk_error(exc, what, folder) from None
    os.close(fd)
    return done


def tree_size(path: str) -> int:
    """Bytes used by the files under ``path`` (links not followed)."""
    total = 0
    for root, dirs, files in os.walk(path, followlinks=False):
        for f in files:
            try:
                st = os.lstat(os.path.join(root, f))
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode):
                total += st.st_size
    return total


def remove_tree(path: str) -> None:
    """Remove ``path`` and everything under it, after zarr's background writes have stopped.

    zarr writes chunks from tasks on its own event loop; when one write fails
    the others go on, and could recreate folders under a removed path.  This
    waits for them first, then removes, and removes again if anything came back.
    """
    _drain_zarr()
    for _ in range(5):
        shutil.rmtree(path, ignore_errors=True)
        if not os.path.lexists(path):
            return
        _drain_zarr()


def _drain_zarr(timeout: float = 30.0) -> None:
    """Wait for every task still running on zarr's event loop (if zarr has started one)."""
    import sys
    if "zarr" not in sys.modules:
        return
    import asyncio
    try:
        from zarr.core import sync as zsync
        loop = getattr(zsync, "loop", [None])[0]
    except Exception:  # zarr's internals moved: nothing to wait for that we know of
        return
    if loop is None or not loop.is_running():
        return

    async def _wait():
        me = asyncio.current_task()
        others = [t for t in asyncio.all_tasks() if t is not me]
        if others:
            await asyncio.wait(others, timeout=timeout)

    try:
        asyncio.run_coroutine_threadsafe(_wait(), loop).result(timeout + 5)
    except Exception:
        pass


def _run_holding(path: str) -> tuple[str, bool] | None:
    """The run folder that holds ``path`` (a folder with a manifest, ``path`` at its top
    level or deeper), and whether ``path`` is one of its own files: listed in its
    manifest, the manifest itself, ``draws.zarr``, or anything in a folder of the run."""
    from .manifest import DRAWS, MANIFEST, run_files
    target = os.path.join(os.path.realpath(os.path.dirname(os.path.abspath(path))), os.path.basename(path))
    folder, depth = os.path.dirname(target), 0
    while True:
        if os.path.isfile(os.path.join(folder, MANIFEST)):
            own = depth > 0 or os.path.basename(target) in (MANIFEST, DRAWS) or target in run_files(folder)
            return folder, own
        up = os.path.dirname(folder)
        if up == folder:
            return None
        folder, depth = up, depth + 1


def check_target(path: str, force: bool, option: str = "--out") -> None:
    """Refuse, with one line naming ``option`` and ``path``, to write ``path`` when it is one
    of a run's own files (or inside a run's folders), when it exists and is not a regular
    file (a device, pipe, folder or link: never replaced, even with ``force``), or when it
    exists and ``force`` is not given."""
    from ..errors import DierollError
    held = _run_holding(path)
    if held and held[1]:
        raise DierollError(f"{option} {path}: one of the run {held[0]}'s own files, or inside it; a run's files are "
                           "never replaced by another command: write elsewhere")
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise DierollError(f"{option} {path}: cannot check it ({exc.strerror})") from None
    if not stat.S_ISREG(st.st_mode):
        kind = ("a folder" if stat.S_ISDIR(st.st_mode) else "a link" if stat.S_ISLNK(st.st_mode) else
                "a pipe" if stat.S_ISFIFO(st.st_mode) else "a device" if stat.S_ISCHR(st.st_mode) or
                stat.S_ISBLK(st.st_mode) else "not a regular file")
        raise DierollError(f"{option} {path}: {kind}; dieroll writes only regular files and never replaces anything "
                           "else, even with --force")
    if not force:
        raise DierollError(f"{path} exists; choose another {option} or add --force to replace it")


def _commit(tmp: str, path: str, force: bool, option: str) -> None:
    """Put the finished ``tmp`` at ``path``: without ``force`` by a hard link, which fails if
    ``path`` appeared meanwhile (no check-then-rename race); with it by a rename, after
    checking the target again."""
    from ..errors import DierollError
    check_target(path, True, option)  # a run's file or a non-file; existence is the link's to find
    if not force:
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise DierollError(f"{path} exists (written by something else meanwhile); choose another {option} or "
                               "add --force to replace it") from None
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EMLINK, errno.EACCES):
                raise
            if os.path.lexists(path):  # a file system without hard links: the best it allows
                raise DierollError(f"{path} exists; choose another {option} or add --force to replace it") from None
            os.replace(tmp, path)
        else:
            os.unlink(tmp)
        return
    os.replace(tmp, path)


def replace_file(path: str, write, *, force: bool = False, suffix: str = "", option: str = "--out") -> str:
    """The one routine through which dieroll writes a file outside a run's creation.

    ``write(tmp_path)`` writes a file beside ``path``, which is then put in place
    (:func:`_commit`).  Refused with one line (:func:`check_target`): a run's own
    files or anything inside a run's folders, a target that is not a regular
    file, and an existing target without ``force``, checked before the write and
    again, atomically, when the file is put in place.  A missing folder, or a
    write that fails, is a :class:`~dieroll.errors.DierollError` naming the path,
    and leaves nothing behind.  ``suffix`` ends the temporary name (writers that
    pick the format from the extension need it).
    """
    from ..errors import DierollError
    check_target(path, force, option)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise DierollError(f"{option} {path!r}: the folder {folder} does not exist")
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{os.getpid()}.tmp{suffix}")
    try:
        write(tmp)
        _commit(tmp, path, force, option)
    except OSError as exc:
        raise DierollError(f"cannot write {path}: {exc.strerror}") from None
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)
    return path
