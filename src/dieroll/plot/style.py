"""The house style and the provenance every chart carries."""
from __future__ import annotations

import contextlib
import os

import matplotlib as mpl
import matplotlib.dates as mdates
import matplotlib.ticker as mticker

__all__ = ["STYLE", "style", "colors", "date_axis", "quantity_axis", "footnote", "save", "provenance_text"]

STYLE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "dieroll.mplstyle")

#: Okabe-Ito colours by role.
colors = {"china": "#0072B2", "us": "#D55E00", "claim": ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00",
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


def quantity_axis(ax, log: bool = False) -> None:
    """Readable numbers on y (``1.5 M``, ``200 k``), linear or log."""
    if log:
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(mticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_minor_formatter(mticker.NullFormatter())
    ax.yaxis.set_major_formatter(mticker.FuncFormatter(_human))


def provenance_text(attrs: dict, command: str) -> str:
    """The footnote: draws, seed, priors file and hash, version, command."""
    prior = os.path.basename(attrs.get("priors_file", "") or "priors")
    return (f"dieroll {attrs.get('dieroll_version', '?')} · N = {int(attrs.get('draws', 0)):,} draws · "
            f"seed {attrs.get('seed', '?')} · priors {prior} (sha256 {str(attrs.get('priors_sha256', ''))[:12]})\n"
            f"Regenerate: {command}")


def footnote(fig, text: str) -> None:
    """Put ``text`` under everything drawn so far (axes, tick and axis labels), small and grey."""
    renderer = fig.canvas.get_renderer()
    bottom = min([ax.get_tightbbox(renderer).y0 for ax in fig.axes if ax.get_visible()] or [0.0])
    y = min(bottom / fig.bbox.height, 0.0) - 0.015
    fig.text(0.01, y, text, ha="left", va="top", fontsize=6.5, color="#666666", wrap=False)


def save(fig, path: str, attrs: dict, command: str, title: str, write=None) -> list[str]:
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
    with style(), mpl.rc_context({"pdf.fonttype": 42, "svg.hashsalt": "dieroll"}):
        if write is None:
            fig.savefig(path, metadata=meta)
        else:
            import io
            buf = io.BytesIO()
            fig.savefig(buf, format=ext[1:], metadata=meta)
            write(path, buf.getbuffer())
    return [path]
