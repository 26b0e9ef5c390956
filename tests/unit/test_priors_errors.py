"""A corpus of bad priors files, each with the message it must produce.

Each file in ``tests/data/bad`` starts with ``# expect: <text>`` (a substring of
one reported problem) and ``# catalog: model|none`` (validate against the
China model's inputs, or accept any names).
"""
import glob
import os

import pytest

from dieroll.errors import PriorsError
from dieroll import load_priors

from ..conftest import DATA

BAD = sorted(glob.glob(os.path.join(DATA, "bad", "*.toml")))


def _header(path):
    with open(path, "rb") as fh:
        lines = fh.read().decode("utf-8", "replace").splitlines()
    expect = lines[0].split("# expect:", 1)[1].strip()
    catalog = lines[1].split("# catalog:", 1)[1].strip()
    return expect, catalog


def test_corpus_is_large_enough():
    assert len(BAD) >= 30


@pytest.mark.parametrize("path", BAD, ids=[os.path.basename(p) for p in BAD])
def test_bad_file_reports_its_problem(path):
    expect, catalog = _header(path)
    kwargs = {} if catalog == "model" else {"catalog": None}
    with pytest.raises(PriorsError) as info:
        load_priors(path, **kwargs)
    msgs = [str(p) for p in info.value.problems]
    assert any(expect in m for m in msgs), msgs
    for p in info.value.problems:   # every problem names its file
        assert p.file.endswith(".toml") or p.file.endswith(".txt")


def test_all_problems_reported_at_once(tmp_path):
    p = tmp_path / "many.toml"
    p.write_text('''[run]
title = "t"
start = 2022-10-01
end = 2026-12-31
draws = 0
seed = 1
[quantities.a]
description = "a"
units = "1"
source = "s"
dist = { family = "beta", mean = 1.5, sd = 0.1 }
[quantities.b]
description = "b"
source = "s"
dist = { family = "normall", mean = 1, sd = 1 }
''')
    with pytest.raises(PriorsError) as info:
        load_priors(str(p), catalog=None)
    keys = {pr.key for pr in info.value.problems}
    assert {"run.draws", "quantities.a.dist.mean", "quantities.b.units", "quantities.b.dist.family"} <= keys


def test_problem_points_at_the_line(tmp_path):
    p = tmp_path / "line.toml"
    p.write_text('''[run]
title = "t"
start = 2022-10-01
end = 2026-12-31
draws = 10
seed = 1

[quantities.y]
description = "d"
units = "1"
  [[quantities.y.claims]]
  id = "a"
  source = "s"
  says = "x"
  weight = 1
  dist = { family = "beta", mean = 0.2, sd = 0.04 }
  [[quantities.y.claims]]
  id = "b"
  source = "s"
  says = "x"
  weight = 1
  dist = { family = "beta", mean = 0.4, sd = 0.9 }
''')
    with pytest.raises(PriorsError) as info:
        load_priors(str(p), catalog=None)
    (prob,) = info.value.problems
    assert prob.key == "quantities.y.claims[1].dist.sd"
    assert prob.line == 22
    assert prob.value == 0.9
    assert "line.toml:22:" in str(info.value)
