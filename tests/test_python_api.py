"""The Python API refuses, in one ValueError that says what is wrong, what would give NaN, a silent
class 0 or a raw numpy error: the probe's calls, one by one. No dataset is needed."""
import warnings

import numpy as np
import pytest

from ffnumpy.data import Dataset
from ffnumpy.evaluate import evaluate
from ffnumpy.network import Network
from ffnumpy.train import Config, train

RNG = np.random.default_rng(0)


def images(n, width=784):
    return RNG.random((n, width), dtype=np.float32)


def tiny_data(n_test=50):
    return Dataset("mnist", images(200), np.arange(200) % 10, images(n_test), np.arange(n_test) % 10)


def test_train_with_an_empty_test_set_is_refused_not_nan():
    with warnings.catch_warnings():
        warnings.simplefilter("error")                    # no "Mean of empty slice" on the way
        with pytest.raises(ValueError, match="x_test holds no image"):
            train(Config(hidden=(8,), epochs=1, validation=False), data=tiny_data(0), progress=False)


@pytest.mark.parametrize("theta_scale", [-1, 0, float("nan"), float("inf"), "1", True])
def test_a_network_refuses_a_theta_scale_that_is_not_a_positive_number(theta_scale):
    with pytest.raises(ValueError, match="theta_scale must be a positive finite number"):
        Network([784, 20], np.random.default_rng(0), theta_scale=theta_scale)


@pytest.mark.parametrize("x,message", [
    (np.full((2, 784), np.nan, np.float32), "holds NaN or inf"),
    (np.zeros((2, 700), np.float32), r"shape \(N, 784\).*got \(2, 700\)"),
    (np.zeros(784, np.float32), r"shape \(N, 784\).*got \(784,\)"),
    (np.zeros((2, 28, 28), np.float32), r"got \(2, 28, 28\): flatten each image with x.reshape\(len\(x\), -1\)"),
    (np.zeros((2, 1, 784), np.float32), r"shape \(N, 784\).*got \(2, 1, 784\)"),
    (np.array([["a"] * 784]), "must hold numbers"),
])
def test_predict_and_evaluate_say_what_is_wrong_with_the_images(x, message):
    net = Network([784, 20], np.random.default_rng(0))
    with pytest.raises(ValueError, match=message):
        net.predict(x)
    with pytest.raises(ValueError, match=message):
        evaluate(net, x, np.zeros(len(x), int))


def test_python_lists_are_taken_as_arrays():
    net = Network([784, 20], np.random.default_rng(0))
    x = images(3)
    assert net.predict(x.tolist()).tolist() == net.predict(x).tolist()
    data = tiny_data()
    listed = Dataset("mnist", data.x_train.tolist(), data.y_train.tolist(), data.x_test.tolist(),
                     data.y_test.tolist())
    cfg = Config(hidden=(8,), epochs=1, validation=False)
    a, _ = train(cfg, data=listed, progress=False)
    b, _ = train(cfg, data=data, progress=False)
    assert a["test_predictions"] == b["test_predictions"]


def test_train_refuses_28_by_28_images_naming_784():
    data = tiny_data()
    square = Dataset("mnist", data.x_train.reshape(-1, 28, 28), data.y_train, data.x_test, data.y_test)
    with pytest.raises(ValueError, match=r"x_train must have shape \(N, 784\).*flatten each image"):
        train(Config(hidden=(8,), epochs=1, validation=False), data=square, progress=False)
