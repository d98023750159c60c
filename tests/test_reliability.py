"""What a course handing ffnumpy to 200 students needs: accurate tails, valid
labels, no lost results, broken networks named, every bad input refused in
one line before any data is loaded."""
import json
import os
import stat

import numpy as np
import pytest

import ffnumpy.data
from ffnumpy import checkpoint, files
from ffnumpy.studies.analyze import main as analyze_main
from ffnumpy.backprop import OutputLayer, label_loss_and_grads
from ffnumpy.train import main as cli_main
from ffnumpy.config import Config, divergence_hint, memory_estimate
from ffnumpy.evaluate import evaluate
from ffnumpy.evaluate import health_warnings, is_dead
from ffnumpy.losses import sigmoid
from ffnumpy.negatives import hard_wrong_labels, random_wrong_labels
from ffnumpy.network import Network
from ffnumpy.train import train

TINY = ["--hidden", "16", "--epochs", "1", "--quiet"]


@pytest.fixture
def no_data(monkeypatch):
    """Fail the test if anything loads a dataset: the checks must come first."""
    def refuse(*args, **kwargs):
        raise AssertionError("the dataset was loaded before the arguments were checked")
    monkeypatch.setattr(ffnumpy.data, "load_dataset", refuse)
    monkeypatch.setattr("ffnumpy.studies.analyze.load_dataset", refuse)


def one_line_error(main, argv, capsys, code=2):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == code
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert "allow_pickle" not in err and "pickle.load" not in err and "Traceback" not in err
    return err


# 2. hard negatives ---------------------------------------------------------------------------

@pytest.mark.parametrize("gap", [10.0, 745.0, 800.0, 1e4, 1e30])
def test_hard_negatives_stay_valid_labels_whatever_the_gap(gap):
    rng = np.random.default_rng(0)
    y = np.arange(200) % 10
    scores = np.zeros((200, 10))
    scores[np.arange(200), y] = gap                  # the true label leads every other by `gap`
    rows = np.arange(0, 200, 3)
    scores[rows, (y[rows] + 4) % 10] = -gap          # and some wrong labels trail far behind
    y_neg = hard_wrong_labels(scores, y, rng)
    assert y_neg.dtype.kind in "iu" and y_neg.min() >= 0 and y_neg.max() <= 9
    assert np.all(y_neg != y)
    assert np.all(y_neg[rows] != (y[rows] + 4) % 10)  # weight e^-gap (at most 5e-5): not drawn here


def test_hard_negatives_refuse_bad_scores_and_labels():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="finite"):
        hard_wrong_labels(np.full((2, 10), np.nan), np.array([0, 1]), rng)
    with pytest.raises(ValueError, match="0..9"):
        hard_wrong_labels(np.zeros((2, 10)), np.array([0, 10]), rng)


# 3. the sigmoid's tails ------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("s", [10.0, 20.0, 50.0, 100.0, 1e4])
def test_sigmoid_is_accurate_in_both_tails(dtype, s):
    for x in (s, -s):
        e = np.exp(-abs(np.float64(x)))               # float64 reference, no overflow
        want = dtype(1 / (1 + e) if x > 0 else e / (1 + e))
        got = sigmoid(np.array([x], dtype))[0]
        assert got.dtype == dtype
        # a few units in the last place of the dtype; subnormal results to their spacing
        info = np.finfo(dtype)
        np.testing.assert_allclose(got, want, rtol=4 * info.eps, atol=info.smallest_subnormal)
    assert sigmoid(np.array([-17.0], np.float32))[0] > 0   # the tanh form gave exactly 0 here


# 9. labels in every API ----------------------------------------------------------------------

@pytest.mark.parametrize("bad", [-1, 12])
def test_labels_are_validated_everywhere(bad):
    rng = np.random.default_rng(0)
    net = Network([20, 8], rng)
    head = OutputLayer(8, rng)
    x = rng.random((3, 20)).astype(np.float32)
    y = np.array([0, 1, bad])
    for call in (lambda: label_loss_and_grads(net, head, x, y),
                 lambda: evaluate(net, x, y),
                 lambda: evaluate(net, x, y, head=head),
                 lambda: random_wrong_labels(y, rng)):
        with pytest.raises(ValueError, match="labels must lie in 0..9"):
            call()
    with pytest.raises(ValueError, match="integers"):
        random_wrong_labels(np.array([0.5, 1.0]), rng)


def test_training_refuses_bad_labels_in_the_data(small):
    bad = ffnumpy.data.Dataset("mnist", small.x_train[:200], small.y_train[:200] - 1, small.x_test,
                               small.y_test)
    with pytest.raises(ValueError, match="labels must lie"):
        train(Config(hidden=(8,), epochs=1, validation=False), data=bad, progress=False)


# 6. every option validated up front ----------------------------------------------------------

@pytest.mark.parametrize("argv,flag", [
    (["--lr", "nan"], "--lr"),
    (["--lr", "-1"], "--lr"),
    (["--lr", "inf"], "--lr"),
    (["--theta-scale", "0"], "--theta-scale"),
    (["--optimizer", "sgd", "--momentum", "1"], "--momentum"),
    (["--optimizer", "sgd", "--momentum", "-0.1"], "--momentum"),
    (["--weight-decay", "-1e-3"], "--weight-decay"),
    (["--weight-decay", "nan"], "--weight-decay"),
    (["--seed", "-1"], "--seed"),
    (["--epochs", "0"], "--epochs"),
    (["--batch-size", "50001"], "--batch-size"),           # 50k training images with validation
    (["--hidden", "200000,200000,200000"], "--hidden"),     # 320 GB of weights
    (["--method", "ff", "--gamma", "previous"], "--gamma"),
    (["--method", "ff", "--gamma", "all"], "--gamma"),      # given explicitly: still refused
    (["--method", "bp-label", "--negatives", "hard"], "--negatives"),
    (["--method", "bp-label", "--predict", "skip-first"], "--predict"),
    (["--method", "bp-pairwise", "--schedule", "layer"], "--schedule"),
    (["--method", "bp-label", "--track-entropy"], "--track-entropy"),
    (["--momentum", "0.5"], "--momentum"),                  # adam has no momentum flag
    (["--method", "cff", "--schedule", "layer"], "--gamma all"),
])
def test_bad_options_are_refused_before_the_data_is_loaded(argv, flag, no_data, capsys):
    err = one_line_error(cli_main, TINY + argv, capsys)   # argv's flags come last: they win
    assert flag in err


def test_the_python_api_has_the_same_checks():
    with pytest.raises(ValueError, match="--momentum"):
        Config(optimizer="sgd", momentum=1.0).check()
    with pytest.raises(ValueError, match="--gamma"):
        Config(method="ff", gamma="previous").check()
    Config(method="ff").check()                               # defaults are never "given"
    with pytest.raises(ValueError, match="--batch-size"):
        Config(batch_size=60_000, validation=True).check()
    Config(batch_size=60_000, validation=False, hidden=(8,)).check()
    with pytest.raises(ValueError, match="--epochs"):
        Config(epochs=2.5).check()
    assert memory_estimate(Config(hidden=(200_000,) * 3)) > 100 * 2**30
    # entropy-labels holds ten rows per image in a step, not two: five times the activations
    big = dict(hidden=(4000,) * 3, batch_size=10_000)
    labels, pairs = memory_estimate(Config(objective="entropy-labels", **big)), memory_estimate(Config(**big))
    assert labels - pairs == 4 * 8 * 10_000 * (784 + 12_000) * 3


def test_a_network_too_large_for_memory_is_refused_naming_what_makes_it_large(monkeypatch):
    import ffnumpy.config as config
    big = dict(hidden=(5000, 5000), batch_size=1000)
    pairs, labels = memory_estimate(Config(**big)), memory_estimate(Config(objective="entropy-labels", **big))
    monkeypatch.setattr(config, "available_memory", lambda: (pairs + labels) // 2)   # on any machine
    Config(**big).check()                                     # positive and negative pairs fit
    with pytest.raises(ValueError, match=r"--hidden 5000,5000 \(with --batch-size 1000, --objective entropy-labels: "
                                         r"ten rows per image\): needs about .* GiB of memory, .* GiB is available"):
        Config(objective="entropy-labels", **big).check()     # ten rows per image do not
    with pytest.raises(ValueError, match=r"--hidden 20000,5000 \(with --batch-size 1000\): needs about"):
        Config(**dict(big, hidden=(20000, 5000))).check()


def test_divergence_names_the_likely_cause():
    assert "--momentum 0.99" in divergence_hint(Config(optimizer="sgd", lr=1e-3, momentum=0.99))
    assert "--weight-decay" in divergence_hint(Config(lr=1e-3, weight_decay=1e3))
    assert "--theta-scale" in divergence_hint(Config(lr=1e-3, theta_scale=1e3))
    assert "smaller learning rate" in divergence_hint(Config(lr=1e-3))


# 4. no result is lost --------------------------------------------------------------------------

def test_unwritable_outputs_are_refused_before_the_data_is_loaded(tmp_path, no_data, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    for flag in ("--json", "--checkpoint"):
        err = one_line_error(cli_main, TINY + [flag, str(blocker / "out")], capsys)
        assert flag in err and str(blocker / "out") in err
        err = one_line_error(cli_main, TINY + [flag, str(tmp_path)], capsys)   # a folder
        assert "is a folder" in err
    err = one_line_error(analyze_main, ["whatever.npz", "--out", str(blocker)], capsys)
    assert "--out" in err and str(blocker) in err


def test_existing_files_are_not_overwritten_by_accident(tmp_path, no_data, capsys):
    old = tmp_path / "old.npz"
    old.write_bytes(b"someone's results")
    err = one_line_error(cli_main, TINY + ["--checkpoint", str(old)], capsys)
    assert "exists" in err and "--resume" in err and "--overwrite" in err
    err = one_line_error(cli_main, TINY + ["--json", str(old)], capsys)
    assert "exists" in err
    assert old.read_bytes() == b"someone's results"


def test_a_failed_save_keeps_the_old_checkpoint_and_leaves_no_temp_file(small, tmp_path, monkeypatch):
    path = tmp_path / "run.npz"
    cfg = Config(hidden=(8,), epochs=2, batch_size=200)
    train(cfg, data=small, progress=False, checkpoint_path=path, stop_after=1)
    before = path.read_bytes()

    def disk_full(file, **arrays):
        file.write(b"half a checkpoint")
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(np, "savez", disk_full)
    with pytest.raises(OSError, match="No space"):
        train(cfg, data=small, progress=False, checkpoint_path=path, resume=path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["run.npz"]


def test_files_are_created_with_the_users_umask(small, tmp_path):
    old = os.umask(0o022)
    try:
        path = tmp_path / "run.npz"
        train(Config(hidden=(8,), epochs=1, batch_size=200), data=small, progress=False, checkpoint_path=path)
        files.atomic_write_text(tmp_path / "r.json", "{}")
    finally:
        os.umask(old)
    for name in ("run.npz", "r.json"):
        assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == 0o644


def test_a_killed_download_leaves_no_litter_on_the_next_run(tmp_path):
    content = b"content"
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    import gzip
    (mirror / "f.gz").write_bytes(gzip.compress(content))
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / ".f.gz.abc123.part").write_bytes(b"half a download")   # what a killed run leaves
    ffnumpy.data.fetch("f", ffnumpy.data.sha256(content), cache, [mirror.as_uri()])
    assert sorted(os.listdir(cache)) == ["f.gz"]


# 5. a broken network is not a result ------------------------------------------------------------

def test_health_warnings_name_silent_layers_and_one_class():
    G = np.ones((4, 10, 3))
    G[:, :, 1] = 0
    pred = np.full(4, 7)
    w = health_warnings(G, pred)
    assert len(w) == 2 and "layer 2 is silent" in w[0] and "one class (7)" in w[1]
    assert is_dead(w) and not is_dead(w[:1])
    assert health_warnings(np.ones((4, 10, 3)), np.arange(4)) == []


def test_a_dead_network_is_reported_in_history_json_and_exit_code(small, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(ffnumpy.data, "load_dataset", lambda *a, **k: small)
    out = tmp_path / "dead.json"
    with np.errstate(all="ignore"):
        code = cli_main(["--hidden", "32,32", "--epochs", "1", "--batch-size", "50", "--optimizer", "sgd",
                         "--lr", "10", "--lr-schedule", "constant", "--quiet", "--json", str(out)])
    assert code == 3
    err = capsys.readouterr().err
    assert "dead" in err and "silent" in err
    result = json.loads(out.read_text())                     # the result is still written
    assert any("predicts one class" in w for w in result["warnings"])
    assert any("silent" in w for w in result["history"][-1]["warnings"])


# 7. damaged files are refused in one line ----------------------------------------------------------

def damaged_checkpoints(folder, good):
    """name -> path of a damaged copy of the checkpoint `good`."""
    raw = good.read_bytes()
    out = {"empty": b"", "truncated": raw[:len(raw) // 2], "text": b"hello, not a checkpoint\n"}
    paths = {}
    for name, data in out.items():
        paths[name] = folder / f"{name}.npz"
        paths[name].write_bytes(data)
    np.save(folder / "array.npy", np.zeros(3))
    paths["npy"] = folder / "array.npy"
    np.savez(folder / "nometa.npz", W0=np.zeros(3))
    paths["no meta"] = folder / "nometa.npz"
    with np.load(good, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    meta = json.loads(str(arrays.pop("meta")))
    for name, change in (("missing field", lambda m: m.pop("history")),
                         ("wrong type", lambda m: m.update(epoch="one")),
                         ("bad setting", lambda m: m["config"].update(lr=-1.0)),
                         ("unknown setting", lambda m: m["config"].update(colour="red"))):
        broken = json.loads(json.dumps(meta))
        change(broken)
        paths[name] = folder / f"{name.replace(' ', '-')}.npz"
        np.savez(paths[name], meta=np.array(json.dumps(broken)), **arrays)
    np.savez(folder / "nan.npz", meta=np.array(json.dumps(meta)), **{**arrays, "W0": arrays["W0"] * np.nan})
    paths["nan weights"] = folder / "nan.npz"
    return paths


@pytest.fixture(scope="module")
def good_checkpoint(small, tmp_path_factory):
    path = tmp_path_factory.mktemp("ckpt") / "good.npz"
    train(Config(hidden=(16,), epochs=1, batch_size=200), data=small, progress=False, checkpoint_path=path)
    return path


def test_damaged_checkpoints_are_refused_in_one_line(good_checkpoint, tmp_path, no_data, capsys):
    for name, path in damaged_checkpoints(tmp_path, good_checkpoint).items():
        for main, argv in ((cli_main, ["--hidden", "16", "--epochs", "1", "--batch-size", "200", "--quiet",
                                       "--resume", str(path)]),
                           (analyze_main, [str(path), "--out", str(tmp_path / "analysis")])):
            err = one_line_error(main, argv, capsys)
            assert str(path) in err, (name, err)


def test_a_checkpoint_of_another_budget_is_refused(small, tmp_path):
    path = tmp_path / "layer.npz"
    cfg = Config(hidden=(8, 8), epochs=2, batch_size=200, schedule="layer")
    train(cfg, data=small, progress=False, checkpoint_path=path, stop_after=1)
    fewer = Config(hidden=(8, 8), epochs=1, batch_size=200, schedule="layer")
    with pytest.raises(checkpoint.CheckpointError, match="epochs"):
        train(fewer, data=small, progress=False, resume=path)
    other = Config(hidden=(8, 8), epochs=2, batch_size=200, schedule="network")
    with pytest.raises(checkpoint.CheckpointError, match="schedule"):
        train(other, data=small, progress=False, resume=path)


def test_ctrl_c_says_which_checkpoint_holds_the_last_epoch(small, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(ffnumpy.data, "load_dataset", lambda *a, **k: small)
    real_save = checkpoint.save

    def save_then_interrupt(path, model, cfg, epoch, history):
        real_save(path, model, cfg, epoch, history)
        if epoch == 2:
            raise KeyboardInterrupt
    monkeypatch.setattr(checkpoint, "save", save_then_interrupt)
    path = tmp_path / "run.npz"
    err = one_line_error(cli_main, ["--hidden", "8", "--epochs", "3", "--batch-size", "200", "--quiet",
                                    "--checkpoint", str(path)], capsys, code=130)
    assert "epoch (2)" in err and str(path) in err


# 8. data errors print the whole help -------------------------------------------------------------

def test_data_errors_print_the_whole_help(monkeypatch, good_checkpoint, tmp_path, capsys):
    help_text = "could not find verified mnist files. Sources tried:\n  - cache: missing\nTo fix this by hand, ..."

    def missing(*args, **kwargs):
        raise ffnumpy.data.DataError(help_text)
    monkeypatch.setattr(ffnumpy.data, "load_dataset", missing)
    monkeypatch.setattr("ffnumpy.studies.analyze.load_dataset", missing)
    for main, argv in ((cli_main, TINY), (analyze_main, [str(good_checkpoint), "--out", str(tmp_path)])):
        with pytest.raises(SystemExit) as stop:
            main(argv)
        assert stop.value.code == 2
        err = capsys.readouterr().err
        assert "Sources tried" in err and "cache: missing" in err and "To fix this by hand" in err


def test_a_collapsed_network_is_named_and_counts_as_dead():
    pred = np.r_[np.full(95, 4), [0, 1, 2, 3, 5]]
    w = health_warnings(pred=pred)
    assert len(w) == 1 and "collapsed" in w[0] and "class 4 for 95.0%" in w[0] and is_dead(w)
    assert health_warnings(pred=np.r_[np.full(89, 4), [0, 1, 2, 3, 5, 6, 7, 8, 9, 0, 1]]) == []   # 89%


def test_a_network_no_better_than_guessing_is_named_and_counts_as_failed():
    from ffnumpy.evaluate import failed_run
    y = np.arange(100) % 10
    pred = (y + 1) % 10                                         # every label used, every image wrong
    pred[:5] = y[:5]                                            # 95% error, no class above 10%
    w = health_warnings(pred=pred, y=y)
    assert len(w) == 1 and "no better than guessing: it errs on 95.00% of the 100 images" in w[0] and is_dead(w)
    pred[:25] = y[:25]                                          # 75%: a guess gets 25 of 100 right once in 10^4
    assert health_warnings(pred=pred, y=y) == [] and health_warnings(pred=pred) == []
    # a stored record made before the rule: its test error decides (test_guessing.py: the rule itself)
    assert failed_run({"warnings": [], "test_error": 96.99}) and not failed_run({"warnings": [], "test_error": 85.9})
