"""docs/adding-a-channel.md, executed: its two files are written out exactly as the page gives
them, and the channel they add must reach China's total and move nothing else."""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import dieroll
from dieroll.engine.simulate import evaluate
from dieroll.errors import ModelError
from dieroll.modelfile import build, check_file

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "adding-a-channel.md").read_text()
BLOCKS = dict(re.findall(r"```toml file=(\S+)\n(.*?)```", DOC, re.S))
#: outputs that add up or compare China's channels: the only ones a new channel may move
TOTALS = ("china_total", "china_firms_total", "us_china_ratio", "h100e_added_ytd", "additions_ratio_ytd")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("channel")
    (d / "examples").mkdir()
    (d / "priors").mkdir()
    shutil.copy(ROOT / "priors" / "baseline.toml", d / "priors" / "baseline.toml")
    for name, text in BLOCKS.items():
        (d / "examples" / name).write_text(text)
    return d / "examples"


def test_the_page_gives_both_files():
    assert set(BLOCKS) == {"china-resale.toml", "resale.toml"}


def test_a_channel_is_one_file_and_reaches_the_total_and_nothing_else(files):
    spec = check_file(str(files / "china-resale.toml"))
    assert spec.labels["channel"].labels[-1] == "resale"
    assert spec.labels["channel"].titles["resale"] == "Second-hand, bought abroad"
    model = build(spec)
    base = build(check_file("china"))
    prior = dieroll.load_priors(str(files / "resale.toml"), catalog=model.inputs)
    assert prior.run.model == "china-resale.toml"
    base_prior = dieroll.load_priors(str(files.parent / "priors" / "baseline.toml"), catalog=base.inputs)
    new = evaluate(prior, model, draws=800, dtype=np.float32).out
    old = evaluate(base_prior, base, draws=800, dtype=np.float32).out
    c, c0 = model.contract, base.contract
    # China's total is the sum of its seven channels, in channel order
    for m in ("inference", "training"):
        parts = [new[c.row("china_stock", channel=ch, metric=m)].astype(np.float64)
                 for ch in spec.labels["channel"].labels]
        # the kernel sums in float64 and rounds once; the parts are rounded each: 8 roundings at most
        np.testing.assert_allclose(new[c.row("china_total", metric=m)], sum(parts), rtol=2 ** -21)
        # and the new channel counts: without it the sum is off by more than that by 2030
        assert (np.abs(sum(parts[:-1]) - new[c.row("china_total", metric=m)])[-1] > 2 ** -19 * sum(parts)[-1]).all()
    resale = new[c.row("china_stock", channel="resale", metric="inference")]
    assert (resale[-1] > 0).all() and (resale[0] >= 0).all()
    # nothing else moved: every series of the model without the channel, the same bits
    moved = []
    for row, name, labels in c0.series():
        same = new[c.row(name, **labels)]
        if not np.array_equal(same, old[row]):
            moved.append(c0.where(row))
    assert moved and all(w.split("[")[0] in TOTALS for w in moved), moved


def test_the_errors_the_page_quotes_are_the_errors_you_get(files, tmp_path):
    good = BLOCKS["china-resale.toml"]
    typo = good.replace('resale = "per_month(resale_per_year)"', 'resale = "per_month(resale_per_yaer)"')
    (tmp_path / "china-resale.toml").write_text(typo)
    with pytest.raises(ModelError) as exc:
        check_file(str(tmp_path / "china-resale.toml"))
    quoted = re.search(r"gives\n  `(china-resale\.toml:\d+: [^`]+)`", DOC).group(1)
    assert quoted in str(exc.value).replace(str(tmp_path) + os.sep, "")
    units = good.replace('resale = "per_month(resale_per_year)"', 'resale = "resale_per_year"')
    (tmp_path / "china-resale.toml").write_text(units)
    with pytest.raises(ModelError) as exc:
        check_file(str(tmp_path / "china-resale.toml"))
    quoted = re.search(r"the wrong units gives `([^`]+)`", DOC).group(1)
    assert quoted in str(exc.value)


def test_compare_labels_the_structural_difference(files, tmp_path, capsys):
    from dieroll.api import run_to_folder
    from dieroll.cli import main
    runs = str(tmp_path / "runs")
    run_to_folder(str(files.parent / "priors" / "baseline.toml"), runs_dir=runs, draws=2000, charts=False)
    run_to_folder(str(files / "resale.toml"), runs_dir=runs, draws=2000, charts=False)
    assert main(["--runs-dir", runs, "compare", "baseline", "resale", "--out", str(tmp_path), "--format", "svg"]) == 0
    err = capsys.readouterr().err
    assert "differ in structure" in err and "baseline: model china-ai-compute (sha256 " in err
    assert "resale: model china-ai-compute-resale (sha256 " in err
    svg = next(tmp_path.glob("compare-baseline-resale-*.svg")).read_text()
    assert "resale [model china-ai-compute-resale]" in svg
