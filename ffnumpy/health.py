"""Is the trained network alive? Two ways a run can fail without a NaN:

    a silent layer   every unit is off (h = 0) for every pair it is shown, so
                     g = 0 whatever the input: the layer has stopped learning
                     (dL/dW = 0) and tells the labels apart no more
    one class        the network predicts the same label for every image

Both are read off what the evaluation computes anyway: G (N, 10, L), the
goodness of every (image, label) pair per layer, and the predictions (N,).
"""
import numpy as np


def health_warnings(G=None, pred=None):
    """One line per problem found.

    G    : (N, 10, L) goodness per image, label and layer (None for Backprop Label)
    pred : (N,) predicted labels
    returns a list of strings (empty: nothing wrong)
    """
    warnings = []
    if G is not None:
        for i in range(G.shape[2]):
            if not np.any(G[:, :, i] > 0):
                warnings.append(f"layer {i + 1} is silent: all its units are off for all "
                                f"{G.shape[0] * G.shape[1]} pairs measured")
    if pred is not None and len(pred) > 1 and np.all(pred == pred[0]):
        warnings.append(f"the network predicts one class ({int(pred[0])}) for all {len(pred)} images")
    return warnings


def is_dead(warnings):
    """A network that predicts one class for every image is no result."""
    return any("predicts one class" in w for w in warnings)
