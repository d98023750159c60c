"""Graded exercises for the tutorials.

A student cell defines a function (it starts as `raise NotImplementedError`);
the cell after it grades it with a check the library already has (gradcheck,
or a comparison with the library's own function), then hands the rest of the
notebook either the student's version (passed) or the library's (not done,
or not right yet), so an unsolved exercise never breaks the notebook:

    def my_goodness(h):
        raise NotImplementedError          # your code here
    goodness = use("goodness", my_goodness, library_goodness,
                   check=lambda f: np.testing.assert_allclose(f(h), library_goodness(h)))
"""


def grade(name, check):
    """Run check(); print one line: passed, not done yet, or not right yet (and why).

    check : callable; raises NotImplementedError (the student has not written
            it), any other exception (wrong), or returns (right)
    returns True if it passed
    """
    try:
        check()
    except NotImplementedError:
        print(f"[{name}] not done yet: the rest of the notebook uses the library's version")
        return False
    except Exception as err:                      # a wrong answer: say why, in a few lines
        reason = (str(err).strip() or type(err).__name__).splitlines()
        print(f"[{name}] not right yet: {' / '.join(line.strip() for line in reason[:4] if line.strip())}")
        print(f"[{name}] the rest of the notebook uses the library's version")
        return False
    print(f"[{name}] passed")
    return True


def use(name, mine, library, check):
    """grade(name, lambda: check(mine)); returns `mine` if it passed, else `library`."""
    return mine if grade(name, lambda: check(mine)) else library
