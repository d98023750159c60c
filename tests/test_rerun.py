"""The re-run sample: who is in the frame, how the sample spreads, what the report counts."""
import json

from ffnumpy.studies import rerun


def seed_file(root, rel, **fields):
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"kind": "seed", "config": {}, "test_predictions": [1, 2], "wall_seconds": 60.0, **fields}
    path.write_text(json.dumps(record))
    return path


def test_the_frame_keeps_trained_short_seed_runs_only(tmp_path):
    keep = seed_file(tmp_path, "reproduction/mnist-course/ff-network/seed1.json")
    seed_file(tmp_path, "reproduction/mnist-long/ff-network/seed1.json", wall_seconds=3600.0)    # too long
    seed_file(tmp_path, "experiments/depth/mnist-L3/ff-network/seed1.json", copied_from="x")      # a copy
    seed_file(tmp_path, "experiments/transfer/a-to-b/ff-network/seed1.json")       # another runner: not in STUDIES
    seed_file(tmp_path, "reproduction/mnist-course/ff-network/tune/seed9.json", kind="tune")
    assert rerun.frame(tmp_path) == {str(keep.parent.parent): [keep]}


def test_the_sample_takes_one_run_per_study_before_a_second(tmp_path):
    for study in ("a", "b", "c"):
        for seed in (1, 2, 3):
            seed_file(tmp_path, f"reproduction/{study}/ff-network/seed{seed}.json")
    groups = rerun.frame(tmp_path)
    chosen = rerun.sample(groups, 5)
    studies = [p.parts[-3] for p in chosen]
    assert sorted(studies[:3]) == ["a", "b", "c"] and len(set(chosen)) == 5
    assert chosen == rerun.sample(groups, 5)                      # the same seed, the same sample
    assert len(rerun.sample(groups, 50)) == 9                     # never more than the frame
    kept, total = rerun.drawn(5, tmp_path / "reruns", tmp_path)
    assert kept == chosen and total == 9
    seed_file(tmp_path, "reproduction/d/ff-network/seed1.json")    # a new run joins the frame later:
    assert rerun.drawn(5, tmp_path / "reruns", tmp_path) == (chosen, 9)   # the drawn sample stays


def test_the_report_counts_the_reruns_that_agree(tmp_path):
    runs = [seed_file(tmp_path, f"reproduction/s/r/seed{k}.json") for k in (1, 2, 3)]
    out = tmp_path / "reruns"
    out.mkdir()
    facts = {"date": "2026-12-01", "cpu": "c", "blas": "b", "threads": "default", "seconds": 1.0}
    for path, (now, differ) in zip(runs[:2], ((2.0, 0), (2.1, 7))):
        record = {"path": str(path), "command": f"cmd {path}", "output": "out", "recorded_error": 2.0,
                  "rerun_error": now, "predictions_differ": differ, **facts}
        rerun.out_file(path, out).write_text(json.dumps(record))
    report = tmp_path / "RERUN.md"
    control = seed_file(tmp_path, "reproduction/s/r/seed9.json")
    record = {"path": str(control), "command": "cmd9", "output": "out", "recorded_error": 1.0, "rerun_error": 1.0,
              "predictions_differ": 0, "recorded_machine": {"cpu": "c", "blas": "b", "threads": "default"}, **facts}
    rerun.out_file(control, out).write_text(json.dumps(record))
    assert rerun.write_report(runs, out, report, total=3, also=[control]) == (1, 2)
    text = report.read_text()
    assert "**1 of 1 the same, bit for bit**" in text and "--also " + str(control) in text
    assert "2 of the 3 sampled have been re-run" in text and "**1 of 2 gave the same" in text
    assert text.count("$ cmd") == 3 and "What a re-run can promise" in text
