"""Checks of tutorial 01's exercises: goodness, ff_loss, layer_backward, network_step.

Each check tries, in order: a worked example whose answer is written here (the
numbers a student can redo by hand), finite differences for a gradient, and the
library's function last, on random inputs. A failure names the likely mistake.
"""
import numpy as np

from ..exercise import Exercise, Mismatch, expect, gradient_check, show
from .. import layers, losses

H = np.array([[1.0, 2.0], [3.0, 0.0], [0.0, 0.0]])       # 3 rows, 2 units
DG = np.array([1.0, -2.0, 0.5])


def check_goodness(functions):
    """functions = (goodness(h) -> (N,), goodness_backward(dg, h) -> (N, M))."""
    forward, backward = functions
    expect(forward(H), [5.0, 9.0, 0.0], "goodness of [[1, 2], [3, 0], [0, 0]]",
           hints=[(lambda got, want: np.allclose(got, [3, 3, 0]), "that is the sum of h: square each unit first"),
                  (lambda got, want: np.allclose(got, np.sqrt(want)), "that is the norm: the goodness is its square"),
                  (lambda got, want: np.allclose(got, [10, 4]),
                   "you summed over the rows: sum over the units, axis 1")])
    # dL/dh = dL/dg * dg/dh, row by row: [1 * 2 * (1, 2), -2 * 2 * (3, 0), 0.5 * 2 * (0, 0)]
    expect(backward(DG, H), [[2.0, 4.0], [-12.0, 0.0], [0.0, 0.0]], "goodness_backward(dg = [1, -2, 0.5], h above)",
           hints=[(lambda got, want: np.allclose(got, 2 * H), "dg is missing: multiply row n by its own dg[n]")])
    rng = np.random.default_rng(11)
    h, dg = rng.random((5, 7)), rng.standard_normal(5)
    gradient_check(backward(dg, h), forward, h, dout=dg, what="goodness_backward")
    expect(forward(h), losses.goodness_forward(h)[0], "goodness on a random (5, 7) h, against the library")


def library_goodness():
    return (lambda h: losses.goodness_forward(h)[0]), losses.goodness_backward


def _ff_loss_by_hand(g, theta, sign):
    """The worked example's answer, from the definition: L = mean softplus(-sign s), s = g - theta."""
    s = g - theta
    return np.mean(np.log1p(np.exp(-sign * s))), -sign / (1 + np.exp(sign * s)) / len(g)


def check_ff_loss(mine):
    """mine(g, theta, sign) -> (loss, dL/dg)."""
    g, theta, sign = np.array([7.0, 2.0, 5.0, 1.0]), 4.0, np.array([1.0, -1.0, -1.0, 1.0])   # s = 3, -2, 1, -3
    want_loss, want_dg = _ff_loss_by_hand(g, theta, sign)
    loss, dg = mine(g, theta, sign)
    flipped = np.mean(np.log1p(np.exp(sign * (g - theta))))
    expect(loss, want_loss, "the loss of g = [7, 2, 5, 1], theta 4, sign [+, -, -, +]",
           hints=[(lambda got, want: np.isclose(got, flipped), "the signs are swapped: a positive pair's loss "
                   "must be small when s is large, softplus(-s); a negative pair's softplus(+s)"),
                  (lambda got, want: np.isclose(got, 4 * want),
                   "that is the sum over the pairs: the loss is the mean")])
    expect(dg, want_dg, "dL/dg on the same pairs",
           hints=[(lambda got, want: np.allclose(got, -sign / (1 + np.exp(-sign * (g - theta))) / 4),
                   "sigmoid(sign * s) where sigmoid(-sign * s) is wanted: which pairs are on the wrong side?")])
    gradient_check(dg, lambda v: mine(v, theta, sign)[0], g, what="dL/dg")
    far = mine(np.array([-800.0, 800.0]), 0.0, np.array([1.0, -1.0]))[0]    # both far on the wrong side
    expect(far, 800.0, "the loss of two pairs 800 on the wrong side of theta",
           hints=[(lambda got, want: not np.isfinite(got), "log(1 + exp(800)) overflows: use softplus, "
                   "which computes it without exp of a large number")])
    rng = np.random.default_rng(12)
    g, sign = 6 + 3 * rng.standard_normal(8), np.repeat([1.0, -1.0], 4)
    expect(mine(g, 6.0, sign)[0], losses.ff_loss(g, 0.0, 6.0, sign)[0], "the loss on random pairs, against the library")


def library_ff_loss():
    return lambda g, theta, sign: losses.ff_loss(g, 0.0, theta, sign)


XN = np.array([[1.0, 2.0], [0.0, 1.0], [3.0, -1.0]])      # N = 3 rows, D = 2 inputs
Z = np.array([[1.0, -1.0], [2.0, 0.5], [-1.0, 3.0]])      # M = 2 units
DH = np.array([[1.0, 1.0], [2.0, -1.0], [1.0, 2.0]])


def check_layer_backward(mine):
    """mine(dh, (xn, z)) -> (dW : (D, M), db : (M,)) of h = relu(z), z = xn W + b."""
    dW, db = mine(DH, (XN, Z))
    # dz = dh * [z > 0] = [[1, 0], [2, -1], [0, 2]];  dW = xn^T dz;  db = the column sums of dz
    expect(dW, [[1.0, 6.0], [4.0, -3.0]], "dW on the worked example",
           hints=[(lambda got, want: np.allclose(got, XN.T @ DH), "the ReLU's gate is missing: dz = 0 where z <= 0"),
                  (lambda got, want: np.allclose(got, XN.T @ (DH * (DH > 0))), "the gate looks at dh: it is z > 0")])
    expect(db, [3.0, 1.0], "db on the worked example",
           hints=[(lambda got, want: np.allclose(got, DH.sum(0)), "the ReLU's gate is missing from db too")])
    rng = np.random.default_rng(13)
    xn, W, b, dh = rng.standard_normal((6, 4)), rng.standard_normal((4, 3)), rng.standard_normal(3), \
        rng.standard_normal((6, 3))
    dW, db = mine(dh, (xn, xn @ W + b))
    gradient_check(dW, lambda v: np.maximum(xn @ v + b, 0), W, dout=dh, what="dW")
    gradient_check(db, lambda v: np.maximum(xn @ W + v, 0), b, dout=dh, what="db")
    z = xn @ W + b
    expect(dW, layers.dense_backward(layers.relu_backward(dh, np.maximum(z, 0)), (xn, W), need_dx=False)[1],
           "dW on random inputs, against the library")


def library_layer_backward():
    def layer_backward(dh, cache):
        xn, z = cache
        dz = layers.relu_backward(dh, np.maximum(z, 0))
        return layers.dense_backward(dz, (xn, None), need_dx=False)[1:]
    return layer_backward


def reference_step(params, pairs, sign, lr, frozen_forward=True):
    """The Network schedule with plain SGD, from the library's pieces: one forward pass with the
    weights as they were, then W_i -= lr dL_i/dW_i for every layer, theta_i = M_i (its width).
    frozen_forward=False: layer i+1 sees layer i *after* its update (the mistake the check names).
    params : [(W_i, b_i)], updated in place; pairs : (N, D); sign : (N,)  ->  [L_i] before the update"""
    inputs, x = [], pairs
    for W, b in params:                                   # one forward pass, the weights as they were
        inputs.append(x)
        x = layers.ff_layer_forward(x, W, b)[0]
    out, x = [], pairs
    for i, (W, b) in enumerate(params):
        x_in = inputs[i] if frozen_forward else x
        h, cache = layers.ff_layer_forward(x_in, W, b)
        loss, dh = losses.ff_layer_loss(h, 0.0, float(W.shape[1]), sign)   # dL_i/dh_i
        _, dW, db = layers.ff_layer_backward(dh, cache)                    # no gradient to the layer below
        W -= lr * dW
        b -= lr * db
        out.append(loss)
        if not frozen_forward:                            # the next layer sees this one after its update
            x = layers.ff_layer_forward(x_in, W, b)[0]
    return out


def _tiny_network(seed):
    rng = np.random.default_rng(seed)
    sizes = [12, 5, 4]
    params = [(rng.standard_normal((d, m)) * np.sqrt(2 / d), 0.1 * rng.standard_normal(m))
              for d, m in zip(sizes[:-1], sizes[1:])]
    return params, rng.random((6, sizes[0])), np.repeat([1.0, -1.0], 3)


def _layer_loss(params, pairs, sign, i):
    """L_i as a function of W_i, the layers below frozen: for finite differences."""
    def f(W):
        x = pairs
        for W_t, b_t in params[:i]:
            x = layers.ff_layer_forward(x, W_t, b_t)[0]
        h = layers.ff_layer_forward(x, W, params[i][1])[0]
        return losses.ff_layer_loss(h, 0.0, float(W.shape[1]), sign)[0]
    return f


def check_network_step(mine):
    """mine(params, pairs, sign, lr) -> [L_1, ..., L_L]; params [(W_i, b_i)] updated in place."""
    params, pairs, sign = _tiny_network(14)
    before = [(W.copy(), b.copy()) for W, b in params]
    want = [(W.copy(), b.copy()) for W, b in params]
    want_losses = reference_step(want, pairs, sign, 0.5)
    staged = [(W.copy(), b.copy()) for W, b in before]
    staged_losses = reference_step(staged, pairs, sign, 0.5, frozen_forward=False)
    one_pass = "layer i+1 saw layer i after its update: one forward pass with the weights as they were serves " \
               "every layer"
    got_losses = mine(params, pairs, sign, 0.5)
    expect(got_losses, want_losses, "the layers' losses before the update (a 12-5-4 network, 6 pairs)",
           hints=[(lambda g, w: np.allclose(g, staged_losses), one_pass)])
    ascent = [(W0 + (W0 - W1), b0 + (b0 - b1)) for (W0, b0), (W1, b1) in zip(before, want)]
    for i, ((W, b), (W_want, b_want)) in enumerate(zip(params, want)):
        expect(W, W_want, f"W_{i + 1} after one step with lr 0.5",
               hints=[(lambda g, w: np.allclose(g, before[i][0]), "W did not change: update it in place "
                       "(W -= lr * dW), do not rebind the name"),
                      (lambda g, w: np.allclose(g, ascent[i][0]), "the step climbs the loss: W -= lr * dW"),
                      (lambda g, w: np.allclose(g, staged[i][0]), one_pass)])
        expect(b, b_want, f"b_{i + 1} after one step with lr 0.5")
    params, pairs, sign = _tiny_network(15)
    for i in range(len(params)):                       # the step taken is lr times the gradient
        W0 = params[i][0].copy()
        trial = [(W.copy(), b.copy()) for W, b in params]
        mine(trial, pairs, sign, 1.0)
        gradient_check(W0 - trial[i][0], _layer_loss(params, pairs, sign, i), W0, what=f"the step of W_{i + 1}")


def library_network_step():
    return reference_step


def check_learning(curve, steps=10):
    """curve : the losses of every step of one epoch, (steps,) or (steps, L): the mean of the last
    `steps` must be clearly below the mean of the first `steps`, for every layer."""
    curve = np.asarray(curve, dtype=float).reshape(len(curve), -1)
    first, last = curve[:steps].mean(0), curve[-steps:].mean(0)
    if not np.all(np.isfinite(last)) or np.any(last > 0.9 * first):
        raise Mismatch(f"the loss over one epoch: expected the last {steps} steps below 0.9 x the first {steps} "
                       f"for every layer, got {show(first)} at the start and {show(last)} at the end\n"
                       "  likely: a sign, or a learning rate too large (the loss jumps) or too small (it creeps)")


EXERCISES = {"goodness": Exercise(check_goodness, library_goodness),
             "ff_loss": Exercise(check_ff_loss, library_ff_loss),
             "layer_backward": Exercise(check_layer_backward, library_layer_backward),
             "network_step": Exercise(check_network_step, library_network_step)}
