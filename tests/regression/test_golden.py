"""Golden values: a fixed-seed run of the baseline, recorded once and compared ever after.

These numbers are not a statement that the model is right (other tests check the
arithmetic against the seeds and the kernels against the reference); they make a
change to the random numbers or to the model *visible*.  When such a change is
intended, acknowledge it by regenerating the file and committing it with the change:

    .venv/bin/python -m tests.regression.test_golden --update

and say in the commit message what moved and why.

What is recorded, for draws 1000..2999 of ``priors/baseline.toml`` at its seed
(starting past draw 0 so that the draw offset is exercised):

* the claim drawn for every disputed quantity, as a SHA-256 of the int16 array
  (integers: exact on any machine);
* for every scalar input and every path's knots, the sum over the draws;
* for every output series, the sum over the draws at four months.

Sums are compared to 1e-11 relative: a change to one random number, one claim or one
equation moves them by far more, while the last-bit differences of ``exp``/``log``
between CPUs or libm versions stay near 1e-15.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "..", "data", "golden", "baseline-1000-2999.json")
FIRST, DRAWS = 1000, 2000
MONTHS = ("2023-06", "2025-12", "2027-12", "2030-12")
RTOL = 1e-11


def compute() -> dict:
    from dieroll import MODEL, evaluate, load_priors
    root = os.path.dirname(os.path.dirname(HERE))
    prior = load_priors(os.path.join(root, "priors", "baseline.toml"))
    ch = evaluate(prior, draws=DRAWS, first=FIRST)
    dates = [str(d)[:7] for d in prior.run.dates()]
    steps = [dates.index(m) for m in MONTHS]
    inputs = {n: math.fsum(ch.scalars[:, i]) for i, n in enumerate(MODEL.scalar_names)}
    inputs["knots"] = [math.fsum(ch.knots[:, k]) for k in range(ch.knots.shape[1])]
    outputs = {}
    for r, name, labels in MODEL.contract.series():
        key = name + "".join(f"[{v}]" for v in labels.values())
        outputs[key] = [math.fsum(ch.out[r, t]) for t in steps]
    return {"priors": "priors/baseline.toml", "seed": prior.run.seed, "first": FIRST, "draws": DRAWS,
            "months": list(MONTHS), "priors_sha256": prior.sha256,
            "claims_sha256": hashlib.sha256(np.ascontiguousarray(ch.claims).tobytes()).hexdigest(),
            "inputs": inputs, "outputs": outputs}


def _acknowledge() -> str:
    return ("if the change is intended, regenerate with `.venv/bin/python -m tests.regression.test_golden --update` "
            "and commit the new file with the change, saying what moved and why")


@pytest.fixture(scope="module")
def golden_pair():
    if not os.path.exists(GOLDEN):
        pytest.fail(f"{GOLDEN} is missing; {_acknowledge()}")
    with open(GOLDEN, encoding="utf-8") as f:
        return json.load(f), compute()


def test_priors_and_claims_are_the_recorded_ones(golden_pair):
    want, got = golden_pair
    assert got["priors_sha256"] == want["priors_sha256"], f"the baseline priors changed; {_acknowledge()}"
    assert got["claims_sha256"] == want["claims_sha256"], f"the claims drawn changed; {_acknowledge()}"


def test_inputs_match_the_golden_sums(golden_pair):
    want, got = golden_pair
    assert set(got["inputs"]) == set(want["inputs"]), "the model's inputs changed"
    for name, v in want["inputs"].items():
        np.testing.assert_allclose(got["inputs"][name], v, rtol=RTOL, atol=0,
                                   err_msg=f"input {name} moved; {_acknowledge()}")


def test_outputs_match_the_golden_sums(golden_pair):
    want, got = golden_pair
    assert set(got["outputs"]) == set(want["outputs"]), "the model's output series changed"
    moved = [k for k, v in want["outputs"].items()
             if not np.allclose(got["outputs"][k], v, rtol=RTOL, atol=1e-300)]
    assert not moved, f"{len(moved)} output series moved, e.g. {moved[:5]}; {_acknowledge()}"


if __name__ == "__main__":
    if "--update" not in sys.argv:
        sys.exit("usage: python -m tests.regression.test_golden --update   (rewrites " + GOLDEN + ")")
    os.makedirs(os.path.dirname(GOLDEN), exist_ok=True)
    data = compute()
    with open(GOLDEN, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {os.path.relpath(GOLDEN)}: {len(data['inputs'])} inputs, {len(data['outputs'])} output series")
