"""Optimisers: SGD with momentum and weight decay, and Adam.

Both update a list of parameter arrays in place, given gradients of the loss
(to be minimised) in the same order. Weight decay adds wd * w to the gradient
(L2 regularisation, as in Hinton's code), for both optimisers.
"""
import os
from concurrent.futures import ThreadPoolExecutor

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

    computed, as in the Adam paper, as w -= lr_t m / (sqrt(v) + eps_t) with
    lr_t = lr sqrt(1 - b2^t) / (1 - b1^t) and eps_t = eps sqrt(1 - b2^t).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, threads=None):
        self.params, self.lr = params, lr
        self.b1, self.b2 = betas
        self.eps, self.weight_decay = eps, weight_decay
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.t = 0
        self.slots = {"m": self.m, "v": self.v}  # the optimiser's state, saved in checkpoints
        self.tmp = [np.empty_like(p) for p in params]
        self.blocks = Blocks(threads)

    def step(self, grads):
        self.t += 1
        c1, c2 = 1 - self.b1 ** self.t, 1 - self.b2 ** self.t
        lr_t, eps_t = self.lr * np.sqrt(c2) / c1, self.eps * np.sqrt(c2)
        for p, m, v, dp, tmp in zip(self.params, self.m, self.v, grads, self.tmp):
            if self.weight_decay:
                dp = dp + self.weight_decay * p
            self.blocks.run(adam_kernel, [p, m, v, np.ascontiguousarray(dp), tmp], self.b1, self.b2, lr_t, eps_t)


def adam_kernel(p, m, v, dp, tmp, b1, b2, lr_t, eps_t):
    """One Adam update, in place, on flat blocks of equal length (tmp is scratch).

    Only in-place operations: Adam reads and writes every weight about ten
    times a step, and fresh temporary arrays would make that slower still.
    """
    m *= b1
    np.multiply(dp, 1 - b1, out=tmp)
    m += tmp                                   # m = b1 m + (1 - b1) grad
    np.multiply(dp, dp, out=tmp)
    tmp *= 1 - b2
    v *= b2
    v += tmp                                   # v = b2 v + (1 - b2) grad^2
    np.sqrt(v, out=tmp)
    tmp += eps_t
    np.divide(m, tmp, out=tmp)
    tmp *= lr_t
    p -= tmp                                   # w -= lr_t m / (sqrt(v) + eps_t)


class Blocks:
    """Runs an element-wise kernel on contiguous blocks of flat arrays, one block
    per thread. NumPy releases the GIL inside its loops, so the blocks run on
    all cores at once; every element gets exactly the same arithmetic, so the
    result does not depend on the number of threads."""

    MIN_SIZE = 1 << 16  # smaller arrays are not worth a thread

    def __init__(self, threads=None):
        self.threads = threads or os.cpu_count() or 1
        self.pool = None

    def run(self, kernel, arrays, *args):
        if not all(a.flags.c_contiguous for a in arrays):
            raise ValueError("Blocks.run needs C-contiguous arrays (it writes through flat views)")
        flat = [a.reshape(-1) for a in arrays]
        n = flat[0].size
        if self.threads == 1 or n < self.MIN_SIZE:
            return kernel(*flat, *args)
        if self.pool is None:
            self.pool = ThreadPoolExecutor(self.threads)
        edges = np.linspace(0, n, self.threads + 1).astype(int)
        jobs = [self.pool.submit(kernel, *[a[lo:hi] for a in flat], *args)
                for lo, hi in zip(edges[:-1], edges[1:])]
        for job in jobs:
            job.result()
