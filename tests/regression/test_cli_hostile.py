"""Every subcommand with bad arguments: one line, a non-zero exit, no traceback,
no "internal error"; and provenance a reader can check with sha256sum."""
import hashlib
import os
import pathlib
import shutil
import signal

import pytest

from dieroll.cli import main
from dieroll.store import open_run

from ..conftest import BASELINE


@pytest.fixture(scope="module")
def runs(tmp_path_factory, small_run):
    d = tmp_path_factory.mktemp("hostile-runs")
    shutil.copytree(small_run, d / "kd")
    return d


@pytest.fixture(autouse=True)
def keep_signal_handlers():
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    yield
    for s, h in saved.items():
        signal.signal(s, h)


def _bad(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text(f'extends = "{BASELINE}"\n[run]\ntitle = "nul \\u0000 and escape \\u001b[2J"\n')
    big = tmp_path / "big.toml"
    big.write_text("# " + "x" * (5 << 20) + "\n")
    zero = tmp_path / "zero.toml"
    zero.write_text('extends = "/dev/zero"\n')
    path_claims = tmp_path / "path_claims.toml"
    claims = "".join(f"""  [[quantities.smic_wpm.claims]]
  id = "{cid}"
  source = "s"
  says = "{cid}"
  weight = 1
  dist = {{ family = "fixed", value = {v} }}
""" for cid, v in (("low", 20000), ("high", 40000)))
    path_claims.write_text(f'extends = "{BASELINE}"\n[quantities.smic_wpm]\n'
                           'description = "SMIC 7 nm (N+2) wafer starts per month"\nunits = "wafer/month"\n' + claims)
    return {"bad": p, "big": big, "zero": zero, "path_claims": path_claims}


COMMANDS = [
    (["run", "{bad}"], "control character"),
    (["run", "{big}"], "may be at most"),
    (["run", "{zero}"], "not a regular file"),
    (["check", "{path_claims}"], "competing claims on a path each give a [path] of knots"),
    (["run", "{path_claims}"], "competing claims on a path each give a [path] of knots"),
    (["run", BASELINE, "--threads", "0", "--name", "t"], "threads must be"),
    (["run", BASELINE, "--threads", "1000", "--name", "t"], "threads must be"),
    (["run", BASELINE, "--chunk-size", "0", "--name", "t"], "chunk size must be"),
    (["run", BASELINE, "--chunk-size", "-5", "--name", "t"], "chunk size must be"),
    (["run", BASELINE, "--draws", "0", "--name", "t"], "draws must be"),
    (["run", BASELINE, "--seed", "-1", "--name", "t"], "seed must be"),
    (["run", BASELINE, "--name", "bad name"], "not allowed"),
    (["run", BASELINE, "--name", "../up"], "not allowed"),
    (["run", "/no/such/file.toml"], "file not found"),
    (["show", "nosuch"], "no such directory"),
    (["show", "kd", "--at", "junk"], "write a month YYYY-MM, a quarter YYYY-Qn or a year YYYY"),
    (["show", "kd", "--at", "1990-01"], "outside the run"),
    (["chart", "kd", "--var", "china_total_mean"], "not an output of this run"),
    (["chart", "kd", "--var", "china_stock"], "choose --channel one of"),
    (["chart", "kd", "--kind", "hist", "--at", "junk"], "write a month YYYY-MM, a quarter YYYY-Qn or a year YYYY"),
    (["chart", "kd", "--kind", "hist", "--by", "nosuch"], "not a disputed quantity"),
    (["chart", "kd", "--format", "gif"], "choose from png, svg, pdf"),
    (["chart", "kd", "--out", "/proc/no/such"], "cannot create the folder"),
    (["compare", "kd", "nosuch"], "no such directory"),
    (["disputes", "kd", "--sweep", "nosuch:ft"], "not a disputed quantity"),
    (["disputes", "kd", "--sweep", "smic_yield:nosuch"], "no claim"),
    (["disputes", "kd", "--sweep", "smic_yield"], "QUANTITY:CLAIM"),
    (["disputes", "kd", "--at", "junk"], "write a month YYYY-MM, a quarter YYYY-Qn or a year YYYY"),
    (["disputes", "kd", "--var", "nosuch"], "is not an output"),
]


@pytest.mark.parametrize("argv,words", COMMANDS, ids=[" ".join(a) for a, _ in COMMANDS])
def test_bad_arguments_give_one_clear_line(tmp_path, runs, capsys, argv, words):
    files = _bad(tmp_path)
    argv = ["--runs-dir", str(runs)] + [a.format(**files) for a in argv]
    try:
        rc = main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        rc = exc.code
    err = capsys.readouterr().err
    assert rc == 2, err
    assert "Traceback" not in err and "internal error" not in err
    assert words in err
    assert not any(n.startswith(".") for n in os.listdir(runs))  # nothing reserved or left behind


@pytest.mark.parametrize("argv", [["run"], ["chart"], ["nosuch"], ["run", BASELINE, "--draws", "many"],
                                  ["chart", "kd", "--kind", "pie"], ["list", "--bogus"]])
def test_usage_errors_are_argparse_lines(runs, capsys, argv):
    with pytest.raises(SystemExit) as info:
        main(["--runs-dir", str(runs)] + argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "error:" in err


def test_priors_sha256_is_the_sha256sum_of_priors_toml(small_run):
    run = open_run(small_run)
    digest = hashlib.sha256(pathlib.Path(os.path.join(small_run, "priors.toml")).read_bytes()).hexdigest()
    assert run.manifest["priors_sha256"] == digest
    assert run.summary.attrs["priors_sha256"] == digest
    assert run.manifest["files"]["priors.toml"]["sha256"] == digest
