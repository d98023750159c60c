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
