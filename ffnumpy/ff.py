"""One FF or CFF update of a minibatch: every layer learns from its own loss.

    xy   = [positive pairs; negative pairs]        one matrix, one pass
    h_i  = layer i of the network on xy            (no gradient between layers)
    g_i  = ||h_i||^2
    s_i  = g_i + gamma_i - Theta_i                 gamma_i: the other layers' g, a constant
    W_i -= step(dL_i/dW_i),  L_i = softplus(-sign * s_i)

One forward pass serves every layer's goodness and every gamma: the gammas
come from the weights as they were before this minibatch's updates (the paper's
frozen copy f^), so no layer's update depends on the order of the updates.

The loss L_i is one function, the objective, chosen once (objective_for): by
default the logistic loss above, as lessons 01 and 02 write it. The others are
the paper's negative loss, three readings of the entropy objective and SymBa's
symmetric loss on each positive's gap to its own negative. Two
research additions change the step, not the loss: peer normalisation (peer.py)
adds to dL/dz, and learned gamma (gamma_mode "learned") steps the weights alpha.
"""
import numpy as np

from .entropy import FLOOR, entropy_objective_batch, entropy_objective_labels, goodness_penalty
from .layers import dense_backward
from .losses import (collaboration_terms, entropy_objective, ff_loss, goodness_backward, goodness_forward,
                     learned_gamma_grad, sigmoid, softplus)

ENTROPY_READINGS = {"entropy": entropy_objective, "entropy-labels": entropy_objective_labels,
                    "entropy-batch": entropy_objective_batch}


def logistic(g, gamma, Theta, sign, width):
    """The loss of lessons 01 and 02, L = mean softplus(-sign s), s = g + gamma - Theta (losses.ff_loss).

    g, gamma, sign : (N,); Theta : scalar; width : M, unused  ->  loss, dL/dg : (N,)
    """
    return ff_loss(g, gamma, Theta, sign)               # dL/dg = -sign sigmoid(-sign s) / N


def paper_negative(g, gamma, Theta, sign, width):
    """The paper's Algorithm: logistic on positives, log sigmoid(s) minimised on negatives (no floor)."""
    return ff_loss(g, gamma, Theta, sign, "paper")      # negatives: dL/dg = sigmoid(-s) / N


class Entropy:
    """An entropy objective: no sigmoid, no Theta. phi = g + gamma + eps, with the floor eps = FLOOR * width
    (half the width), read as ENTROPY_READINGS[reading]; penalty > 0 adds entropy.goodness_penalty."""

    def __init__(self, reading, penalty=0.0):
        self.reading, self.penalty = ENTROPY_READINGS[reading], penalty

    def __call__(self, g, gamma, Theta, sign, width):
        """g, gamma, sign : (N,); Theta : unused; width : M  ->  loss, dL/dg : (N,)"""
        loss, dg = self.reading(g, gamma, sign, eps=FLOOR * width)
        if self.penalty:                                # + strength mean(g) / M, d/dg_n = strength / (M N)
            bound, dbound = goodness_penalty(g, width, self.penalty)
            loss, dg = loss + bound, dg + dbound
        return loss, dg


class SymBa:
    """SymBa's symmetric loss (Lee & Song, 2023, arXiv 2303.08418): each positive against its own negative.

        Delta_n = s_n - s_{B+n}                      s = g + gamma - Theta; Theta cancels
        L       = mean over the B pairs of softplus(-alpha Delta_n)
        dL/dg_n = -alpha sigmoid(-alpha Delta_n) / B,   dL/dg_{B+n} = +alpha sigmoid(-alpha Delta_n) / B

    Rows n and B + n must be a pair (make_pairs: the same image with its label, then with a wrong one).
    No threshold: only the gap between the two goodnesses is learned, so a positive and its negative get
    pushes of the same size. alpha is in units of ffnumpy's goodness (g = ||h||^2, the logistic's slope is
    1). Published code uses alpha = 4 with goodness measured otherwise (some as the mean of squares, not the
    sum), so that value does not carry over; Delta grows with a layer's width, and alpha is chosen on
    validation (studies/record.py's screen).
    """

    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def __call__(self, g, gamma, Theta, sign, width):
        """g, gamma, sign : (N,) = (2B,), positives first; Theta, width : unused  ->  loss, dL/dg : (N,)"""
        B = len(g) // 2
        if len(g) != 2 * B or not (np.all(sign[:B] > 0) and np.all(sign[B:] < 0)):
            raise ValueError("the SymBa loss needs B positive pairs, then their B negatives in the same order")
        s = g + gamma
        delta = s[:B] - s[B:]                                            # (B,)
        loss = float(np.mean(softplus(-self.alpha * delta)))
        d = -self.alpha * sigmoid(-self.alpha * delta) / B              # dL/dDelta_n
        return loss, np.concatenate([d, -d]).astype(g.dtype, copy=False)  # dDelta/dg_pos = 1, dDelta/dg_neg = -1


def objective_for(name="logistic", negative="logistic", penalty=0.0, alpha=1.0):
    """The objective a Config names (objective, negative_loss, goodness_penalty, symba_alpha), chosen once."""
    if name == "logistic" and not penalty and negative in ("logistic", "paper"):
        return logistic if negative == "logistic" else paper_negative
    if name in ENTROPY_READINGS and negative == "logistic":
        return Entropy(name, penalty)
    if name == "symba" and not penalty and negative == "logistic":
        return SymBa(alpha)
    raise ValueError(f"no objective {name!r} with negative loss {negative!r} and penalty {penalty}: the objectives are "
                     f"logistic (negative loss logistic or paper), {', '.join(ENTROPY_READINGS)} (penalty or not) "
                     f"and symba")


def ff_update(net, optimizers, xy, sign, layers, gamma_mode="none", objective=logistic, theta_mode="per-layer",
              alpha=None, peer=None):
    """Update the chosen layers of `net` on one batch of pairs.

    net        : Network
    optimizers : one optimiser per layer (only those in `layers` are stepped)
    xy         : (N, D) overlaid inputs, positives and negatives together
    sign       : (N,) +1 for positive pairs, -1 for negative pairs
    layers     : indices of the layers to update, e.g. [0, 1, 2] or [1]
    gamma_mode : "none" (FF), "previous" (CFF gamma(<t)) or "all" (CFF gamma); "learned" needs alpha
    objective  : the layer loss, (g, gamma, Theta, sign, width) -> loss, dL/dg (objective_for)
    theta_mode : "per-layer" or "shared" (losses.collaboration_terms)
    alpha      : (L, L) learned gamma's weights; row i is stepped by optimizers[i] with W_i and b_i
    peer       : peer.PeerNorm, peer normalisation's running means and strength, or None
    returns {layer index: loss before the update}
    """
    # Layers above the last trained one matter only to the full gamma.
    depth = net.num_layers if gamma_mode in ("all", "learned") else max(layers) + 1
    hs, caches = net.forward(xy, upto=depth)
    G = np.stack([goodness_forward(h)[0] for h in hs], axis=1)          # (N, depth)
    gamma, Theta = collaboration_terms(G, net.theta[:depth], gamma_mode, theta_mode, alpha)
    losses = {}
    for i in layers:
        losses[i], dg = objective(G[:, i], gamma[:, i], Theta[i], sign, hs[i].shape[1])    # dL/dg_i
        # dL/dz_i = dL/dg_i * 2 h_i * [z_i > 0] = dL/dg_i * 2 h_i: h_i = relu(z_i) is already 0 where z_i <= 0,
        # so the ReLU's backward (layers.relu_backward) would change nothing, not even a bit: it is skipped
        dz = goodness_backward(dg, hs[i])
        if peer is not None:
            dz += peer.push(i, hs[i], sign)                              # in place: dL/dz += c (m_j - mean m) / B
        _, dense_cache, _ = caches[i]                                    # (xn_i, W_i)
        _, dW, db = dense_backward(dz, dense_cache, need_dx=False)       # x^T dz, sum dz
        grads = [dW, db]
        if gamma_mode == "learned":                                      # dL_i/dalpha_it = dL/ds_i (g_t - theta_t)
            grads.append(learned_gamma_grad(dg, G, net.theta[:depth], i, theta_mode).astype(alpha.dtype))
        optimizers[i].step(grads)
    return losses
