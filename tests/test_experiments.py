"""The experiments runner on tiny budgets: depth reuses the reproduction's choices, learned gamma is
tuned like every row, both resume, and the report compares them with the reproduction's rows."""
import json

import numpy as np
import pytest

from ffnumpy.studies import experiments, protocol, reproduce, runner


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
    assert all(cfg is None for _, cfg, _ in protocol.pending(out, study, seeds=(1,)))   # nothing chosen yet
    runner.sweep(repro, reproduce.table_study("mnist", "course", experiments.DEPTH_ROWS), seeds=(1, 2),
                 data=small, say=quiet)
    for depth in (2, 3):
        study = experiments.depth_study("mnist", depth, repro)
        assert runner.sweep(out, study, seeds=(1, 2), data=small, say=quiet) == 4 * 2
        assert runner.sweep(out, study, seeds=(1, 2), data=small, say=quiet) == 0        # resumes
        mine = protocol.read(out / study.name / "ff-network" / "seed2.json")
        theirs = protocol.read(repro / "mnist-course" / "ff-network" / "seed2.json")
        # the tiny course network has 2 layers: depth 2 is the reproduction's run, copied; depth 3 is trained
        assert ("copied_from" in mine) == (depth == 2)
        if depth == 2:
            assert mine["test_predictions"] == theirs["test_predictions"]
        cfg = study.make("ff-network", protocol.chosen_setting(repro, "mnist-course", "ff-network",
                                                               reproduce.GRID), 1)
        assert cfg.hidden == (16,) * depth
    learned = experiments.learned_study("mnist")
    assert runner.sweep(out, learned, seeds=(1, 2), data=small, say=quiet) == 2 + 2
    from ffnumpy.studies.experiments_report import write_report
    text = write_report(out, repro, labels={"mnist": small.y_test}).read_text()
    assert "| FF, Network |" in text and "2 layers" in text and "3 layers" in text
    assert "**Conclusion.**" in text and "FF, Network: the last layer adds" in text
    assert "CFF learned gamma, Network" in text and "against FF, Network" in text and "alpha_i2" in text
    assert "(edge of the grid), theta-scale" in text          # both of the tiny grid's rates are its edges
    assert (out / "depth_mnist.png").stat().st_size > 10_000


def test_depth_conclusion_names_the_depths_where_later_layers_hurt():
    from ffnumpy.studies.experiments_report import depth_conclusion

    def seeds(*prefixes):      # each: the test error of layers 1..k of one seed
        return {"ff-network": {"seeds": [{"prefix_test_error": list(p)} for p in prefixes]}}
    runs = {2: seeds([3.0, 2.5], [3.1, 2.6]),                  # layer 2 helps in both seeds
            4: seeds([3.0, 2.5, 2.4, 2.6], [3.0, 2.5, 2.4, 2.5]),  # layer 4 hurts in both
            6: seeds([3.0, 2.5, 2.4, 2.3, 2.2, 2.3], [3.0, 2.5, 2.4, 2.3, 2.2, 2.1])}  # hurts in one seed only
    runs[6]["cff-prev-network"] = {"seeds": [{"prefix_test_error": [3.0, 2.9, 2.8, 2.9, 3.0, 2.9]}]}
    lines = depth_conclusion(runs, {"cff-prev-network": {"CFF lower": [2], "no difference shown": [4, 6]}})
    assert lines[0] == "- CFF gamma(<t), Network against FF: CFF lower at 2 layers; no difference shown at 4, 6 layers"
    assert "+0.50 (2 layers), -0.15 (4 layers), +0.00 (6 layers)" in lines[1]
    assert lines[1].endswith("below 0 (it hurts) in every seed at 4 layers")
    # layers past the course depth (3) together: 4 layers 2.4 -> 2.6 and 2.4 -> 2.5; 6 layers 2.4 -> 2.3, 2.4 -> 2.1
    assert lines[2] == ("- FF, Network: the layers past the first 3, together, add -0.15 (4 layers), +0.20 (6 layers) "
                        "points; below 0 (it hurts) in every seed at 4 layers")
    # CFF gamma(<t), one seed at 6 layers: last layer 3.0 -> 2.9 helps; layers 4-6 together 2.8 -> 2.9 hurt
    assert lines[3] == ("- CFF gamma(<t), Network: the last layer adds +0.10 (6 layers) points; "
                        "below 0 (it hurts) in every seed at no depth")
    assert lines[4].endswith("add -0.10 (6 layers) points; below 0 (it hurts) in every seed at 6 layers")
    assert len(lines) == 5
    # only depths up to the course depth: no line for the layers past it
    shallow = depth_conclusion({2: runs[2]}, {})
    assert len(shallow) == 1 and shallow[0].startswith("- FF, Network: the last layer adds +0.50 (2 layers)")


def test_cli_needs_a_study(capsys):
    with pytest.raises(SystemExit) as stop:
        experiments.main([])
    assert stop.value.code == 2 and "name a study" in capsys.readouterr().err


def test_the_objective_study_tunes_each_reading_and_resumes_and_is_reported(tiny, small, tmp_path, monkeypatch):
    monkeypatch.setattr(experiments, "OBJECTIVE_GRID", reproduce.GRID)
    monkeypatch.setattr(protocol, "EDGE_STEPS", 0)     # test_reproduce covers tuning past an edge
    out, repro = tmp_path / "experiments", tmp_path / "reproduction"
    study = experiments.objective_study("mnist", rows=("ff-network-entropy-labels", "cff-all-network-entropy-batch"))
    assert study.extend
    runner.sweep(out, study, seeds=(), data=small, say=quiet)       # tuning only: a section, no figure yet
    from ffnumpy.studies.objective_report import objective_section
    from ffnumpy.studies.stats import Family
    assert "| `entropy-labels` | no seeds yet (2 tuning runs) |" in "\n".join(
        objective_section(out, repro, "mnist", small.y_test, Family()))
    assert not (out / "objective_mnist.png").exists()
    assert runner.sweep(out, study, seeds=(1, 2), data=small, say=quiet) == 2 * 2
    assert runner.sweep(out, study, seeds=(1, 2), data=small, say=quiet) == 0
    seed = protocol.read(out / study.name / "ff-network-entropy-labels" / "seed1.json")
    assert len(seed["history"][-1]["activity"]["silent"]) == 2          # the silent units, per layer
    runner.sweep(repro, reproduce.table_study("mnist", "course", ("ff-network", "cff-all-network")), seeds=(1, 2),
                 data=small, say=quiet)
    text = "\n".join(objective_section(out, repro, "mnist", small.y_test, Family()))
    assert "| `entropy-labels` | " in text and "| `entropy` | not run |" in text
    # MNIST runs the readings as stated; their penalty twins run on Fashion-MNIST only, and the report says so
    assert "`entropy-labels-penalty`" not in text and "twins run on Fashion-MNIST only" in text
    assert all(not r.endswith("-penalty") for r in experiments.objective_study("mnist").rows)
    assert experiments.objective_study("fashion-mnist").rows == tuple(experiments.OBJECTIVE_ROWS)
    assert "against logistic" in text and "silent" in text and "The logistic rows" in text
    assert (out / "objective_mnist.png").stat().st_size > 10_000
    # a collapsed seed and a diverged one (no history) are counted as failed and kept out of the
    # activity means and the figure, which drew a diverged run's empty curve and stopped before
    row = out / study.name / "ff-network-entropy-labels"
    cells = next(line for line in text.splitlines() if line.startswith("| `entropy-labels` |")).split(" | ")
    collapsed = {**seed, "seed": 3, "warnings": ["the network predicts one class for 95.0% of the test images"]}
    collapsed["history"] = [{**h, "activity": {**h["activity"], "goodness": [1e9] * 2}} for h in seed["history"]]
    (row / "seed3.json").write_text(json.dumps(collapsed))
    (row / "seed4.json").write_text(json.dumps(runner.diverged(protocol.saved_config(row / "seed1.json"), "seed",
                                                               "the loss is nan")))
    section = "\n".join(objective_section(out, repro, "mnist", small.y_test, Family()))
    again = next(line for line in section.splitlines() if line.startswith("| `entropy-labels` |")).split(" | ")
    assert "(2 of 4 seeds failed)" in again[1] and again[1].startswith(cells[1])
    assert again[-2] == cells[-2]                                       # FF's activity: the two good seeds only
    assert "unstable: no verdict" in again[3]
    assert (out / "objective_mnist.png").stat().st_size > 10_000
    assert seed["config"]["objective"] == "entropy-labels" and seed["config"]["method"] == "ff"
    assert 0 <= seed["test_error"] <= 100 and len(seed["test_predictions"]) == len(small.y_test)
    assert set(experiments.OBJECTIVE_ROWS) == {f"{r}-{o}{p}" for r in ("ff-network", "cff-all-network")
                                               for o in experiments.READINGS for p in ("", "-penalty")}
    assert {row.get("goodness_penalty", 0.0) for name, row in experiments.OBJECTIVE_ROWS.items()} == \
        {0.0, experiments.PENALTY}
    assert all((row.get("goodness_penalty", 0.0) > 0) == name.endswith("-penalty")
               for name, row in experiments.OBJECTIVE_ROWS.items())
    assert {row["predict"] for name, row in experiments.OBJECTIVE_ROWS.items() if name.startswith("ff")} == {"log"}
    assert seed["config"]["predict"] == "log" and "log" in seed["test_error_by_predictor"]


def test_the_objective_target_is_met_or_missed_from_the_means():
    from ffnumpy.studies.objective_report import target_lines
    means = {"cff-all-network-entropy": (12.5, 14.0), "cff-all-network-entropy-labels": (12.95, 13.1),
             "ff-network-entropy": (15.5, 15.0)}     # (test, validation): validation chooses, not test
    lines = "\n".join(target_lines("fashion-mnist", means, [13.8, 14.0]))
    assert "the lowest validation error of the 2 of 6 readings with every seed run and none failed, " \
           "is `entropy-labels`. It gives 12.95% on test: met" in lines
    assert "is `entropy`. It gives +1.60 points on test: missed" in lines
    assert target_lines("mnist", means, [2.5]) == []
    bounded = "\n".join(target_lines("fashion-mnist", {**means, "cff-all-network-entropy-penalty": (12.7, 12.9)},
                                     [13.8, 14.0]))
    assert "`entropy-penalty` (with the goodness penalty: the paper's objective plus a bound). It gives 12.70%" in bounded


def test_the_objective_lesson_quotes_the_report_or_says_what_is_missing(tmp_path):
    from ffnumpy.studies.objective_report import objective_lesson
    readme = tmp_path / "README.md"
    assert "not measured yet" in objective_lesson(readme, "mnist")[0]          # no report at all
    readme.write_text("# Beyond\n\n### mnist: depth\n\nx\n\n"
                      "### fashion-mnist: the entropy objective, three readings\n\n"
                      "| reading | FF |\n|---|---|\n| `entropy` | 24.10 ± 1.00 |\n\n"
                      "![the entropy objective](objective_f.png)\n"
                      "\n### mnist: the entropy objective, three readings\n\nm\n## Transfer\n")
    lines = objective_lesson(readme, "fashion-mnist")
    assert lines[0].startswith("### fashion-mnist: the entropy objective") and "| `entropy` | 24.10 ± 1.00 |" in lines
    assert f"(the figure: {tmp_path / 'objective_f.png'})" in lines and not any("mnist: the" in x for x in lines[1:])
    assert objective_lesson(readme, "mnist")[-1] == "m"                           # stops at the next heading


def test_what_holds_a_reading_back_is_read_from_its_files():
    from ffnumpy.studies.objective_report import holdback_lines

    def record(lr, silent, goodness, seconds=100.0, objective="entropy-labels", val=14.0, alone=(13.9, 90.0, 90.0)):
        history = [{"activity": {"silent": silent, "goodness": [g / 4 for g in goodness]}},
                   {"activity": {"silent": silent, "goodness": goodness}}]
        return {"config": {"lr": lr, "objective": objective, "epochs": 2}, "history": history, "warnings": [],
                "validation_error": val, "train_seconds": seconds, "test_error": alone[0],
                "per_layer_test_error": list(alone)}

    dead = record(0.02, [0.7, 1.0, 1.0], [4e4, 0.0, 0.0])
    ff_seed = {**record(0.01, [0.1, 0.2, 0.0], [8e2, 1.5e3, 2e3], 30.0, "entropy", alone=(14.0, 20.0, 30.0)),
               "test_error": 16.0}
    runs = {"cff-all-network-entropy-labels": {"seeds": [dead] * 3, "tune": [
                dead, record(0.001, [0.1, 0.98, 0.9], [4e3, 1.0, 1.0], val=19.0),
                record(0.0003, [0.1, 0.4, 0.3], [1e3, 9e2, 5e2], val=23.0)]},
            "ff-network-entropy": {"seeds": [ff_seed] * 3, "tune": []}}
    logistic = {"cff-all-network": {"seeds": [{"train_seconds": s, "warnings": []} for s in (38.0, 40.0, 90.0)]}}
    lines = holdback_lines(runs, logistic, {"cff-all-network-entropy-labels": (13.9, 13.4),
                                            "ff-network-entropy": (18.9, 18.5)})
    cff = next(x for x in lines if x.startswith("- CFF gamma, `entropy-labels`"))
    assert "0.70, 1.00, 1.00 of each layer's units are silent" in cff
    assert "layers 2, 3 end silent in every seed, so the network scores with layer 1 alone" in cff
    assert "from 1e+04 after epoch 1 to 4e+04 after epoch 2 (layer 1)" in cff
    # 0.98 silent is not dead, but not "most units kept" either: only lr 0.0003 keeps them
    assert "Of the 3 tuned rates, 1 keeps every one of layers 2, 3 under half silent: the best of them, " \
           "lr 0.0003, reaches 23.00% on validation" in cff
    assert "Each image costs 10 pairs a step against the logistic row's 2, at the same 2 epochs: 100 s a run " \
           "against 40 s (medians)" in cff
    assert "Each layer alone on test: 13.90, 90.00, 90.00%; the row's vote over all layers: 13.90%." in cff
    ff = next(x for x in lines if x.startswith("- FF, `entropy`"))
    assert "Each layer alone on test: 14.00, 20.00, 30.00%; the row's vote over all layers: 16.00%, 2.00 points " \
           "above layer 1 alone." in ff
    assert "end silent" not in ff and "tuned rates" not in ff and "pairs a step" not in ff   # no logistic FF given
    assert any(x.startswith("- Why units fall silent") for x in lines)
    assert holdback_lines(runs, logistic, {}) == []
    runs["cff-all-network-entropy-labels"]["tune"].pop()                # no rate keeps most units now
    cff = next(x for x in holdback_lines(runs, logistic, {"cff-all-network-entropy-labels": (13.9, 13.4)})
               if x.startswith("- CFF gamma"))
    assert "None of the 2 tuned rates keeps every one of layers 2, 3 under half silent; the closest, lr 0.001 " \
           "(silent 0.98, 0.90), reaches 19.00% on validation." in cff


def test_the_peer_intervention_reuses_the_rows_rate_and_is_chosen_on_validation(tiny, small, tmp_path, monkeypatch):
    from ffnumpy.evaluate import failed_run
    from ffnumpy.studies import peer_report
    from ffnumpy.studies.runs import load_group
    from ffnumpy.studies.stats import Family
    monkeypatch.setattr(experiments, "OBJECTIVE_GRID", reproduce.GRID)
    monkeypatch.setattr(protocol, "EDGE_STEPS", 0)
    monkeypatch.setattr(experiments, "PEER_STRENGTHS", (1e-4, 1e-2))
    monkeypatch.setattr(peer_report, "PEER_STRENGTHS", experiments.PEER_STRENGTHS)
    out, row = tmp_path / "experiments", "cff-all-network-entropy"
    peers = experiments.studies("objective-peer", "mnist")
    assert [s.name for s in peers] == ["objective-peer/mnist-course/peer0.0001", "objective-peer/mnist-course/peer0.01"]
    assert all(cfg is None for _, cfg, _ in protocol.pending(out, peers[0]))      # waits for the row's tuning
    runner.sweep(out, experiments.objective_study("mnist", rows=(row,)), data=small, say=quiet)
    chosen = protocol.row_setting(out, experiments.objective_study("mnist", rows=(row,)), row)["lr"]

    def section():
        runs = load_group(out / "objective" / "mnist-course", (row,))
        return "\n".join(peer_report.peer_lines(out, "mnist", runs, small.y_test, Family()))
    assert section() == ""                                                         # nothing run yet
    runner.sweep(out, peers[0], data=small, say=quiet)
    assert "- Running: 1 of 2 strengths have every seed; the choice waits for all." in section()
    runner.sweep(out, peers[1], data=small, say=quiet)
    seed = protocol.read(out / peers[1].name / row / "seed2.json")
    assert seed["config"]["peer_norm"] == 1e-2 and seed["config"]["lr"] == chosen
    assert seed["config"]["objective"] == "entropy" and seed["config"]["gamma"] == "all"
    text = section()
    for label in ("| 0 (the row above) |", "| 0.0001 |", "| 0.01 |"):
        assert label in text
    seeds = {s: [protocol.read(out / f"objective-peer/mnist-course/peer{s:g}" / row / f"seed{k}.json")
                 for k in (1, 2, 3)] for s in (1e-4, 1e-2)}
    usable = {s: runs for s, runs in seeds.items() if not any(failed_run(r) for r in runs)}
    if usable:
        best = min(usable, key=lambda s: np.mean([r["validation_error"] for r in usable[s]]))
        assert f"Chosen on validation among the {len(usable)} strengths with no failed seed: {best:g} (the grid's " \
               "edge" in text                                                  # 2 strengths: always an edge
    else:
        assert "No strength trained without a failed seed" in text
    # collapsed seeds are named with how large their goodness grew, and no strength is chosen among them
    for k in (1, 2, 3):
        path = out / peers[1].name / row / f"seed{k}.json"
        record = protocol.read(path)
        record["warnings"] = ["test set: the network has collapsed: it predicts class 5 for 98.3% of the images"]
        path.write_text(json.dumps(record))
    text = section()
    assert "- Failed seeds at strength 0.01: 3 runs failed (collapsed, or no better than guessing), ending " \
           "with a mean goodness per layer of" in text
    assert "(without it: " in text and "Chosen on validation among the 2" not in text
    assert "Chosen on validation among the 1 strengths" in text or "No strength trained" in text
    # a layer silent with and without the intervention is named: peer normalisation cannot pull it up
    for path in [out / peers[0].name / row / f"seed{k}.json" for k in (1, 2, 3)] + \
            [out / "objective" / "mnist-course" / row / f"seed{k}.json" for k in (1, 2, 3)]:
        record = protocol.read(path)
        record["warnings"] = []
        for h in record["history"]:
            h["activity"]["silent"] = [0.3, 1.0]
        path.write_text(json.dumps(record))
    assert "- Layer 2 stays silent at every usable strength" in section()
