"""``--set`` values: SI suffixes (``15M``), and a warning when a number is a thousand times off the
priors' median (a likely slip of units), on the command line and in the API."""
import os
import subprocess
import sys
import warnings

import pytest

import dieroll
from dieroll.errors import DierollWarning, PriorsError
from dieroll.priors.what_if import magnitude_warnings, parse_set

from ..conftest import BASELINE, ROOT


@pytest.mark.parametrize("text,want", [("hbm_stockpile=15M", 15e6), ("hbm_stockpile=2.5k", 2500.0),
                                       ("hbm_stockpile=1_200K", 1.2e6), ("x=3B", 3e9), ("x=1e2 M", 1e8),
                                       ("x=15", 15), ("x=0.7", 0.7)])
def test_numbers_take_si_suffixes(text, want):
    assert parse_set(text)[1] == pytest.approx(want, rel=1e-15)


@pytest.mark.parametrize("text", ["x=15MM", "x=M", "x=15m", "x=15 Mi", "x=fifteen"])
def test_other_forms_are_refused_with_the_forms_allowed(text):
    with pytest.raises(PriorsError, match="suffixes k, M, B"):
        parse_set(text)


def test_a_value_a_thousand_times_off_the_median_is_flagged(baseline):
    med = float(baseline.quantities["hbm_stockpile"].ppf([0.5])[0])
    lines = magnitude_warnings(baseline, ["hbm_stockpile=15", "hbm_stockpile=15M", "packaging_yield=0.7",
                                          "packaging_yield=7000", "smic_wpm=5"])
    assert len(lines) == 3, lines
    assert lines[0].startswith(f"--set hbm_stockpile=15: 15 is {med / 15:,.0f} times below the median") and \
        "if you meant 15 M write hbm_stockpile=15M" in lines[0]
    assert "packaging_yield=7000" in lines[1] and "times above" in lines[1]
    assert "smic_wpm=5:" in lines[2]  # a path: against its first knot's median
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        baseline.what_if(sets=["hbm_stockpile=15"])
    assert [w.category for w in got] == [DierollWarning]


def test_the_command_line_prints_the_warning_as_one_line(tmp_path):
    r = subprocess.run([sys.executable, "-m", "dieroll", "--runs-dir", str(tmp_path), "check", BASELINE],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0 and "warning" not in r.stderr
    r = subprocess.run([sys.executable, "-m", "dieroll", "--runs-dir", str(tmp_path), "run", BASELINE, "--draws",
                        "1000", "--name", "s", "--quiet", "--set", "hbm_stockpile=15"],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert r.stderr.startswith("dieroll: warning: --set hbm_stockpile=15: 15 is ") and r.stderr.count("\n") == 1
    title = dieroll.open_run(str(tmp_path / "s")).summary.attrs["title"]
    assert title.endswith("+ hbm_stockpile = 15")


def test_check_prints_each_changed_input_beside_the_file_it_extends(capsys):
    from dieroll.cli import main
    from dieroll.cli._common import number
    ft = os.path.join(os.path.dirname(BASELINE), "ft-yield.toml")
    assert main(["check", ft, "--drivers", "0"]) == 0
    out = capsys.readouterr().out
    base = dieroll.load_priors(BASELINE).quantities["smic_yield"].ppf([0.05, 0.5, 0.95])
    new = dieroll.load_priors(ft).quantities["smic_yield"].ppf([0.05, 0.5, 0.95])
    assert f"changed from {BASELINE}" in out
    line = next(ln for ln in out.splitlines() if ln.strip().startswith("smic_yield") and "->" in ln)
    assert " / ".join(number(x) for x in base) in line and " / ".join(number(x) for x in new) in line
    assert sum("  ->  " in ln for ln in out.splitlines()) == 1  # nothing else changed
    assert main(["check", BASELINE, "--drivers", "0"]) == 0
    assert "changed from" not in capsys.readouterr().out
