"""Hand out, collect and grade the tutorials as a course, with nbgrader (`pip install -e .[course]`).

    python tutorials/course.py build OUT                # OUT/student/: the release; OUT/autograder/: yours
    python tutorials/course.py grade OUT SUBMISSIONS    # OUT/gradebook.csv and OUT/feedback/STUDENT.md

build makes OUT/autograder/ an nbgrader course folder: one assignment per notebook with graded
exercises (a code cell whose metadata holds {"exercise": ID}), a hidden test cell after each exercise
cell worth points.json's points (course_release.py). nbgrader's release, with the hidden tests removed,
is copied to OUT/student/, with the cheat sheet and the questionnaire.

grade takes each student's notebooks from SUBMISSIONS/STUDENT/ (any folder below it), named as handed
out, and autogrades them with nbgrader, in FAST mode (--full: not). To keep grading fast, each notebook
runs only the cells its exercises need (course_cells.py: not the lesson's training; --all-cells: every
cell up to the last test). The hidden tests are hidden_tests.py: the graders' checks and the student's
own work.
"""
import argparse
import csv
import glob
import json
import os
import shutil
import sys
import warnings

import nbformat

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from course_cells import needed_cells  # noqa: E402
from course_release import (MENTION, CourseError, exercise_cells, release_notebook, release_texts,  # noqa: E402
                            source_notebook, strip_mentions)

POINTS = os.path.join(HERE, "points.json")
STUDENT_README = """# Forward-Forward and Collaborative Forward-Forward: the course notebooks

Install ffnumpy and Jupyter as your instructor says, then open the notebooks in order.
Cells headed *Your turn* are yours: replace `raise NotImplementedError` with your code.
The cell after each one checks it (`passed`, `not done yet`, `not right yet`), and the rest of the notebook
runs on the library's version until it passes. Write each exercise with NumPy, in its own cell:
an exercise whose cell imports from ffnumpy, runs exec or eval, or calls ffnumpy's version gets 0 points.
Leave the cells that say "Autograder test" as they are: they are graded when you hand in.
Hand in the notebooks with the names they have here.
"""
AUTOGRADER_README = """# The autograder (for the instructor only: do not hand it out)

An nbgrader course folder, made by `python tutorials/course.py build`:
source/NN/NN.ipynb holds each notebook with its hidden test cells, release/ what students got,
gradebook.db nbgrader's grades, points.json the points of every exercise, hidden_tests.py the tests.
Grade with `python tutorials/course.py grade OUT SUBMISSIONS`. By hand, from this folder:
`FFNUMPY_FAST=1 nbgrader autograde NN_name` after copying a notebook to submitted/STUDENT/NN_name/.
removed_from_release.txt lists the sentences taken out of the release because they name the solutions.
"""
NBGRADER_CONFIG = """c = get_config()  # noqa: F821 (nbgrader's configuration of this course folder)
c.CourseDirectory.course_id = "ffnumpy"
c.Execute.timeout = 600
"""


def graded_notebooks():
    """[(assignment id, path)] of the tutorials with at least one exercise cell, in order."""
    found = []
    for path in sorted(glob.glob(os.path.join(HERE, "[0-9][0-9]_*.ipynb"))):
        if exercise_cells(nbformat.read(path, as_version=4)):
            found.append((os.path.basename(path)[:-len(".ipynb")], path))
    return found


def load_points(path=POINTS):
    """{exercise id: points} from points.json's "exercises" (notebook -> {exercise id: points}; TEACHING.md
    quotes the same file), checked against the exercises of the notebooks."""
    with open(path) as f:
        table = json.load(f)
    if not isinstance(table, dict) or not isinstance(table.get("exercises"), dict):
        raise CourseError(f"{path}: no \"exercises\" table (notebook -> {{exercise id: points}})")
    points = {e: v for notebook in table["exercises"].values() for e, v in notebook.items()}
    ids = [e for _, p in graded_notebooks() for _, e in exercise_cells(nbformat.read(p, as_version=4))]
    missing, stale = sorted(set(ids) - set(points)), sorted(set(points) - set(ids))
    bad = sorted(e for e, v in points.items() if not isinstance(v, int) or v <= 0)
    if missing or stale or bad:
        raise CourseError(f"{path}: exercises without points {missing}, points of no exercise {stale}, "
                          f"points not a positive integer {bad}")
    return points


def nbgrader_config(root):
    from traitlets.config import Config
    c = Config()
    c.CourseDirectory.root = root
    c.CourseDirectory.course_id = "ffnumpy"
    c.Execute.timeout = 600
    c.Autograde.log_level = "WARN"
    c.GenerateAssignment.log_level = "WARN"
    return c


def run_nbgrader(converter, root, assignment, student="*"):
    """Run an nbgrader converter (GenerateAssignment, Autograde) on one assignment, every student."""
    from nbgrader.converters import NbGraderException
    from nbgrader.coursedir import CourseDirectory
    config = nbgrader_config(root)
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id, coursedir.student_id = assignment, student
    app = converter(coursedir=coursedir, config=config)
    app.force = True
    try:
        with warnings.catch_warnings():               # nbgrader's SQLAlchemy session warns, harmlessly
            warnings.simplefilter("ignore")
            app.start()
    except NbGraderException as err:
        raise CourseError(f"nbgrader failed on {assignment}: {err}") from None


def build(out, force=False):
    """Write OUT/autograder (nbgrader's course folder) and OUT/student (the release)."""
    nbgrader = require_nbgrader()
    root, student = os.path.join(out, "autograder"), os.path.join(out, "student")
    if os.path.exists(os.path.join(root, "gradebook.db")) and not force:
        raise CourseError(f"{out} already holds a course (autograder/gradebook.db): use a new folder, or --force")
    for folder in (root, student):
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
    points, removed = load_points(), []
    for assignment, path in graded_notebooks():
        nb = release_notebook(nbformat.read(path, as_version=4), removed)
        os.makedirs(os.path.join(root, "source", assignment))
        nbformat.write(source_notebook(nb, points), os.path.join(root, "source", assignment, assignment + ".ipynb"))
        run_nbgrader(nbgrader.converters.GenerateAssignment, root, assignment)
        shutil.copy(os.path.join(root, "release", assignment, assignment + ".ipynb"), student)
    for name in ("CHEATSHEET.md", "QUESTIONNAIRE.md"):
        with open(os.path.join(HERE, name)) as f:
            text = strip_mentions(f.read(), removed)
        with open(os.path.join(student, name), "w") as f:
            f.write(text)
    with open(os.path.join(student, "README.md"), "w") as f:
        f.write(STUDENT_README)
    shutil.copy(os.path.join(HERE, "hidden_tests.py"), root)
    for name, text in (("README.md", AUTOGRADER_README), ("nbgrader_config.py", NBGRADER_CONFIG)):
        with open(os.path.join(root, name), "w") as f:
            f.write(text)
    shutil.copy(POINTS, root)
    with open(os.path.join(root, "removed_from_release.txt"), "w") as f:
        f.write("Sentences build removed from the release because they name the solutions:\n\n"
                + "\n".join(f"- {r}" for r in removed) + "\n")
    leaks = [f"{name}: {m.group()!r}" for name, text in release_texts(student) for m in [MENTION.search(text)] if m]
    if leaks:
        raise CourseError(f"the release still names the solutions: {leaks[0]}")
    print(f"wrote {student} (for students) and {root} (for you: hidden tests, points, nbgrader's gradebook)")


# ---- grading -------------------------------------------------------------------------------------------

def require_nbgrader():
    try:
        import nbgrader.converters
    except ImportError:
        raise CourseError("nbgrader is not installed: pip install -e .[course]") from None
    return nbgrader


def handed_in(folder, assignment):
    """The student's notebook for an assignment: the .ipynb below `folder` named as handed out
    (or, failing that, the one whose name starts with the same two digits); None if there is none."""
    paths = sorted(glob.glob(os.path.join(folder, "**", "*.ipynb"), recursive=True))
    paths = [p for p in paths if ".ipynb_checkpoints" not in p]
    exact = [p for p in paths if os.path.basename(p) == assignment + ".ipynb"]
    prefix = [p for p in paths if os.path.basename(p)[:3] == assignment[:3]]
    return (exact or prefix or [None])[0]


def prepared(submitted, source, all_cells=False):
    """The submission as nbgrader grades it: every test cell of the source present (put back after its
    exercise cell if the student deleted it), and only the code cells the exercises need (all_cells:
    every cell up to the last test cell), outputs cleared."""
    tests = [c for c in source.cells if "nbgrader" in c.metadata]
    have = {c.metadata.get("nbgrader", {}).get("grade_id") for c in submitted.cells}
    for test in tests:
        if test.metadata["nbgrader"]["grade_id"] in have:
            continue
        exercise = test.metadata["nbgrader"]["grade_id"][len("test_"):]
        at = [i for i, c in enumerate(submitted.cells) if c.metadata.get("exercise") == exercise]
        if at:
            submitted.cells.insert(at[0] + 1, nbformat.from_dict(json.loads(json.dumps(test))))
    last = max((i for i, c in enumerate(submitted.cells) if "nbgrader" in c.metadata), default=-1)
    cells = submitted.cells[:last + 1]
    submitted.cells = cells if all_cells else [cells[i] for i in needed_cells(cells)]
    for cell in submitted.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return submitted


def grade(out, submissions, full=False, all_cells=False):
    """Autograde every student's notebooks: OUT/gradebook.csv and OUT/feedback/STUDENT.md."""
    nbgrader = require_nbgrader()
    root = os.path.join(out, "autograder")
    if not os.path.exists(os.path.join(root, "gradebook.db")):
        raise CourseError(f"{out} holds no autograder: run `python tutorials/course.py build {out}` first")
    if not os.path.isdir(submissions):
        raise CourseError(f"{submissions} is not a folder (one subfolder per student)")
    students = sorted(d for d in os.listdir(submissions)
                      if os.path.isdir(os.path.join(submissions, d)) and not d.startswith("."))
    if not students:
        raise CourseError(f"{submissions} has no student folders")
    assignments = sorted(os.listdir(os.path.join(root, "source")))
    for folder in ("submitted", "autograded"):
        shutil.rmtree(os.path.join(root, folder), ignore_errors=True)
    os.environ.update(FFNUMPY_AUTOGRADER=os.path.abspath(root), FFNUMPY_FAST="0" if full else "1")
    missing = {}
    for assignment in assignments:
        source = nbformat.read(os.path.join(root, "source", assignment, assignment + ".ipynb"), as_version=4)
        for student in students:
            path = handed_in(os.path.join(submissions, student), assignment)
            try:
                nb = prepared(nbformat.read(path, as_version=4), source, all_cells) if path else None
            except Exception as err:                  # not a notebook: graded as not handed in, and said so
                nb, missing[student, assignment] = None, f"could not read {os.path.basename(path)}: {err}"
            if nb is None:
                missing.setdefault((student, assignment), "not handed in")
                continue
            target = os.path.join(root, "submitted", student, assignment)
            os.makedirs(target)
            nbformat.write(nb, os.path.join(target, assignment + ".ipynb"))
        if os.path.isdir(os.path.join(root, "submitted")):
            print(f"grading {assignment} ...", flush=True)
            run_nbgrader(nbgrader.converters.Autograde, root, assignment)
    rows = results(root, students, assignments, missing)
    write_gradebook(out, rows)
    write_feedback(out, rows)
    print(f"wrote {os.path.join(out, 'gradebook.csv')} and {os.path.join(out, 'feedback')}/ "
          f"({len(students)} students)")
    return rows


def results(root, students, assignments, missing):
    """[{student, notebook, exercise, points, max points, message}], one per student and exercise."""
    from nbgrader.api import Gradebook, MissingEntry
    rows = []
    with Gradebook(f"sqlite:///{os.path.join(root, 'gradebook.db')}") as gb:
        for student in students:
            for assignment in assignments:
                source = nbformat.read(os.path.join(root, "source", assignment, assignment + ".ipynb"), as_version=4)
                messages = test_messages(os.path.join(root, "autograded", student, assignment, assignment + ".ipynb"))
                for cell in source.cells:
                    meta = cell.metadata.get("nbgrader")
                    if not meta:
                        continue
                    score, message = 0.0, missing.get((student, assignment))
                    if message is None:
                        try:
                            found = gb.find_grade(meta["grade_id"], assignment, assignment, student)
                            score = found.score or 0.0
                        except MissingEntry:
                            pass
                        message = messages.get(meta["grade_id"], "the test cell did not run")
                    rows.append({"student": student, "notebook": assignment, "exercise": meta["grade_id"][5:],
                                 "points": score, "max points": meta["points"], "message": message})
    return rows


def test_messages(path):
    """{grade id: what its test cell said} from an autograded notebook ({} if there is none)."""
    if not os.path.exists(path):
        return {}
    out = {}
    for cell in nbformat.read(path, as_version=4).cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if not grade_id or cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream").strip()
        said = (errors[0].evalue if errors[0].ename in ("AssertionError", "NotOwnWork")
                else f"{errors[0].ename}: {errors[0].evalue}") if errors else text.splitlines()[-1] if text else ""
        out[grade_id] = " / ".join(line.strip() for line in said.splitlines() if line.strip())
    return out


def write_gradebook(out, rows):
    with open(os.path.join(out, "gradebook.csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, ["student", "notebook", "exercise", "points", "max points", "message"])
        writer.writeheader()
        writer.writerows(rows)


def write_feedback(out, rows):
    """One Markdown file per student: every exercise's points and the grader's message, and the total."""
    folder = os.path.join(out, "feedback")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    for student in sorted({r["student"] for r in rows}):
        mine = [r for r in rows if r["student"] == student]
        lines = [f"# Feedback for {student}", "",
                 f"Total: {sum(r['points'] for r in mine):g} of {sum(r['max points'] for r in mine)} points.", "",
                 "| notebook | exercise | points | what the autograder said |", "|---|---|---|---|"]
        lines += [f"| {r['notebook']} | {r['exercise']} | {r['points']:g} / {r['max points']} | "
                  f"{r['message'].replace('|', '/')} |" for r in mine]
        with open(os.path.join(folder, f"{student}.md"), "w") as f:
            f.write("\n".join(lines) + "\n")


def main(argv=None):
    p = argparse.ArgumentParser(prog="python tutorials/course.py", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="write OUT/student (the release) and OUT/autograder (hidden tests, points)")
    b.add_argument("out")
    b.add_argument("--force", action="store_true", help="replace a course already built in OUT")
    g = sub.add_parser("grade", help="autograde SUBMISSIONS/STUDENT/*.ipynb into OUT/gradebook.csv and OUT/feedback")
    g.add_argument("out")
    g.add_argument("submissions")
    g.add_argument("--full", action="store_true", help="run the notebooks in full mode (default: FAST)")
    g.add_argument("--all-cells", action="store_true",
                   help="run every cell up to the last test (default: only the cells the exercises need)")
    args = p.parse_args(argv)
    try:
        if args.command == "build":
            build(args.out, args.force)
        else:
            grade(args.out, args.submissions, args.full, args.all_cells)
    except CourseError as err:
        print(f"course.py: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
