"""The network: label overlay, shapes, determinism, prediction."""
import numpy as np
import pytest

from ffnumpy.network import Network, overlay_label, predict_from_goodness


def test_overlay_writes_one_hot_and_copies():
    x = np.full((3, 20), 0.5, np.float32)
    xy = overlay_label(x, np.array([0, 9, 4]))
    assert np.all(x == 0.5)
    np.testing.assert_array_equal(xy[:, :10], np.eye(10, dtype=np.float32)[[0, 9, 4]])
    np.testing.assert_array_equal(xy[:, 10:], 0.5)


def test_overlay_rejects_bad_labels_and_shapes():
    x = np.zeros((2, 20))
    with pytest.raises(ValueError, match="labels"):
        overlay_label(x, np.array([0, 10]))
    with pytest.raises(ValueError, match="shape"):
        overlay_label(x, np.array([0, 1, 2]))


def test_network_shapes_dtype_and_determinism():
    net = Network([30, 8, 6], np.random.default_rng(0))
    assert [w.shape for w in net.W] == [(30, 8), (8, 6)] and net.W[0].dtype == np.float32
    assert net.theta == [8.0, 6.0]
    x = np.random.default_rng(1).random((5, 30)).astype(np.float32)
    G = net.goodness_per_label(x, batch_size=2)
    assert G.shape == (5, 10, 2) and np.all(G >= 0)
    # the same call on the same shapes gives the same bits ...
    G2 = Network([30, 8, 6], np.random.default_rng(0)).goodness_per_label(x, batch_size=2)
    np.testing.assert_array_equal(G, G2)
    # ... but another batch size changes the shapes the BLAS sees, and with them the
    # order of its float32 sums: equal only to rounding (README, "What ffnumpy guarantees")
    np.testing.assert_allclose(net.goodness_per_label(x), G, rtol=1e-5)
    for y in range(10):  # the shared first-layer product gives what the plain forward pass gives
        hs, _ = net.forward(overlay_label(x, np.full(5, y)))
        for i in range(2):
            np.testing.assert_allclose(G[:, y, i], (hs[i] ** 2).sum(1), rtol=1e-5)
    assert net.goodness_per_label(x, upto=1).shape == (5, 10, 1)


def test_network_rejects_bad_sizes():
    with pytest.raises(ValueError):
        Network([784], np.random.default_rng(0))


def test_predict_from_goodness_selects_layers():
    G = np.zeros((1, 10, 2))
    G[0, 3, 0], G[0, 7, 1] = 5.0, 2.0
    assert predict_from_goodness(G)[0] == 3
    assert predict_from_goodness(G, layers=[1])[0] == 7
