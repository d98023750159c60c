"""CIFAR-10, from its binary release: find or download the archive, verify it, read it.

The binary release is one file, cifar-10-binary.tar.gz (170,052,171 bytes; the
dataset's authors publish its MD5). Inside, cifar-10-batches-bin/ holds
data_batch_1.bin .. data_batch_5.bin (training) and test_batch.bin: each a
sequence of records of 1 label byte and 3072 pixel bytes (the red 32 x 32
plane, then green, then blue, each row by row). No pickle is involved.

Sources, tried in order: the `data_dir` argument, $FFNUMPY_DATA (the folder
holding the archive, or its parent with a cifar10/ subfolder), the cache
~/.cache/ffnumpy/cifar10/, then the download mirror. The archive's size and
MD5 are checked before it is read; its members are read in memory, by their
exact names, never extracted to disk.
"""
import hashlib
import os
import tarfile
from pathlib import Path

import numpy as np

from ..files import atomic_write
from .base import VALIDATION_SIZE, DataError, Dataset, cache_dir, download_into

ARCHIVE = "cifar-10-binary.tar.gz"
MD5 = "c32a1d4ab5d03f1284b67883e8d87530"
SIZE = 170_052_171
MIRRORS = ("https://www.cs.toronto.edu/~kriz/",)
FOLDER = "cifar-10-batches-bin"
TRAIN_BATCHES = tuple(f"{FOLDER}/data_batch_{k}.bin" for k in range(1, 6))
TEST_BATCH = f"{FOLDER}/test_batch.bin"
RECORD = 1 + 3072
CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


def md5(path):
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify(path, expected_md5=MD5, expected_size=SIZE):
    """Raise ValueError naming the file unless its size and MD5 are the published ones."""
    size = os.path.getsize(path)
    if size != expected_size:
        raise ValueError(f"{path}: {size} bytes, expected {expected_size}")
    got = md5(path)
    if got != expected_md5:
        raise ValueError(f"{path}: MD5 is {got}, expected {expected_md5}")


def parse_batch(raw, name):
    """Records of one .bin member  ->  x : (n, 3072) uint8, y : (n,) int64."""
    if len(raw) == 0 or len(raw) % RECORD:
        raise ValueError(f"{name}: {len(raw)} bytes is not a whole number of {RECORD}-byte records")
    records = np.frombuffer(raw, np.uint8).reshape(-1, RECORD)
    y = records[:, 0].astype(np.int64)
    if y.max() > 9:
        raise ValueError(f"{name}: label {y.max()} outside 0..9")
    return records[:, 1:], y


def read_archive(path):
    """(x_train, y_train, x_test, y_test) from the archive, members read in memory by exact name."""
    wanted = TRAIN_BATCHES + (TEST_BATCH,)
    parts = {}
    try:
        with tarfile.open(path, "r:gz") as archive:
            for name in wanted:
                try:
                    member = archive.getmember(name)
                except KeyError:
                    raise ValueError(f"{path}: no member {name}") from None
                if not member.isfile():
                    raise ValueError(f"{path}: {name} is not a regular file")
                parts[name] = parse_batch(archive.extractfile(member).read(), name)
    except (tarfile.TarError, EOFError, OSError) as err:
        raise ValueError(f"{path}: not a readable .tar.gz ({err})") from None
    x_train = np.concatenate([parts[n][0] for n in TRAIN_BATCHES])
    y_train = np.concatenate([parts[n][1] for n in TRAIN_BATCHES])
    return x_train, y_train, parts[TEST_BATCH][0], parts[TEST_BATCH][1]


def local_archives(data_dir=None):
    """[(label, path)] where the archive may already be, in order."""
    places = []
    for label, base in (("data_dir", data_dir), ("$FFNUMPY_DATA", os.environ.get("FFNUMPY_DATA"))):
        if base:
            base = Path(base).expanduser()
            places += [(label, base / ARCHIVE), (label, base / "cifar10" / ARCHIVE)]
    places.append(("cache", cache_dir("cifar10") / ARCHIVE))
    return places


def locate_archive(data_dir=None, download=True, mirrors=MIRRORS, expected_md5=MD5, expected_size=SIZE):
    """The path of a verified archive, downloading it into the cache if need be.

    Raises DataError (from data.py) listing every source tried and how to fix it by hand.
    """
    failures = []
    for label, path in local_archives(data_dir):
        if not path.is_file():
            continue
        try:
            verify(path, expected_md5, expected_size)
            return path
        except (OSError, ValueError) as err:
            failures.append(f"{label}: {err}")
    target = cache_dir("cifar10") / ARCHIVE
    if download:
        for base in mirrors:
            url = base.rstrip("/") + "/" + ARCHIVE
            try:
                return atomic_write(target, lambda f: download_into(url, f, timeout=30.0),
                                    lambda tmp: verify(tmp, expected_md5, expected_size))
            except (OSError, ValueError) as err:
                failures.append(f"{url}: {err}")
    else:
        failures.append("download: skipped (download=False)")
    raise DataError("\n".join(
        ["could not find a verified CIFAR-10 archive. Sources tried, in order:"]
        + [f"  - {f}" for f in failures or ["no archive in data_dir, $FFNUMPY_DATA or the cache"]]
        + [f"To fix this by hand, download {ARCHIVE} (the binary version, {expected_size} bytes, "
           f"MD5 {expected_md5}) from", *(f"  {m}" for m in mirrors),
           f"and put it in {target.parent}, or in any folder and set FFNUMPY_DATA to that folder."]))


def load_cifar10(data_dir=None, validation=False, download=True, **source):
    """CIFAR-10 as a Dataset: x_* (n, 3072) float32 in [0, 1] (red, green, blue planes), y_* (n,) int64.

    train 50000, test 10000; validation=True moves the LAST 10000 training images to x_val, y_val.
    """
    x_train, y_train, x_test, y_test = read_archive(locate_archive(data_dir, download, **source))
    x_train = x_train.astype(np.float32) / np.float32(255)
    x_test = x_test.astype(np.float32) / np.float32(255)
    if not validation:
        return Dataset("cifar10", x_train, y_train, x_test, y_test)
    n = len(x_train) - VALIDATION_SIZE
    return Dataset("cifar10", x_train[:n], y_train[:n], x_test, y_test, x_train[n:], y_train[n:])
