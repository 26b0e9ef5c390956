"""Reserving a run name before the simulation starts.

A run under ``runs/<name>`` holds an exclusive ``flock`` on ``runs/.lock-<name>``
from before it samples its first draw until its folder is in place.  A second
run under the same name finds the lock held and is refused at once, naming
the first (its process, host, start time and command, which the holder writes
into the lock file).  The kernel drops the lock when its holder dies, so a
killed run never keeps its name; its lock file is then a leftover that the
next run under that name reuses and ``dieroll clean`` removes.
"""
from __future__ import annotations

import fcntl
import json
import os
import socket

from ..errors import RunError
from .provenance import command_line, now_utc

__all__ = ["LOCK_PREFIX", "Reservation", "holder", "is_held", "lock_path"]

LOCK_PREFIX = ".lock-"


def lock_path(runs_dir: str, name: str) -> str:
    """The lock file that reserves ``name`` in ``runs_dir``."""
    return os.path.join(runs_dir, LOCK_PREFIX + name)


def holder(path: str) -> dict:
    """What the holder of lock file ``path`` wrote about itself (``pid``, ``host``, ``started``, ``command``, ``tmp``)."""
    try:
        with open(path, "rb") as fh:
            info = json.loads(fh.read(64 * 1024).decode("utf-8", "replace") or "{}")
        return info if isinstance(info, dict) else {}
    except (OSError, ValueError):
        return {}


def is_held(path: str) -> bool:
    """Whether a live process holds the lock file ``path``."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)  # closing drops a lock we may just have taken
    return False


def describe_holder(info: dict) -> str:
    """``pid 123 on host, started 2026-12-02T10:00:00Z: dieroll run ...`` (text made safe to print)."""
    from ..text import printable
    bits = [f"pid {info.get('pid', '?')}"]
    if info.get("host"):
        bits.append(f"on {printable(str(info['host']))}")
    if info.get("started"):
        bits.append(f", started {printable(str(info['started']))}")
    out = " ".join(bits).replace(" ,", ",")
    if info.get("command"):
        out += f": {printable(str(info['command'])[:300])}"
    return out


class Reservation:
    """An exclusive hold on a run name (a context manager).

    Parameters
    ----------
    runs_dir, name : str
        The runs folder (created if missing) and the run name (already checked).

    Raises
    ------
    dieroll.errors.RunError
        When another live run holds the name.
    """

    def __init__(self, runs_dir: str, name: str):
        self.runs_dir, self.name = runs_dir, name
        self.path = lock_path(runs_dir, name)
        self.fd = None
        self.started = now_utc()
        self._acquire()

    def _acquire(self) -> None:
        for _ in range(100):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                info = holder(self.path)
                raise RunError(f"run name {self.name!r} is taken by a run in progress ({describe_holder(info)}); "
                               "wait for it to finish or choose another --name") from None
            # the holder before us may have unlinked the file between our open and our
            # lock: then we hold a lock on a deleted file, and must try the new one
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path, follow_symlinks=False).st_ino
            except FileNotFoundError:
                same = False
            if same:
                self.fd = fd
                self.note()
                return
            os.close(fd)
        raise RunError(f"could not reserve run name {self.name!r}: its lock file {self.path!r} keeps changing")

    def note(self, **extra) -> None:
        """Record who holds the name (and, e.g., ``tmp=`` the folder being written) in the lock file."""
        info = {"pid": os.getpid(), "host": socket.gethostname(), "started": self.started,
                "command": command_line(), **extra}
        data = json.dumps(info).encode()
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, data, 0)

    def release(self) -> None:
        """Give the name back (the lock file is removed while still held)."""
        if self.fd is None:
            return
        try:
            os.unlink(self.path)
        except OSError:
            pass
        os.close(self.fd)
        self.fd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()
        return False
