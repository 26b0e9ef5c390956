"""Provenance: package version, git commit, timestamps, the command line."""
from __future__ import annotations

import datetime as dt
import os
import shlex
import subprocess
import sys

from .._version import __version__

__all__ = ["command_line", "git_commit", "now_utc", "version"]


def version() -> str:
    """dieroll's version."""
    return __version__


def git_commit(path: str | None = None) -> str:
    """The git commit of the working tree holding ``path`` (the package by default), or ''."""
    where = path or os.path.dirname(os.path.abspath(__file__))
    try:
        out = subprocess.run(["git", "-C", where, "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=5, check=False)
        if out.returncode != 0:
            return ""
        dirty = subprocess.run(["git", "-C", where, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5, check=False).stdout.strip()
        return out.stdout.strip() + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return ""


def now_utc() -> str:
    """Current time in UTC, ISO 8601, seconds."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def command_line() -> str:
    """The command that started this process, shell-quoted."""
    prog = os.path.basename(sys.argv[0]) if sys.argv else "python"
    if prog in ("__main__.py", "-c", ""):
        prog = "python"
    return " ".join([prog] + [shlex.quote(a) for a in sys.argv[1:]])
