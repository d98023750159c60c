"""The linear probe: its gradient, its neutral input, and that it reads real features."""
import numpy as np

from ffnumpy.gradcheck import assert_gradient
from ffnumpy.network import Network
from ffnumpy.studies.probe import features, neutral_input, probe_error, probe_loss_and_grads, train_probe


def test_probe_gradient_float64():
    rng = np.random.default_rng(0)
    f, V, c, y = rng.standard_normal((7, 5)), rng.standard_normal((5, 10)), rng.standard_normal(10), \
        rng.integers(0, 10, 7)
    _, dV, dc = probe_loss_and_grads(V, c, f, y)
    assert_gradient(lambda v: probe_loss_and_grads(v, c, f, y)[0], V, dV)
    assert_gradient(lambda v: probe_loss_and_grads(V, v, f, y)[0], c, dc)


def test_neutral_input_hides_the_label_and_copies():
    x = np.full((2, 20), 0.5, np.float32)
    xy = neutral_input(x)
    assert np.all(xy[:, :10] == np.float32(0.1)) and np.all(xy[:, 10:] == 0.5) and np.all(x == 0.5)


def test_probe_on_a_random_layer_beats_chance(small):
    net = Network([784, 64], np.random.default_rng(0))
    f_train, f_test = features(net, small.x_train, 0), features(net, small.x_test, 0)
    assert f_train.shape == (len(small.x_train), 64)
    V, c = train_probe(f_train, small.y_train, epochs=3)
    assert probe_error(V, c, f_test, small.y_test) < 40.0       # random ReLU features are already useful
