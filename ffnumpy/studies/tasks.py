"""Tasks: learning and predicting with only some of the labels in play.

A task is a set of labels, e.g. (5, 6, 7, 8, 9) or (2, 3). Two things change:

    negatives  drawn only among the task's labels (negatives.wrong_labels_among):
               a network that never saw a 7 is never told that "7" is wrong;
               Backprop Label's softmax runs over the task's labels only (the
               same rule: the other outputs get no gradient);
    prediction the label with the most goodness (or the largest logit, for
               Backprop Label) *among the task's labels*:
               pred(x) = argmax_{y in task} sum_i g_i(x, y).

Used by the transfer and continual-learning studies (experiments.py). Every
layer trains at every step (the Network schedule), with the run's learning
rate schedule restarted for each task.
"""
import numpy as np

from ..backprop import label_logits
from ..evaluate import error_percent
from ..losses import check_labels
from ..network import NUM_CLASSES
from ..train import lr_factor, train_step

ALL = tuple(range(NUM_CLASSES))


def select(x, y, classes):
    """The images whose label is in `classes`.   x : (N, D), y : (N,) -> (n, D), (n,)"""
    keep = np.isin(y, classes)
    return x[keep], y[keep]


def scores(model, x):
    """(N, 10): goodness summed over all layers (predict="all", as in every study), or the softmax head's logits."""
    if model.head is not None:
        return label_logits(model.net, model.head, x)
    return model.net.goodness_per_label(x).sum(axis=2)


def predict_among(model, x, classes=ALL):
    """x : (N, D) -> (N,) the label of `classes` with the highest score."""
    classes = np.asarray(sorted(classes))
    return classes[scores(model, x)[:, classes].argmax(axis=1)]


def error_among(model, x, y, classes=ALL):
    """Test error (%) when only `classes` compete.   x : (N, D), y : (N,)"""
    return error_percent(predict_among(model, x, classes), check_labels(y, len(x)))


def fit(model, cfg, x, y, epochs, classes, progress=None):
    """Train every layer on (x, y) for `epochs` epochs, negatives among `classes`.

    x : (N, D), y : (N,) labels in `classes`; the model keeps its optimisers'
    state from one task to the next; the learning rate follows cfg.lr_schedule
    within this call. returns the mean loss of the last epoch
    """
    if cfg.schedule != "network" and cfg.method in ("ff", "cff"):
        raise ValueError("tasks train every layer at every step: use the Network schedule")
    model.classes = tuple(sorted(classes))
    n, B = len(x), cfg.batch_size
    steps = max(1, n // B)
    layers = list(range(model.net.num_layers))
    for epoch in range(epochs):
        order, losses = model.rng.permutation(n), []
        for step in range(steps):
            for opt in model.optimizers:
                opt.lr = cfg.lr * lr_factor(cfg, (epoch + step / steps) / epochs)
            idx = order[step * B:(step + 1) * B]
            losses.append(train_step(model, cfg, [(x[idx], y[idx])], layers))
        if not np.isfinite(np.mean(losses)):
            raise FloatingPointError(f"training diverged on task {model.classes}")
        if progress is not None:
            progress(f"task {','.join(map(str, model.classes))} epoch {epoch + 1}/{epochs} "
                     f"loss {np.mean(losses):.4f}")
    return float(np.mean(losses))
