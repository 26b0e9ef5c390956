"""Arbitrary documents through the loader: nothing escapes but PriorsError."""
import datetime as dt
import os
import tempfile

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dieroll.errors import PriorsError
from dieroll import load_priors

keys = st.sampled_from(["run", "quantities", "correlations", "extends", "family", "dist", "claims", "path",
                        "mean", "sd", "p5", "p95", "p50", "weight", "id", "source", "says", "units",
                        "description", "values", "weights", "truncate", "min", "max", "mode", "2024-12",
                        "interpolate", "knot_rank", "between", "rank", "title", "start", "end", "draws",
                        "seed", "alpha", "beta", "median", "gsd", "lower", "upper", "x", "smic_yield"])
scalars = st.one_of(st.integers(-10**12, 10**12), st.floats(allow_nan=True, allow_infinity=True),
                    st.text(max_size=12), st.booleans(), st.dates(dt.date(1990, 1, 1), dt.date(2040, 1, 1)),
                    st.sampled_from(["normal", "beta", "lognormal", "pert", "metalog", "discrete", "fixed",
                                     "uniform", "triangular", "log", "linear", "step", "baseline.toml"]))
docs = st.recursive(scalars, lambda ch: st.one_of(st.lists(ch, max_size=4),
                                                  st.dictionaries(keys, ch, max_size=6)), max_leaves=40)


def _try(text, catalog):
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "f.toml")
        with open(p, "w", encoding="utf-8") as fh:
            fh.write(text)
        try:
            load_priors(p, catalog=catalog)
        except PriorsError:
            pass


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(keys, docs, max_size=6), st.booleans())
def test_arbitrary_documents_raise_only_priors_errors(doc, with_model):
    try:
        text = tomli_w.dumps(doc)
    except (TypeError, ValueError):
        return
    if with_model:
        from dieroll import MODEL
        _try(text, MODEL.inputs)
    else:
        _try(text, None)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_raises_only_priors_errors(text):
    _try(text, None)


# ---------------------------------------------------------------- mutated baseline, through a run
def _leaves(node, path=()):
    """Every (path, value) leaf of a parsed TOML document."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _leaves(v, path + (i,))
    else:
        yield path, node


def _set(node, path, value):
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value


magnitudes = st.builds(lambda m, e, s: s * m * 10.0**e, st.floats(1, 9.99), st.integers(-300, 307),
                       st.sampled_from([1, -1])) | st.sampled_from([0.0, 5e-324, 1.7976931348623157e308, -0.0])
replacements = st.one_of(magnitudes, st.integers(-2**70, 2**70), st.text(max_size=30),
                         st.text(st.characters(codec="utf-8"), max_size=8), st.booleans(),
                         st.lists(magnitudes, max_size=4), st.dates())
OUTCOMES = {"ran": 0, "refused by check": 0, "refused by the run": 0}


def _baseline():
    import tomllib
    from ..conftest import BASELINE
    with open(BASELINE, "rb") as fh:
        return tomllib.load(fh)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_baseline_through_load_check_and_a_run(data):
    """Valid and mutated baseline documents (magnitudes 1e-300..1e308, unicode, types):
    load -> check -> a 1,000-draw run; only dieroll errors escape."""
    import copy

    import dieroll
    from dieroll.errors import DierollError
    doc = copy.deepcopy(_baseline())
    leaves = [p for p, _ in _leaves(doc)]
    for _ in range(data.draw(st.integers(0, 3), label="mutations")):
        path = data.draw(st.sampled_from(leaves), label="where")
        old = dict(_leaves(doc)).get(path)
        if isinstance(old, (int, float)) and not isinstance(old, bool) and data.draw(st.booleans(), label="scale"):
            new = old * 10.0 ** data.draw(st.integers(-300, 300), label="power")  # same type, any magnitude
        else:
            new = data.draw(replacements, label="value")
        _set(doc, path, new)
    try:
        text = tomli_w.dumps(doc)
    except (TypeError, ValueError):
        return
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "f.toml")
        with open(p, "w", encoding="utf-8") as fh:
            fh.write(text)
        try:
            prior = load_priors(p)
        except PriorsError:
            OUTCOMES["refused by check"] += 1
            return
        try:
            dieroll.run(prior, draws=1000)
            OUTCOMES["ran"] += 1
        except DierollError:
            OUTCOMES["refused by the run"] += 1
