"""Checks of tutorial 03's exercises: entropy, kl_form, decompose, objective.

Worked examples first (answers written here), finite differences for the
gradient, the library's function last (see forward_forward.py).
"""
import numpy as np

from ..exercise import Exercise, expect, gradient_check
from .. import entropy, losses

LOG8 = np.log(8.0)
TWO_POINT = 0.5 * (1 * np.log(0.5) + 3 * np.log(1.5))   # Ent of (1, 3): mean 2, E[phi log(phi / 2)]


def check_entropy(mine):
    """mine(phi : any shape, >= 0) -> Ent(phi) = E[phi log(phi / E phi)], mu uniform."""
    expect(mine(np.full(8, 3.0)), 0.0, "Ent of a constant (3, 3, ..., 3)",
           hints=[(lambda g, w: np.isclose(g, 3 * np.log(3)), "that is E[phi log phi]: divide phi by its mean "
                   "inside the log (a constant carries no entropy)")])
    expect(mine(np.r_[8.0, np.zeros(7)]), LOG8, "Ent of (8, 0, ..., 0) (8 entries, mean 1): log 8",
           hints=[(lambda g, w: np.isclose(g, 8 * LOG8),
                   "that is the sum over the entries: the mean, under mu uniform")])
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
    rng = np.random.default_rng(33)
    G = rng.exponential(1.0, (300, 4)) * [0.5, 5.0, 50.0, 0.0]
    got, lib = mine(G), entropy.decompose(G)
    for key in ("total", "across", "within"):
        expect(got[key], lib[key], f"{key} on layers of three scales and a silent one, against the library",
               rtol=1e-9)


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
