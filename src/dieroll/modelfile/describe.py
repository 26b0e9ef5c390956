"""A model file in words: every equation with its units, source and note, as Markdown.

``dieroll describe MODEL --markdown`` prints it; it is generated from the
checked model, so that what it says cannot drift from what runs.
``docs/model.md`` holds it for the China model and ``docs/models/<name>.md`` for
every other packaged model; a test fails when one is stale.
"""
from __future__ import annotations

import os

from .functions import FUNCTIONS
from .spec import ModelSpec, Variable

__all__ = ["markdown"]


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _equations(v: Variable, field: str = "equation") -> list[str]:
    if v.by is None:
        return [f"- {field}: `{v.texts[None]}`"]
    return [f"- {field}, by {v.by}:"] + [f"  - `{lb}`: `{t}`" for lb, t in v.texts.items()]


def _variable(v: Variable, kind: str) -> list[str]:
    dims = f" [{', '.join(v.dims)}]" if v.dims else ""
    out = [f"### `{v.name}`{dims} ({kind}, {v.units})", ""]
    if v.description:
        out += [v.description, ""]
    if v.kind == "stock":
        out += _equations(v, "initial")
        if v.inflow_text:
            out.append(f"- inflow: `{v.inflow_text}`")
        if v.outflow_text:
            out.append(f"- outflow: `{v.outflow_text}`")
        if v.change_text:
            out.append(f"- change (applied term by term): `{v.change_text}`")
    else:
        out += _equations(v)
        if v.calendar_year:
            out.append("- summed over each calendar year (summarised at year ends)")
        elif v.year_end:
            out.append("- summarised at year ends")
    if v.source:
        out.append(f"- source: {v.source}")
    if v.note:
        out.append(f"- note: {v.note}")
    return out + [""]


def markdown(spec: ModelSpec) -> str:
    """The model as Markdown: labels, units, inputs, stocks, flows, auxiliaries, outputs."""
    out = [f"# Model `{spec.name}`: {spec.title}", ""]
    if spec.description:
        out += [spec.description, ""]
    files = ", ".join(f"`{os.path.basename(f)}`" for f in spec.files)
    out += [f"Model sha256 `{spec.sha256}`; read from {files}. Generated from the model file by `dieroll "
            "describe --markdown`: what it says is what runs.", "",
            "Each month: flows and auxiliaries (a stock read there is its level at the start of the month), then "
            "every stock's change is applied to its level term by term in the order written ((level + inflow) - "
            "outflow), then outputs (stocks at their new level).", ""]
    notes = getattr(spec.presentation, "notes", "")
    if notes.strip():
        out += [notes.strip(), ""]
    if spec.units:
        out += ["## Units", "", "| unit | one of it is |", "|---|---|"]
        out += [f"| `{u}` | {_cell(m)} |" for u, m in spec.units.items()] + [""]
    if spec.labels:
        out += ["## Label sets", ""]
        for d, ls in spec.labels.items():
            out.append(f"- `{d}`: " + ", ".join(f"`{lb}` ({ls.titles.get(lb, lb)})" for lb in ls.labels))
        out.append("")
    out += ["## Inputs", "", "| name | units | kind | allowed | meaning | source |", "|---|---|---|---|---|---|"]
    for i in spec.inputs.values():
        out.append(f"| `{i.name}` | {i.units} | {'path' if i.path else 'scalar'} | {i.allowed()} | "
                   f"{_cell(i.description)} | {_cell(spec.sources.get(i.name, ''))} |")
    out.append("")
    if spec.stocks:
        out += ["## Stocks", ""]
        for v in spec.stocks.values():
            out += _variable(v, "stock")
    if spec.flows:
        out += ["## Flows and auxiliaries (in the order they are computed)", ""]
        for v in spec.flows.values():
            out += _variable(v, "flow" if v.kind == "flow" else "auxiliary")
    out += ["## Outputs", ""]
    for v in spec.outputs.values():
        out += _variable(v, "output")
    used = sorted({f for f in FUNCTIONS if any(f + "(" in t for v in [*spec.flows.values(), *spec.outputs.values(),
                                                                         *spec.stocks.values()]
                                               for t in [*v.texts.values(), v.inflow_text, v.outflow_text, v.change_text])})
    if used:
        out += ["## Functions used", ""] + [f"- `{f}`: {FUNCTIONS[f][2]}" for f in used] + [""]
    return "\n".join(out)
