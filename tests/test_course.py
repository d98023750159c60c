"""The course (tutorials/course.py): the student release holds no solution, and the autograder gives
full points to the solved notebooks and 0 to a typical wrong answer and to the shortcuts (the library's
function, the solutions exec'd) in every exercise. Grading needs the course extra (nbgrader):
    pip install -e .[course]
"""
import csv
import glob
import importlib.util
import linecache
import os
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
TUTORIALS = os.path.join(ROOT, "tutorials")
sys.path.insert(0, TUTORIALS)
nbformat = pytest.importorskip("nbformat")
import course  # noqa: E402
import hidden_tests  # noqa: E402
import make_solved  # noqa: E402

# A typical wrong answer for every exercise: each one is a mistake the graders name.
WRONG = {
    "goodness": "def goodness(h):\n    return np.sum(h, axis=1)\n\n\ndef goodness_backward(dg, h):\n    return 2 * h",
    "ff_loss": "def ff_loss(g, theta, sign):\n    s = g - theta\n"
               "    return np.mean(softplus(sign * s)), sign * sigmoid(sign * s) / len(g)",
    "layer_backward": "def layer_backward(dh, cache):\n    xn, z = cache\n    return xn.T @ dh, dh.sum(axis=0)",
    "network_step": """def network_step(params, pairs, sign, lr):
    x, out = pairs, []
    for W, b in params:
        h, cache = layer_forward(x, W, b)
        loss, dg = ff_loss(goodness(h), float(W.shape[1]), sign)
        dW, db = layer_backward(goodness_backward(dg, h), cache)
        W = W - lr * dW                    # rebinds the name: the caller's W never changes
        b = b - lr * db
        out.append(loss)
        x = h
    return out""",
    "gamma": """def gamma_terms(G, theta, mode):
    if mode == "none":
        return np.zeros_like(G), np.asarray(theta, float)
    if mode == "previous":
        return np.cumsum(G, axis=1), np.cumsum(theta)          # includes layer i itself
    return G.sum(axis=1, keepdims=True) + 0 * G, np.full(len(theta), float(np.sum(theta)))""",
    "cff_loss": "def cff_loss(g, gamma, Theta, sign):\n    s = g - Theta\n"
                "    return float(np.mean(softplus(-sign * s))), -sign * sigmoid(-sign * s) / len(g)",
    "marginal": """def contributions(per_layer, prefix):
    before = [90.0] + list(per_layer[:-1])                      # single layers, not the prefixes
    return {"per_layer": list(per_layer), "prefix": list(prefix),
            "marginal": [b - e for b, e in zip(before, per_layer)]}""",
    "mcnemar": """def mcnemar(right_a, right_b):
    b, c = int(np.sum(right_a & ~right_b)), int(np.sum(~right_a & right_b))
    p = sum(math.comb(b + c, k) for k in range(min(b, c) + 1)) / 2 ** (b + c)    # one-sided
    return {"b": b, "c": c, "p": min(1.0, p)}""",
    "entropy": """def my_entropy(phi):
    phi = np.asarray(phi, dtype=float)
    if phi.mean() == 0:
        return 0.0
    on = phi > 0
    return float(np.sum(phi[on] * np.log2(phi[on] / phi.mean())) / phi.size)     # base 2""",
    "kl_form": """def my_kl_form(phi):
    q = phi / phi.sum()
    on = q > 0
    return float(np.sum(q[on] * np.log(q[on] * len(phi))))        # KL alone: E[phi] is missing""",
    "decompose": """def my_decompose(G):
    return {"total": ent(G), "across": ent(G.mean(axis=0)),
            "within": float(np.sum([ent(G[:, i]) for i in range(G.shape[1])]))}    # a sum, not the mean""",
    "objective": """def my_entropy_objective(g, gamma, sign, eps):
    B = len(g) // 2
    phi = g + gamma + eps
    a, b = phi[:B], phi[B:]
    q = b / (a + b)                                               # the negative pair's share
    return float(np.mean(-np.log(q))), np.concatenate([q / b, -(1 - q) / b]) / B""",
    "task_negatives": "def my_wrong_labels_among(y, classes, rng):\n"
                      "    return (np.asarray(y) + rng.integers(1, 10, len(y))) % 10     # any label, not the task's",
    "probe_grads": """def my_probe_grads(V, c, f, y):
    z = f @ V + c
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    loss = float(-np.mean(np.log(p[np.arange(len(y)), y])))
    p[np.arange(len(y)), y] -= 1
    return loss, f.T @ p, p.sum(axis=0)                           # sums: the mean's 1/N is missing""",
    "forgetting": """def my_forgetting(A):
    A = np.asarray(A, dtype=float)
    K = len(A)
    return [float(A[K - 1, j] - A[j:K - 1, j].max()) for j in range(K - 1)]     # the sign is flipped""",
    "alpha_grad": """def my_alpha_grad(dg, G, theta, i):
    grad = dg @ G                                                 # the threshold is missing
    grad[i] = 0
    return grad""",
}


def cells_of(number):
    """tutorials/solutions/NN_cells.py, loaded: CELLS and ANSWERS."""
    path = os.path.join(TUTORIALS, "solutions", f"{number}_cells.py")
    spec = importlib.util.spec_from_file_location(f"cells_{number}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def stub_functions(source):
    """The names of the functions a stub cell defines, in order."""
    import ast
    return [node.name for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)]


def shortcut(kind, exercise, stub, number):
    """(cell before the exercise cell or None, the exercise cell): the library's function or the
    solutions, taken four ways (kind 0-3)."""
    names = stub_functions(stub)
    lib = "_lib" if len(names) == 1 else None
    wrappers = "\n\n".join(f"def {name}(*args, **kwargs):\n    return {lib or f'_lib[{i}]'}(*args, **kwargs)"
                           for i, name in enumerate(names))
    library = f"from ffnumpy.graders import EXERCISES\n_lib = EXERCISES[{exercise!r}].library()\n"
    if kind == 0:                                  # the library's object itself
        return None, library + f"{', '.join(names)} = {'_lib' if lib else 'tuple(_lib)'}"
    if kind == 1:                                  # wrapped in a function of one's own, imported in the cell
        return None, library + wrappers
    if kind == 2:                                  # the solved cell, exec'd from tutorials/solutions
        path = os.path.join(TUTORIALS, "solutions", f"{number}_cells.py")
        return None, ("import importlib.util as _u\n"
                      f"_spec = _u.spec_from_file_location('_cells', {path!r})\n"
                      "_m = _u.module_from_spec(_spec)\n_spec.loader.exec_module(_m)\n"
                      f"exec(_m.CELLS[{exercise!r}])")
    return library, wrappers                       # imported in a cell of its own, wrapped in the exercise cell


def submission(release, kind):
    """A student's copy of a release notebook: 'solved', 'wrong' or 'shortcut' in every exercise."""
    nb = nbformat.read(release, as_version=4)
    number = os.path.basename(release)[:2]
    if kind == "solved":
        module = cells_of(number)
        return make_solved.solved(nb, module.CELLS, module.ANSWERS)
    cells = []
    for cell in nb.cells:
        exercise = cell.metadata.get("exercise") if cell.cell_type == "code" else None
        if exercise and kind == "wrong":
            cell.source = WRONG[exercise]
        elif exercise:
            before, cell.source = shortcut(len([c for c in cells if c.metadata.get("exercise")]) % 4, exercise,
                                           cell.source, number)
            if before:
                cells.append(nbformat.v4.new_code_cell(before))
        cells.append(cell)
    nb.cells = cells
    return nb


def run(*args):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, os.path.join(TUTORIALS, "course.py"), *args], env=env,
                          capture_output=True, text=True, timeout=1500)


@pytest.fixture(scope="module")
def graded(tmp_path_factory, mnist):
    pytest.importorskip("nbgrader", reason="the course extra is not installed: pip install -e .[course]")
    pytest.importorskip("nbclient")
    out, subs = tmp_path_factory.mktemp("course"), tmp_path_factory.mktemp("submissions")
    built = run("build", str(out))
    assert built.returncode == 0, built.stderr
    for student in ("solved", "wrong", "shortcut"):
        os.makedirs(subs / student)
        for release in sorted(glob.glob(str(out / "student" / "*.ipynb"))):
            nbformat.write(submission(release, student), str(subs / student / os.path.basename(release)))
    result = run("grade", str(out), str(subs))
    assert result.returncode == 0, result.stderr
    with open(out / "gradebook.csv") as f:
        return out, list(csv.DictReader(f))


def exercise_ids():
    return [e for _, path in course.graded_notebooks()
            for _, e in course.exercise_cells(nbformat.read(path, as_version=4))]


def test_every_exercise_has_points():
    points = course.load_points()
    assert sorted(points) == sorted(exercise_ids()) and len(points) == len(exercise_ids()) >= 16
    assert all(isinstance(v, int) and v > 0 for v in points.values())


def test_a_points_table_missing_an_exercise_is_refused(tmp_path):
    table = __import__("json").loads(open(course.POINTS).read())
    table["exercises"]["01_forward_forward.ipynb"].pop("goodness")
    path = tmp_path / "points.json"
    path.write_text(__import__("json").dumps(table))
    with pytest.raises(course.CourseError, match="without points \\['goodness'\\]"):
        course.load_points(str(path))


def test_the_sentences_that_name_the_solutions_are_removed_and_nothing_else():
    text = ("The cell after each one grades it. Worked solutions: `tutorials/solutions/01_x_solved.ipynb`.\n"
            "The error can differ (the solved notebook's does): sums add in another order.\n\n"
            "- a list item that stays.\n- an item naming `solutions/02_cells.py` goes.\n")
    removed = []
    got = course.strip_mentions(text, removed)
    assert got == ("The cell after each one grades it.\nThe error can differ: sums add in another order.\n\n"
                   "- a list item that stays.\n")
    assert len(removed) == 3


def in_a_cell(source, namespace, name="cell"):
    """Run `source` as a notebook cell would (its code findable by linecache) in `namespace`."""
    filename = f"/tmp/ipykernel_test/{name}.py"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)
    return namespace


def test_the_own_work_rules_without_a_kernel():
    from ffnumpy.graders import EXERCISES
    forbidden = hidden_tests.library_objects(EXERCISES["mcnemar"])
    solved = in_a_cell(cells_of("02").CELLS["mcnemar"], {"np": np, "math": __import__("math")})["mcnemar"]
    hidden_tests.own_work(solved, forbidden)                                       # the solved cell passes
    from ffnumpy.studies.stats import mcnemar as library
    with pytest.raises(hidden_tests.NotOwnWork, match="is the library's"):
        hidden_tests.own_work(library, forbidden)
    namespace = {"np": np, "math": __import__("math")}
    exec(cells_of("02").CELLS["mcnemar"], namespace)                               # exec of the solution
    with pytest.raises(hidden_tests.NotOwnWork, match="not written in a cell"):
        hidden_tests.own_work(namespace["mcnemar"], forbidden)
    imported = in_a_cell("import ffnumpy.studies.stats as s\ndef mcnemar(a, b):\n    return s.mcnemar(a, b)\n", {})
    with pytest.raises(hidden_tests.NotOwnWork, match="imports ffnumpy.studies.stats"):
        hidden_tests.own_work(imported["mcnemar"], forbidden)
    aliased = in_a_cell("def mcnemar(a, b):\n    return test(a, b)\n", {"test": library}, "alias")  # another cell's import
    with pytest.raises(hidden_tests.NotOwnWork, match="calls the library's mcnemar"):
        hidden_tests.own_work(aliased["mcnemar"], forbidden)
    hidden_tests.own_work(aliased["mcnemar"], forbidden, given={"test"})          # unless the lesson gave it
    reads = in_a_cell("def mcnemar(a, b):\n    return load('tutorials/solutions/02_cells.py')\n", {}, "reads")
    with pytest.raises(hidden_tests.NotOwnWork, match="reads the solutions"):
        hidden_tests.own_work(reads["mcnemar"], forbidden)


def cell(source, **metadata):
    out = nbformat.v4.new_code_cell(source)
    out.metadata.update(metadata)
    return out


def test_grading_runs_only_the_cells_the_exercises_need():
    import course_cells
    cells = [cell("import numpy as np\nSEED = 0"),
             cell("def helper(x):\n    return 2 * x"),
             cell("net = train_for_an_hour(SEED)\nname = 'FF'"),                   # the lesson's training
             cell("def f(x, name=None):\n    return helper(x) + np.sum(x)", exercise="f"),
             cell("f = use('f', f)"),
             cell("def g(x):\n    for name in 'ab':\n        x = f(x)\n    return x", exercise="g"),
             cell("# test", nbgrader={"grade": True, "grade_id": "test_g"}),
             cell("print(net)")]
    assert course_cells.needed_cells(cells) == [0, 1, 3, 4, 5, 6]      # g reads f, bound by the use cell
    assert course_cells.needed_cells(cells[:4]) == [0, 1, 3]


def test_a_notebook_without_the_test_cells_gets_them_back_after_its_exercise_cells():
    path = os.path.join(TUTORIALS, "04_open_questions.ipynb")
    source = course.source_notebook(course.release_notebook(nbformat.read(path, as_version=4), []),
                                    course.load_points())
    solved = make_solved.build(path)                  # the solved notebook: no test cells
    graded = course.prepared(solved, source, all_cells=True).cells
    for i, c in enumerate(graded):
        if "exercise" in c.metadata:
            assert graded[i + 1].metadata["nbgrader"]["grade_id"] == "test_" + c.metadata["exercise"]
    assert "nbgrader" in graded[-1].metadata          # nothing after the last test cell


def test_the_release_has_the_lessons_and_no_solution(graded):
    out, _ = graded
    student = out / "student"
    assert sorted(os.path.basename(p) for p in glob.glob(str(student / "*.ipynb"))) == \
        [assignment + ".ipynb" for assignment, _ in course.graded_notebooks()]
    texts = course.release_texts(str(student))
    assert not [name for name, text in texts if course.MENTION.search(text)]
    raw = "\n".join(open(p, encoding="utf-8").read() for p in glob.glob(str(student / "**" / "*"), recursive=True)
                    if os.path.isfile(p))
    assert "BEGIN HIDDEN TESTS" not in raw and "hidden_test(" not in raw
    released = "\n".join(text for _, text in texts) + raw
    checked = 0
    for _, path in course.graded_notebooks():                  # a solved line the lesson does not hold
        lesson = {line.strip() for c in nbformat.read(path, as_version=4).cells for line in c.source.splitlines()}
        for exercise, solved in cells_of(os.path.basename(path)[:2]).CELLS.items():
            for line in solved.splitlines():
                if len(line.strip()) > 30 and line.strip() not in lesson:
                    assert line.strip() not in released, (exercise, line)
                    checked += 1
    assert checked >= 30
    for nb_path in glob.glob(str(student / "*.ipynb")):
        nb = nbformat.read(nb_path, as_version=4)
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
        for cell in nb.cells:
            if "exercise" in cell.metadata:
                assert "NotImplementedError" in cell.source


def rows_of(rows, student):
    return {r["exercise"]: r for r in rows if r["student"] == student}


def test_the_gradebook_lists_every_student_and_exercise(graded):
    _, rows = graded
    assert list(rows[0]) == ["student", "notebook", "exercise", "points", "max points", "message"]
    assert sorted({r["student"] for r in rows}) == ["shortcut", "solved", "wrong"]
    for student in ("solved", "wrong", "shortcut"):
        assert sorted(rows_of(rows, student)) == sorted(exercise_ids())


def test_the_solved_notebooks_get_full_points(graded):
    _, rows = graded
    for exercise, row in rows_of(rows, "solved").items():
        assert float(row["points"]) == float(row["max points"]) > 0, (exercise, row["message"])
        assert "passed" in row["message"]


def test_a_typical_wrong_answer_gets_zero_and_the_graders_reason(graded):
    _, rows = graded
    for exercise, row in rows_of(rows, "wrong").items():
        assert float(row["points"]) == 0, (exercise, row["message"])
        assert f"[{exercise}] not right" in row["message"], (exercise, row["message"])


def test_the_library_or_the_solutions_get_zero(graded):
    _, rows = graded
    reasons = ("is the library's", "imports", "not written in a cell", "calls the library's")
    for exercise, row in rows_of(rows, "shortcut").items():
        assert float(row["points"]) == 0, (exercise, row["message"])
        assert any(r in row["message"] for r in reasons), (exercise, row["message"])


def test_each_student_gets_a_feedback_file(graded):
    out, rows = graded
    for student in ("solved", "wrong", "shortcut"):
        text = (out / "feedback" / f"{student}.md").read_text()
        total = sum(float(r["points"]) for r in rows if r["student"] == student)
        assert f"Total: {total:g} of {sum(course.load_points().values())} points." in text
