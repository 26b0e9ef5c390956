"""Every notebook runs top to bottom in Jupyter's kernel (a cell that raises fails the test), and
every cell that draws a chart shows it as a PNG (a forced backend would show '<Figure size ...>'
text instead).  This is the suite's only execution of the notebooks."""
import glob
import os

import nbformat
import pytest
from nbclient import NotebookClient

from ..conftest import ROOT

NOTEBOOKS = sorted(glob.glob(os.path.join(ROOT, "notebooks", "*.ipynb")))
pytestmark = pytest.mark.timeout(600)


def _draws_a_chart(cell) -> bool:
    return cell.cell_type == "code" and "display(fig" in cell.source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[os.path.basename(p) for p in NOTEBOOKS])
def test_chart_cells_have_png_output(path, monkeypatch):
    nb = nbformat.read(path, as_version=4)
    assert "matplotlib.use(" not in "".join(c.source for c in nb.cells if c.cell_type == "code")
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel picks its own inline backend, as Jupyter's does
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": os.path.dirname(path)}}).execute()
    charts = [c for c in nb.cells if _draws_a_chart(c)]
    assert charts, "the notebook draws no chart"
    for c in charts:
        kinds = {k for o in c.outputs for k in o.get("data", {})}
        assert "image/png" in kinds, (c.source[:80], kinds)
