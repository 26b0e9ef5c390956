"""Text read from files, made safe to print on a terminal."""
from __future__ import annotations

import unicodedata

__all__ = ["first_unsafe", "printable"]

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
