"""Every exercise's check passes a right answer and fails typical wrong ones with a
hint that names the mistake (the sentence after "likely:"), before any comparison
with the library (which would only say "differs")."""
import math

import numpy as np
import pytest

from ffnumpy.exercise import grade
from ffnumpy.graders import EXERCISES
from ffnumpy.losses import sigmoid, softplus


def softmax_loss(V, c, f, y, sign=1.0):
    z = f @ V + c
    z = z - z.max(1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(1, keepdims=True))
    n = len(y)
    d = np.exp(log_p)
    d[np.arange(n), y] -= 1
    d = sign * d / n
    return -log_p[np.arange(n), y].mean(), f.T @ d, d.sum(0)


def mcnemar(a, b, two_sided=True):
    b_, c_ = int(np.sum(a & ~b)), int(np.sum(~a & b))
    n = b_ + c_
    tail = sum(math.comb(n, k) for k in range(min(b_, c_) + 1)) / 2 ** n
    return {"b": b_, "c": c_, "p": min(1.0, (2 if two_sided else 1) * tail)}


def ent(phi):
    phi = np.asarray(phi, float)
    m = phi.mean()
    return np.mean(np.where(phi > 0, phi * np.log(np.where(phi > 0, phi, 1) / (m if m > 0 else 1)), 0.0))


def kl_form(phi):
    phi = np.asarray(phi, float)
    q = phi / phi.sum()
    return phi.mean() * np.sum(q[q > 0] * np.log(q[q > 0] * len(phi)))


def cumulative_gamma(G, theta, mode):
    if mode == "none":
        return np.zeros_like(G), theta
    if mode == "previous":                       # inclusive: counts layer i itself
        return np.cumsum(G, 1), np.cumsum(theta)
    return G.sum(1, keepdims=True) - G, np.full_like(theta, theta.sum())


def random_all_labels(y, classes, rng):          # ignores the task
    y_neg = (y + rng.integers(1, 10, len(y))) % 10
    return y_neg


def forgetting_from_row_0(A):
    A = np.asarray(A, float)
    return [float(A[:len(A) - 1, j].max() - A[-1, j]) for j in range(len(A) - 1)]


# name -> (a right answer, [(a typical wrong answer, words its hint must contain)])
CASES = {
    "goodness": ((lambda h: np.sum(h * h, axis=1), lambda dg, h: dg[:, None] * 2 * h),
                 [((lambda h: np.sum(h * h, axis=1), lambda dg, h: dg[:, None] * h), "factor 2 is missing"),
                  ((lambda h: np.sum(h, axis=1), lambda dg, h: dg[:, None] * 2 * h), "square each unit"),
                  ((lambda h: np.sum(h * h, axis=0), lambda dg, h: dg[:, None] * 2 * h), "sum over the units")]),
    "ff_loss": (lambda g, theta, sign: (np.mean(softplus(-sign * (g - theta))),
                                        -sign * sigmoid(-sign * (g - theta)) / len(g)),
                [(lambda g, theta, sign: (np.mean(softplus(sign * (g - theta))),
                                          sign * sigmoid(sign * (g - theta)) / len(g)), "signs are swapped"),
                 (lambda g, theta, sign: (np.mean(softplus(-sign * (g - theta))),
                                          -sign * sigmoid(-sign * (g - theta))), "a sum where a mean"),
                 (lambda g, theta, sign: (np.mean(np.log(1 + np.exp(-sign * (g - theta)))),
                                          -sign * sigmoid(-sign * (g - theta)) / len(g)), "use softplus")]),
    "layer_backward": (lambda dh, cache: (cache[0].T @ (dh * (cache[1] > 0)), (dh * (cache[1] > 0)).sum(0)),
                       [(lambda dh, cache: (cache[0].T @ dh, dh.sum(0)), "gate is missing"),
                        (lambda dh, cache: ((dh * (cache[1] > 0)).T @ cache[0], (dh * (cache[1] > 0)).sum(0)),
                         "transposed")]),
    "gamma": (lambda G, theta, mode: (EXERCISES["gamma"].library())(G, theta, mode),
              [(cumulative_gamma, "inclusive prefix sum")]),
    "cff_loss": (lambda g, gamma, Theta, sign: (np.mean(softplus(-sign * (g + gamma - Theta))),
                                                -sign * sigmoid(-sign * (g + gamma - Theta)) / len(g)),
                 [(lambda g, gamma, Theta, sign: (np.mean(softplus(-sign * (g - gamma - Theta))),
                                                  -sign * sigmoid(-sign * (g - gamma - Theta)) / len(g)),
                   "gamma adds to g")]),
    "marginal": (lambda per_layer, prefix: {"per_layer": per_layer, "prefix": prefix,
                                            "marginal": [p - e for p, e in zip([90.0] + prefix[:-1], prefix)]},
                 [(lambda per_layer, prefix: {"per_layer": per_layer, "prefix": prefix, "marginal":
                                              [p - e for p, e in zip([90.0] + per_layer[:-1], per_layer)]},
                   "compare single layers"),
                  (lambda per_layer, prefix: {"per_layer": per_layer, "prefix": prefix, "marginal":
                                              [p - e for p, e in zip([100.0] + prefix[:-1], prefix)]},
                   "not 100%")]),
    "mcnemar": (mcnemar, [(lambda a, b: mcnemar(a, b, two_sided=False), "one-sided p"),
                          (lambda a, b: mcnemar(b, a), "swapped")]),
    "entropy": (ent, [(lambda phi: np.mean(np.where(np.asarray(phi) > 0, phi * np.log(np.where(
                    np.asarray(phi) > 0, phi, 1)), 0)), "divide phi by its mean"),
                      (lambda phi: np.size(phi) * ent(phi), "the sum over the entries")]),
    "kl_form": (kl_form, [(lambda phi: ent(phi) / np.mean(phi), "multiply it by E[phi]"),
                          (lambda phi: ent(phi), "it returns ent(phi)")]),
    "decompose": (lambda G: {"total": ent(G), "across": ent(G.mean(0)),
                             "within": float(np.mean([ent(c) for c in G.T]))},
                  [(lambda G: {"total": ent(G), "across": ent(G.mean(0)),
                               "within": float(np.mean([ent(r) for r in G]))}, "each row")]),
    "objective": (lambda g, gamma, sign, eps: EXERCISES["objective"].library()(g, gamma, sign, eps),
                  [(lambda g, gamma, sign, eps: (lambda a, b: (np.mean(np.log(a + b) - np.log(b)), None))(
                      *np.split(g + gamma + eps, 2)), "-log q(neg)")]),
    "task_negatives": (lambda y, classes, rng: EXERCISES["task_negatives"].library()(y, classes, rng),
                       [(random_all_labels, "labels outside the task")]),
    "probe_grads": (softmax_loss, [(lambda V, c, f, y: softmax_loss(V, c, f, y, sign=-1.0), "sign is flipped")]),
    "forgetting": (lambda A: EXERCISES["forgetting"].library()(A),
                   [(forgetting_from_row_0, "rows k >= j only"),
                    (lambda A: [-v for v in EXERCISES["forgetting"].library()(A)], "the sign")]),
    "alpha_grad": (lambda dg, G, theta, i: np.where(np.arange(G.shape[1]) == i, 0.0, dg @ (G - theta)),
                   [(lambda dg, G, theta, i: dg @ (G - theta), "entry i must be 0"),
                    (lambda dg, G, theta, i: np.where(np.arange(G.shape[1]) == i, 0.0, dg @ G),
                     "threshold is missing")]),
}


def test_every_exercise_is_covered():
    assert set(CASES) | {"network_step"} == set(EXERCISES)      # network_step: its own test below


@pytest.mark.filterwarnings("ignore:overflow encountered")     # a wrong answer's exp(800)
@pytest.mark.parametrize("name", sorted(CASES))
def test_right_answer_passes_and_wrong_ones_get_their_hint(name, capsys):
    right, wrongs = CASES[name]
    assert grade(name, lambda: EXERCISES[name].check(right)), capsys.readouterr().out
    for wrong, hint in wrongs:
        assert not grade(name, lambda: EXERCISES[name].check(wrong))
        out = capsys.readouterr().out
        assert "likely:" in out and hint in out, out
        assert "expected" in out and "against the library" not in out.splitlines()[0], out


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_library_version_passes_its_own_check(name):
    EXERCISES[name].check(EXERCISES[name].library())


def test_network_step_names_the_mistakes_and_the_curve_check_fails_a_flat_curve(capsys):
    from ffnumpy.graders.forward_forward import check_learning, reference_step
    check = EXERCISES["network_step"].check
    assert grade("step", lambda: check(reference_step))

    def staged(params, pairs, sign, lr):
        return reference_step(params, pairs, sign, lr, frozen_forward=False)

    def ascent(params, pairs, sign, lr):
        return reference_step(params, pairs, sign, -lr)
    for wrong, hint in ((staged, "one forward pass"), (ascent, "climbs the loss")):
        assert not grade("step", lambda: check(wrong))
        assert hint in capsys.readouterr().out
    check_learning(np.c_[np.linspace(5, 1, 50), np.linspace(7, 3, 50)])
    assert not grade("curve", lambda: check_learning(np.c_[np.linspace(5, 1, 50), np.full(50, 7.0)]))
    assert "expected the last 10 steps below" in capsys.readouterr().out
