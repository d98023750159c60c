"""What every data source shares: the Dataset, the error that lists what was tried, the cache
folder and a download with a progress bar (data.py, idx.py and cifar.py build on it)."""
import hashlib
import os
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
from tqdm import tqdm

DOWNLOAD_TIMEOUT = 5.0  # seconds; a machine without web access moves on quickly
VALIDATION_SIZE = 10_000


class DataError(RuntimeError):
    """No source gave verified files; the message lists every source tried and why it failed."""


@dataclass
class Dataset:
    """Images x_* : (n, 784) float32 in [0, 1]; labels y_* : (n,) int64 in 0..9.

    x_val, y_val are None unless the dataset was loaded with validation=True.
    """
    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    x_val: Optional[np.ndarray] = None
    y_val: Optional[np.ndarray] = None


def named_folder(data_dir=None):
    """(label, folder) the user named: the data_dir argument, else $FFNUMPY_DATA; None if neither.
    A named folder is the only place a dataset is looked for (data.py, cifar.py)."""
    for label, base in (("data_dir", data_dir), ("$FFNUMPY_DATA", os.environ.get("FFNUMPY_DATA"))):
        if base:
            return label, Path(base).expanduser()
    return None


def unname(label):
    """How to stop naming a folder: the words for an error message (label: named_folder's)."""
    return "leave out --data-dir (data_dir)" if label == "data_dir" else "unset FFNUMPY_DATA"


def file_digest(path, algorithm):
    """The hex digest ("md5", "sha1", "sha256") of a file, read in 1 MiB chunks."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def cache_dir(name):
    """~/.cache/ffnumpy/<name>, or $XDG_CACHE_HOME/ffnumpy/<name> if that is set."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ffnumpy" / name


def download_into(url, file, timeout):
    """Stream the body at `url` into the open binary `file`, with a progress bar on a terminal."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        size = response.headers.get("Content-Length")
        with tqdm(total=int(size) if size else None, unit="B", unit_scale=True, leave=False,
                  desc=url.rsplit("/", 1)[-1], disable=not sys.stderr.isatty()) as bar:
            while chunk := response.read(1 << 16):
                file.write(chunk)
                bar.update(len(chunk))
