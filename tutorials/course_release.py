"""The student release of a tutorial, and its nbgrader source: the release with a hidden test cell
after every exercise cell (tutorials/course.py writes both).

    release_notebook(nb, removed)   outputs cleared, every sentence that names the solutions removed
    source_notebook(nb, points)     + a locked test cell worth points[ID] after each exercise cell

The test cell calls tutorials/hidden_tests.py on what the notebook's `use("ID", ...)` call grades,
with the names the lesson imported from ffnumpy before the exercise (those the student may use).
"""
import ast
import glob
import json
import os
import re

import nbformat

from course_cells import parse


class CourseError(Exception):
    """A mistake in the command, its folders or the notebooks: printed in one line, no traceback."""


MENTION = re.compile(r"\bsolutions?\b|\bsolved\b|_cells\b", re.I)     # what the release may not say
HIDDEN = '''# Autograder test of exercise "{id}" ({points} points): it runs when your notebook is graded. Leave it here.
### BEGIN HIDDEN TESTS
import os as _os, sys as _sys
_sys.path.insert(0, _os.environ.get("FFNUMPY_AUTOGRADER", _os.path.join("..", "..", "..")))
from hidden_tests import hidden_test
hidden_test({id!r}, lambda: {expr}, allowed={allowed!r}, given={given!r})
### END HIDDEN TESTS'''


def exercise_cells(nb):
    """[(cell index, exercise id)] of a notebook's student cells."""
    return [(i, c.metadata["exercise"]) for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and "exercise" in c.metadata]


def strip_mentions(text, removed=None):
    """text without the parentheses and sentences that name the solutions (MENTION); each removed
    piece is appended to `removed`. Blocks are split at blank lines, list items and table rows."""
    removed = [] if removed is None else removed

    def drop(match):
        if MENTION.search(match.group()):
            removed.append(match.group().strip())
            return ""
        return match.group()
    text = re.sub(r"[ \t]*\([^()]*\)", drop, text)
    blocks = re.split(r"(\n\s*\n|\n(?=\s*(?:[-*|#]|\d+\.)\s))", text)
    out = []
    for block in blocks:
        if not MENTION.search(block):
            out.append(block)
            continue
        parts = re.split(r"(?<=[.!?])(\s+)(?=\S)", block)           # sentence, space, sentence, ...
        kept = []                                    # [sentence, the space after it]
        for sentence, space in zip(parts[::2], parts[1::2] + [""]):
            if not MENTION.search(sentence):
                kept.append([sentence, space])
            else:                                    # the line breaks of the text after it stay as they were
                removed.append(sentence.strip())
                if kept:
                    kept[-1][1] = space
        out.append("".join(s + space for s, space in kept).rstrip())
    text = "".join(out)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n") + ("\n" if text.endswith("\n") else "")


def release_notebook(nb, removed):
    """A copy of a tutorial as students get it: outputs and run metadata cleared, the solutions unnamed."""
    out = nbformat.from_dict(json.loads(json.dumps(nb)))
    cells = []
    for cell in out.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        else:
            cell.source = strip_mentions(cell.source, removed)
            if not cell.source.strip():
                continue
        cells.append(cell)
    out.cells = cells
    return out


def imported_from_ffnumpy(tree):
    """(names bound, "module:name" or "module" signatures) of a cell's imports from ffnumpy."""
    names, signatures = [], []
    for node in ast.walk(tree) if tree else ():
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "ffnumpy":
            names += [a.asname or a.name for a in node.names]
            signatures += [f"{node.module}:{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "ffnumpy":
                    names.append(a.asname or "ffnumpy")
                    signatures.append(a.name)
    return names, signatures


def graded_expression(nb, index, exercise):
    """The source of what `use(exercise, ...)` grades, from the first cell after `index` that calls it."""
    for cell in nb.cells[index + 1:]:
        tree = parse(cell.source) if cell.cell_type == "code" else None
        for node in ast.walk(tree) if tree else ():
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "use" and len(node.args) == 2 \
                    and getattr(node.args[0], "value", None) == exercise:
                return ast.get_source_segment(cell.source, node.args[1])
    raise CourseError(f"exercise {exercise!r}: no use({exercise!r}, ...) call after its cell")


def hidden_cell(nb, index, exercise, points):
    """The locked nbgrader test cell that follows the exercise cell at `index`."""
    given = []
    for cell in nb.cells[:index]:
        if cell.cell_type == "code":
            given += imported_from_ffnumpy(parse(cell.source))[0]
    stub_names, allowed = imported_from_ffnumpy(parse(nb.cells[index].source))
    cell = nbformat.v4.new_code_cell(HIDDEN.format(
        id=exercise, points=points, expr=graded_expression(nb, index, exercise), allowed=tuple(allowed),
        given=tuple(sorted(set(given + stub_names)))))
    cell.id = f"test-{exercise}"[:64]
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": f"test_{exercise}", "locked": True,
                                 "points": points, "schema_version": 3, "solution": False, "task": False}
    return cell


def source_notebook(nb, points):
    """The release notebook with a hidden test cell after every exercise cell (nbgrader's source)."""
    cells = []
    for i, cell in enumerate(nb.cells):
        cells.append(cell)
        if cell.cell_type == "code" and "exercise" in cell.metadata:
            exercise = cell.metadata["exercise"]
            cells.append(hidden_cell(nb, i, exercise, points[exercise]))
    nb.cells = cells
    return nb


def release_texts(folder):
    """[(file name, text)] of every file in the release (of a notebook: its cells' sources)."""
    out = []
    for path in sorted(glob.glob(os.path.join(folder, "**", "*"), recursive=True)):
        if os.path.isfile(path):
            if path.endswith(".ipynb"):                # its cells' text (nbgrader's metadata has "solution")
                text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
            else:
                with open(path, encoding="utf-8") as f:
                    text = f.read()
            out.append((os.path.relpath(path, folder), text))
    return out
