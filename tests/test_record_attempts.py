"""The record's machinery (issue 42) on tiny inputs: the goodness and the readout combined, errors every
k epochs, a tuning run's validation curve, and the stages of studies/record.py in order."""
import json

import numpy as np
import pytest

from ffnumpy.config import Config
from ffnumpy.readout import LAMBDAS, combined_errors
from ffnumpy.studies import protocol, record, record_report, runner
from ffnumpy.train import train


def test_combined_predictor_meets_the_readout_at_zero_and_the_goodness_when_it_dominates():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, 200)
    logits = rng.standard_normal((200, 10)) + 3 * np.eye(10)[y] * (rng.random(200) < 0.7)[:, None]
    scores = 1000 * rng.standard_normal((200, 10)) + 2000 * np.eye(10)[y] * (rng.random(200) < 0.5)[:, None]
    errors = combined_errors(scores, logits, y)
    assert len(errors) == len(LAMBDAS) and LAMBDAS[0] == 0
    assert errors[0] == 100 * np.mean(logits.argmax(1) != y)           # lam 0: the readout alone
    assert errors[-1] == 100 * np.mean(scores.argmax(1) != y)          # lam 10: the goodness decides
    assert 0 < min(errors) <= min(errors[0], errors[-1])


def test_combined_predictor_breaks_a_goodness_tie_by_the_readout():
    scores = np.array([[5.0, 5.0, 0.0]])
    logits = np.array([[0.0, 1.0, 9.0]])           # the readout prefers 2, then 1
    assert combined_errors(scores, logits, np.array([1]))[-1] == 0.0      # the goodness ties 0 and 1: 1 wins
    assert combined_errors(scores, logits, np.array([2]))[0] == 0.0


def test_errors_every_k_epochs_and_after_the_last(small):
    cfg = Config(hidden=(32, 32), epochs=5, batch_size=500, eval_every=2)
    result, _ = train(cfg, data=small, progress=False)
    measured = [h["epoch"] for h in result["history"] if "validation_error" in h]
    assert measured == [2, 4, 5] and [h["epoch"] for h in result["history"] if "train_error" in h] == [2, 4, 5]
    with pytest.raises(ValueError, match="--eval-every: must be at least 1"):
        Config(eval_every=0).check()


def test_a_tuning_run_with_a_curve_measures_validation_every_k_epochs_and_nothing_of_test(small):
    cfg = Config.from_recipe("hinton", hidden=(32, 32), epochs=3, batch_size=500, eval_every=2)
    plain = runner.run(cfg, "tune", small)
    curve = runner.run(cfg, "tune", small, curve=True)
    assert [h.get("validation_error") for h in plain["history"]] == [None, None, None]
    assert [h["epoch"] for h in curve["history"] if "validation_error" in h] == [2, 3]
    assert curve["history"][-1]["validation_error"] == curve["validation_error"] == plain["validation_error"]
    assert len(curve["combined_validation_error"]) == len(LAMBDAS)
    assert curve["combined_validation_error"][0] == curve["readout_validation_error"]
    by = curve["combined_validation_error_by_predictor"]  # each goodness with the readout (recipe: skip-first)
    assert set(by) == {"all", "skip-first"} and by["skip-first"] == curve["combined_validation_error"]
    assert by["all"][0] == curve["readout_validation_error"] and len(by["all"]) == len(LAMBDAS)
    assert [k for k in curve if "test" in k] == ["test_eval_seconds"]        # the final evaluation's time


def test_predictor_errors_and_the_choice_over_attempts_and_predictors(tmp_path, monkeypatch):
    def put(attempt, goodness, every, readout, combined, combined_every=None):
        path = protocol.tune_path(tmp_path / "mnist-attempts" / attempt, record.SETTING)
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps({"config": {"dataset": "mnist", "predict": "skip-first"},
                                    "validation_error": goodness,      # the recipe's own: layers 2 and up
                                    "validation_error_by_predictor": {"all": every, "skip-first": goodness},
                                    "readout_validation_error": readout, "combined_validation_error": combined,
                                    **({"combined_validation_error_by_predictor": {
                                        "skip-first": combined, "all": combined_every}} if combined_every else {})}))
    monkeypatch.setattr(record, "ATTEMPTS", {"a": {}, "b": {}})
    put("a", 2.0, 2.1, 2.5, [2.5, 2.4, 1.9])
    assert record.choice(tmp_path, "mnist") is None                    # b is missing
    put("b", 1.8, 1.7, 3.0, [3.0, 2.0, 2.0], combined_every=[3.0, 1.75, 1.6])
    assert record.predictor_errors(json.loads(next((tmp_path / "mnist-attempts" / "a").rglob("*.json")).read_text()))\
        == [("layers 2 and up", 2.0), ("all layers", 2.1), ("the readout", 2.5),       # an older run: its own only
            (f"combined {LAMBDAS[1]:g}, layers 2 and up", 2.4), (f"combined {LAMBDAS[2]:g}, layers 2 and up", 1.9)]
    assert record.choice(tmp_path, "mnist") == ("b", f"combined {LAMBDAS[2]:g}, all layers", 1.6)  # all layers, readout
    assert record_report.best_combined(record.validation_record(tmp_path, "mnist-attempts", "b")) == \
        f"1.60 (lambda {LAMBDAS[2]:g}, all layers)"
    seed = {"config": {"predict": "skip-first"}, "test_error": 1.5, "combined_test_error": [9, 8, 7],
            "combined_test_error_by_predictor": {"skip-first": [9, 8, 7], "all": [9, 6, 5]},
            "test_error_by_predictor": {"all": 1.4, "skip-first": 1.5}}
    assert record.test_error(seed, f"combined {LAMBDAS[2]:g}, layers 2 and up") == 7
    assert record.test_error(seed, f"combined {LAMBDAS[2]:g}, all layers") == 5
    assert record.test_error(seed, "all layers") == 1.4 and record.test_error(seed, "layers 2 and up") == 1.5


def test_the_stages_run_in_order_grow_past_an_edge_and_resume(small, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(record, "ALPHAS", (1.0, 4.0))
    monkeypatch.setattr(record, "SCREEN", dict(epochs=1, hidden=(16, 16), batch_size=500))
    tiny = dict(hidden=(16, 16), epochs=2, batch_size=500)
    monkeypatch.setattr(record, "ATTEMPTS", {"ff-tiny": tiny, "symba-tiny": dict(tiny, objective="symba")})
    monkeypatch.setattr(record, "EVAL_EVERY", 1)
    monkeypatch.setattr(runner, "load_dataset", lambda name, validation: small)
    out = str(tmp_path)
    assert record.main(["--out", out, "--dry-run"]) == 0
    assert "the stages after screen start once it is complete" in capsys.readouterr().out
    validation = {}

    def fake_run(cfg, kind, data, checkpoint_path=None, curve=False):      # alpha 4 best: an edge, grown
        validation[cfg.symba_alpha] = 5.0 - np.log2(cfg.symba_alpha) if cfg.epochs == 1 else 3.0
        return {"kind": kind, "validation_error": validation[cfg.symba_alpha] if cfg.epochs == 1 else
                (2.0 if cfg.objective == "symba" else 2.5), "readout_validation_error": 2.2,
                "combined_validation_error": [2.2] * len(LAMBDAS), "test_error": 1.9,
                "config": json.loads(json.dumps(cfg.__dict__)), "warnings": [],
                "history": [{"epoch": 1, "validation_error": 2.3}, {"epoch": 2, "validation_error": 2.1}]
                if curve else []}
    monkeypatch.setattr(runner, "run", fake_run)
    assert record.main(["--out", out]) == 0
    assert record.screen_alphas(out, "mnist") == [1.0, 4.0, 16.0, 64.0, 256.0]     # EDGE_STEPS x4 past the edge
    assert record.screen_alpha(out, "mnist") == 256.0
    symba = protocol.read(protocol.tune_path(tmp_path / "mnist-attempts" / "symba-tiny", record.SETTING))
    assert symba["config"]["symba_alpha"] == 256.0 and symba["config"]["eval_every"] == 1
    assert record.choice(out, "mnist") == ("symba-tiny", "layers 2 and up", 2.0)
    seeds = sorted(p.name for p in (tmp_path / "mnist-chosen" / "symba-tiny").glob("seed*.json"))
    assert seeds == ["seed1.json", "seed2.json", "seed3.json"]
    ablation = {p.parent.parent.name: protocol.read(p)["config"]
                for p in (tmp_path / "mnist-ablation" / "symba-tiny").rglob("*.json")}
    assert ablation["half-width"]["hidden"] == [8, 8] and ablation["no-peer-norm"]["peer_norm"] == 0
    assert ablation["random-negatives"]["negatives"] == "random"
    assert ablation["half-width"]["objective"] == "symba" and ablation["half-width"]["symba_alpha"] == 256.0
    report = record_report.write(out).read_text()
    assert "Chosen on validation: **symba-tiny**, predicted by **layers 2 and up** (2.00% on validation)." in report
    assert "Test error over 3 seeds: **1.90 ± 0.00%**" in report and "**missed** by 0.70 points." in report
    assert "Over its last 1 epochs the chosen attempt's validation error moved -0.20 points: still falling" in report
    assert "| 2.30, 2.10 | -0.20 |" in report                                # the curve and its last change
    assert "| 256 | -3.00 | 2.20 |" in report and "| symba-tiny, alpha 256 | 2.00 | - | 2.20 |" in report
    assert "| every layer half as wide | 3.00 | 2.00 | +1.00 |" not in report      # ablations ran with symba: 2.0
    assert "| every layer half as wide | 2.00 | 2.00 | +0.00 |" in report
    assert "fashion-mnist" in report and "| ff-tiny | not yet run |" in report
    table = record_report.standing(out, recipe=tmp_path / "no-recipe")
    assert table[-2].endswith("| not yet run | not yet run |")              # no recipe runs in that folder
    assert table[-1] == "| ffnumpy: the record (`results/record`) | 1.90 ± 0.00 (symba-tiny, layers 2 and up; -, -, - min " \
                        "per run) | not yet run |"
    capsys.readouterr()
    assert record.main(["--out", out]) == 0                                  # resumed: nothing left to run
    assert capsys.readouterr().out.count("done: 0 runs in this call") == len(record.STAGES)
    settled = json.loads((tmp_path / "mnist-chosen" / "choice.json").read_text())
    assert settled == {"attempt": "symba-tiny", "predictor": "layers 2 and up", "validation_error": 2.0}
    ff = protocol.tune_path(tmp_path / "mnist-attempts" / "ff-tiny", record.SETTING)     # now ff-tiny is lower:
    ff.write_text(json.dumps(dict(protocol.read(ff), validation_error=1.0)))          # the seeds ran for symba
    with pytest.raises(SystemExit) as stop:
        record.main(["--out", out])
    assert stop.value.code == 2 and "now choose ff-tiny by layers 2 and up" in capsys.readouterr().err
    report = record_report.write(out).read_text()
    assert "Chosen on validation: **symba-tiny**" in report and "**Warning:** the attempts' files now choose ff-tiny" \
        in report and "Test error over 3 seeds: **1.90 ± 0.00%**" in report      # still the stored choice's seeds


def test_a_dry_run_creates_no_folder(tmp_path, capsys):
    out = tmp_path / "new" / "record"
    assert record.main(["--out", str(out), "--dry-run"]) == 0
    assert "5 runs missing" in capsys.readouterr().out and not (tmp_path / "new").exists()


def test_when_every_attempt_failed_the_next_stage_says_so_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(record, "ALPHAS", (1.0, 4.0, 16.0))
    monkeypatch.setattr(record, "ATTEMPTS", {"a": {}})
    monkeypatch.setattr(runner, "run", lambda *a, **k: pytest.fail("trained"))

    def put(name, row, cfg, error, warnings=()):
        path = protocol.tune_path(tmp_path / name / row, record.SETTING)
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps({"config": json.loads(json.dumps(cfg.__dict__)), "validation_error": error,
                                    "warnings": list(warnings)}))
    for alpha in record.ALPHAS:                                         # alpha 4 best: inside, complete
        put("mnist-screen", record.alpha_row(alpha), record.recipe("mnist", 0, objective="symba", symba_alpha=alpha,
                                                                   **record.SCREEN), 2.0 + (alpha != 4.0))
    put("mnist-attempts", "a", record.attempt_config(tmp_path, "mnist", "a"), 100.0,
        ["diverged: the loss is not finite"])
    with pytest.raises(SystemExit) as stop:
        record.main(["--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and "every attempt on mnist failed" in err and len(err.strip().splitlines()) == 1


def test_minutes_shows_the_recorded_total_and_the_median_epoch_times_the_epochs():
    """A chain paused during one epoch inflates the recorded total; the median epoch does not move."""
    from ffnumpy.studies.record_report import minutes
    paused = {"train_seconds": 780.0, "history": [{"train_seconds": s} for s in (60.0, 60.0, 600.0, 60.0)]}
    assert minutes(paused) == "13 (4)"
    assert minutes({"train_seconds": 120.0, "history": []}) == "2"        # no epochs: the total alone
    assert minutes({"train_seconds": None}) == "-"
