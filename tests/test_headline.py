"""The predictor rule, the headline family and the health backfill, on small hand-made records."""
import json

import numpy as np
import pytest

from ffnumpy.studies import predictors
from ffnumpy.studies.headline import ff_against_cff, headline
from ffnumpy.studies.runs import LISTED, compare, comparison_key, cpu_note
from ffnumpy.studies.stats import Family, compare_seeds, holm


def tune(predict, lr, val, prefix_last, readout=None, by=None, seed=0):
    return {"config": {"predict": predict, "lr": lr, "theta_scale": 1.0, "seed": seed}, "validation_error": val,
            "prefix_validation_error": [9.0, 5.0, prefix_last], "readout_validation_error": readout,
            **({"validation_error_by_predictor": by} if by else {})}


def seed_run(predict, seed, lr=1e-3, test=1.5, by=None, readout=None, preds=None):
    return {"config": {"predict": predict, "lr": lr, "theta_scale": 1.0, "seed": seed, "method": "ff"},
            "test_error": test, "prefix_test_error": [3.0, 2.0, (by or {}).get("all", test)],
            "test_error_by_predictor": by, "readout_test_error": readout, "warnings": [],
            **(preds or {})}


def test_the_rule_chooses_the_lowest_validation_error_at_the_chosen_setting():
    seeds = [seed_run("skip-first", 1)]
    runs = [tune("skip-first", 1e-3, 1.56, 1.68, readout=1.67), tune("skip-first", 2e-3, 1.0, 0.5, readout=0.4)]
    assert predictors.choose(runs, seeds) == ("skip-first", {"all": 1.68, "skip-first": 1.56, "readout": 1.67})
    runs[0]["readout_validation_error"] = 1.50                       # the other lr's numbers never count
    assert predictors.choose(runs, seeds)[0] == "readout"
    runs[0]["readout_validation_error"] = 1.56                       # a tie keeps the predictor it trained with
    assert predictors.choose(runs, seeds)[0] == "skip-first"
    assert predictors.choose([], seeds) == ("skip-first", {})        # no tuning run: its own, nothing measured


def test_a_candidate_counts_only_where_every_tuning_seed_measured_it():
    seeds = [seed_run("all", 1)]
    older = tune("all", 1e-3, 2.0, 2.0)                               # all layers only (no table by predictor)
    newer = tune("all", 1e-3, 2.2, 2.2, by={"all": 2.2, "skip-first": 1.0}, seed=10)
    predict, table = predictors.choose([older, newer], seeds)
    assert predict == "all" and table == {"all": pytest.approx(2.1)}
    assert predictors.choose([newer], seeds)[0] == "skip-first"


def test_test_errors_and_predictions_by_predictor():
    r = seed_run("skip-first", 1, test=1.4, by={"all": 1.45}, readout=1.3,
                 preds={"test_predictions": "12", "readout_test_predictions": "33",
                        "test_predictions_by_predictor": {"all": "45"}})
    assert [predictors.test_error(r, p) for p in ("skip-first", "all", "readout")] == [1.4, 1.45, 1.3]
    assert [predictors.test_predictions(r, p).tolist() for p in ("skip-first", "all", "readout")] == \
        [[1, 2], [4, 5], [3, 3]]
    assert predictors.test_predictions(seed_run("all", 1), "readout") is None


def test_compare_reads_each_row_by_its_predictor_and_names_it_in_the_key():
    y = np.tile([0, 1, 2, 3], 10)        # 40 images: enough that half right is clear of guessing (evaluate)
    ff = [seed_run("skip-first", s, test=25.0, readout=0.0, preds={"test_predictions": "0133" * 10,
                                                                   "readout_test_predictions": "0123" * 10})
          for s in (1, 2)]
    cff = [seed_run("all", s, test=50.0 + s, preds={"test_predictions": "0033" * 10}) for s in (1, 2)]
    for r in cff:
        r["config"]["method"] = "cff"
    family = Family()
    v = compare(ff, cff, y, family, predict=("readout", "all"), label="x")
    assert v["paired_t"]["mean_diff"] == pytest.approx(-51.5) and v["mcnemar"] is not None   # images kept
    key = comparison_key(ff, cff, ("readout", "all"))
    assert key[0].endswith(" by readout") and " by " not in key[1]          # CFF is read by its own predictor
    assert key in family.found and family.labels[key] == "x"
    assert comparison_key(ff, cff) == comparison_key(ff, cff, ("skip-first", "all"))  # own predictors: no suffix


def test_a_comparison_of_runs_on_different_cpus_says_so():
    y = np.tile([0, 1, 2, 3], 10)
    ff = [seed_run("all", s, test=25.0 + s) for s in (1, 2, 3)]
    cff = [seed_run("all", s, test=20.0 + s) for s in (1, 2, 3)]
    for r in cff:
        r["config"]["method"] = "cff"
    assert compare(ff, cff, y, Family())["cpus"] == [["not recorded"], ["not recorded"]]
    assert cpu_note(compare(ff, cff, y, Family())) == ""                 # nothing recorded: nothing to say
    for r in ff + cff:
        r["machine"] = {"cpu": "Intel"}
    assert cpu_note(compare(ff, cff, y, Family())) == ""                 # one CPU throughout
    cff[2]["machine"] = {"cpu": "AMD"}
    assert cpu_note(compare(ff, cff, y, Family())) == " [CPUs differ: AMD; Intel]"
    del ff[0]["machine"]                                                  # an older file among recorded ones
    assert cpu_note(compare(ff, cff, y, Family())) == " [CPUs differ: AMD; Intel; not recorded]"
    ff[0]["machine"], cff[2]["config"]["seed"] = {"cpu": "Intel"}, 9      # only the seeds both rows have count
    assert cpu_note(compare(ff, cff, y, Family())) == ""


def listed(tmp_path, report, entries):
    folder = tmp_path / report
    folder.mkdir()
    (folder / LISTED).write_text(json.dumps({"family_size": len(entries), "comparisons": entries}))


def entry(method_a, method_b, p, diff=-1.0, unstable=None):
    key = [json.dumps({"method": method_a, "dataset": "mnist"}), json.dumps({"method": method_b, "x": p})]
    return {"key": key, "label": f"{method_a} vs {method_b} {p}", "seeds": 5, "p": None if unstable else p,
            "mean_diff": diff, "ci": [diff - 0.1, diff + 0.1], "mcnemar_p": None, "unstable": unstable,
            "corrected_p": p, "call": "B lower"}


def test_the_headline_family_pools_every_ff_against_cff_comparison_unstable_ones_at_p_1(tmp_path):
    # two reports each call their one comparison at p = 0.03 (a family of one); pooled they are two tests,
    # and an unstable third counts at p = 1: the same p's no longer pass
    listed(tmp_path, "reproduction", [entry("ff", "cff", 0.03), entry("ff", "bp-label", 0.0001)])
    listed(tmp_path, "recipe", [entry("ff", "cff", 0.02, diff=+1.0),
                                entry("cff", "ff", 0.5, unstable="1 failed seed")])
    family = headline(tmp_path)
    assert family["size"] == 3 and family["unstable"] == 1                    # backprop's comparison is not in it
    assert [e["headline_p"] for e in family["comparisons"]] == pytest.approx(holm([0.03, 0.02, 1.0]))
    assert [e["headline_call"] for e in family["comparisons"]] == ["no difference shown"] * 2 + ["unstable"]
    assert not ff_against_cff({"key": ["specificity", *entry("cff", "cff", 1)["key"]]})
    assert ff_against_cff({"key": ["specificity", *entry("cff", "ff", 1)["key"]]})


def test_a_family_lists_its_unstable_comparisons_too():
    family = Family()
    stable = compare_seeds([1.0, 1.1, 1.2], [2.0, 2.2, 2.1])
    family.judge(("a", "b"), stable, "stable")
    family.judge(("a", "c"), compare_seeds([1.0, 1.1], [2.0, 2.1], failed=(1, 0)), "unstable")
    family.close()
    found = {e["label"]: e for e in family.listed()}
    assert family.size == 1 and found["unstable"]["p"] is None and found["unstable"]["call"] == "unstable"
    assert found["stable"]["p"] == pytest.approx(stable["paired_t"]["p"]) and found["stable"]["call"] == "A lower"


def test_health_backfill_names_a_failed_runs_failure_in_its_file(tmp_path):
    from ffnumpy.studies.health import backfill, silent_failures
    y = np.arange(100) % 10
    run = tmp_path / "row" / "seed1.json"
    run.parent.mkdir()
    collapsed = {"config": {"dataset": "mnist"}, "test_error": 88.0, "warnings": [], "test_predictions": "1" * 100}
    healthy = {**collapsed, "test_error": 5.0, "test_predictions": "".join(map(str, y))}
    run.write_text(json.dumps(collapsed))
    (tmp_path / "row" / "seed2.json").write_text(json.dumps(healthy))
    assert [p.name for p, _ in silent_failures(tmp_path)] == ["seed1.json"]
    found = backfill(tmp_path, write=False, labels={"mnist": y})
    assert found[0][1] == ["test set: the network predicts one class (1) for all 100 images"]
    assert json.loads(run.read_text())["warnings"] == []                       # listing writes nothing
    backfill(tmp_path, write=True, labels={"mnist": y})
    record = json.loads(run.read_text())
    assert record["warnings"] == found[0][1] and "health --backfill" in record["warnings_backfilled"]
    assert silent_failures(tmp_path) == [] and json.loads((tmp_path / "row" / "seed2.json").read_text()) == healthy


def test_rows_trained_again_with_the_same_configurations_are_another_comparison_when_tagged():
    """The long budget tuned at it may choose the course budget's setting: its rows then have the long budget's
    configurations, trained again (other numbers on another CPU). Untagged, the family would refuse them."""
    y = np.arange(10)
    ff = [seed_run("all", s, test=10.0 + s, preds={"test_predictions": "0123456789"}) for s in (1, 2, 3)]
    cff = [seed_run("all", s, test=12.0 + s * s, preds={"test_predictions": "0123456700"}) for s in (1, 2, 3)]
    again = [{**r, "test_error": r["test_error"] + 0.1} for r in cff]
    family = Family()
    compare(ff, cff, y, family)
    with pytest.raises(ValueError, match="share the key"):
        compare(ff, again, y, family)
    compare(ff, again, y, family, tag="long-tuned")
    assert len(family.found) == 2 and ("long-tuned", *comparison_key(ff, again)) in family.found
