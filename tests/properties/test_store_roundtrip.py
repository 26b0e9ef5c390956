"""The run store loses nothing: what a run computes is what open_run reads back, bit for bit.

Two properties, each over generated cases:

* any summary-shaped Dataset (values from 1e-300 to 1e38 and NaN, unicode titles and
  labels, thresholds) written with ``summary_bytes`` reads back with the same bits,
  attributes and labels;
* a small run written to a folder (random seed, draws, what-if weight, kept draws or
  not) reopens with a summary equal to the in-memory run's, and kept draws equal to
  the in-memory draws.
"""
import io
import os
import tempfile

import numpy as np
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dieroll import open_run, run, run_to_folder
from dieroll.store import summary_bytes
from dieroll.units import cf_attrs

from ..conftest import BASELINE

finite = st.floats(min_value=-3e38, max_value=3e38, allow_nan=False, allow_infinity=False)
values = st.one_of(finite, st.floats(min_value=1e-300, max_value=1e-290), st.just(float("nan")), st.just(0.0))
label = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12)


@st.composite
def summaries(draw):
    T = draw(st.integers(1, 30))
    start = draw(st.sampled_from(["2022-10", "1999-01", "2259-12"]))
    T = min(T, 28) if start == "2259-12" else T  # a run window ends by 2262-03 (its last bound 2262-04-01)
    labels = draw(st.lists(label, min_size=1, max_size=4, unique=True))
    P = draw(st.integers(1, 5))
    q = draw(hnp.arrays(np.float64, (len(labels), T, P), elements=values))
    mean = draw(hnp.arrays(np.float64, (len(labels), T), elements=values))
    time = (np.datetime64(start, "M") + np.arange(T)).astype("datetime64[D]").astype("datetime64[ns]")
    ends = (time.astype("datetime64[M]") + 1).astype("datetime64[D]").astype("datetime64[ns]")
    units = draw(st.sampled_from(["H100e", "package/month", "1", "die/wafer"]))
    ds = xr.Dataset(
        {"x": (("channel", "time", "quantile"), q, {**cf_attrs(units), "long_name": draw(label)}),
         "x_mean": (("channel", "time"), mean, {**cf_attrs(units), "long_name": "mean"}),
         "time_bnds": (("time", "nv"), np.stack([time, ends], axis=1))},
        coords={"channel": ("channel", np.array(labels, dtype=object)),
                "time": ("time", time, {"bounds": "time_bnds"}),
                "quantile": ("quantile", np.sort(draw(hnp.arrays(np.float64, P, elements=st.floats(0, 1)))))},
        attrs={"title": draw(label), "seed": str(draw(st.integers(0, 2**63))), "draws": draw(st.integers(1, 10**9))})
    return ds


@settings(max_examples=120, deadline=None)
@given(summaries())
def test_any_summary_reads_back_with_the_same_bits(ds):
    back = xr.open_dataset(io.BytesIO(summary_bytes(ds)), engine="h5netcdf").load()
    for v in ("x", "x_mean", "time_bnds"):
        assert back[v].dims == ds[v].dims
        assert back[v].values.tobytes() == ds[v].values.tobytes(), v
    assert list(back["channel"].values) == list(ds["channel"].values)
    assert back["time"].values.tobytes() == ds["time"].values.tobytes()
    assert back["quantile"].values.tobytes() == ds["quantile"].values.tobytes()
    for k, v in ds.attrs.items():
        assert back.attrs[k] == v, k
    for k, v in ds["x"].attrs.items():
        assert back["x"].attrs[k] == v, k


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**64 - 1), draws=st.integers(1, 700), keep=st.booleans(),
       ft=st.sampled_from([None, 0.1, 0.9]))
def test_a_run_folder_reads_back_as_the_run_computed_it(seed, draws, keep, ft):
    weights = [f"smic_yield.ft={ft}"] if ft is not None else []
    mem = run(BASELINE, draws=draws, seed=seed, keep_draws=keep, weights=weights)
    with tempfile.TemporaryDirectory() as d:
        path = run_to_folder(BASELINE, runs_dir=d, name="r", draws=draws, seed=seed, keep_draws=keep,
                             charts=False, weights=weights)
        got = open_run(path)
        for v in mem.summary.data_vars:
            assert got.summary[v].values.tobytes() == mem.summary[v].values.tobytes(), v
            assert got.summary[v].dims == mem.summary[v].dims, v
        for k in ("seed", "draws", "priors_sha256", "what_ifs", "thresholds", "priors_text"):
            assert got.summary.attrs[k] == mem.summary.attrs[k], k
        assert (got.prior is None) == (not keep)
        if keep:
            for group in ("prior", "prior_predictive"):
                a, b = getattr(mem, group), getattr(got, group)
                assert set(a.data_vars) == set(b.data_vars)
                for v in a.data_vars:
                    assert b[v].dims == a[v].dims, v
                    assert np.asarray(b[v].values).tobytes() == np.asarray(a[v].values).tobytes(), v
        with open(os.path.join(path, "priors.toml"), "rb") as f:
            import hashlib
            assert hashlib.sha256(f.read()).hexdigest() == got.summary.attrs["priors_sha256"]
