"""ffnumpy: the Forward-Forward algorithm and Collaborative FF in plain NumPy."""
from . import gradcheck
from .gradcheck import assert_gradient, check_gradient
from .network import Network, overlay_label
from .optim import SGD, Adam

__version__ = "0.1.0"


def __getattr__(name):
    # The data loaders are imported on first use, so that `python -m ffnumpy.data`
    # does not find ffnumpy.data already imported by the package.
    if name in ("load_mnist", "load_fashion_mnist", "load_dataset", "DataError"):
        from . import data
        return getattr(data, name)
    raise AttributeError(f"module 'ffnumpy' has no attribute {name!r}")
