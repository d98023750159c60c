"""The checks of the tutorials' exercises, one module per notebook, and `use`,
which grades a student's function and hands the notebook the right version.

    from ffnumpy.graders import use
    goodness = use("goodness", goodness)     # the student's if it passed, else the library's

The library's version of an exercise is imported by `use` only after the
grading: a notebook never holds it before its student cell is graded.
"""
from ..exercise import grade
from . import collaborative, forward_forward, functional_entropy, open_questions

EXERCISES = {**forward_forward.EXERCISES, **collaborative.EXERCISES, **functional_entropy.EXERCISES,
             **open_questions.EXERCISES}


def use(name, mine, exercises=None):
    """Grade `mine` with exercise `name`'s check: returns `mine` if it passed, else the
    library's version.   exercises : {name: exercise.Exercise}, default EXERCISES"""
    exercise = (EXERCISES if exercises is None else exercises)[name]
    return mine if grade(name, lambda: exercise.check(mine)) else exercise.library()
