"""The instructor's kit is complete and agrees with itself: every graded cell has its points
(tutorials/points.json) and a place in the ten-day plan, each class adds up to 90 minutes, the
questionnaire's points and rubric match, and each lesson has a slide deck that nbconvert exports."""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
from html import unescape

import pytest

nbformat = pytest.importorskip("nbformat")

TUTORIALS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tutorials")
LESSONS = sorted(p for p in glob.glob(os.path.join(TUTORIALS, "[0-9][0-9]_*.ipynb")))


def read(name):
    with open(os.path.join(TUTORIALS, name)) as f:
        return f.read()


def points():
    return json.loads(read("points.json"))


def exercises(path):
    return [c.metadata["exercise"] for c in nbformat.read(path, as_version=4).cells if "exercise" in c.metadata]


def section(text, start, end):
    """The text of TEACHING.md from heading `start` up to heading `end`."""
    return text[text.index(start):text.index(end, text.index(start))]


def test_points_cover_every_graded_cell_and_nothing_else():
    table = points()["exercises"]
    graded = {os.path.basename(p): exercises(p) for p in LESSONS if exercises(p)}
    assert {name: sorted(ids) for name, ids in graded.items()} == {name: sorted(ids) for name, ids in table.items()}
    scale = set(points()["scale"].values())
    assert all(v in scale for ids in table.values() for v in ids.values())


def test_the_points_table_of_teaching_is_points_json():
    rows = re.findall(r"^\| (\d\d) \| `(\w+)` \| (●+) \| (\d+) \| \d+ \|$", read("TEACHING.md"), flags=re.M)
    table = points()["exercises"]
    assert len(rows) == sum(len(ids) for ids in table.values())
    by_number = {name[:2]: ids for name, ids in table.items()}
    scale = points()["scale"]
    for number, cell, difficulty, value in rows:
        assert by_number[number][cell] == int(value), (number, cell)
        assert int(value) == (scale["routine"] if difficulty == "●" else scale["derivation"]), (number, cell)
    total = sum(v for ids in table.values() for v in ids.values())
    assert f"{total} in all" in read("TEACHING.md")


def test_every_graded_cell_has_a_day_and_every_day_90_minutes():
    text = read("TEACHING.md")
    overview = section(text, "## The two weeks, class by class", "### Day 1 ")
    for path in LESSONS:
        for cell in exercises(path):
            assert f"`{cell}`" in overview or f"all four of {os.path.basename(path)[:2]}" in overview, cell
    days = re.findall(r"^### Day (\d+) · ", text, flags=re.M)
    assert days == [str(d) for d in range(1, 11)]
    plan = section(text, "### Day 1 ", "## Points")
    for day, block in enumerate(re.split(r"^### Day \d+ · ", plan, flags=re.M)[1:], start=1):
        minutes = [int(m) for m in re.findall(r"^- \*\*[^*]+\*\* \((\d+) min", block, flags=re.M)]
        assert sum(minutes) == 90, f"day {day}: {minutes}"
        assert "**Homework**" in block or day == 10, day


def test_the_questionnaire_points_and_rubric_agree():
    questions = re.findall(r"^(\d+)\. ", read("QUESTIONNAIRE.md"), flags=re.M)
    table = points()["questionnaire"]
    assert sorted(table, key=int) == questions
    rubric = section(read("TEACHING.md"), "## Rubric: the questionnaire", "## Section by section")
    rows = re.findall(r"^\| (\d+) · [^|]+\| (\d+) \| ([^|]+) \|$", rubric, flags=re.M)
    assert sorted(number for number, _, _ in rows) == sorted(questions)
    for number, value, parts in rows:
        assert int(value) == table[number], number
        assert len(parts.split(";")) == int(value), f"question {number}: one part per point"
    assert f"The questionnaire has {sum(table.values())} points" in rubric


def slides(number):
    return os.path.join(TUTORIALS, "slides", f"{number}_slides.ipynb")


@pytest.mark.parametrize("number", ["01", "02", "03", "04"])
def test_each_lesson_has_a_short_deck_whose_pictures_exist(number):
    nb = nbformat.read(slides(number), as_version=4)
    kinds = [c.metadata["slideshow"]["slide_type"] for c in nb.cells]
    assert 10 <= kinds.count("slide") <= 15
    assert kinds[0] == "slide"
    folder = os.path.dirname(slides(number))
    pictures = 0
    for cell in nb.cells:
        for link in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", cell.source if cell.cell_type == "markdown" else ""):
            assert os.path.exists(os.path.join(folder, link)), link
            pictures += 1
        if cell.cell_type == "code" and cell.metadata["slideshow"]["slide_type"] != "skip":
            assert any("image/png" in o.get("data", {}) for o in cell.outputs), "a figure cell without its figure"
            pictures += 1
    assert pictures >= 2
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "$$" in text                                             # the equation
    assert "**Ask" in text and "## The question" in text            # the questions


@pytest.mark.parametrize("number", ["01", "02", "03", "04"])
def test_the_deck_exports_to_slides(number, tmp_path):
    if shutil.which("jupyter") is None:
        pytest.skip("jupyter is not installed")
    done = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "slides", slides(number),
                           "--output-dir", str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-500:]
    html = (tmp_path / f"{number}_slides.slides.html").read_text()
    nb = nbformat.read(slides(number), as_version=4)
    shown = unescape(re.sub(r"<[^>]+>", "", html))
    for cell in nb.cells:
        if cell.metadata["slideshow"]["slide_type"] == "slide":
            title = cell.source.splitlines()[0].lstrip("# ")
            assert title in shown, f"slide {title!r} is not in the export"
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    for module in re.findall(r"^from (\S+) import", code, flags=re.M):    # where the figure functions live
        assert module not in html, f"the code importing {module} shows on a slide"
