"""The stock-and-flow diagram of a model, drawn by Graphviz.

:func:`dot` writes the diagram in Graphviz's DOT language: stocks as boxes,
each flow as a valve on an arrow into or out of its stock (from or to a cloud
where nothing is modelled), auxiliaries as ellipses, inputs as plain text, and
a thin arrow from every name an equation reads to what it computes.  Outputs
that only restate a stock or a flow are left out.  :func:`render` turns it
into SVG or PNG with Graphviz's ``dot`` program (Debian's ``graphviz``), which
is not a Python package: without it the error says how to install it.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

from ..errors import DierollError
from .expr import names_read
from .spec import ModelSpec

__all__ = ["dot", "render", "write"]


def _q(text: str) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _label(name, v=None) -> str:
    dims = f"\\n[{', '.join(v.dims)}]" if v is not None and v.dims else ""
    units = f"\\n{v.units}" if v is not None else ""
    return _q(f"{name}{dims}{units}").replace("\\\\n", "\\n")


def dot(spec: ModelSpec) -> str:
    """The model's stock-and-flow diagram as DOT text."""
    lines = ["digraph model {", '  graph [rankdir=LR, fontname="DejaVu Sans", fontsize=10, nodesep=0.25, '
             f'ranksep=0.5, label={_q(spec.title or spec.name)}, labelloc=t];',
             '  node [fontname="DejaVu Sans", fontsize=9];', '  edge [fontname="DejaVu Sans", fontsize=8];']
    read = set()
    for v in [*spec.flows.values(), *spec.stocks.values(), *spec.outputs.values()]:
        for tree in [*v.equations.values(), *(t for _, t in v.terms)]:
            read.update(names_read(tree))
    for name, i in spec.inputs.items():
        if name in read:
            lines.append(f'  {_q(name)} [shape=plaintext, fontcolor="#555555", label={_q(name)}];')
    valves = set()
    for s in spec.stocks.values():
        lines.append(f'  {_q(s.name)} [shape=box, style="filled", fillcolor="#dbe9f6", penwidth=1.5, '
                     f'label={_label(s.name, s)}];')
        for sign, term in s.terms:
            for ref in sorted(set(names_read(term))):
                f = spec.flows.get(ref)
                if f is None or f.kind != "flow":
                    continue
                valves.add(ref)
                cloud = f"cloud_{s.name}_{ref}"
                lines.append(f'  {_q(cloud)} [shape=none, label="", width=0.1, height=0.1];')
                if sign > 0:
                    lines.append(f'  {_q(cloud)} -> {_q(ref)} [arrowhead=none, penwidth=2];')
                    lines.append(f'  {_q(ref)} -> {_q(s.name)} [penwidth=2];')
                else:
                    lines.append(f'  {_q(s.name)} -> {_q(ref)} [arrowhead=none, penwidth=2];')
                    lines.append(f'  {_q(ref)} -> {_q(cloud)} [penwidth=2];')
    for f in spec.flows.values():
        shape = 'shape=diamond, style=filled, fillcolor="#f6e3c6"' if f.name in valves else "shape=ellipse"
        lines.append(f"  {_q(f.name)} [{shape}, label={_label(f.name, f)}];")
    trivial = set()
    for o in spec.outputs.values():
        texts = set(o.texts.values())
        if len(texts) == 1 and next(iter(texts)).strip() in spec.stocks | spec.flows and not o.calendar_year:
            trivial.add(o.name)
            continue
        lines.append(f'  {_q(o.name)} [shape=note, style=filled, fillcolor="#eeeeee", label={_label(o.name, o)}];')
    for v in [*spec.flows.values(), *spec.outputs.values()]:
        if v.name in trivial:
            continue
        refs = set()
        for tree in v.equations.values():
            refs.update(names_read(tree))
        for ref in sorted(refs):
            if ref in spec.inputs or ref in spec.flows or ref in spec.stocks or (ref in spec.outputs
                                                                                and ref not in trivial):
                lines.append(f'  {_q(ref)} -> {_q(v.name)} [color="#999999", arrowsize=0.5];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(spec: ModelSpec, fmt: str) -> bytes:
    """The diagram as ``svg`` or ``png`` bytes, drawn by Graphviz's ``dot``."""
    if fmt not in ("svg", "png"):
        raise DierollError(f"the diagram is drawn as svg or png, not {fmt!r}")
    exe = shutil.which("dot")
    if exe is None:
        raise DierollError("the stock-and-flow diagram needs Graphviz's dot program, which is not installed: "
                           "install it (Debian: apt-get install graphviz; macOS: brew install graphviz), or write "
                           "the DOT text with --graph FILE.dot and draw it elsewhere")
    try:
        out = subprocess.run([exe, f"-T{fmt}", "-Gdpi=110"] if fmt == "png" else [exe, "-Tsvg"],
                             input=dot(spec).encode(), capture_output=True, timeout=120, check=True)
    except subprocess.CalledProcessError as exc:
        raise DierollError(f"Graphviz's dot failed: {exc.stderr.decode(errors='replace')[:500]}") from None
    except subprocess.TimeoutExpired:
        raise DierollError("Graphviz's dot took over two minutes to draw the diagram") from None
    return out.stdout


def write(spec: ModelSpec, path: str) -> None:
    """Write the diagram to ``path``: ``.svg`` or ``.png`` drawn by Graphviz, ``.dot`` as text.
    The file is written beside its final name and renamed, so a failure leaves no half file."""
    ext = os.path.splitext(path)[1].lower().lstrip(".")
    if ext not in ("svg", "png", "dot"):
        raise DierollError(f"{path}: the diagram is written as .svg, .png or .dot")
    data = dot(spec).encode() if ext == "dot" else render(spec, ext)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".diagram-", suffix=f".{ext}")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
