"""Hinton's softmax readout: a linear classifier that reads the network's
normalised activities, chooses the hard negatives, and is a second predictor.

Once per minibatch the images are run with a *neutral* label (0.1 in each of
the 10 label pixels: every label equally present, none written in). A linear
softmax reads the normalised activities of hidden layers 2 and up (layer 1's
are left out, as in prediction) and predicts the label:

    a      = [normalize(h_2), ..., normalize(h_L)]      (B, K), K = M_2 + ... + M_L
    logits = a W                                        (B, 10)
    L      = mean_n -log softmax(logits_n)[y_n]
    dL/dW  = a^T (softmax(logits) - onehot(y)) / B

Its beliefs choose each image's negative label: softmax(logits) with the true
label excluded (negatives.hard_wrong_labels), so the network trains hardest on
the labels it currently confuses. This costs one forward pass of the batch;
`--negatives hard` instead scores all ten labels by goodness (ten passes).
No gradient reaches the network from the readout: a is a constant to it.

Hinton's numbers: learning rate 0.1 on a gradient smoothed as s <- 0.9 s + 0.1 g,
weight cost 0.003; as optim.SGD (v <- 0.9 v + g, w -= lr v, so v = 10 s): lr 0.01,
momentum 0.9, weight_decay 0.003. W starts at 0 (uniform beliefs). No bias: his
code has one, but it stays at its initial 0.
"""
import numpy as np

from .layers import normalize_forward
from .network import NUM_CLASSES

NEUTRAL = 0.1
LR, MOMENTUM, WEIGHT_DECAY = 0.01, 0.9, 0.003     # optim.SGD's form of Hinton's 0.1, 0.9, 0.003


def neutral_overlay(x):
    """x : (N, D) images  ->  (N, D) with NEUTRAL in each of the 10 label pixels."""
    xy = x.copy()
    xy[:, :NUM_CLASSES] = NEUTRAL
    return xy


def read_layers(num_layers):
    """The hidden layers the readout reads: 2 and up (indices 1..L-1), or the only one."""
    return list(range(1, num_layers)) if num_layers > 1 else [0]


class Readout:
    """W : (K, 10), zero at the start; K = the widths of the layers read, summed."""

    def __init__(self, widths, dtype=np.float32):
        self.layers = read_layers(len(widths))
        self.W = np.zeros((sum(widths[i] for i in self.layers), NUM_CLASSES), dtype)

    def params(self):
        return [self.W]


def readout_forward(net, readout, x):
    """x : (N, D) images  ->  logits (N, 10), a (N, K) the normalised activities read."""
    hs, caches = net.forward(neutral_overlay(x), upto=readout.layers[-1] + 1)
    # normalize(h_i) is layer i + 1's normalised input, in its cache already (caches[i + 1][0] = (xn, r, c)):
    # only the last layer's is computed here
    a = np.concatenate([caches[i + 1][0][0] if i + 1 < len(caches) else normalize_forward(hs[i], net.normalize)[0]
                        for i in readout.layers], axis=1)
    return a @ readout.W, a


def readout_backward(dlogits, a):
    """dL/dW = a^T dlogits.   dlogits : (N, 10), a : (N, K)  ->  [dW]"""
    return [a.T @ dlogits]


def readout_logits(net, readout, x, batch_size=1000):
    """x : (N, D)  ->  (N, 10) the readout's logits (one neutral-label pass per image)."""
    return np.concatenate([readout_forward(net, readout, x[s:s + batch_size])[0]
                           for s in range(0, len(x), batch_size)])


# The goodness and the readout combined: score(y) = log softmax(logits)_y + lam * goodness score(y).
# lam = 0 is the readout alone; as lam grows the goodness decides and the readout only breaks near-ties (the
# goodness alone is the limit, lam -> inf). lam is chosen on validation from this grid, whose two ends meet
# the two predictors alone: an edge choice is a choice of that predictor.
LAMBDAS = (0.0, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0, 3.0, 10.0)


def combined_errors(scores, logits, y):
    """The error (%) of every combined predictor of LAMBDAS.

    scores : (N, 10) goodness scores (evaluate.predictor_scores), logits : (N, 10) the readout's, y : (N,)
    returns [len(LAMBDAS) errors in %]
    """
    z = logits.astype(np.float64)
    log_p = z - z.max(axis=1, keepdims=True)
    log_p -= np.log(np.exp(log_p).sum(axis=1, keepdims=True))           # log softmax, without overflow
    scores = scores.astype(np.float64)
    return [float(100.0 * np.mean((log_p + lam * scores).argmax(axis=1) != y)) for lam in LAMBDAS]
