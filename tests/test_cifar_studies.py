"""The CIFAR-10 studies (issue 41) on a small generated CIFAR-10 and tiny networks: the course study's
plan, its report section (the paper's column, "not yet measured", failed seeds counted), the recipe's
question, and the epoch benchmark's code path (no timing is asserted)."""
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from ffnumpy.config import Config
from ffnumpy.data import Dataset
from ffnumpy.network import overlay_label
from ffnumpy.studies import hinton, protocol, reproduce, runner
from ffnumpy.studies.report import write_report
from ffnumpy.studies.runs import ROW_LABELS

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cifar():
    """A generated CIFAR-10: 3072 values per image, each class its own sparse pattern plus noise, both dim
    (0.1 and 0.01) so that the one-hot label in the first 10 values is not lost in the image's length (a
    tiny FF network learns it in a few steps, clear of evaluate's guessing line); 1000 training, 300 test
    and 300 validation images."""
    rng = np.random.default_rng(0)
    patterns = (rng.random((10, 3072)) < 0.05).astype(np.float32)

    def split(n):
        y = np.arange(n) % 10
        return np.minimum(0.1 * patterns[y] + 0.01 * rng.random((n, 3072), dtype=np.float32), 1), y
    return Dataset("cifar10", *split(1000), *split(300), *split(300))


@pytest.fixture
def tiny(monkeypatch):
    monkeypatch.setitem(reproduce.BUDGETS, "course", dict(hidden=(16, 16), epochs=1))
    monkeypatch.setattr(reproduce, "GRID", [dict(lr=1e-3, theta_scale=1.0), dict(lr=3e-3, theta_scale=1.0)])
    monkeypatch.setattr(reproduce, "COMMON", dict(reproduce.COMMON, batch_size=200))
    monkeypatch.setattr(protocol, "EDGE_STEPS", 0)
    monkeypatch.setattr(reproduce, "CIFAR_EDGE_STEPS", 0)


def quiet(*args, **kwargs):
    pass


def test_the_course_study_on_cifar10_plans_the_seven_rows_on_3072_inputs(tmp_path, capsys):
    assert reproduce.main(["--dataset", "cifar10", "--dry-run", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "73 runs missing" in out                    # 7 rows x 6 settings, then 5 x 5 + 2 x 3 seeds
    assert out.count("cifar10-course/ff-layer/seed") == 5 and out.count("cifar10-course/bp-label/seed") == 3
    todo = [t for study in reproduce.table_studies("cifar10", "course") for t in protocol.pending(tmp_path, study)]
    configs = [cfg for _, cfg, kind in todo if kind == "tune"]
    assert {(c.input_size, c.hidden, c.epochs, c.validation) for c in configs} == {(3072, (500, 500, 500), 8, True)}
    for cfg in configs:
        cfg.check()
    assert list(tmp_path.iterdir()) == []               # a dry run writes nothing
    assert {s.edge_steps for s in reproduce.table_studies("cifar10", "course")} == {reproduce.CIFAR_EDGE_STEPS}
    assert {s.edge_steps for s in reproduce.table_studies("mnist", "course")} == {None}     # EDGE_STEPS


def test_the_label_overlay_writes_the_first_ten_of_3072_values(cifar):
    x = cifar.x_train[:4]
    xy = overlay_label(x, np.array([0, 3, 9, 3]))
    assert xy.shape == (4, 3072) and np.array_equal(xy[:, 10:], x[:, 10:])
    assert np.array_equal(xy[:, :10].argmax(1), [0, 3, 9, 3]) and xy[:, :10].sum() == 4


def section(text):
    """The report's CIFAR-10 course section."""
    return text.split("## cifar10, course budget")[1].split("\n## ")[0]


def test_before_any_cifar_run_the_report_has_its_section_with_every_row_not_yet_measured(tmp_path):
    text = write_report(tmp_path, labels={}).read_text()
    cifar = section(text)
    assert "--dataset cifar10 --budget course" in cifar and "3072-500-500-500" in cifar
    for label, paper in (("Backprop pairwise", 45.4), ("FF, Layer", 54.2), ("CFF gamma(<t), Network", 51.6),
                         ("CFF gamma, Network", 52.7)):
        assert f"| {label} | {paper} | not yet measured |" in cifar
    assert "Per-layer contributions (the paper's Figure 2, its CIFAR-10 panel" in cifar
    assert cifar.count("not yet measured.") == 2          # the per-layer contributions and the entropy claims
    assert text.count("## cifar10, course budget") == 1


def test_a_tiny_cifar_study_runs_and_its_report_section_shows_the_paper_beside_ffnumpy(tiny, cifar, small, tmp_path):
    rows = ("ff-layer", "cff-prev-layer", "bp-label")
    study = reproduce.table_study("cifar10", "course", rows)
    assert runner.sweep(tmp_path, study, seeds=(1, 2, 3), data=cifar, say=quiet) == 3 * (2 + 3)
    seed1 = json.loads((tmp_path / "cifar10-course" / "ff-layer" / "seed1.json").read_text())
    assert seed1["config"]["dataset"] == "cifar10" and seed1["train_size"] == len(cifar.x_train)
    assert len(seed1["test_predictions"]) == len(cifar.y_test) and seed1["passes_over_data"] == 2
    # seed 3 of Backprop label fails (one class for every image): counted in the column, left out of the mean
    path = tmp_path / "cifar10-course" / "bp-label" / "seed3.json"
    failed = json.loads(path.read_text())
    failed.update(test_predictions="7" * len(cifar.y_test), test_error=90.0)
    path.write_text(json.dumps(failed))
    # a row with its tuning only; and MNIST's same pair, whose comparison joins CIFAR-10's in one family
    runner.sweep(tmp_path, reproduce.table_study("cifar10", "course", ("ff-network",)), seeds=(), data=cifar,
                 say=quiet)
    runner.sweep(tmp_path, reproduce.table_study("mnist", "course", rows[:2]), seeds=(1, 2, 3), data=small,
                 say=quiet)
    text = write_report(tmp_path, labels={"cifar10": cifar.y_test, "mnist": small.y_test}).read_text()
    cifar_text = section(text)
    table = cifar_text.split("| row | paper (%) | ffnumpy (%), mean ± std |")[1].split("\n\n")[0]
    column = {line.split(" | ")[0][2:]: line.split(" | ") for line in table.splitlines()[2:]}
    assert list(column) == list(ROW_LABELS.values())                    # the paper's seven rows, always
    assert column["FF, Layer"][1] == "54.2" and column["FF, Layer"][3] == "3 of 5 (0)"
    assert column["Backprop label"][3] == "3 of 3 (1)" and "(1 of 3 seeds failed)" in column["Backprop label"][2]
    assert column["FF, Network"][2] == "not yet measured (tuning: 2 runs done)"
    assert column["Backprop pairwise"][2] == "not yet measured" and column["Backprop pairwise"][3] == "0 of 3 (0)"
    errors = [json.loads((tmp_path / "cifar10-course" / "ff-layer" / f"seed{s}.json").read_text())["test_error"]
              for s in (1, 2, 3)]
    assert float(column["FF, Layer"][4].split(" ± ")[0]) == pytest.approx(np.mean(errors) - 54.2, abs=0.006)
    kept = [json.loads((tmp_path / "cifar10-course" / "bp-label" / f"seed{s}.json").read_text())["test_error"]
            for s in (1, 2)]
    assert column["Backprop label"][2].startswith(f"{np.mean(kept):.2f} ± ")
    # the section every dataset gets: the verdict, the per-layer table and figure, the entropy claims
    assert "| FF, Layer vs CFF gamma(<t), Layer | 3 |" in cifar_text
    assert "measured on FF, Layer, CFF gamma(<t), Layer (below); not yet measured: Backprop pairwise" in cifar_text
    assert "*FF raises the entropy* (Ent, FF, Layer" in cifar_text and "*Every CFF layer helps*" in cifar_text
    assert "![per-layer errors and marginal contributions](contributions_cifar10-course.png)" in cifar_text
    assert (tmp_path / "contributions_cifar10-course.png").stat().st_size > 10_000
    # one family: MNIST's comparison and CIFAR-10's, each corrected over both (or unstable: in none)
    closing = json.loads((tmp_path / "closing.json").read_text())
    assert closing["cifar10"]["comparisons"] == closing["mnist"]["comparisons"] == 1
    stable = [closing[d]["calls"].get("unstable") is None for d in ("mnist", "cifar10")]
    assert f"Holm-corrected over the {sum(stable)} comparisons" in text or not any(stable)
    assert text.index("## mnist, course budget") < text.index("## cifar10, course budget")
    # the answer's CIFAR-10 table: the paper beside ffnumpy, a CFF row's verdict from the headline family
    from ffnumpy.studies.answer import build, cifar_table
    root = tmp_path / "results"
    root.mkdir()
    (root / "reproduction").symlink_to(tmp_path)
    _, data, _ = build(root)
    assert data["family"]["size"] == 2                               # MNIST's comparison and CIFAR-10's
    cells = {line.split(" | ")[0][2:]: line.split(" | ") for line in cifar_table(data["cifar10"])[2:]}
    assert list(cells) == list(ROW_LABELS.values())
    assert cells["CFF gamma(<t), Layer"][1] == "53.2" and ", 3 of 5 seeds" in cells["CFF gamma(<t), Layer"][2]
    assert ", 1 failed" in cells["Backprop label"][2] and cells["Backprop label"][3] == "- |"
    verdict = cells["CFF gamma(<t), Layer"][3]
    assert verdict.startswith(("FF lower (p = ", "CFF lower (p = ", "no difference shown (p = ", "unstable"))
    assert verdict.endswith(", 3 seeds |")
    assert cells["CFF gamma(<t), Network"][2:] == ["not yet measured", "not yet measured |"]
    # the figure's CIFAR-10 panel: each CFF row beside FF under its schedule, FF's errors its seeds'
    from ffnumpy.studies.answer import cifar_blocks
    blocks = cifar_blocks(data["cifar10"])
    assert [b["cff"] for b in blocks] == ["cff-prev-layer", "cff-prev-network", "cff-all-network"]
    ff = blocks[0]["datasets"]["cifar10"]["ff"]["errors"]
    assert ff == pytest.approx(errors) and not blocks[1]["datasets"]["cifar10"]["cff"]["errors"]


def test_the_recipe_question_on_cifar10_asks_ff_and_cff_gamma_previous(tmp_path, capsys):
    assert hinton.main(["question", "--dataset", "cifar10", "--dry-run", "--out", str(tmp_path)]) == 0
    assert "16 runs missing" in capsys.readouterr().out         # 2 rows x 3 learning rates, then 5 seeds each
    studies = hinton.question_studies("cifar10")
    assert [s.rows for s in studies] == [("ff-network", "cff-prev-network")]
    todo = protocol.pending(tmp_path, studies[0])
    tunes = [cfg for _, cfg, kind in todo if kind == "tune"]
    assert {(c.input_size, c.hidden, c.epochs, c.recipe) for c in tunes} == {(3072, (1000, 1000, 1000), 30, "hinton")}
    assert [s.rows for s in hinton.question_studies("mnist")] == [("ff-network", "cff-prev-network"),
                                                                   ("cff-all-network",)]


def test_the_recipe_report_has_a_cifar10_question_section(cifar, tmp_path, monkeypatch):
    from ffnumpy.studies.hinton_report import write_report as recipe_report
    monkeypatch.setattr(protocol, "EDGE_STEPS", 0)
    for study in hinton.question_studies("cifar10"):
        make = study.make
        study.make = lambda row, setting, seed, make=make: Config(**{**make(row, setting, seed).__dict__,
                                                                     "hidden": (30, 30), "epochs": 1})
        assert runner.sweep(tmp_path, study, data=cifar, say=quiet) == 2 * (3 + 5)
    text = recipe_report(tmp_path, labels={"cifar10": cifar.y_test}).read_text()
    assert "## cifar10: does collaboration help a strong FF?" in text and "--dataset cifar10`" in text
    assert "FF vs CFF gamma(<t)" in text and "CFF gamma, Network" not in text


def test_a_live_cifar_run_borrows_the_cifar_studys_choice_once_it_is_tuned(tmp_path):
    from ffnumpy.studies.live import FALLBACK, live_config
    before = live_config("CFF gamma(<t)", tmp_path, dataset="cifar10", hidden=(8,), epochs=1)
    assert (before.dataset, before.input_size, before.lr) == ("cifar10", 3072, FALLBACK["cff-prev-network"][0])
    study = next(s for s in reproduce.table_studies("cifar10", "course") if "cff-prev-network" in s.rows)
    for s in reproduce.GRID:          # the best, 1e-3 at 0.3, is inside the grid: no tuning past an edge
        path = protocol.tune_path(tmp_path / study.name / "cff-prev-network", s)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"validation_error": 50.0 if s == dict(lr=1e-3, theta_scale=0.3) else 60.0}))
    cfg = live_config("CFF gamma(<t)", tmp_path, dataset="cifar10", hidden=(8,), epochs=1)
    assert (cfg.dataset, cfg.method, cfg.gamma, cfg.lr, cfg.theta_scale) == ("cifar10", "cff", "previous", 1e-3, 0.3)
    assert live_config("CFF gamma(<t)", tmp_path, hidden=(8,)).lr == FALLBACK["cff-prev-network"][0]   # MNIST's


def bench():
    spec = importlib.util.spec_from_file_location("bench_cifar", ROOT / "benchmarks" / "bench_cifar.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_epoch_benchmark_times_every_row_and_projects_each_run_of_the_study(tiny, cifar, tmp_path,
                                                                                  monkeypatch, capsys):
    b = bench()
    recipe = hinton.question_studies("cifar10")
    for study in recipe:
        make = study.make
        study.make = lambda row, setting, seed, make=make: Config(**{**make(row, setting, seed).__dict__,
                                                                     "hidden": (30, 30)})
    monkeypatch.setattr(b, "question_studies", lambda dataset: recipe)
    out = b.main(["--recipe", "--json", str(tmp_path / "bench.json")], data=cifar)
    assert json.loads((tmp_path / "bench.json").read_text()) == json.loads(json.dumps(out))
    course = out["course"]
    assert set(course["rows"]) == set(reproduce.ROWS) and course["runs"] == 7 * 2 + 5 * 5 + 2 * 3
    for row, r in course["rows"].items():
        layers = 2 if reproduce.ROWS[row].get("schedule") == "layer" else 1     # one timed epoch per layer
        assert len(r["epoch_seconds"]) == layers and r["final_seconds"] > 0
        assert r["runs"] == 2 + len(reproduce.ANSWER_SEEDS if not row.startswith("bp-") else reproduce.SEEDS)
        tune = sum(r["epoch_seconds"]) + r["final_seconds"]                     # 1 epoch, one evaluation
        assert r["run_minutes"]["tune"] == pytest.approx(tune / 60)
        assert r["run_minutes"]["seed"] == pytest.approx((tune + r["final_seconds"]) / 60)   # test, then validation
    per_epoch = course["epochs"] * course["per_epoch_minutes"]                  # the study is linear in the epochs
    assert course["minutes"] == pytest.approx(course["evaluation_minutes"] + per_epoch)
    rows = out["recipe"]["rows"]                     # tuning at 30 epochs, seeds at 100
    assert set(rows) == {"ff-network", "cff-prev-network"} and out["recipe"]["runs"] == 16
    r = rows["ff-network"]
    assert r["run_minutes"]["tune"] == pytest.approx((30 * r["epoch_seconds"][0] + r["final_seconds"]) / 60)
    assert r["run_minutes"]["seed"] == pytest.approx((100 * r["epoch_seconds"][0] + 2 * r["final_seconds"]) / 60)
    said = capsys.readouterr().out
    assert "the course study: 45 runs" in said and "at E epochs:" in said and "the recipe study: 16 runs" in said


def test_the_queue_asks_for_cifar10s_course_study_before_the_long_tuned_runs_and_its_recipe_last():
    queue = (ROOT / "results" / "queue.sh").read_text()
    course = queue.index("FFNUMPY_DATA= run ffnumpy.studies.reproduce --dataset cifar10 --budget course")
    recipe = queue.index("FFNUMPY_DATA= run ffnumpy.studies.hinton question --dataset cifar10")
    long_tuned = queue.index("ffnumpy.studies.reproduce --dataset \"$d\" --budget long-tuned")
    assert course < long_tuned < queue.index("ffnumpy.studies.record --dataset") < recipe


def test_a_row_planned_with_fewer_seeds_says_how_many_it_has():
    from ffnumpy.studies.answer import errors_cell
    row = dict(seeds=3, planned=3, failed=0, errors=[1.6, 1.7, 1.7], chosen_predictor="all")
    assert errors_cell(row) == "1.67 ± 0.06, 3 seeds"                 # backprop, or CFF gamma at the recipe
    assert errors_cell({**row, "seeds": 2, "errors": [1.6, 1.7]}).endswith(", 2 of 3 seeds")
    five = dict(row, seeds=5, planned=5, errors=[1.6, 1.7, 1.7, 1.6, 1.7])
    assert errors_cell(five) == "1.66 ± 0.05"                          # the usual 5: no count
