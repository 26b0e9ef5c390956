"""The pilot's window edges: rows sorted and read off give np.quantile's values, bit for bit."""
import numpy as np
import pytest

from dieroll.engine.reduce import _row_quantiles

PROBS = np.array([0.0, 0.001, 0.05, 0.1, 0.25, 1 / 3, 0.5, 0.75, 0.9, 0.95, 0.999, 1.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [1, 2, 3, 7, 100, 16_384])
def test_equals_numpys_linear_quantiles(dtype, n):
    rng = np.random.default_rng(n)
    rows = np.concatenate([rng.normal(size=(5, n)), np.round(rng.normal(size=(3, n))),  # ties
                           np.zeros((1, n)), np.full((1, n), 7.5), rng.lognormal(0, 3, size=(2, n))]).astype(dtype)
    ref = np.quantile(rows, PROBS, axis=1).T
    got = _row_quantiles(rows, PROBS)
    assert got.dtype == ref.dtype and got.shape == ref.shape
    assert np.array_equal(got, ref)
    # the same bits, but for the sign of a zero: -0.0 and 0.0 tie, and a sort and a partition
    # may leave either at a position (equal values; the windows count them alike)
    nz = ref != 0
    assert got[nz].tobytes() == ref[nz].tobytes()
