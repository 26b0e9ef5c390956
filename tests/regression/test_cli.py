"""The command line as a user meets it."""
import os
import subprocess
import sys

import pytest

from ..conftest import BASELINE, DATA, ROOT

DIEROLL = [sys.executable, "-m", "dieroll.cli"]


def run(*args, cwd=ROOT):
    return subprocess.run(DIEROLL + list(args), capture_output=True, text=True, cwd=cwd)


def test_check_prints_each_quantity():
    r = run("check", BASELINE)
    assert r.returncode == 0, r.stderr
    assert "smic_yield" in r.stdout and "csis" not in r.stderr
    line = next(ln for ln in r.stdout.splitlines() if ln.strip().startswith("smic_yield "))
    assert line.split()[1] == "1" and line.split()[2] == "3"


def test_check_lists_problems_exits_2_without_traceback():
    bad = os.path.join(DATA, "bad", "negative_count.toml")
    r = run("check", bad)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert "problems in priors" in r.stderr and "tsmc_dies" in r.stderr
    assert "missing quantity" in r.stderr  # also reports what the model needs


def test_describe_lists_inputs_and_outputs():
    r = run("describe")
    assert r.returncode == 0
    from dieroll import MODEL
    for name in MODEL.inputs:
        assert name in r.stdout
    for o in MODEL.outputs:
        assert o.name in r.stdout


def test_run_list_show_chart(tmp_path):
    r = run("--runs-dir", str(tmp_path), "run", BASELINE, "--draws", "2000", "--name", "b", "--quiet")
    assert r.returncode == 0, r.stderr
    r = run("--runs-dir", str(tmp_path), "list")
    assert "b " in r.stdout and "complete" in r.stdout and "2,000" in r.stdout
    r = run("--runs-dir", str(tmp_path), "show", "b", "--at", "2025-12", "2027-12")
    assert r.returncode == 0, r.stderr
    assert "2025-12" in r.stdout and "China, inference" in r.stdout
    r = run("--runs-dir", str(tmp_path), "show", "b", "--at", "2040-01")
    assert r.returncode == 2 and "outside the run" in r.stderr
    r = run("--runs-dir", str(tmp_path), "run", BASELINE, "--draws", "2000", "--name", "b", "--quiet")
    assert r.returncode == 2 and "already exists" in r.stderr and "Traceback" not in r.stderr
    r = run("--runs-dir", str(tmp_path), "chart", "b", "--format", "png,svg", "--log")
    assert r.returncode == 0, r.stderr
    assert os.path.exists(tmp_path / "b" / "fan-china_total-inference-log.svg")
    r = run("--runs-dir", str(tmp_path), "show", "nope")
    assert r.returncode == 2 and "nope" in r.stderr


@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM"])
def test_ctrl_c_and_sigterm_stop_cleanly(tmp_path, signame):
    import signal
    import time
    proc = subprocess.Popen(DIEROLL + ["--runs-dir", str(tmp_path), "run", BASELINE, "--name", "c",
                                       "--draws", "5000000", "--quiet"], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline and not any(n.startswith(".tmp-c") for n in os.listdir(tmp_path)):
        time.sleep(0.05)
    time.sleep(1.0)
    proc.send_signal(getattr(signal, signame))
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130
    assert err.strip().splitlines()[-1] == ("dieroll: interrupted while sampling and writing the run; "
                                            "the temporary folder was removed and no run was written")
    assert "Traceback" not in err
    assert os.listdir(tmp_path) == []


def test_disputes_command(small_run, tmp_path):
    import shutil
    shutil.copytree(small_run, tmp_path / "k")
    runs_dir, name = str(tmp_path), "k"
    small_run = str(tmp_path / "k")
    r = run("--runs-dir", runs_dir, "disputes", name, "--at", "2026-12", "--sweep", "smic_yield:ft")
    assert r.returncode == 0, r.stderr
    assert "smic_yield" in r.stdout and "impact" in r.stdout
    assert os.path.exists(os.path.join(small_run, "sweep-smic_yield-ft-china_total-inference-2026-12.png"))
    r = run("--runs-dir", runs_dir, "disputes", name, "--sweep", "smic_yield")
    assert r.returncode == 2 and "QUANTITY:CLAIM" in r.stderr


def _flagged(stdout):
    """Quantities named on the "! judgement drives this result" lines."""
    return [ln.split(": ", 1)[1].split()[0] for ln in stdout.splitlines()
            if ln.strip().startswith("! judgement drives this result")]


def test_check_flags_a_judgement_quantity_among_the_top_drivers(tmp_path):
    # the same quantity, made the dominant driver and marked judgement, must be flagged;
    # with its documented claims (baseline) it must not be
    guess = tmp_path / "guess.toml"
    guess.write_text(f'extends = "{BASELINE}"\n'
                     "[quantities.smuggled_2024]\n"
                     'units = "chip/year"\ndescription = "Smuggled 2024, a guess"\n'
                     'basis = "judgement"\nreasoning = "A test: no document"\n'
                     'dist = { family = "lognormal", p5 = 1e4, p95 = 3e6 }\n')
    args = ("--var", "china_total", "--at", "2027-12", "--drivers", "2000")
    r = run("check", str(guess), *args)
    assert r.returncode == 0, r.stderr
    assert _flagged(r.stdout)[:1] == ["smuggled_2024"]
    line = next(ln for ln in r.stdout.splitlines() if "top drivers of china_total" in ln)
    assert "1. smuggled_2024" in line
    base = run("check", BASELINE, *args)
    assert base.returncode == 0, base.stderr
    assert "smuggled_2024" not in _flagged(base.stdout)
    assert "1. smuggled_2024" in next(ln for ln in base.stdout.splitlines() if "top drivers of" in ln)


def test_label_options_are_the_runs_label_sets_before_or_after_the_run():
    """``--SET LABEL`` and ``--SET=LABEL`` are taken out before argparse (the label sets are the
    run's model's), wherever they stand; a command that reads no labels refuses them."""
    from dieroll.cli import build_parser, main
    from dieroll.cli._common import take_labels
    parser = build_parser()
    argv, labels = take_labels(parser, ["--runs-dir", "r", "chart", "--channel", "smic_ascend", "baseline",
                                         "--metric=training", "--log", "--var", "china_stock"])
    assert argv == ["--runs-dir", "r", "chart", "baseline", "--log", "--var", "china_stock"]
    assert labels == {"channel": "smic_ascend", "metric": "training"}
    args = parser.parse_args(argv)
    assert args.run == "baseline" and args.var == "china_stock" and args.log
    with pytest.raises(SystemExit):
        main(["list", "--channel", "smic_ascend"])
    with pytest.raises(SystemExit):
        main(["chart", "baseline", "--channel"])
