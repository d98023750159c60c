"""Functional entropy of the goodness, and its split across and within layers.

For a non-negative function phi (the paper writes h; here h is a layer's
activity, as everywhere in ffnumpy) and a distribution mu,

    Ent_mu(phi) = E_mu[ phi log(phi / E_mu[phi]) ]  =  E_mu[phi] * KL(q || mu),   q = mu phi / E_mu[phi].

It is 0 when phi is constant, grows when phi puts its mass on few points, and
Ent(c phi) = c Ent(phi). With z = (x, y, i) and phi(z) = g_i(x, y), the goodness of
layer i on the pair (x, y), the chain rule of entropy splits it exactly:

    Ent_mu[phi] = Ent_i[ E_(x,y)[phi(., ., i)] ]  +  E_i[ Ent_(x,y)[phi(., ., i)] ]
                 across layers                    within layers

Estimator (what ffnumpy measures). mu is the empirical distribution: a fixed
set of N pairs (x, y) times the L layers, uniform. For positive data the pairs
are (image, true label); for negative data (image, a wrong label drawn once
from a seeded generator). phi = 0 (a silent layer) adds 0, since phi log phi -> 0 as
phi -> 0; a layer with E[phi] = 0 contributes 0 to both terms.
"""
import numpy as np

from .network import overlay_label

FLOOR = 0.5   # the entropy objectives' eps, in units of the layer's width: eps_i = FLOOR * M_i (ff.py)


def entropy(phi, axis=None):
    """Ent(phi) = mean(phi log phi) - mean(phi) log mean(phi) under the uniform distribution.

    phi : array >= 0; axis : the axis that mu runs over (None: all entries)
    returns a scalar, or an array with `axis` removed
    """
    phi = np.asarray(phi, dtype=np.float64)
    if np.any(phi < 0):
        raise ValueError("functional entropy needs phi >= 0")
    mean = phi.mean(axis=axis)
    phi_log_phi = np.where(phi > 0, phi * np.log(np.where(phi > 0, phi, 1.0)), 0.0)    # 0 log 0 = 0
    mean_log_mean = np.where(mean > 0, mean * np.log(np.where(mean > 0, mean, 1.0)), 0.0)
    return phi_log_phi.mean(axis=axis) - mean_log_mean


def entropy_kl_form(phi):
    """The same number as E[phi] * KL(q || mu), q = phi / sum(phi) over uniform mu.   phi : (n,)"""
    phi = np.asarray(phi, dtype=np.float64).ravel()
    q = phi / phi.sum()
    mu = 1.0 / len(phi)
    kl = np.sum(np.where(q > 0, q * np.log(np.where(q > 0, q, 1.0) / mu), 0.0))
    return phi.mean() * kl


def decompose(G):
    """Total, across-layer and within-layer entropy of goodness values.

    G : (N, L), G[n, i] = g_i of pair n
    returns dict(total, across, within, per_layer) with total = across + within,
    mean = E[phi], and concentration = total / mean = KL(q || mu), the scale-free
    part: Ent(c phi) = c Ent(phi), so a method with larger goodness has a larger
    Ent at the same concentration; compare methods by the concentration
    """
    G = np.asarray(G, dtype=np.float64)
    per_layer = entropy(G, axis=0)                         # Ent over pairs, for each layer
    total, mean = float(entropy(G)), float(G.mean())
    return {"total": total, "mean": mean, "concentration": total / mean if mean > 0 else 0.0,
            "across": float(entropy(G.mean(axis=0))),      # Ent over i of E_(x,y)[phi(., ., i)]
            "within": float(per_layer.mean()),             # E_i of the per-layer entropies
            "per_layer": per_layer.tolist()}


def goodness_entropies(net, x, y, y_neg):
    """decompose() of the goodness on positive and on negative pairs.

    x : (N, D) images, y : (N,) true labels, y_neg : (N,) wrong labels
    returns {"positive": {...}, "negative": {...}}
    """
    return {"positive": decompose(net.goodness(overlay_label(x, y))),
            "negative": decompose(net.goodness(overlay_label(x, y_neg)))}


# The entropy objective, read two more ways (issue 23). losses.entropy_objective is reading 1: per
# image, the two pairs (true label, one wrong label). What fixes a layer's scale? Not the loss:
#  - at eps = 0 all three are scale-free (L(c g) = L(g)), and g = |relu(W x + b)|^2 is homogeneous of
#    degree 2 in (W, b), so for FF a layer's loss does not change when its (W, b) are scaled together:
#    by Euler's theorem its gradient d is orthogonal to them, and a plain gradient step can only
#    lengthen them, |w - lr d|^2 = |w|^2 + lr^2 |d|^2 (Adam's step is not exactly orthogonal);
#  - with the floor eps > 0 that training uses, a larger goodness shrinks eps's share of phi: the loss
#    falls as the scale grows once the positives lead (readings 1 and 2); reading 3 falls as the
#    positives' scale grows (C(phi) rises as phi leaves eps behind).
# So nothing in the loss bounds the goodness: without a penalty only the learning-rate schedule does (Adam
# moves each weight by about lr a step, and linear-half takes lr to 0). goodness_penalty adds a bound; the
# studies run every reading with and without it and measure the growth (the goodness and the silent units
# per epoch, track_entropy; objective_report.py).
#
# Why units fall silent under readings 1 and 2. A unit that fires alike for every label (label-blind)
# adds the same c >= 0 to each of the n values phi(x, y) a reading compares (n = 2 or 10). With
#     L = log sum_y phi(x, y) - log phi(x, y_true),     dL/dc = n / sum_y phi(x, y) - 1 / phi(x, y_true),
# which is > 0 exactly when q(y_true | x) > 1 / n. That is one image; the unit's weights sum the push over
# the batch, so once the goodness beats chance on most images each step lowers c, and a ReLU unit lowered
# far enough is off for every input. Layers 2 and 3 see the label only through layer 1; under CFF gamma,
# phi holds layer 1's goodness (in gamma) from the first step, so its lead pushes their label-blind units
# down from the start (tests/test_entropy.py checks the sign; that this is what silences them is not tested).

def goodness_penalty(g, width, strength):
    """The penalty that bounds an entropy objective's goodness (--goodness-penalty): strength times the
    layer's mean squared activity, averaged over the N rows of the batch,

        P     = strength * mean_n g_n / M,        dP/dg_n = strength / (M N)

    Why it bounds: write g = e^s g0. The floor's reward for growing, -dL/ds, falls like eps / g as g
    grows, while dP/ds = P grows like g: L + P has its minimum at a finite scale. And where the loss
    is scale-free (eps = 0, FF), P's gradient has a part along the weights (by Euler's theorem, grad P
    . (W, b) = 2 P > 0), so a step against it shortens them, against the lengthening that the loss's
    orthogonal steps cause. At strength 0.01 (the studies') a layer whose units are all about 1 in
    size (g = M) pays 0.01; the penalty grows with the goodness.

    g : (N,) this layer's goodness on every row; width : M, the layer's units; returns P, dP/dg : (N,)
    """
    return strength * float(np.mean(g)) / width, np.full(len(g), strength / (width * len(g)), dtype=g.dtype)


def entropy_objective_labels(g, gamma, sign, eps):
    """Reading 2: per image, over all ten labels. phi(x, y) = g + gamma + eps > 0, and
    q(y | x) = phi(x, y) / sum_y' phi(x, y'): the goodness, spread over the labels. Ent over the
    labels, per unit of goodness, is KL(q || uniform); put the mass where the label is by
    minimising the cross-entropy of the true label:

        L     = mean_n [ log sum_y phi(x_n, y) - log phi(x_n, y_n) ]
        dL/dphi(x_n, y) = (1 / sum_y' phi(x_n, y') - [y = y_n] / phi(x_n, y_n)) / B

    g, gamma : (10B,) rows label-major: row k B + n shows image n with label k; gamma may be 0.0
    sign     : (10B,) +1 on the row of each image's true label, -1 on its nine others
    returns loss (mean over the B images), dL/dg : (10B,)   (dphi/dg = 1)
    """
    B = len(g) // 10
    if len(g) != 10 * B or np.any((sign > 0).reshape(10, B).sum(axis=0) != 1):
        raise ValueError("the labels reading needs 10 rows per image (label-major), one of them positive")
    phi = (g + gamma + eps).reshape(10, B)
    pos = (sign > 0).reshape(10, B)
    total = phi.sum(axis=0)                                       # (B,)
    loss = np.mean(np.log(total) - np.log(phi[pos]))              # phi[pos]: (B,), label-major order
    dphi = np.broadcast_to(1 / total, phi.shape) - pos / phi     # 1/sum - [y = y_n] / phi
    return loss, (dphi / B).reshape(-1).astype(g.dtype, copy=False)


def concentration_grad(phi):
    """C = Ent(phi) / E[phi] = KL(q || uniform) over the entries of phi, and dC/dphi.

        C        = sum_j q_j log q_j + log n,   q = phi / sum(phi)
        dC/dphi_j = (log phi_j - sum_k q_k log phi_k) / sum(phi)
    phi : (n,) > 0  ->  C (a float), dC/dphi : (n,)
    """
    q = phi / phi.sum()
    log_phi = np.log(phi)
    mean_log = np.sum(q * log_phi)                                # E_q[log phi]
    return float(np.sum(q * np.log(q)) + np.log(len(phi))), (log_phi - mean_log) / phi.sum()


def entropy_objective_batch(g, gamma, sign, eps):
    """Reading 3: over the batch, the paper's Figure 4 turned into a loss. With phi = g + gamma + eps
    over the B positive pairs and over the B negative pairs, maximise the concentration (entropy per
    unit of goodness, concentration_grad) of the positives and minimise that of the negatives:

        L = C(phi_neg) - C(phi_pos),   dL/dphi_pos = -dC/dphi_pos,   dL/dphi_neg = +dC/dphi_neg

    At eps = 0 each C is scale-free, C(c phi) = C(phi), and the loss would be the same whether the
    positives were louder than the negatives or quieter (tests/test_entropy.py shows the invariance).
    The floor changes what it rewards, but not into a ranking: C(phi_pos) grows when the positives'
    goodness is large and uneven (silencing most positives and raising a few also lowers L), and
    C(phi_neg) falls when the negatives' goodness is even, loud or quiet. Nothing in it asks an
    image's positive pair to beat its negative pair, which is what prediction reads. Measured as the
    paper's finding turned into a loss; how well it classifies is the study's question.

    g, gamma : (2B,) rows [positives; negatives]; sign : (2B,) +1 then -1
    returns loss, dL/dg : (2B,)
    """
    B = len(g) // 2
    if len(g) != 2 * B or np.any(sign[:B] != 1) or np.any(sign[B:] != -1):
        raise ValueError("the batch reading needs rows [positives; negatives]")
    phi = g + gamma + eps
    c_pos, d_pos = concentration_grad(phi[:B])
    c_neg, d_neg = concentration_grad(phi[B:])
    return c_neg - c_pos, np.concatenate([-d_pos, d_neg]).astype(g.dtype, copy=False)
