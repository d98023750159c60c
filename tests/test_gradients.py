"""Every analytic gradient of the library against central differences (float64)."""
import numpy as np
import pytest

from ffnumpy.gradcheck import assert_gradient
from ffnumpy.layers import (dense_backward, dense_forward, ff_layer_backward, ff_layer_forward,
                            relu_backward, relu_forward, rms_normalize_backward,
                            rms_normalize_forward)
from ffnumpy.losses import ff_layer_loss, ff_loss, goodness_backward, goodness_forward

SHAPES = [(1, 3, 2), (4, 5, 3), (7, 12, 6)]  # (N, D, M)


def away_from_kink(rng, shape, margin=1e-2):
    """Pre-activations with |z| > margin, so a finite difference never crosses the ReLU kink."""
    z = rng.standard_normal(shape)
    return np.where(np.abs(z) < margin, np.sign(z + 1e-12) * (margin + np.abs(z)), z)


@pytest.mark.parametrize("N,D,M", SHAPES)
def test_dense(N, D, M):
    rng = np.random.default_rng(N)
    x, W, b, dz = (rng.standard_normal(s) for s in [(N, D), (D, M), (M,), (N, M)])
    dx, dW, db = dense_backward(dz, dense_forward(x, W, b)[1])
    assert_gradient(lambda v: dense_forward(v, W, b)[0], x, dx, dz)
    assert_gradient(lambda v: dense_forward(x, v, b)[0], W, dW, dz)
    assert_gradient(lambda v: dense_forward(x, W, v)[0], b, db, dz)


@pytest.mark.parametrize("N,D,M", SHAPES)
def test_relu_and_it_leaves_dout_untouched(N, D, M):
    rng = np.random.default_rng(10 + N)
    z, dh = away_from_kink(rng, (N, M)), rng.standard_normal((N, M))
    dh_before = dh.copy()
    dz = relu_backward(dh, relu_forward(z)[1])
    np.testing.assert_array_equal(dh, dh_before)
    assert_gradient(lambda v: relu_forward(v)[0], z, dz, dh, tol=1e-7)


@pytest.mark.parametrize("N,D,M", SHAPES)
def test_rms_normalize(N, D, M):
    rng = np.random.default_rng(20 + N)
    x, dxn = rng.standard_normal((N, D)), rng.standard_normal((N, D))
    dx = rms_normalize_backward(dxn, rms_normalize_forward(x)[1])
    assert_gradient(lambda v: rms_normalize_forward(v)[0], x, dx, dxn)
    xn = rms_normalize_forward(x)[0]
    np.testing.assert_allclose(np.mean(xn ** 2, axis=1), 1.0, rtol=1e-6)


@pytest.mark.parametrize("N,D,M", SHAPES)
def test_goodness(N, D, M):
    rng = np.random.default_rng(30 + N)
    h, dg = rng.standard_normal((N, M)), rng.standard_normal(N)
    dh = goodness_backward(dg, goodness_forward(h)[1])
    assert_gradient(lambda v: goodness_forward(v)[0], h, dh, dg)


SIGNS = {"positive": 1.0, "negative": -1.0, "mixed": None}


@pytest.mark.parametrize("pairs", list(SIGNS))
@pytest.mark.parametrize("with_gamma", [False, True])
@pytest.mark.parametrize("N,D,M", SHAPES)
def test_ff_loss_wrt_h(pairs, with_gamma, N, D, M):
    rng = np.random.default_rng(40 + N + M)
    h = np.abs(rng.standard_normal((N, M)))
    sign = np.full(N, SIGNS[pairs]) if SIGNS[pairs] else np.where(rng.random(N) < 0.5, 1.0, -1.0)
    gamma = rng.uniform(-2, 2, N) if with_gamma else 0.0
    theta = float(M)
    _, dh = ff_layer_loss(h, gamma, theta, sign)
    assert_gradient(lambda v: ff_layer_loss(v, gamma, theta, sign)[0], h, dh)


@pytest.mark.parametrize("pairs", list(SIGNS))
@pytest.mark.parametrize("with_gamma", [False, True])
@pytest.mark.parametrize("N,D,M", SHAPES)
def test_ff_layer_wrt_z_W_b_x(pairs, with_gamma, N, D, M):
    """The whole layer: loss(relu(normalize(x) W + b)) with respect to x, W and b."""
    rng = np.random.default_rng(50 + N + M)
    x = rng.standard_normal((N, D))
    W, b = rng.standard_normal((D, M)) / np.sqrt(D), rng.standard_normal(M) * 0.1
    sign = np.full(N, SIGNS[pairs]) if SIGNS[pairs] else np.where(rng.random(N) < 0.5, 1.0, -1.0)
    gamma = rng.uniform(-2, 2, N) if with_gamma else 0.0
    theta = 0.5 * M

    z = dense_forward(rms_normalize_forward(x)[0], W, b)[0]
    if np.min(np.abs(z)) < 1e-3:
        pytest.skip("a pre-activation sits on the kink for this seed")

    def loss(x_, W_, b_):
        return ff_layer_loss(ff_layer_forward(x_, W_, b_)[0], gamma, theta, sign)[0]

    h, cache = ff_layer_forward(x, W, b)
    _, dh = ff_layer_loss(h, gamma, theta, sign)
    dz = relu_backward(dh, cache[2])
    dx, dW, db = ff_layer_backward(dh, cache, need_dx=True)
    assert_gradient(lambda v: ff_layer_loss(relu_forward(v)[0], gamma, theta, sign)[0], z, dz)
    assert_gradient(lambda v: loss(x, v, b), W, dW, tol=1e-6)
    assert_gradient(lambda v: loss(x, W, v), b, db, tol=1e-6)
    assert_gradient(lambda v: loss(v, W, b), x, dx, tol=1e-6)
    assert ff_layer_backward(dh, cache)[0] is None  # FF training skips dx


def test_ff_loss_values_and_signs():
    g, theta = np.array([10.0, 10.0]), 4.0
    loss, dg = ff_loss(g, 0.0, theta, np.array([1.0, -1.0]))
    s = g - theta
    expected = (np.log1p(np.exp(-s[0])) + np.log1p(np.exp(s[1]))) / 2
    assert loss == pytest.approx(expected)
    assert dg[0] < 0 < dg[1]  # raise g on positives, lower it on negatives
    loss_gamma, _ = ff_loss(g, np.array([-6.0, -6.0]), theta, np.array([1.0, -1.0]))
    assert loss_gamma == pytest.approx(np.log1p(np.exp(0.0)))  # gamma shifts the logit to 0


@pytest.mark.parametrize("s", [1e4, -1e4, 1e5, -1e5])
def test_ff_loss_is_finite_for_huge_logits(s):
    for sign in (1.0, -1.0):
        loss, dg = ff_loss(np.array([s]), 0.0, 0.0, np.array([sign]))
        assert np.isfinite(loss) and np.all(np.isfinite(dg))
        assert loss == pytest.approx(max(0.0, -sign * s))
        assert abs(dg[0]) == pytest.approx(1.0 if sign * s < 0 else 0.0)
    h = np.array([[100.0, 0.0]], np.float32)  # g = 1e4 in float32
    loss, dh = ff_layer_loss(h, 0.0, 0.0, np.array([-1.0], np.float32))
    assert np.isfinite(loss) and np.all(np.isfinite(dh))
