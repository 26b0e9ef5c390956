"""Putting a finished run folder in place in one atomic step.

A new name: ``renameat2(tmp, target, RENAME_NOREPLACE)`` (plain ``rename`` after
checking where the file system lacks it).  A replacement (``--force``):
``renameat2(tmp, target, RENAME_EXCHANGE)`` swaps the two folders in one
step, so at every instant ``target`` is either the complete old run or the
complete new one; the old run then sits under the temporary name and is
removed (its manifest first, so a part-removed folder never looks complete).

Where the file system cannot exchange (``EINVAL``: NFS, some FUSE and
overlay file systems), the old run is renamed aside to ``.old-<name>-*``
and the new one moved in: two steps.  A crash between them leaves no run under
the name and the old one complete beside it; :func:`recover` (called when the
name is next reserved, and by ``dieroll clean``) moves it back.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os

__all__ = ["CRASH_ENV", "crash_point", "exchange", "move_new"]

_AT_FDCWD = -100
_RENAME_NOREPLACE, _RENAME_EXCHANGE = 1, 2

#: Tests set this to a crash point's name to kill the process there (SIGKILL).
CRASH_ENV = "DIEROLL_TEST_CRASH_AT"


def crash_point(label: str) -> None:
    """A named step of the write, where tests inject a crash.

    With ``DIEROLL_TEST_CRASH_AT=<label>`` in the environment the process kills
    itself here with SIGKILL (nothing runs after it, as in a power cut); with
    ``<label>:SIGINT`` it sends itself a Ctrl-C, which the CLI's handler turns
    into a stop request.  Tests also replace this function to raise there.
    """
    want = os.environ.get(CRASH_ENV)
    if want is None:
        return
    import signal
    if want == label:
        os.kill(os.getpid(), signal.SIGKILL)
    elif want == label + ":SIGINT":
        os.kill(os.getpid(), signal.SIGINT)


def _libc():
    try:
        lib = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        fn = lib.renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


_RENAMEAT2 = _libc()


def _renameat2(src: str, dst: str, flags: int) -> int:
    """0 on success, else the errno (``ENOSYS`` where there is no renameat2)."""
    if _RENAMEAT2 is None:
        return errno.ENOSYS
    rc = _RENAMEAT2(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), flags)
    return 0 if rc == 0 else ctypes.get_errno()


_UNSUPPORTED = (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP)


def move_new(tmp: str, target: str) -> None:
    """Rename ``tmp`` to ``target``, which must not exist (never replaces anything)."""
    err = _renameat2(tmp, target, _RENAME_NOREPLACE)
    if err == 0:
        return
    if err in _UNSUPPORTED:
        if os.path.lexists(target):
            raise FileExistsError(errno.EEXIST, "exists", target)
        os.rename(tmp, target)
        return
    raise OSError(err, os.strerror(err), target)


def exchange(tmp: str, target: str, aside: str) -> str:
    """Put ``tmp`` at ``target`` and return where the old ``target`` now is.

    In one atomic swap where the file system allows (the old run ends at
    ``tmp``), else in two renames through ``aside`` (see the module docstring).
    """
    err = _renameat2(tmp, target, _RENAME_EXCHANGE)
    if err == 0:
        return tmp
    if err not in _UNSUPPORTED:
        raise OSError(err, os.strerror(err), target)
    os.rename(target, aside)
    crash_point("between-renames")
    os.rename(tmp, target)
    return aside
