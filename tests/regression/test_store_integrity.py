"""Run-store integrity: exclusive names, atomic replacement at every crash point,
interrupts, leftovers and ``dieroll clean``, closed-world manifests, every byte
of draws.zarr verified, safe names and text."""
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time

import pytest

from dieroll.api import run_to_folder
from dieroll.errors import Interrupted, RunError, RunStoreError
from dieroll.store import clean, leftovers, list_runs, open_run
from dieroll.store import commit
from dieroll.store.reserve import Reservation

from ..conftest import BASELINE, ROOT

DIEROLL = [sys.executable, "-m", "dieroll.cli"]
pytestmark = pytest.mark.timeout(300)


def cli(*args, env=None, runs_dir=None):
    extra = ["--runs-dir", str(runs_dir)] if runs_dir is not None else []
    return subprocess.run(DIEROLL + extra + [str(a) for a in args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, **(env or {})}, timeout=240)


def draws_of(path):
    return open_run(path).manifest["draws"]


def hidden(runs_dir):
    return sorted(n for n in os.listdir(runs_dir) if n.startswith("."))


def assert_one_line_error(r, rc=2):
    assert r.returncode == rc, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    return r.stderr


# ------------------------------------------------------------ 1. exclusive names
def test_a_reserved_name_is_refused_at_once_naming_the_holder(tmp_path, monkeypatch):
    import dieroll.api as api
    called = []
    monkeypatch.setattr(api._engine, "simulate", lambda *a, **k: called.append(1))
    with Reservation(str(tmp_path), "same"):
        for force in (False, True):
            with pytest.raises(RunError, match=rf"taken by a run in progress \(pid {os.getpid()} on \S+, started 20\d\d-.*: \S+"):
                run_to_folder(BASELINE, runs_dir=str(tmp_path), name="same", draws=100, charts=False, force=force)
    assert called == []  # refused before anything was sampled
    assert os.listdir(tmp_path) == []  # the lock file went with the reservation


def test_two_processes_one_name_exactly_one_wins(tmp_path):
    procs = [subprocess.Popen(DIEROLL + ["--runs-dir", str(tmp_path), "run", BASELINE, "--name", "same",
                                         "--draws", "30000", "--quiet"], cwd=ROOT, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    results = [(p.wait(timeout=240), p.communicate()[1]) for p in procs]  # communicate closes the pipe
    assert sorted(rc for rc, _ in results) == [0, 2], results
    loser = next(err for rc, err in results if rc == 2)
    assert "taken by a run in progress" in loser or "already exists" in loser
    assert "Traceback" not in loser
    assert draws_of(tmp_path / "same") == 30000
    assert hidden(tmp_path) == []


def test_a_live_run_keeps_its_name_and_a_killed_one_frees_it(tmp_path):
    proc = subprocess.Popen(DIEROLL + ["--runs-dir", str(tmp_path), "run", BASELINE, "--name", "long",
                                       "--draws", "5000000", "--quiet"], cwd=ROOT)
    try:
        deadline = time.time() + 120
        while time.time() < deadline and not any(n.startswith(".tmp-long") for n in os.listdir(tmp_path)):
            time.sleep(0.05)
        t0 = time.time()
        r = cli("run", BASELINE, "--name", "long", "--draws", "100", "--quiet", "--force", runs_dir=tmp_path)
        err = assert_one_line_error(r)
        assert f"pid {proc.pid}" in err and "taken by a run in progress" in err
        assert time.time() - t0 < 60  # refused at once, not after the other run
        states = {r["name"]: r["status"] for r in list_runs(str(tmp_path))}
        assert states == {"long": "in progress"}
        assert [d["action"] for d in clean(str(tmp_path))] == ["skipped: in progress", "skipped: in progress"]
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    left = leftovers(str(tmp_path))
    assert {d["kind"] for d in left} == {"temporary", "lock"} and not any(d["in_progress"] for d in left)
    r = cli("run", BASELINE, "--name", "long", "--draws", "200", "--quiet", runs_dir=tmp_path)
    assert r.returncode == 0, r.stderr
    assert draws_of(tmp_path / "long") == 200


# ------------------------------------------------- 1. every crash point, SIGKILL
BEFORE_COMMIT = ["reserved", "tmp-created", "draws-written", "summary-written", "files-written", "manifest-written"]
AFTER_COMMIT = ["committed", "removing-replaced"]


@pytest.fixture(scope="module")
def old_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("old")
    return run_to_folder(BASELINE, runs_dir=str(d), name="x", draws=200, charts=False, keep_draws=True)


@pytest.mark.parametrize("point", BEFORE_COMMIT + AFTER_COMMIT)
def test_sigkill_at_each_step_of_a_forced_replacement(tmp_path, old_run, point):
    shutil.copytree(old_run, tmp_path / "x")
    r = cli("run", BASELINE, "--name", "x", "--draws", "300", "--keep-draws", "--quiet", "--force",
            runs_dir=tmp_path, env={commit.CRASH_ENV: point})
    assert r.returncode == -signal.SIGKILL, (r.returncode, r.stderr)
    # under the name: the complete old run before the swap, the complete new one after
    assert draws_of(tmp_path / "x") == (200 if point in BEFORE_COMMIT else 300)
    left = leftovers(str(tmp_path))
    assert all(not d["in_progress"] for d in left)
    states = {r["name"]: r["status"] for r in list_runs(str(tmp_path))}
    assert states.pop("x") == "complete"
    assert set(states.values()) <= {"leftover"}
    done = clean(str(tmp_path))
    assert {d["action"] for d in done} <= {"removed"}
    assert hidden(tmp_path) == [] and os.listdir(tmp_path) == ["x"]
    assert draws_of(tmp_path / "x") == (200 if point in BEFORE_COMMIT else 300)


def test_sigkill_between_the_renames_where_the_disk_cannot_exchange(tmp_path, old_run):
    """The two-step fallback: the old run left aside is moved back before the name is used again."""
    shutil.copytree(old_run, tmp_path / "x")
    code = ("import sys; from dieroll.store import commit; commit._RENAMEAT2 = None; "
            "from dieroll.api import run_to_folder; "
            f"run_to_folder({BASELINE!r}, runs_dir=sys.argv[1], name='x', draws=300, charts=False, force=True)")
    r = subprocess.run([sys.executable, "-c", code, str(tmp_path)], cwd=ROOT, capture_output=True,
                       env={**os.environ, commit.CRASH_ENV: "between-renames"}, timeout=240)
    assert r.returncode == -signal.SIGKILL, r.stderr
    assert not os.path.exists(tmp_path / "x")
    assert any(n.startswith(".old-x-") for n in hidden(tmp_path))
    with pytest.raises(RunError, match="already exists .restored from an interrupted --force"):
        run_to_folder(BASELINE, runs_dir=str(tmp_path), name="x", draws=100, charts=False)
    assert draws_of(tmp_path / "x") == 200
    clean(str(tmp_path))
    assert os.listdir(tmp_path) == ["x"]


def test_clean_restores_a_run_left_aside(tmp_path, old_run):
    shutil.copytree(old_run, tmp_path / ".old-x-0123abcd")
    done = clean(str(tmp_path))
    assert [d["action"] for d in done] == ["restored as x"]
    assert draws_of(tmp_path / "x") == 200


def test_the_fallback_replaces_without_a_crash(tmp_path, old_run, monkeypatch):
    shutil.copytree(old_run, tmp_path / "x")
    monkeypatch.setattr(commit, "_RENAMEAT2", None)
    run_to_folder(BASELINE, runs_dir=str(tmp_path), name="x", draws=300, charts=False, force=True)
    assert draws_of(tmp_path / "x") == 300 and os.listdir(tmp_path) == ["x"]


# -------------------------------------- 2, 3. failures and Ctrl-C clean up in-process
@pytest.mark.parametrize("point", BEFORE_COMMIT[1:])
@pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt])
def test_a_failure_or_ctrl_c_at_each_step_leaves_nothing(tmp_path, old_run, monkeypatch, point, exc):
    shutil.copytree(old_run, tmp_path / "x")
    before = pathlib.Path(tmp_path / "x" / "manifest.json").read_text()

    def fail(label):
        if label == point:
            raise exc("injected")
    monkeypatch.setattr(commit, "crash_point", fail)
    with pytest.raises(Interrupted if exc is KeyboardInterrupt else RuntimeError) as info:
        run_to_folder(BASELINE, runs_dir=str(tmp_path), name="x", draws=300, charts=False, force=True,
                      keep_draws=True)
    if exc is KeyboardInterrupt:
        assert "temporary folder was removed" in str(info.value) and "is unchanged" in str(info.value)
    assert os.listdir(tmp_path) == ["x"]
    assert pathlib.Path(tmp_path / "x" / "manifest.json").read_text() == before
    assert draws_of(tmp_path / "x") == 200


@pytest.mark.parametrize("point", ["draws-written", "summary-written", "manifest-written"])
def test_ctrl_c_while_writing_exits_130_and_keeps_the_old_run(tmp_path, old_run, point):
    shutil.copytree(old_run, tmp_path / "x")
    r = cli("run", BASELINE, "--name", "x", "--draws", "300", "--keep-draws", "--force", "--quiet",
            runs_dir=tmp_path, env={commit.CRASH_ENV: point + ":SIGINT"})
    err = assert_one_line_error(r, rc=130)
    assert "interrupted while" in err and "is unchanged" in err
    assert os.listdir(tmp_path) == ["x"] and draws_of(tmp_path / "x") == 200


# ------------------------------------------------------------- 4. closed world
def _with_manifest(src, dst, edit):
    shutil.copytree(src, dst)
    m = json.loads((dst / "manifest.json").read_text())
    raw = edit(m, dst)  # an edit may return the manifest's raw text instead
    (dst / "manifest.json").write_text(raw if isinstance(raw, str) else json.dumps(m))
    return dst


def _entry(path):
    import hashlib
    data = pathlib.Path(path).read_bytes()
    return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


HOSTILE = {
    "parent": (lambda m, d: m["files"].update({"../../../../etc/passwd": _entry("/etc/passwd")}),
               "steps outside the run folder"),
    "absolute": (lambda m, d: m["files"].update({"/etc/passwd": _entry("/etc/passwd")}), "absolute path"),
    "device": (lambda m, d: m["files"].update({"/dev/zero": {"sha256": "0" * 64, "bytes": 0}}), "absolute path"),
    "symlink": (lambda m, d: (os.symlink("/etc/passwd", d / "link"),
                              m["files"].update({"link": _entry("/etc/passwd")})), "symbolic link"),
    "link-to-zero": (lambda m, d: (os.symlink("/dev/zero", d / "zero"),
                                   m["files"].update({"zero": {"sha256": "0" * 64, "bytes": 10}})), "symbolic link"),
    "fifo": (lambda m, d: (os.mkfifo(d / "pipe"), m["files"].update({"pipe": {"sha256": "0" * 64, "bytes": 0}})),
             "not a regular file"),
    "summary-swapped-for-link": (lambda m, d: (os.remove(d / "summary.nc"), os.symlink("/dev/zero", d / "summary.nc")),
                                 "symbolic link"),
    "size-lie": (lambda m, d: m["files"]["summary.nc"].update(bytes=10**12), "the manifest says"),
    "not-a-table": (lambda m, d: m.update(files=["summary.nc"]), "'files' must be a table"),
    "dotdot-inside": (lambda m, d: m["files"].update({"draws.zarr/../summary.nc": m["files"]["summary.nc"]}),
                      "steps outside"),
    "unlisted-summary": (lambda m, d: m["files"].pop("summary.nc"), "does not list summary.nc"),
    "chunk-deleted": (lambda m, d: os.remove(next(os.path.join(r, f) for r, _, fs in os.walk(d / "draws.zarr")
                                                  for f in fs if "/c/" in os.path.join(r, f))),
                      "listed in the manifest but missing"),
    "manifest-not-json": (lambda m, d: json.dumps(m)[:-40], "manifest.json' is not valid JSON"),
    "manifest-huge": (lambda m, d: " " * (65 << 20) + json.dumps(m), "more than a manifest can be"),
    "summary-truncated": (lambda m, d: os.truncate(d / "summary.nc", 1000), "is 1,000 bytes, the manifest says"),
    "chunk-added": (lambda m, d: (d / "draws.zarr" / "prior" / "extra").write_bytes(b"x"), "is not in the manifest"),
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_folders_are_refused_naming_the_entry(tmp_path, old_run, case):
    edit, words = HOSTILE[case]
    d = _with_manifest(old_run, tmp_path / "h", edit)
    with pytest.raises(RunStoreError, match=words):
        open_run(d)
    with pytest.raises(RunStoreError, match=words):
        open_run(d, verify=False)
    assert {r["name"]: r["status"] for r in list_runs(str(tmp_path))} == {"h": "corrupt"}


def test_flipped_byte_in_draws_is_found_and_quick_says_it_did_not_look(tmp_path, old_run):
    d = tmp_path / "f"
    shutil.copytree(old_run, d)
    chunk = next(os.path.join(r, f) for r, _, fs in os.walk(d / "draws.zarr" / "prior_predictive") for f in fs
                 if "/c/" in os.path.join(r, f))
    data = bytearray(pathlib.Path(chunk).read_bytes())
    data[len(data) // 2] ^= 0x01
    pathlib.Path(chunk).write_bytes(bytes(data))
    rel = os.path.relpath(chunk, d)
    with pytest.raises(RunStoreError, match=f"{rel} does not match its SHA-256"):
        open_run(d)
    assert list_runs(str(tmp_path))[0]["status"] == "corrupt"
    assert list_runs(str(tmp_path), verify=False)[0]["status"] == "unverified"
    r = cli("list", "--quick", runs_dir=tmp_path)
    assert "unverified" in r.stdout and "not by SHA-256" in r.stdout


def test_draws_from_another_run_are_refused(tmp_path, old_run):
    other = run_to_folder(BASELINE, runs_dir=str(tmp_path / "o"), name="y", draws=200, seed=1, charts=False,
                          keep_draws=True)
    d = tmp_path / "mix"
    shutil.copytree(old_run, d)
    shutil.rmtree(d / "draws.zarr")
    shutil.copytree(os.path.join(other, "draws.zarr"), d / "draws.zarr")
    # caught by size or by hash, whichever differs first; either names the file
    with pytest.raises(RunStoreError, match=r"draws.zarr/\S+ (does not match its SHA-256|is [\d,]+ bytes, the manifest)"):
        open_run(d)


@pytest.mark.parametrize("command", [["show", "{d}"], ["chart", "{d}"], ["disputes", "{d}"],
                                     ["compare", "{d}", "{d}"]])
def test_every_command_names_a_deleted_chunk_in_one_line(tmp_path, old_run, command):
    d = _with_manifest(old_run, tmp_path / "gone", HOSTILE["chunk-deleted"][0])
    r = cli(*[c.format(d=d) for c in command])
    err = assert_one_line_error(r)
    assert "listed in the manifest but missing" in err and "draws.zarr/" in err


# --------------------------------------------------------- 8. names and text
@pytest.mark.parametrize("name", ["base\n", "base ", " base", "a\x1bb", "run.", "tab\tname", "é"])
def test_names_with_whitespace_or_control_characters_are_refused(tmp_path, name):
    with pytest.raises(RunError, match="not allowed"):
        run_to_folder(BASELINE, runs_dir=str(tmp_path), name=name, draws=10, charts=False)
    assert not os.path.exists(tmp_path) or os.listdir(tmp_path) == []


def test_titles_from_files_are_printed_escaped(tmp_path, old_run):
    d = _with_manifest(old_run, tmp_path / "t", lambda m, d: m.update(title="evil\x1b[2J\x1b]0;pwned\x07\u202e"))
    r = cli("list", runs_dir=tmp_path)
    assert r.returncode == 0
    assert "\x1b" not in r.stdout and "\x07" not in r.stdout and "\u202e" not in r.stdout
    assert "evil\\x1b[2J\\x1b]0;pwned\\x07\\u202e" in r.stdout
    r = cli("show", d)
    assert r.returncode == 0 and "\x1b" not in r.stdout and "evil\\x1b[2J" in r.stdout


# ------------------------------------------------------------ 2. list and clean
def test_list_shows_leftovers_with_their_size_and_clean_removes_only_them(tmp_path, old_run):
    shutil.copytree(old_run, tmp_path / "x")
    shutil.copytree(old_run, tmp_path / ".tmp-x-deadbeef")
    (tmp_path / ".lock-x").write_text("{}")  # stale: nobody holds it
    r = cli("list", runs_dir=tmp_path)
    assert r.returncode == 0
    line = next(ln for ln in r.stdout.splitlines() if ln.startswith(".tmp-x-deadbeef"))
    assert "leftover" in line and "MiB" in line or "KiB" in line
    assert "1 leftover folder from interrupted runs" in r.stdout and "dieroll clean" in r.stdout
    r = cli("clean", "--dry-run", runs_dir=tmp_path)
    assert r.returncode == 0 and "would remove" in r.stdout and os.path.exists(tmp_path / ".tmp-x-deadbeef")
    r = cli("clean", runs_dir=tmp_path)
    assert r.returncode == 0 and "freed" in r.stdout
    assert os.listdir(tmp_path) == ["x"] and draws_of(tmp_path / "x") == 200


# ----------------------------------------------- SIGKILL at random moments
_RNG = __import__("random").Random(20)
_DELAYS = sorted(_RNG.uniform(1.0, 7.5) for _ in range(4))  # the whole run takes about 7 s here


@pytest.mark.parametrize("delay", _DELAYS, ids=[f"{d:.2f}s" for d in _DELAYS])
def test_sigkill_at_a_random_moment_of_a_forced_replacement(tmp_path, old_run, delay):
    """Whatever the moment, the name holds a complete, verified run (old or new), and clean leaves only it."""
    shutil.copytree(old_run, tmp_path / "x")
    proc = subprocess.Popen(DIEROLL + ["--runs-dir", str(tmp_path), "run", BASELINE, "--name", "x", "--draws",
                                       "40000", "--keep-draws", "--force", "--quiet"], cwd=ROOT,
                            stderr=subprocess.DEVNULL)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert draws_of(tmp_path / "x") in (200, 40000)
    clean(str(tmp_path))
    assert os.listdir(tmp_path) == ["x"]
    assert draws_of(tmp_path / "x") in (200, 40000)
