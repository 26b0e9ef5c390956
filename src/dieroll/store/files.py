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

__all__ = ["MARGIN", "check_free", "free_bytes", "human_bytes", "tree_size", "write_bytes"]

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


def refuse_existing(path: str, force: bool) -> None:
    """Refuse to replace ``path`` unless ``force`` (before any costly work that would write it)."""
    from ..errors import DierollError
    if os.path.exists(path) and not force:
        raise DierollError(f"{path} exists; choose another --out or add --force to replace it")


def replace_file(path: str, write, *, force: bool = False, suffix: str = "") -> str:
    """Write a file beside ``path`` with ``write(tmp_path)`` and rename it into place.

    An existing ``path`` is replaced only with ``force``; a missing folder, or a
    write that fails, is a :class:`~dieroll.errors.DierollError` naming the path,
    and leaves nothing behind.  ``suffix`` ends the temporary name (writers that
    pick the format from the extension need it).
    """
    from ..errors import DierollError
    refuse_existing(path, force)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise DierollError(f"--out {path!r}: the folder {folder} does not exist")
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{os.getpid()}.tmp{suffix}")
    try:
        write(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        raise DierollError(f"cannot write {path}: {exc.strerror}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
