"""The priors language: load, resolve ``extends``, validate, and build a PriorSet."""
from __future__ import annotations

import os
import re

from ..catalog import InputSpec
from ..errors import PriorsError, Problem
from .copula import copula_matrix, path_loading
from .extends import resolve
from .prior_set import Claim, Correlation, Knot, PriorSet, Quantity, RunSettings
from .validate import build_prior_set

__all__ = ["Claim", "Correlation", "Knot", "PriorSet", "Quantity", "RunSettings", "copula_matrix", "path_loading",
           "extend_priors", "load_priors", "model_reference"]

_OWN = object()


def _show(path: str) -> str:
    """A path as the user reads it: relative to the working folder when inside it."""
    rel = os.path.relpath(path)
    return os.path.abspath(path) if rel.startswith("..") else rel


def _file_for(key: str, merged) -> tuple[str, str]:
    """File a resolved key path came from, and the key path inside that file."""
    m = re.match(r"^quantities\.([^.\[]+)", key)
    if m:
        name = m.group(1)
        if ".weights" in key and name in merged.weight_origin:
            return merged.weight_origin[name], key
        return merged.origin.get(f"quantities.{name}", merged.files[0]), key
    m = re.match(r"^run\.([^.\[]+)", key)
    if m:
        return merged.origin.get(f"run.{m.group(1)}", merged.files[0]), key
    m = re.match(r"^correlations\[(\d+)\](.*)$", key)
    if m and int(m.group(1)) < len(merged.corr_origin):
        f, i = merged.corr_origin[int(m.group(1))]
        return f, f"correlations[{i}]{m.group(2)}"
    return merged.files[0], key


def load_priors(path: str | os.PathLike, *, catalog: dict[str, InputSpec] | None = None) -> PriorSet:
    """Load and validate a priors file against the inputs a model reads.

    The priors language knows no model: the catalog is passed in.
    :func:`dieroll.load_priors` passes the China model's.

    Parameters
    ----------
    path : str or path-like
        The TOML file.
    catalog : dict of str to InputSpec, or None
        The inputs the model reads (``Model.inputs``): every one must be given, in
        its units, and no other.  ``None`` accepts any quantity names.

    Returns
    -------
    PriorSet

    Raises
    ------
    dieroll.errors.PriorsError
        Listing every problem found, each with file, line, key path and value.
    """
    path = os.fspath(path)
    problems: list[Problem] = []

    def report_file(file, key, msg, value, line):
        problems.append(Problem(_show(file), key, msg, value, line))

    merged = resolve(path, report_file)
    if merged is None:
        raise PriorsError(problems)

    def report(key, msg, value):
        file, local = _file_for(key, merged)
        doc = merged.docs.get(file)
        line = doc.lines.find(local) if doc is not None else None
        problems.append(Problem(_show(file), key, msg, value, line))

    ps = build_prior_set(path, merged, report, catalog)
    if problems or ps is None:
        raise PriorsError(problems or [Problem(path, "", "invalid priors")])
    return _cut(ps)


def _cut(ps: PriorSet) -> PriorSet:
    """``ps`` cut to the claims published by ``[run] as_of``, when it is set."""
    if ps.run.as_of is None:
        return ps
    from .as_of import apply_as_of
    return apply_as_of(ps, ps.run.as_of)


def model_reference(path) -> tuple[str, str] | None:
    """The model a priors file names in ``[run] model`` (through ``extends``), as
    ``(reference, folder of the file that names it)``, or ``None`` when it names none.

    Read before the priors are validated, since their quantities are checked against
    that model's inputs; a file that cannot be read gives ``None`` here and its
    problems when it is loaded.
    """
    merged = resolve(os.fspath(path), lambda *a: None)
    if merged is None:
        return None
    ref = merged.data.get("run", {}).get("model") if isinstance(merged.data.get("run"), dict) else None
    if not isinstance(ref, str) or not ref.strip():
        return None
    origin = merged.origin.get("run.model", os.fspath(path))
    return ref.strip(), os.path.dirname(os.path.abspath(origin))


def extend_priors(prior: PriorSet, fragment: dict, *, label: str = "<override>",
                  catalog: dict[str, InputSpec] | None | object = _OWN) -> PriorSet:
    """A new PriorSet: ``prior`` extended by ``fragment`` under the ``extends`` rules,
    checked against ``catalog`` (by default the one ``prior`` was checked against).

    ``fragment`` is what an extending file would hold, as a dict, e.g.
    ``{"quantities": {"smic_yield": {"weights": {"ft": 0.8, "csis": 0.2}}}}`` or
    ``{"run": {"draws": 100_000}}``.  The result is validated like a file.

    Raises
    ------
    dieroll.errors.PriorsError
    """
    from .extends import Document, Merged, _merge
    from .lines import LineIndex
    if catalog is _OWN:
        catalog = prior.catalog
    problems: list[Problem] = []
    if not isinstance(fragment, dict):
        raise PriorsError([Problem(label, "", "an override must be a dict like an extending file", fragment)])
    merged = Merged(data={}, files=[label, *prior.files])
    base = Document(prior.path, prior.text, prior.resolved, LineIndex(prior.text))
    over = Document(label, "", fragment, LineIndex(""))
    merged.docs = {prior.path: base, label: over}
    _merge(merged, base)
    _merge(merged, over)

    def report(key, msg, value):
        file, _ = _file_for(key, merged)
        problems.append(Problem(file, key, msg, value, None))

    ps = build_prior_set(prior.path, merged, report, catalog)
    if problems or ps is None:
        raise PriorsError(problems or [Problem(label, "", "invalid override")])
    return _cut(ps)
