"""Text stays text: cells that start like a spreadsheet formula are kept text in CSV and
xlsx; $...$ in a title is drawn as written, not as math; a right-to-left override in a
run's title is shown, not obeyed, in the report."""
import os

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import dieroll
from dieroll.text import cell_text, safe_cells, visible_format

from ..conftest import BASELINE


@pytest.mark.parametrize("value,want", [("=1+1", "'=1+1"), ("+cmd", "'+cmd"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
                                        ("\tx", "'\tx"), ("\rx", "'\rx"), ("plain", "plain"), (-2.5, -2.5), (3, 3)])
def test_a_cell_that_starts_like_a_formula_is_kept_text(value, want):
    assert cell_text(value) == want


def test_tables_neutralise_text_cells_not_numbers():
    df = pd.DataFrame({"id": ["=HYPERLINK(\"x\")", "ok"], "v": [-1.0, 2.0]})
    out = safe_cells(df)
    assert list(out["id"]) == ["'=HYPERLINK(\"x\")", "ok"] and list(out["v"]) == [-1.0, 2.0]
    assert list(df["id"])[0].startswith("=")  # the caller's frame is left as it was


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    d = os.path.join(str(tmp_path_factory.mktemp("hostile")), "runs\u202eevil")  # an override in the runs path
    os.mkdir(d)
    return dieroll.run_to_folder(BASELINE, runs_dir=d, name="h", draws=300, title="=cmd|' /C calc'!A0 US$1 vs US$2")


def test_a_formula_title_is_text_in_the_xlsx_provenance(hostile_run, tmp_path):
    run = dieroll.open_run(hostile_run)
    out = dieroll.export.export(run, str(tmp_path / "t.xlsx"), by="year")
    prov = pd.read_excel(out, sheet_name="provenance")
    title = prov.loc[prov["key"] == "title", "value"].iloc[0]
    assert title.startswith("'=cmd")
    import openpyxl
    ws = openpyxl.load_workbook(out)["provenance"]
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)  # no formula anywhere


def test_dollars_in_a_title_are_drawn_as_written(hostile_run):
    run = dieroll.open_run(hostile_run)
    fig = dieroll.plot.fan_figure(run.summary, command="c")  # a run whose charts were drawn: no exit 70
    texts = [t for ax in fig.axes for t in ax.texts] + list(fig.texts)
    sub = next(t for t in texts if "US$1" in t.get_text())
    fig.canvas.draw()
    assert sub.get_window_extent().width > 0
    assert not sub._parse_math  # drawn as written, dollars kept
    plt.close(fig)


def test_a_right_to_left_override_is_shown_not_obeyed_in_the_report(hostile_run):
    page = dieroll.build_report(dieroll.open_run(hostile_run))
    assert "\u202e" not in page and "\\u202eevil" in page
    assert visible_format("a\u202eb\nc") == "a\\u202eb\nc"
    assert os.path.isdir(hostile_run)
