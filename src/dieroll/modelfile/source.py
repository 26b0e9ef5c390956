"""Read model files and resolve ``extends`` into one merged document.

A model file is TOML.  ``[model] extends = "china"`` (a packaged model) or
``extends = "../models/base.toml"`` (a path relative to the extending file)
makes a file a structural what-if of another.  The rules:

* ``[model]`` and ``[units]`` keys override the parent's one by one;
* ``[labels.<set>]`` adds or replaces labels one by one (a child that adds a
  ``resale`` channel names only that label);
* an entry of ``[inputs]``, ``[stocks]``, ``[flows]``, ``[aux]`` or
  ``[outputs]`` is merged field by field; an ``equation`` (or ``initial``)
  table of per-label equations is merged label by label; an entry declared in
  another section than the parent's (an auxiliary that becomes a stock) replaces
  the parent's entry whole;
* ``[remove]`` deletes: ``inputs = ["x"]``, ``stocks``, ``flows``, ``aux``,
  ``outputs``, ``units``, ``labels = ["channel.resale"]``.

Files are read under the priors files' closed-world rules: a regular file, UTF-8,
at most :data:`MAX_MODEL_BYTES`; chains of ``extends`` at most :data:`MAX_CHAIN`
long and without cycles.
"""
from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..priors.extends import Document, read_document

__all__ = ["MergedModel", "SECTIONS", "MAX_MODEL_BYTES", "PACKAGED", "packaged_models", "resolve_model_path",
           "resolve_model"]

#: The largest model file read.
MAX_MODEL_BYTES = 1 << 20
#: The longest chain of ``extends``.
MAX_CHAIN = 16
#: The sections that hold named entries.
SECTIONS = ("inputs", "stocks", "flows", "aux", "outputs")
#: Where packaged models live.
PACKAGED = Path(__file__).resolve().parent.parent / "models"
_PER_LABEL = ("equation", "initial")


def packaged_models() -> dict[str, Path]:
    """Packaged models by name (``china-stock-growth`` -> its file)."""
    return {p.stem.replace("_", "-"): p for p in sorted(PACKAGED.glob("*.toml"))}


def resolve_model_path(ref: str, base_dir: str | None = None) -> str:
    """The file a model reference names: a packaged model's name (no ``/`` and no
    ``.toml``) or a path, relative to ``base_dir`` (default: the working folder)."""
    if "/" not in ref and "\\" not in ref and not ref.endswith(".toml"):
        found = packaged_models().get(ref.replace("_", "-"))
        if found is None:
            return ""
        return str(found)
    return os.path.normpath(os.path.join(base_dir or os.getcwd(), ref))


@dataclass
class MergedModel:
    """The merged document, the files it came from, and where each entry was last defined."""

    data: dict
    files: list[str]
    origin: dict[str, str] = field(default_factory=dict)   # "flows.x" -> file
    docs: dict[str, Document] = field(default_factory=dict)

    def line(self, key: str) -> tuple[str, int | None]:
        """File and line of a key path such as ``flows.x.equation.smic``."""
        parts = key.split(".")
        entry = ".".join(parts[:2])
        path = self.origin.get(entry) or self.origin.get(parts[0]) or (self.files[0] if self.files else "")
        doc = self.docs.get(path)
        return path, (doc.lines.find(key) if doc else None)


def resolve_model(path: str, report) -> MergedModel | None:
    """Read ``path`` and every model it extends, and merge them (see the module's rules).
    ``report(file, key, message, value, line)`` is called for each problem."""
    chain: list[Document] = []
    seen: list[str] = []
    current, referrer = path, None
    while True:
        absolute = os.path.abspath(current)
        if absolute in seen:
            cycle = " -> ".join(os.path.basename(p) for p in seen + [absolute])
            report(referrer.path, "model.extends", f"extends cycle: {cycle}", None,
                   referrer.lines.find("model.extends"))
            return None
        if len(seen) >= MAX_CHAIN:
            report(referrer.path, "model.extends", f"a chain of extends may be at most {MAX_CHAIN} files long",
                   None, referrer.lines.find("model.extends"))
            return None
        seen.append(absolute)
        doc = read_document(current, report, kind="model", max_bytes=MAX_MODEL_BYTES)
        if doc is None:
            return None
        chain.append(doc)
        head = doc.data.get("model", {})
        ext = head.get("extends") if isinstance(head, dict) else None
        if ext is None:
            break
        if not isinstance(ext, str) or not ext:
            report(doc.path, "model.extends", "must name a packaged model (\"china\") or a model file's path, as "
                   "a string", ext, doc.lines.find("model.extends"))
            return None
        nxt = resolve_model_path(ext, os.path.dirname(os.path.abspath(doc.path)))
        if not nxt or not os.path.exists(nxt):
            known = ", ".join(packaged_models()) or "none"
            report(doc.path, "model.extends", f"extends a model that does not exist (packaged models: {known})",
                   ext, doc.lines.find("model.extends"))
            return None
        referrer, current = doc, nxt
    merged = MergedModel(data={}, files=[d.path for d in chain], docs={d.path: d for d in chain})
    for doc in reversed(chain):
        _merge(merged, doc, report)
    if isinstance(merged.data.get("model"), dict):
        merged.data["model"].pop("extends", None)
    return merged


def _merge(m: MergedModel, doc: Document, report) -> None:
    data = doc.data
    for key, value in data.items():  # unknown tables go through for the checker to name
        if key not in ("model", "units", "labels", "remove") + SECTIONS:
            m.data[key] = copy.deepcopy(value)
            m.origin[key] = doc.path
    for key in ("model", "units"):
        part = data.get(key)
        if isinstance(part, dict):
            m.data.setdefault(key, {}).update(copy.deepcopy(part))
            for k in part:
                m.origin[f"{key}.{k}"] = doc.path
            m.origin.setdefault(key, doc.path)
        elif part is not None:
            m.data[key] = copy.deepcopy(part)
            m.origin[key] = doc.path
    labels = data.get("labels")
    if isinstance(labels, dict):
        into = m.data.setdefault("labels", {})
        for set_name, lbls in labels.items():
            if isinstance(lbls, dict) and isinstance(into.get(set_name), dict):
                into[set_name].update(copy.deepcopy(lbls))
            else:
                into[set_name] = copy.deepcopy(lbls)
            m.origin[f"labels.{set_name}"] = doc.path
    elif labels is not None:
        m.data["labels"] = copy.deepcopy(labels)
    for section in SECTIONS:
        part = data.get(section)
        if not isinstance(part, dict):
            if part is not None:
                m.data[section] = copy.deepcopy(part)
                m.origin[section] = doc.path
            continue
        into = m.data.setdefault(section, {})
        for name, entry in part.items():
            for other in SECTIONS:  # declared in another section than before: replaces it whole
                if other != section and isinstance(m.data.get(other), dict) and name in m.data[other]:
                    del m.data[other][name]
            old = into.get(name)
            if isinstance(old, dict) and isinstance(entry, dict):
                for k, v in entry.items():
                    if k in _PER_LABEL and isinstance(v, dict) and isinstance(old.get(k), dict):
                        old[k].update(copy.deepcopy(v))
                    else:
                        old[k] = copy.deepcopy(v)
            else:
                into[name] = copy.deepcopy(entry)
            m.origin[f"{section}.{name}"] = doc.path
    rm = data.get("remove")
    if rm is None:
        return
    if not isinstance(rm, dict):
        report(doc.path, "remove", "must be a table such as [remove] flows = [\"x\"]", rm, doc.lines.find("remove"))
        return
    for section, names in rm.items():
        where = f"remove.{section}"
        if section not in SECTIONS + ("units", "labels"):
            report(doc.path, where, f"can remove from {', '.join(SECTIONS + ('units', 'labels'))}", section,
                   doc.lines.find(where))
            continue
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            report(doc.path, where, "must be a list of names", names, doc.lines.find(where))
            continue
        for n in names:
            if section == "labels":
                set_name, dot, label = n.partition(".")
                lbls = m.data.get("labels", {}).get(set_name)
                if not dot or not isinstance(lbls, dict) or label not in lbls:
                    report(doc.path, where, "names no label of the model it extends (write set.label, such as "
                           "channel.resale)", n, doc.lines.find(where))
                    continue
                del lbls[label]
                for sec in SECTIONS:  # per-label equations of the removed label go with it
                    for entry in (m.data.get(sec) or {}).values():
                        for k in _PER_LABEL:
                            if isinstance(entry, dict) and isinstance(entry.get(k), dict):
                                entry[k].pop(label, None)
                continue
            table = m.data.get(section)
            if not isinstance(table, dict) or n not in table:
                report(doc.path, where, f"names no {section} entry of the model it extends", n, doc.lines.find(where))
                continue
            del table[n]
