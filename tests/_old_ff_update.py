"""A frozen copy of ffnumpy.ff.ff_update and ffnumpy.train.train_step as they were before the update was
split into objectives (commit ca2e243), kept only for tests/test_update_replay.py: the replay runs the
library's update and this copy on the same inputs on the same machine and asserts equal bits.

Verbatim but for the names (old_ff_update, old_train_step) and the imports, which take the pieces both
versions share (losses, entropy, peer, layers, train.make_pairs) from ffnumpy. Do not edit it.
"""
import numpy as np

from ffnumpy.backprop import label_loss_and_grads, pairwise_loss_and_grads
from ffnumpy.entropy import FLOOR, entropy_objective_batch, entropy_objective_labels, goodness_penalty
from ffnumpy.layers import ff_layer_backward
from ffnumpy.losses import (collaboration_terms, entropy_objective, ff_loss, goodness_backward, goodness_forward,
                            learned_gamma_grad)
from ffnumpy.peer import peer_term, peer_update
from ffnumpy.train import make_pairs

ENTROPY_READINGS = {"entropy": entropy_objective, "entropy-labels": entropy_objective_labels,
                    "entropy-batch": entropy_objective_batch}


def old_ff_update(net, optimizers, xy, sign, layers, gamma_mode="none", objective="logistic",
                  theta_mode="per-layer", negative="logistic", alpha=None, peer=None, peer_strength=0.0,
                  penalty=0.0):
    """Update the chosen layers of `net` on one batch of pairs.

    net        : Network
    optimizers : one optimiser per layer (only those in `layers` are stepped)
    xy         : (N, D) overlaid inputs, positives and negatives together
    sign       : (N,) +1 for positive pairs, -1 for negative pairs
    layers     : indices of the layers to update, e.g. [0, 1, 2] or [1]
    gamma_mode : "none" (FF), "previous" (CFF gamma(<t)) or "all" (CFF gamma)
    objective  : "logistic" (log sigmoid(g + gamma - theta)), or the entropy objective, no sigmoid and
                 no theta, read three ways: "entropy" (losses.entropy_objective: per image, its pair),
                 "entropy-labels" (entropy.entropy_objective_labels: per image, all ten labels; xy then
                 holds 10 rows per image) and "entropy-batch" (entropy.entropy_objective_batch)
    theta_mode : "per-layer" or "shared" (losses.collaboration_terms)
    negative   : "logistic" or "paper", the loss on negative pairs (losses.ff_loss)
    alpha      : (L, L) collaboration weights, with gamma_mode "learned"; row i is
                 stepped by optimizers[i] with W_i and b_i (its params list ends with it)
    peer       : [(M_i,)] running mean activities, with peer_strength > 0: peer
                 normalisation (peer.py), updated here from the positive pairs; its term
                 is averaged over the B positives (Hinton's code: his gradient is the
                 positives' sum plus the negatives' sum over B, which ffnumpy's dL/dW equals)
    penalty    : with an entropy objective, the strength of entropy.goodness_penalty (0: none)
    returns {layer index: loss before the update}
    """
    # Layers above the last trained one matter only to the full gamma.
    depth = net.num_layers if gamma_mode in ("all", "learned") else max(layers) + 1
    hs, caches = net.forward(xy, upto=depth)
    G = np.stack([goodness_forward(h)[0] for h in hs], axis=1)          # (N, depth)
    gamma, Theta = collaboration_terms(G, net.theta[:depth], gamma_mode, theta_mode, alpha)
    losses = {}
    for i in layers:
        if objective in ENTROPY_READINGS:                               # floor eps: half the width
            losses[i], dg = ENTROPY_READINGS[objective](G[:, i], gamma[:, i], sign, eps=FLOOR * hs[i].shape[1])
            if penalty:                                                  # + strength mean(g) / M
                bound, dbound = goodness_penalty(G[:, i], hs[i].shape[1], penalty)
                losses[i], dg = losses[i] + bound, dg + dbound
        else:
            losses[i], dg = ff_loss(G[:, i], gamma[:, i], Theta[i], sign, negative)  # dL/dg_i; gamma: none
        dh = goodness_backward(dg, hs[i])                                # dL/dh_i = dL/dg_i * 2 h_i
        extra = None
        if peer_strength:                                                # dL/dz += c (m_j - mean m) / B, positives
            peer_update(peer[i], hs[i][sign > 0])
            positives = int(np.count_nonzero(sign > 0))                  # a Python int: a numpy int64
            extra = peer_term(peer[i], peer_strength, sign) / positives  # would make dz float64 (NEP 50)
        _, dW, db = ff_layer_backward(dh, caches[i], dz_extra=extra)     # x^T dz, sum dz
        grads = [dW, db]
        if gamma_mode == "learned":                                      # dL_i/dalpha_it = dL/ds_i (g_t - theta_t)
            grads.append(learned_gamma_grad(dg, G, net.theta[:depth], i, theta_mode).astype(alpha.dtype))
        optimizers[i].step(grads)
    return losses


def old_train_step(model, cfg, batches, layers):
    """One step on minibatches [(x, y), ...] (one per layer when alternating).

    returns the mean loss over the updated layers
    """
    net, rng = model.net, model.rng
    if cfg.method == "bp-label":
        (x, y), = batches
        loss, grads = label_loss_and_grads(net, model.head, x, y, model.classes)
        model.optimizers[0].step([g for pair in grads for g in pair])
        return loss
    if cfg.method == "bp-pairwise":
        loss, grads = pairwise_loss_and_grads(net, *make_pairs(model, cfg, *batches[0], rng), cfg.negative_loss)
        model.optimizers[0].step([g for pair in grads for g in pair])
        return loss
    rule = dict(gamma_mode=cfg.gamma_mode, objective=cfg.objective, theta_mode=cfg.theta_mode,
                negative=cfg.negative_loss, alpha=model.alpha, peer=model.peer, peer_strength=cfg.peer_norm,
                penalty=cfg.goodness_penalty)
    if cfg.schedule == "alternating":
        losses = [old_ff_update(net, model.optimizers, *make_pairs(model, cfg, x, y, rng), [i], **rule)[i]
                  for i, (x, y) in zip(layers, batches)]
    else:
        depth = max(layers) + 1 if cfg.schedule == "layer" else None
        losses = old_ff_update(net, model.optimizers, *make_pairs(model, cfg, *batches[0], rng, depth), layers,
                               **rule).values()
    return float(np.mean(list(losses)))
