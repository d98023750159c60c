"""Writing files so that no result is ever lost or half-written.

    atomic_write(path, write)   write into a temporary file beside `path`,
                                fsync, then rename over `path`: a reader sees
                                the old file or the new one, never a mix; on any
                                failure the temporary file is removed
    check_writable(path, flag)  before any long work: can `path` be written?
    remove_stale_parts(folder)  temporary files a killed run left behind

Files end with the permissions of the user's umask (a temporary file is
created 0600; the final file gets 0666 & ~umask, as open() would give it).
"""
import os
import tempfile
from pathlib import Path

PART = ".part"  # suffix of every temporary file written here


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path, write, check=None):
    """Write `path` through a temporary file in the same folder.

    write : callable(binary file) that writes the content
    check : optional callable(temporary path) that raises if the content is bad
            (the old file, if any, is then left untouched)
    returns the Path written
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=PART)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        if check is not None:
            check(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return path


def atomic_write_text(path, text):
    """atomic_write for a str (UTF-8)."""
    return atomic_write(path, lambda f: f.write(text.encode("utf-8")))


def check_writable(path, flag, folder=False):
    """Raise ValueError naming `flag` and `path` if `path` cannot be written.

    folder=False: `path` is a file (its folder is created if need be);
    folder=True : `path` is a folder to write files into.
    Tested by creating (and removing) a temporary file where the output will go.
    """
    p = Path(path).expanduser()
    if not folder and p.is_dir():
        raise ValueError(f"{flag} {path}: is a folder, expected a file path")
    if folder and p.exists() and not p.is_dir():
        raise ValueError(f"{flag} {path}: exists and is not a folder")
    target = p if folder else p.parent
    try:
        target.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target, prefix=".ffnumpy-write-test.", suffix=PART)
        os.close(fd)
        os.remove(tmp)
    except OSError as err:
        raise ValueError(f"{flag} {path}: cannot write there ({err.strerror or err})") from None


def remove_stale_parts(folder, prefix=""):
    """Remove the temporary files (.<prefix>*.part) that a killed run left in `folder`."""
    folder = Path(folder)
    if folder.is_dir():
        for stale in folder.glob(f".{prefix}*{PART}"):
            try:
                stale.unlink()
            except OSError:
                pass
