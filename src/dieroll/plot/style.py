"""The house style and the provenance every chart carries."""
from __future__ import annotations

import contextlib
import os

import matplotlib as mpl
import matplotlib.dates as mdates
import matplotlib.ticker as mticker

from ..units import model_units

__all__ = ["STYLE", "style", "colors", "date_axis", "quantity_axis", "axis_label", "footnote", "save",
           "provenance_text", "record", "chart_table", "save_table", "cited_documents"]

STYLE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "dieroll.mplstyle")

#: Okabe-Ito colours by role: the main series, the one drawn beside it, and claims or labels in turn.
colors = {"main": "#0072B2", "beside": "#D55E00", "claim": ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00",
                                                         "#56B4E9", "#000000"]}


@contextlib.contextmanager
def style():
    """Context in which matplotlib uses the dieroll style."""
    with mpl.style.context(STYLE):
        yield


def date_axis(ax) -> None:
    """Years as major ticks, quarters as minor ticks."""
    ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.xaxis.set_minor_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
    ax.tick_params(axis="x", which="minor", length=2)


def _human(x, _pos=None):
    a = abs(x)
    for div, suf in ((1e9, " B"), (1e6, " M"), (1e3, " k")):
        if a >= div:
            return f"{x / div:g}{suf}"
    return f"{x:g}"


def quantity_axis(ax, log: bool = False, axis: str = "y") -> None:
    """Readable numbers (``1.5 M``, ``200 k``) on ``axis``, linear or log.

    On a log axis the labelled ticks are 1, 2 and 5 of every decade and the
    minor ticks carry no label, so every chart's log scale reads the same way
    (no ``2×10⁵`` minor labels beside ``100 k``).
    """
    a = ax.yaxis if axis == "y" else ax.xaxis
    if log:
        (ax.set_yscale if axis == "y" else ax.set_xscale)("log")
        a.set_major_locator(mticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        a.set_minor_formatter(mticker.NullFormatter())
    a.set_major_formatter(mticker.FuncFormatter(_human))


_UNIT_WORDS = {"H100e": "H100-equivalents"}


def _unit_words(units: str) -> str:
    """A model's count unit in words: ``H100e`` spelled out, ``chip`` as ``chips``,
    ``package/month`` as ``packages per month``; anything else as written."""
    import re
    m = re.fullmatch(r"([A-Za-z][A-Za-z0-9_]*)(?:/(month|year))?", units or "")
    if not m:
        return units
    word = _UNIT_WORDS.get(m.group(1), m.group(1) + ("" if m.group(1).endswith("s") else "s"))
    return word + (f" per {m.group(2)}" if m.group(2) else "")


def axis_label(da) -> str:
    """The y-axis label of an output in words: units spelled out, a unit-less
    ratio or share named for what it divides (from its ``long_name``)."""
    units = model_units(da)
    if units in ("1", ""):
        name = da.attrs.get("long_name", da.name or "")
        return name.split(",")[0].split(":")[0] or "ratio"
    return _unit_words(units)


def record(ax, table) -> None:
    """Attach to ``ax`` a table (pandas DataFrame) of exactly the numbers just drawn on it."""
    ax.__dict__.setdefault("_dieroll_tables", []).append(table)


def chart_table(fig):
    """Every table recorded on ``fig``'s axes, concatenated (``None`` if nothing was recorded)."""
    import pandas as pd
    tables = [t for ax in fig.axes for t in ax.__dict__.get("_dieroll_tables", [])]
    return pd.concat(tables, ignore_index=True) if tables else None


def save_table(fig, path: str, attrs: dict, command: str, write=None) -> list[str]:
    """Write the numbers ``fig`` draws as CSV at ``path``, with the run's provenance
    as ``#`` comment lines first (``pandas.read_csv(path, comment="#")`` reads it)."""
    table = chart_table(fig)
    if table is None:
        return []
    head = "".join(f"# {line}\n" for line in provenance_text(attrs, command).splitlines())
    from ..text import safe_cells
    data = (head + safe_cells(table).to_csv(index=False, lineterminator="\n")).encode()
    if write is None:
        with open(path, "wb") as fh:
            fh.write(data)
    else:
        write(path, data)
    return [path]


def cited_documents(attrs: dict, limit: int = 20) -> list[str]:
    """The documents a run's priors cite, shortest form first-seen order.

    Each ``source`` string of the run's priors (``attrs["priors_text"]``) is split
    at ``;``; each part is cut at its first comma, parenthesis or colon
    (``"CSIS, G. C. Allen, 2025-03-07 (seeds/002), j.15"`` -> ``"CSIS"``, a
    trailing date dropped).  Only parts that name a dated document (a year,
    ``seeds/``, the evidence files) count; judgement and remarks are left out,
    and a name seen before (``Heim`` after ``L. Heim``) is not repeated.
    """
    import re
    import tomllib
    text = attrs.get("priors_text")
    if not text:
        return []
    try:
        doc = tomllib.loads(str(text))
    except tomllib.TOMLDecodeError:
        return []
    found: list[str] = []
    keys: set[str] = set()

    def add(part: str) -> None:
        part = part.strip()
        if not re.search(r"\b(19|20)\d{2}\b|seeds/|EVIDENCE", part):
            return  # not a dated document: reasoning, or a remark
        head = re.split(r"[,(:]| via | as cited", part, maxsplit=1)[0].strip(" .'\"")
        head = re.sub(r"\s+\d{4}(-\d{2}){0,2}$", "", head)       # "CSIS 2025-03-07" -> "CSIS"
        low = head.lower()
        if not head or len(head) > 40 or not head[0].isupper() or \
                low.startswith(("judgement", "judgment", "no document", "our ", "chip specification")):
            return
        key = re.sub(r"^([A-Z]\.\s*)+", "", head).lower()           # "L. Heim" and "Heim" are one
        if key not in keys and not any(key.startswith(k + " ") for k in keys):
            keys.add(key)
            found.append(head)

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "source" and isinstance(v, str):
                    for part in v.split(";"):
                        add(part)
                else:
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(doc.get("quantities", {}))
    return found[:limit] + ([f"and {len(found) - limit} more"] if len(found) > limit else [])


def provenance_text(attrs: dict, command: str) -> str:
    """The footnote: draws, seed, priors file and hash, the model file and hash (a run of a
    model file), version, command."""
    prior = os.path.basename(attrs.get("priors_file", "") or "priors")
    try:
        import json
        changed = json.loads(attrs.get("what_ifs") or "[]")
    except ValueError:
        changed = []
    if changed:
        prior += f" + {len(changed)} what-if{'s' if len(changed) > 1 else ''}"
    if attrs.get("evidence_as_of"):
        prior += f", evidence as of {attrs['evidence_as_of']}"
    model = (f" · model {attrs.get('model', '?')} (sha256 {str(attrs['model_sha256'])[:12]})"
             if attrs.get("model_sha256") else "")
    return (f"dieroll {attrs.get('dieroll_version', '?')} · N = {int(attrs.get('draws', 0)):,} draws · "
            f"seed {attrs.get('seed', '?')} · priors {prior} (sha256 {str(attrs.get('priors_sha256', ''))[:12]})"
            f"{model}\nRegenerate: {command}")


def footnote(fig, text: str) -> None:
    """Put ``text`` under everything drawn so far (axes, tick and axis labels), small and grey."""
    renderer = fig.canvas.get_renderer()
    bottom = min([ax.get_tightbbox(renderer).y0 for ax in fig.axes if ax.get_visible()] or [0.0])
    y = min(bottom / fig.bbox.height, 0.0) - 0.015
    fig.text(0.01, y, text, ha="left", va="top", fontsize=6.5, color="#666666", wrap=False)


def save(fig, path: str, attrs: dict, command: str, title: str, write=None, dpi=None) -> list[str]:
    """Save ``fig`` to ``path`` for each extension given (``fan.png,svg,pdf``-style
    paths are expanded by the caller) with provenance in the file metadata.

    ``write(path, data)``, when given, is called with the rendered bytes instead
    of matplotlib writing the file (the run store checks the free space first).
    """
    desc = provenance_text(attrs, command).replace("\n", " | ")
    ext = os.path.splitext(path)[1].lower()
    if ext == ".png":
        meta = {"Title": title, "Software": f"dieroll {attrs.get('dieroll_version', '')}", "Description": desc,
                "Source": str(attrs.get("priors_sha256", "")), "Comment": command}
    elif ext == ".svg":
        meta = {"Title": title, "Description": desc, "Creator": f"dieroll {attrs.get('dieroll_version', '')}",
                "Source": str(attrs.get("priors_sha256", ""))}
    elif ext == ".pdf":
        meta = {"Title": title, "Subject": desc, "Creator": f"dieroll {attrs.get('dieroll_version', '')}",
                "Keywords": f"priors_sha256={attrs.get('priors_sha256', '')}"}
    else:
        meta = None
    dpi = dpi or fig.__dict__.get("_dieroll_dpi")
    kw = {"dpi": dpi} if dpi else {}
    with style(), mpl.rc_context({"pdf.fonttype": 42, "svg.hashsalt": "dieroll"}):
        if write is None:
            fig.savefig(path, metadata=meta, **kw)
        else:
            import io
            buf = io.BytesIO()
            fig.savefig(buf, format=ext[1:], metadata=meta, **kw)
            write(path, buf.getbuffer())
    return [path]
