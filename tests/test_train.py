"""Every method and schedule trains on a small slice of MNIST: the loss falls and
the error beats chance (90%) by a wide margin. Also determinism, checkpoints, CLI."""
import json

import numpy as np
import pytest

from ffnumpy import checkpoint
from ffnumpy.train import main as cli_main
from ffnumpy.train import Config, build_model, train

SETTINGS = [
    dict(method="ff", schedule="layer"),
    dict(method="ff", schedule="network"),
    dict(method="ff", schedule="alternating"),
    dict(method="cff", gamma="previous", schedule="layer"),
    dict(method="cff", gamma="previous", schedule="network"),
    dict(method="cff", gamma="all", schedule="network", lr=2e-3),
    # the literal Algorithm 2 with the full gamma swings at FF's learning rate (see README)
    dict(method="cff", gamma="all", schedule="alternating", lr=5e-4),
    dict(method="ff", schedule="network", negatives="hard"),
    dict(method="ff", schedule="layer", negatives="hard"),
    dict(method="bp-pairwise", lr=1e-3),
    dict(method="bp-label"),
]


def quick(**kw):
    return Config(**{"hidden": (64, 64), "epochs": 3, "batch_size": 50, "lr": 3e-3, "lr_schedule": "constant", **kw})


@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: "-".join(str(v) for v in s.values()))
def test_every_method_learns(small, settings):
    result, _ = train(quick(**settings), data=small, progress=False)
    history = result["history"]
    per_phase = 3  # epochs per phase; the Layer schedule has one phase per layer
    for start in range(0, len(history), per_phase):
        assert history[start + 1]["loss"] < history[start]["loss"], history
    assert result["test_error"] < 35.0, result["test_error"]
    assert result["validation_error"] < 35.0
    if settings["method"] != "bp-label":
        assert len(result["per_layer_test_error"]) == 2 and len(result["prefix_test_error"]) == 2
        assert result["prefix_test_error"][-1] == result["test_error"]


def test_same_seed_same_numbers_other_seed_other_numbers(small):
    cfg = quick(method="cff", gamma="all", epochs=1)
    r1, m1 = train(cfg, data=small, progress=False)
    r2, m2 = train(cfg, data=small, progress=False)
    _, m3 = train(quick(method="cff", gamma="all", epochs=1, seed=1), data=small, progress=False)
    for a, b in zip(m1.net.W, m2.net.W):
        np.testing.assert_array_equal(a, b)
    assert r1["history"][0]["loss"] == r2["history"][0]["loss"]
    assert not np.array_equal(m1.net.W[0], m3.net.W[0])


@pytest.mark.parametrize("settings", [dict(method="ff"), dict(method="bp-label"),
                                      dict(method="ff", schedule="layer", epochs=2),     # resumed across a phase
                                      dict(method="cff", gamma="previous", schedule="alternating"),
                                      dict(method="ff", negatives="hard")],
                         ids=lambda s: "-".join(str(v) for v in s.values()))
def test_checkpoint_round_trip_and_resume_is_exact(small, tmp_path, settings):
    cfg = quick(**{"epochs": 3, "lr_schedule": "linear-half", **settings})
    straight, m_straight = train(cfg, data=small, progress=False)
    path = tmp_path / "run.npz"
    train(cfg, data=small, progress=False, checkpoint_path=path, stop_after=1)
    assert checkpoint.read_meta(path)["epoch"] == 1
    resumed, m_resumed = train(cfg, data=small, progress=False, resume=path, checkpoint_path=path)
    for a, b in zip(m_straight.net.W + m_straight.net.b, m_resumed.net.W + m_resumed.net.b):
        np.testing.assert_array_equal(a, b)
    assert resumed["test_error"] == straight["test_error"]
    assert len(resumed["history"]) == len(straight["history"]) == cfg.total_epochs
    # a model loaded from the last checkpoint has the same weights
    fresh = build_model(cfg, 784, np.random.default_rng(123))
    assert checkpoint.load(path, fresh, cfg)[0] == cfg.total_epochs
    np.testing.assert_array_equal(fresh.net.W[1], m_straight.net.W[1])


def test_checkpoint_is_refused_for_other_settings(small, tmp_path):
    path = tmp_path / "run.npz"
    train(quick(method="ff", epochs=1), data=small, progress=False, checkpoint_path=path)
    with pytest.raises(ValueError, match="other settings: hidden"):
        train(quick(method="ff", hidden=(32, 32), epochs=1), data=small, progress=False, resume=path)
    with np.load(path, allow_pickle=False) as z:  # plain arrays only: loads without pickle
        assert z["W0"].shape == (784, 64)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="method"):
        Config(method="backprop").check()
    with pytest.raises(ValueError, match="network or alternating"):
        Config(method="cff", gamma="all", schedule="layer").check()
    with pytest.raises(ValueError, match="hidden"):
        Config(hidden=()).check()


def test_cli_writes_json_measured_on_the_test_set(mnist, tmp_path, capsys):
    out = tmp_path / "r.json"
    code = cli_main(["--method", "cff", "--gamma", "all", "--schedule", "network", "--hidden", "32",
                     "--epochs", "1", "--lr", "3e-4", "--quiet", "--json", str(out)])
    assert code == 0
    result = json.loads(out.read_text())
    assert result["config"]["method"] == "cff" and result["epochs"] == 1
    assert 0 < result["test_error"] < 30 and result["validation_error"] < 30
    assert len(result["per_layer_test_error"]) == 1 and result["train_seconds"] > 0
    assert result["train_size"] == 50000
    assert "test error" in capsys.readouterr().out


@pytest.mark.parametrize("argv,message", [
    (["--method", "nope"], "invalid choice"),
    (["--hidden", "10,x"], "widths like"),
    (["--method", "cff", "--gamma", "all", "--schedule", "layer"], "network or alternating"),
    (["--resume", "/nonexistent.npz"], "no such file"),
])
def test_cli_bad_arguments_give_one_line(argv, message, capsys):
    with pytest.raises(SystemExit) as stop:
        cli_main(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_divergence_is_reported_not_hidden(small):
    with np.errstate(all="ignore"):
        with pytest.raises(FloatingPointError, match=r"learning rate --lr 1e\+30 is large"):
            train(quick(method="ff", optimizer="sgd", lr=1e30, epochs=1), data=small, progress=False)


@pytest.mark.parametrize("schedule,lr_schedule", [("network", "linear-half"), ("layer", "linear-half"),
                                                  ("network", "linear"), ("network", "constant")])
def test_the_learning_rate_follows_its_schedule_step_by_step(small, schedule, lr_schedule):
    """Hinton's schedule: constant for the first half of each phase (the whole run, or one layer's epochs
    under the Layer schedule), then linearly to 0; the history records the rate of each epoch's last step."""
    cfg = Config(hidden=(16, 16), epochs=4, batch_size=500, lr=1e-3, schedule=schedule, lr_schedule=lr_schedule)
    result, _ = train(cfg, data=small, progress=False)
    steps = len(small.x_train) // cfg.batch_size
    expect = {"linear-half": lambda p: min(1.0, 2 * (1 - p)), "linear": lambda p: 1 - p, "constant": lambda p: 1.0}
    for record in result["history"]:
        e = (record["epoch"] - 1) % cfg.epochs                     # the epoch within its phase
        progress = (e + (steps - 1) / steps) / cfg.epochs
        assert record["lr"] == pytest.approx(cfg.lr * expect[lr_schedule](progress), rel=1e-12), record["epoch"]
    if lr_schedule != "constant":
        assert result["history"][-1]["lr"] < cfg.lr / steps + 1e-15          # down to (almost) 0 at the end


def test_cli_flags_reach_the_run_and_overwrite_replaces_the_file(mnist, tmp_path):
    out = tmp_path / "r.json"
    out.write_text("an older result")
    code = cli_main(["--hidden", "16", "--epochs", "1", "--lr", "1e-3", "--weight-decay", "0.01", "--quiet",
                     "--no-validation", "--init", "fan-in", "--no-bias-decay", "--overwrite", "--json", str(out)])
    assert code == 0
    result = json.loads(out.read_text())                                  # replaced, and parses
    cfg = result["config"]
    assert (cfg["validation"], cfg["init"], cfg["bias_decay"]) == (False, "fan-in", False)
    assert result["train_size"] == 60000 and result.get("validation_error") is None
    model = build_model(Config(hidden=(16,), weight_decay=0.01, bias_decay=False), 784, np.random.default_rng(0))
    assert model.optimizers[0].decays == [0.01, 0.0]                     # W decays, b does not
    for init, std in (("fan-in", 1 / np.sqrt(784)), ("he", np.sqrt(2 / 784))):   # N(0, 1/D) and N(0, 2/D)
        W = build_model(Config(hidden=(500,), init=init), 784, np.random.default_rng(0)).net.W[0]
        assert abs(W.std() / std - 1) < 0.01, init
