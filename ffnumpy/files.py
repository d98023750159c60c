"""Writing files so that no result is ever lost or half-written.

    atomic_write(path, write)   write into a temporary file beside `path`,
                                fsync, then rename over `path`: a reader sees
                                the old file or the new one, never a mix; on any
                                failure the temporary file is removed
    check_writable(path, flag)  before any long work: can `path` be written?
    remove_stale_parts(folder)  temporary files a killed run left behind
    claim(path)                 this process, and no other, is writing `path`

Files end with the permissions of the user's umask (a temporary file is
created 0600; the final file gets 0666 & ~umask, as open() would give it).
"""
import errno
import os
import socket
import tempfile
from pathlib import Path

try:
    import fcntl
except ImportError:        # Windows: claims fall back to exclusive creation (below)
    fcntl = None

# errors of the disk written to (full, over quota, read-only, failing): their message names the file
WRITE_ERRORS = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG, errno.EROFS, errno.EIO}
PART = ".part"    # suffix of every temporary file written here
CLAIM = ".claim"  # suffix of the file that says which process is writing an output


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
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=PART)
    except OSError as err:
        raise naming(err, path) from None
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        if check is not None:
            check(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException as err:
        if os.path.exists(tmp):
            os.remove(tmp)
        if isinstance(err, OSError) and err.errno in WRITE_ERRORS:   # not a download's error, say
            raise naming(err, path) from None
        raise
    return path


def naming(err, path):
    """The OSError `err` (e.g. [Errno 28] No space left on device) as one that names the file it was writing."""
    named = OSError(f"{path}: could not write it: {err.strerror or err}")
    named.errno = err.errno
    return named


def atomic_write_text(path, text):
    """atomic_write for a str (UTF-8)."""
    return atomic_write(path, lambda f: f.write(text.encode("utf-8")))


def check_writable(path, flag, folder=False, create=True):
    """Raise ValueError naming `flag` and `path` if `path` cannot be written.

    folder=False: `path` is a file (its folder is created if need be);
    folder=True : `path` is a folder to write files into.
    create=False: create no folder (a dry run): the nearest folder that exists is tested instead.
    Tested by creating (and removing) a temporary file where the output will go.
    """
    p = Path(path).expanduser()
    if not folder and p.is_dir():
        raise ValueError(f"{flag} {path}: is a folder, expected a file path")
    if folder and p.exists() and not p.is_dir():
        raise ValueError(f"{flag} {path}: exists and is not a folder")
    target = p if folder else p.parent
    try:
        if create:
            target.mkdir(parents=True, exist_ok=True)
        else:
            while not target.exists():
                target = target.parent
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


class Claimed(ValueError):
    """Another live process is writing this output; the message names it and the claim file."""


class claim:
    """Claim an output for this process, before any work, until the output is written:

        with claim("results/run.json"):
            ... train, then write results/run.json ...

    The claim is a lock held on a file beside the output (PATH.claim, holding the
    host and process id). A second process naming the same output is refused at
    once (Claimed, one line). The lock belongs to the open file, so the operating
    system drops it when its process ends in any way: a claim left by a killed
    process is taken over by the next one, with nothing to clean up by hand.
    Where file locks are missing (Windows), the claim file is created exclusively
    and a leftover one must be removed by hand; the message says which.
    """

    def __init__(self, path):
        self.path = Path(path)
        self.file = Path(str(path) + CLAIM)
        self.fd = None

    def __enter__(self):
        self.file.parent.mkdir(parents=True, exist_ok=True)
        while self.fd is None:
            if fcntl is None:
                self.fd = self._create_exclusive()
                break
            fd = os.open(self.file, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                holder = os.read(fd, 200).decode(errors="replace").strip() or "another process"
                os.close(fd)
                raise Claimed(f"{self.path}: another process ({holder}) is writing it now "
                              f"(its claim: {self.file})") from None
            try:
                same = os.fstat(fd).st_ino == os.stat(self.file).st_ino   # not unlinked by a releasing holder
            except FileNotFoundError:
                same = False
            if same:
                self.fd = fd
            else:
                os.close(fd)
        try:
            os.ftruncate(self.fd, 0)
            os.write(self.fd, f"host {socket.gethostname()} pid {os.getpid()}".encode())
        except OSError as err:           # e.g. a full disk: no empty claim is left behind
            self.release()
            raise naming(err, self.file) from None
        return self

    def _create_exclusive(self):
        try:
            return os.open(self.file, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            raise Claimed(f"{self.path}: claimed by another process; if none is running, remove "
                          f"{self.file}") from None

    def __exit__(self, *exc):
        self.release()

    def release(self):
        """Drop the claim (remove the claim file, then the lock)."""
        if self.fd is not None:
            try:
                self.file.unlink()
            except FileNotFoundError:
                pass
            os.close(self.fd)
            self.fd = None
