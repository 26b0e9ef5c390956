"""Published estimates checked against the output they name (units, label sets, metric), scored
(coverage, where the median falls, the interval score, against a hand computation), and marked
out of sample when published after a run's evidence cut-off."""
import math
import subprocess
import sys

import pytest

import dieroll
from dieroll.errors import DierollError
from dieroll.published import interval_score, load_published, validate
from dieroll.store import open_run

from ..conftest import ROOT

ENTRY = '''[[estimate]]
id = "{id}"
variable = "{var}"
{extra}
date = "2026-12"
{value}
units = "{units}"
source = "s"
published = "{published}"
counted = "c"
'''


def _file(tmp_path, *entries):
    f = tmp_path / "est.toml"
    f.write_text('title = "t"\n' + "\n".join(ENTRY.format(**{"extra": "", "value": "value = 1_000_000",
                                                              "units": "H100e", "published": "2026-01-01", **e})
                                              for e in entries))
    return load_published(f)


@pytest.fixture(scope="module")
def run(small_run):
    return open_run(small_run)


def test_the_interval_score_is_the_textbook_one():
    # inside: the width; outside: the width plus 20 times the miss (alpha = 0.1)
    assert interval_score(10, 20, 15) == 10
    assert interval_score(10, 20, 5) == 10 + 20 * 5
    assert interval_score(10, 20, 26) == 10 + 20 * 6


def test_scores_coverage_and_median_against_the_run(run, tmp_path):
    s = run.summary["china_total"].sel(metric="training", time="2026-12-01")
    p05, p50, p95 = (float(s.sel(quantile=q)) for q in (0.05, 0.5, 0.95))
    for x in (p50, p95 * 3, p05 / 3):
        tab = validate(run, _file(tmp_path, {"id": "e", "var": "china_total", "extra": 'metric = "training"',
                                      "value": f"value = {x!r}"}))
        r = tab.iloc[0]
        want = (p95 - p05) + 20 * max(p05 - x, 0) + 20 * max(x - p95, 0)
        assert r["score"] == pytest.approx(want, rel=1e-12) and r["score_rel"] == pytest.approx(want / x, rel=1e-12)
        assert r["inside_90"] == (p05 <= x <= p95)
        assert r["median_vs"] == pytest.approx(p50 / x - 1, rel=1e-12)
        assert r["metric"] == "training" and r["after_cutoff"] is None
    # a bound is not scored
    tab = validate(run, _file(tmp_path, {"id": "b", "var": "us_total", "value": "low = 1"}))
    assert math.isnan(tab.iloc[0]["score"]) and tab.iloc[0]["inside_90"]


@pytest.mark.parametrize("entry,why", [
    ({"var": "us_total", "extra": 'labels = { channel = "smic_ascend" }'},
     "labels.channel: us_total has no channel dimension"),
    ({"var": "china_total"}, r"china_total is counted in several metrics \(inference, training\): say which"),
    ({"var": "us_total", "extra": 'metric = "peak"'}, "us_total has no metric dimension"),
    ({"var": "china_total", "extra": 'metric = "inference"', "units": "chip"},
     "units = 'chip', but china_total is in 'H100e'"),
    ({"var": "china_total", "extra": 'metric = "peak"'}, "metric"),
])
def test_an_estimate_that_does_not_fit_its_output_is_refused(run, tmp_path, entry, why):
    with pytest.raises(DierollError, match=why):
        validate(run, _file(tmp_path, {"id": "x", **entry}))


def test_units_are_required_and_publication_dates_checked(tmp_path):
    f = tmp_path / "e.toml"
    f.write_text('[[estimate]]\nid = "a"\nvariable = "us_total"\ndate = "2026"\nsource = "s"\ncounted = "c"\n'
                 'value = 1\npublished = "last year"\n')
    with pytest.raises(DierollError) as e:
        load_published(f)
    assert "estimate[0].units: required" in str(e.value) and "estimate[0].published: the publication date" in \
        str(e.value)


def test_an_as_of_run_is_a_backtest_against_later_estimates(tmp_path):
    prior = tmp_path / "p.toml"
    prior.write_text('''[run]
title = "US stock"
model = "stock-growth"
start = 2026-01-01
end = 2027-12-31
draws = 2000
seed = 3

[quantities.initial_stock]
description = "stock"
units = "H100e"
source = "a"
date = 2025-06-01
dist = { family = "lognormal", p5 = 10_000_000, p95 = 20_000_000 }

[quantities.growth_per_year]
description = "growth"
units = "1/year"
source = "b"
date = 2025-06-01
dist = { family = "uniform", min = 0.3, max = 0.8 }

[quantities.attrition_per_year]
description = "attrition"
units = "1/year"
source = "c"
date = 2024-07-31
dist = { family = "fixed", value = 0.05 }
''')
    runs = tmp_path / "runs"
    path = dieroll.run_to_folder(str(prior), runs_dir=str(runs), name="cut", as_of="2025-12-31", charts=False)
    est = tmp_path / "est.toml"
    est.write_text("\n".join(ENTRY.format(id=i, var="stock_h100e", extra="", value="value = 20_000_000",
                                          units="H100e", published=p)
                             for i, p in (("before", "2025-11-01"), ("after", "2026-05")))
                   .replace('date = "2026-12"', 'date = "2026-06"'))
    tab = validate(open_run(path), load_published(est)).set_index("id")
    assert tab.loc["before", "after_cutoff"] == False  # noqa: E712
    assert tab.loc["after", "after_cutoff"] == True  # noqa: E712
    r = subprocess.run([sys.executable, "-m", "dieroll", "--runs-dir", str(runs), "validate", "cut", "--published",
                        str(est)], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    import re
    assert "evidence as of 2025-12-31: estimates published after it are out of sample" in r.stdout
    assert re.search(r"^after +\* 2026-06", r.stdout, re.M) and re.search(r"^before +2026-06", r.stdout, re.M)
    assert "out of sample (published after 2025-12-31):" in r.stdout and "interval score" in r.stdout


def test_every_estimate_that_does_not_fit_is_listed_with_its_file_and_line(run, tmp_path):
    ests = _file(tmp_path, {"id": "ok", "var": "us_total"},
                 {"id": "units", "var": "us_total", "units": "chip"},
                 {"id": "labels", "var": "us_total", "extra": 'labels = { route = "smic" }'},
                 {"id": "yearly", "var": "chips_added_ytd", "extra": 'labels = { channel = "smic_ascend" }',
                  "units": "chip"})
    yearly = ests[3]
    import dataclasses
    ests[3] = dataclasses.replace(yearly, date="2026-06")
    with pytest.raises(DierollError) as e:
        validate(run, ests)
    msg = str(e.value)
    assert msg.startswith("3 estimates do not fit the run")
    f = str(tmp_path / "est.toml")
    lines = (tmp_path / "est.toml").read_text().splitlines()
    for i, (eid, why) in enumerate((("units", "units = 'chip'"), ("labels", "labels.route"),
                                    ("yearly", "a yearly flow is summarised at year ends"))):
        line = [n for n, ln in enumerate(lines, start=1) if ln == f'id = "{eid}"'][0] - 1
        assert f"{f}:{line}: estimate {eid}: " in msg and why in msg, (eid, msg)
    assert "estimate ok" not in msg
