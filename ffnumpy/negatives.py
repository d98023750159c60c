"""Negative pairs: the image with a wrong label.

A negative label is drawn uniformly from the 9 *wrong* labels, never the true
one. (Much popular FF code shuffles the labels instead, which leaves about 10%
of its "negatives" with the true label: positives trained to look negative.)

Hard negatives from the goodness (negatives="hard"): the wrong label is drawn
in proportion to how much the network currently believes it, softmax over the
labels of the accumulated goodness, with the true label's probability set to 0.
They cost ten extra forward passes of the batch. Hinton's code draws them from
its softmax readout instead (negatives="readout", readout.py): one pass.
"""
import numpy as np

from .losses import check_labels
from .network import NUM_CLASSES


def random_wrong_labels(y, rng):
    """y : (N,) true labels  ->  (N,) labels, uniform over the 9 wrong ones."""
    y = check_labels(y)
    return (y + rng.integers(1, NUM_CLASSES, size=len(y))) % NUM_CLASSES


def wrong_labels_among(y, classes, rng):
    """Negatives when only some labels are in play (a task: transfer, continual learning).

    y : (N,) true labels, each in `classes`; classes : the K >= 2 labels of the task
    returns (N,) labels, uniform over the K - 1 labels of `classes` other than y
    """
    classes = np.unique(np.asarray(classes))
    y = check_labels(y)
    if len(classes) < 2 or classes[0] < 0 or classes[-1] >= NUM_CLASSES:
        raise ValueError(f"classes must hold at least 2 labels in 0..{NUM_CLASSES - 1}; got {classes.tolist()}")
    pos = np.searchsorted(classes, y)
    if np.any(classes[np.minimum(pos, len(classes) - 1)] != y):
        raise ValueError(f"every label must be one of the task's classes {classes.tolist()}")
    return classes[(pos + rng.integers(1, len(classes), size=len(y))) % len(classes)]


def hard_wrong_labels(scores, y, rng):
    """Wrong labels drawn from softmax(scores) with the true label excluded.

    scores : (N, 10) goodness summed over layers for every label, y : (N,)
    returns (N,) labels, each in 0..9 and never y

    The true label is removed *before* the softmax (its logit set to -inf),
    and the softmax is shifted by the largest remaining logit, so the best
    wrong label has weight exactly 1 however far the true label leads:
    the weights never all underflow to 0.
    """
    y = check_labels(y, len(scores))
    scores = np.asarray(scores, dtype=np.float64)
    if scores.shape != (len(y), NUM_CLASSES) or not np.all(np.isfinite(scores)):
        raise ValueError(f"scores must be finite, of shape ({len(y)}, {NUM_CLASSES}); got {scores.shape}")
    logits = scores.copy()
    logits[np.arange(len(y)), y] = -np.inf
    p = np.exp(logits - logits.max(axis=1, keepdims=True))   # exp(-inf) = 0 for the true label
    cdf = np.cumsum(p, axis=1)
    total = cdf[:, -1:]                                       # >= 1
    u = np.minimum(rng.random((len(y), 1)) * total, np.nextafter(total, 0))  # u < total, always
    return (cdf <= u).sum(axis=1)                             # first label whose cdf exceeds u
