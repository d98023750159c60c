"""A linear probe: how much of the class a frozen layer's activity holds.

Softmax regression (one dense layer, cross-entropy) trained on the normalised
activity of one layer, the network held fixed. Which input? A goodness network
expects a label in the first 10 pixels; the probe must read the image's
features, not a label we wrote in. ffnumpy writes the *neutral label*: all ten
label pixels set to 0.1 (Hinton's choice for one-pass prediction), the same
for every image, so it carries no information about the class.

    logits = f V + c                      f : (N, M) normalised activity of the layer
    L      = mean_n -log softmax(logits_n)[y_n]
    dL/dlogits = (softmax - onehot) / N,  dL/dV = f^T dL/dlogits,  dL/dc = sum_n dL/dlogits
"""
import numpy as np

from ..layers import dense_backward, dense_forward, normalize_forward
from ..losses import check_labels, softmax_cross_entropy
from ..network import NUM_CLASSES
from ..optim import Adam

NEUTRAL = 0.1


def neutral_input(x):
    """x : (N, D) images  ->  (N, D) copy with the 10 label pixels all set to 0.1."""
    xy = np.array(x, copy=True)
    xy[:, :NUM_CLASSES] = NEUTRAL
    return xy


def features(net, x, layer, neutral=True):
    """The normalised activity of `layer` (0-based) on neutral-label inputs.   x : (N, D) -> (N, M)

    neutral=False: the plain image (Backprop Label never had a label in its input)."""
    hs, _ = net.forward(neutral_input(x) if neutral else x, upto=layer + 1)
    return normalize_forward(hs[layer], net.normalize)[0]


def probe_loss_and_grads(V, c, f, y):
    """Cross-entropy of softmax(f V + c) and its gradients.

    V : (M, 10), c : (10,), f : (N, M), y : (N,)  ->  loss, dV : (M, 10), dc : (10,)
    """
    logits, cache = dense_forward(f, V, c)
    loss, dlogits = softmax_cross_entropy(logits, y)           # (softmax - onehot) / N
    _, dV, dc = dense_backward(dlogits, cache, need_dx=False)  # f^T dlogits, sum over n
    return loss, dV, dc


def train_probe(f, y, epochs=5, lr=1e-2, batch_size=100, seed=0):
    """Adam on the probe's cross-entropy.   f : (N, M), y : (N,)  ->  V : (M, 10), c : (10,)"""
    y = check_labels(y, len(f))
    rng = np.random.default_rng(seed)
    V = (rng.standard_normal((f.shape[1], NUM_CLASSES)) * 0.01).astype(f.dtype)
    c = np.zeros(NUM_CLASSES, f.dtype)
    opt = Adam([V, c], lr=lr)
    for _ in range(epochs):
        order = rng.permutation(len(f))
        for start in range(0, len(f), batch_size):
            idx = order[start:start + batch_size]
            _, dV, dc = probe_loss_and_grads(V, c, f[idx], y[idx])
            opt.step([dV, dc])
    return V, c


def probe_error(V, c, f, y):
    """Test error (%) of the probe.   f : (N, M), y : (N,)"""
    y = check_labels(y, len(f))
    return float(100.0 * np.mean((f @ V + c).argmax(axis=1) != y))
