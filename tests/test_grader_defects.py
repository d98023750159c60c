"""The graders that passed wrong answers or gave advice that led nowhere (issue 38, "Graders that
are wrong"): each wrong answer is rejected with a hint that names its mistake, the right one passes,
and following the advice leads to the right answer."""
import glob
import itertools
import math
import os
import re
import runpy

import numpy as np
import pytest

from ffnumpy.exercise import diagnose, grade
from ffnumpy.graders import EXERCISES

SOLUTIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tutorials", "solutions")


def rejected(name, mine, capsys):
    """The grader's message for a wrong answer (it must fail, with expected and a likely cause)."""
    assert not grade(name, lambda: EXERCISES[name].check(mine))
    out = capsys.readouterr().out
    assert "expected" in out and "likely:" in out, out
    return out


def passes(name, mine, capsys):
    assert grade(name, lambda: EXERCISES[name].check(mine)), capsys.readouterr().out
    capsys.readouterr()


# exercise.diagnose: a single number gets no guessed constant factor.

@pytest.mark.parametrize("got, want", [(2.0, 1.0), (1.5, 1.0), (-3.0, 3.0), ([4.0], [2.0]), ([0.0, 6.0], [0.0, 2.0])])
def test_a_single_wrong_number_gets_no_ratio_diagnosis(got, want):
    assert diagnose(got, want) is None


def test_diagnose_still_names_a_factor_shared_by_many_numbers():
    assert "twice" in diagnose([2.0, 4.0, 6.0], [1.0, 2.0, 3.0])
    assert "nan or inf" in diagnose(np.inf, 1.0)


# 02 mcnemar: an uncapped p got "a factor 2 too many"; without the 2 it got "double it": a loop.

def mcnemar_variant(two_sided, capped, lower_tail):
    def mcnemar(right_a, right_b):
        b, c = int(np.sum(right_a & ~right_b)), int(np.sum(~right_a & right_b))
        n = b + c
        tail = sum(math.comb(n, k) for k in range(min(b, c) + 1)) / 2 ** n
        p = (2 if two_sided else 1) * (tail if lower_tail else 1 - tail)
        return {"b": b, "c": c, "p": min(1.0, p) if capped else p}
    return mcnemar


ADVICE = {"double it": 0, "capped at 1": 1, "the tail at the smaller count": 2}     # words -> the flag they set


@pytest.mark.parametrize("start", [s for s in itertools.product((False, True), repeat=3) if not all(s)])
def test_following_the_mcnemar_advice_reaches_the_right_answer(start, capsys):
    state, seen = start, set()
    while not grade("mcnemar", lambda: EXERCISES["mcnemar"].check(mcnemar_variant(*state))):
        out = capsys.readouterr().out
        likely = out.split("likely:")[1].splitlines()[0]
        advice = [flag for words, flag in ADVICE.items() if words in likely]
        assert len(advice) == 1 and not state[advice[0]], out     # one fix, and one not made yet
        seen.add(state)
        state = tuple(True if i == advice[0] else v for i, v in enumerate(state))
        assert state not in seen and len(seen) <= 3
    assert state == (True, True, True)


def test_an_uncapped_p_is_told_it_is_capped_at_1(capsys):
    out = rejected("mcnemar", mcnemar_variant(True, False, True), capsys)
    assert "p of a classifier against itself" in out and "a p-value is capped at 1" in out, out
    assert "factor 2" not in out
