"""API arguments that are not whole numbers are refused, never truncated (draws=2.9 ran 2
draws, seed=1.7 ran seed 1)."""
import pytest

import dieroll
from dieroll.errors import RunError

from ..conftest import BASELINE


@pytest.mark.parametrize("kw,match", [({"draws": 2.9}, "draws must be a whole number"),
                                      ({"draws": True}, "draws must be a whole number"),
                                      ({"draws": "100"}, "draws must be a whole number"),
                                      ({"draws": 0}, "draws must be a whole number from 1"),
                                      ({"seed": 1.7}, "seed must be a whole number"),
                                      ({"seed": -1}, "seed must be a whole number from 0")])
def test_non_whole_numbers_are_refused(kw, match):
    prior = dieroll.load_priors(BASELINE)
    with pytest.raises(RunError, match=match):
        dieroll.run(prior, **{"draws": 100, **kw})
    if "draws" in kw:
        with pytest.raises(RunError, match=match):
            dieroll.evaluate(prior, **kw)


def test_a_whole_float_is_a_whole_number():
    prior = dieroll.load_priors(BASELINE)
    res = dieroll.run(prior, draws=1e3, seed=5.0)
    assert res.summary.attrs["draws"] == 1000 and str(res.summary.attrs["seed"]) == "5"
    assert dieroll.evaluate(prior, draws=3.0).out.shape[-1] == 3
