"""Checks of tutorial 02's exercises: gamma, cff_loss, marginal, mcnemar.

Worked examples first (answers written here), finite differences for the
gradient, the library's function last (see forward_forward.py).
"""
import math

import numpy as np

from ..exercise import Exercise, expect, gradient_check, library_version
from .. import evaluate, losses

G = np.array([[1.0, 2.0, 4.0]])          # one pair, three layers
THETA = np.array([1.0, 1.0, 1.0])
WORKED = {"none": ([[0.0, 0.0, 0.0]], [1.0, 1.0, 1.0]),        # gamma_i = 0,               Theta_i = theta_i
          "previous": ([[0.0, 1.0, 3.0]], [1.0, 2.0, 3.0]),    # gamma_i = sum_{t<i} g_t,   Theta_i = sum_{t<=i}
          "all": ([[6.0, 5.0, 3.0]], [3.0, 3.0, 3.0])}         # gamma_i = sum_{t!=i} g_t,  Theta_i = sum_t
UNEQUAL = {"none": [1.0, 2.0, 3.0], "previous": [1.0, 3.0, 6.0], "all": [6.0, 6.0, 6.0]}   # Theta for theta = (1, 2, 3)


def check_gamma(mine):
    """mine(G : (N, L), theta : (L,), mode) -> (gamma : (N, L), Theta : (L,))."""
    for mode, (gamma, Theta) in WORKED.items():
        got_gamma, got_Theta = mine(G, THETA, mode)
        expect(got_gamma, gamma, f"gamma for g = [1, 2, 4], mode {mode!r}",
               hints=[(lambda got, want: np.allclose(got, np.cumsum(G, 1)), "that is the inclusive prefix sum: "
                       "gamma(<t) leaves layer i's own goodness out"),
                      (lambda got, want: np.allclose(got, G.sum(1, keepdims=True) + 0 * G),
                       "every layer got the total: gamma_i leaves layer i's own goodness out")])
        expect(got_Theta, Theta, f"Theta for theta = [1, 1, 1], mode {mode!r}",
               hints=[(lambda got, want: np.allclose(got, THETA), "Theta must add the thresholds of the layers "
                       "whose goodness gamma adds (s compares g + gamma with their thresholds)")])
    theta = np.array([1.0, 2.0, 3.0])                 # unequal: L theta_i and sum_t theta_t now differ
    for mode, Theta in UNEQUAL.items():
        expect(mine(G, theta, mode)[1], Theta, f"Theta for theta = [1, 2, 3], mode {mode!r}",
               hints=[(lambda got, want: np.allclose(got, len(theta) * theta), "that is L theta_i: Theta_i adds "
                       "the thresholds of the layers in gamma_i, each its own theta_t (with theta = (1, 1, 1) the "
                       "two agree)"),
                      (lambda got, want: np.allclose(got, np.arange(1, 4) * theta), "that is i theta_i: Theta_i "
                       "adds theta_1 + ... + theta_i, each layer its own threshold"),
                      (lambda got, want: np.allclose(got, theta), "Theta must add the thresholds of the layers "
                       "whose goodness gamma adds (s compares g + gamma with their thresholds)")])
    rng = np.random.default_rng(21)
    G_, theta = rng.uniform(0, 10, (20, 4)), rng.uniform(3, 7, 4)
    for mode in WORKED:
        got, want = mine(G_, theta, mode), losses.collaboration_terms(G_, theta, mode)
        expect(got[0], want[0], f"gamma on random goodness, mode {mode!r}, against the library")
        expect(got[1], want[1], f"Theta for random theta, mode {mode!r}, against the library")


def check_cff_loss(mine):
    """mine(g, gamma, Theta, sign) -> (loss, dL/dg)."""
    g, gamma, Theta = np.array([6.0, 2.0, 5.0, 1.0]), np.array([1.0, 3.0, 0.0, 2.0]), 5.0
    sign = np.array([1.0, -1.0, -1.0, 1.0])
    s = g + gamma - Theta                                        # [2, 0, 0, -2]
    loss, dg = mine(g, gamma, Theta, sign)
    expect(loss, np.mean(np.log1p(np.exp(-sign * s))), "the loss of the worked example (s = 2, 0, 0, -2)",
           hints=[(lambda got, want: np.isclose(got, np.mean(np.log1p(np.exp(-sign * (g - gamma - Theta))))),
                   "gamma adds to g: s = g + gamma - Theta"),
                  (lambda got, want: np.isclose(got, np.mean(np.log1p(np.exp(-sign * (g - Theta))))),
                   "gamma is missing from s"),
                  (lambda got, want: np.isclose(got, np.mean(np.log1p(np.exp(sign * s)))),
                   "the signs are swapped: a positive pair's loss is softplus(-s)")])
    expect(dg, -sign / (1 + np.exp(sign * s)) / 4, "dL/dg on the worked example")
    gradient_check(dg, lambda v: mine(v, gamma, Theta, sign)[0], g, what="dL/dg")
    rng = np.random.default_rng(22)
    g, gamma, sign = rng.uniform(0, 20, 12), rng.uniform(0, 20, 12), np.repeat([1.0, -1.0], 6)
    expect(mine(g, gamma, 20.0, sign)[0], losses.ff_loss(g, gamma, 20.0, sign)[0],
           "the loss on random pairs, against the library")


def library_cff_loss():
    return losses.ff_loss


def check_marginal(mine):
    """mine(per_layer, prefix) -> {"per_layer", "prefix", "marginal"} (lists of L errors, %)."""
    per_layer, prefix = [5.0, 3.0, 4.0], [5.0, 2.5, 3.0]
    got = mine(per_layer, prefix)
    # marginal of layer k = error(layers 1..k-1) - error(layers 1..k); before layer 1: guessing, 90%
    expect(got["marginal"], [85.0, 2.5, -0.5], "the marginals of per_layer [5, 3, 4], prefix [5, 2.5, 3]",
           hints=[(lambda g, w: np.allclose(g, [85, 2, -1]), "those compare single layers: the marginal of "
                   "layer k compares layers 1..k-1 with layers 1..k (the prefix errors)"),
                  (lambda g, w: np.allclose(g, [95, 2.5, -0.5]), "before any layer the network guesses: "
                   f"{evaluate.CHANCE:g}% error with 10 classes, not 100%"),
                  (lambda g, w: np.allclose(g, [2.5, -0.5]), "layer 1 has a marginal too: against guessing"),
                  (lambda g, w: np.allclose(g[1:], w[1:]) and np.isclose(g[0], prefix[-1] - prefix[0]),
                   "layer 1's marginal compares with prefix[-1], the last layer (Python's index -1): before "
                   f"layer 1 the network guesses, {evaluate.CHANCE:g}%"),
                  (lambda g, w: np.allclose(g[:-1], w[1:]), "shifted by one layer: entry 0 holds layer 2's "
                   "marginal; entry k - 1 is layer k's, so entry 0 is guessing minus the error of layer 1"),
                  (lambda g, w: np.allclose(g[1:], w[:-1]), "shifted by one layer: entry k holds layer k's "
                   "marginal; Python counts from 0, so layer k's goes in entry k - 1 and layer 1's in entry 0")])
    expect(got["prefix"], prefix, "the prefix errors, passed through")
    expect(got["per_layer"], per_layer, "the per-layer errors, passed through")
    expect(mine([9.1, 8.0], [9.1, 7.5])["marginal"], evaluate.contributions([9.1, 8.0], [9.1, 7.5])["marginal"],
           "two layers, against the library")


def library_marginal():
    return evaluate.contributions


CAPPED = (lambda g, w: g > 1, "a p-value is capped at 1: p = min(1, 2 P(X <= min(b, c)))")


def check_mcnemar(mine):
    """mine(right_a, right_b) -> {"b", "c", "p"}: exact two-sided McNemar test."""
    right_a = np.array([True] * 10 + [False] * 2 + [True] * 5 + [False] * 3)   # only A: 10; only B: 2; both: 5
    right_b = np.array([False] * 10 + [True] * 2 + [True] * 5 + [False] * 3)
    got = mine(right_a, right_b)
    expect([got["b"], got["c"]], [10, 2], "b, c (images only A gets right, only B gets right)",
           hints=[(lambda g, w: np.allclose(g, [2, 10]), "b and c are swapped: b counts the images only A gets right"),
                  (lambda g, w: np.allclose(g, [15, 7]), "those count every image each gets right: only the "
                   "images on which the two disagree matter")])
    p = 2 * sum(math.comb(12, k) for k in range(3)) / 2 ** 12            # 2 P(X <= 2), X ~ Binomial(12, 1/2)
    upper = "the p-value is the tail at the smaller count, P(X <= min(b, c)), not P(X > min(b, c))"
    expect(got["p"], p, "p for b = 10, c = 2", rtol=1e-6,
           hints=[(lambda g, w: np.isclose(g, w / 2), "that is the one-sided p: the test is two-sided, double it"),
                  (lambda g, w: np.isclose(g, 1 - w / 2), "that is P(X > 2): " + upper),
                  (lambda g, w: np.isclose(g, 2 - w), "that is 2 P(X > 2): " + upper),
                  (lambda g, w: np.isclose(g, 1.0), "p = 1 says the counts do not differ at all, but b = 10 "
                   "against c = 2 do: " + upper),
                  CAPPED])
    same = mine(right_a, right_a)
    expect(same["p"], 1.0, "p of a classifier against itself (b = c = 0)", hints=[CAPPED])
    tie = mine(np.array([True, False]), np.array([False, True]))
    expect(tie["p"], 1.0, "p for b = c = 1 (2 P(X <= 1) = 1.5 is capped at 1)", hints=[CAPPED])
    rng = np.random.default_rng(23)
    a, b = rng.random(300) < 0.9, rng.random(300) < 0.8
    expect(mine(a, b)["p"], library_mcnemar()(a, b)["p"], "p on random answers, against the library", rtol=1e-6)


def library_mcnemar():
    return library_version("ffnumpy.studies.stats:mcnemar")     # the evidence wing: imported only here


EXERCISES = {"gamma": Exercise(check_gamma, lambda: losses.collaboration_terms),
             "cff_loss": Exercise(check_cff_loss, library_cff_loss),
             "marginal": Exercise(check_marginal, library_marginal),
             "mcnemar": Exercise(check_mcnemar, library_mcnemar)}
