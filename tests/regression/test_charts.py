"""Every chart type from a small run: bands, legends, footnote, metadata, no warnings."""
import os
import warnings

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402

from dieroll import plot  # noqa: E402
from dieroll.analysis import disputes, sensitivity, sweep  # noqa: E402
from dieroll.selection import SelectionError  # noqa: E402
from dieroll.store import open_run  # noqa: E402


pytestmark = pytest.mark.filterwarnings("error")  # rendering must emit no warnings


@pytest.fixture(scope="module")
def run(small_run):
    return open_run(small_run)


def _footnote(fig):
    return "\n".join(t.get_text() for t in fig.texts)


def _check_footnote(fig, run):
    text = _footnote(fig)
    a = run.summary.attrs
    assert f"N = {a['draws']:,} draws" in text
    assert f"seed {a['seed']}" in text
    assert a["priors_sha256"][:12] in text
    assert f"dieroll {a['dieroll_version']}" in text
    assert "Regenerate: dieroll" in text


def test_fan_has_three_bands_median_and_us(run):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = plot.fan_figure(run.summary, "china_total", log=True, command="dieroll chart x")
    ax = fig.axes[0]
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 3 + 2                           # China: 5-95, 10-90, 25-75; US: two
    alphas = [b.get_alpha() for b in bands[:3]]
    assert alphas == sorted(alphas)                      # light to dark
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["China: 5–95 %", "China: median", "United States: 5–95 %", "United States: median"]
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "H100-equivalents"
    _check_footnote(fig, run)
    plt.close(fig)


def test_fan_axes_function_returns_axes(run):
    fig, ax = plt.subplots()
    assert plot.fan(run.summary, "us_china_ratio", ax=ax, metric="training") is ax
    assert len(ax.lines) == 1
    plt.close(fig)


def test_saved_files_carry_provenance(run, tmp_path):
    fig = plot.fan_figure(run.summary, command="dieroll chart runs/small")
    a = run.summary.attrs
    for ext in ("png", "svg", "pdf"):
        plot.save(fig, str(tmp_path / f"f.{ext}"), a, "dieroll chart runs/small", "title")
    from PIL import Image
    with Image.open(tmp_path / "f.png") as im:
        info = im.text
    assert a["priors_sha256"] in info["Source"] and "dieroll chart runs/small" in info["Comment"]
    svg = (tmp_path / "f.svg").read_text()
    assert a["priors_sha256"] in svg and "<dc:title>title</dc:title>" in svg
    pdf = (tmp_path / "f.pdf").read_bytes()
    assert a["priors_sha256"].encode() in pdf
    assert b"/FontFile2" in pdf and b"/Subtype /Type3" not in pdf   # TrueType (Type 42) fonts embedded
    plt.close(fig)


def test_compare_overlaid_and_small_multiples(run):
    two = {"a": run.summary, "b": run.summary}
    fig = plot.compare_figure(two, command="dieroll compare a b")
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["a", "b"]
    assert "share random numbers" in _footnote(fig)
    plt.close(fig)
    four = {k: run.summary for k in "abcd"}
    fig = plot.compare_figure(four, command="dieroll compare a b c d")
    assert sum(ax.get_visible() for ax in fig.axes) == 4
    plt.close(fig)


def test_exceedance_from_summary_and_draws(run):
    fig = plot.exceedance_figure(run.summary, "china_total", [1e6, 2e6], draws=run.prior_predictive, command="c")
    ax = fig.axes[0]
    assert len(ax.lines) == 2
    y = ax.lines[0].get_ydata()
    stored = run.summary["china_total_exceedance"].sel(metric="inference", china_total_threshold=1e6).values
    assert np.array_equal(y, stored)
    plt.close(fig)
    with pytest.raises(ValueError, match="not stored"):
        plot.exceedance(run.summary, "china_total", [3.3e6])


def test_hist_stacked_by_claim(run):
    fig = plot.hist_figure(run.summary, run.prior, run.prior_predictive, at="2026-12", by="smic_yield",
                           command="c")
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert len(labels) == 3 and labels[0].startswith("smic_yield = csis")
    plt.close(fig)


def test_channels_and_analysis_charts(run):
    from dieroll import MODEL
    CHANNELS = MODEL.labels["channel"]
    for kw in ({}, {"var": "china_stock", "by": "channel"}):  # declared, or named as the CLI names it
        fig = plot.channels_figure(run.summary, command="c", **kw)
        texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
        assert texts == [name for name, _ in CHANNELS.values()] + ["median of the total"], kw
        plt.close(fig)
    t = disputes(run, at="2026-12")
    fig, ax = plt.subplots()
    plot.disputes_chart(t, ax)
    assert len(ax.get_yticklabels()) == int((t["claim_id"] != "").sum())
    plt.close(fig)
    s = sensitivity(run, at="2026-12", subsample=2000)
    fig, ax = plt.subplots()
    plot.tornado(s, ax, top=10)
    assert len(ax.patches) == 2 * 10                     # rank correlation and S1 per input
    tab = plot.chart_table(fig)
    rho = np.abs(s["rank_correlation"].values)
    s1 = np.nan_to_num(s["rbd_fast_s1"].values)
    strongest = np.sort(np.maximum(rho, s1))[::-1][:10]
    np.testing.assert_allclose(tab["strength"].values, strongest)   # sorted by the stronger of the two
    assert [t.get_text() for t in ax.get_legend().get_texts()][2].startswith("first-order index S1")
    plt.close(fig)
    sw = sweep(run, "smic_yield", "ft", at="2026-12", steps=5)
    fig, ax = plt.subplots()
    plot.sweep_chart(sw, ax)
    assert len(ax.lines) == 1
    plt.close(fig)


def test_run_folder_has_default_charts(small_run):
    for ext in ("png", "svg", "pdf"):
        assert os.path.getsize(os.path.join(small_run, f"fan.{ext}")) > 10_000


def test_binding_chart_stacks_shares_that_add_to_one(run):
    ds = run.summary
    share = ds["ascend_binding_mean"].sum("constraint").values
    np.testing.assert_allclose(share, 1.0, rtol=0, atol=1e-12)
    fig = plot.binding_figure(ds, command="c")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()][1] == "HBM"
    assert ax.get_ylim() == (0.0, 1.0)
    plt.close(fig)


def test_year_flows_are_summarised_at_year_ends_only(run, small_run):
    # a *_ytd output (OutputSpec.year_end) is summarised in December and the run's last
    # month; between them its summary is nan and says why, and a fan chart of it is refused
    ds = run.summary
    for var in ("ascend_made_ytd", "chips_added_ytd", "h100e_added_ytd", "additions_ratio_ytd"):
        months = ds["time"].values.astype("datetime64[M]").astype(int) % 12 + 1
        ends = (months == 12) | (np.arange(ds.sizes["time"]) == ds.sizes["time"] - 1)
        for v in (var, f"{var}_mean", f"{var}_sd", f"{var}_quantile_error"):
            x = ds[v].transpose("time", ...).values
            assert np.isnan(x[~ends]).all() and np.isfinite(x[ends]).all(), v
        assert ds[var].attrs["summarised"].startswith("at year ends")
    assert "summarised" not in ds["china_total"].attrs and np.isfinite(ds["china_total"].values).all()
    with pytest.raises(SelectionError, match="calendar-year flow"):
        plot.fan(ds, "ascend_made_ytd", route="smic")
    # the kept draws hold every month
    kept = open_run(small_run).prior_predictive["ascend_made_ytd"].sel(route="smic", time="2026-06-01")
    assert np.isfinite(kept.values).all() and (kept.values > 0).any()


def test_yearly_table_reads_december_of_full_years(run):
    ds = run.summary
    tab = plot.yearly_table(ds, "ascend_made_ytd", route="smic")
    assert list(tab["year"].values) == list(range(2023, 2031))  # 2022 starts in October: partial, left out
    dec = ds["ascend_made_ytd"].sel(route="smic", time="2026-12-01")
    np.testing.assert_array_equal(tab.sel(year=2026).values, dec.values)
    fig = plot.yearly_figure(ds, "ascend_made_ytd", command="c")
    assert len(fig.axes[0].patches) == 3 * 8  # a bar per route and year
    plt.close(fig)
