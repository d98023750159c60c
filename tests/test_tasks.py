"""Tasks (a subset of the labels in play), transfer and continual learning on tiny budgets."""
import json

import numpy as np
import pytest

from ffnumpy.studies import continual, experiments, protocol, reproduce, runner, transfer
from ffnumpy.config import Config
from ffnumpy.negatives import wrong_labels_among
from ffnumpy.studies.tasks import error_among, fit, predict_among, select
from ffnumpy.train import build_model, make_pairs


def test_wrong_labels_among_stay_in_the_task_and_are_never_true():
    rng = np.random.default_rng(0)
    y = np.repeat([2, 3, 7], 6000)
    y_neg = wrong_labels_among(y, (7, 3, 2), rng)
    assert set(np.unique(y_neg)) == {2, 3, 7} and np.all(y_neg != y)
    np.testing.assert_allclose(np.bincount(y_neg[y == 3], minlength=10)[[2, 7]] / 6000, 0.5, atol=0.03)
    assert np.all(wrong_labels_among(np.array([0, 1, 1]), (0, 1), rng) == [1, 0, 0])   # two labels: the other


@pytest.mark.parametrize("y, classes, message", [([4], (0, 1), "one of the task"), ([0], (0,), "at least 2"),
                                                 ([0], (0, 10), "at least 2")])
def test_wrong_labels_among_refuses_bad_input(y, classes, message):
    with pytest.raises(ValueError, match=message):
        wrong_labels_among(np.array(y), classes, np.random.default_rng(0))


def tiny_cfg(method="ff", **kw):
    return Config(**{**dict(method=method, hidden=(16, 16), epochs=1, batch_size=200, lr=3e-3), **kw})


def test_negatives_follow_the_model_classes_and_hard_ones_are_refused(small):
    model = build_model(tiny_cfg(), 784, np.random.default_rng(0))
    model.classes = (0, 1)
    x, y = select(small.x_train, small.y_train, (0, 1))
    xy, sign = make_pairs(model, tiny_cfg(), x[:50], y[:50], np.random.default_rng(1))
    negative_labels = xy[50:, :10].argmax(axis=1)
    assert np.all(negative_labels == 1 - y[:50]) and np.all(sign[50:] == -1)
    with pytest.raises(ValueError, match="hard negatives"):
        make_pairs(model, tiny_cfg(negatives="hard"), x[:5], y[:5], np.random.default_rng(1))


@pytest.mark.parametrize("method", ["ff", "bp-label"])
def test_fit_on_a_task_learns_it_and_predicts_only_its_labels(small, method):
    cfg = tiny_cfg(method, batch_size=50)                      # about 20 steps per epoch
    model = build_model(cfg, 784, np.random.default_rng(0))
    x, y = select(small.x_train, small.y_train, (3, 8))
    xt, yt = select(small.x_test, small.y_test, (3, 8))
    before = error_among(model, xt, yt, (3, 8))
    fit(model, cfg, x, y, 4, (3, 8))
    assert set(np.unique(predict_among(model, xt, (3, 8)))) <= {3, 8}
    assert error_among(model, xt, yt, (3, 8)) < min(10.0, before)


def test_fit_refuses_the_layer_schedule(small):
    cfg = tiny_cfg(schedule="layer")
    with pytest.raises(ValueError, match="Network schedule"):
        fit(build_model(cfg, 784, np.random.default_rng(0)), cfg, small.x_train[:10], small.y_train[:10], 1, range(10))


def test_forgetting_is_the_drop_from_the_best_earlier_accuracy():
    A = [[90, 0, 0], [60, 80, 0], [70, 50, 95]]
    assert continual.forgetting(A) == [20.0, 30.0]
    assert continual.forgetting([[50, 0], [90, 0]]) == [-40.0]      # the last row is not a "best earlier"


def test_backprop_label_on_a_task_puts_no_gradient_on_other_outputs(small):
    from ffnumpy.backprop import label_loss_and_grads
    model = build_model(tiny_cfg("bp-label"), 784, np.random.default_rng(0))
    x, y = select(small.x_train[:300], small.y_train[:300], (2, 3))
    loss, grads = label_loss_and_grads(model.net, model.head, x, y, (2, 3))
    dV, dc = grads[-1]
    others = [k for k in range(10) if k not in (2, 3)]
    assert np.isfinite(loss) and np.all(dV[:, others] == 0) and np.all(dc[others] == 0)
    assert np.abs(dV[:, [2, 3]]).sum() > 0
    full, _ = label_loss_and_grads(model.net, model.head, x, y)
    assert loss < full                                # two outputs compete instead of ten


def test_continual_trains_on_the_labels_seen_so_far(small, monkeypatch):
    calls = []
    real_fit = continual.fit
    monkeypatch.setattr(continual, "fit", lambda m, c, x, y, e, classes: calls.append((set(y), tuple(classes)))
                        or real_fit(m, c, x, y, e, classes))
    continual.run_continual(tiny_cfg(), small, ((0, 1), (2, 3), (4, 5)))
    assert calls == [({0, 1}, (0, 1)), ({2, 3}, (0, 1, 2, 3)), ({4, 5}, (0, 1, 2, 3, 4, 5))]


def test_continual_records_both_matrices(small):
    tasks = ((0, 1), (2, 3))
    record = continual.run_continual(tiny_cfg(), small, tasks)
    A = np.array(record["accuracy"]["task"])
    assert A.shape == (2, 2) and A[0, 0] > 90                                  # task 0 learned
    C = np.array(record["accuracy"]["class"])
    assert C[0, 1] == 0 and A[0, 1] > 0             # class-incremental: the unseen labels 2, 3 never win
    assert record["average_accuracy"]["task"] == pytest.approx(A[-1].mean())
    assert record["forgetting"]["task"] == [pytest.approx(A[0, 0] - A[1, 0])]


def test_transfer_probe_and_finetune(small, monkeypatch):
    monkeypatch.setattr(transfer, "PROBE_EPOCHS", 2)
    fits, real_fit = [], transfer.fit
    monkeypatch.setattr(transfer, "fit", lambda m, c, x, y, e, classes: fits.append((id(m), set(y), e, tuple(classes)))
                        or real_fit(m, c, x, y, e, classes))
    record = transfer.run_transfer(tiny_cfg(hidden=(64, 64), batch_size=50, epochs=3), "digits-0-4-to-5-9", small)
    assert len(record["probe_error"]) == len(record["initial_probe_error"]) == 2
    assert record["source_test_error"] < 15 and all(e < 40 for e in record["probe_error"])   # chance: 80%
    assert record["finetune_error"] < 50 and record["scratch_error"] < 60
    (source, src_y, src_e, _), (tuned, tgt_y, tune_e, tgt), (scratch, scr_y, scr_e, _) = fits
    assert src_y == {0, 1, 2, 3, 4} and src_e == 3 and tgt_y == scr_y == {5, 6, 7, 8, 9} == set(tgt)
    assert tuned == source != scratch and tune_e == scr_e == transfer.FINETUNE_EPOCHS     # same budget, fresh net


def test_experiments_transfer_and_continual_resume(small, tmp_path, monkeypatch):
    monkeypatch.setitem(reproduce.BUDGETS, "course", dict(hidden=(16, 16), epochs=1))
    monkeypatch.setattr(reproduce, "GRID", [dict(lr=3e-3, theta_scale=1.0)])
    monkeypatch.setattr(reproduce, "COMMON", dict(reproduce.COMMON, batch_size=200))
    monkeypatch.setattr(experiments, "COMMON", reproduce.COMMON)
    monkeypatch.setattr(experiments, "GRID", reproduce.GRID)
    monkeypatch.setattr(experiments, "TASK_ROWS", ("ff-network", "bp-label"))
    monkeypatch.setattr(transfer, "PROBE_EPOCHS", 1)
    monkeypatch.setattr(transfer, "PAIRS", {"digits-0-4-to-5-9": transfer.PAIRS["digits-0-4-to-5-9"]})
    monkeypatch.setattr(experiments, "PAIRS", transfer.PAIRS)
    monkeypatch.setattr(continual, "TASKS", ((0, 1), (2, 3)))
    repro, out = tmp_path / "reproduction", tmp_path / "experiments"
    table = reproduce.table_study("mnist", "course", ("ff-network", "bp-label"))
    runner.sweep(repro, table, seeds=(1,), data=small, say=lambda *a, **k: None)
    for study in experiments.studies("transfer", "mnist", repro) + experiments.studies("continual", "mnist", repro):
        assert runner.sweep(out, study, seeds=(1, 2), data=small, say=lambda *a, **k: None) == 2 * 2
        assert runner.sweep(out, study, seeds=(1, 2), data=small, say=lambda *a, **k: None) == 0
    record = protocol.read(out / "continual" / "mnist" / "bp-label" / "seed2.json")
    assert record["config"]["method"] == "bp-label" and record["config"]["seed"] == 2
    chosen = protocol.row_setting(repro, table, "bp-label")      # the table's choice, past the grid's edge
    assert chosen["lr"] != 3e-3 and protocol.tuned_settings(repro, table.name, "bp-label", reproduce.GRID, True)[1:]
    assert record["config"]["lr"] == chosen["lr"] and record["config"]["hidden"] == [16, 16]
    assert len(record["accuracy"]["class"]) == 2
    from ffnumpy.studies.experiments_report import write_report
    text = write_report(out, repro).read_text()
    assert (out / "verdicts.json").exists()                  # its comparisons' corrected p, for the notebooks
    assert "### Transfer: mnist labels 0-4 -> mnist labels 5-9" in text and "probe, layer 2" in text
    assert "### Continual learning: Split-MNIST" in text and "| Backprop label |" in text
    assert "task-incremental forgetting, FF, Network against Backprop label: " in text
    assert (out / "continual_mnist.png").stat().st_size > 10_000
    assert (out / "transfer_digits-0-4-to-5-9.png").stat().st_size > 10_000


def test_paired_call_without_enough_seeds_says_so():
    from ffnumpy.studies.stats import Family
    from ffnumpy.studies.tasks_report import paired_call
    one = [{"config": {"seed": 1}, "x": 1.0}]
    assert paired_call(one, one, lambda r: r["x"], "A", "B", Family(), "x").startswith("no verdict yet (1 common seed)")


def test_the_same_rows_in_two_transfer_pairs_are_two_comparisons(tmp_path, monkeypatch):
    """The two transfer pairs train rows of the same configuration: their comparisons must not merge."""
    from ffnumpy.studies import tasks_report
    from ffnumpy.studies.runs import two_passes
    PAIRS = transfer.PAIRS                      # both pairs (a test above narrows it while it runs)
    monkeypatch.setattr(tasks_report, "PAIRS", PAIRS)
    assert len(PAIRS) == 2
    rng = np.random.default_rng(0)
    for k, pair in enumerate(PAIRS):
        for row in ("ff-network", "bp-label"):
            folder = tmp_path / "transfer" / pair / row
            folder.mkdir(parents=True)
            for seed in (1, 2, 3):
                probe = list(10 + 5 * k + rng.random(3) + (row == "ff-network"))
                folder.joinpath(f"seed{seed}.json").write_text(json.dumps(
                    {"kind": "seed", "config": {"seed": seed, "method": row, "epochs": 1}, "probe_error": probe,
                     "source_test_error": 2.0, "initial_probe_error": probe, "finetune_error": 5.0,
                     "scratch_error": 6.0, "probe_epochs": 1, "finetune_epochs": 1}))
    sizes = []

    def build(family):
        sizes.append(family.size)
        return tasks_report.transfer_section(tmp_path, family)
    two_passes(build)
    assert sizes == [0, len(PAIRS)]               # one per pair (best probe, FF against BP); merged, it was 1
