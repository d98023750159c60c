"""Optimisers against steps computed by hand."""
import numpy as np
import pytest

from ffnumpy.optim import SGD, Adam


def test_sgd_plain_step():
    w = np.array([1.0, -2.0])
    SGD([w], lr=0.1).step([np.array([0.5, 1.0])])
    np.testing.assert_allclose(w, [1.0 - 0.05, -2.0 - 0.1])


def test_sgd_momentum_and_weight_decay_two_steps():
    w = np.array([1.0])
    opt = SGD([w], lr=0.1, momentum=0.9, weight_decay=0.01)
    opt.step([np.array([2.0])])
    # v1 = 2 + 0.01*1 = 2.01; w1 = 1 - 0.201 = 0.799
    np.testing.assert_allclose(w, [0.799])
    opt.step([np.array([2.0])])
    # v2 = 0.9*2.01 + 2 + 0.01*0.799 = 3.81699; w2 = 0.799 - 0.381699
    np.testing.assert_allclose(w, [0.799 - 0.381699])


def test_adam_two_steps_by_hand():
    w = np.array([1.0, 1.0])
    opt = Adam([w], lr=0.01, betas=(0.9, 0.999), eps=1e-8)
    g1, g2 = np.array([0.5, -1.0]), np.array([0.1, -1.0])
    opt.step([g1])
    # first step: m_hat = g, v_hat = g^2, so the step is lr * sign(g)
    np.testing.assert_allclose(w, [0.99, 1.01], rtol=1e-6)
    opt.step([g2])
    m = 0.9 * 0.1 * g1 + 0.1 * g2
    v = 0.999 * 0.001 * g1 ** 2 + 0.001 * g2 ** 2
    step = 0.01 * (m / (1 - 0.81)) / (np.sqrt(v / (1 - 0.999 ** 2)) + 1e-8)
    np.testing.assert_allclose(w, np.array([0.99, 1.01]) - step, rtol=1e-9)


def test_adam_weight_decay_adds_to_gradient():
    w1, w2 = np.array([2.0]), np.array([2.0])
    Adam([w1], lr=0.1, weight_decay=0.5).step([np.array([0.0])])
    Adam([w2], lr=0.1).step([np.array([1.0])])  # 0 + 0.5 * 2
    np.testing.assert_allclose(w1, w2)


@pytest.mark.parametrize("make", [lambda p: SGD(p, lr=0.1, momentum=0.9), lambda p: Adam(p, lr=0.1)])
def test_optimisers_minimise_a_quadratic(make):
    w = np.array([3.0, -4.0])
    opt = make([w])
    for _ in range(300):
        opt.step([2 * w])
    assert np.linalg.norm(w) < 1e-2
