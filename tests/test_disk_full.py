"""A full disk while writing --json or --checkpoint: one line naming the file, and nothing left behind (no
half file, no empty claim). The disk is made full by a write that fails as a full disk fails (errno 28)."""
import errno
import os

import pytest

import ffnumpy.data
from ffnumpy.files import atomic_write_text, claim
from ffnumpy.train import main as train_main


def full(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("flag,name", [("--json", "run.json"), ("--checkpoint", "run.npz")])
def test_a_full_disk_names_the_file_and_leaves_nothing(flag, name, small, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(ffnumpy.data, "load_dataset", lambda *a, **k: small)
    monkeypatch.setattr(os, "fsync", full)                       # the data never reaches the disk
    with pytest.raises(SystemExit) as stop:
        train_main(["--hidden", "8", "--epochs", "1", "--batch-size", "200", "--quiet", flag, str(tmp_path / name)])
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if not line.startswith("warning: ")]   # (a 1-epoch network's)
    assert stop.value.code == 2 and len(lines) == 1, err
    assert lines[0].endswith(f"error: {tmp_path / name}: could not write it: No space left on device")
    assert os.listdir(tmp_path) == []                             # no file, no .part, no .claim


def test_a_full_disk_names_the_file_whatever_writes_it(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match=f"^{tmp_path / 'r.json'}: could not write it: No space left") as info:
        atomic_write_text(tmp_path / "r.json", "{}")
    assert info.value.errno == errno.ENOSPC and os.listdir(tmp_path) == []


def test_a_claim_that_cannot_be_written_leaves_no_empty_claim(tmp_path, monkeypatch):
    """The probe found an empty run.json.claim after the disk filled."""
    monkeypatch.setattr(os, "write", full)
    with pytest.raises(OSError, match="run.json.claim: could not write it: No space left"):
        claim(tmp_path / "run.json").__enter__()
    monkeypatch.undo()
    assert os.listdir(tmp_path) == []
    with claim(tmp_path / "run.json"):                             # and the output can be claimed again
        pass
