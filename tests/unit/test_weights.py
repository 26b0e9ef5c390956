"""--weight gives a claim a share of its quantity's draws (the other claims rescaled in
proportion), or multiplies its weight with ``2x``; the shares are printed and recorded."""
import os

import pytest

import dieroll
from dieroll.cli import main
from dieroll.errors import PriorsError
from dieroll.priors.what_if import effective_weights

from ..conftest import BASELINE, write

_CLAIM = """
  [[quantities.q.claims]]
  id = "{id}"
  source = "s"
  says = "{id} says so"
  weight = {w}
  dist = {{ family = "fixed", value = {v} }}
"""
PRIORS = ("[run]\ntitle = \"t\"\nstart = 2025-01-01\nend = 2025-12-31\ndraws = 1000\nseed = 1\n"
          "[quantities.q]\ndescription = \"a disputed quantity\"\nunits = \"1\"\n"
          + "".join(_CLAIM.format(id=i, w=w, v=v) for i, w, v in (("a", 5, 1), ("b", 3, 2), ("c", 2, 3))))


@pytest.fixture
def prior(tmp_path):
    return dieroll.priors.load_priors(write(tmp_path, "p.toml", PRIORS), catalog=None)


@pytest.mark.parametrize("given,want", [
    (["q.a=0.8"], {"a": 0.8, "b": 0.12, "c": 0.08}),               # the rest in proportion (3:2)
    (["q.b=2x"], {"a": 5 / 13, "b": 6 / 13, "c": 2 / 13}),          # a factor (5:6:2), then shares
    (["q.a=0.5", "q.b=0.5"], {"a": 0.5, "b": 0.5, "c": 0.0}),
    (["q.c=0"], {"a": 5 / 8, "b": 3 / 8, "c": 0.0}),
    (["q.b=2x", "q.a=0.5"], {"a": 0.5, "b": 0.5 * 6 / 8, "c": 0.5 * 2 / 8}),
])
def test_a_weight_is_a_share(prior, given, want):
    got = effective_weights(prior, given)["q"]
    assert got == pytest.approx(want, rel=1e-12)
    out = prior.what_if(given).quantities["q"]
    assert {c.id: c.weight for c in out.claims} == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("given,match", [
    (["q.a=1.5"], "the share must be from 0 to 1"),
    (["q.a=0.7", "q.b=0.5"], "add up to 1.2, more than 1"),
    (["q.a=abc"], "the share must be a number"),
    (["q.a=-1x"], "the factor must be a finite number from 0 to 1e6"),
    (["q=0.5"], "QUANTITY.CLAIM=SHARE"),
])
def test_impossible_shares_are_refused(prior, given, match):
    with pytest.raises(PriorsError, match=match):
        effective_weights(prior, given)


def test_no_claim_left_to_take_the_rest_is_refused(prior):
    zero_c = prior.what_if(["q.c=0"])
    with pytest.raises(PriorsError, match="no other claim of it is drawn to take the rest"):
        effective_weights(zero_c, ["q.a=0.3", "q.b=0.3"])


def test_run_and_check_print_the_shares(tmp_path, capsys):
    assert main(["--runs-dir", str(tmp_path), "run", BASELINE, "--draws", "300", "--quiet", "--name", "w",
                 "--weight", "smic_yield.ft=0.8"]) == 0
    assert main(["--runs-dir", str(tmp_path), "run", BASELINE, "--draws", "300", "--name", "w2",
                 "--weight", "smic_yield.ft=0.8"]) == 0
    out = capsys.readouterr().out
    base = dieroll.load_priors(BASELINE).quantities["smic_yield"]
    rest = sum(c.weight for c in base.claims if c.id != "ft")
    want = {c.id: 0.8 if c.id == "ft" else 0.2 * c.weight / rest for c in base.claims}
    assert len(want) >= 2 and ("weights of smic_yield: "
                               + ", ".join(f"{k} {100 * v:.0f} %" if abs(100 * v - round(100 * v)) < 0.05
                                           else f"{k} {100 * v:.1f} %" for k, v in want.items())) in out
    resolved = dieroll.load_priors(os.path.join(tmp_path, "w2", "priors.toml"))
    assert {c.id: c.weight for c in resolved.quantities["smic_yield"].claims} == pytest.approx(want, rel=1e-9)
    assert main(["check", BASELINE, "--drivers", "0"]) == 0
    from dieroll.cli._common import shares_text
    assert f"shares of the draws:       {shares_text(base)}" in capsys.readouterr().out
