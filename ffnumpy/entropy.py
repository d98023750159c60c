"""Functional entropy of the goodness, and its split across and within layers.

For a non-negative function h and a distribution mu,

    Ent_mu(h) = E_mu[ h log(h / E_mu[h]) ]  =  E_mu[h] * KL(q || mu),   q = mu h / E_mu[h].

It is 0 when h is constant, grows when h puts its mass on few points, and
Ent(c h) = c Ent(h). With z = (x, y, i) and h(z) = g_i(x, y), the goodness of
layer i on the pair (x, y), the chain rule of entropy splits it exactly:

    Ent_mu[h] = Ent_i[ E_(x,y)[h(., ., i)] ]  +  E_i[ Ent_(x,y)[h(., ., i)] ]
                 across layers                    within layers

Estimator (what ffnumpy measures). mu is the empirical distribution: a fixed
set of N pairs (x, y) times the L layers, uniform. For positive data the pairs
are (image, true label); for negative data (image, a wrong label drawn once
from a seeded generator). h = 0 (a silent layer) adds 0, since h log h -> 0 as
h -> 0; a layer with E[h] = 0 contributes 0 to both terms.
"""
import numpy as np

from .network import overlay_label


def entropy(h, axis=None):
    """Ent(h) = mean(h log h) - mean(h) log mean(h) under the uniform distribution.

    h : array >= 0; axis : the axis that mu runs over (None: all entries)
    returns a scalar, or an array with `axis` removed
    """
    h = np.asarray(h, dtype=np.float64)
    if np.any(h < 0):
        raise ValueError("functional entropy needs h >= 0")
    mean = h.mean(axis=axis)
    h_log_h = np.where(h > 0, h * np.log(np.where(h > 0, h, 1.0)), 0.0)    # 0 log 0 = 0
    mean_log_mean = np.where(mean > 0, mean * np.log(np.where(mean > 0, mean, 1.0)), 0.0)
    return h_log_h.mean(axis=axis) - mean_log_mean


def entropy_kl_form(h):
    """The same number as E[h] * KL(q || mu), q = h / sum(h) over uniform mu.   h : (n,)"""
    h = np.asarray(h, dtype=np.float64).ravel()
    q = h / h.sum()
    mu = 1.0 / len(h)
    kl = np.sum(np.where(q > 0, q * np.log(np.where(q > 0, q, 1.0) / mu), 0.0))
    return h.mean() * kl


def decompose(G):
    """Total, across-layer and within-layer entropy of goodness values.

    G : (N, L), G[n, i] = g_i of pair n
    returns dict(total, across, within, per_layer) with total = across + within,
    mean = E[h], and concentration = total / mean = KL(q || mu), the scale-free
    part: Ent(c h) = c Ent(h), so a method with larger goodness has a larger
    Ent at the same concentration; compare methods by the concentration
    """
    G = np.asarray(G, dtype=np.float64)
    per_layer = entropy(G, axis=0)                         # Ent over pairs, for each layer
    total, mean = float(entropy(G)), float(G.mean())
    return {"total": total, "mean": mean, "concentration": total / mean if mean > 0 else 0.0,
            "across": float(entropy(G.mean(axis=0))),      # Ent over i of E_(x,y)[h(., ., i)]
            "within": float(per_layer.mean()),             # E_i of the per-layer entropies
            "per_layer": per_layer.tolist()}


def goodness_entropies(net, x, y, y_neg):
    """decompose() of the goodness on positive and on negative pairs.

    x : (N, D) images, y : (N,) true labels, y_neg : (N,) wrong labels
    returns {"positive": {...}, "negative": {...}}
    """
    return {"positive": decompose(net.goodness(overlay_label(x, y))),
            "negative": decompose(net.goodness(overlay_label(x, y_neg)))}
