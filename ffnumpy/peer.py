"""Peer normalisation (Hinton's FF code): keep every unit of a layer in use.

A ReLU unit that happens to be off for every input gets no gradient, so it
stays off for ever, and a layer can end with most of its units silent. Hinton's
remedy: each unit j keeps a running mean m_j of its activity on positive pairs,

    m_j <- 0.9 m_j + 0.1 * mean over the batch of h_j          (m_j starts at 0.5)

and every unit is pulled toward the layer's average activity. In Hinton's
code, which climbs its objective, `strength * (mean_k m_k - m_j)` is added to
the derivative with respect to the unit's input z_j for every positive pair,
*after* the ReLU's gate: a unit that is off still gets the push. ffnumpy
descends a loss, so the sign flips:

    dL/dz_j += strength * (m_j - mean_k m_k)                    positive pairs only

A unit that is always off has m_j < mean m, so dL/dz_j < 0 and gradient descent
raises z_j (through its bias and weights) until the unit takes part again; a
unit that is on far more than its peers is pulled down the same way. The term
is not the gradient of any loss: it is a rule added to the update.

The running mean is updated with this batch *before* the term is computed.

Under Adam the strength hardly matters on a silent unit: its loss gradient is 0, Adam divides the push by
its own size, and the unit moves by about lr a step. With the scale-free entropy objective that revives
every unit alike and the goodness runs away (results/experiments, objective-peer); Hinton's recipe pairs
peer normalisation with SGD. A layer whose every unit is off has m_j = mean m: nothing pulls it up.
"""
import numpy as np

START, DECAY = 0.5, 0.9


def peer_means(widths, dtype=np.float32):
    """The running mean activity of every unit of every layer: [(M_i,)], all START."""
    return [np.full(m, START, dtype) for m in widths]


def peer_update(m, h_pos):
    """m <- DECAY m + (1 - DECAY) mean_n h_pos[n]  (in place).   m : (M,), h_pos : (B, M)"""
    m *= DECAY
    m += (1 - DECAY) * h_pos.mean(axis=0)
    return m


def peer_term(m, strength, sign, positives=1):
    """What peer normalisation adds to dL/dz of one layer, divided by `positives` (1: before the mean over them).

    m : (M,) running mean activities, strength : scalar, sign : (N,) +1 positive, -1 negative
    positives : a Python int (a numpy int64 would make the push float64 under NEP 50)
    returns (N, M): strength * (m_j - mean(m)) / positives on positive rows, 0 on negative rows
    """
    push = (strength * (m - m.mean())).astype(m.dtype) / positives   # divided on one row, not on all N of them
    return (sign > 0)[:, None] * push[None, :]


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
        return peer_term(self.means[i], self.strength, sign, int(np.count_nonzero(sign > 0)))
