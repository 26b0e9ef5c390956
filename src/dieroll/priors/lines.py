"""Find the line of a key path in a TOML text (tomllib does not keep positions).

A best-effort index: table headers (``[a.b]``, ``[[a.b]]`` counted per path) and
``key = value`` lines are mapped to their full key paths; a key inside an inline
table falls back to the line of its nearest ancestor.
"""
from __future__ import annotations

import re

__all__ = ["LineIndex"]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_.\-]+)\s*=""")


def _clean(part: str) -> str:
    return ".".join(p.strip().strip("\"'") for p in part.split("."))


class LineIndex:
    """Map key paths such as ``quantities.x.claims[1].dist.sd`` to 1-based lines."""

    def __init__(self, text: str):
        self.lines: dict[str, int] = {}
        counts: dict[str, int] = {}
        table = ""
        for n, line in enumerate(text.splitlines(), start=1):
            m = _HEADER.match(line)
            if m:
                path = _clean(m.group(2))
                if m.group(1) == "[[":
                    i = counts.get(path, 0)
                    counts[path] = i + 1
                    path = f"{path}[{i}]"
                table = self._expand(path, counts)
                self.lines.setdefault(table, n)
                continue
            k = _KEY.match(line)
            if k:
                key = _clean(k.group(1))
                full = f"{table}.{key}" if table else key
                self.lines.setdefault(full, n)

    def _expand(self, path: str, counts: dict[str, int]) -> str:
        # "quantities.x.claims[0].dist" style headers inside arrays of tables:
        # a header "a.b.c" under the latest "[[a.b]]" refers to a.b[i].c.
        parts = path.split(".")
        out = []
        for i, part in enumerate(parts):
            out.append(part)
            prefix = ".".join(parts[: i + 1])
            if "[" not in part and prefix in counts and i < len(parts) - 1:
                out[-1] = f"{part}[{counts[prefix] - 1}]"
        return ".".join(out)

    def find(self, key: str) -> int | None:
        """Line of ``key`` or of its nearest ancestor that has one."""
        while key:
            if key in self.lines:
                return self.lines[key]
            cut = max(key.rfind("."), key.rfind("["))
            if cut <= 0:
                break
            key = key[:cut]
        return self.lines.get(key)
