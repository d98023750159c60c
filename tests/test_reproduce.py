"""The reproduction runner on tiny budgets: it tunes on validation only, chooses
by validation, runs the seeds on test, skips what exists, and reports."""
import json

import pytest

from ffnumpy import reproduce


@pytest.fixture
def tiny(monkeypatch):
    monkeypatch.setitem(reproduce.BUDGETS, "course", dict(hidden=(16, 16), epochs=1))
    monkeypatch.setattr(reproduce, "GRID", [dict(lr=1e-3, theta_scale=1.0), dict(lr=3e-3, theta_scale=1.0)])
    monkeypatch.setattr(reproduce, "COMMON", dict(reproduce.COMMON, batch_size=200))
    return ("ff-network", "cff-all-network", "bp-label")


def test_sweep_tunes_on_validation_then_runs_seeds_and_resumes(tiny, small, tmp_path):
    rows = tiny
    lines = []
    n = reproduce.sweep(tmp_path, "mnist", "course", rows, seeds=(1, 2), data=small, say=lambda *a, **k: lines.append(a[0]))
    assert n == 3 * (2 + 2)
    assert "12 runs remain" in lines[0] and "min left" in lines[1]
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
    assert reproduce.sweep(tmp_path, "mnist", "course", rows, seeds=(1, 2), data=small, say=lambda *a, **k: None) == 0
    assert reproduce.pending(tmp_path, "mnist", "course", rows, seeds=(1, 2)) == []
    # a deleted result is the only run redone
    (tmp_path / "mnist-course" / "bp-label" / "seed2.json").unlink()
    assert [p.name for p, _, _ in reproduce.pending(tmp_path, "mnist", "course", rows, seeds=(1, 2))] == ["seed2.json"]


def test_seed_runs_wait_for_their_row_to_be_tuned(tiny, tmp_path):
    todo = reproduce.pending(tmp_path, "mnist", "course", ("ff-network",), seeds=(1,))
    assert [(kind, cfg is None) for _, cfg, kind in todo] == [("tune", False), ("tune", False), ("seed", True)]
    assert reproduce.chosen_setting(tmp_path, "mnist", "course", "ff-network") is None


def test_cli_refuses_unknown_rows(capsys):
    with pytest.raises(SystemExit) as stop:
        reproduce.main(["--rows", "ff-network,nope", "--dry-run"])
    assert stop.value.code == 2 and "nope" in capsys.readouterr().err
