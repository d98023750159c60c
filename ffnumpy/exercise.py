"""Graded exercises for the tutorials: the machinery (the checks, and `use`, are in graders/).

A student cell defines a function (it starts as `raise NotImplementedError`);
the cell after it grades it and hands the rest of the notebook either the
student's version (passed) or the library's (not done, or not right yet), so an
unsolved exercise never breaks the notebook:

    def goodness(h):
        raise NotImplementedError          # your code here
    goodness = use("goodness", goodness)            # from ffnumpy.graders import use

A check compares with numbers it knows (a worked example, finite differences)
before it compares with the library, and a failure says what was expected,
what came, and what is likely wrong (`expect`). The library's version is
imported only after the grading: it is not in the notebook before.
"""
import importlib
import types
import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .gradcheck import numerical_gradient


@dataclass(frozen=True)
class Exercise:
    """check(mine) returns if mine is right and raises Mismatch (or anything) if not;
    library() imports and returns the library's version, used when mine fails."""
    check: Callable
    library: Callable


class Mismatch(AssertionError):
    """A wrong answer: the message says expected, got, and (if it can) why."""


def show(a, n=4):
    """The first n numbers of a (an array or a number), rounded for reading."""
    a = np.asarray(a, dtype=float)
    if a.ndim == 0:
        return f"{float(a):.6g}"
    flat = ", ".join(f"{v:.4g}" for v in a.ravel()[:n])
    return f"[{flat}{', ...' if a.size > n else ''}] (shape {a.shape})"


def diagnose(got, want):
    """One sentence on how `got` differs from `want`, or None if no simple pattern fits.

    A single number gets no guess from its ratio to the right one: 2 where 1 is expected may be a
    factor 2 too many, or a probability not capped at 1 (each exercise's hints name such mistakes)."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    if got.ndim == 2 and got.shape == want.shape[::-1] and np.allclose(got, want.T):
        return "transposed: check which matrix goes first in the product (and .T)"
    if got.shape != want.shape:
        if got.shape == want.shape[::-1]:
            return "the shape is transposed: check which matrix goes first (and .T)"
        if got.size == want.size:
            return "the right number of entries in the wrong shape"
        return f"shape {got.shape} where {want.shape} is expected: check the axis you sum over"
    if not np.all(np.isfinite(got)):
        return "some values are nan or inf: look for log(0), 0 * inf or an overflow"
    mask = np.abs(want) > 1e-12
    if mask.sum() < 2:            # one number: every wrong value is some multiple of the right one,
        return None               # so a ratio names no mistake (the exercise's own hints do)
    ratio = got[mask] / want[mask]
    if np.allclose(ratio, ratio[0], rtol=1e-6) and np.allclose(got[~mask], 0, atol=1e-9):
        r = ratio[0]
        for value, words in ((2, "twice the expected values: a factor 2 too many"),
                             (0.5, "half the expected values: a factor 2 is missing"),
                             (-1, "the sign is flipped"), (-2, "the sign is flipped and a factor 2 is extra"),
                             (-0.5, "the sign is flipped and a factor 2 is missing")):
            if np.isclose(r, value):
                return words
        if want.ndim >= 1 and (np.isclose(r, want.shape[0]) or np.isclose(r, 1 / want.shape[0])):
            return "off by the number of rows: a sum where a mean is wanted, or the other way round"
        return f"every value is {r:.4g} times the expected one: a constant factor is wrong"
    return None


def expect(got, want, what, hints=(), rtol=1e-8, atol=1e-12):
    """Raise Mismatch unless got == want (to rtol, atol).

    what  : what is compared, in words ("dL/dh on the worked example")
    hints : [(test(got, want) -> bool, sentence)]: the first that holds is the advice;
            if none does, diagnose() guesses from the numbers
    """
    try:
        same = np.shape(got) == np.shape(want) and np.allclose(got, want, rtol=rtol, atol=atol)
    except (TypeError, ValueError) as err:
        raise Mismatch(f"{what}: expected {show(want)}, got {got!r} ({err})") from None
    if same:
        return
    advice = next((s for test, s in hints if _holds(test, got, want)), None) or diagnose(got, want)
    raise Mismatch(f"{what}: expected {show(want)}, got {show(got)}" + (f"\n  likely: {advice}" if advice else ""))


def gradient_check(analytic, f, x, dout=None, what="the gradient"):
    """expect(analytic, the central-difference gradient of f at x): float64, to 1e-5 relative."""
    numeric = numerical_gradient(f, np.array(x, dtype=np.float64), dout)
    expect(analytic, numeric, f"{what} against finite differences", rtol=1e-5, atol=1e-8)


def with_stand_in(f, is_target, stand_in, depth=3):
    """A copy of f in which every function that f calls by name (a global or a closed-over
    variable, inside comprehensions too, and through up to `depth` helper functions) and that
    is_target(function) picks is replaced by stand_in.

    returns (the copy, the names replaced); (f, []) if f is not a plain Python function.
    A check uses it where a right number can come from a shortcut (kl_form returning Ent itself,
    within = total - across): with a stand-in that is not Ent, the shortcut gives other numbers.
    """
    if not isinstance(f, types.FunctionType) or depth < 0:
        return f, []
    names, codes = set(), [f.__code__]
    while codes:                                  # the names used by f and by the code nested in it
        code = codes.pop()
        names.update(code.co_names)
        codes += [c for c in code.co_consts if isinstance(c, types.CodeType)]
    replaced = []

    def swap(name, value):
        """stand_in, a copy of a helper with its own calls swapped, or value unchanged."""
        if not isinstance(value, types.FunctionType) or value is f:
            return value
        if _picks(is_target, value):
            replaced.append(name)
            return stand_in
        copy, inner = with_stand_in(value, is_target, stand_in, depth - 1)
        replaced.extend(inner)
        return copy if inner else value
    env = dict(f.__globals__)
    env.update({name: swap(name, env[name]) for name in sorted(names) if name in env})
    closure = f.__closure__
    if closure is not None:
        values = [(_contents(cell), cell) for cell in closure]
        closure = tuple(cell if (new := swap(name, value)) is value else types.CellType(new)
                        for name, (value, cell) in zip(f.__code__.co_freevars, values))
    copy = types.FunctionType(f.__code__, env, f.__name__, f.__defaults__, closure)
    copy.__kwdefaults__ = f.__kwdefaults__
    return copy, replaced


def _picks(is_target, value):
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return bool(is_target(value))
    except Exception:                             # not a function of this kind of input
        return False


def _contents(cell):
    try:
        return cell.cell_contents
    except ValueError:                            # a variable not bound yet
        return None


def _holds(test, got, want):
    try:
        return bool(test(np.asarray(got, dtype=float), np.asarray(want, dtype=float)))
    except Exception:            # a hint that does not apply to this shape of answer
        return False


def grade(name, check):
    """Run check(); print passed, not done yet, or not right yet (and why).

    check : callable; raises NotImplementedError (the student has not written
            it), any other exception (wrong), or returns (right)
    returns True if it passed
    """
    try:
        check()
    except NotImplementedError:
        print(f"[{name}] not done yet: the rest of the notebook uses the library's version")
        return False
    except Mismatch as err:                       # a wrong answer the check can explain
        print(f"[{name}] not right yet: {err}")
        print(f"[{name}] the rest of the notebook uses the library's version")
        return False
    except Exception as err:                      # it crashed: the error, in a few lines
        reason = (str(err).strip() or type(err).__name__).splitlines()
        print(f"[{name}] not right yet ({type(err).__name__}): "
              f"{' / '.join(line.strip() for line in reason[:4] if line.strip())}")
        print(f"[{name}] the rest of the notebook uses the library's version")
        return False
    print(f"[{name}] passed")
    return True


def library_version(path):
    """'package.module:name' -> that object, imported now (not before the grading)."""
    module, name = path.split(":")
    return getattr(importlib.import_module(module), name)
