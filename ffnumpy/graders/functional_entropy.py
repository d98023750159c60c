"""Checks of tutorial 03's exercises: entropy, kl_form, decompose, objective.

Worked examples first (answers written here), finite differences for the
gradient, the library's function last (see forward_forward.py).
"""
import numpy as np

from ..exercise import Exercise, Mismatch, expect, gradient_check, show, with_stand_in
from .. import entropy, losses

LOG8 = np.log(8.0)
TWO_POINT = 0.5 * (1 * np.log(0.5) + 3 * np.log(1.5))   # Ent of (1, 3): mean 2, E[phi log(phi / 2)]


def is_ent(f):
    """Whether f computes Ent (the student's `ent`, `my_entropy`, the library's): two values known here."""
    return np.isclose(f(np.array([1.0, 3.0])), TWO_POINT) and np.isclose(f(np.r_[8.0, np.zeros(7)]), LOG8)


def not_ent(phi, axis=None):
    """The stand-in for Ent: a number of phi with no exact split across and within layers."""
    return np.sqrt(np.mean(np.asarray(phi, dtype=np.float64) ** 3, axis=axis)) + 1.0


def check_entropy(mine):
    """mine(phi : any shape, >= 0) -> Ent(phi) = E[phi log(phi / E phi)], mu uniform."""
    expect(mine(np.full(8, 3.0)), 0.0, "Ent of a constant (3, 3, ..., 3)",
           hints=[(lambda g, w: np.isclose(g, 3 * np.log(3)), "that is E[phi log phi]: divide phi by its mean "
                   "inside the log (a constant carries no entropy)")])
    expect(mine(np.r_[8.0, np.zeros(7)]), LOG8, "Ent of (8, 0, ..., 0) (8 entries, mean 1): log 8",
           hints=[(lambda g, w: np.isclose(g, 8 * LOG8),
                   "that is the sum over the entries: the mean, under mu uniform"),
                  (lambda g, w: np.isclose(g, w / np.log(2)), "that is log 8 in base 2 (bits): Ent uses the "
                   "natural log, np.log (nats)"),
                  (lambda g, w: np.isclose(g, w / np.log(10)), "that is log 8 in base 10: Ent uses the natural "
                   "log, np.log (nats)")])
    expect(mine(np.zeros(5)), 0.0, "Ent of all zeros (0 log 0 = 0)")
    expect(mine(np.array([1.0, 3.0])), TWO_POINT, "Ent of (1, 3)")
    expect(mine(np.array([[1.0, 3.0], [3.0, 1.0]])), TWO_POINT, "Ent of [[1, 3], [3, 1]]: mu runs over all entries",
           hints=[(lambda g, w: np.shape(g) != (), "an array came back: the mean runs over every entry")])
    rng = np.random.default_rng(31)
    phi = rng.exponential(1.0, (50, 3)) * (rng.random((50, 3)) > 0.3)
    expect(mine(phi), entropy.entropy(phi), "Ent of a random (50, 3) phi with zeros, against the library")


def check_kl_form(mine):
    """mine(phi : (n,) >= 0) -> E[phi] KL(q || mu), q = phi / sum phi, mu uniform on the n entries."""
    expect(mine(np.r_[8.0, np.zeros(7)]), LOG8, "(8, 0, ..., 0): E[phi] = 1, q a point mass, KL = log 8",
           hints=[(lambda g, w: not np.isfinite(g), "0 log 0 gave nan: leave the entries with q = 0 out")])
    # phi = (1, 3): E[phi] = 2, q = (1/4, 3/4), KL = 1/4 log(1/2) + 3/4 log(3/2)
    expect(mine(np.array([1.0, 3.0])), TWO_POINT, "(1, 3): E[phi] = 2 times KL((1/4, 3/4) || (1/2, 1/2))",
           hints=[(lambda g, w: np.isclose(g, w / 2), "that is KL alone: multiply it by E[phi] = 2")])
    phi = np.array([1.0, 3.0, 0.0, 4.0])              # E[phi] = 2, q = (1/8, 3/8, 0, 1/2), n q = (1/2, 3/2, 0, 2)
    want = 2.0 * (np.log(0.5) / 8 + 3 * np.log(1.5) / 8 + np.log(2.0) / 2)
    swapped, names = with_stand_in(mine, is_ent, not_ent)
    got = _call(swapped, phi)
    if names and got is not None and not np.allclose(got, want):
        raise Mismatch(f"(1, 3, 0, 4) with {names[0]} replaced by another function: expected {show(want)} "
                       f"(E[phi] KL(q || mu) needs no Ent), got {show(got)}\n"
                       f"  likely: it returns {names[0]}(phi), Ent by its definition, so the identity checks "
                       "nothing: compute q = phi / sum(phi), then E[phi] sum_z q log(n q)")
    rng = np.random.default_rng(32)
    for _ in range(20):
        n = int(rng.integers(2, 50))
        phi = rng.exponential(rng.uniform(0.1, 10), n) * (rng.random(n) > 0.2)
        phi[0] += 0.1
        expect(mine(phi), entropy.entropy_kl_form(phi), f"a random phi of {n} entries, against the library",
               rtol=1e-10, atol=1e-12)


def check_decompose(mine):
    """mine(G : (N, L)) -> {"total", "across", "within"}."""
    G = np.array([[1.0, 3.0], [1.0, 3.0]])            # two layers, each constant over the pairs
    got = mine(G)
    expect(got["across"], TWO_POINT, "across for G = [[1, 3], [1, 3]]: Ent of the layer means (1, 3)",
           hints=[(lambda g, w: np.isclose(g, 0), "across is 0: the means are over the pairs (axis 0), one per layer")])
    expect(got["within"], 0.0, "within for the same G: each layer is constant, so no entropy within",
           hints=[(lambda g, w: np.isclose(g, TWO_POINT), "that is the entropy of each row: within looks down "
                   "each column (one layer, over the pairs)")])
    expect(got["total"], TWO_POINT, "total for the same G: Ent over the four entries (1, 3, 1, 3)")
    G = np.array([[2.0, 0.0], [0.0, 6.0]])
    got = mine(G)
    expect(got["across"] + got["within"], got["total"], "across + within against total for [[2, 0], [0, 6]]",
           hints=[(lambda g, w: True, "the split is exact when within is the plain mean over the layers of "
                   "each layer's Ent over the pairs, and across the Ent of the layer means")])
    _check_no_split_by_subtraction(mine)
    rng = np.random.default_rng(33)
    G = rng.exponential(1.0, (300, 4)) * [0.5, 5.0, 50.0, 0.0]
    got, lib = mine(G), entropy.decompose(G)
    for key in ("total", "across", "within"):
        expect(got[key], lib[key], f"{key} on layers of three scales and a silent one, against the library",
               rtol=1e-9)


DEFINITIONS = {"total": ("total = across + within", "Ent over all N L entries"),
               "across": ("across = total - within", "Ent of the L layer means"),
               "within": ("within = total - across", "the mean over the L columns of each column's Ent")}


def _check_no_split_by_subtraction(mine):
    """Ent's split is exact, so one part computed from the other two gives the right numbers: with
    Ent replaced by not_ent (no exact split), such a part is the one that still closes the sum."""
    G = np.array([[1.0, 4.0, 0.5], [2.0, 0.0, 3.0], [5.0, 1.0, 2.0]])
    swapped, names = with_stand_in(mine, is_ent, not_ent)
    got = _call(swapped, G)
    if not names or got is None:
        return
    stand_in = {"total": not_ent(G), "across": not_ent(G.mean(axis=0)),
                "within": np.mean([not_ent(column) for column in G.T])}
    true = {key: entropy.decompose(G)[key] for key in DEFINITIONS}
    try:
        derived = [key for key in DEFINITIONS if not any(np.isclose(got[key], v[key]) for v in (stand_in, true))]
        closes = bool(np.isclose(got["total"], got["across"] + got["within"]))
    except (TypeError, ValueError, KeyError, IndexError):     # the stand-in's numbers came back in another form
        return
    if derived and closes:
        key = derived[0]
        formula, definition = DEFINITIONS[key]
        raise Mismatch(f"{key} with {names[0]} replaced by another function: expected {show(stand_in[key])} "
                       f"({definition}), got {show(got[key])}, what the other two leave\n"
                       f"  likely: {formula} makes the split exact by construction, so it checks nothing: "
                       f"compute {key} from its definition, {definition}")


def _call(f, *args):
    """f(*args), or None if it raises (a stand-in the student's code does not accept)."""
    try:
        with np.errstate(all="ignore"):
            return f(*args)
    except Exception:
        return None


def check_objective(mine):
    """mine(g, gamma, sign, eps) -> (loss, dL/dg): L = mean over images of -log q(pos)."""
    g, sign = np.array([3.0, 1.0]), np.array([1.0, -1.0])        # one image: a = 3, b = 1, q = 3/4
    loss, dg = mine(g, 0.0, sign, 0.0)
    expect(loss, -np.log(0.75), "the loss of a = 3, b = 1 (eps 0): -log(3/4)",
           hints=[(lambda g_, w: np.isclose(g_, -np.log(0.25)), "that is -log q(neg): the mass belongs on the "
                   "positive pair"),
                  (lambda g_, w: np.isclose(g_, 0.75 * np.log(1.5) + 0.25 * np.log(0.5)),
                   "that is KL(q || mu): symmetric in the two pairs; the loss is -log q(pos)")])
    expect(dg, [-0.25 / 3, 0.25], "dL/dg of the same image: dL/da = -b / (a (a + b)), dL/db = 1 / (a + b)")
    rng = np.random.default_rng(34)
    sign = np.r_[np.ones(6), -np.ones(6)]
    for gamma in (0.0, rng.uniform(0, 3, 12)):                   # FF, then CFF
        g = rng.uniform(0.05, 5, 12)
        loss, dg = mine(g, gamma, sign, 0.5)
        gradient_check(dg, lambda v: mine(v, gamma, sign, 0.5)[0], g, what="dL/dg")
        expect(loss, losses.entropy_objective(g, gamma, sign, 0.5)[0], "the loss of 6 images, against the library",
               hints=[(lambda g_, w: np.isclose(g_, 6 * w), "that is the sum over the images: the mean")])


EXERCISES = {"entropy": Exercise(check_entropy, lambda: entropy.entropy),
             "kl_form": Exercise(check_kl_form, lambda: entropy.entropy_kl_form),
             "decompose": Exercise(check_decompose, lambda: entropy.decompose),
             "objective": Exercise(check_objective, lambda: losses.entropy_objective)}
