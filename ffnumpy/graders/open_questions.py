"""Checks of tutorial 04's exercises: task_negatives, probe_grads, forgetting, alpha_grad.

Worked examples first (answers written here), finite differences and counts
next, the library's function last (see forward_forward.py).
"""
import numpy as np

from ..exercise import Exercise, Mismatch, expect, gradient_check, library_version
from .. import losses, negatives


def check_task_negatives(mine):
    """mine(y, classes, rng) -> (N,) wrong labels, uniform over the task's other labels."""
    rng = np.random.default_rng(41)
    for task in ((5, 6, 7, 8, 9), (2, 3), (9, 0, 4)):
        y = rng.choice(task, size=30_000)
        y_neg = np.asarray(mine(y, task, rng))
        expect(y_neg.shape, y.shape, f"the shape of the negatives for task {task}")
        if np.any(y_neg == y):
            raise Mismatch(f"task {task}: expected no negative equal to its true label, got {np.sum(y_neg == y)} "
                           f"of {len(y)}\n"
                           "  likely: draw among the K - 1 other labels, not all K")
        outside = sorted(set(np.unique(y_neg).tolist()) - set(task))
        if outside:
            raise Mismatch(f"task {task}: expected labels of the task only, got {outside} too\n"
                           "  likely: labels outside the task: draw from `classes`, "
                           "not from 0..9")
        for label in task:                     # each other label equally likely: 1 / (K - 1)
            others = sorted(set(task) - {label})
            share = np.bincount(y_neg[y == label], minlength=10)[others] / np.sum(y == label)
            expect(share, np.full(len(others), 1 / (len(task) - 1)), f"task {task}, true label {label}: the "
                   f"shares of the wrong labels {others}", atol=0.03,
                   hints=[(lambda g, w: g.max() - g.min() > 0.1, "some wrong labels are drawn more often than "
                           "others: each must have probability 1 / (K - 1)")])
    try:
        mine(np.array([3]), (0, 1), rng)
    except ValueError:
        return
    raise Mismatch("a label outside the task (3 in task (0, 1)): expected a ValueError, got none\n"
                   "  likely: check that every y is one of `classes` before drawing")


def check_probe_grads(mine):
    """mine(V, c, f, y) -> (loss, dV : (M, 10), dc : (10,)) of softmax(f V + c) against y."""
    f, V, c, y = np.array([[1.0, 0.0], [0.0, 2.0]]), np.zeros((2, 10)), np.zeros(10), np.array([3, 7])
    loss, dV, dc = mine(V, c, f, y)
    # all logits 0: softmax = 0.1 everywhere, loss = log 10; dlogits = (0.1 - onehot) / 2
    expect(loss, np.log(10), "the loss with V = 0, c = 0: every class 1/10, log 10",
           hints=[(lambda g, w: np.isclose(g, 2 * w), "that is the sum over the 2 images: the mean")])
    want_dc = np.full(10, 0.1)
    want_dc[[3, 7]] -= 0.5
    expect(dc, want_dc, "dc with V = 0, c = 0, y = (3, 7): sum over images of (softmax - onehot) / N",
           hints=[(lambda g, w: np.allclose(g, -w), "the sign is flipped: the gradient of the loss is "
                   "softmax - onehot, not onehot - softmax")])
    rng = np.random.default_rng(42)
    f, V, c, y = rng.standard_normal((9, 6)), rng.standard_normal((6, 10)), rng.standard_normal(10), \
        rng.integers(0, 10, 9)
    loss, dV, dc = mine(V, c, f, y)
    gradient_check(dV, lambda v: mine(v, c, f, y)[0], V, what="dV")
    gradient_check(dc, lambda v: mine(V, v, f, y)[0], c, what="dc")
    logits = f @ (V * 1e4) + c                          # logits 1e4 apart: p[y] is e^-16000 or less
    z = logits - logits.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    expect(mine(V * 1e4, c, f, y)[0], -log_p[np.arange(len(y)), y].mean(), "the loss at logits near 1e4",
           rtol=1e-6, hints=[(lambda g, w: np.isnan(g), "exp overflowed (inf / inf = nan): subtract each row's "
                              "largest logit first, then take log p = z - log sum exp(z) (log-softmax)"),
                             (lambda g, w: np.isinf(g), "p[y] underflowed to 0 and -log 0 = inf: never take the "
                              "log of p; take log p = z - log sum exp(z) with z = logits - max (log-softmax)"),
                             (lambda g, w: g < w, "a floor on p (log(p + eps) or a clip) caps the loss: take "
                              "log p = z - log sum exp(z) with z = logits - max (log-softmax)")])
    expect(loss, library_probe_grads()(V, c, f, y)[0], "the loss on random inputs, against the library")


def library_probe_grads():
    return library_version("ffnumpy.studies.probe:probe_loss_and_grads")


def check_forgetting(mine):
    """mine(A : (K, K)) -> K - 1 floats: for task j, max over j <= k < K-1 of A[k][j], minus A[K-1][j]."""
    example = [[90, 0, 0], [60, 80, 0], [70, 50, 95]]       # task 0: best 90 -> 70; task 1: best 80 -> 50
    expect(mine(example), [20.0, 30.0], "the 3-task example [[90, 0, 0], [60, 80, 0], [70, 50, 95]]",
           hints=[(lambda g, w: np.allclose(g, [-20, -30]), "the sign: forgetting is best before minus at the end"),
                  (lambda g, w: np.allclose(g, [30, 30]), "that compares with the accuracy just after learning "
                   "the task: forgetting starts from the best accuracy since it was learned")])
    before = [[90, 60, 0], [80, 50, 0], [70, 40, 95]]      # task 1 scored 60 before it was learned
    expect(mine(before), [20.0, 10.0], "[[90, 60, 0], [80, 50, 0], [70, 40, 95]]: task 1 learned at row 1 (50)",
           hints=[(lambda g, w: np.allclose(g, [20, 20]), "count rows k >= j only: before task j was learned "
                   "its accuracy means nothing")])
    expect(mine([[50, 0], [20, 70]]), [30.0], "two tasks: [[50, 0], [20, 70]]")
    improved = [[50, 0, 0], [60, 80, 0], [70, 50, 95]]     # task 0: best 60 before the last task, 70 at the end
    expect(mine(improved), [-10.0, 30.0], "[[50, 0, 0], [60, 80, 0], [70, 50, 95]]: task 0 improves at the end",
           hints=[(lambda g, w: np.allclose(g, np.maximum(w, 0)), "forgetting is negative when a task ends better "
                   "than ever before (task 0: 60, then 70): take the best over rows j..K-2 only, not the last "
                   "row, and do not clip at 0")])
    rng = np.random.default_rng(43)
    for K in (4, 5):
        A = rng.uniform(0, 100, (K, K))
        expect(mine(A), library_version("ffnumpy.studies.continual:forgetting")(A),
               f"a random {K} x {K} matrix",
               hints=[(lambda g, w: np.any(g > w), "count rows k >= j only: before task j was learned its "
                       "accuracy means nothing")])


def check_alpha_grad(mine):
    """mine(dg, G, theta, i) -> (L,): entry t = sum_n dg[n] (G[n, t] - theta[t]), entry i = 0."""
    dg, G, theta = np.array([1.0, 0.5]), np.array([[2.0, 5.0, 1.0], [1.0, 3.0, 4.0]]), np.array([1.0, 2.0, 3.0])
    # G - theta = [[1, 3, -2], [0, 1, 1]]; dg @ (G - theta) = [1, 3.5, -1.5]; layer 1 (i = 1) gets no alpha_11
    expect(mine(dg, G, theta, 1), [1.0, 0.0, -1.5], "the worked example, layer i = 1",
           hints=[(lambda g, w: np.allclose(g, [1, 3.5, -1.5]), "alpha_ii is not a weight: entry i must be 0"),
                  (lambda g, w: np.allclose(g, [2.5, 0, 3]),
                   "the threshold is missing: ds_i/dalpha_it = g_t - theta_t"),
                  (lambda g, w: np.allclose(g, [0.5, 0, -0.75]), "dg is already divided by N: sum over n, "
                   "do not average again"),
                  (lambda g, w: np.allclose(g, [0, 3.5, -1.5]), "entry 0 is 0, not entry 1: i counts from 0 "
                   "(i = 1 is the second layer), so zero entry i, not i - 1")])
    rng = np.random.default_rng(44)
    N, L = 8, 4
    G, theta, sign = rng.uniform(0, 6, (N, L)), np.array([3.0, 2.5, 4.0, 3.5]), np.repeat([1.0, -1.0], N // 2)
    for i in range(L):
        def loss(alpha):                                    # L_i(alpha_i), g_t held constant
            s = G[:, i] - theta[i] + (G - theta) @ np.where(np.arange(L) == i, 0.0, alpha)
            return np.mean(np.logaddexp(0.0, -sign * s))
        alpha = rng.uniform(0.5, 1.5, L)
        s = G[:, i] - theta[i] + (G - theta) @ np.where(np.arange(L) == i, 0.0, alpha)
        dg = -sign / (1.0 + np.exp(sign * s)) / N           # dL/ds per pair
        grad = np.asarray(mine(dg, G, theta, i), dtype=np.float64)
        gradient_check(grad, loss, alpha, what=f"dL_{i}/dalpha_{i}t")
        expect(grad, losses.learned_gamma_grad(dg, G, theta, i), f"layer {i}, against the library")


EXERCISES = {"task_negatives": Exercise(check_task_negatives, lambda: negatives.wrong_labels_among),
             "probe_grads": Exercise(check_probe_grads, library_probe_grads),
             "forgetting": Exercise(check_forgetting, lambda: library_version("ffnumpy.studies.continual:forgetting")),
             "alpha_grad": Exercise(check_alpha_grad, lambda: losses.learned_gamma_grad)}
