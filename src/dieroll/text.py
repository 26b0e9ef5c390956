"""Text read from files, made safe to print on a terminal."""
from __future__ import annotations

import unicodedata

__all__ = ["first_unsafe", "printable", "visible_format", "cell_text", "safe_cells", "html_table", "human",
           "human_bytes"]

#: Unicode categories never printed raw: controls, format characters (bidi overrides), surrogates,
#: private use, unassigned, line and paragraph separators.
UNSAFE = frozenset(("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"))


def first_unsafe(text: str, allow: str = "") -> int | None:
    """Index of the first character of ``text`` that :func:`printable` would escape (``allow`` excepted)."""
    for i, ch in enumerate(text):
        if ch not in allow and unicodedata.category(ch) in UNSAFE:
            return i
    return None


def printable(text: str, limit: int = 200) -> str:
    """``text`` with control and format characters escaped, cut to ``limit`` characters.

    Terminal escape codes (``\\x1b[...``), carriage returns, newlines, NUL and
    the bidirectional overrides (``\\u202e``) become visible escapes such as
    ``\\x1b``, so a title or name read from a run folder cannot rewrite the
    terminal or disguise itself.
    """
    text = str(text)
    out = []
    for ch in text[:limit]:
        if unicodedata.category(ch) in UNSAFE:
            out.append(ch.encode("unicode_escape").decode("ascii"))
        else:
            out.append(ch)
    if len(text) > limit:
        out.append(f"… ({len(text) - limit} more characters)")
    return "".join(out)


def visible_format(text: str) -> str:
    """``text`` with format characters (bidirectional overrides, zero-width joiners:
    Unicode category Cf) written as visible escapes (``\\u202e``), the rest kept (newlines
    too): for pages, where a right-to-left override would reorder what the reader sees."""
    return "".join(ch.encode("unicode_escape").decode("ascii") if unicodedata.category(ch) == "Cf" else ch
                   for ch in str(text))


#: What a spreadsheet reads as the start of a formula or a command in a text cell.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell_text(value):
    """A text cell that a spreadsheet shows as text: one starting like a formula (``=``,
    ``+``, ``-``, ``@``, tab, CR) gets a leading apostrophe; other values are returned as
    they are (numbers stay numbers)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_cells(frame):
    """A copy of the pandas DataFrame ``frame`` with every text cell through :func:`cell_text`
    (and text column names too)."""
    from pandas.api.types import is_object_dtype, is_string_dtype
    out = frame.copy()
    for col in out.columns:
        if is_object_dtype(out[col]) or is_string_dtype(out[col]):
            out[col] = out[col].map(cell_text)
    out.columns = [cell_text(c) for c in out.columns]
    return out


def html_table(caption: str, header, rows, limit: int = 60) -> str:
    """A small HTML table for Jupyter (``_repr_html_``): every cell escaped; at most ``limit`` rows."""
    import html
    esc = lambda x: html.escape(printable(str(x), 300))  # noqa: E731
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in rows[:limit])
    more = (f"<tr><td colspan='{len(header)}'>… {len(rows) - limit} more rows</td></tr>"
            if len(rows) > limit else "")
    return (f"<table><caption style='text-align:left'>{esc(caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}{more}</tbody></table>")


def human(x: float) -> str:
    """A number as a reader takes it in: ``4.72 M``, ``140 k``, ``2026``, ``0.35``."""
    import math
    if not math.isfinite(x):
        return str(x)
    a = abs(x)
    if a >= 1e6:
        return f"{x / 1e6:.3g} M"
    if a >= 1e4:
        return f"{x / 1e3:.3g} k"
    if a >= 1e3:
        return f"{x:.0f}"  # a year or a count in thousands reads in full (2026, not 2.03e+03)
    return f"{x:.3g}"


def human_bytes(n: float) -> str:
    """``1536`` -> ``'1.5 KiB'``."""
    if abs(n) < 1024:
        return f"{n:.0f} B"
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        n /= 1024
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.1f} {unit}"


def did_you_mean(word, options) -> str:
    """``"; did you mean 'x'?"`` for the option closest to ``word`` (difflib, cutoff 0.6), else ``""``."""
    import difflib
    close = difflib.get_close_matches(str(word), [str(o) for o in options], n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""
