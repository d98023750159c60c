"""--gamma learned: s_i = g_i + sum_t alpha_it g_t - Theta_i with alpha trained by layer i's own loss."""
import numpy as np
import pytest

from ffnumpy import checkpoint
from ffnumpy.ff import ff_update
from ffnumpy.gradcheck import assert_gradient
from ffnumpy.losses import collaboration_terms, ff_loss, goodness_forward
from ffnumpy.network import Network, overlay_label
from ffnumpy.optim import SGD
from ffnumpy.train import Config, build_model, train


def test_learned_terms_reduce_to_the_fixed_gammas():
    G, theta = np.array([[1.0, 2.0, 4.0], [0.5, 0.0, 3.0]]), np.array([10.0, 20.0, 40.0])
    ones = 1 - np.eye(3)
    for theta_mode in ("per-layer", "shared"):
        np.testing.assert_allclose(collaboration_terms(G, theta, "learned", theta_mode, ones)[0],
                                   collaboration_terms(G, theta, "all", theta_mode)[0])
        np.testing.assert_allclose(collaboration_terms(G, theta, "learned", theta_mode, ones)[1],
                                   collaboration_terms(G, theta, "all", theta_mode)[1])
    gamma, Theta = collaboration_terms(G, theta, "learned", "per-layer", np.tril(ones))  # below: gamma(<t)
    np.testing.assert_allclose(gamma, collaboration_terms(G, theta, "previous")[0])
    np.testing.assert_allclose(Theta, collaboration_terms(G, theta, "previous")[1])
    gamma, _ = collaboration_terms(G, theta, "learned", "per-layer", 5 * np.eye(3))      # the diagonal is ignored
    assert np.all(gamma == 0)


@pytest.mark.parametrize("theta_mode", ["per-layer", "shared"])
def test_alpha_steps_along_the_gradient_of_the_layers_own_loss(theta_mode):
    """SGD with lr 1: the change of alpha_i is minus dL_i/dalpha_i, with every g_t held fixed."""
    rng = np.random.default_rng(0)
    net = Network([16, 7, 6, 5], rng, dtype=np.float64)
    net.theta = [3.0, 2.0, 2.5]
    for b in net.b:
        b += 0.1
    x, y = rng.random((6, 16)), rng.integers(0, 10, 6)
    xy, sign = np.concatenate([overlay_label(x, y), overlay_label(x, (y + 1) % 10)]), np.r_[np.ones(6), -np.ones(6)]
    alpha = rng.random((3, 3)) * (1 - np.eye(3))
    hs, _ = net.forward(xy)
    G = np.stack([goodness_forward(h)[0] for h in hs], axis=1)
    before = alpha.copy()
    opts = [SGD(net.params(i) + [alpha[i]], lr=1.0) for i in range(3)]
    ff_update(net, opts, xy, sign, [0, 1, 2], "learned", theta_mode=theta_mode, alpha=alpha)
    for i in range(3):
        def loss_i(a_row):
            a = before.copy()
            a[i] = a_row
            gamma, Theta = collaboration_terms(G, net.theta, "learned", theta_mode, a)
            return ff_loss(G[:, i], gamma[:, i], Theta[i], sign)[0]
        assert_gradient(loss_i, before[i].copy(), before[i] - alpha[i])
        assert alpha[i, i] == 0


def test_learned_gamma_trains_records_alpha_and_resumes_exactly(small, tmp_path):
    cfg = Config(method="cff", gamma="learned", hidden=(64, 64), epochs=3, batch_size=50, lr=2e-3,
                 lr_schedule="constant")
    straight, model = train(cfg, data=small, progress=False)
    assert straight["test_error"] < 35 and len(straight["alpha"]) == 2    # the bar of tests/test_train.py
    assert not np.allclose(straight["alpha"], 1 - np.eye(2))          # the weights moved
    assert all(straight["alpha"][i][i] == 0 for i in range(2))
    path = tmp_path / "run.npz"
    train(cfg, data=small, progress=False, checkpoint_path=path, stop_after=1)
    resumed, _ = train(cfg, data=small, progress=False, resume=path)
    assert resumed["alpha"] == straight["alpha"] and resumed["test_error"] == straight["test_error"]
    fresh = build_model(cfg, 784, np.random.default_rng(5))
    checkpoint.load(path, fresh, cfg)
    assert fresh.alpha.shape == (2, 2)


def test_learned_gamma_settings():
    with pytest.raises(ValueError, match="--gamma learned needs"):
        Config(method="cff", gamma="learned", schedule="layer").check()
    with pytest.raises(ValueError, match="logistic"):
        Config(method="cff", gamma="learned", objective="entropy").check()
    with pytest.raises(ValueError, match="--gamma"):
        Config(method="ff", gamma="learned").check()
