"""What each layer contributes (the paper's Figure 2), and the goodness
entropies of a trained network (Figure 4).

    error of layer k alone        prediction from g_k only
    error of the prefix 1..k      prediction from g_1 + ... + g_k
    marginal contribution of k    error(prefix 1..k-1) - error(prefix 1..k)

A positive marginal contribution means adding layer k lowers the error. For
layer 1 the comparison is with guessing (90% error on ten balanced classes).
"""
import numpy as np

from .entropy import goodness_entropies
from .evaluate import evaluate
from .negatives import random_wrong_labels

CHANCE = 90.0


def contributions(per_layer, prefix):
    """dict of per_layer, prefix and marginal errors (all in %) from two lists of length L."""
    previous = [CHANCE] + list(prefix[:-1])
    return {"per_layer": list(per_layer), "prefix": list(prefix),
            "marginal": [p - e for p, e in zip(previous, prefix)]}


def analyze(net, x, y, seed=0, predict="all", entropy_size=2000):
    """Per-layer errors and goodness entropies of a network on a test set.

    x : (N, D) images, y : (N,) labels
    The entropies use the first `entropy_size` images, with wrong labels drawn
    from np.random.default_rng([seed, 3]).
    """
    errors = evaluate(net, x, y, predict=predict)
    xs, ys = x[:entropy_size], y[:entropy_size]
    y_neg = random_wrong_labels(ys, np.random.default_rng([seed, 3]))
    return {"test_error": errors["error"], **contributions(errors["per_layer"], errors["prefix"]),
            "entropy": goodness_entropies(net, xs, ys, y_neg)}


def verdict(ff, cff):
    """One sentence per method on the paper's finding, from two contributions() dicts."""
    def describe(name, c):
        later = c["marginal"][1:]
        if all(m > 0 for m in later):
            return f"{name}: every later layer lowers the error (marginal contributions {_fmt(later)})"
        hurting = [k + 2 for k, m in enumerate(later) if m <= 0]
        return f"{name}: layer(s) {hurting} do not lower the error (marginal contributions {_fmt(later)})"
    return [describe("FF", ff), describe("CFF", cff)]


def _fmt(values):
    return "[" + ", ".join(f"{v:+.2f}" for v in values) + "] points"
