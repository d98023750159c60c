"""The FF objective, log sigmoid(g + gamma - theta), and its derivative.

Layer i scores a pair (x, y) with the logit

    s = g + gamma - theta,      g = ||h||^2 (the layer's goodness),

where gamma is the goodness the *other* layers give the same pair (0 in
original FF, a constant without gradient in collaborative FF) and theta a
threshold. p = sigmoid(s) is the layer's probability that the pair is
positive. With sign = +1 for positive pairs and -1 for negative pairs,

    positive:  L = -log sigmoid(s)      = softplus(-s),   dL/ds = sigmoid(s) - 1
    negative:  L = -log(1 - sigmoid(s)) = softplus(s),    dL/ds = sigmoid(s)
    both:      L = softplus(-sign * s),                    dL/ds = -sign * sigmoid(-sign * s)

This is the symmetric logistic form of Hinton's FF, ffnumpy's default
(negative="logistic"). The paper's Algorithm writes the negative update as
w -= d log p_neg / dw, i.e. it *minimises* log sigmoid(s) on negatives
(negative="paper"):

    negative, paper:  L = log sigmoid(s) = -softplus(-s),   dL/ds = 1 - sigmoid(s) = sigmoid(-s)

That loss has no floor: its gradient tends to 1, not 0, as s -> -inf, so a
negative pair is pushed down forever, even once it is far below the
threshold; under the logistic form the push vanishes once p_neg is near 0.

softplus(x) = log(1 + e^x) is computed as logaddexp(0, x), and sigmoid(x)
from e = exp(-|x|) <= 1 as 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0:
no overflow, and accurate to the last bits in both tails, in float32 as in
float64 (the form (1 + tanh(x / 2)) / 2 returns exactly 0 in float32 below
x = -17, which would give well-classified pairs exactly zero gradient).

Below GRADIENT_FLOOR a pair's dL/dg is set to 0, and so is a softmax probability. A float32 below about
1.2e-38 is *denormal*: the CPU handles it tens of times slower (benchmarks/bench_denormals.py: a product
122 times, whole epochs up to 3 times). A pair sure by a margin of 90 gets sigmoid(-90), about 1e-39,
and every product with it is as small. Beside any pair less sure, such a term is lost in float32's
rounding of the sum; alone, Adam's eps (1e-8) shrinks its step to about 1e-25. So the floor moves only
parameters that are themselves about 0 at first (tests/test_denormals.py). Over a longer run such a last-bit
change spreads, like a change of CPU: the error moves by as much as two seeds (benchmarks/denormal_drift.py).
"""
import numpy as np

GRADIENT_FLOOR = 1e-30      # a pair's dL/dg, or a softmax probability, below it is 0: never a denormal



def softplus(x):
    """log(1 + e^x), without overflow."""
    return np.logaddexp(0, x)


def sigmoid(x):
    """1 / (1 + e^-x), without overflow, accurate in both tails; keeps x's dtype."""
    x = np.asarray(x)
    e = np.exp(-np.abs(x))                     # in (0, 1]: never overflows
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def check_labels(y, n=None, num_classes=10):
    """Raise ValueError unless y is an (n,) array of integer labels in 0..num_classes-1.

    (A label of -1 would silently index class 9, and 12 would be an IndexError
    deep inside a loss: refuse both at the door.)
    """
    y = np.asarray(y)
    if y.ndim != 1 or (n is not None and len(y) != n):
        raise ValueError(f"labels must have shape ({'N' if n is None else n},), got {y.shape}")
    if y.dtype.kind not in "iu":
        raise ValueError(f"labels must be integers, got dtype {y.dtype}")
    if len(y) and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"labels must lie in 0..{num_classes - 1}, got values from {y.min()} to {y.max()}")
    return y


def goodness_forward(h):
    """g = ||h||^2 = sum_j h_j^2.   h : (N, M)  ->  g : (N,)"""
    return np.einsum("nm,nm->n", h, h), h


def goodness_backward(dg, cache):
    """dL/dh = dL/dg * 2h.   dg : (N,)  ->  dh : (N, M)"""
    h = cache
    dg = np.where(np.abs(dg) < GRADIENT_FLOOR, 0, dg).astype(dg.dtype, copy=False)   # too small to matter: 0
    return 2 * dg[:, None] * h


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
        t = -sign * s
        loss = softplus(t).mean()
        dg = -sign * sigmoid(t) / len(g)            # dL/ds = -sign * sigmoid(-sign s); ds/dg = 1
    elif negative == "paper":                         # positives as above; negatives: log sigmoid(s)
        loss = (sign * softplus(-s)).mean()
        dg = -sign * sigmoid(-s) / len(g)           # d softplus(-s)/ds = -sigmoid(-s)
    else:
        raise ValueError(f"negative must be 'logistic' or 'paper', got {negative!r}")
    return loss, dg


def ff_layer_loss(h, gamma, theta, sign, negative="logistic"):
    """FF loss of a layer's activity h and dL/dh = dL/dg * 2h.

    h : (N, M), gamma : (N,) or scalar, sign : (N,)  ->  loss, dh : (N, M)
    """
    g, cache = goodness_forward(h)
    loss, dg = ff_loss(g, gamma, theta, sign, negative)
    return loss, goodness_backward(dg, cache)


GAMMA_MODES = ("none", "previous", "all", "learned")


def collaboration_terms(G, theta, mode, theta_mode="per-layer", alpha=None):
    """gamma for every layer, and the threshold its logit is compared with.

    G          : (N, L) goodness of each layer for each pair (a constant here)
    theta      : (L,) threshold of each layer
    mode       : "none" (FF)      gamma_i = 0
                 "previous"       gamma_i = sum_{t < i} g_t     (the paper's gamma(<t))
                 "all"            gamma_i = sum_{t != i} g_t    (the paper's gamma)
                 "learned"        gamma_i = sum_{t != i} alpha_it g_t, alpha : (L, L) trained
                                  (an extension of ours, see learned_gamma_grad)
    theta_mode : "per-layer" (default) Theta_i = theta_i + the theta_t of the layers in gamma_i
                 "shared"              Theta_i = theta_i, the paper's equation as written
    returns gamma : (N, L) and Theta : (L,)

    per-layer: the logit is s_i = sum over the layers involved of (g_t - theta_t),
    so every layer's goodness is measured against its own threshold; with
    "all", every layer sees the same logit S = sum_t (g_t - theta_t).
    shared: s_i = g_i + gamma_i - theta_i; the more layers gamma_i sums, the
    further s_i starts above zero (CFF's logits begin near (L - 1) theta for
    "all"), until training pulls the goodness of negatives down.
    """
    theta = np.asarray(theta, dtype=G.dtype)
    if theta_mode not in ("per-layer", "shared"):
        raise ValueError(f"theta_mode must be 'per-layer' or 'shared', got {theta_mode!r}")
    if mode == "none":
        return np.zeros_like(G), theta
    if mode == "previous":
        gamma = np.cumsum(G, axis=1) - G                  # exclusive prefix sum
        return gamma, (np.cumsum(theta) if theta_mode == "per-layer" else theta)
    if mode == "all":
        gamma = G.sum(axis=1, keepdims=True) - G
        return gamma, (np.full_like(theta, theta.sum()) if theta_mode == "per-layer" else theta)
    if mode == "learned":
        L = G.shape[1]
        a = np.asarray(alpha, dtype=G.dtype)[:L, :L] * (1 - np.eye(L, dtype=G.dtype))   # alpha_ii = 0
        gamma = G @ a.T                                   # gamma[n, i] = sum_t alpha_it G[n, t]
        return gamma, (theta + a @ theta if theta_mode == "per-layer" else theta)
    raise ValueError(f"gamma mode must be one of {GAMMA_MODES}, got {mode!r}")


def learned_gamma_grad(dg, G, theta, i, theta_mode="per-layer"):
    """dL_i/dalpha_it for the learned gamma: layer i's loss against its collaboration weights.

    s_i = g_i + sum_{t != i} alpha_it g_t - Theta_i, Theta_i = theta_i + sum_{t != i} alpha_it theta_t
    (per-layer; shared: Theta_i = theta_i), so
    ds_i/dalpha_it = g_t - theta_t (per-layer) or g_t (shared), and
    dL/dalpha_it = sum_n dL/ds_i[n] * ds_i[n]/dalpha_it, with dL/ds_i = dL/dg_i (ds_i/dg_i = 1).
    g_t is a constant here, as in CFF: no gradient reaches another layer's weights.

    dg : (N,) dL/dg_i, G : (N, L), theta : (L,)  ->  (L,), entry i = 0 (alpha_ii stays 0)
    """
    D = G - np.asarray(theta, dtype=G.dtype) if theta_mode == "per-layer" else G   # ds_i/dalpha_it per pair
    grad = dg @ D
    grad[i] = 0
    return grad


def entropy_objective(g, gamma, sign, eps):
    """The entropy-based objective: no sigmoid, no theta.

    g, gamma : (2B,) goodness of this layer and of the others (a constant),
               rows [positive pairs; negative pairs], pair n and pair B + n
               showing the same image with the true and with a wrong label
    sign     : (2B,) +1 on the first half, -1 on the second
    eps      : a floor added to the goodness (ff.py uses half the layer's width)
    returns loss (mean over the B images) and dL/dg : (2B,)

    Derivation. For one image take mu uniform on its two pairs and
    phi = g + gamma + eps (> 0). Then Ent_mu(phi) = E_mu[phi] * KL(q || mu) with
    q = phi / sum(phi): per unit of goodness, the entropy is KL(q || mu), which is
    largest (log 2) when q is a point mass. Entropy alone cannot say *which*
    pair should hold the mass (it is symmetric in the two); the label can. So
    ask q to be the point mass on the positive pair, q -> (1, 0), by
    minimising the cross-entropy of that target with q:

        L = -log q(pos) = log(a + b) - log(a),   a = phi(pos), b = phi(neg)
        dL/da = 1 / (a + b) - 1 / a = -b / (a (a + b)),   dL/db = 1 / (a + b)

    At the optimum q = (1, 0) and the functional entropy per unit mass is at
    its maximum. L depends only on the ratio b / a: no threshold is needed,
    and the scale of g is free.

    The floor eps matters: dL/da grows like 1 / a, so without it the few
    pairs that a layer leaves almost silent (g near 0) would get enormous
    gradients and drown the rest. A floor of half the layer's width (a mean
    squared activity of 0.5) trained best of 1e-6, 1, 10, 32, 64 on a 64-unit
    test network (tests/test_entropy.py trains with it).
    """
    B = len(g) // 2
    if len(g) != 2 * B or np.any(sign[:B] != 1) or np.any(sign[B:] != -1):
        raise ValueError("the entropy objective needs rows [positives; negatives] of the same images")
    phi = g + gamma + eps
    a, b = phi[:B], phi[B:]
    loss = np.mean(np.log(a + b) - np.log(a))
    dg = np.concatenate([-b / (a * (a + b)), 1 / (a + b)]) / B
    return loss, dg


def softmax_cross_entropy(logits, y):
    """Mean cross-entropy of softmax(logits) against labels, and its gradient.

    logits : (N, C), y : (N,) ints  ->  loss, dL/dlogits = (softmax - onehot) / N
    """
    check_labels(y, len(logits), logits.shape[1])
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = len(y)
    loss = -log_p[np.arange(n), y].mean()
    dlogits = np.exp(log_p)
    dlogits[dlogits < GRADIENT_FLOOR] = 0                # too small to matter: 0, never a denormal
    dlogits[np.arange(n), y] -= 1
    return loss, dlogits / n
