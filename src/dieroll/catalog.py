"""Declarations: what a model reads (inputs) and what it writes (outputs).

A model declares each input once (:class:`InputSpec`: name, units, meaning,
channel, allowed range, scalar or path) and each output once
(:class:`OutputSpec`: name, units, long name, extra dimensions).  Priors
validation, ``dieroll describe``, the run store and the charts all read these.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property

__all__ = ["InputSpec", "Model", "OutputSpec"]


@dataclass(frozen=True)
class InputSpec:
    """A quantity the model reads.

    Attributes
    ----------
    name, units, description, channel : str
    lo, hi : float
        Allowed range of values (a count is ``lo = 0``; a fraction ``0..1``).
    path : bool
        True if the model reads it as a time path (a scalar is then accepted as
        a constant path).
    """

    name: str
    units: str
    description: str
    channel: str
    lo: float = -math.inf
    hi: float = math.inf
    path: bool = False

    def allowed(self) -> str:
        """The allowed range in words."""
        if self.lo == 0 and self.hi == 1:
            return "a fraction between 0 and 1"
        if self.lo == 0 and math.isinf(self.hi):
            return "zero or more"
        if math.isinf(self.lo) and math.isinf(self.hi):
            return "any number"
        return f"between {self.lo:g} and {self.hi:g}"


@dataclass(frozen=True)
class OutputSpec:
    """An output the model writes per draw and time step.

    Attributes
    ----------
    name, units, long_name : str
    dims : tuple of (str, tuple of str)
        Extra dimensions besides ``draw`` and ``time`` with their labels, e.g.
        ``(("region", ("north", "south")), ("kind", ("low", "high")))``.
    year_end : bool
        A calendar-year flow, summed per draw from January and restarted each
        year: its value at a year's last month in the run (December, or the
        run's last month) is that year's flow.  Runs summarise it there only;
        between year ends it is still written (chunks, kept draws) but its
        summary is ``nan``, which saves the reducers about a fifth of their work
        in the baseline (see :func:`dieroll.engine.simulate.summarised_rows`).
    """

    name: str
    units: str
    long_name: str
    dims: tuple = ()
    year_end: bool = False

    @property
    def size(self) -> int:
        """Number of series (product of the extra dimensions' sizes)."""
        return math.prod(len(labels) for _, labels in self.dims) if self.dims else 1


@dataclass(frozen=True)
class Model:
    """A model the engine can run.

    Attributes
    ----------
    name : str
    inputs : dict of str to InputSpec
        In declaration order.
    outputs : tuple of OutputSpec
    run_chunk : callable
        ``run_chunk(layout, scalars, knots, abs0, out)`` fills
        ``out (n_series, n_steps, n_draws)`` from the chunk's sampled inputs;
        ``abs0`` is the absolute month (``year * 12 + month - 1``) of the first step.
    identical : tuple of (str, str)
        Series equal by construction to another series in every draw and month,
        as pairs ``(series, the series it equals)`` written as
        :meth:`OutputContract.where <dieroll.contract.OutputContract.where>` writes
        them, e.g. ``("stock[region=north, kind=high]",
        "stock[region=north, kind=low]")``.  The
        reducers count the second once for both (the first's quantiles, mean
        and sd are the second's; its exceedance is counted against its own
        thresholds), and every chunk checks the two bit for bit: a run stops
        with an error naming both where they differ.
    partial_chunks : bool
        ``run_chunk`` also takes ``needed=``, a boolean array ``(n_series *
        n_steps,)`` of the rows (series x month) that something reads, and may
        leave the other rows of ``out`` as they were.  A run whose chunks go
        only to the reducers (no kept draws, no ``on_chunk``) then skips
        writing the rows it does not summarise (:attr:`OutputSpec.year_end`).
    labels : dict
        ``{dimension: {label: (human name, colour or None)}}`` for charts and tables
        (a model file declares them).
    label_defaults : dict
        ``{dimension: label}``: the label charts and tables pick when not told.
    presentation : dict
        Summary attributes that say what charts and tables show of the model:
        ``headline``, ``headlines`` and ``charts`` (see :mod:`dieroll.modelfile.present`).
    text, sha256, source : str
        A model built from a model file: its resolved text (after ``extends``), the
        text's SHA-256, and the file it was read from.
    """

    name: str
    inputs: dict
    outputs: tuple
    run_chunk: object
    identical: tuple = ()
    partial_chunks: bool = False
    labels: dict = field(default_factory=dict)
    label_defaults: dict = field(default_factory=dict)
    presentation: dict = field(default_factory=dict)
    text: str = ""
    sha256: str = ""
    source: str = ""

    @property
    def scalar_names(self) -> list[str]:
        return [n for n, s in self.inputs.items() if not s.path]

    @property
    def path_names(self) -> list[str]:
        return [n for n, s in self.inputs.items() if s.path]

    @cached_property
    def contract(self):
        """The :class:`~dieroll.contract.OutputContract`: which row of ``out`` holds which series."""
        from .contract import OutputContract
        return OutputContract(self.outputs)

    @property
    def n_series(self) -> int:
        return self.contract.n_series
