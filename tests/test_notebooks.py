"""Every tutorial runs top to bottom in a fresh kernel, in FAST mode, twice: as the
student gets it (every exercise unsolved: the notebook must still run, on the
library's versions) and solved (every exercise must pass its check)."""
import glob
import os
import py_compile
import sys

import pytest

TUTORIALS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tutorials")
ALL = sorted(glob.glob(os.path.join(TUTORIALS, "[0-9][0-9]_*.ipynb")))
NOTEBOOKS = [p for p in ALL if "appendix" not in p]           # the four lessons
APPENDIX = [p for p in ALL if "appendix" in p]                # the research appendix: no student cells
SOLUTIONS = sorted(glob.glob(os.path.join(TUTORIALS, "solutions", "*.py")))
sys.path.insert(0, TUTORIALS)
make_solved = pytest.importorskip("make_solved")


def test_there_are_four_tutorials_and_an_appendix_each_with_solutions():
    assert [os.path.basename(p)[:2] for p in NOTEBOOKS] == ["01", "02", "03", "04"]
    assert [os.path.basename(p) for p in APPENDIX] == ["05_research_appendix.ipynb"]
    for path in ALL:
        assert os.path.exists(os.path.join(TUTORIALS, "solutions", os.path.basename(path)[:2] + "_cells.py"))


def markdown(nb):
    return "\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=os.path.basename)
def test_notebook_is_a_lesson(path):
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(path, as_version=4)
    text = markdown(nb)
    for heading in ("Learning objectives", "Summary", "References", "Exercises"):
        assert heading in text, heading
    exercises = [c.metadata["exercise"] for c in nb.cells if "exercise" in c.metadata]
    questions = [c.metadata["question"] for c in nb.cells if "question" in c.metadata]
    assert len(exercises) >= 3 and len(set(exercises)) == len(exercises)
    assert 2 <= len(questions)
    for cell in nb.cells:
        if "exercise" in cell.metadata:
            assert "NotImplementedError" in cell.source, cell.metadata["exercise"]


def execute(nb):
    nbclient = pytest.importorskip("nbclient")
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": TUTORIALS}}).execute()
    return "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=os.path.basename)
def test_student_version_runs_with_every_exercise_unsolved(path, monkeypatch, mnist, fashion_mnist):
    nbformat = pytest.importorskip("nbformat")
    monkeypatch.setenv("FFNUMPY_FAST", "1")
    nb = nbformat.read(path, as_version=4)
    out = execute(nb)
    for exercise in (c.metadata["exercise"] for c in nb.cells if "exercise" in c.metadata):
        assert f"[{exercise}] not done yet" in out, exercise


def code_lines(cell):
    return [line for line in cell.source.splitlines() if line.strip() and not line.lstrip().startswith("#")]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=os.path.basename)
def test_lesson_code_cells_are_short(path):
    """Lessons keep no code cell over 25 lines (figures and verdict sentences live in ffnumpy/figures/,
    the research code in the appendix)."""
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(path, as_version=4)
    long = [(i, len(code_lines(c))) for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and len(code_lines(c)) > 25]
    assert not long, long


@pytest.mark.parametrize("path", APPENDIX, ids=os.path.basename)
def test_appendix_runs_and_reads_the_reports(path, monkeypatch, mnist, fashion_mnist):
    nbformat = pytest.importorskip("nbformat")
    monkeypatch.setenv("FFNUMPY_FAST", "1")
    out = execute(nbformat.read(path, as_version=4))
    assert "Conclusion (mnist, course)" in out and "The claim 'the full gamma is harder to train" in out
    assert "*CFF reaches more entropy* (KL, CFF gamma, Network vs FF, Network" in out    # section 5, from the files


@pytest.mark.parametrize("path", NOTEBOOKS, ids=os.path.basename)
def test_solved_version_passes_every_check(path, monkeypatch, mnist, fashion_mnist):
    pytest.importorskip("nbformat")
    monkeypatch.setenv("FFNUMPY_FAST", "1")
    nb = make_solved.build(path)
    out = execute(nb)
    for exercise in (c.metadata["exercise"] for c in nb.cells if "exercise" in c.metadata):
        assert f"[{exercise}] passed" in out, exercise
    assert "not right yet" not in out and "not done yet" not in out


@pytest.mark.parametrize("path", SOLUTIONS, ids=os.path.basename)
def test_solutions_compile(path):
    py_compile.compile(path, doraise=True)


def test_run_all_only_keeps_the_other_notebooks_times_and_drops_deleted_ones(tmp_path):
    run_all = pytest.importorskip("run_all")
    timings = tmp_path / "timings.md"
    timings.write_text("# times\n\n## 01_a.ipynb: 1.0 min\n\n| x | 1 |\n\n## 02_b.ipynb: 2.0 min\n\n| y | 2 |\n\n"
                       "## 03_gone.ipynb: 3.0 min\n\n| z | 3 |\n")
    kept = run_all.kept_sections(str(timings), ["02_b.ipynb"], ["01_a.ipynb", "02_b.ipynb"])
    assert list(kept) == ["01_a.ipynb"] and "| x | 1 |" in kept["01_a.ipynb"]



def test_make_solved_keeps_executed_outputs_unless_told_to_clear(tmp_path, monkeypatch, capsys):
    nbformat = pytest.importorskip("nbformat")
    target = tmp_path / "01_solved.ipynb"
    monkeypatch.setattr(make_solved, "solved_path", lambda path: str(target))
    executed = make_solved.build(NOTEBOOKS[0])
    code = next(cell for cell in executed.cells if cell.cell_type == "code")
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="an executed output\n")]
    nbformat.write(executed, str(target))
    before = target.read_text()

    make_solved.main(["01"])
    assert target.read_text() == before                              # its outputs are kept ...
    assert "kept" in capsys.readouterr().out and make_solved.has_outputs(str(target))
    make_solved.main(["01", "--clear"])
    assert not make_solved.has_outputs(str(target))                  # ... until --clear asks for a rebuild
    assert "wrote" in capsys.readouterr().out
