"""The first record attempt (record_first), tiny: tuned on validation, seeded on test, judged against its target."""
from ffnumpy.studies import protocol, runner
from ffnumpy.studies import record_first as record


def test_record_runs_resumes_and_reports(small, tmp_path, monkeypatch):
    monkeypatch.setattr(record, "RECORD", dict(record.RECORD, hidden=(16, 16), epochs=1))
    monkeypatch.setattr(record, "COMMON", dict(record.COMMON, batch_size=200))
    study = record.record_study("mnist")
    assert study.name == "record/mnist-ff-hard-16x2-1ep"              # the configuration names the folder
    quiet = dict(data=small, say=lambda *a, **k: None)
    assert runner.sweep(tmp_path, study, **quiet) == 1 + 3
    assert runner.sweep(tmp_path, study, **quiet) == 0
    seed = protocol.read(tmp_path / study.name / "ff-record" / "seed2.json")
    assert seed["config"]["negatives"] == "hard" and seed["config"]["seed"] == 2 and seed["kind"] == "seed"
    lines = "\n".join(record.section(tmp_path))
    assert "| mnist | mnist-ff-hard-16x2-1ep |" in lines and "**missed** by" in lines and "(3 seeds)" in lines
    for s in (1, 2, 3):        # only the validation run left: above the target, so the seeds were not run
        (tmp_path / study.name / "ff-record" / f"seed{s}.json").unlink()
    assert "| not reached on validation; test seeds not run |" in "\n".join(record.section(tmp_path))


def test_a_changed_configuration_gets_its_own_folder(monkeypatch):
    before = record.folder("mnist")
    monkeypatch.setattr(record, "RECORD", dict(record.RECORD, epochs=record.RECORD["epochs"] + 1))
    assert record.folder("mnist") != before


def test_an_unwritable_out_is_one_line_and_exit_2(capsys):
    import pytest
    with pytest.raises(SystemExit) as stop:
        record.main(["--out", "/proc/nope", "--dry-run"])
    assert stop.value.code == 2 and "cannot write there" in capsys.readouterr().err


def test_the_best_reached_is_the_lowest_goodness_row_with_three_seeds(tmp_path):
    import json

    def put(group, row, errors):
        for seed, e in enumerate(errors, 1):
            path = tmp_path / group / row / f"seed{seed}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"config": {"seed": seed}, "test_error": e}))
    put("mnist-course", "ff-layer", [2.0, 2.2, 2.4])
    put("mnist-long", "cff-prev-layer", [1.9, 2.0, 2.1])
    put("mnist-long", "ff-layer", [1.0, 1.0])                  # 2 seeds: not yet a result
    put("mnist-course", "bp-label", [1.0, 1.1, 1.2])           # not FF or CFF
    lines = record.best_reached(tmp_path, attempted={"mnist"}, recipe=tmp_path / "recipe")
    assert lines[0] == ("- mnist (target 1.20%): the best FF or CFF run so far: "
                        "CFF gamma(<t), Layer at the long budget, 2.00 ± 0.10%: the target missed by 0.80 points.")
    put("recipe/mnist-reference", "ff-network", [1.4, 1.3, 1.5])    # Hinton's recipe is lower still
    lines = record.best_reached(tmp_path, attempted={"mnist"}, recipe=tmp_path / "recipe")
    assert lines[0].endswith("FF with Hinton's recipe (100 epochs), 1.40 ± 0.10%: the target missed by 0.20 points.")
    put("recipe/mnist-question", "cff-prev-network", [1.3, 1.2, 1.4])   # a row of the question study
    put("recipe/mnist-question", "cff-all-network", [0.5, 0.5])           # 2 seeds: not yet a result
    lines = record.best_reached(tmp_path, attempted={"mnist"}, recipe=tmp_path / "recipe")
    assert "CFF gamma(<t), Network with Hinton's recipe (100 epochs, the question study" in lines[0]
    assert lines[0].endswith("1.30 ± 0.10%: the target missed by 0.10 points.")
    put("recipe/mnist-question", "ff-network", [1.2, 1.1, 1.0])
    lines = record.best_reached(tmp_path, attempted={"mnist"}, recipe=tmp_path / "recipe")
    assert lines[0].endswith("1.10 ± 0.10%: the target met.")
    put("record/mnist-ff-hard-1000x3-40ep", "ff-record", [1.0, 1.1, 0.9])   # a record attempt
    lines = record.best_reached(tmp_path, attempted={"mnist"}, recipe=tmp_path / "recipe")
    assert lines[0].endswith("the record attempt mnist-ff-hard-1000x3-40ep (above), 1.00 ± 0.10%: the target met.")
    assert "no record attempt yet" in lines[1] and "none with 3 seeds yet" in lines[1]
