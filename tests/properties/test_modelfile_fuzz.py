"""Arbitrary model files through the checker: nothing escapes but ModelError, and nothing runs.

Three sources of hostile input: arbitrary TOML documents built from the model
language's keys, arbitrary equation texts (from the grammar's own tokens and
anything else), and the packaged smuggling model with one leaf replaced.
"""
from __future__ import annotations

import os
import tempfile
import tomllib
from pathlib import Path

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dieroll.errors import ModelError
from dieroll.modelfile import check_file
from dieroll.modelfile.codegen import generate

keys = st.sampled_from(["model", "units", "labels", "inputs", "stocks", "flows", "aux", "outputs", "remove",
                        "name", "title", "extends", "dims", "equation", "initial", "inflow", "outflow", "change",
                        "by", "default", "path", "range", "description", "long_name", "calendar_year", "year_end",
                        "die", "chip", "route", "smic", "x", "y", "__class__", "class", "colour"])
scalars = st.one_of(st.integers(-10**6, 10**6), st.floats(allow_nan=True), st.booleans(), st.text(max_size=20),
                    st.sampled_from(["die/month", "1", "x + y", "sum_over(x, route)", "prev(x)", "china",
                                     "../../etc/passwd", "x[smic]", "2025-01", "where(x, y)", "__import__",
                                     "1 [chip/die]", "x ** x ** x", "(" * 50]))
docs = st.recursive(scalars, lambda ch: st.one_of(st.lists(ch, max_size=4), st.dictionaries(keys, ch, max_size=5)),
                    max_leaves=40)
tokens = st.sampled_from(["x", "y", "s", "+", "-", "*", "/", "**", "(", ")", "[", "]", ",", "=", "<", "<=", "==",
                          "and", "or", "not", "1", "0.5", "1e309", "2025-01", "2025-13", "sum_over", "route", "smic",
                          "prev", "ytd", "where", "fill", "allocate", "between", "[chip/die]", "month", "_x",
                          "lambda", "__import__", "'", ";", "\\"])


def _check(text: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "m.toml")
        Path(p).write_text(text, encoding="utf-8")
        try:
            spec = check_file(p)
        except ModelError:
            return
        generate(spec)  # a model that checks must generate code, never raise


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(keys, docs, max_size=6))
def test_arbitrary_documents_raise_only_model_errors(doc):
    try:
        text = tomli_w.dumps(doc)
    except (TypeError, ValueError):
        return
    _check(text)


BASE = Path(__file__).resolve().parents[2] / "src" / "dieroll" / "models" / "smuggling_cases.toml"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(tokens, max_size=25).map(" ".join), st.sampled_from(["smuggled", "retired", "flow_by_method"]))
def test_arbitrary_equations_raise_only_model_errors(equation, where):
    data = tomllib.loads(BASE.read_text())
    section = "flows" if where in data["flows"] else "aux"
    data[section][where]["equation"] = equation
    _check(tomli_w.dumps(data))


def _leaves(node, path=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, path + (k,))
    else:
        yield path, node


LEAVES = list(_leaves(tomllib.loads(BASE.read_text())))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(LEAVES), scalars)
def test_one_leaf_of_a_real_model_replaced_raises_only_model_errors(leaf, value):
    data = tomllib.loads(BASE.read_text())
    node = data
    for k in leaf[0][:-1]:
        node = node[k]
    node[leaf[0][-1]] = value
    try:
        text = tomli_w.dumps(data)
    except (TypeError, ValueError):
        return
    _check(text)
