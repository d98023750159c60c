"""The pieces of a fully connected ReLU layer, as forward/backward pairs.

Each `*_forward` returns (out, cache); each `*_backward` takes the gradient of
the loss with respect to `out` and the cache, and returns new gradient arrays
(it never writes into the incoming one).

A layer of the network is   x -> normalise -> z = xn W + b -> h = relu(z).

Normalisation. Each layer's input is scaled to unit RMS,
xn = x / sqrt(mean(x^2) + eps), as in Hinton's code (or, with
normalize="length", to unit length, xn = x / sqrt(sum(x^2) + eps): the other
common reading of "normalise", which the paper may have used). Why: the previous layer's
goodness g = ||h||^2 is in the length of its output; if the next layer could
see that length it would simply copy "goodness is high" instead of learning
new features. Unit RMS (rather than unit length) keeps the entries of xn near
1 whatever the width, so the same initialisation and learning rate suit
layers of any size.
"""
import numpy as np

EPS = 1e-8


NORMALIZE = {"rms": True, "length": False}   # mode -> divide the sum of squares by D?


def normalize_forward(x, mode="rms", eps=EPS):
    """xn = x / r, with r = sqrt(sum(x^2) / c + eps) over each row.

    mode "rms"    : c = D, unit root-mean-square (entries of xn near 1)
    mode "length" : c = 1, unit length (entries near 1 / sqrt(D))
    x : (N, D)  ->  xn : (N, D)
    """
    c = x.shape[1] if NORMALIZE[mode] else 1
    squares = x * x
    r = np.sqrt(np.sum(squares, axis=1, keepdims=True) / c + eps)
    # xn = x / r, written over the squares (needed no more): one (N, D) array, not two
    xn = np.divide(x, r, out=squares if squares.dtype == r.dtype else None)
    return xn, (xn, r, c)


def normalize_backward(dxn, cache):
    """dL/dx = (dL/dxn - xn * sum(dL/dxn * xn) / c) / r.

    From xn_j = x_j / r and dr/dx_k = x_k / (c r):
    dxn_j/dx_k = delta_jk / r - x_j x_k / (c r^3) = (delta_jk - xn_j xn_k / c) / r.
    dxn : (N, D)  ->  dx : (N, D)
    """
    xn, r, c = cache
    return (dxn - xn * np.sum(dxn * xn, axis=1, keepdims=True) / c) / r


def rms_normalize_forward(x, eps=EPS):
    """normalize_forward in the default mode: unit RMS.   x : (N, D) -> xn : (N, D)"""
    return normalize_forward(x, "rms", eps)


rms_normalize_backward = normalize_backward


def dense_forward(x, W, b):
    """z = x W + b.   x : (N, D), W : (D, M), b : (M,)  ->  z : (N, M)"""
    z = x @ W
    z += b                                                # in place: no second (N, M) array
    return z, (x, W)


def dense_backward(dz, cache, need_dx=True):
    """dL/dx = dz W^T,  dL/dW = x^T dz,  dL/db = sum_n dz.

    FF layers do not pass gradients down, so need_dx=False skips dz W^T.
    dz : (N, M)  ->  dx : (N, D) or None, dW : (D, M), db : (M,)
    """
    x, W = cache
    dx = dz @ W.T if need_dx else None
    return dx, x.T @ dz, dz.sum(axis=0)


def relu_forward(z, out=None):
    """h = max(z, 0).   z : (N, M)  ->  h : (N, M)
    out : where to write h (out=z: in place, when z is needed no more)"""
    h = np.maximum(z, 0, out=out)
    return h, h


def relu_backward(dh, cache):
    """dL/dz = dL/dh * [z > 0]  (a new array; dh is left untouched)."""
    h = cache
    return dh * (h > 0)


def ff_layer_forward(x, W, b, normalize="rms"):
    """One FF layer: h = relu(normalize(x) W + b).

    x : (N, D), W : (D, M), b : (M,)  ->  h : (N, M)
    normalize : "rms" (default) or "length", see normalize_forward
    """
    xn, norm_cache = normalize_forward(x, normalize)
    z, dense_cache = dense_forward(xn, W, b)
    h, relu_cache = relu_forward(z, out=z)                # in place: z is needed no more
    return h, (norm_cache, dense_cache, relu_cache)


def ff_layer_backward(dh, cache, need_dx=False, dz_extra=None):
    """Back through relu, dense and normalisation.

    dh : (N, M)  ->  dx : (N, D) or None, dW : (D, M), db : (M,)
    dz_extra : (N, M), added to dL/dz after the ReLU's gate (peer normalisation, peer.py)
    """
    norm_cache, dense_cache, relu_cache = cache
    dz = relu_backward(dh, relu_cache)
    if dz_extra is not None:
        dz = dz + dz_extra
    dxn, dW, db = dense_backward(dz, dense_cache, need_dx)
    dx = normalize_backward(dxn, norm_cache) if need_dx else None
    return dx, dW, db
