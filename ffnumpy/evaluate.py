"""Test errors of a trained network: whole, per single layer, per prefix of layers,
and what each layer contributes (the paper's Figure 2).

A goodness-based network (FF, CFF, Backprop Pairwise) classifies an image by
running it with each of the 10 labels and taking the label with the most
goodness summed over a set of layers. Changing that set gives the per-layer
(one layer alone) and per-prefix (layers 1..k) errors the paper's Figure 2
compares.

    error of layer k alone        prediction from g_k only
    error of the prefix 1..k      prediction from g_1 + ... + g_k
    marginal contribution of k    error(prefix 1..k-1) - error(prefix 1..k)

A positive marginal contribution means adding layer k lowers the error. For
layer 1 the comparison is with guessing (90% error on ten balanced classes).

Is the trained network alive? Two ways a run can fail without a NaN:

    a silent layer   every unit is off (h = 0) for every pair it is shown, so
                     g = 0 whatever the input: the layer has stopped learning
                     (dL/dW = 0) and tells the labels apart no more
    one class        the network predicts the same label for every image, or
                     (collapsed) for COLLAPSED or more of them
    guessing         no better than a guess that ignores the image (below; a
                     network can get there without collapsing, e.g. with its
                     goodness grown past any signal)

All are read off what the evaluation computes anyway: G (N, 10, L), the
goodness of every (image, label) pair per layer, and the predictions (N,).

The line between a result and a failure, stated once (no_better_than_guessing).
A guess is any answer that does not look at the image. Whatever labels it
picks, on average it is right on at most p, the share of the most frequent
label among the images. Always answering that label reaches p (MNIST's test
set: 1,135 of its 10,000 images are 1s, so 88.65% error; a balanced set 90%).
A network is no better than guessing when its count of right answers k is one
such a guess reaches with probability GUESS_LEVEL (1 in 1,000) or more:
P(X >= k) >= GUESS_LEVEL, X ~ Binomial(N, p), one-sided. A fixed line (say 90%
error) fails both ways: on MNIST a network that always answers 1 errs on only
88.65%, and on 100 images 15 right answers happen to a guesser 7% of the time.
The test's line moves with N and p: on MNIST's 10,000 test images it falls
at 87.65% error (k >= 1,235), on Fashion-MNIST's (balanced) at 89.05%, on
2,000 MNIST images at 86.35%. Why 1 in 1,000: the reports read about 500 seed runs, so a looser level would let a
guessing run in among them by chance, while a network that learned anything
clears the line by hundreds of images. What happens then: the run is dead
(is_dead), train's command line exits 3 saying it is not a result, and every
report leaves it out of its means and comparisons, counted as failed.
"""
import math

import numpy as np

from .backprop import label_logits
from .entropy import FLOOR, goodness_entropies
from .losses import check_labels
from .negatives import random_wrong_labels
from .network import check_images, predict_from_goodness
from .readout import combined_errors, readout_logits


COLLAPSED = 0.9     # a network that gives one label to 90% of the images or more is no result
GUESS_LEVEL = 1e-3  # a count of right answers a guess reaches this often or more is no result (see above)
# the share of the most frequent label in each standard test set (MNIST: 1,135 1s of 10,000): the best guess's
# accuracy, for the stored records failed_run re-checks (a record holds its predictions, not the labels)
TEST_TOP_SHARE = {"mnist": 0.1135, "fashion-mnist": 0.1, "cifar10": 0.1}


def top_label_share(y):
    """The share of the most frequent label: the accuracy of the best guess that ignores the image.   y : (N,)"""
    return float(np.bincount(np.asarray(y)).max() / len(y))


def guess_p_value(k, n, p):
    """P(X >= k) for X ~ Binomial(n, p): how often a guess right with probability p gets k or more of n right.
    Each term is computed in logs. Past the mean the terms fall fast: the sum stops once they are negligible."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    log_p, log_q, total = math.log(p), math.log1p(-p), 0.0
    for j in range(k, n + 1):
        term = math.exp(math.lgamma(n + 1) - math.lgamma(j + 1) - math.lgamma(n - j + 1) + j * log_p + (n - j) * log_q)
        total += term
        if j > n * p and term < 1e-17 * total:
            break
    return min(1.0, total)


def no_better_than_guessing(k, n, p=0.1):
    """Is k right answers of n no better than a guess that ignores the image? p : the share of the most
    frequent label (top_label_share), the best such guess's accuracy. The rule and its defence: the docstring
    at the top of this file."""
    return n > 0 and guess_p_value(k, n, p) >= GUESS_LEVEL


def health_warnings(G=None, pred=None, y=None):
    """One line per problem found.

    G    : (N, 10, L) goodness per image, label and layer (None for Backprop Label)
    pred : (N,) predicted labels
    y    : (N,) true labels (None: the guessing check is skipped)
    returns a list of strings (empty: nothing wrong)
    """
    warnings = []
    if G is not None:
        for i in range(G.shape[2]):
            if not np.any(G[:, :, i] > 0):
                warnings.append(f"layer {i + 1} is silent: all its units are off for all "
                                f"{G.shape[0] * G.shape[1]} pairs measured")
    if pred is not None and len(pred) > 1:
        label, share = top_share(pred)
        if share == 1:
            warnings.append(f"the network predicts one class ({label}) for all {len(pred)} images")
        elif share >= COLLAPSED:
            warnings.append(f"the network has collapsed: it predicts class {label} for {share:.1%} of "
                            f"the {len(pred)} images")
        elif y is not None and no_better_than_guessing(int(np.sum(pred == y)), len(y), top_label_share(y)):
            warnings.append(f"the network is no better than guessing: it errs on {error_percent(pred, y):.2f}% of "
                            f"the {len(pred)} images, where always answering the most frequent label errs on "
                            f"{100 * (1 - top_label_share(y)):.2f}% (a one-sided binomial test, level {GUESS_LEVEL:g})")
    return warnings


def layer_activity(net, xy):
    """How loud and how many: per layer, the mean goodness g_i = ||h_i||^2 over the pairs, and the
    share of its units that are off (h = 0) for every pair (silent units: they no longer learn,
    since relu'(z) = 0 for all of them).

    xy : (N, D) overlaid pairs  ->  {"goodness": [L floats], "silent": [L shares in 0..1]}
    """
    hs, _ = net.forward(xy)
    return {"goodness": [float(np.mean(np.sum(h.astype(np.float64) ** 2, axis=1))) for h in hs],
            "silent": [float(np.mean(~np.any(h > 0, axis=0))) for h in hs]}


def top_share(pred):
    """(the most predicted label, the share of the images it is given to).   pred : (N,) labels"""
    counts = np.bincount(np.asarray(pred))
    return int(counts.argmax()), float(counts.max() / len(pred))


def is_dead(warnings):
    """A network that predicts one class for every image, has collapsed, guesses or diverged, is no result."""
    return any("predicts one class" in w or "has collapsed" in w or "no better than guessing" in w or "diverged" in w
               for w in warnings)


def failed_run(record):
    """Is a result record (a run's JSON) a failed run? Dead, collapsed or guessing, by its warnings or,
    for records older than those rules, by its stored test error and predictions (the guessing rule of
    no_better_than_guessing, with the test set's TEST_TOP_SHARE; 10,000 images where none are stored)."""
    if is_dead(record.get("warnings", [])):
        return True
    pred = record.get("test_predictions")
    if record.get("test_error") is not None:
        n = len(pred) if pred else 10_000
        share = TEST_TOP_SHARE.get((record.get("config") or {}).get("dataset"), 0.1)
        if no_better_than_guessing(round(n * (1 - record["test_error"] / 100)), n, share):
            return True
    return bool(pred) and top_share(np.frombuffer(pred.encode(), np.uint8) - 48)[1] >= COLLAPSED


def error_percent(pred, y):
    """Percentage of wrong predictions.   pred, y : (N,)"""
    return float(100.0 * np.mean(pred != y))


# all        : sum_i g_i, every layer (the paper's)
# skip-first : sum_{i >= 2} g_i (Hinton's: layer 1 left out)
# log        : sum_i log(g_i + eps_i), eps_i = FLOOR * M_i: the score the entropy objectives train (each
#              layer's q(y | x) is proportional to g_i + eps_i; independent layers multiply their q's)
PREDICTORS = ("all", "skip-first", "log")


def prediction_layers(num_layers, predict="all"):
    """The layers whose goodness is summed: all, or all but the first (Hinton)."""
    if predict == "skip-first" and num_layers > 1:
        return list(range(1, num_layers))
    return list(range(num_layers))


def predictor_scores(G, predict="all", widths=None):
    """(N, 10) scores whose argmax over labels is the prediction (PREDICTORS).

    G : (N, 10, L) goodness per image, label and layer; widths : (L,) units per layer (for "log")
    """
    if predict == "log":
        if widths is None or len(widths) != G.shape[2]:
            raise ValueError("the log predictor needs the width of every layer")
        return np.log(G.astype(np.float64) + FLOOR * np.asarray(widths, dtype=np.float64)).sum(axis=2)
    return G[:, :, prediction_layers(G.shape[2], predict)].sum(axis=2)


def goodness_errors(G, y, predict="all", widths=None):
    """Errors from the goodness of every (image, label) pair.

    G : (N, 10, L) goodness per label and layer, y : (N,) true labels, widths : (L,) units per layer
    returns {"error": %, "per_layer": [% of layer i alone], "prefix": [% of layers 1..k],
             "pred": (N,) predicted labels, "warnings": [health problems, see evaluate.py],
             "by_predictor": {predictor: (%, (N,) labels)} for every predictor, whichever `predict` is
             ("log" only with widths)}
    """
    y = check_labels(y, len(G))
    L = G.shape[2]
    by = {p: predictor_scores(G, p, widths).argmax(axis=1) for p in PREDICTORS if p != "log" or widths is not None}
    if predict not in by:
        raise ValueError(f"predict: {predict!r} needs the layers' widths" if predict in PREDICTORS else
                         f"predict: must be one of {', '.join(PREDICTORS)}; got {predict!r}")
    pred = by[predict]
    return {
        "error": error_percent(pred, y), "pred": pred, "warnings": health_warnings(G, pred, y),
        "per_layer": [error_percent(predict_from_goodness(G, [i]), y) for i in range(L)],
        "prefix": [error_percent(predict_from_goodness(G, range(k + 1)), y) for k in range(L)],
        "by_predictor": {p: (error_percent(labels, y), labels) for p, labels in by.items()},
    }


def evaluate(net, x, y, head=None, predict="all", upto=None, readout=None):
    """Errors of a network on images x : (N, D) with labels y : (N,).

    upto: use only the first `upto` layers (those trained so far).
    With a softmax head (Backprop Label) only the overall error exists.
    readout: Hinton's softmax readout (readout.py); its error is added as "readout_error", and the errors of
             the goodness and the readout combined (readout.combined_errors, one per readout.LAMBDAS) as
             "combined" (with `predict`'s goodness) and "combined_by_predictor" ({"all": [...],
             "skip-first": [...]}: with each goodness predictor, `predict`'s included).
    """
    x = check_images(x, net.sizes[0])
    if head is not None:
        y = check_labels(y, len(x))
        pred = label_logits(net, head, x).argmax(axis=1)
        return {"error": error_percent(pred, y), "per_layer": None, "prefix": None, "pred": pred,
                "warnings": health_warnings(pred=pred, y=y)}
    G = net.goodness_per_label(x, upto=upto)
    widths = net.sizes[1:1 + G.shape[2]]
    errors = goodness_errors(G, y, predict, widths=widths)
    if readout is not None:
        logits = readout_logits(net, readout, x)
        errors["readout_pred"] = logits.argmax(axis=1)
        errors["readout_error"] = error_percent(errors["readout_pred"], y)
        errors["combined_by_predictor"] = {p: combined_errors(predictor_scores(G, p, widths), logits, y)
                                           for p in dict.fromkeys(("all", "skip-first", predict))}   # readout.LAMBDAS
        errors["combined"] = errors["combined_by_predictor"][predict]
    return errors


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
