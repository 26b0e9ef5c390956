"""One writer: every file a command writes beside a run goes through
dieroll.store.replace_file, which never touches a run's own files or anything inside a
run's folders, never replaces what is not a regular file, and never replaces an existing
file without --force, checked again when the file is put in place."""
import os
import shutil
import stat

import pytest

from dieroll.cli import main
from dieroll.errors import DierollError
from dieroll.store import open_run, replace_file

from ..conftest import ROOT

PUBLISHED = os.path.join(ROOT, "priors", "published", "seeds.toml")


@pytest.fixture
def run(small_run, tmp_path):
    """A copy of the session's small run (kept draws), so that a failure here damages nothing shared."""
    dst = tmp_path / "runs" / "r"
    shutil.copytree(small_run, dst)
    return str(dst)


def _files(folder):
    out = {}
    for d, _, names in os.walk(folder):
        for n in names:
            p = os.path.join(d, n)
            out[os.path.relpath(p, folder)] = os.stat(p).st_mtime_ns, os.path.getsize(p)
    return out


def _refused(capsys, argv, words):
    rc = main(argv)
    err = capsys.readouterr().err
    assert rc == 2 and len(err.strip().splitlines()) == 1 and words in err, (rc, err)


@pytest.mark.parametrize("argv,words", [
    (["validate", "{run}", "--published", PUBLISHED, "--csv", "{run}/manifest.json", "--force"], "own files"),
    (["validate", "{run}", "--published", PUBLISHED, "--csv", "{run}/summary.nc", "--force"], "own files"),
    (["export", "{run}", "--out", "{run}/summary.nc", "--force"], "own files"),
    (["export", "{run}", "--out", "{run}/draws.zarr", "--force"], "own files"),
    (["export", "{run}", "--out", "{run}/priors.toml"], "own files"),
    (["chart", "{run}", "--out", "{run}/draws.zarr"], "own files"),
    (["report", "{run}", "--out", "{run}/manifest.json", "--force"], "own files"),
    (["export", "{run}", "--out", "/dev/null", "--force"], "a device"),
])
def test_a_command_never_writes_a_runs_own_files_or_a_device(run, capsys, argv, words):
    before = _files(run)
    _refused(capsys, [a.format(run=run) for a in argv], words)
    assert _files(run) == before
    open_run(run)  # still a complete, verified run


def test_pipes_links_and_folders_are_refused_even_with_force(run, tmp_path, capsys):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    _refused(capsys, ["validate", run, "--published", PUBLISHED, "--csv", str(fifo), "--force"], "a pipe")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    target = tmp_path / "target.csv"
    target.write_text("keep me")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    _refused(capsys, ["export", run, "--out", str(link), "--force"], "a link")
    assert target.read_text() == "keep me" and os.path.islink(link)
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(DierollError, match="a folder"):
        replace_file(str(tmp_path / "dir.csv"), lambda tmp: open(tmp, "w").close(), force=True)


def test_an_existing_file_needs_force_and_is_then_replaced(run, tmp_path, capsys):
    out = tmp_path / "t.csv"
    out.write_text("old")
    _refused(capsys, ["export", run, "--out", str(out)], "exists")
    assert out.read_text() == "old"
    assert main(["export", run, "--out", str(out), "--force"]) == 0
    assert out.read_text().startswith("# ")
    assert main(["export", run]) == 0  # beside the run's own files: allowed
    assert os.path.isfile(os.path.join(run, "export-month.csv"))
    open_run(run)


def test_a_file_that_appears_while_writing_is_not_replaced(tmp_path):
    """The existence check is repeated atomically when the file is put in place (a hard
    link, which fails if the name was taken meanwhile), not only before the writing."""
    path = tmp_path / "out.csv"

    def slow_write(tmp):
        with open(tmp, "w") as fh:
            fh.write("mine")
        path.write_text("theirs")  # another writer finishes first
    with pytest.raises(DierollError, match="written by something else meanwhile"):
        replace_file(str(path), slow_write)
    assert path.read_text() == "theirs"
    assert os.listdir(tmp_path) == ["out.csv"]  # no temporary file left
