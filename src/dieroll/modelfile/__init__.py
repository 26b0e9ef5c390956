"""Models as files: equations analysts can read, fork and change without Python.

A model file (TOML) declares label sets, units, inputs, stocks, flows,
auxiliaries and outputs, each equation with its source and note.  It is parsed
(:mod:`.expr`), checked for names, dimensions, cycles and units (:mod:`.check`),
and compiled into a numba kernel that runs inside the engine (:mod:`.codegen`);
:mod:`.reference` evaluates the same trees with plain numpy for tests.  The
language is described in ``docs/model-language.md``.

Examples
--------
>>> from dieroll.modelfile import load_model
>>> model = load_model("smuggling-cases")            # doctest: +SKIP
>>> dieroll.run("priors/examples/smuggling-cases.toml", model=model)   # doctest: +SKIP
"""
from __future__ import annotations

import functools
import os

from ..catalog import Model, OutputSpec
from ..errors import ModelError, Problem
from .check import check_model
from .codegen import CompiledKernel, generate_with_identical
from .describe import markdown as describe_markdown
from .diagram import dot as diagram_dot
from .diagram import render as render_diagram
from .diagram import write as write_diagram
from .source import packaged_models, resolve_model, resolve_model_path
from .spec import ModelSpec

__all__ = ["load_model", "default_model", "DEFAULT_MODEL", "check_file", "check_text", "model_for", "build", "build_outputs", "describe_markdown", "diagram_dot", "render_diagram",
           "write_diagram",
           "packaged_models", "resolve_model_path", "ModelSpec"]


def check_file(ref: str, base_dir: str | None = None) -> ModelSpec:
    """Read and check a model: a packaged model's name or a file's path (relative to
    ``base_dir``).  Raises :class:`~dieroll.errors.ModelError` listing every problem."""
    problems: list[Problem] = []

    def report(file, key, message, value, line):
        problems.append(Problem(file, key, message, value, line))

    path = resolve_model_path(ref, base_dir)
    if not path:
        known = ", ".join(packaged_models()) or "none"
        raise ModelError([Problem(str(ref), "", f"no packaged model of that name (packaged: {known}); a model "
                                  "file's path ends in .toml")])
    merged = resolve_model(path, report)
    if merged is None or problems:
        raise ModelError(problems)
    return check_model(merged)


def build_outputs(spec: ModelSpec) -> tuple[OutputSpec, ...]:
    """The engine's output declarations of a checked model, in declaration order."""
    return tuple(
        OutputSpec(v.name, v.units, v.description or v.name,
                   tuple((d, spec.labels[d].labels) for d in v.dims), year_end=v.year_end)
        for v in spec.outputs.values())


def build(spec: ModelSpec) -> Model:
    """The engine's :class:`~dieroll.catalog.Model` for a checked model (its kernel compiles,
    or loads from numba's cache, at the first chunk)."""
    outputs = build_outputs(spec)
    labels = {d: {lb: (ls.titles.get(lb, lb), ls.colours.get(lb)) for lb in ls.labels}
              for d, ls in spec.labels.items()}
    source, identical = generate_with_identical(spec)
    return Model(name=spec.name, inputs=dict(spec.inputs), outputs=outputs, identical=identical,
                 run_chunk=CompiledKernel(source), partial_chunks=True, labels=labels,
                 label_defaults={d: ls.default for d, ls in spec.labels.items() if ls.default},
                 presentation=spec.presentation.attrs(),
                 text=spec.text, sha256=spec.sha256, source=os.path.relpath(spec.files[0]) if spec.files else "")


def load_model(ref: str, base_dir: str | None = None) -> Model:
    """Check and build a model: ``load_model("smuggling-cases")`` or ``load_model("my.toml")``."""
    return build(check_file(ref, base_dir))


DEFAULT_MODEL = "china"
"""The packaged model a run uses when neither the call nor the priors name one."""


@functools.lru_cache(maxsize=1)
def default_model() -> Model:
    """The packaged China model (:data:`DEFAULT_MODEL`), checked and built once per process."""
    return load_model(DEFAULT_MODEL)


def model_for(prior) -> Model:
    """The model a :class:`~dieroll.priors.PriorSet` names in ``[run] model`` (a packaged
    model, or a path relative to the priors file), else :func:`default_model`."""
    ref = getattr(prior.run, "model", None)
    if not ref:
        return default_model()
    path = getattr(prior, "path", None)
    return load_model(ref, os.path.dirname(os.path.abspath(path)) if path else None)


def check_text(text: str, name: str = "model.toml") -> ModelSpec:
    """Check a resolved model's text, as a run stores it (``model_text``); ``name`` is the
    file name its problems are reported against."""
    import tomllib
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ModelError([Problem(name, "", f"not valid TOML: {exc}")]) from None
    from .source import MergedModel
    return check_model(MergedModel(data=data, files=[name]))
