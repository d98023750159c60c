"""The result files of a study, read and compared: what every report of the studies shares.

    load_group(folder)   {row: {"tune": [records], "seeds": [records]}}
    fmt, fmt_runs        'mean ± std' over seeds (failed seeds counted, not averaged in)
    compare(a, b, ...)   two rows by the verdict rule (stats.py), judged by a report's Family
    two_passes(build)    a report built twice: gather the comparisons, then call them
    report_family(f)     the comparisons a report made, corrected as it corrected them (VERDICTS)
"""
import argparse
import json
from pathlib import Path

import numpy as np

from ..config import INPUT_SIZES
from ..data import DataError
from ..evaluate import CHANCE, failed_run
from ..files import check_writable
from .protocol import check_result_files, read
from .reproduce import BUDGETS, DATASETS
from . import predictors
from .stats import Family, compare_seeds, in_words, mean_std

ROW_LABELS = {"bp-pairwise": "Backprop pairwise", "bp-label": "Backprop label", "ff-layer": "FF, Layer",
              "ff-network": "FF, Network", "cff-prev-layer": "CFF gamma(<t), Layer",
              "cff-prev-network": "CFF gamma(<t), Network", "cff-all-network": "CFF gamma, Network"}
SAME_SCHEDULE = [("ff-network", "cff-all-network"), ("ff-network", "cff-prev-network"), ("ff-layer", "cff-prev-layer")]


def load_group(group, names=tuple(ROW_LABELS)):
    """{row: {"tune": [records], "seeds": [records by seed]}} of one study folder (rows among `names`)."""
    rows = {}
    for row in names:
        tune = [read(p, ("config",)) for p in sorted((group / row / "tune").glob("*.json"))]
        seeds = [read(p, ("config",)) for p in sorted((group / row).glob("seed*.json"))]
        if tune or seeds:
            rows[row] = {"tune": tune, "seeds": sorted(seeds, key=lambda r: r["config"]["seed"])}
    return rows


TABLES = (*BUDGETS, "long-tuned")     # the reproduction's tables: a budget, or the long budget tuned at it


def load(out):
    """{(dataset, budget): load_group(OUT/<dataset>-<budget>)} for every table study found (TABLES)."""
    found = {}
    for dataset in DATASETS:
        for budget in TABLES:
            rows = load_group(Path(out) / f"{dataset}-{budget}")
            if rows:
                found[(dataset, budget)] = rows
    return found


def last_activity(record):
    """(goodness of the last layer, silent share of each layer) after the last epoch, positive pairs;
    (None, None) for a run made before the activity was recorded."""
    activity = (record.get("history") or [{}])[-1].get("activity")     # a diverged run has no history
    return (activity["goodness"][-1], activity["silent"]) if activity else (None, None)


def split_failed(seeds):
    """(the runs that count, the number that failed)."""
    good = [r for r in seeds if not failed_run(r)]
    return good, len(seeds) - len(good)


def budget(runs):
    """'784-1000-1000-1000, 100 epochs on 50000 training images', read from the runs' own records."""
    if not runs:
        return "no run yet"
    cfg = runs[0]["config"]
    sizes = "-".join(map(str, [INPUT_SIZES[cfg["dataset"]], *cfg["hidden"]]))
    return f"{sizes}, {cfg['epochs']} epochs on {runs[0]['train_size']} training images"


def marginals(record):
    """Marginal contribution (points) of each layer: error of 1..k-1 minus error of 1..k."""
    prefix = record["prefix_test_error"]
    return [p - e for p, e in zip([CHANCE] + prefix[:-1], prefix)]


def tuning_count(n):
    """What a row without seed runs shows in a table: 'no seeds yet (n tuning runs)'."""
    return f"no seeds yet ({n} tuning run{'' if n == 1 else 's'})"


def fmt(values, digits=2, unit=""):
    if not values:
        return "-"
    m, s = mean_std(values)
    return f"{m:.{digits}f} ± {s:.{digits}f}{unit}" if len(values) > 1 else f"{m:.{digits}f}{unit} (1 seed)"


def fmt_runs(seeds, key="test_error", unit=""):
    """fmt over the seeds that did not fail, and how many failed: '2.31 ± 0.05 (1 of 3 seeds failed)'."""
    good = [r[key] for r in seeds if not failed_run(r)]
    lost = len(seeds) - len(good)
    return fmt(good, unit=unit) + (f" ({lost} of {len(seeds)} seeds failed)" if lost else "")


def by_predictor(record, predict):
    """A seed run's test error (%) by a predictor (predictors.py), or None if not stored."""
    return predictors.test_error(record, predict)


def choice(rows, row, reused=None):
    """(predictor, {candidate: validation error}) of `row` by the rule of predictors.choose; reused: the
    rows whose tuning a row without its own reuses (the course budget's, for the long budget)."""
    tune = rows[row]["tune"] or (reused or {}).get(row, {}).get("tune", [])
    return predictors.choose(tune, rows[row]["seeds"])


def predictor_note(choices):
    """A sentence on the predictors chosen; choices: {row label: choice()}."""
    if not choices:
        return ""
    by = {}
    for label, (predict, _) in choices.items():
        by.setdefault(predictors.TEXT.get(predict, predict), []).append(label)
    measured = {}
    for label, (_, table) in choices.items():
        measured.setdefault(" and ".join(predictors.TEXT.get(p, p) for p in table) or "none", []).append(label)
    chosen = f"{next(iter(by))} for every row ({len(choices)})" if len(by) == 1 else \
        "; ".join(f"{p} for {', '.join(labels)}" for p, labels in by.items())
    return ("Predictor, chosen on validation by one rule for every row (`predictors.choose`): "
            + chosen + ". Measured on validation "
            "at the chosen setting: " + "; ".join(f"{m} ({len(labels)} row{'s' if len(labels) > 1 else ''})"
                                                  for m, labels in measured.items()) + ".")


def budget_tag(budget):
    """The key's tag of a table's comparisons (compare): the long budget tuned at it may choose the course
    budget's setting, and then its rows have the long budget's configurations, trained again."""
    return "long-tuned" if budget == "long-tuned" else None


def compare(seeds_a, seeds_b, y_test, family, predict=None, label=None, tag=None):
    """The call on two rows (stats.compare_seeds, judged by `family`) over the seeds both have
    that did not fail, or None (fewer than 2). A seed that failed in either row (evaluate.failed_run)
    is left out and makes the comparison unstable.
    predict: None, each row by the predictor it was trained with; a name (predictors.py), both rows by
    it; or (predictor of A, predictor of B), each row by its own choice (predictors.choose). Where a
    run did not keep its per-image predictions by that predictor, the interval resamples seeds only
    (no McNemar). label: the comparison's name in the family's saved list (save_family). tag: a name put
    before the key, for rows whose configurations another study's rows share (runs trained again)."""
    pa, pb = (None, None) if predict is None else (predict, predict) if isinstance(predict, str) else predict

    def error(r, p):
        return r["test_error"] if p is None else predictors.test_error(r, p)
    sa = {r["config"]["seed"]: r for r in seeds_a if error(r, pa) is not None}
    sb = {r["config"]["seed"]: r for r in seeds_b if error(r, pb) is not None}
    common = sorted(set(sa) & set(sb))
    failed = tuple(sum(failed_run(runs[s]) for s in common) for runs in (sa, sb))
    if len(common) < 2:
        return None
    common = [s for s in common if not failed_run(sa[s]) and not failed_run(sb[s])]
    truth = np.tile(y_test, len(common))
    pred_a, pred_b = ([predictors.test_predictions(runs[s], p or predictors.own(runs[s])) for s in common]
                      for runs, p in ((sa, pa), (sb, pb)))
    with_images = common and all(x is not None for x in pred_a + pred_b)
    right_a, right_b = ((np.concatenate(x) == truth) if with_images else None for x in (pred_a, pred_b))
    v = compare_seeds([error(sa[s], pa) for s in common], [error(sb[s], pb) for s in common], right_a, right_b,
                      failed)
    judged = family.judge(comparison_key(seeds_a, seeds_b, (pa, pb), tag), v, label)
    return {**judged, "cpus": [cpus([runs[s] for s in common]) for runs in (sa, sb)]}     # for cpu_note


def cpus(runs):
    """The CPUs the runs recorded, sorted; 'not recorded' for a file older than the record (runner.machine)."""
    return sorted({(r.get("machine") or {}).get("cpu", "not recorded") for r in runs})


def cpu_note(v):
    """' [CPUs differ: A; B]' where the runs a comparison pairs ran on more than one CPU (a file that did not
    record its CPU counts as one more), else ''. Machine changes alone move a seed's error by a median 0.07
    points (results/reproduction/RERUN.md). A comparison whose runs all lack the record is not marked."""
    found = sorted(set().union(*v.get("cpus", [])))
    return f" [CPUs differ: {'; '.join(found)}]" if len(found) > 1 else ""


def comparison_key(seeds_a, seeds_b, predict=(None, None), tag=None):
    """Which two rows are compared: their configurations, the seed left out (a copied run is the same row),
    each followed by ' by PREDICTOR' where it is read by another predictor than its own; led by `tag` if given
    (budget_tag: two budgets whose rows share configurations)."""
    def row(seeds, p):
        key = json.dumps({k: v for k, v in seeds[0]["config"].items() if k != "seed"}, sort_keys=True)
        return key if p is None or p == predictors.own(seeds[0]) else f"{key} by {p}"
    key = (row(seeds_a, predict[0]), row(seeds_b, predict[1]))
    return key if tag is None else (tag, *key)


def two_passes(build, family=None):
    """build(family) -> result, run twice: once to gather the comparisons, once to call them (stats.Family).
    family: a new Family to use (the caller keeps it, to save it); default a fresh one."""
    family = Family() if family is None else family
    build(family)
    return build(family.close())


SILENT = 0.99    # a layer with at least this share of its units off for every probe pair is called silent
VERDICTS = "verdicts.json"    # a report's family, closed: its corrected p-values by comparison
LISTED = "comparisons.json"    # every comparison a report made, unstable ones too (headline.py reads them)


def save_family(folder, family):
    """Write a report's closed family into its folder: VERDICTS (for report_family) and LISTED
    (every comparison with its label, p and call, for the headline family of headline.py)."""
    (Path(folder) / VERDICTS).write_text(json.dumps(family.saved(), indent=0) + "\n")
    listed = {"family_size": family.size, "comparisons": family.listed()}
    (Path(folder) / LISTED).write_text(json.dumps(listed, indent=1) + "\n")


def report_family(folder):
    """The closed family the report in `folder` saved: another text (a notebook, the demo) then calls
    each comparison as the report did, Holm-corrected over the report's comparisons, not its own few;
    a stable comparison the report did not make raises KeyError."""
    return Family.load(json.loads((Path(folder) / VERDICTS).read_text()))


RULE = ("A difference between two rows is called only when two tests agree. "
        "First, the paired t-test over the seeds, Holm-corrected over the {n}comparisons of this report, "
        "gives p < 0.05. Second, the 95% bootstrap interval of the mean difference (resampling seeds and test "
        "images) lies on one side of 0. Otherwise the verdict is \"no difference shown\". "
        "A failed seed is dead, predicts one class for 90% of the images or more, or guesses "
        "(a one-sided binomial test, evaluate.py); it is left out of every mean. "
        "A comparison with a failed seed, or with seeds spread over more than 5 points, "
        "is \"unstable: no verdict\". McNemar's test on the pooled predictions is shown beside. "
        "It is evidence about these trained networks, not about the methods. "
        "Spreads are sample standard deviations (ddof 1) over seeds. This report's family calls its own detail. "
        "The verdicts README.md states come from the headline family, every FF-against-CFF comparison in "
        "results/ (results/answer/README.md, `python -m ffnumpy.studies.answer`). A call whose runs ran on more "
        "than one CPU says so (\"CPUs differ\"). A change of machine alone moves a seed's error by a median "
        "0.07 points (results/reproduction/RERUN.md). Runs made before December 2026 recorded no CPU; a "
        "comparison of such runs only is not marked.")


def rule(n):
    """RULE for a report of n comparisons (n = 0: a report whose rows cannot be compared yet)."""
    text = RULE.format(n=f"{n} " if n else "")
    return text if n else text + " (This report has no comparison yet.)"


def mcnemar_note(v):
    """'; McNemar on these networks p = 0.003', or '' where there is none (an unstable comparison)."""
    return f"; McNemar on these networks p {p_is(v['mcnemar']['p'])}" if v.get("mcnemar") else ""


def p_text(p):
    """A p-value for a sentence: 0.0085, 3.9e-08, or < 1e-300 where the float underflows."""
    return f"{p:.2g}" if p > 0 else "< 1e-300"


def p_is(p):
    """'= 0.0085' or '< 1e-300': what follows "p " in a sentence."""
    text = p_text(p)
    return text if text.startswith("<") else f"= {text}"


def call_text(v, a, b):
    return in_words(v, f"**{a} lower**", f"**{b} lower**")


def edge(lr, grid):
    """' (edge of the grid)' when the chosen learning rate is the grid's largest or smallest."""
    lrs = [g["lr"] for g in grid]
    return " (edge of the grid)" if lr in (min(lrs), max(lrs)) else ""


def report_command(argv, prog, doc, write, **folders):
    """The command line of a report: a flag per folder (--out, ...), then write(**folders); returns 0."""
    p = argparse.ArgumentParser(prog=prog, description=doc.splitlines()[0])
    for name, default in folders.items():
        p.add_argument(f"--{name}", default=default,
                       help=f"the result files' folder (default {default}, relative to the folder you run it from)")
    p.error = lambda message: p.exit(2, f"{p.prog}: error: {message}\n")      # one line, no usage
    args = vars(p.parse_args(argv))
    for name, folder in args.items():
        if not Path(folder).is_dir():       # a mistyped folder: never write a report of nothing into a new one
            p.error(f"--{name} {folder}: no such folder (run the study first, or name the folder of its files)")
    try:                                    # every file read and the output tried before anything is written
        for folder in args.values():
            check_result_files(folder)
        name, out = next(iter(args.items()))   # the first folder is where the report is written
        check_writable(out, f"--{name}", folder=True)
        print(f"report: {write(**args)}")
    except DataError as err:                # the whole help: sources tried, how to fix
        p.exit(2, f"{p.prog}: error: {err}\n")
    except (ValueError, OSError) as err:
        p.exit(2, f"{p.prog}: error: {str(err).splitlines()[0]}\n")
    return 0

