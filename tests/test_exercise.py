"""The grader the tutorials use: it passes right answers, names wrong ones, and
never lets an unsolved exercise break a notebook."""
import numpy as np

from ffnumpy.exercise import grade, use


def library(x):
    return 2 * x


def check(f):
    np.testing.assert_allclose(f(np.arange(3.0)), library(np.arange(3.0)))


def test_passed_wrong_and_not_done(capsys):
    def right(x):
        return x + x

    def wrong(x):
        return 3 * x

    def unsolved(x):
        raise NotImplementedError

    assert use("double", right, library, check) is right
    assert use("double", wrong, library, check) is library
    assert use("double", unsolved, library, check) is library
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "[double] passed"
    assert out[1].startswith("[double] not right yet:") and "Not equal" in out[1]
    assert out[3] == "[double] not done yet: the rest of the notebook uses the library's version"
    assert grade("crash", lambda: 1 / 0) is False
