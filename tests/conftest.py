"""Shared fixtures: a small, fixed slice of real MNIST (offline via $FFNUMPY_DATA)."""
import pytest

from ffnumpy.data import DataError, Dataset, load_mnist


@pytest.fixture(scope="session")
def mnist():
    try:
        return load_mnist(download=False)
    except DataError:
        pytest.skip("MNIST is not available offline: set FFNUMPY_DATA (CI points it at ../shared/data)")


@pytest.fixture(scope="session")
def small(mnist):
    """6000 training, 500 validation and 1000 test images of MNIST."""
    return Dataset("mnist", mnist.x_train[:6000], mnist.y_train[:6000], mnist.x_test[:1000],
                   mnist.y_test[:1000], mnist.x_train[-500:], mnist.y_train[-500:])
