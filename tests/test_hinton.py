"""The recipe's studies (python -m ffnumpy.studies.hinton) on tiny inputs: plans, resume, report."""
import json

import pytest

from ffnumpy.studies import hinton, protocol, runner
from ffnumpy.config import Config
from ffnumpy.evaluate import failed_run
from ffnumpy.studies.hinton_report import write_report


def tiny(study):
    """The same study with a 30-unit, one-epoch network (the plan and the files are what is tested)."""
    make = study.make
    study.make = lambda row, setting, seed: Config(**{**make(row, setting, seed).__dict__,
                                                      "hidden": (30, 30), "epochs": 1})
    return study


def quiet(*args, **kwargs):
    pass


def test_plans_reference_question_and_ablation(tmp_path):
    todo = protocol.pending(tmp_path, hinton.reference_study("mnist"))
    assert [(p.name, kind) for p, _, kind in todo] == [(f"seed{s}.json", "seed") for s in (1, 2, 3)]
    assert all(cfg.recipe == "hinton" and cfg.epochs == 100 for _, cfg, _ in todo)
    plans = [protocol.pending(tmp_path, s) for s in hinton.question_studies("mnist")]
    tunes = [cfg for plan in plans for _, cfg, kind in plan if kind == "tune"]
    assert len(tunes) == 9 and {c.epochs for c in tunes} == {hinton.TUNE_EPOCHS}
    assert sorted({c.lr for c in tunes}) == [0.0005, 0.001, 0.002]
    assert all(s.extend for s in hinton.question_studies("mnist"))      # a choice at an edge is tuned past it
    # each row predicts as its method does: FF by layers 2 and up (the recipe), CFF by all its layers
    assert {(p.parts[-3], c.predict) for plan in plans for p, c, kind in plan if kind == "tune"} == \
        {("ff-network", "skip-first"), ("cff-prev-network", "all"), ("cff-all-network", "all")}
    seeds = [(p.parent.name, p.name) for plan in plans for p, _, kind in plan if kind == "seed"]
    assert seeds.count(("cff-prev-network", "seed5.json")) == 1 and ("cff-all-network", "seed4.json") not in seeds
    ablation = protocol.pending(tmp_path, hinton.ablation_study("mnist"))
    assert len(ablation) == len(hinton.ABLATIONS) and all(kind == "tune" for *_, kind in ablation)
    assert [c.peer_norm for p, c, _ in ablation if p.parts[-3] == "no-peer-norm"] == [0.0]


def test_question_runs_resumes_copies_and_reports(small, tmp_path, monkeypatch):
    monkeypatch.setattr(protocol, "EDGE_STEPS", 0)     # tuning past an edge: test_plans_... and test_reproduce
    out = tmp_path / "recipe"
    ref = tiny(hinton.reference_study("mnist"))
    assert runner.sweep(out, ref, data=small, say=quiet) == 3
    studies = [tiny(s) for s in hinton.question_studies("mnist")]
    for s in studies:
        s.same_runs = str(out / "mnist-reference")
    first = sum(runner.sweep(out, s, data=small, say=quiet) for s in studies)
    assert first == 9 + 5 + 5 + 3
    assert sum(runner.sweep(out, s, data=small, say=quiet) for s in studies) == 0    # resumes: nothing left
    seed1 = json.loads((out / "mnist-question/ff-network/seed1.json").read_text())
    cff = json.loads((out / "mnist-question/cff-prev-network/seed1.json").read_text())
    assert cff["test_error"] == cff["test_error_by_predictor"]["all"]                # both predictors kept
    assert len(cff["test_predictions_by_predictor"]["skip-first"]) == len(small.y_test)
    tune = json.loads(next((out / "mnist-question/cff-prev-network/tune").glob("*.json")).read_text())
    assert set(tune["validation_error_by_predictor"]) == {"all", "skip-first", "log"} and "test_error" not in tune
    # copied from the reference run exactly when FF chose the recipe's own learning rate (either way, checked)
    assert ("copied_from" in seed1) == (seed1["config"]["lr"] == hinton.RECIPE_LR), seed1["config"]["lr"]
    # a 30-unit recipe trained one epoch guesses (or worse): every such run is failed, counted, never drawn
    records = sorted(out.glob("mnist-*/*/seed*.json"))
    failed = [p for p in records if failed_run(json.loads(p.read_text()))]
    report = write_report(out, labels={"mnist": small.y_test}).read_text()
    reference_failed = sum(p.parts[-3] == "mnist-reference" for p in failed)
    assert (f"{reference_failed} run(s) failed (dead, collapsed or guessing) and are left out" in report) == \
        bool(reference_failed)
    assert (out / "mnist-reference.png").exists() == (reference_failed < 3)
    for path in failed:                          # as if they had learned: the report's every part is exercised
        record = json.loads(path.read_text())
        record.update(warnings=[], test_error=min(record["test_error"], 50.0))
        path.write_text(json.dumps(record))
    assert not any(failed_run(json.loads(p.read_text())) for p in records)
    report = write_report(out, labels={"mnist": small.y_test}).read_text()
    assert "mnist: the recipe as it is" in report and "does collaboration help a strong FF" in report
    assert "Holm" in report and "FF vs CFF gamma(<t)" in report and "95% CI" in report
    # per CFF row: each row by its choice on validation, then both by all layers and both by layers 2 and up
    # (a matched reading that is the choice itself is not repeated)
    matched = sum(report.count(x) for x in ("| the same, both by ", "each by its choice (all layers; all layers)",
                                            "each by its choice (layers 2 and up; layers 2 and up)"))
    assert report.count("| FF vs ") == 2 and matched == 4
    assert (out / "mnist-reference.png").exists() and (out / "mnist-question-layers.png").exists()


def test_a_collapsed_run_is_a_failure():
    assert failed_run({"warnings": [], "test_predictions": "1" * 90 + "23" * 5})        # 90% one class
    assert not failed_run({"warnings": [], "test_predictions": "1" * 89 + "2" * 11})
    assert failed_run({"warnings": ["the network predicts one class (3) for all 10 images"]})


def test_cli_refuses_a_bad_study(capsys):
    with pytest.raises(SystemExit) as stop:
        hinton.main(["nope"])
    assert stop.value.code == 2 and len(capsys.readouterr().err.strip().splitlines()) == 1


def test_the_last_layer_and_the_other_predictor_are_read_by_the_rows_own_predictor():
    from ffnumpy.studies.question_report import last_layer
    from ffnumpy.studies.runs import by_predictor
    ff = {"config": {"predict": "skip-first"}, "test_error": 1.4, "per_layer_test_error": [1.8, 1.6, 1.5],
          "prefix_test_error": [1.8, 1.5, 1.45]}                 # a run made before both predictors were kept
    assert last_layer(ff) == pytest.approx(0.2)                   # layer 2 alone 1.6 -> layers 2 and 3: 1.4
    assert by_predictor(ff, "all") == 1.45 and by_predictor(ff, "skip-first") == 1.4      # its own: test_error
    assert by_predictor(ff, "readout") is None                                           # no readout stored
    cff = {"config": {"predict": "all"}, "test_error": 1.3, "per_layer_test_error": [1.8, 3.0, 9.0],
           "prefix_test_error": [1.8, 1.5, 1.3], "test_error_by_predictor": {"all": 1.3, "skip-first": 2.0}}
    assert last_layer(cff) == pytest.approx(0.2) and by_predictor(cff, "skip-first") == 2.0


def test_the_demo_table_gives_the_recipe_by_its_predictor_and_by_all_layers(tmp_path):
    import json

    from ffnumpy.studies.hinton_report import demo_section

    def tune(folder, row, lr, error, prefix):
        path = tmp_path / folder / row / "tune" / f"lr{lr:g}-theta1.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"config": {"lr": lr, "seed": 0, "epochs": 6, "hidden": [500, 500, 500],
                                               "dataset": "mnist", "theta_scale": 1.0},
                                    "validation_error": error, "prefix_validation_error": prefix,
                                    "train_seconds": 50.0, "train_size": 50000}))
    tune("recipe/mnist-demo", "cff-prev-network", 1e-3, 3.30, [4.23, 2.89, 2.84])
    tune("recipe/mnist-demo", "cff-prev-network", 2e-3, 3.72, [4.0, 3.1, 2.95])
    tune("reproduction/mnist-course", "cff-prev-network", 2e-3, 2.46, [3.0, 2.6, 2.46])
    lines = demo_section(tmp_path / "recipe", "mnist", reproduction=tmp_path / "reproduction")
    row = next(line for line in lines if line.startswith("| CFF gamma(<t)"))
    assert "| 3.30 | 2.84 | 50 | 2.46: Adam lower or equal |" in row


def test_a_row_still_tuning_is_labelled_by_its_own_predictor(small, tmp_path, monkeypatch):
    monkeypatch.setattr(protocol, "EDGE_STEPS", 0)
    out = tmp_path / "recipe"
    for s in hinton.question_studies("mnist"):
        runner.sweep(out, tiny(s), seeds=(), data=small, say=quiet)          # the tuning runs only
    report = write_report(out, labels={"mnist": small.y_test}).read_text()
    ff = next(line for line in report.splitlines() if line.startswith("| FF |"))
    assert "| - | layers 2 and up | - / - / - | **-** |" in ff     # trained as the recipe predicts; no choice yet
