"""The two backprop baselines of the paper, with hand-written backward passes.

Backprop Label: the same hidden layers (normalise, dense, ReLU) on the plain
image, then a dense softmax output layer; cross-entropy; gradients flow back
through every layer and every normalisation.

Backprop Pairwise: the same pairs and goodness as FF, but one loss for the
whole network, trained end to end. The logit of a pair is
S = sum_i (g_i - theta_i) and L = softplus(-sign * S): the full-gamma logit of
CFF, except that here the gradient of layer i also flows into layers below it.
"""
import numpy as np

from .layers import dense_backward, dense_forward, ff_layer_backward, normalize_backward, normalize_forward
from .losses import ff_loss, goodness_backward, goodness_forward, softmax_cross_entropy


def pairwise_loss_and_grads(net, xy, sign, negative="logistic"):
    """Loss of S = sum_i (g_i - theta_i) and the gradients of every W_i, b_i.

    xy : (N, D) overlaid pairs, sign : (N,)  ->  loss, [(dW_i, db_i) for each layer]
    """
    hs, caches = net.forward(xy)
    G = np.stack([goodness_forward(h)[0] for h in hs], axis=1)
    loss, dS = ff_loss(G.sum(axis=1), 0.0, sum(net.theta), sign, negative)  # dL/dg_i = dL/dS for all i
    grads, dh_above = [None] * net.num_layers, 0
    for i in reversed(range(net.num_layers)):
        dh = goodness_backward(dS, hs[i]) + dh_above                 # own goodness + layers above
        dh_above, dW, db = ff_layer_backward(dh, caches[i], need_dx=i > 0)
        grads[i] = (dW, db)
    return loss, grads


class OutputLayer:
    """The softmax head of Backprop Label: logits = normalise(h_L) V + c.

    V : (M_L, 10), c : (10,)
    """

    def __init__(self, fan_in, rng, dtype=np.float32):
        self.V = (rng.standard_normal((fan_in, 10)) / np.sqrt(fan_in)).astype(dtype)
        self.c = np.zeros(10, dtype)

    def params(self):
        return [self.V, self.c]


def label_loss_and_grads(net, head, x, y, classes=None):
    """Cross-entropy of the softmax head and the gradients of every parameter.

    x : (N, D) plain images, y : (N,)  ->  loss, [(dW_i, db_i) ...] + [(dV, dc)]
    classes : the labels the softmax runs over (a task's, tasks.py); None: all 10.
              The others' logits are set to -inf: probability 0, gradient 0.
    """
    hs, caches = net.forward(x)
    hn, norm_cache = normalize_forward(hs[-1], net.normalize)
    logits, dense_cache = dense_forward(hn, head.V, head.c)
    if classes is not None:
        logits[:, np.setdiff1d(np.arange(logits.shape[1]), classes)] = -np.inf
    loss, dlogits = softmax_cross_entropy(logits, y)
    dhn, dV, dc = dense_backward(dlogits, dense_cache)
    dh = normalize_backward(dhn, norm_cache)
    grads = [None] * net.num_layers
    for i in reversed(range(net.num_layers)):
        dh, dW, db = ff_layer_backward(dh, caches[i], need_dx=i > 0)
        grads[i] = (dW, db)
    return loss, grads + [(dV, dc)]


def label_logits(net, head, x):
    """x : (N, D)  ->  (N, 10) logits of Backprop Label."""
    hs, _ = net.forward(x)
    return dense_forward(normalize_forward(hs[-1], net.normalize)[0], head.V, head.c)[0]
