"""The experiments runner on tiny budgets: depth reuses the reproduction's choices, learned gamma is
tuned like every row, both resume, and the report compares them with the reproduction's rows."""
import pytest

from ffnumpy import experiments, reproduce


@pytest.fixture
def tiny(monkeypatch):
    monkeypatch.setitem(reproduce.BUDGETS, "course", dict(hidden=(16, 16), epochs=1))
    monkeypatch.setattr(reproduce, "GRID", [dict(lr=1e-3, theta_scale=1.0), dict(lr=3e-3, theta_scale=1.0)])
    monkeypatch.setattr(experiments, "GRID", reproduce.GRID)
    monkeypatch.setattr(reproduce, "COMMON", dict(reproduce.COMMON, batch_size=200))
    monkeypatch.setattr(experiments, "COMMON", reproduce.COMMON)
    monkeypatch.setattr(experiments, "DEPTHS", (2, 3))


def quiet(*args, **kwargs):
    pass


def test_depth_waits_for_the_reproduction_then_runs_every_depth(tiny, small, tmp_path):
    repro, out = tmp_path / "reproduction", tmp_path / "experiments"
    study = experiments.depth_study("mnist", 3, repro)
    assert all(cfg is None for _, cfg, _ in reproduce.pending(out, study, seeds=(1,)))   # nothing chosen yet
    reproduce.sweep(repro, reproduce.table_study("mnist", "course", experiments.DEPTH_ROWS), seeds=(1, 2),
                    data=small, say=quiet)
    for depth in (2, 3):
        study = experiments.depth_study("mnist", depth, repro)
        assert reproduce.sweep(out, study, seeds=(1, 2), data=small, say=quiet) == 4 * 2
        assert reproduce.sweep(out, study, seeds=(1, 2), data=small, say=quiet) == 0        # resumes
        mine = reproduce.read(out / study.name / "ff-network" / "seed2.json")
        theirs = reproduce.read(repro / "mnist-course" / "ff-network" / "seed2.json")
        # the tiny course network has 2 layers: depth 2 is the reproduction's run, copied; depth 3 is trained
        assert ("copied_from" in mine) == (depth == 2)
        if depth == 2:
            assert mine["test_predictions"] == theirs["test_predictions"]
        cfg = study.make("ff-network", reproduce.chosen_setting(repro, "mnist-course", "ff-network",
                                                                 reproduce.GRID), 1)
        assert cfg.hidden == (16,) * depth
    learned = experiments.learned_study("mnist")
    assert reproduce.sweep(out, learned, seeds=(1, 2), data=small, say=quiet) == 2 + 2
    from ffnumpy.experiments_report import write_report
    text = write_report(out, repro, labels={"mnist": small.y_test}).read_text()
    assert "| FF, Network |" in text and "2 layers" in text and "3 layers" in text
    assert "CFF learned gamma, Network" in text and "against FF, Network" in text and "alpha_i2" in text
    assert "(edge of the grid), theta-scale" in text          # both of the tiny grid's rates are its edges
    assert (out / "depth_mnist.png").stat().st_size > 10_000


def test_cli_needs_a_study(capsys):
    with pytest.raises(SystemExit) as stop:
        experiments.main([])
    assert stop.value.code == 2 and "name a study" in capsys.readouterr().err
