"""The grader the tutorials use: it passes right answers, names wrong ones with
expected, got and a likely cause, and never lets an unsolved exercise break a notebook."""
import numpy as np
import pytest

from ffnumpy.exercise import Exercise, Mismatch, diagnose, expect, grade
from ffnumpy.graders import use


def library(x):
    return 2 * x


DOUBLE = {"double": Exercise(lambda f: expect(f(np.arange(1.0, 4.0)), [2.0, 4.0, 6.0], "f(1, 2, 3)"),
                             lambda: library)}


def test_passed_wrong_and_not_done(capsys):
    def right(x):
        return x + x

    def wrong(x):
        return 4 * x

    def unsolved(x):
        raise NotImplementedError

    assert use("double", right, DOUBLE) is right
    assert use("double", wrong, DOUBLE) is library
    assert use("double", unsolved, DOUBLE) is library
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "[double] passed"
    assert out[1] == "[double] not right yet: f(1, 2, 3): expected [2, 4, 6] (shape (3,)), got [4, 8, 12] (shape (3,))"
    assert out[2] == "  likely: twice the expected values: a factor 2 too many"
    assert out[4] == "[double] not done yet: the rest of the notebook uses the library's version"
    assert grade("crash", lambda: 1 / 0) is False
    assert "ZeroDivisionError" in capsys.readouterr().out


@pytest.mark.parametrize("got, want, words", [
    ([1.0, 2.0], [2.0, 4.0], "half the expected values"), ([-2.0, -4.0], [2.0, 4.0], "sign is flipped"),
    ([[2.0, 4.0]], [2.0, 4.0], "wrong shape"), ([1.0, 2.0, 3.0], [[1.0], [2.0]], "check the axis"),
    ([1.0, np.nan], [2.0, 4.0], "nan or inf"), (np.full(10, 20.0), np.full(10, 2.0), "off by the number of rows"),
    ([3.0, 5.0], [2.0, 4.0], None)])
def test_diagnose_names_simple_mistakes(got, want, words):
    hint = diagnose(got, want)
    assert (hint is None) if words is None else (words in hint), hint


def test_diagnose_sees_a_transposed_matrix():
    a = np.arange(6.0).reshape(2, 3)
    assert "transposed" in diagnose(a.T, a)
    assert "transposed" in diagnose(np.array([[1.0, 3.0], [2.0, 4.0]]), np.array([[1.0, 2.0], [3.0, 4.0]]))


def test_expect_prefers_the_exercise_hint_and_passes_equal_values():
    expect([1.0, 2.0], [1.0, 2.0 + 1e-12], "equal")
    with pytest.raises(Mismatch, match="likely: my hint"):
        expect([1.0, 1.0], [2.0, 4.0], "x", hints=[(lambda g, w: g.sum() == 2, "my hint")])
    with pytest.raises(Mismatch, match="expected 3, got 'three'"):
        expect("three", 3.0, "a number")
