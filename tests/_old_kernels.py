"""Frozen copies of the numerical pieces of a training step, as they were before issue 42's speed work
(commit fef7c87). Only tests/test_speed_replay.py uses them: it runs the library and these copies on the same
inputs on the same machine and asserts equal bits.

tests/_old_ff_update.py freezes ff_update and train_step. It takes the layers, the loss, peer normalisation,
the readout, the optimisers and make_pairs from ffnumpy, so a change to those would change both sides of
tests/test_update_replay.py alike. install() puts the copies below in their place: the frozen update then
runs the frozen pieces.

Verbatim but for the imports, and Network.goodness_per_label written as a function (dedented). Do not edit it.
"""
import sys
from pathlib import Path

import numpy as np

import ffnumpy.layers
import ffnumpy.losses
import ffnumpy.network
import ffnumpy.optim
import ffnumpy.peer
import ffnumpy.readout
import ffnumpy.train
from ffnumpy.evaluate import predictor_scores
from ffnumpy.layers import EPS, NORMALIZE
from ffnumpy.losses import goodness_forward, sigmoid, softplus
from ffnumpy.negatives import hard_wrong_labels, random_wrong_labels, wrong_labels_among
from ffnumpy.network import NUM_CLASSES, overlay_label
from ffnumpy.peer import peer_update
from ffnumpy.readout import neutral_overlay
from ffnumpy.train import readout_negatives


def normalize_forward(x, mode="rms", eps=EPS):
    """xn = x / r, with r = sqrt(sum(x^2) / c + eps) over each row.

    mode "rms"    : c = D, unit root-mean-square (entries of xn near 1)
    mode "length" : c = 1, unit length (entries near 1 / sqrt(D))
    x : (N, D)  ->  xn : (N, D)
    """
    c = x.shape[1] if NORMALIZE[mode] else 1
    r = np.sqrt(np.sum(x * x, axis=1, keepdims=True) / c + eps)
    xn = x / r
    return xn, (xn, r, c)


def dense_forward(x, W, b):
    """z = x W + b.   x : (N, D), W : (D, M), b : (M,)  ->  z : (N, M)"""
    return x @ W + b, (x, W)


def relu_forward(z):
    """h = max(z, 0).   z : (N, M)  ->  h : (N, M)"""
    h = np.maximum(z, 0)
    return h, h


def ff_layer_forward(x, W, b, normalize="rms"):
    """One FF layer: h = relu(normalize(x) W + b).

    x : (N, D), W : (D, M), b : (M,)  ->  h : (N, M)
    normalize : "rms" (default) or "length", see normalize_forward
    """
    xn, norm_cache = normalize_forward(x, normalize)
    z, dense_cache = dense_forward(xn, W, b)
    h, relu_cache = relu_forward(z)
    return h, (norm_cache, dense_cache, relu_cache)


def ff_loss(g, gamma, theta, sign, negative="logistic"):
    """Mean FF loss of a batch of pairs, and its gradient with respect to g.

    g        : (N,) goodness of this layer
    gamma    : (N,) or scalar, the other layers' goodness (a constant)
    theta    : scalar threshold (or (N,))
    sign     : (N,) +1 for positive pairs, -1 for negative pairs
    negative : "logistic" (softplus(s) on negatives) or "paper" (log sigmoid(s))
    returns loss (scalar, mean over N) and dL/dg : (N,)
    """
    s = g + gamma - theta
    if negative == "logistic":
        loss = softplus(-sign * s).mean()
        dg = -sign * sigmoid(-sign * s) / len(g)   # dL/ds = -sign * sigmoid(-sign s); ds/dg = 1
    elif negative == "paper":                         # positives as above; negatives: log sigmoid(s)
        loss = (sign * softplus(-s)).mean()
        dg = -sign * sigmoid(-s) / len(g)           # d softplus(-s)/ds = -sigmoid(-s)
    else:
        raise ValueError(f"negative must be 'logistic' or 'paper', got {negative!r}")
    return loss, dg


def peer_term(m, strength, sign):
    """What peer normalisation adds to dL/dz of one layer, before the mean over the positives.

    m : (M,) running mean activities, strength : scalar, sign : (N,) +1 positive, -1 negative
    returns (N, M): strength * (m_j - mean(m)) on positive rows, 0 on negative rows
    """
    push = strength * (m - m.mean())
    return (sign > 0)[:, None] * push[None, :].astype(m.dtype)


class PeerNorm:
    """Peer normalisation as ff.ff_update adds it: every layer's running means and one strength.

    means    : [(M_i,)] as peer_means makes them (updated in place: a checkpoint saves them)
    strength : the c of dL/dz_j += c (m_j - mean m), e.g. 0.03 (Hinton's)
    """

    def __init__(self, means, strength):
        self.means, self.strength = means, strength

    def push(self, i, h, sign):
        """Layer i's addition to dL/dz. m_i first takes in this batch's positive rows; the push is then
        averaged over the B positives. (Hinton's gradient is the positives' sum plus the negatives' sum over
        B, which ffnumpy's dL/dW equals.)   h : (N, M_i), sign : (N,)  ->  (N, M_i), 0 on negative rows
        """
        peer_update(self.means[i], h[sign > 0])
        positives = int(np.count_nonzero(sign > 0))                  # a Python int: a numpy int64
        return peer_term(self.means[i], self.strength, sign) / positives   # would make the push float64 (NEP 50)


def readout_forward(net, readout, x):
    """x : (N, D) images  ->  logits (N, 10), a (N, K) the normalised activities read."""
    hs, _ = net.forward(neutral_overlay(x), upto=readout.layers[-1] + 1)
    a = np.concatenate([normalize_forward(hs[i], net.normalize)[0] for i in readout.layers], axis=1)
    return a @ readout.W, a


def _decays(params, weight_decay, decay):
    """The weight decay of each parameter: weight_decay where decay says so, else 0."""
    decay = [True] * len(params) if decay is None else list(decay)
    if len(decay) != len(params):
        raise ValueError(f"decay needs one entry per parameter ({len(params)}), got {len(decay)}")
    return [weight_decay if d else 0.0 for d in decay]


class SGD:
    """v <- momentum * v + (grad + wd * w);   w <- w - lr * v"""

    def __init__(self, params, lr=0.01, momentum=0.0, weight_decay=0.0, decay=None):
        self.params, self.lr = params, lr
        self.momentum = momentum
        self.decays = _decays(params, weight_decay, decay)
        self.v = [np.zeros_like(p) for p in params]
        self.t = 0
        self.slots = {"v": self.v}  # the optimiser's state, saved in checkpoints
        self.tmp = [np.empty_like(p) for p in params]  # scratch: no fresh 4 MB array every step

    def step(self, grads):
        self.t += 1
        for p, v, dp, tmp, wd in zip(self.params, self.v, grads, self.tmp, self.decays):
            if wd:                                     # grad + wd w, in the scratch array
                np.multiply(p, wd, out=tmp)
                tmp += dp
                dp = tmp
            v *= self.momentum
            v += dp                                    # v = momentum v + grad
            np.multiply(v, self.lr, out=tmp)
            p -= tmp                                   # w -= lr v


class Adam:
    """Adam (Kingma & Ba):
        m <- b1 m + (1 - b1) grad,   v <- b2 v + (1 - b2) grad^2
        w <- w - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)

    Stored, to save two passes over the weights per step, as the scaled
    moments M = m / (1 - b1) and V = v / (1 - b2):
        M <- b1 M + grad,   V <- b2 V + grad^2
        w <- w - lr_t M / (sqrt(V) + eps_t)
    with lr_t = lr (1 - b1) / (1 - b1^t) * sqrt((1 - b2^t) / (1 - b2)) and
    eps_t = eps sqrt((1 - b2^t) / (1 - b2)), the same numbers as above. Only
    in-place operations on one scratch array per parameter: Adam reads and
    writes every weight about ten times a step, and on a 1000 x 1000 layer at
    batch 100 that costs half as much time as the layer's matrix products.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decay=None):
        self.params, self.lr = params, lr
        self.b1, self.b2 = betas
        self.eps = eps
        self.decays = _decays(params, weight_decay, decay)
        self.M = [np.zeros_like(p) for p in params]
        self.V = [np.zeros_like(p) for p in params]
        self.t = 0
        self.slots = {"M": self.M, "V": self.V}  # the optimiser's state, saved in checkpoints
        self.tmp = [np.empty_like(p) for p in params]

    def step(self, grads):
        self.t += 1
        b1, b2 = self.b1, self.b2
        root = np.sqrt((1 - b2 ** self.t) / (1 - b2))
        lr_t, eps_t = self.lr * (1 - b1) / (1 - b1 ** self.t) * root, self.eps * root
        for p, M, V, dp, tmp, wd in zip(self.params, self.M, self.V, grads, self.tmp, self.decays):
            if wd:
                dp = dp + wd * p
            M *= b1
            M += dp                                    # M = b1 M + grad
            np.multiply(dp, dp, out=tmp)
            V *= b2
            V += tmp                                   # V = b2 V + grad^2
            np.sqrt(V, out=tmp)
            tmp += eps_t
            np.divide(M, tmp, out=tmp)
            tmp *= lr_t
            p -= tmp                                   # w -= lr_t M / (sqrt(V) + eps_t)


def make_pairs(model, cfg, x, y, rng, depth=None):
    """[positive pairs; negative pairs] and their signs: (2B, D), (2B,); under --objective
    entropy-labels every image with each of the ten labels instead: (10B, D), (10B,).

    depth: hard negatives are drawn from the beliefs of the first `depth`
    layers only (under the Layer schedule, those trained so far).
    """
    if cfg.objective == "entropy-labels":            # every image with each of the ten labels, label-major
        if model.classes is not None:
            raise ValueError("--objective entropy-labels scores all ten labels; a task has fewer")
        labels = np.repeat(np.arange(NUM_CLASSES), len(x))
        xy = overlay_label(np.tile(x, (NUM_CLASSES, 1)), labels)
        return xy, np.where(labels == np.tile(y, NUM_CLASSES), 1, -1).astype(x.dtype)
    if model.classes is not None:                   # a task: only its labels are in play (tasks.py)
        if cfg.negatives == "hard":
            raise ValueError("hard negatives are not supported on a subset of the labels; use random")
        y_neg = wrong_labels_among(y, model.classes, rng)
    elif cfg.negatives == "hard":
        G = model.net.goodness_per_label(x, upto=depth)
        if not np.all(np.isfinite(G)):           # the goodness overflowed: training diverged
            raise FloatingPointError("training diverged (the goodness is not finite)")
        y_neg = hard_wrong_labels(predictor_scores(G, cfg.predict, model.net.sizes[1:1 + G.shape[2]]), y, rng)
    elif cfg.negatives == "readout":
        y_neg = readout_negatives(model, x, y, rng)
    else:
        y_neg = random_wrong_labels(y, rng)
    xy = np.concatenate([overlay_label(x, y), overlay_label(x, y_neg)])
    sign = np.concatenate([np.ones(len(x)), -np.ones(len(x))]).astype(x.dtype)
    return xy, sign



def goodness_per_label(self, x, batch_size=1000, upto=None):
    """Goodness of every (image, candidate label) pair.

    x : (N, D) images  ->  G : (N, 10, L), G[n, y, i] = g_i(x_n, y)
    upto : only the first `upto` layers (L = upto)

    The first layer is shared by the 10 labels: the overlaid input is
    x0 + e_y (x0 = the image with its first 10 pixels cleared), whose RMS
    is the same for every y (the one-hot adds exactly 1 to the sum of
    squares), so z_1(y) = (x0 W + W[y]) / r + b. One matrix product
    serves all ten labels instead of ten. (The same holds for unit length.)
    """
    L = upto or self.num_layers
    G = np.empty((len(x), NUM_CLASSES, L), np.float64)
    W, b = self.W[0], self.b[0]
    for start in range(0, len(x), batch_size):
        x0 = x[start:start + batch_size].copy()
        x0[:, :NUM_CLASSES] = 0
        c = x0.shape[1] if NORMALIZE[self.normalize] else 1                  # as normalize_forward
        r = np.sqrt((np.einsum("nd,nd->n", x0, x0) + 1) / c + EPS)[:, None]
        base = x0 @ W
        for y in range(NUM_CLASSES):
            h = np.maximum((base + W[y]) / r + b, 0)               # layer 1 on (x, y)
            hs = [h] + self.forward(h, upto=L, start=1)[0]
            G[start:start + len(x0), y] = np.stack([goodness_forward(h)[0] for h in hs], axis=1)
    return G


FROZEN = {"normalize_forward": (ffnumpy.layers, normalize_forward), "dense_forward": (ffnumpy.layers, dense_forward),
          "relu_forward": (ffnumpy.layers, relu_forward), "ff_layer_forward": (ffnumpy.layers, ff_layer_forward),
          "ff_loss": (ffnumpy.losses, ff_loss), "peer_term": (ffnumpy.peer, peer_term),
          "PeerNorm": (ffnumpy.peer, PeerNorm), "readout_forward": (ffnumpy.readout, readout_forward),
          "SGD": (ffnumpy.optim, SGD), "Adam": (ffnumpy.optim, Adam), "make_pairs": (ffnumpy.train, make_pairs),
          "goodness_per_label": (ffnumpy.network.Network, goodness_per_label)}    # a method of Network


def install(monkeypatch):
    """Replace each library piece in FROZEN by its copy, in every module of ffnumpy and of tests/ that holds it
    (a method: in its class).
    returns {name: the number of modules changed}"""
    tests = Path(__file__).parent
    modules = [m for name, m in list(sys.modules.items()) if name == "ffnumpy" or name.startswith("ffnumpy.")
               or Path(getattr(m, "__file__", None) or "/").parent == tests]
    changed = dict.fromkeys(FROZEN, 0)
    for name, (home, frozen) in FROZEN.items():
        current = getattr(home, name)
        if isinstance(home, type):
            monkeypatch.setattr(home, name, frozen)
            changed[name] = 1
            continue
        for module in modules:
            for attr, value in list(vars(module).items()):
                if value is current and module is not sys.modules[__name__]:
                    monkeypatch.setattr(module, attr, frozen)
                    changed[name] += 1
    return changed
