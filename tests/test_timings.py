"""Every time the tutorials quote is the one run_all.py measured (tutorials/timings-full.md and
timings-FAST.md): each notebook's header, student and solved; the table of tutorials/README.md
(and any tutorial table in README.md); the compute column of TEACHING.md. tutorials/timings.py
writes those quotes; this file reads the timings files on its own, with its own parser."""
import glob
import os
import re
import shutil
import sys

import pytest

nbformat = pytest.importorskip("nbformat")

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
TUTORIALS = os.path.join(ROOT, "tutorials")
STUDENT = sorted(glob.glob(os.path.join(TUTORIALS, "[0-9][0-9]_*.ipynb")))
SOLVED = sorted(glob.glob(os.path.join(TUTORIALS, "solutions", "[0-9][0-9]_*_solved.ipynb")))
# a duration written in prose: "5.6 min", "7 to 11 minutes", "about 20 s", "1-2 hours"
DURATION = re.compile(r"\b\d+(?:\.\d+)?(?:\s*(?:to|-|–)\s*\d+(?:\.\d+)?)?\s*(?:s|sec|seconds?|min|minutes?|h|hours?)\b")


def measured(mode, folder=TUTORIALS):
    """{notebook file: (minutes as written, {section number: seconds})}."""
    found, current = {}, None
    with open(os.path.join(folder, f"timings-{mode}.md")) as f:
        for line in f:
            if m := re.match(r"## (\S+\.ipynb): ([\d.]+) min\s*$", line):
                current = found[m[1]] = (m[2], {})
            elif current and (m := re.match(r"\| (\d+) · .* \| (\d+) \|$", line.strip())):
                current[1][int(m[1])] = int(m[2])
    return found


def notebook_name(path):
    return os.path.basename(path).replace("_solved.ipynb", ".ipynb")


def test_every_notebook_is_measured_in_both_modes():
    names = {os.path.basename(p) for p in STUDENT}
    assert set(measured("full")) == names and set(measured("FAST")) == names
    assert {notebook_name(p) for p in SOLVED} == names


@pytest.mark.parametrize("path", STUDENT + SOLVED, ids=lambda p: os.path.relpath(p, TUTORIALS))
def test_the_header_quotes_the_measured_minutes_and_no_other_time(path):
    name = notebook_name(path)
    full, fast = measured("full")[name][0], measured("FAST")[name][0]
    header = nbformat.read(path, as_version=4).cells[0].source
    quoted = re.findall(r"([\d.]+) min in full mode and ([\d.]+) min in FAST mode", header)
    assert quoted == [(full, fast)], f"{name}: header quotes {quoted}, timings files say {full} and {fast} min"
    assert "timings-full.md" in header and "timings-FAST.md" in header
    rest = header.replace(f"{full} min in full mode and {fast} min in FAST mode", "")
    assert DURATION.findall(rest) == [], f"{name}: a time in the header that the timings files do not give"


def table_rows(path):
    """The table rows of a Markdown file that name a tutorial notebook and hold a time cell."""
    with open(path) as f:
        return [line.strip() for line in f if line.startswith("|") and re.search(r"\d\d_\w+\.ipynb", line)
                and re.search(r"\| [\d.]+ (?:s|min) \|", line)]


@pytest.mark.parametrize("doc", ["README.md", "tutorials/README.md", "tutorials/TEACHING.md"])
def test_every_tutorial_table_quotes_the_measured_minutes(doc):
    full, fast = measured("full"), measured("FAST")
    rows = table_rows(os.path.join(ROOT, doc))
    for row in rows:
        m = re.match(r"\| `(\d\d_\S+\.ipynb)`.*\| ([\d.]+) min \| ([\d.]+) min \|$", row)
        assert m, f"{doc}: a time in a tutorial's row that is not 'full min | FAST min': {row[:80]}"
        assert (m[2], m[3]) == (full[m[1]][0], fast[m[1]][0]), f"{doc}: {m[1]} quotes {m[2]} and {m[3]} min"
    if doc == "tutorials/README.md":
        assert len(rows) == len(STUDENT)


def test_teaching_quotes_each_sections_measured_seconds():
    by_number = {name[:2]: sections for name, (_, sections) in measured("full").items()}
    checked, notebook = 0, None
    with open(os.path.join(TUTORIALS, "TEACHING.md")) as f:
        for line in f:
            if m := re.match(r"### (\d\d) · ", line):
                notebook = m[1]
            elif re.match(r"#{1,3} ", line):
                notebook = None
            elif notebook and re.match(r"\| \d", line):
                m = re.match(r"\| (\d+)(?:-(\d+))? · [^|]*\| [^|]*\| (\d+) s \|", line)
                assert m, f"TEACHING.md, notebook {notebook}: compute not in seconds: {line[:70]}"
                want = sum(by_number[notebook].get(k, 0) for k in range(int(m[1]), int(m[2] or m[1]) + 1))
                assert int(m[3]) == want, f"TEACHING.md, notebook {notebook}, row {line[:40]}: {m[3]} s, measured {want} s"
                checked += 1
    assert checked >= 20


@pytest.fixture
def copy_of_tutorials(tmp_path):
    """The timings files, README.md, TEACHING.md and notebook 04 (student and solved) in a scratch folder."""
    for name in ("timings-full.md", "timings-FAST.md", "README.md", "TEACHING.md", "04_open_questions.ipynb"):
        shutil.copy(os.path.join(TUTORIALS, name), tmp_path / name)
    (tmp_path / "solutions").mkdir()
    shutil.copy(os.path.join(TUTORIALS, "solutions", "04_open_questions_solved.ipynb"), tmp_path / "solutions")
    sys.path.insert(0, TUTORIALS)
    yield tmp_path
    sys.path.remove(TUTORIALS)


def test_a_new_measurement_reaches_every_quote(copy_of_tutorials):
    """timings.sync() carries a re-measured notebook's minutes and seconds into its header, the README's table
    and TEACHING.md, and touches nothing else."""
    import timings
    folder = copy_of_tutorials
    text = (folder / "timings-full.md").read_text()
    old_minutes = measured("full", folder)["04_open_questions.ipynb"][0]
    text = text.replace(f"## 04_open_questions.ipynb: {old_minutes} min", "## 04_open_questions.ipynb: 9.9 min")
    text = re.sub(r"(## 04_open_questions\.ipynb.*?\| 3 · [^|]*\| )\d+ \|", r"\g<1>777 |", text, flags=re.S)
    (folder / "timings-full.md").write_text(text)
    cells_before = nbformat.read(folder / "04_open_questions.ipynb", as_version=4).cells
    stale = timings.sync(str(folder), check=True)
    assert len(stale) == 4                                     # both notebooks, README.md, TEACHING.md
    timings.sync(str(folder))
    assert timings.sync(str(folder), check=True) == []
    for path in (folder / "04_open_questions.ipynb", folder / "solutions" / "04_open_questions_solved.ipynb"):
        assert "9.9 min in full mode" in nbformat.read(path, as_version=4).cells[0].source
    cells_after = nbformat.read(folder / "04_open_questions.ipynb", as_version=4).cells
    assert [c.source for c in cells_after[1:]] == [c.source for c in cells_before[1:]]
    assert re.search(r"`04_open_questions\.ipynb`.*\| 9\.9 min \| [\d.]+ min \|", (folder / "README.md").read_text())
    assert re.search(r"\| 3 · Continual learning \| \d+ \| 777 s \|", (folder / "TEACHING.md").read_text())


def test_a_header_without_the_time_sentence_is_refused_in_one_line():
    sys.path.insert(0, TUTORIALS)
    try:
        import timings
        with pytest.raises(ValueError, match="exactly one sentence"):
            timings.quote_header("# 02\n\n**Time.** 7 to 11 minutes in full mode.", "anything")
    finally:
        sys.path.remove(TUTORIALS)
