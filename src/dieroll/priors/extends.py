"""Read priors files and resolve ``extends`` into one merged document.

Rules (also in the README):

* ``extends = "other.toml"`` is resolved relative to the extending file; chains
  are allowed, cycles are refused.
* ``[run]`` keys override the parent's one by one.
* A quantity that gives ``dist``, ``claims`` or ``path`` replaces the parent's
  definition of the value entirely (with its ``source``, ``date``,
  ``interpolate`` and ``knot_rank``); ``description`` and ``units`` are inherited unless given.
* ``add_claims = [ {...}, ... ]`` (or ``[[quantities.x.add_claims]]`` tables)
  appends claims to the claims in force, so a scenario adds a source without
  copying the parent's claims; it needs the parent to have ``claims``.
* ``weights = { claim_id = w, ... }`` re-weights the claims in force (the
  parent's, or the file's own); claims not named keep their weight; a weight of
  0 is allowed here (the claim stays documented but is never drawn).
* ``[[correlations]]`` for a pair already correlated replace it; ``rank = 0``
  removes it; new pairs are added.
"""
from __future__ import annotations

import copy
import os
import stat
import tomllib
from dataclasses import dataclass, field

from .lines import LineIndex

__all__ = ["Document", "Merged", "read_document", "resolve"]

_VALUE_KEYS = ("dist", "claims", "path", "source", "date", "interpolate", "knot_rank")


@dataclass
class Document:
    """One priors file as read from disk."""

    path: str
    text: str
    data: dict
    lines: LineIndex


@dataclass
class Merged:
    """The merged document and where each part of it came from."""

    data: dict
    files: list[str]
    origin: dict[str, str] = field(default_factory=dict)        # "run.x", "quantities.x" -> file
    weight_origin: dict[str, str] = field(default_factory=dict)  # quantity -> file of its weights
    corr_origin: list[tuple[str, int]] = field(default_factory=list)
    docs: dict[str, Document] = field(default_factory=dict)


#: The largest priors file read (the baseline is about 25 kB).
MAX_FILE_BYTES = 4 << 20


def read_document(path: str, report, *, kind: str = "priors", max_bytes: int = MAX_FILE_BYTES) -> Document | None:
    """Read and parse one file; report unreadable or malformed TOML.  ``kind`` names the
    file in messages ("priors", "model"); ``max_bytes`` is the largest file read."""
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            report(path, "", f"not a regular file (a device, pipe or folder): a {kind} file must be a TOML "
                   "file", None, None)
            return None
        if st.st_size > max_bytes:
            report(path, "", f"is {st.st_size:,} bytes; a {kind} file may be at most {max_bytes:,}",
                   None, None)
            return None
        with open(path, "rb") as fh:
            raw = fh.read(max_bytes + 1)
        if len(raw) > max_bytes:
            report(path, "", f"grew past {max_bytes:,} bytes while being read", None, None)
            return None
    except FileNotFoundError:
        report(path, "", "file not found", None, None)
        return None
    except OSError as exc:
        report(path, "", f"cannot read file: {exc.strerror}", None, None)
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        report(path, "", f"not UTF-8 text (byte {exc.start})", None, None)
        return None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        msg = getattr(exc, "msg", None) or str(exc)
        report(path, "", f"malformed TOML: {msg}", None, line)
        return None
    return Document(path, text, data, LineIndex(text))


def resolve(path: str, report) -> Merged | None:
    """Read ``path`` and every file it extends, and merge them (see module rules)."""
    chain: list[Document] = []
    seen: list[str] = []
    current, referrer = os.path.abspath(path), None
    while True:
        if current in seen:
            cycle = " -> ".join(os.path.basename(p) for p in seen + [current])
            report(referrer.path, "extends", f"extends cycle: {cycle}", None, referrer.lines.find("extends"))
            return None
        seen.append(current)
        if referrer is not None and not os.path.exists(current):
            report(referrer.path, "extends", "extends a file that does not exist",
                   os.path.relpath(current), referrer.lines.find("extends"))
            return None
        doc = read_document(current if referrer is not None else path, report)
        if doc is None:
            return None
        chain.append(doc)
        ext = doc.data.get("extends")
        if ext is None:
            break
        if not isinstance(ext, str) or not ext:
            report(doc.path, "extends", "must be the path of another priors file, as a string", ext,
                   doc.lines.find("extends"))
            return None
        referrer = doc
        current = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(doc.path)), ext))
    merged = Merged(data={}, files=[d.path for d in chain], docs={d.path: d for d in chain})
    for doc in reversed(chain):
        _merge(merged, doc)
    return merged


def _merge(m: Merged, doc: Document) -> None:
    data = doc.data
    for key, value in data.items():
        if key == "run" and isinstance(value, dict):
            run = m.data.setdefault("run", {})
            for k, v in value.items():
                run[k] = copy.deepcopy(v)
                m.origin[f"run.{k}"] = doc.path
        elif key == "quantities" and isinstance(value, dict):
            qs = m.data.setdefault("quantities", {})
            for name, q in value.items():
                if not isinstance(q, dict) or name not in qs or not isinstance(qs[name], dict):
                    qs[name] = copy.deepcopy(q)
                    m.origin[f"quantities.{name}"] = doc.path
                    if isinstance(q, dict) and "weights" in q:
                        m.weight_origin[name] = doc.path
                    continue
                q = copy.deepcopy(q)
                old = qs[name]
                add = q.pop("add_claims", None)
                if add is not None:
                    if isinstance(add, list) and isinstance(old.get("claims"), list) and not any(
                            k in q for k in ("dist", "claims", "path")):
                        old["claims"] = old["claims"] + add
                        m.origin[f"quantities.{name}"] = doc.path
                    else:  # left for validation to report with the file and key
                        q["add_claims"] = add
                if any(k in q for k in ("dist", "claims", "path")):
                    for k in _VALUE_KEYS + ("weights",):
                        old.pop(k, None)
                    m.origin[f"quantities.{name}"] = doc.path
                if "weights" in q:
                    m.weight_origin[name] = doc.path
                    prev = old.get("weights") if isinstance(old.get("weights"), dict) else {}
                    if isinstance(q["weights"], dict):
                        q["weights"] = {**prev, **q["weights"]}
                old.update(q)
        elif key == "correlations" and isinstance(value, list):
            corrs = m.data.setdefault("correlations", [])
            for i, c in enumerate(value):
                pair = _pair(c)
                for j, old in enumerate(corrs):
                    if pair is not None and _pair(old) == pair:
                        corrs[j] = copy.deepcopy(c)
                        m.corr_origin[j] = (doc.path, i)
                        break
                else:
                    corrs.append(copy.deepcopy(c))
                    m.corr_origin.append((doc.path, i))
        elif key == "extends":
            continue
        else:
            m.data[key] = copy.deepcopy(value)
            m.origin[key] = doc.path


def _pair(c):
    if isinstance(c, dict) and isinstance(c.get("between"), list) and len(c["between"]) == 2 \
            and all(isinstance(x, str) for x in c["between"]):
        return frozenset(c["between"])
    return None
