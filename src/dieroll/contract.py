"""The output contract: which row of a chunk's ``out`` array holds which series.

A model writes ``out[row, time, draw]``.  The rows are not numbered by hand
anywhere: :class:`OutputContract` derives them from the model's declared
:class:`~dieroll.catalog.OutputSpec` s, in declaration order, each output's
labels in C order (the last dimension fastest).  The model's kernel takes its
row constants from it, and :class:`~dieroll.engine.simulate.Chunk`, the run
summary, the draws store and :func:`dieroll.testing.assert_run_schema` read the
same contract, so that adding an output or a label moves every row at once.
"""
from __future__ import annotations

import itertools

import numpy as np

__all__ = ["OutputContract"]


class OutputContract:
    """Rows of every output series of a model.

    Parameters
    ----------
    outputs : sequence of OutputSpec
        The model's outputs, in declaration order.

    Examples
    --------
    >>> from dieroll.catalog import OutputSpec
    >>> c = OutputContract([OutputSpec("total", "1", "a total", (("kind", ("low", "high")),))])
    >>> c.row("total", kind="high") == c.first("total") + 1
    True
    """

    def __init__(self, outputs):
        self.outputs = tuple(outputs)
        self._first, row = {}, 0
        for o in self.outputs:
            if o.name in self._first:
                raise ValueError(f"output {o.name!r} is declared twice")
            self._first[o.name] = row
            row += o.size
        self.n_series = row

    def spec(self, name: str):
        """The :class:`OutputSpec` called ``name``."""
        for o in self.outputs:
            if o.name == name:
                return o
        raise ValueError(f"no output {name!r}; outputs are {', '.join(o.name for o in self.outputs)}")

    def first(self, name: str) -> int:
        """The first row of output ``name``."""
        self.spec(name)
        return self._first[name]

    def block(self, name: str) -> slice:
        """The rows of output ``name``, all its labels (C order)."""
        return slice(self.first(name), self.first(name) + self.spec(name).size)

    def row(self, name: str, **labels) -> int:
        """The row of one series, e.g. ``row("stock", region="north", kind="low")``.

        Every dimension of the output must be given a label.
        """
        o = self.spec(name)
        idx = 0
        for d, lbl in o.dims:
            if d not in labels:
                raise ValueError(f"{name} needs {d}= one of {', '.join(lbl)}")
            if labels[d] not in lbl:
                raise ValueError(f"{name}: {d} must be one of {', '.join(lbl)}, got {labels[d]!r}")
            idx = idx * len(lbl) + lbl.index(labels[d])
        extra = set(labels) - {d for d, _ in o.dims}
        if extra:
            raise ValueError(f"{name} has no dimension {', '.join(sorted(extra))}")
        return self._first[name] + idx

    def rows(self, name: str) -> np.ndarray:
        """Rows of output ``name`` as an integer array shaped by its dimensions (a 0-d array for none)."""
        o = self.spec(name)
        shape = tuple(len(lbl) for _, lbl in o.dims)
        return np.arange(self._first[name], self._first[name] + o.size).reshape(shape)

    def rows_tuple(self, name: str) -> tuple:
        """:meth:`rows` as nested tuples of ints: constants a numba kernel can index."""
        def conv(a):
            return int(a) if a.ndim == 0 else tuple(conv(x) for x in a)
        return conv(self.rows(name))

    def series(self):
        """Every series as ``(row, name, {dimension: label})``, in row order."""
        out = []
        for o in self.outputs:
            dims = [d for d, _ in o.dims]
            for k, combo in enumerate(itertools.product(*[lbl for _, lbl in o.dims])):
                out.append((self._first[o.name] + k, o.name, dict(zip(dims, combo))))
        return out

    def where(self, row: int) -> str:
        """The series at ``row`` in words, e.g. ``stock[region=north, kind=low]``."""
        for o in self.outputs:
            first = self._first[o.name]
            if first <= row < first + o.size:
                k, labels = row - first, []
                for d, lbl in reversed(o.dims):
                    k, j = divmod(k, len(lbl))
                    labels.insert(0, f"{d}={lbl[j]}")
                return o.name + (f"[{', '.join(labels)}]" if labels else "")
        raise ValueError(f"row {row} is outside the contract's {self.n_series} series")

    def parse(self, text: str) -> int:
        """The row of a series written as :meth:`where` writes it, e.g.
        ``parse("total[kind=high]")``."""
        name, bracket, rest = text.partition("[")
        labels = {}
        if bracket:
            if not rest.endswith("]"):
                raise ValueError(f"{text!r}: a series is written name[dimension=label, ...]")
            for part in rest[:-1].split(","):
                k, eq, v = part.partition("=")
                if not eq:
                    raise ValueError(f"{text!r}: {part.strip()!r} is not dimension=label")
                labels[k.strip()] = v.strip()
        return self.row(name.strip(), **labels)

    def sources(self, identical=()) -> np.ndarray:
        """For every series, the series it equals by construction, or itself.

        Parameters
        ----------
        identical : sequence of (str, str)
            Pairs ``(series, series it equals)``, each written as :meth:`where`
            writes it (:attr:`Model.identical <dieroll.catalog.Model.identical>`).

        Returns
        -------
        ndarray of int, shape (n_series,)
        """
        src = np.arange(self.n_series)
        for a, b in identical:
            ra, rb = self.parse(a), self.parse(b)
            if ra == rb:
                raise ValueError(f"{a} is declared equal to itself")
            if src[ra] != ra:
                raise ValueError(f"{a} is declared equal to two series")
            src[ra] = rb
        chained = np.flatnonzero(src[src] != src)
        if len(chained):
            r = chained[0]
            raise ValueError(f"{self.where(r)} is declared equal to {self.where(src[r])}, which is itself declared "
                             f"equal to {self.where(src[src[r]])}: declare each equal to the last")
        return src

    def shape(self, name: str) -> tuple[int, ...]:
        """The label shape of output ``name``."""
        return tuple(len(lbl) for _, lbl in self.spec(name).dims)

    def __len__(self) -> int:
        return self.n_series

    def __repr__(self) -> str:
        return f"OutputContract({len(self.outputs)} outputs, {self.n_series} series)"

