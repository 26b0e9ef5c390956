"""Claims carry publication dates; a run at an evidence cut-off (``--as-of``, ``[run] as_of``)
uses only the claims published by then, renormalised, refuses in one error every quantity
left without evidence, and records the cut-off where a reader sees it."""
import datetime as dt
import json
import os
import subprocess
import sys

import pytest

from dieroll.errors import PriorsError
from dieroll.priors import load_priors

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

DOC = '''[run]
title = "US stock"
model = "stock-growth"
start = 2026-01-01
end = 2027-12-31
draws = 2000
seed = 3

[quantities.initial_stock]
description = "stock"
units = "H100e"
  [[quantities.initial_stock.claims]]
  id = "early"
  source = "a"
  says = "small"
  date = 2025-01-10
  weight = 2
  dist = { family = "fixed", value = 1000 }
  [[quantities.initial_stock.claims]]
  id = "mid"
  source = "b"
  says = "medium"
  date = "2025-06"
  weight = 1
  dist = { family = "fixed", value = 2000 }
  [[quantities.initial_stock.claims]]
  id = "late"
  source = "c"
  says = "large"
  date = 2026-02-01
  weight = 1
  dist = { family = "fixed", value = 4000 }

[quantities.growth_per_year]
description = "growth"
units = "1/year"
source = "s"
date = 2025-03-01
path = { 2026-01 = { family = "fixed", value = 0.5 } }

[quantities.attrition_per_year]
description = "attrition"
units = "1/year"
basis = "judgement"
reasoning = "a round number"
dist = { family = "fixed", value = 0.05 }
'''


def _write(tmp_path, text=DOC, name="p.toml"):
    f = tmp_path / name
    f.write_text(text)
    return f


def test_claims_published_after_the_cut_off_are_dropped_and_weights_renormalised(tmp_path):
    ps = load_priors(_write(tmp_path))
    assert [c.date for c in ps.quantities["initial_stock"].claims] == [
        dt.date(2025, 1, 10), dt.date(2025, 6, 30), dt.date(2026, 2, 1)]  # "2025-06": the month's last day
    cut = ps.as_of_date("2025-06-30")
    q = cut.quantities["initial_stock"]
    assert [(c.id, round(c.weight, 12)) for c in q.claims] == [("early", round(2 / 3, 12)), ("mid", round(1 / 3, 12))]
    assert cut.run.as_of == dt.date(2025, 6, 30)
    assert 'as_of = 2025-06-30' in cut.text and '"late"' not in cut.text
    # a day earlier the month-dated claim is not yet out
    assert [c.id for c in ps.as_of_date("2025-06-29").quantities["initial_stock"].claims] == ["early"]
    # undated judgement is the analyst's own and stays
    assert cut.quantities["attrition_per_year"].basis == "judgement"


def test_every_quantity_without_evidence_is_listed_in_one_error(tmp_path):
    ps = load_priors(_write(tmp_path))
    with pytest.raises(PriorsError) as e:
        ps.as_of_date("2024-12-31")
    text = str(e.value)
    assert "2 problems" in text
    assert "initial_stock: no claim published by 2024-12-31 (claims: early 2025-01-10, mid 2025-06-30, late " \
           "2026-02-01); add a claim dated by then, or fix it with --set initial_stock=VALUE" in text
    assert "growth_per_year: its source is dated 2025-03-01, after the cut-off 2024-12-31" in text


def test_undated_evidence_and_bad_dates_are_refused(tmp_path):
    undated = DOC.replace('date = 2025-03-01\n', '')
    with pytest.raises(PriorsError, match="growth_per_year: has no date: --as-of needs the publication date"):
        load_priors(_write(tmp_path, undated)).as_of_date("2030-01-01")
    for bad, why in (('date = "2025-13"', "publication date: a TOML date"),
                     ('date = "last spring"', "publication date: a TOML date"),
                     ("date = 2031-01-01", "cannot be in the future")):
        with pytest.raises(PriorsError, match=why):
            load_priors(_write(tmp_path, DOC.replace('date = "2025-06"', bad), "bad.toml"))
    with pytest.raises(PriorsError, match="must be a date written YYYY-MM-DD"):
        load_priors(_write(tmp_path)).as_of_date("June 2025")


def test_the_run_records_the_cut_off_and_set_can_stand_in(tmp_path):
    import dieroll
    from dieroll.plot.style import provenance_text
    f = _write(tmp_path)
    res = dieroll.run(str(f), as_of="2025-06-30")
    a = res.summary.attrs
    assert a["evidence_as_of"] == "2025-06-30" and a["title"] == "US stock, evidence as of 2025-06-30"
    assert "evidence as of 2025-06-30" in provenance_text(a, "dieroll run")
    # only the early (1000, 2/3) and mid (2000, 1/3) claims are drawn
    start = res.summary["stock_h100e"].isel(time=0)
    assert float(start.sel(quantile=0.95)) < 2000 * 1.05
    # a quantity with no evidence by the cut-off can be fixed by --set
    res2 = dieroll.run(str(f), as_of="2024-12-31", sets=["initial_stock=1500", "growth_per_year=0.4"])
    assert res2.summary.attrs["evidence_as_of"] == "2024-12-31"


def test_cli_as_of_writes_the_cut_off_into_the_run(tmp_path):
    f = _write(tmp_path)
    r = subprocess.run([sys.executable, "-m", "dieroll", "--runs-dir", str(tmp_path / "runs"), "run", str(f),
                        "--as-of", "2025-06-30", "--quiet", "--name", "cut"], capture_output=True, text=True,
                       cwd=ROOT)
    assert r.returncode == 0, r.stderr
    man = json.loads((tmp_path / "runs" / "cut" / "manifest.json").read_text())
    text = (tmp_path / "runs" / "cut" / "priors.toml").read_text()
    assert "as_of = 2025-06-30" in text and '"late"' not in text
    assert "2025-06-30" in json.dumps(man)
    r = subprocess.run([sys.executable, "-m", "dieroll", "--runs-dir", str(tmp_path / "runs"), "run", str(f),
                        "--as-of", "2024-12-31", "--quiet", "--name", "early"], capture_output=True, text=True,
                       cwd=ROOT)
    assert r.returncode == 2 and "no claim published by 2024-12-31" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "runs" / "early").exists()


def test_a_judgement_knot_flags_the_months_it_reaches(tmp_path):
    text = DOC.replace('path = { 2026-01 = { family = "fixed", value = 0.5 } }', '''interpolate = "linear"
  [quantities.growth_per_year.path]
  2026-03 = { family = "fixed", value = 0.5 }
  2026-09 = { family = "fixed", value = 0.4 }
  2027-09 = { family = "fixed", value = 0.3, basis = "judgement", reasoning = "beyond the evidence" }''')
    q = load_priors(_write(tmp_path, text)).quantities["growth_per_year"]
    assert [k.basis for k in q.knots] == ["", "", "judgement"] and q.basis == "document"
    assert q.basis_at(dt.date(2026, 6, 1)) == "document"       # its months are set by documented knots
    assert q.basis_at(dt.date(2026, 10, 1)) == "judgement"     # the segment to the 2027-09 knot has begun
    with pytest.raises(PriorsError, match="2027-09.reasoning: missing: a knot with basis"):
        load_priors(_write(tmp_path, text.replace(', reasoning = "beyond the evidence"', ""), "bad.toml"))


def test_kept_draws_carry_the_knot_bases_the_drivers_screen_reads(tmp_path):
    import dieroll
    from dieroll.analysis import bases_of
    text = DOC.replace('path = { 2026-01 = { family = "fixed", value = 0.5 } }', '''interpolate = "linear"
  [quantities.growth_per_year.path]
  2026-03 = { family = "uniform", min = 0.4, max = 0.6 }
  2026-09 = { family = "uniform", min = 0.3, max = 0.5 }
  2027-09 = { family = "uniform", min = 0.2, max = 0.4, basis = "judgement", reasoning = "beyond the evidence" }''')
    res = dieroll.run(str(_write(tmp_path, text)), draws=500, keep_draws=True)
    assert list(res.prior["growth_per_year"].attrs["knot_basis"]) == ["", "", "judgement"]
    assert bases_of(res, "2026-06")["growth_per_year"] == "document"
    assert bases_of(res, "2026-10")["growth_per_year"] == "judgement"
    assert bases_of(res)["growth_per_year"] == "document" and bases_of(res)["attrition_per_year"] == "judgement"
