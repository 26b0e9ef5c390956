"""Errors raised by dieroll.

Every error is a :class:`ValueError` subclass whose message names where the
problem is (file, line, key path), the bad value, and what is allowed.  The
command line turns them into plain messages and a non-zero exit status; library
code never prints.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DierollError", "DierollWarning", "Interrupted", "ModelError", "PriorsError", "Problem", "RunError",
           "RunStoreError"]


class DierollError(ValueError):
    """Base class of every error dieroll raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One problem found in a priors file.

    Attributes
    ----------
    file : str
        The file the problem is in.
    key : str
        Key path, e.g. ``quantities.smic_yield.claims[1].dist.sd``.
    message : str
        What is wrong and what is allowed.
    value : object
        The offending value (``None`` when the problem is a missing key).
    line : int or None
        1-based line number where it could be located.
    """

    file: str
    key: str
    message: str
    value: object = None
    line: int | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        got = "" if self.value is None else f" (got {self.value!r})"
        key = f" {self.key}:" if self.key else ""
        return f"{where}:{key} {self.message}{got}"


class PriorsError(DierollError):
    """A priors file (or a set of them, through ``extends``) is invalid.

    Parameters
    ----------
    problems : list of Problem
        Every problem found; validation gathers them all before raising.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in priors:"
        super().__init__("\n".join([head] + [f"  - {p}" for p in self.problems]))


class ModelError(DierollError):
    """A model file (or a chain of them, through ``extends``) is invalid.

    Parameters
    ----------
    problems : list of Problem
        Every problem found; the checker gathers them all before raising.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in the model:"
        super().__init__("\n".join([head] + [f"  - {p}" for p in self.problems]))


class RunError(DierollError):
    """A run could not be started or completed (bad settings, existing run)."""


class RunStoreError(DierollError):
    """A run folder is missing, partial or corrupt."""


class DierollWarning(UserWarning):
    """Something worth a second look that is not an error (e.g. a ``--set`` value a thousand times
    off the priors' median); the command line prints it as ``dieroll: warning: ...``."""


class Interrupted(KeyboardInterrupt):
    """A run was stopped by Ctrl-C (or SIGTERM); the message says what was kept.

    A :class:`KeyboardInterrupt`, so notebooks and callers treat it as one; the
    command line prints its message and exits with status 130.
    """
