"""The record runner on a tiny budget: tuned on validation, seeded on test, judged against its target."""
from ffnumpy import record, reproduce


def test_record_runs_resumes_and_reports(small, tmp_path, monkeypatch):
    monkeypatch.setattr(record, "RECORD", dict(record.RECORD, hidden=(16, 16), epochs=1))
    monkeypatch.setattr(record, "COMMON", dict(record.COMMON, batch_size=200))
    study = record.record_study("mnist")
    assert study.name == "record/mnist-ff-hard-16x2-1ep"              # the configuration names the folder
    quiet = dict(data=small, say=lambda *a, **k: None)
    assert reproduce.sweep(tmp_path, study, **quiet) == 1 + 3
    assert reproduce.sweep(tmp_path, study, **quiet) == 0
    seed = reproduce.read(tmp_path / study.name / "ff-record" / "seed2.json")
    assert seed["config"]["negatives"] == "hard" and seed["config"]["seed"] == 2 and seed["kind"] == "seed"
    lines = "\n".join(record.section(tmp_path))
    assert "| mnist | mnist-ff-hard-16x2-1ep |" in lines and "**missed** by" in lines and "(3 seeds)" in lines


def test_a_changed_configuration_gets_its_own_folder(monkeypatch):
    before = record.folder("mnist")
    monkeypatch.setattr(record, "RECORD", dict(record.RECORD, epochs=record.RECORD["epochs"] + 1))
    assert record.folder("mnist") != before


def test_an_unwritable_out_is_one_line_and_exit_2(capsys):
    import pytest
    with pytest.raises(SystemExit) as stop:
        record.main(["--out", "/proc/nope", "--dry-run"])
    assert stop.value.code == 2 and "cannot write there" in capsys.readouterr().err
