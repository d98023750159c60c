"""Test errors of a trained network: whole, per single layer, per prefix of layers.

A goodness-based network (FF, CFF, Backprop Pairwise) classifies an image by
running it with each of the 10 labels and taking the label with the most
goodness summed over a set of layers. Changing that set gives the per-layer
(one layer alone) and per-prefix (layers 1..k) errors the paper's Figure 2
compares.
"""
import numpy as np

from .backprop import label_logits
from .health import health_warnings
from .losses import check_labels
from .network import predict_from_goodness
from .readout import readout_predict


def error_percent(pred, y):
    """Percentage of wrong predictions.   pred, y : (N,)"""
    return float(100.0 * np.mean(pred != y))


def prediction_layers(num_layers, predict="all"):
    """The layers whose goodness is summed: all, or all but the first (Hinton)."""
    if predict == "skip-first" and num_layers > 1:
        return list(range(1, num_layers))
    return list(range(num_layers))


def goodness_errors(G, y, predict="all"):
    """Errors from the goodness of every (image, label) pair.

    G : (N, 10, L) goodness per label and layer, y : (N,) true labels
    returns {"error": %, "per_layer": [% of layer i alone], "prefix": [% of layers 1..k],
             "pred": (N,) predicted labels, "warnings": [health problems, see health.py]}
    """
    y = check_labels(y, len(G))
    L = G.shape[2]
    pred = predict_from_goodness(G, prediction_layers(L, predict))
    return {
        "error": error_percent(pred, y), "pred": pred, "warnings": health_warnings(G, pred),
        "per_layer": [error_percent(predict_from_goodness(G, [i]), y) for i in range(L)],
        "prefix": [error_percent(predict_from_goodness(G, range(k + 1)), y) for k in range(L)],
    }


def evaluate(net, x, y, head=None, predict="all", upto=None, readout=None):
    """Errors of a network on images x : (N, D) with labels y : (N,).

    upto: use only the first `upto` layers (those trained so far).
    With a softmax head (Backprop Label) only the overall error exists.
    readout: Hinton's softmax readout (readout.py); its error is added as "readout_error".
    """
    if head is not None:
        y = check_labels(y, len(x))
        pred = label_logits(net, head, x).argmax(axis=1)
        return {"error": error_percent(pred, y), "per_layer": None, "prefix": None, "pred": pred,
                "warnings": health_warnings(pred=pred)}
    errors = goodness_errors(net.goodness_per_label(x, upto=upto), y, predict)
    if readout is not None:
        errors["readout_pred"] = readout_predict(net, readout, x)
        errors["readout_error"] = error_percent(errors["readout_pred"], y)
    return errors
