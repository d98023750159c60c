"""Optimisers: SGD with momentum and weight decay, and Adam.

Both update a list of parameter arrays in place, given gradients of the loss
(to be minimised) in the same order. Weight decay adds wd * w to the gradient
(L2 regularisation, as in Hinton's code), for both optimisers, on the
parameters whose entry in `decay` is True (default: all; Hinton's code decays
the weights and not the biases: decay=[True, False]).

Both walk a weight matrix a block of rows at a time (blocks): each of their
passes (a multiply, an add) then finds the block in the cache, and the
matrix travels from memory once a step instead of once a pass. A 2000 x 2000
float32 matrix is 16 MB; a block is 256 KB. Every entry gets the same
operations as without blocks, so the numbers are the same, bit for bit.

Every FLUSH_EVERY steps, the moments too small to move a weight are set to 0. A moment whose gradient
stopped shrinks by b1 = 0.9 a step, into float32's denormals (below about 1.2e-38) in under two epochs;
the CPU handles those tens of times slower (losses.py, benchmarks/bench_denormals.py).
"""
import numpy as np

BLOCK = 2 ** 16     # entries per block (256 KB of float32): a block of each array fits in the cache together
FLUSH_EVERY = 50    # steps between flushes: a moment at MOMENT_FLOOR needs over 150 steps of b1 = 0.9 to turn denormal
MOMENT_FLOOR = 1e-30    # lr M / (sqrt(V) + eps) is then below 1e-20: it moves only a weight that is about 0
V_FLOOR = 1e-36         # sqrt(1e-36) = 1e-18 is below the last bit of eps (1e-8)


def blocks(p):
    """Slices of p's rows, each about BLOCK entries: [p[rows] for rows in blocks(p)] covers p.
    A scalar, a vector, or a matrix of at most BLOCK entries is one block."""
    if p.ndim < 2 or p.size <= BLOCK:
        return [...]
    rows = max(1, BLOCK // (p.size // p.shape[0]))
    return [slice(start, start + rows) for start in range(0, p.shape[0], rows)]


def scratch(p):
    """An empty array the shape of p's first block: the optimisers' room for one pass's result."""
    return np.empty_like(p[blocks(p)[0]])


def in_blocks(tmp, p, *arrays):
    """(tmp, p[rows], a[rows] for a in arrays) for each block of p's rows; tmp, p's scratch, cut to the block."""
    for rows in blocks(p):
        block = p[rows]
        yield (tmp if rows is Ellipsis else tmp[:len(block)]), block, *(a[rows] for a in arrays)


def flush(a, floor):
    """Set the entries of `a` with |a| < floor to 0, in place.   a : any shape  ->  a"""
    np.copyto(a, 0, where=np.abs(a) < floor)
    return a


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
        self.tmp = [scratch(p) for p in params]  # no fresh array every step

    def step(self, grads):
        self.t += 1
        for arrays, wd in zip(zip(self.tmp, self.params, self.v, grads), self.decays):
            for tmp, p, v, dp in in_blocks(*arrays):   # a block of rows at a time: each pass finds it in the cache
                if wd:                                 # grad + wd w, in the scratch array
                    np.multiply(p, wd, out=tmp)
                    tmp += dp
                    dp = tmp
                v *= self.momentum
                v += dp                                # v = momentum v + grad, in place
                np.multiply(v, self.lr, out=tmp)
                p -= tmp                               # w -= lr v, in place
        if self.t % FLUSH_EVERY == 0:                  # moments too small to move a weight: 0, never denormal
            for v in self.v:
                flush(v, MOMENT_FLOOR)


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
        self.tmp = [scratch(p) for p in params]

    def step(self, grads):
        self.t += 1
        b1, b2 = self.b1, self.b2
        root = np.sqrt((1 - b2 ** self.t) / (1 - b2))
        lr_t, eps_t = self.lr * (1 - b1) / (1 - b1 ** self.t) * root, self.eps * root
        for arrays, wd in zip(zip(self.tmp, self.params, self.M, self.V, grads), self.decays):
            for tmp, p, M, V, dp in in_blocks(*arrays):    # a block of rows at a time: each pass finds it in the cache
                if wd:
                    dp = dp + wd * p
                M *= b1
                M += dp                                # M = b1 M + grad
                np.multiply(dp, dp, out=tmp)
                V *= b2
                V += tmp                               # V = b2 V + grad^2
                np.sqrt(V, out=tmp)
                tmp += eps_t
                np.divide(M, tmp, out=tmp)
                tmp *= lr_t
                p -= tmp                               # w -= lr_t M / (sqrt(V) + eps_t)
        if self.t % FLUSH_EVERY == 0:                  # moments too small to move a weight: 0, never denormal
            for M, V in zip(self.M, self.V):
                flush(M, MOMENT_FLOOR)
                flush(V, V_FLOOR)
