"""The IDX file format used by MNIST and Fashion-MNIST.

An IDX file is a 4-byte magic number, one big-endian uint32 per dimension,
then the values in C order. The magic number is 0x00 0x00, a type code
(0x08 = unsigned byte, the only type these datasets use) and the number of
dimensions: 0x00000803 for images (n, 28, 28), 0x00000801 for labels (n,).
"""
import gzip
import hashlib
import zlib

import numpy as np

from ..files import atomic_write

UBYTE = 0x08


def parse_idx(raw, name):
    """Parse IDX bytes into a uint8 array of shape (d0, d1, ...).

    raw : bytes, the uncompressed file content.
    name : the file's name, used in error messages.
    Raises ValueError saying what is wrong if the bytes are not a valid file.
    """
    if len(raw) < 4:
        raise ValueError(f"{name}: {len(raw)} bytes is too short for an IDX file")
    zero0, zero1, dtype, ndim = raw[:4]
    if zero0 != 0 or zero1 != 0 or dtype != UBYTE or ndim == 0:
        raise ValueError(f"{name}: bad magic number 0x{raw[:4].hex()} "
                         f"(expected 0x000008 followed by the number of dims; not an IDX ubyte file?)")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{name}: file ends inside its header (truncated or corrupt file?)")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = header + int(np.prod(shape))
    if len(raw) != expected:
        raise ValueError(f"{name}: expected {expected} bytes for shape {shape}, got {len(raw)} "
                         f"(truncated or corrupt file?)")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def make_idx(array):
    """Inverse of parse_idx: the IDX bytes of a uint8 array of any shape (at least 1-d)."""
    array = np.asarray(array)
    if array.dtype != np.uint8 or not 1 <= array.ndim <= 255:
        raise ValueError(f"make_idx needs a uint8 array with 1 to 255 dims, got {array.dtype} {array.shape}")
    magic = bytes([0, 0, UBYTE, array.ndim])
    dims = np.array(array.shape, dtype=">u4").tobytes()
    return magic + dims + np.ascontiguousarray(array).tobytes()


def gunzip(raw, name):
    """Decompress gzip bytes; a corrupt or truncated stream gives a ValueError naming `name`."""
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as err:
        raise ValueError(f"{name}: not a valid gzip file ({err})") from None


def read_idx_file(path):
    """The uncompressed bytes of an IDX file; `path` ending in .gz is gunzipped."""
    path = str(path)
    with open(path, "rb") as f:
        raw = f.read()
    return gunzip(raw, path) if path.endswith(".gz") else raw


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def write_atomic(path, data):
    """Write bytes to `path` through a temporary file and os.replace: never half-written."""
    atomic_write(path, lambda f: f.write(data))
