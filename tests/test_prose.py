"""The Markdown files are written for the student first: no sentence over 40 words in any of them, nor in the
tutorials' Markdown cells and answers (whose copies in the solved notebooks must match what make_solved builds). README.md
and results/README.md also have short table cells, an answer of a table and at most five sentences, and a
results summary that fits one screen."""
import importlib.util
import re
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
RESULTS = (ROOT / "results" / "README.md").read_text()
# the answer's rules read README from "The answer" on
FROM_THE_ANSWER = README[README.index("## The answer"):]


def sentences(text):
    """The sentences of Markdown text, code blocks, tables and figures left out (the splitting of
    /work/shared/tools/sentences.py: at . ! ? : ; before a capital, a backtick, a bracket or an asterisk)."""
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    lines = [line for line in text.splitlines() if not line.lstrip().startswith(("|", "!["))]
    for para in re.split(r"\n\s*\n|\n(?=\s*[-*] |\s*#)", "\n".join(lines)):
        para = re.sub(r"^[-*#]+\s*", "", " ".join(para.split()))
        yield from (s for s in re.split(r"(?<=[.!?:;])\s+(?=[A-Z*`(\[])", para) if s)


def cells(text):
    """Every cell of every Markdown table in `text` (header and separator rows left out)."""
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    for line in text.splitlines():
        if line.startswith("|") and not set(line) <= set("|-: "):
            yield from (c.strip() for c in line.strip().strip("|").split("|"))


def words(text):
    return len(text.split())


# every Markdown file of the repository: the front page, the reports, the tutorials' guides and answer keys
MARKDOWN = sorted(p for p in ROOT.rglob("*.md")
                  if not any(part.startswith(".") or part == "build" for part in p.relative_to(ROOT).parts))


def test_every_markdown_file_is_read_by_the_sentence_test():
    names = {p.relative_to(ROOT).as_posix() for p in MARKDOWN}
    assert {"README.md", "results/README.md", "tutorials/README.md", "tutorials/TEACHING.md"} <= names


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_sentence_over_40_words(path):
    name, text = path.relative_to(ROOT).as_posix(), path.read_text()
    long = [s for s in sentences(text) if words(s) > 40]
    assert long == [], f"{name}: {len(long)} sentences over 40 words, the first: {long[:1]}"


# the tutorials' Markdown: the student notebooks' Markdown cells and the answers of their questions
NOTEBOOKS = sorted((ROOT / "tutorials").glob("0[1-5]_*.ipynb"))
ANSWER_KEYS = sorted((ROOT / "tutorials" / "solutions").glob("0[1-5]_cells.py"))


def markdown_cells(path):
    nbformat = pytest.importorskip("nbformat")
    return [c for c in nbformat.read(str(path), as_version=4).cells if c.cell_type == "markdown"]


def test_every_tutorial_is_read_by_the_notebook_sentence_tests():
    assert [p.name[:2] for p in NOTEBOOKS] == ["01", "02", "03", "04", "05"]
    assert [p.name[:2] for p in ANSWER_KEYS] == ["01", "02", "03", "04", "05"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_sentence_over_40_words_in_the_notebooks(path):
    long = [s for cell in markdown_cells(path) for s in sentences(cell.source) if words(s) > 40]
    assert long == [], f"{path.name}: {len(long)} sentences over 40 words, the first: {long[:1]}"


@pytest.mark.parametrize("path", ANSWER_KEYS, ids=lambda p: p.name)
def test_no_sentence_over_40_words_in_the_answers(path):
    spec = importlib.util.spec_from_file_location(f"answers_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.ANSWERS, path.name
    long = [(question, s) for question, answer in module.ANSWERS.items() for s in sentences(answer) if words(s) > 40]
    assert long == [], f"{path.name}: {len(long)} answer sentences over 40 words, the first: {long[:1]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_solved_notebooks_markdown_is_what_make_solved_builds(path):
    """The solved notebooks keep their executed outputs, so they are edited, not rebuilt: their Markdown (the
    lesson's text and the answers) must still be what make_solved.build gives from the student notebook."""
    pytest.importorskip("nbformat")
    if str(ROOT / "tutorials") not in sys.path:
        sys.path.insert(0, str(ROOT / "tutorials"))
    make_solved = pytest.importorskip("make_solved")
    built = {c.id: c.source for c in make_solved.build(str(path)).cells if c.cell_type == "markdown"}
    solved = {c.id: c.source for c in markdown_cells(make_solved.solved_path(str(path)))}
    assert solved.keys() == built.keys(), sorted(set(solved) ^ set(built))
    stale = [i for i in built if solved[i] != built[i]]
    assert stale == [], f"{path.name}: the solved notebook's Markdown cells {stale} differ from the student's / ANSWERS"


@pytest.mark.parametrize("name,text", [("README.md", README), ("results/README.md", RESULTS)],
                         ids=["README.md", "results/README.md"])
def test_no_table_cell_over_25_words(name, text):
    long = [c for c in cells(text) if words(c) > 25]
    assert long == [], f"{name}: {len(long)} table cells over 25 words, the first: {long[:1]}"


def test_the_answer_is_a_table_a_figure_and_at_most_five_short_sentences():
    answer = FROM_THE_ANSWER.split("\n## ", 1)[0].split("\n", 1)[1]
    said = list(sentences(answer))
    assert 1 <= len(said) <= 5, said
    assert all(words(s) <= 35 for s in said), [s for s in said if words(s) > 35]
    assert "| budget |" in answer and "![" in answer and "results/answer/answer.png" in answer


def test_every_term_of_the_answer_is_linked_to_the_glossary():
    answer = FROM_THE_ANSWER.split("\n## ", 1)[0]
    glossary = (ROOT / "tutorials" / "CHEATSHEET.md").read_text().split("## Glossary", 1)[1]
    for term, entry in (("headline family", "Headline family"), ("gamma(<t)", "gamma(<t) and gamma"),
                        ("predictor", "Predictor"),
                        ("Layer schedule", "Layer and Network schedules"),
                        ("literal negative update", "The literal negative update"),
                        ("its own layer's threshold only", "Shared theta"),
                        ("Holm-corrected", "Holm's correction"), ("bootstrap interval", "Bootstrap interval")):
        assert f"[{term}](tutorials/CHEATSHEET.md#glossary)" in answer, term
        assert f"- **{entry}**" in glossary, entry


def test_the_results_summary_fits_one_screen():
    """One screen: 40 lines of 100 columns, the summary's lines wrapped as a terminal would."""
    summary = RESULTS.split("## Summary", 1)[1].split("\n## ", 1)[0]
    shown = [row for line in summary.strip().splitlines() for row in (textwrap.wrap(line, 100) or [""])]
    assert len(shown) <= 40, len(shown)
    assert RESULTS.index("## Summary") < 100               # it opens the file


def test_the_sentence_splitter_counts_what_the_shared_tool_counts():
    text = "One two. Three four five: Six `seven`.\n\n- A list item; and more\n\n| a | b |\n\n```\nnot this\n```"
    assert [words(s) for s in sentences(text)] == [2, 3, 2, 5]
    assert list(cells("| a b | c |\n|---|---|\n| d | e f g |")) == ["a b", "c", "d", "e f g"]
