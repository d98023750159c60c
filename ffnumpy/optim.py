"""Optimisers: SGD with momentum and weight decay, and Adam.

Both update a list of parameter arrays in place, given gradients of the loss
(to be minimised) in the same order. Weight decay adds wd * w to the gradient
(L2 regularisation, as in Hinton's code), for both optimisers.
"""
import numpy as np


class SGD:
    """v <- momentum * v + (grad + wd * w);   w <- w - lr * v"""

    def __init__(self, params, lr=0.01, momentum=0.0, weight_decay=0.0):
        self.params, self.lr = params, lr
        self.momentum, self.weight_decay = momentum, weight_decay
        self.v = [np.zeros_like(p) for p in params]
        self.t = 0
        self.slots = {"v": self.v}  # the optimiser's state, saved in checkpoints

    def step(self, grads):
        self.t += 1
        for p, v, dp in zip(self.params, self.v, grads):
            if self.weight_decay:
                dp = dp + self.weight_decay * p
            v *= self.momentum
            v += dp
            p -= self.lr * v


class Adam:
    """Adam (Kingma & Ba):
        m <- b1 m + (1 - b1) grad,   v <- b2 v + (1 - b2) grad^2
        w <- w - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        self.params, self.lr = params, lr
        self.b1, self.b2 = betas
        self.eps, self.weight_decay = eps, weight_decay
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.t = 0
        self.slots = {"m": self.m, "v": self.v}  # the optimiser's state, saved in checkpoints

    def step(self, grads):
        self.t += 1
        c1, c2 = 1 - self.b1 ** self.t, 1 - self.b2 ** self.t
        for p, m, v, dp in zip(self.params, self.m, self.v, grads):
            if self.weight_decay:
                dp = dp + self.weight_decay * p
            m *= self.b1
            m += (1 - self.b1) * dp
            v *= self.b2
            v += (1 - self.b2) * dp * dp
            p -= (self.lr / c1) * m / (np.sqrt(v / c2) + self.eps)
