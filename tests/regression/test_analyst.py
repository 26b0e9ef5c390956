"""What an analyst on deadline does without writing xarray code: exports, label selection, what-ifs,
differences, slide-ready charts, published estimates, reprs and a self-explaining command line."""
import json
import os
import pathlib

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import dieroll  # noqa: E402
from dieroll import plot  # noqa: E402
from dieroll.cli import build_parser, main  # noqa: E402
from dieroll.errors import DierollError, PriorsError  # noqa: E402
from dieroll.export import export, table  # noqa: E402
from dieroll.store import open_run  # noqa: E402

from ..conftest import BASELINE, write  # noqa: E402

PUBLISHED = os.path.join(os.path.dirname(BASELINE), "published", "seeds.toml")


@pytest.fixture(scope="module")
def run(small_run):
    return open_run(small_run)


@pytest.fixture(scope="module")
def what_if_run(small_run):
    """The small run's priors and seed with two what-ifs: a claim re-weighted and a value fixed."""
    runs_dir = os.path.dirname(small_run)
    path = dieroll.run_to_folder(BASELINE, runs_dir=runs_dir, name="whatif", draws=3000, keep_draws=True,
                                 charts=False, weights=["smic_yield.ft=0.9"], sets=["packaging_yield=0.7"])
    return open_run(path)


def _sig(x, d=4):
    return float(f"{x:.{d}g}")


# --- exports -------------------------------------------------------------------------------------------------

def test_export_table_rounds_the_summary_and_reads_periods_at_their_last_month(run):
    ds = run.summary
    tab = table(run, ["china_stock", "ascend_made_ytd"], by="year", digits=3)
    row = tab[(tab.variable == "china_stock") & (tab.channel == "smic_ascend") & (tab.metric == "training")
              & (tab.period == "2027")].iloc[0]
    want = ds["china_stock"].sel(channel="smic_ascend", metric="training", time="2027-12-01")
    assert row["month"] == "2027-12"
    for q, col in ((0.05, "p5"), (0.5, "median"), (0.95, "p95")):
        assert row[col] == _sig(float(want.sel(quantile=q)), 3)
    assert row["mean"] == _sig(float(ds["china_stock_mean"].sel(channel="smic_ascend", metric="training",
                                                                 time="2027-12-01")), 3)
    first = tab[(tab.variable == "ascend_made_ytd") & (tab.period == "2022")]["reads"].iloc[0]
    assert "from 2022-10" in first                      # a partial first year says so
    # a calendar-year flow is summarised at year ends only: by month or quarter it has those rows alone
    m = table(run, ["us_total", "ascend_made_ytd"], by="month", labels={"route": "smic"})
    ytd = m[m.variable == "ascend_made_ytd"]
    assert list(ytd["month"]) == [f"{y}-12" for y in range(2022, 2031)]
    assert ytd["median"].notna().all() and len(m[m.variable == "us_total"]) == ds.sizes["time"]
    with pytest.raises(DierollError, match="use --by year, or --at a December"):
        table(run, ["ascend_made_ytd"], by="quarter", at=["2026-Q2"])
    q = table(run, ["us_total"], by="quarter")
    assert list(q["period"][:3]) == ["2022-Q4", "2023-Q1", "2023-Q2"]
    assert list(q["month"][:3]) == ["2022-12", "2023-03", "2023-06"]
    assert "route" not in q.columns                     # label columns only where used


def test_export_files_round_trip_with_provenance(run, tmp_path):
    kw = dict(variables=["china_total"], by="year", labels={"metric": "inference"})
    ref = table(run, **kw)
    for fmt in ("csv", "xlsx", "parquet"):
        p = str(tmp_path / f"t.{fmt}")
        export(run, p, **kw)
        if fmt == "csv":
            got = pd.read_csv(p, comment="#")
            head = [ln for ln in pathlib.Path(p).read_text().splitlines(keepends=True) if ln.startswith("#")]
            assert any(run.summary.attrs["priors_sha256"] in ln for ln in head)
        elif fmt == "xlsx":
            got = pd.read_excel(p, sheet_name="table")
            prov = pd.read_excel(p, sheet_name="provenance").set_index("key")["value"]
            assert prov["priors_sha256"] == run.summary.attrs["priors_sha256"]
        else:
            import pyarrow.parquet as pq
            got = pd.read_parquet(p)
            meta = json.loads(pq.read_schema(p).metadata[b"dieroll"])
            assert meta["seed"] == str(run.summary.attrs["seed"])
        np.testing.assert_allclose(got["median"].values, ref["median"].values)
        with pytest.raises(DierollError, match="exists"):
            export(run, p, **kw)                        # never replaced without force
    with pytest.raises(DierollError, match="choose one of tsmc_ascend"):
        table(run, ["china_stock"], labels={"channel": "nosuch"})
    with pytest.raises(DierollError, match=r"--at 2040 \(read at 2040-12\): outside the run \(2022-10 .. 2030-12\)"):
        table(run, ["china_total"], by="year", at=["2040"])
    with pytest.raises(DierollError, match="read at 2026-06, which is not the end of a year"):
        table(run, ["china_total"], by="year", at=["2026-06"])


# --- every output can be charted, and every chart has its numbers -----------------------------------------------

def test_chart_selects_labels_and_writes_the_numbers_it_draws(small_run, tmp_path, capsys):
    out = str(tmp_path)
    assert main(["chart", small_run, "--var", "ascend_packages", "--route", "smic", "--out", out]) == 0
    csv = pd.read_csv(os.path.join(out, "fan-ascend_packages-smic.csv"), comment="#")
    want = open_run(small_run).summary["ascend_packages"].sel(route="smic", quantile=0.5).values
    np.testing.assert_array_equal(csv["median"].values, want)    # exactly what the median line draws
    for argv, msg in ((["--var", "china_stock"], "choose --channel one of"),
                      (["--var", "ascend_waiting"], "not an output"),
                      (["--var", "china_chips", "--channel", "nope"], "no such channel"),
                      (["--var", "us_total", "--route", "smic"], "has no route dimension"),
                      (["--var", "ascend_made_ytd", "--route", "smic"], "--kind yearly --var ascend_made_ytd"),
                      (["--kind", "exceedance", "--var", "chips_added_ytd", "--channel", "nvidia_legal",
                        "--threshold", "1e5"], "summarised at year ends only")):
        capsys.readouterr()
        assert main(["chart", small_run, "--out", out, *argv]) == 2
        err = capsys.readouterr().err
        assert msg in err and "Traceback" not in err


def test_fan_table_matches_the_drawn_lines(run):
    fig = plot.fan_figure(run.summary, "china_chips", labels={"channel": "nvidia_smuggled"}, command="c")
    ax = fig.axes[0]
    tab = plot.chart_table(fig)
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), tab["median"].values)
    assert "(nvidia_smuggled)" in ax.get_title(loc="left")
    plt.close(fig)


def test_layout_arguments_keep_the_house_layout(run):
    fig = plot.fan_figure(run.summary, size=(10, 5.6), dpi=300, title="My title", subtitle="my sub", command="c")
    assert tuple(fig.get_size_inches()) == (10.0, 5.6)
    ax = fig.axes[0]
    assert ax.get_title(loc="left") == "My title" and any(t.get_text() == "my sub" for t in ax.texts)
    foot = "\n".join(t.get_text() for t in fig.texts)
    assert "Sources: CSIS" in foot and "Regenerate: c" in foot
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    assert ax.title.get_window_extent(r).y0 > ax.get_window_extent(r).y1   # the title sits above the plot
    plt.close(fig)
    fig = plot.fan_figure(run.summary, footnote=False, command="c")
    assert not any("Regenerate" in t.get_text() for t in fig.texts)
    plt.close(fig)
    with pytest.raises(ValueError, match="from 1 to 40"):
        plot.fan_figure(run.summary, size=(100, 1))


def test_ratio_axis_is_in_words_and_exceedance_uses_stored_thresholds(run):
    fig = plot.fan_figure(run.summary, "us_china_ratio", command="c")
    assert fig.axes[0].get_ylabel() == "US compute divided by compute in China"
    plt.close(fig)
    fig = plot.exceedance_figure(run.summary, "china_total", command="c")
    assert len(fig.axes[0].lines) == len(run.summary["china_total_threshold"])
    plt.close(fig)


# --- what-ifs -----------------------------------------------------------------------------------------------------

def test_what_ifs_are_applied_and_recorded(what_if_run):
    r = what_if_run
    assert r.manifest["what_ifs"] == ["--weight smic_yield.ft=0.9", "--set packaging_yield=0.7"]
    assert json.loads(r.summary.attrs["what_ifs"]) == r.manifest["what_ifs"]
    v = r.prior["packaging_yield"].values
    assert np.all(v == v[0]) and v[0] == pytest.approx(0.7, abs=1e-7)
    resolved = pathlib.Path(os.path.join(r.path, "priors.toml")).read_text()
    assert "--set packaging_yield=0.7" in resolved      # the run's priors.toml holds the what-if
    cl = r.prior["smic_yield_claim"]
    w = dict(zip(cl.attrs["flag_meanings"].split(), cl.attrs["claim_weights"]))
    assert w["ft"] == pytest.approx(0.9, rel=1e-12)  # a weight is the claim's share of the draws
    assert sum(w.values()) == pytest.approx(1.0, rel=1e-12)
    drawn = r.prior["smic_yield_claim"].values == list(w).index("ft")
    assert drawn.mean() == pytest.approx(0.9, abs=4 * np.sqrt(0.9 * 0.1 / drawn.size))  # 4 standard errors


def test_what_if_errors_name_the_option_and_the_choices():
    prior = dieroll.load_priors(BASELINE)
    with pytest.raises(PriorsError, match="its claims are csis, ft"):
        prior.what_if(["smic_yield.nope=1"])
    with pytest.raises(PriorsError, match="QUANTITY.CLAIM=SHARE"):
        prior.what_if(["smic_yield=1"])
    with pytest.raises(PriorsError, match="no quantity 'nosuch'"):
        prior.what_if(sets=["nosuch=1"])
    with pytest.raises(PriorsError, match="reaches 7"):
        prior.what_if(sets=["packaging_yield=7"])
    d = prior.what_if(sets=['smic_yield={family = "beta", mean = 0.3, sd = 0.05}']).quantities["smic_yield"]
    assert len(d.claims) == 1 and float(d.claims[0].dist.ppf(0.5)) == pytest.approx(0.3, abs=0.01)


NEW_CLAIM = {"id": "new", "source": "A test document, 2026-01", "says": "half", "weight": 0.5,
             "dist": {"family": "beta", "mean": 0.5, "sd": 0.05}}


def _adding(tmp_path, name, quantity):
    """A scenario file that appends NEW_CLAIM to ``quantity`` of the baseline."""
    import tomli_w
    return write(tmp_path, name, f'extends = "{BASELINE}"\n'
                 + tomli_w.dumps({"quantities": {quantity: {"add_claims": [NEW_CLAIM]}}}))


def test_add_claims_appends_to_the_parents_claims(tmp_path):
    got = dieroll.load_priors(_adding(tmp_path, "s.toml", "smic_yield")).quantities["smic_yield"]
    base = dieroll.load_priors(BASELINE).quantities["smic_yield"]
    assert [c.id for c in got.claims] == [c.id for c in base.claims] + ["new"]
    api = dieroll.load_priors(BASELINE).with_claims("smic_yield", [NEW_CLAIM])
    assert [c.weight for c in api.quantities["smic_yield"].claims] == [c.weight for c in got.claims]
    bad = _adding(tmp_path, "b.toml", "packaging_yield")     # the parent has one dist, no claims
    with pytest.raises(PriorsError, match="add_claims: appends claims"):
        dieroll.load_priors(bad)


# --- differences ----------------------------------------------------------------------------------------------------

def test_difference_is_paired_by_draw(run, what_if_run):
    from dieroll.analysis.compare import differences
    tab = differences({"base": run, "whatif": what_if_run}, "china_total", {"metric": "inference"})
    assert tab.attrs["paired"]
    a = run.prior_predictive["china_total"].sel(metric="inference", time="2027-12-01").values.astype(float)
    b = what_if_run.prior_predictive["china_total"].sel(metric="inference", time="2027-12-01").values.astype(float)
    row = tab[tab.time == "2027-12"].iloc[0]
    assert row["median"] == np.quantile(b - a, 0.5)
    assert row["p5"] == np.quantile(b - a, 0.05)
    same = differences({"a": run, "b": run}, "china_total")
    assert np.all(same[["p5", "median", "p95"]].values == 0)


def test_compare_cli_writes_difference_and_every_runs_n(small_run, what_if_run, tmp_path, capsys):
    runs_dir = os.path.dirname(small_run)
    assert main(["--runs-dir", runs_dir, "compare", "small", "whatif", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "paired by draw" in out and "whatif" in out
    names = sorted(os.listdir(tmp_path))
    assert "difference-small-whatif-china_total-inference.png" in names
    assert "difference-small-whatif-china_total-inference.csv" in names
    four = {k: open_run(small_run).summary for k in ("a", "b", "c", "d")}
    fig = plot.compare_figure(four, command="c")
    shown = [ax for ax in fig.axes if ax.get_visible()]
    fig.canvas.draw()
    assert all(any(t.get_text() for t in ax.get_xticklabels()) for ax in shown)   # years on every panel
    foot = "\n".join(t.get_text() for t in fig.texts)
    assert foot.count("N = 3,000") == 4
    plt.close(fig)


# --- published estimates --------------------------------------------------------------------------------------------

def test_validate_puts_published_beside_the_model(run):
    from dieroll.published import load_published, validate
    ests = load_published(PUBLISHED)
    tab = validate(run, ests).set_index("id")
    heim = tab.loc["heim-tsmc-bank-h100e"]
    want = run.summary["china_stock"].sel(channel="tsmc_ascend", metric="inference", time="2026-12-01")
    assert heim["model_p50"] == float(want.sel(quantile=0.5))
    assert heim["inside_90"] == bool(float(want.sel(quantile=0.05)) <= 1e6 <= float(want.sel(quantile=0.95)))
    fig = plot.fan_figure(run.summary, "china_stock", labels={"channel": "tsmc_ascend"}, published=ests,
                          command="c")
    names = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any("1 M" in n and "L. Heim" in n for n in names)
    plt.close(fig)


def test_published_file_errors_name_entry_key_and_value(tmp_path):
    from dieroll.published import load_published
    p = write(tmp_path, "p.toml", '[[estimate]]\nid = "a"\nvariable = "china_total"\ndate = "2026"\n'
                                  'source = "s"\ncounted = "c"\nlow = 5\nhigh = 1\n\n[[estimate]]\nid = "a"\n'
                                  'variable = "x"\ndate = "junk"\nsource = "s"\ncounted = "c"\nvalue = "big"\n')
    with pytest.raises(DierollError) as e:
        load_published(p)
    msg = str(e.value)
    for part in ("low 5 is above high 1", "'a' is used twice", "estimate[1].date", "estimate[1].value"):
        assert part in msg


# --- reprs and the command line -------------------------------------------------------------------------------

def test_short_reprs_and_html_tables(run):
    prior = dieroll.load_priors(BASELINE)
    for obj in (prior, run):
        assert len(repr(obj)) < 300
        assert "<table>" in obj._repr_html_() and "<th>" in obj._repr_html_()
    res = dieroll.Result(run.summary, None, None, prior, 0.0)
    assert res.prior_set is prior and not hasattr(res, "priors")


def test_every_option_says_its_default_and_every_command_has_examples(capsys):
    import argparse
    parser = build_parser()
    subs = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, sp in subs.choices.items():
        assert "examples:" in (sp.epilog or ""), name
        for a in sp._actions:
            if a.option_strings and a.dest != "help" and not a.required:
                assert a.help and "default" in a.help, f"{name} {a.option_strings}"
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0 and capsys.readouterr().out.strip() == f"dieroll {dieroll.__version__}"


def test_check_prints_years_in_full():
    from dieroll.cli._common import number as _fmt
    assert _fmt(2026.0) == "2026" and _fmt(1500.0) == "1500" and _fmt(12_500) == "12.5 k"


def test_log_axes_label_one_two_five_of_each_decade(run):
    fig = plot.fan_figure(run.summary, log=True, command="c")
    ax = fig.axes[0]
    fig.canvas.draw()
    lo, hi = ax.get_ylim()
    major = [t for t in ax.yaxis.get_majorticklocs() if lo <= t <= hi]
    assert major and all(round(t / 10 ** np.floor(np.log10(t)), 6) in (1.0, 2.0, 5.0) for t in major)
    assert all(t.get_text() == "" for t in ax.yaxis.get_minorticklabels())
    plt.close(fig)
