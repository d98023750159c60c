"""Finite-difference checks of the gradients that training adds: the softmax
head, both backprop baselines end to end, and the FF/CFF update itself."""
import numpy as np
import pytest

from ffnumpy.backprop import OutputLayer, label_loss_and_grads, pairwise_loss_and_grads
from ffnumpy.ff import ff_update
from ffnumpy.gradcheck import assert_gradient
from ffnumpy.losses import collaboration_terms, ff_loss, goodness_forward, softmax_cross_entropy
from ffnumpy.network import Network, overlay_label
from ffnumpy.optim import SGD


def small_net(seed, sizes=(16, 7, 6, 5)):
    net = Network(list(sizes), np.random.default_rng(seed), dtype=np.float64)
    net.theta = [0.5 * m for m in sizes[1:]]
    for b in net.b:
        b += 0.1
    return net


def pairs(seed, n=6, d=16):
    rng = np.random.default_rng(seed)
    x = rng.random((n, d))
    y = rng.integers(0, 10, n)
    xy = np.concatenate([overlay_label(x, y), overlay_label(x, (y + 1) % 10)])
    return xy, np.r_[np.ones(n), -np.ones(n)], x, y


def test_softmax_cross_entropy():
    rng = np.random.default_rng(0)
    logits, y = rng.standard_normal((5, 10)), rng.integers(0, 10, 5)
    _, d = softmax_cross_entropy(logits, y)
    assert_gradient(lambda v: softmax_cross_entropy(v, y)[0], logits, d)
    big = np.array([[1e4, 0.0]])
    assert np.isfinite(softmax_cross_entropy(big, np.array([1]))[0])


def test_collaboration_terms():
    G, theta = np.array([[1.0, 2.0, 4.0]]), [10.0, 20.0, 40.0]
    gamma, Theta = collaboration_terms(G, theta, "previous")
    np.testing.assert_array_equal(gamma, [[0, 1, 3]])
    np.testing.assert_array_equal(Theta, [10, 30, 70])
    gamma, Theta = collaboration_terms(G, theta, "all")
    np.testing.assert_array_equal(gamma, [[6, 5, 3]])
    np.testing.assert_array_equal(Theta, [70, 70, 70])
    gamma, Theta = collaboration_terms(G, theta, "none")
    assert np.all(gamma == 0) and list(Theta) == theta
    with pytest.raises(ValueError):
        collaboration_terms(G, theta, "some")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_backprop_pairwise_end_to_end(seed):
    net = small_net(seed)
    xy, sign, _, _ = pairs(seed)
    _, grads = pairwise_loss_and_grads(net, xy, sign)
    for i in range(net.num_layers):
        for k, p in enumerate(net.params(i)):
            assert_gradient(lambda v: pairwise_loss_and_grads(net, xy, sign)[0], p, grads[i][k], tol=1e-6)


@pytest.mark.parametrize("seed", [0, 1])
def test_backprop_label_end_to_end(seed):
    net = small_net(seed)
    head = OutputLayer(5, np.random.default_rng(seed), dtype=np.float64)
    _, _, x, y = pairs(seed)
    _, grads = label_loss_and_grads(net, head, x, y)
    for i, params in enumerate([net.params(i) for i in range(net.num_layers)] + [head.params()]):
        for k, p in enumerate(params):
            assert_gradient(lambda v: label_loss_and_grads(net, head, x, y)[0], p, grads[i][k], tol=1e-6)


@pytest.mark.parametrize("mode", ["none", "previous", "all"])
def test_ff_update_steps_along_the_local_gradient_with_gamma_constant(mode):
    """With SGD (lr 1, no momentum) the change of W_i is minus the gradient of layer
    i's loss, where the other layers' goodness (gamma) is held fixed."""
    net = small_net(3)
    xy, sign, _, _ = pairs(3)
    hs, _ = net.forward(xy)
    G0 = np.stack([goodness_forward(h)[0] for h in hs], axis=1)
    gamma, Theta = collaboration_terms(G0, net.theta, mode)
    before = [[p.copy() for p in net.params(i)] for i in range(net.num_layers)]
    opts = [SGD(net.params(i), lr=1.0) for i in range(net.num_layers)]
    ff_update(net, opts, xy, sign, [0, 1, 2], mode)
    for i in range(net.num_layers):
        W, b = (p.copy() for p in before[i])

        def local_loss(W_, b_):
            x = xy
            for t in range(i):
                x = np.maximum(_norm(x) @ before[t][0] + before[t][1], 0)
            h = np.maximum(_norm(x) @ W_ + b_, 0)
            return ff_loss((h ** 2).sum(1), gamma[:, i], Theta[i], sign)[0]

        assert_gradient(lambda v: local_loss(v, b), W, before[i][0] - net.W[i])
        assert_gradient(lambda v: local_loss(W, v), b, before[i][1] - net.b[i])


def _norm(x):
    return x / np.sqrt(np.mean(x * x, axis=1, keepdims=True) + 1e-8)
