"""Negative pairs: the image with a wrong label.

A negative label is drawn uniformly from the 9 *wrong* labels, never the true
one. (Much popular FF code shuffles the labels instead, which leaves about 10%
of its "negatives" with the true label: positives trained to look negative.)

Hard negatives, as in Hinton's code: the wrong label is drawn in proportion to
how much the network currently believes it, softmax over the labels of the
accumulated goodness, with the true label's probability set to 0. They cost
ten extra forward passes of the batch.
"""
import numpy as np

from .network import NUM_CLASSES


def random_wrong_labels(y, rng):
    """y : (N,) true labels  ->  (N,) labels, uniform over the 9 wrong ones."""
    return (y + rng.integers(1, NUM_CLASSES, size=len(y))) % NUM_CLASSES


def hard_wrong_labels(scores, y, rng):
    """Wrong labels drawn from softmax(scores) with the true label excluded.

    scores : (N, 10) goodness summed over layers for every label, y : (N,)
    returns (N,) labels
    """
    logits = scores - scores.max(axis=1, keepdims=True)
    p = np.exp(logits)
    p[np.arange(len(y)), y] = 0
    cdf = np.cumsum(p, axis=1)
    u = rng.random((len(y), 1)) * cdf[:, -1:]  # u < total, so the index is a label with p > 0
    return (cdf <= u).sum(axis=1)
