"""The checked model: label sets, inputs, stocks, flows, auxiliaries and outputs.

:func:`dieroll.modelfile.check.check_model` builds a :class:`ModelSpec` from a
merged model file; code generation, the numpy reference, ``describe`` and the
diagram read only this.  Equations are trees (:mod:`.expr`); ``equations`` maps
a label of the variable's ``by`` dimension to its tree (``None``: one equation
for every label).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from ..catalog import InputSpec

__all__ = ["LabelSet", "Variable", "ModelSpec"]


@dataclass(frozen=True)
class LabelSet:
    """A dimension: its labels in order, with a human name and a colour each."""

    name: str
    labels: tuple
    titles: dict
    colours: dict
    description: str = ""
    default: str = ""
    """The label charts and tables pick when not told (``default = "..."``; "": they must be told)."""


@dataclass
class Variable:
    """A stock, flow, auxiliary or output.

    Attributes
    ----------
    kind : {"stock", "flow", "aux", "output"}
    dims : tuple of str
        Label-set names, in declaration order.
    units : str
        As written in the file; ``unit`` is its pint unit.
    equations : dict
        ``label -> tree`` per label of ``by``, or ``{None: tree}``.  For a stock, the
        initial value.
    texts : dict
        The equations as written, keyed like ``equations``.
    terms : list of (int, tree)
        A stock's change as signed terms, applied to its level in the order
        written: ``inflow`` then ``outflow``, or a ``change`` expression's
        chain of ``+`` and ``-`` (``- lost + arrivals - taken``).  Each term is
        in ``units`` per month.
    year_end, calendar_year : bool
        An output summarised at year ends; one that accumulates its equation over
        each calendar year.
    """

    kind: str
    name: str
    dims: tuple
    units: str
    unit: object
    equations: dict
    texts: dict
    by: str | None = None
    description: str = ""
    source: str = ""
    note: str = ""
    terms: list = field(default_factory=list)
    inflow_text: str = ""
    outflow_text: str = ""
    change_text: str = ""
    year_end: bool = False
    calendar_year: bool = False
    file: str = ""
    line: int | None = None

    def equation_for(self, label):
        """The tree for one label of ``by`` (or the only one)."""
        return self.equations[label] if self.by is not None else self.equations[None]


@dataclass
class ModelSpec:
    """A checked model file.

    Attributes
    ----------
    name, title, description : str
    units : dict
        The model's own count units and their meanings.
    labels : dict of str to LabelSet
    inputs : dict of str to InputSpec
    sources : dict of str to str
        An input's source, where the file gives one.
    stocks, flows, outputs : dict of str to Variable
        ``flows`` holds flows and auxiliaries, in the order they are computed;
        ``outputs`` in declaration order (the order of a chunk's rows).
    output_order : list of str
        Outputs in the order they are computed.
    text, sha256 : str
        The resolved model (after ``extends``) as TOML, and its SHA-256.
    files : list of str
        The files it came from, the extending file first.
    """

    name: str
    title: str
    description: str
    units: dict
    labels: dict
    inputs: dict
    sources: dict
    stocks: dict
    flows: dict
    outputs: dict
    output_order: list
    text: str
    sha256: str
    files: list = field(default_factory=list)
    unit_system: object = None
    presentation: object = None
    """:class:`~dieroll.modelfile.present.Presentation`: headline, headlines, charts, notes."""

    def variable(self, name: str) -> Variable | None:
        return self.stocks.get(name) or self.flows.get(name) or self.outputs.get(name)

    def shape(self, dims) -> tuple:
        return tuple(len(self.labels[d].labels) for d in dims)

    def elements(self, dims):
        """Every label combination of ``dims`` as a dict ``{dim: label index}``, C order."""
        sizes = self.shape(dims)
        for combo in itertools.product(*[range(n) for n in sizes]):
            yield dict(zip(dims, combo))

    def flat(self, dims, env) -> int:
        """The C-order index of ``env``'s labels within ``dims``."""
        k = 0
        for d in dims:
            k = k * len(self.labels[d].labels) + env[d]
        return k

    def input_specs(self) -> tuple[InputSpec, ...]:
        return tuple(self.inputs.values())
