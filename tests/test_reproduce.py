"""The reproduction runner on tiny budgets: it tunes on validation only, chooses
by validation, runs the seeds on test, skips what exists, and reports."""
import json
import re

import pytest

from ffnumpy.evaluate import failed_run
from ffnumpy.studies import protocol, reproduce, runner


@pytest.fixture
def tiny(monkeypatch):
    monkeypatch.setitem(reproduce.BUDGETS, "course", dict(hidden=(16, 16), epochs=1))
    monkeypatch.setattr(reproduce, "GRID", [dict(lr=1e-3, theta_scale=1.0), dict(lr=3e-3, theta_scale=1.0)])
    monkeypatch.setattr(reproduce, "COMMON", dict(reproduce.COMMON, batch_size=200))
    monkeypatch.setattr(protocol, "EDGE_STEPS", 0)     # test_tuning_goes_past_an_edge covers the extension
    return ("ff-network", "cff-all-network", "bp-label")


def test_tuning_goes_past_an_edge_until_the_choice_is_interior(tmp_path, monkeypatch):
    monkeypatch.setattr(protocol, "EDGE_STEPS", 2)
    grid = [dict(lr=lr, theta_scale=1.0) for lr in (1e-3, 2e-3, 4e-3)]

    def tuned(lr, error):
        path = tmp_path / "s" / "r" / "tune" / f"{protocol.setting_name(dict(lr=lr, theta_scale=1.0))}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"validation_error": error}))

    def lrs(extend=True):
        return [s["lr"] for s in protocol.tuned_settings(tmp_path, "s", "r", grid, extend)]
    for lr, error in ((1e-3, 3.0), (2e-3, 2.0), (4e-3, 1.0)):
        tuned(lr, error)
    assert lrs(extend=False) == [1e-3, 2e-3, 4e-3]
    assert lrs() == [1e-3, 2e-3, 4e-3, 8e-3]                   # the best is the largest: double it next
    assert protocol.chosen_setting(tmp_path, "s", "r", grid, extend=True) is None   # its run is missing
    assert protocol.chosen_setting(tmp_path, "s", "r", grid)["lr"] == 4e-3          # without: the edge
    tuned(8e-3, 1.5)                                                                 # worse past it: interior
    assert lrs() == [1e-3, 2e-3, 4e-3, 8e-3]
    assert protocol.chosen_setting(tmp_path, "s", "r", grid, extend=True)["lr"] == 4e-3
    tuned(8e-3, 0.5)                       # still better past it: go on, but at most EDGE_STEPS doublings
    tuned(16e-3, 0.4)
    assert lrs() == [1e-3, 2e-3, 4e-3, 8e-3, 16e-3]
    assert protocol.chosen_setting(tmp_path, "s", "r", grid, extend=True)["lr"] == 16e-3
    more = protocol.tuned_settings(tmp_path, "s", "r", grid, True, edge_steps=3)     # a study's own limit
    assert [s["lr"] for s in more] == [1e-3, 2e-3, 4e-3, 8e-3, 16e-3, 32e-3]
    tuned(1e-3, 0.1)                                           # the best is now the smallest: halve it
    assert lrs() == [1e-3, 2e-3, 4e-3, 5e-4]


def test_two_tuning_seeds_choose_by_their_mean_and_each_is_a_run_of_its_own(tmp_path):
    grid = [dict(lr=lr, theta_scale=1.0) for lr in (1e-3, 2e-3, 4e-3)]

    def tuned(lr, seed, error):
        path = protocol.tune_path(tmp_path / "s" / "r", dict(lr=lr, theta_scale=1.0), seed)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"validation_error": error}))
    for lr, error in ((1e-3, 3.0), (2e-3, 2.0), (4e-3, 1.9)):
        tuned(lr, 0, error)
    assert protocol.chosen_setting(tmp_path, "s", "r", grid)["lr"] == 4e-3          # seed 0 alone
    assert protocol.chosen_setting(tmp_path, "s", "r", grid, tune_seeds=(0, 1)) is None   # seed 1 missing
    for lr, error in ((1e-3, 3.0), (2e-3, 2.0), (4e-3, 9.0)):    # seed 1 diverges at 4e-3
        tuned(lr, 1, error)
    assert protocol.chosen_setting(tmp_path, "s", "r", grid, tune_seeds=(0, 1))["lr"] == 2e-3   # 2.0 < 5.45
    assert sorted(p.name for p in (tmp_path / "s" / "r" / "tune").glob("*.json"))[:2] == \
        ["lr0.001-theta1-seed1.json", "lr0.001-theta1.json"]


def test_an_unstable_regime_is_tuned_on_two_seeds_and_its_wide_grid_past_its_edges(tmp_path):
    study = reproduce.regime_study("mnist", "literal", out=tmp_path)
    assert study.tune_seeds == (0, 10)
    assert not set(study.tune_seeds) & set(reproduce.SEEDS + reproduce.ANSWER_SEEDS)   # no test seed chooses
    todo = protocol.pending(tmp_path, study)
    tunes = [(path.name, cfg.seed) for path, cfg, kind in todo if kind == "tune"]
    assert ("lr0.001-theta1.json", 0) in tunes and ("lr0.001-theta1-seed10.json", 10) in tunes
    assert len(tunes) == len(study.rows) * len(reproduce.REGIME_GRID) * 2
    wide = reproduce.regime_study("mnist", "literal", wide=True, out=tmp_path)
    assert wide.extend and wide.tune_seeds == (0, 10)
    stable = reproduce.regime_study("mnist", "length", wide=True, out=tmp_path)
    assert stable.tune_seeds == (0,) and stable.extend          # every wide grid is tuned past its edges


def test_every_regime_the_files_show_unstable_is_tuned_on_two_seeds():
    """A regime where some row has a failed seed or seeds spread over SPREAD points must be in
    UNSTABLE_REGIMES (a new one would otherwise be chosen by one seed, at random)."""
    from pathlib import Path

    from ffnumpy.evaluate import failed_run
    from ffnumpy.studies.stats import SPREAD
    out = Path(__file__).resolve().parents[1] / "results" / "reproduction"
    found = []
    for dataset in ("mnist", "fashion-mnist"):
        for regime in reproduce.REGIMES:
            for wide in (False, True):
                study = reproduce.regime_study(dataset, regime, wide=wide, out=out)
                for row in study.rows:
                    seeds = [json.loads(p.read_text()) for p in (out / study.name / row).glob("seed*.json")]
                    errors = [r["test_error"] for r in seeds if not failed_run(r)]
                    if len(errors) < len(seeds) or (errors and max(errors) - min(errors) > SPREAD):
                        found.append((dataset, regime))
    assert found, "the regime runs are missing: this test reads results/reproduction/regimes"
    assert {f for f in found if f[1] not in reproduce.UNSTABLE_REGIMES[f[0]]} == set()


def test_the_long_tuned_rows_keep_the_theta_scale_their_course_budget_chose():
    """COURSE_THETA is frozen in the code (the long-tuned grid must not move with the files); it must be the
    course budget's choice as its tuning files make it."""
    from pathlib import Path
    out = Path(__file__).resolve().parents[1] / "results" / "reproduction"
    for dataset, thetas in reproduce.COURSE_THETA.items():
        course = next(s for s in reproduce.table_studies(dataset, "course") if "ff-layer" in s.rows)
        for row, theta in thetas.items():
            assert protocol.row_setting(out, course, row)["theta_scale"] == theta, (dataset, row)


def test_sweep_tunes_on_validation_then_runs_seeds_and_resumes(tiny, small, tmp_path):
    rows = tiny
    study = reproduce.table_study("mnist", "course", rows)
    lines = []
    n = runner.sweep(tmp_path, study, seeds=(1, 2), data=small, say=lambda *a, **k: lines.append(a[0]))
    assert n == 3 * (2 + 2)
    remain = [line for line in lines if " remain" in line]     # (a 1-epoch network may be named a failed run)
    assert "12 runs remain" in remain[0] and "min left" in remain[1]
    for row in rows:
        folder = tmp_path / "mnist-course" / row
        tunes = [json.loads(p.read_text()) for p in sorted((folder / "tune").glob("*.json"))]
        assert len(tunes) == 2
        for t in tunes:   # the test set is never touched while tuning
            assert "test_error" not in t and "test_predictions" not in t and t["kind"] == "tune"
            assert t["config"]["seed"] == 0 and t["train_size"] == len(small.x_train)
        best = min(tunes, key=lambda t: t["validation_error"])
        for seed in (1, 2):
            r = json.loads((folder / f"seed{seed}.json").read_text())
            assert r["config"]["seed"] == seed and r["config"]["lr"] == best["config"]["lr"]
            assert len(r["test_predictions"]) == len(small.x_test) and 0 <= r["test_error"] < 100
            assert r["passes_over_data"] == 1 and r["wall_seconds"] > 0
            if row != "bp-label":
                assert "initial_entropy" in r and "concentration" in r["initial_entropy"]["positive"]
    # resume: nothing left to do, nothing retrained
    assert runner.sweep(tmp_path, study, seeds=(1, 2), data=small, say=lambda *a, **k: None) == 0
    assert protocol.pending(tmp_path, study, seeds=(1, 2)) == []
    # a recorded run trained again from its JSON gives the same numbers (same machine and threads)
    path = tmp_path / "mnist-course" / "ff-network" / "seed1.json"
    was, now, differ = runner.rerun(path, data=small)
    assert was == now and differ == 0
    # a deleted result is the only run redone
    (tmp_path / "mnist-course" / "bp-label" / "seed2.json").unlink()
    assert [p.name for p, _, _ in protocol.pending(tmp_path, study, seeds=(1, 2))] == ["seed2.json"]


def test_seed_runs_wait_for_their_row_to_be_tuned(tiny, tmp_path):
    todo = protocol.pending(tmp_path, reproduce.table_study("mnist", "course", ("ff-network",)), seeds=(1,))
    assert [(kind, cfg is None) for _, cfg, kind in todo] == [("tune", False), ("tune", False), ("seed", True)]
    assert protocol.chosen_setting(tmp_path, "mnist-course", "ff-network", reproduce.GRID) is None
    # the long budget tunes nothing: it waits for the course budget's choice
    long = protocol.pending(tmp_path, reproduce.table_study("mnist", "long", ("ff-network",)), seeds=(1,))
    assert [(kind, cfg is None) for _, cfg, kind in long] == [("seed", True)]


def test_regime_studies_apply_only_the_flags_that_fit_each_row():
    study = reproduce.regime_study("mnist", "literal")
    ff = study.make("ff-network", reproduce.REGIME_GRID[0], 1)
    cff = study.make("cff-all-network", reproduce.REGIME_GRID[0], 1)
    assert (ff.normalize, ff.negative_loss, ff.theta_mode) == ("length", "paper", "per-layer")
    assert (cff.normalize, cff.negative_loss, cff.theta_mode) == ("length", "paper", "shared")
    ff.check(), cff.check()
    assert "ff-network" not in reproduce.regime_study("mnist", "shared-theta").rows


def test_cli_refuses_unknown_rows(capsys):
    with pytest.raises(SystemExit) as stop:
        reproduce.main(["--rows", "ff-network,nope", "--dry-run"])
    assert stop.value.code == 2 and "nope" in capsys.readouterr().err


def test_report_from_tiny_results(tiny, small, tmp_path, monkeypatch):
    from ffnumpy.studies.report import write_report
    runner.sweep(tmp_path, reproduce.table_study("mnist", "course", tiny), seeds=(1, 2, 3), data=small,
                 say=lambda *a, **k: None)
    monkeypatch.setattr(reproduce, "REGIME_GRID", [dict(lr=3e-3, theta_scale=1.0)])
    regime = reproduce.regime_study("mnist", "paper-negative", ("ff-network", "cff-all-network"))
    runner.sweep(tmp_path, regime, seeds=(1, 2, 3), data=small, say=lambda *a, **k: None)
    # the widened grid: its lr 3e-3 runs are the narrow grid's (copied), lr 1e-2 is trained
    monkeypatch.setattr(reproduce, "WIDE_REGIME_GRID", [dict(lr=3e-3, theta_scale=1.0), dict(lr=1e-2, theta_scale=1.0)])
    wide = reproduce.regime_study("mnist", "paper-negative", ("ff-network", "cff-all-network"), wide=True, out=tmp_path)
    assert wide.name == "regimes/mnist-paper-negative-wide"
    runner.sweep(tmp_path, wide, seeds=(1, 2, 3), data=small, say=lambda *a, **k: None)
    for row in ("ff-network", "cff-all-network"):
        mine, theirs = (json.loads((tmp_path / name / row / "tune" / "lr0.003-theta1.json").read_text())
                        for name in (wide.name, regime.name))
        assert mine["copied_from"].endswith(f"{regime.name}/{row}/tune/lr0.003-theta1.json")
        assert mine["validation_error"] == theirs["validation_error"]
        assert "copied_from" not in json.loads((tmp_path / wide.name / row / "tune" / "lr0.01-theta1.json").read_text())
        seed1 = json.loads((tmp_path / wide.name / row / "seed1.json").read_text())
        assert ("copied_from" in seed1) == (seed1["config"]["lr"] == 3e-3)   # copied only if the same setting won
    path = write_report(tmp_path, labels={"mnist": small.y_test})
    text = path.read_text()
    assert "| paper-negative (wide grid) |" in text
    assert "Tuning: validation error (%) of every setting tried" in text and "**" in text.split("Tuning:")[1]
    assert "| FF, Network | 3.4 |" in text and "| CFF gamma, Network | 2.1 |" in text
    assert "FF, Network vs CFF gamma, Network | 3 |" in text
    assert "held" in text or "did not hold" in text or "mixed" in text
    assert "where the paper's claims hold" in text and "| paper-negative |" in text and "| baseline |" in text
    for name in ("contributions_mnist-course.png", "entropy_mnist-course.png", "regimes_mnist.png"):
        assert (tmp_path / name).stat().st_size > 10_000
    # closing.json, the demo's closing lines: every FF-against-CFF comparison once, under the call the report made
    summary = json.loads((tmp_path / "closing.json").read_text())["mnist"]
    labels = [label for found in summary["calls"].values() for label in found]
    assert len(labels) == len(set(labels)) == summary["comparisons"]
    assert set(summary["calls"]) <= {"A lower", "B lower", "no difference shown", "unstable"}
    for prefix in ("regime paper-negative: ", "regime paper-negative (wide grid): "):
        assert f"{prefix}FF, Network vs CFF gamma, Network" in labels
    table = [label for label in labels if not label.startswith("regime")]
    assert table
    for call, found in summary["calls"].items():          # the report's verdict table says the same call
        for label in set(found) & set(table):
            row = next(line for line in text.splitlines() if line.startswith(f"| {label} |"))
            assert ("lower**" in row) == call.endswith("lower") and ("unstable" in row) == (call == "unstable")


def test_a_result_made_with_another_configuration_is_refused(small, tmp_path, monkeypatch):
    monkeypatch.setitem(reproduce.BUDGETS, "course", dict(hidden=(16,), epochs=1))
    monkeypatch.setattr(reproduce, "GRID", [dict(lr=1e-3, theta_scale=1.0)])
    monkeypatch.setattr(reproduce, "COMMON", dict(reproduce.COMMON, batch_size=200))
    monkeypatch.setattr(protocol, "EDGE_STEPS", 0)
    study = reproduce.table_study("mnist", "course", ("ff-network",))
    assert runner.sweep(tmp_path, study, seeds=(1,), data=small, say=lambda *a, **k: None) == 2
    monkeypatch.setitem(reproduce.BUDGETS, "course", dict(hidden=(16,), epochs=2))     # the budget changed
    with pytest.raises(ValueError, match=r"lr0.001-theta1.json was made with another configuration: epochs 1 "
                                         r"\(now 2\)"):
        protocol.pending(tmp_path, reproduce.table_study("mnist", "course", ("ff-network",)))


def test_a_run_cut_off_goes_on_from_its_checkpoint_bit_for_bit(tiny, small, tmp_path, monkeypatch):
    """A sweep killed in the middle of a run (the end of a session) loses at most an epoch."""
    monkeypatch.setitem(reproduce.BUDGETS, "course", dict(hidden=(16, 16), epochs=3))
    study = reproduce.table_study("mnist", "course", ("ff-network",))
    quiet = dict(seeds=(1,), data=small, say=lambda *a, **k: None)
    runner.sweep(tmp_path / "whole", study, **quiet)
    real = runner.train

    def killed(cfg, **kw):       # the first run trains one epoch, saves it, and is killed
        real(cfg, **{**kw, "stop_after": 1})
        raise KeyboardInterrupt
    monkeypatch.setattr(runner, "train", killed)
    with pytest.raises(KeyboardInterrupt):
        runner.sweep(tmp_path / "cut", study, **quiet)
    folder = tmp_path / "cut" / "mnist-course" / "ff-network" / "tune"
    [ckpt] = folder.glob("*.ckpt.npz")
    monkeypatch.setattr(runner, "train", real)
    runner.sweep(tmp_path / "cut", study, **quiet)
    assert not ckpt.exists() and not list((tmp_path / "cut").rglob("*.ckpt.npz"))
    for name in ["tune/" + p.name for p in folder.glob("*.json")] + ["seed1.json"]:
        whole, cut = (json.loads((tmp_path / d / "mnist-course" / "ff-network" / name).read_text())
                      for d in ("whole", "cut"))
        key = "test_predictions" if name == "seed1.json" else "validation_error"
        assert whole[key] == cut[key]
        assert [h["loss"] for h in whole["history"]] == [h["loss"] for h in cut["history"]]


def test_seeds_of_a_setting_no_longer_chosen_are_moved_aside(tiny, small, tmp_path, monkeypatch):
    study = reproduce.table_study("mnist", "course", ("ff-network",))
    runner.sweep(tmp_path, study, seeds=(1,), data=small, say=lambda *a, **k: None)
    row = tmp_path / "mnist-course" / "ff-network"
    chosen = json.loads((row / "seed1.json").read_text())["config"]["lr"]
    assert protocol.supersede(tmp_path, study) == []                # nothing changed: nothing moves
    monkeypatch.setattr(protocol, "EDGE_STEPS", 1)                  # the tuning goes past the edge ...
    study = reproduce.table_study("mnist", "course", ("ff-network",), seeds=(1,))
    (path, cfg, kind), = [t for t in protocol.pending(tmp_path, study) if t[2] == "tune"]
    past = cfg.lr
    record = json.loads(next((row / "tune").glob("*.json")).read_text())
    record["config"]["lr"], record["validation_error"] = past, -1.0  # ... and the value past it is best
    path.write_text(json.dumps(record))
    would = protocol.supersede(tmp_path, study, dry_run=True)      # a dry run only says what would move
    assert (row / "seed1.json").exists() and not (row / "superseded").exists()
    moved = protocol.supersede(tmp_path, study)
    assert moved == would
    assert moved == [(row / "seed1.json", row / "superseded" / "seed1.json")] and past != chosen
    (todo, cfg, kind), = protocol.pending(tmp_path, study)
    assert todo == row / "seed1.json" and cfg.lr == past            # the seed runs again, at the new choice
    from ffnumpy.studies.report import superseded
    regime = tmp_path / "regimes" / "mnist-literal" / "ff-network" / "superseded"
    regime.mkdir(parents=True)
    (regime / "seed1.json").write_text((row / "superseded" / "seed1.json").read_text())
    [line] = superseded(tmp_path, "mnist", "course", ["regimes/mnist-literal"])[:-1]    # a regime's, named
    assert "`regimes/mnist-literal/ff-network/superseded/`" in line and f"lr {chosen:g}" in line


def test_a_live_run_borrows_the_reproductions_choice_or_the_fallback(tmp_path):
    from ffnumpy.studies.live import FALLBACK, live_config
    assert live_config("FF", tmp_path / "none", hidden=(8,), epochs=1).lr == FALLBACK["ff-network"][0]
    study = next(s for s in reproduce.table_studies("mnist", "course") if "ff-network" in s.rows)
    for s in reproduce.GRID:          # every grid setting tuned; the best, 1e-3 at 0.3, is inside the grid
        path = protocol.tune_path(tmp_path / study.name / "ff-network", s)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"validation_error": 2.0 if s == dict(lr=1e-3, theta_scale=0.3) else 9.0}))
    cfg = live_config("FF", tmp_path, hidden=(8,), epochs=1, seed=3)
    assert (cfg.lr, cfg.theta_scale, cfg.method, cfg.hidden, cfg.seed) == (1e-3, 0.3, "ff", (8,), 3)


def test_a_diverged_run_is_a_failed_result_and_tuning_stops_at_it(small, tmp_path, monkeypatch):
    """A run whose loss stops being finite is written as a failed run (100% error, its warning), the
    sweep goes on, and a value past a grid's edge that diverged makes the edge an interior choice."""
    monkeypatch.setitem(reproduce.BUDGETS, "course", dict(hidden=(16,), epochs=1))
    monkeypatch.setattr(reproduce, "GRID", [dict(lr=1e-3, theta_scale=1.0), dict(lr=2e-3, theta_scale=1.0)])
    monkeypatch.setattr(reproduce, "COMMON", dict(reproduce.COMMON, batch_size=200))
    monkeypatch.setattr(protocol, "EDGE_STEPS", 1)
    real = runner.train

    def train(cfg, **kw):            # 2e-3 trains best, anything above it diverges
        if cfg.lr > 2e-3:
            raise FloatingPointError("training diverged in epoch 1 (the loss is not finite)")
        result, model = real(cfg, **kw)
        return {**result, "test_error": 1.0 if cfg.lr == 2e-3 else 5.0}, model
    monkeypatch.setattr(runner, "train", train)
    study = reproduce.table_study("mnist", "course", ("ff-network",))
    said = []
    assert runner.sweep(tmp_path, study, seeds=(1,), data=small, say=lambda line, **k: said.append(line)) == 4
    row = tmp_path / "mnist-course" / "ff-network"
    record = protocol.read(row / "tune" / "lr0.004-theta1.json")
    assert record["validation_error"] == 100.0 and failed_run(record) and "diverged" in record["diverged"]
    assert protocol.chosen_setting(tmp_path, study.name, "ff-network", reproduce.GRID, extend=True)["lr"] == 2e-3
    assert protocol.read(row / "seed1.json")["config"]["lr"] == 2e-3
    assert any("a failed run: diverged" in line for line in said)
    assert not list(tmp_path.rglob("*.ckpt.npz"))


def test_a_row_waiting_for_tuning_past_its_edge_says_so(tmp_path):
    from ffnumpy.studies.report_claims import regime_tuning
    grid = [dict(lr=lr, theta_scale=1.0) for lr in (1e-3, 3e-3)]
    study = protocol.Study("s", "mnist", ("r",), grid, None, extend=True)
    for lr, error in ((1e-3, 2.0), (3e-3, 3.0)):
        path = protocol.tune_path(tmp_path / "s" / "r", dict(lr=lr, theta_scale=1.0))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"validation_error": error}))
    run = {"config": {"lr": 1e-3}}
    assert regime_tuning(tmp_path, study, "r", run) == " (edge of the grid); tuning past the edge pending"
    path = protocol.tune_path(tmp_path / "s" / "r", dict(lr=5e-4, theta_scale=1.0))
    path.write_text(json.dumps({"validation_error": 9.0}))               # worse past the edge: interior
    assert regime_tuning(tmp_path, study, "r", run) == ""
    path.write_text(json.dumps({"validation_error": 1.0}))               # better: the seeds' choice is stale
    assert regime_tuning(tmp_path, study, "r", run).endswith("; tuning past the edge pending")   # 2.5e-4 next


def test_the_regime_tuning_table_shows_every_tuning_seed_and_bolds_the_tested_setting(tmp_path):
    from ffnumpy.studies.report_claims import regime_tuning_table

    def record(study, row, lr, seed, error, tune=True):
        folder = tmp_path / study / row
        path = protocol.tune_path(folder, dict(lr=lr, theta_scale=1.0), seed) if tune else folder / f"seed{seed}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"config": {"lr": lr, "seed": seed}, "validation_error": error,
                                    "test_error": error}))
    record("regimes/mnist-literal", "ff-network", 1e-3, 0, 37.9)      # unstable: tuned on seeds 0 and 10
    record("regimes/mnist-literal", "ff-network", 1e-3, 10, 41.25)
    record("regimes/mnist-literal", "ff-network", 3e-3, 0, 53.8)      # its seed 10 not run yet
    record("regimes/mnist-literal", "ff-network", 1e-3, 1, 40.0, tune=False)
    record("regimes/mnist-length", "ff-network", 1e-2, 0, 13.37)      # stable: seed 0 alone
    lines = regime_tuning_table(tmp_path, "mnist")
    literal = next(line for line in lines if line.startswith("| literal | FF"))
    assert literal.split(" | ")[2:4] == ["**37.90 / 41.25**", "53.80 / -"]
    length = next(line for line in lines if line.startswith("| length | FF"))
    assert "| 13.37 |" in length and "**" not in length                  # no test seeds: nothing chosen
    assert regime_tuning_table(tmp_path, "fashion-mnist") == []


def test_the_time_left_counts_passes_over_the_data_and_the_runs_still_waiting_on_the_tuning():
    from ffnumpy.config import Config
    network = Config(epochs=100, hidden=(1000, 1000, 1000), schedule="network")    # 100 passes
    layer = Config(epochs=30, hidden=(1000, 1000, 1000), schedule="layer")          # 90 passes
    assert network.total_epochs == 100 and layer.total_epochs == 90
    assert runner.estimate([], [("a", network, "seed")]) == ""                     # nothing done yet
    todo = [("a", network, "seed"), ("b", layer, "seed")]
    assert runner.estimate([30.0, 24.0, 90.0], todo) == ", about 95 min left"      # 30 s x 190 passes
    assert runner.estimate([30.0], todo + [("c", None, "seed")]) == \
        ", about 95 min left for 2 of them (1 waits on the tuning)"


def test_a_runs_speed_is_its_median_epoch_so_a_paused_epoch_barely_moves_it(tmp_path):
    history = [{"train_seconds": s} for s in (20.0, 21.0, 600.0, 19.0, 20.5)]    # one epoch paused for 10 min
    assert runner.pass_seconds({"history": history}) == 20.5
    assert runner.pass_seconds({"history": []}) is None                             # a diverged run
    row = tmp_path / "study" / "ff-network"
    (row / "tune").mkdir(parents=True)
    (row / "seed1.json").write_text(json.dumps({"history": history}))
    (row / "tune" / "lr0.001-theta1.json").write_text(json.dumps({"history": history[:2]}))
    (row / "seed2.json.claim").write_text("12345")
    (row / "broken.json").write_text("{")                                           # half written: skipped
    assert runner.seconds_per_pass(tmp_path / "study") == [20.5, 20.5]
    # the CPU changes between sessions: the runs that finished on this one, when there are any
    here = {"history": [{"train_seconds": 7.0}], "machine": {"cpu": "CPU B"}}
    (row / "seed3.json").write_text(json.dumps({**here, "machine": {"cpu": "CPU A"}, "history": history}))
    assert runner.seconds_per_pass(tmp_path / "study", cpu="CPU B") == [20.5, 20.5, 20.5]   # none on B: all
    (row / "seed4.json").write_text(json.dumps(here))
    assert runner.seconds_per_pass(tmp_path / "study", cpu="CPU B") == [7.0]
    assert runner.seconds_per_pass(tmp_path / "study", cpu="CPU A") == [20.5]


def test_a_dry_run_says_how_long_the_missing_runs_will_take(tiny, small, tmp_path, capsys):
    study = reproduce.table_study("mnist", "course", ("ff-network",))
    reproduce.main(["--rows", "ff-network", "--out", str(tmp_path), "--dry-run"])
    first = capsys.readouterr().out
    assert "[mnist-course] 7 to train\n" in first                                  # nothing done: no guess
    runner.sweep(tmp_path, study, seeds=(), data=small, say=lambda *a, **k: None)   # the tuning runs only
    assert reproduce.main(["--rows", "ff-network", "--out", str(tmp_path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"\[mnist-course\] 5 to train, about \d+ min left\n", out) and "5 runs missing" in out


def test_a_study_with_no_finished_run_borrows_its_sister_studys_pace(tmp_path):
    from ffnumpy.config import Config
    assert runner.sister("fashion-mnist-question") == "mnist-question"
    assert runner.sister("regimes/mnist-paper-negative") == "regimes/fashion-mnist-paper-negative"
    assert runner.sister("transfer") is None
    todo = [("a", Config(epochs=100, hidden=(1000, 1000, 1000), schedule="network"), "seed")]
    assert runner.time_left(tmp_path, "fashion-mnist-question", todo) == ""          # neither has a run
    row = tmp_path / "mnist-question" / "ff-network"
    row.mkdir(parents=True)
    (row / "seed1.json").write_text(json.dumps({"history": [{"train_seconds": 18.0}]}))
    assert runner.time_left(tmp_path, "fashion-mnist-question", todo) == \
        ", about 30 min left, at mnist-question's pace"                            # 18 s x 100 passes
    assert runner.time_left(tmp_path, "mnist-question", todo) == ", about 30 min left"   # its own runs
    mine = tmp_path / "fashion-mnist-question" / "ff-network"
    mine.mkdir(parents=True)
    (mine / "seed1.json").write_text(json.dumps({"history": [{"train_seconds": 24.0}]}))
    assert runner.time_left(tmp_path, "fashion-mnist-question", todo) == ", about 40 min left"


def test_the_long_budget_tuned_at_it_is_read_beside_the_course_settings(tiny, small, tmp_path, monkeypatch):
    """--budget long-tuned tunes FF and CFF gamma(<t) (Layer) at the long budget itself; its report section
    sets each row's setting and error beside the long budget's (course settings), and FF's last layer under
    both; its comparison is one of its own in the headline family (tagged), not the long budget's."""
    from ffnumpy.studies.answer import block_rows
    from ffnumpy.studies.headline import headline
    from ffnumpy.studies.report import write_report
    rows = ("ff-layer", "cff-prev-layer")
    monkeypatch.setitem(reproduce.BUDGETS, "long", dict(hidden=(24, 24), epochs=1))
    monkeypatch.setitem(reproduce.COURSE_THETA, "mnist", {r: 1.0 for r in rows})      # tiny GRID's theta-scale
    quiet = dict(data=small, say=lambda *a, **k: None)
    runner.sweep(tmp_path, reproduce.table_study("mnist", "course", rows), seeds=(1, 2), **quiet)
    runner.sweep(tmp_path, reproduce.table_study("mnist", "long", rows), seeds=(1, 2), **quiet)
    tuned = reproduce.long_tuned_studies("mnist")
    assert [s.rows for s in tuned] == [(r,) for r in rows]
    lrs = sorted({g["lr"] for g in reproduce.GRID})
    for study, row in zip(tuned, rows):                  # the rates of GRID, at the row's course theta-scale
        assert study.grid == [dict(lr=lr, theta_scale=reproduce.COURSE_THETA["mnist"][row]) for lr in lrs]
        runner.sweep(tmp_path, study, seeds=(1, 2), **quiet)
    seed = json.loads((tmp_path / "mnist-long-tuned" / "ff-layer" / "seed1.json").read_text())
    assert seed["config"]["hidden"] == [24, 24] and seed["config"]["epochs"] == 1
    text = write_report(tmp_path, labels={"mnist": small.y_test}).read_text()
    section = text.split("## mnist, long budget, tuned at it")[1].split("\n## ")[0]
    long = {r: [json.loads((tmp_path / "mnist-long" / r / f"seed{s}.json").read_text()) for s in (1, 2)]
            for r in rows}
    cfg = long["ff-layer"][0]["config"]
    assert f"with the course budget's lr {cfg['lr']:g}, theta-scale {cfg['theta_scale']:g}: " in section
    assert section.count("- FF's last layer (FF, Layer), ") == 2 and "below 0 in " in section
    assert "| FF, Layer vs CFF gamma(<t), Layer | 2 |" in section
    # the headline family holds both comparisons, the long budget's and this one's, each found by its block
    results = tmp_path / "results"
    results.mkdir()
    (results / "reproduction").symlink_to(tmp_path)
    family = headline(results)
    found = {b["budget"]: b["datasets"]["mnist"]["call"] for b in block_rows(results, family)
             if b["budget"] in ("long", "long-tuned")}
    assert family["size"] >= 3 and None not in found.values()
