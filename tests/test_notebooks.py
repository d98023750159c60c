"""Every tutorial runs top to bottom in a fresh kernel, in FAST mode."""
import glob
import os
import py_compile

import pytest

TUTORIALS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tutorials")
NOTEBOOKS = sorted(glob.glob(os.path.join(TUTORIALS, "[0-9][0-9]_*.ipynb")))
SOLUTIONS = sorted(glob.glob(os.path.join(TUTORIALS, "solutions", "*.py")))


def test_there_are_three_tutorials_each_with_solutions():
    assert [os.path.basename(p)[:2] for p in NOTEBOOKS] == ["01", "02", "03"]
    assert [os.path.basename(p)[:2] for p in SOLUTIONS] == ["01", "02", "03"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=os.path.basename)
def test_notebook_runs_in_fast_mode(path, monkeypatch, mnist):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("FFNUMPY_FAST", "1")
    nb = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": TUTORIALS}}).execute()
    assert any(cell.get("outputs") for cell in nb.cells if cell.cell_type == "code")
    assert "Exercises" in "".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")


@pytest.mark.parametrize("path", SOLUTIONS, ids=os.path.basename)
def test_solutions_compile(path):
    py_compile.compile(path, doraise=True)
