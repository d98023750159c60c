"""Every command, given a damaged file, a missing folder or an output it cannot write, stops in one line
before any work (no data loaded, no figure written) and never in a traceback."""
import json
import os
import shutil
from pathlib import Path

import pytest

import ffnumpy.data
from ffnumpy import demo
from ffnumpy.studies import (analyze, experiments, experiments_report, hinton, hinton_report, record, record_first,
                             report, reproduce)
from ffnumpy.train import main as train_main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def no_data(monkeypatch):
    """Fail the test if a dataset is loaded: every check must come first."""
    def refuse(*args, **kwargs):
        raise AssertionError("a dataset was loaded before the command's inputs and outputs were checked")
    for where in (ffnumpy.data, analyze, report, experiments_report, hinton_report, demo):
        for name in ("load_dataset", "load_mnist"):
            if hasattr(where, name):
                monkeypatch.setattr(where, name, refuse)
    import ffnumpy.studies.runner as runner
    monkeypatch.setattr(runner, "load_dataset", refuse)


@pytest.fixture
def read_only(tmp_path):
    """A folder no file can be created in: mode 0o555, or, for a user the mode does not stop (root), a path
    beneath a plain file."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        (folder / "probe").write_text("")
        (folder / "probe").unlink()
        blocker = tmp_path / "a-file"
        blocker.write_text("")
        yield blocker / "out"
    except OSError:
        yield folder / "out"
    finally:
        folder.chmod(0o755)


def damaged_checkpoint(tmp_path):
    path = tmp_path / "damaged.npz"
    path.write_bytes(b"PK\x03\x04 half a checkpoint")
    return path


def damaged_study(tmp_path, study="mnist-course", row="ff-network"):
    """An --out folder holding a study (default: the course table) whose seed 2 of `row` is damaged."""
    out = tmp_path / "results"
    seed = out / study / row / "seed2.json"
    seed.parent.mkdir(parents=True)
    seed.write_text("{garbage")
    return out, seed


def one_line(main, argv, capsys, code=2):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    err = capsys.readouterr().err
    assert stop.value.code == code, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    return err


TINY = ["--hidden", "8", "--epochs", "1", "--quiet"]


def test_train(tmp_path, read_only, no_data, capsys):
    bad = damaged_checkpoint(tmp_path)
    assert str(bad) in one_line(train_main, TINY + ["--resume", str(bad)], capsys)
    assert "no such file" in one_line(train_main, TINY + ["--resume", str(tmp_path / "missing" / "c.npz")], capsys)
    for flag in ("--json", "--checkpoint"):
        assert flag in one_line(train_main, TINY + [flag, str(read_only / "run.x")], capsys)


def test_analyze(tmp_path, read_only, no_data, capsys):
    bad = damaged_checkpoint(tmp_path)
    assert str(bad) in one_line(analyze.main, [str(bad), "--out", str(tmp_path / "a")], capsys)
    assert "no such file" in one_line(analyze.main, [str(tmp_path / "missing" / "c.npz"), "--out",
                                                     str(tmp_path / "a")], capsys)
    assert "--out" in one_line(analyze.main, [str(bad), "--out", str(read_only)], capsys)


def test_demo_checks_its_output_before_any_work(read_only, no_data, capsys):
    assert "--out" in one_line(demo.main, ["--quick", "--out", str(read_only)], capsys)


@pytest.mark.parametrize("main,argv,study,row", [
    (reproduce.main, [], "mnist-course", "ff-network"), (hinton.main, ["question"], "mnist-question", "ff-network"),
    (experiments.main, ["depth"], "depth/mnist-L2", "ff-network"),
    (record_first.main, [], record_first.folder("mnist"), record_first.ROW),
    (record.main, [], "mnist-screen", record.alpha_row(record.ALPHAS[0]))])
def test_studies(main, argv, study, row, tmp_path, read_only, no_data, capsys):
    out, seed = damaged_study(tmp_path, study, row)
    assert str(seed) in one_line(main, argv + ["--out", str(out)], capsys)
    assert "--out" in one_line(main, argv + ["--out", str(read_only)], capsys)


def test_a_study_names_a_missing_folder_it_reads(tmp_path, no_data, capsys):
    err = one_line(experiments.main, ["depth", "--out", str(tmp_path / "e"), "--reproduction",
                                      str(tmp_path / "typo")], capsys)
    assert "--reproduction" in err and "no such folder" in err
    err = one_line(reproduce.main, ["--rerun", str(tmp_path / "typo" / "seed1.json"), "--out", str(tmp_path)],
                   capsys)
    assert "no such file" in err


@pytest.mark.parametrize("main", [report.main, experiments_report.main, hinton_report.main])
def test_reports(main, tmp_path, read_only, no_data, capsys):
    out, seed = damaged_study(tmp_path)
    extra = ["--reproduction", str(out)] if main is experiments_report.main else []
    assert str(seed) in one_line(main, ["--out", str(out)] + extra, capsys)
    assert "no such folder" in one_line(main, ["--out", str(tmp_path / "typo")] + extra, capsys)
    seed.unlink()
    readonly = read_only.parent if read_only.parent.name == "read-only" else None
    if readonly is not None:                     # a folder of result files the user cannot write to
        assert "--out" in one_line(main, ["--out", str(readonly)] + extra, capsys)


def test_the_answer_command_checks_its_results_folder_and_writes_there(tmp_path, no_data, capsys):
    """The answer's one flag is --results (not --out): a missing folder is one line, and it writes results/answer/."""
    from ffnumpy.studies import answer
    assert "--results" in one_line(answer.main, ["--results", str(tmp_path / "typo")], capsys)
    assert answer.main(["--results", str(tmp_path)]) == 0
    assert (tmp_path / "answer" / "README.md").exists() and (tmp_path / "answer" / "answer.json").exists()


def test_a_report_over_a_damaged_result_file_writes_nothing(tmp_path, no_data, capsys):
    """The probe: a copy of the reproduction's files, one damaged, reported: one line, before any figure."""
    out = tmp_path / "reproduction"
    shutil.copytree(ROOT / "results" / "reproduction" / "mnist-course", out / "mnist-course",
                    ignore=shutil.ignore_patterns("*.png"))
    shutil.copytree(ROOT / "results" / "reproduction" / "regimes" / "mnist-length", out / "regimes" / "mnist-length")
    damaged = out / "regimes" / "mnist-length" / "ff-network" / "seed2.json"
    damaged.write_text("{garbage")
    err = one_line(report.main, ["--out", str(out)], capsys)
    assert str(damaged) in err and "not a readable result file" in err
    assert not list(out.rglob("*.png")) and not (out / "README.md").exists()


def test_data(tmp_path, capsys):
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    for name in ffnumpy.data.FILES:
        (damaged / name).write_bytes(b"not an IDX file")
    err = capsys.readouterr()
    for argv in (["--data-dir", str(damaged)], ["--data-dir", str(tmp_path / "typo")]):
        assert ffnumpy.data.main(argv + ["--no-download"]) == 2
        err = capsys.readouterr().err
        assert "Traceback" not in err and argv[1] in err


def test_analyze_never_replaces_an_analysis_without_overwrite(tmp_path, no_data, capsys):
    """The probe: analyze ck.npz --out A, then analyze ck2.npz --out A replaced analysis.json in silence."""
    out = tmp_path / "A"
    out.mkdir()
    (out / "analysis.json").write_text(json.dumps({"checkpoint": "ck.npz"}))
    err = one_line(analyze.main, [str(damaged_checkpoint(tmp_path)), "--out", str(out)], capsys)
    assert "--overwrite" in err and "analysis.json" in err
    assert json.loads((out / "analysis.json").read_text()) == {"checkpoint": "ck.npz"}
    assert sorted(os.listdir(out)) == ["analysis.json"]
    err = one_line(analyze.main, [str(damaged_checkpoint(tmp_path)), "--out", str(out), "--overwrite"], capsys)
    assert "damaged.npz" in err                      # with --overwrite it goes on to read the checkpoint


# --help: every argument says what it is, every choice is listed, every default folder says where it is --------

HELP = [("ffnumpy.studies.reproduce", ["--dataset", "--budget"]), ("ffnumpy.studies.hinton", ["study", "--dataset"]),
        ("ffnumpy.data", ["--dataset"]), ("ffnumpy.studies.experiments", ["--dataset"]),
        ("ffnumpy.studies.record", ["--dataset"]), ("ffnumpy.studies.record_first", ["--dataset"]), ("ffnumpy.train", ["--dataset", "--lr-schedule"]),
        ("ffnumpy.demo", []), ("ffnumpy.studies.analyze", []), ("ffnumpy.studies.report", []),
        ("ffnumpy.studies.experiments_report", []), ("ffnumpy.studies.hinton_report", []),
        ("ffnumpy.studies.answer", [])]


@pytest.mark.parametrize("module,names", HELP, ids=[m for m, _ in HELP])
def test_every_argument_has_a_help_text(module, names, capsys):
    import importlib
    with pytest.raises(SystemExit):
        main = importlib.import_module(module).main
        main(["--help"])
    lines = capsys.readouterr().out.split("positional arguments:" if "study" in names else "options:")[1]
    lines = lines.splitlines()
    for name in names:                     # '  --dataset {a,b}' (a positional: '  {a,b}'), then its text
        k = next(i for i, line in enumerate(lines) if line.startswith("  " + (name if name[0] == "-" else "{")))
        after = lines[k].split("}", 1)[1].strip() or lines[k + 1].strip()
        assert "{" in lines[k] and after and not after.startswith("-"), (name, lines[k], after)
    if any(line.startswith("  --out") for line in lines):
        assert "relative to the folder you run it from" in " ".join(" ".join(lines).split())


def test_lr_schedule_help_explains_each_value(capsys):
    with pytest.raises(SystemExit):
        train_main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "linear, from --lr down to 0" in text and "--lr for the first half, then down to 0" in text


def test_no_bias_decay_without_weight_decay_is_refused(no_data, capsys):
    err = one_line(train_main, TINY + ["--no-bias-decay"], capsys)
    assert "--no-bias-decay" in err and "--weight-decay is 0" in err
    from ffnumpy.config import Config
    with pytest.raises(ValueError, match="--no-bias-decay"):
        Config(bias_decay=False).check()
    Config(bias_decay=False, weight_decay=1e-3).check()          # with weight decay it does something
    Config.from_recipe("hinton", weight_decay=0.0).check()       # the recipe's own setting, not the user's flag
