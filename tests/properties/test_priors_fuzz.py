"""Arbitrary documents through the loader: nothing escapes but PriorsError."""
import datetime as dt
import os
import tempfile

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dieroll.errors import PriorsError
from dieroll.priors import load_priors

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
        from dieroll.model import MODEL
        _try(text, MODEL.inputs)
    else:
        _try(text, None)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_raises_only_priors_errors(text):
    _try(text, None)
