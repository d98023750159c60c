"""Is the trained network alive? Two ways a run can fail without a NaN:

    a silent layer   every unit is off (h = 0) for every pair it is shown, so
                     g = 0 whatever the input: the layer has stopped learning
                     (dL/dW = 0) and tells the labels apart no more
    one class        the network predicts the same label for every image, or
                     (collapsed) for COLLAPSED or more of them

Both are read off what the evaluation computes anyway: G (N, 10, L), the
goodness of every (image, label) pair per layer, and the predictions (N,).
"""
import numpy as np

COLLAPSED = 0.9    # a network that gives one label to 90% of the images or more is no result


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
    if pred is not None and len(pred) > 1:
        label, share = top_share(pred)
        if share == 1:
            warnings.append(f"the network predicts one class ({label}) for all {len(pred)} images")
        elif share >= COLLAPSED:
            warnings.append(f"the network has collapsed: it predicts class {label} for {share:.1%} of "
                            f"the {len(pred)} images")
    return warnings


def top_share(pred):
    """(the most predicted label, the share of the images it is given to).   pred : (N,) labels"""
    counts = np.bincount(np.asarray(pred))
    return int(counts.argmax()), float(counts.max() / len(pred))


def is_dead(warnings):
    """A network that predicts one class for every image, or has collapsed, is no result."""
    return any("predicts one class" in w or "has collapsed" in w for w in warnings)


def failed_run(record):
    """Is a result record (a run's JSON) a failed run? Dead or collapsed, by its warnings or,
    for records older than the collapse rule, by its stored test predictions."""
    if is_dead(record.get("warnings", [])):
        return True
    pred = record.get("test_predictions")
    return bool(pred) and top_share(np.frombuffer(pred.encode(), np.uint8) - 48)[1] >= COLLAPSED
