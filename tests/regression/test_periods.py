"""One meaning of a period everywhere: a month is itself, a quarter its last month, a year
its December (a stock at the year's end, a *_ytd flow's calendar-year total).  The same
question asked through show, disputes, export, chart, validate and the API gives the
same number."""
import os

import numpy as np
import pytest

import dieroll
from dieroll.cli import main
from dieroll.cli._common import number
from dieroll.errors import DierollError
from dieroll.selection import headline, label_default, period_month


@pytest.fixture(scope="module")
def run(small_run):
    return dieroll.open_run(small_run)


def _median(run, var, month, **labels):
    ds = run.summary
    sel = {d: labels.get(d) or label_default(ds, d) for d in ds[var].dims if d not in ("time", "quantile")}
    return float(ds[var].sel(sel).sel(time=np.datetime64(month, "M").astype("datetime64[ns]"), quantile=0.5))


@pytest.mark.parametrize("period,month", [("2026", "2026-12"), ("2026-Q2", "2026-06"), ("2026-06", "2026-06"),
                                          ("2025-Q4", "2025-12")])
def test_the_same_question_gets_the_same_number_everywhere(run, tmp_path, capsys, period, month):
    ds = run.summary
    var = headline(ds)
    want = _median(run, var, month)
    assert want != _median(run, var, period[:4] + "-01")  # the question can tell January from the answer
    # the parser itself
    assert str(period_month(period, ds["time"].values))[:7] == month
    # show: the column is headed by the month read, and the headline's cell is the median there
    runs_dir, name = os.path.split(run.path)
    assert main(["--runs-dir", runs_dir, "show", name, "--at", period]) == 0
    out = capsys.readouterr().out
    assert month in out.splitlines()[1]
    assert f" {number(want)} [" in out
    # export, by month, quarter and year (where the period ends one): the row read at the month
    for by in ("month", "quarter", "year"):
        if by == "year" and not month.endswith("-12") or by == "quarter" and int(month[5:]) % 3:
            with pytest.raises(DierollError, match="not the end of a"):
                dieroll.export.table(run, [var], at=[period], by=by, digits=15)
            continue
        tab = dieroll.export.table(run, [var], at=[period], by=by, digits=15)
        rows = tab[tab["metric"] == label_default(ds, "metric")] if "metric" in tab else tab
        assert list(rows["month"]) == [month] and float(rows["median"].iloc[0]) == pytest.approx(want, rel=1e-12)
    # disputes (from the kept draws): the median of the draws at that month, in the API and the CLI
    draws = run.prior_predictive[var].sel(metric=label_default(ds, "metric"),
                                          time=np.datetime64(month, "M").astype("datetime64[ns]")).values
    table = dieroll.disputes(run, var, at=period)
    assert table.attrs["median_all"] == pytest.approx(float(np.median(draws)), rel=1e-6)
    assert main(["--runs-dir", runs_dir, "disputes", name, "--at", period]) == 0
    assert f"at {month}: median {number(table.attrs['median_all'])}" in capsys.readouterr().out
    # validate: a published estimate dated with the period is compared at that month
    est = tmp_path / "est.toml"
    est.write_text(f'title = "t"\n[[estimate]]\nid = "e"\nvariable = "{var}"\nlabels = {{ metric = '
                   f'"{label_default(ds, "metric")}" }}\ndate = "{period}"\nvalue = 1\nunits = "H100e"\n'
                   f'source = "s"\npublished = "2026-01-01"\ncounted = "c"\n')
    tab = dieroll.published.validate(run, dieroll.published.load_published(str(est)))
    assert float(tab["model_p50"].iloc[0]) == pytest.approx(want, rel=1e-12)


def test_a_chart_of_a_year_is_drawn_at_its_december(run, tmp_path, capsys):
    runs_dir, name = os.path.split(run.path)
    assert main(["--runs-dir", runs_dir, "chart", name, "--kind", "hist", "--at", "2026", "--out", str(tmp_path)]) == 0
    written = capsys.readouterr().out.split()
    assert any(os.path.basename(p).endswith("-2026-12.png") for p in written), written


@pytest.mark.parametrize("bad,match", [("2026-13", "from 01 to 12"), ("26", "write a month YYYY-MM, a quarter"),
                                       ("2026-Q5", "write a month"), ("2040", r"2040 \(read at 2040-12\): outside")])
def test_a_bad_period_names_what_is_allowed(run, bad, match):
    with pytest.raises(DierollError, match=match):
        period_month(bad, run.summary["time"].values, "--at")
