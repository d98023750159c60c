"""The course autograder's hidden tests. They run in the student's kernel, in a cell between an
exercise cell and its `use("ID", ...)` cell (tutorials/course.py puts them there).

    hidden_test("goodness", lambda: (goodness, goodness_backward), given=("ff_layer_forward",))

passes when what `use` would grade is the student's own work and passes the exercise's check
(ffnumpy/graders/). Own work means three things:
  1. every function is a Python function written in a notebook cell: not the library's object (its
     module is not ffnumpy's), and not made by exec or eval of a string (its code has no cell);
  2. the cell that defines it neither imports from ffnumpy (beyond what the stub cell itself imports),
     nor names ffnumpy, nor calls exec, eval, compile, __import__ or open, nor uses importlib or runpy,
     nor names the solutions (CELLS, ANSWERS, a path through solutions/, *_cells, *_solved);
  3. it refers to none of the library's versions of this exercise (the objects `use` falls back on, and
     the library functions they call), under whatever name, unless the notebook itself gave that name
     (`given`: the names the lesson's cells import from ffnumpy before the exercise).
Otherwise it raises AssertionError with one line saying why: the autograder gives the exercise 0 points.

Limits: the tests run in the student's kernel, so code in other cells that patches the graders defeats
them; they catch the shortcuts a student takes, not every attack.
"""
import ast
import linecache
import re
import types

FORBIDDEN_CALLS = {"exec", "eval", "compile", "__import__", "open", "execfile"}
FORBIDDEN_NAMES = {"importlib", "runpy", "CELLS", "ANSWERS"}
SOLUTION_PATH = re.compile(r"(^|[/\\])solutions?([/\\]|$)|_cells\b|_solved\b|_solutions\b", re.I)


class NotOwnWork(AssertionError):
    """The function is the library's, calls it, or comes from the solutions."""


def hidden_test(exercise_id, submitted, allowed=(), given=()):
    """Raise AssertionError (one line: why) unless `submitted()` is the student's own work and right.

    submitted : callable returning the function, or tuple of functions, the exercise's `use` grades
    allowed   : the stub cell's own imports from ffnumpy, as "module:name" ("module" for `import module`)
    given     : names the notebook binds to ffnumpy objects before the exercise (exempt from rule 3)
    """
    from ffnumpy.graders import EXERCISES            # the graders, as the library ships them
    exercise = EXERCISES[exercise_id]
    try:
        mine = submitted()
    except NameError as err:
        raise AssertionError(f"[{exercise_id}] not found: {err} (keep the names of the exercise cell)") from None
    functions = list(mine) if isinstance(mine, (tuple, list)) else [mine]
    forbidden = library_objects(exercise)
    for fn in functions:
        own_work(fn, forbidden, set(allowed), set(given))
    try:
        exercise.check(mine)
    except NotImplementedError:
        raise AssertionError(f"[{exercise_id}] not done: the cell still raises NotImplementedError") from None
    except Exception as err:                          # a Mismatch (the grader's message) or a crash
        lines = [line.strip() for line in (str(err).strip() or type(err).__name__).splitlines() if line.strip()]
        raise AssertionError(f"[{exercise_id}] not right: {' / '.join(lines[:4])}") from None
    print(f"[{exercise_id}] passed the hidden tests")


def own_work(fn, forbidden, allowed=frozenset(), given=frozenset()):
    """Raise NotOwnWork unless fn passes rules 1 to 3 of the module docstring."""
    name = getattr(fn, "__name__", type(fn).__name__)
    if not isinstance(fn, types.FunctionType):
        raise NotOwnWork(f"{name} is not a function written in a cell (a {type(fn).__name__})")
    if (fn.__module__ or "").split(".")[0] == "ffnumpy":
        raise NotOwnWork(f"{name} is the library's {fn.__module__}.{fn.__qualname__}, not your own function")
    cell = "".join(linecache.getlines(fn.__code__.co_filename))
    if not cell.strip():
        raise NotOwnWork(f"{name} was not written in a cell (made by exec or eval of a string?)")
    problem = source_problem(cell, allowed)
    if problem:
        raise NotOwnWork(f"the cell that defines {name} {problem}")
    exempt = [fn.__globals__[n] for n in given if n in fn.__globals__]
    for obj in referenced(fn):
        if is_one_of(obj, forbidden) and not any(obj is e for e in exempt):
            what = getattr(obj, "__qualname__", getattr(obj, "__name__", repr(obj)))
            raise NotOwnWork(f"{name} calls the library's {what}: write it yourself")


def source_problem(source, allowed=frozenset()):
    """What the source breaks of rule 2, in words, or None. Lines starting with % or ! (magics) are skipped."""
    code = "\n".join("" if line.lstrip()[:1] in "%!" else line for line in source.splitlines())
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None                                   # the function exists, so its own code compiled
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            bad = [a.name for a in node.names if _ffnumpy(a.name) and a.name not in allowed]
            if bad:
                return f"imports {bad[0]}: write the exercise with NumPy"
        elif isinstance(node, ast.ImportFrom) and _ffnumpy(node.module or ""):
            bad = [a.name for a in node.names if f"{node.module}:{a.name}" not in allowed]
            if bad:
                return f"imports {bad[0]} from {node.module}: write the exercise with NumPy"
        elif isinstance(node, ast.Name) and node.id == "ffnumpy":
            return "uses the library (ffnumpy): write the exercise with NumPy"
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_CALLS:
            return f"calls {node.func.id}(): write the function's code in the cell"
        elif isinstance(node, (ast.Name, ast.Attribute)) and _name(node) in FORBIDDEN_NAMES:
            return f"uses {_name(node)}: write the function's code in the cell"
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SOLUTION_PATH.search(node.value):
            return "reads the solutions"
    return None


def library_objects(exercise):
    """The library's versions of an exercise: what `use` falls back on (and the Exercise's library
    function), and the ffnumpy functions a grader's wrapper among them calls.   -> list of objects"""
    found = [exercise.library]
    for obj in _flat(exercise.library()):
        found.append(obj)
        if isinstance(obj, types.FunctionType) and obj.__module__.startswith("ffnumpy.graders"):
            found += [o for o in referenced(obj) if _from_ffnumpy(o) and not isinstance(o, types.ModuleType)]
    return found


def referenced(fn, depth=3):
    """The objects fn's code can reach by name: its globals and closure values, and (depth levels
    down) the attributes of modules, objects and tuples among them that its code names."""
    codes = list(_codes(fn.__code__))
    names = {n for code in codes for n in code.co_names}
    frontier = [fn.__globals__[n] for n in names if n in fn.__globals__]
    frontier += [cell.cell_contents for cell in (fn.__closure__ or ()) if _filled(cell)]
    seen, found = set(), []
    for _ in range(depth):
        nxt = []
        for obj in frontier:
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            found.append(obj)
            if isinstance(obj, (tuple, list)) and len(obj) <= 16:
                nxt += list(obj)
            elif isinstance(obj, dict) and len(obj) <= 64:
                nxt += list(obj.values())
            else:
                attrs = getattr(obj, "__dict__", None)
                if isinstance(attrs, (dict, types.MappingProxyType)):
                    nxt += [attrs[n] for n in names if n in attrs]
        frontier = nxt
    return found


def is_one_of(obj, objects):
    """obj is one of `objects`; a Python function counts by its code (each call of a factory makes a
    new lambda with the same code)."""
    key = obj.__code__ if isinstance(obj, types.FunctionType) else obj
    return any(key is (o.__code__ if isinstance(o, types.FunctionType) else o) for o in objects)


def _codes(code):
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _codes(const)


def _filled(cell):
    try:
        cell.cell_contents
    except ValueError:                                # an empty closure cell
        return False
    return True


def _flat(obj):
    return [o for item in obj for o in _flat(item)] if isinstance(obj, (tuple, list)) else [obj]


def _ffnumpy(module):
    return module.split(".")[0] == "ffnumpy"


def _from_ffnumpy(obj):
    module = obj.__name__ if isinstance(obj, types.ModuleType) else getattr(obj, "__module__", None)
    return isinstance(module, str) and _ffnumpy(module)


def _name(node):
    return node.id if isinstance(node, ast.Name) else node.attr
