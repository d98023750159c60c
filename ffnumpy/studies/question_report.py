"""Does collaboration help a strong FF? The question study's section of the recipe report
(results/recipe/README.md, written by hinton_report.write_report), from the result files only.

Each row is Hinton's recipe (Network schedule) with its own learning rate, chosen on validation; FF
predicts by layers 2 and up (the recipe), CFF by all its layers (hinton.QUESTION_ROWS). FF against each
CFF is judged by the reports' rule (runs.rule), by each row's own predictor and then by all layers.
"""
from pathlib import Path

import numpy as np

from ..plots import plot_seed_contributions
from .hinton import QUESTION_GRID, QUESTION_ROWS, QUESTION_SEEDS, TUNE_EPOCHS
from .protocol import EDGE_STEPS
from .runs import budget, by_predictor, compare, edge as edge_of, fmt, load_group, p_text, split_failed
from .stats import evidence, in_words

LABELS = {"ff-network": "FF", "cff-prev-network": "CFF gamma(<t)", "cff-all-network": "CFF gamma"}
PREDICTOR_TEXT = {"skip-first": "layers 2 and up", "all": "all layers"}


def minutes(runs):
    """'84 (41.2 s)': the median over the runs of their training minutes (train_seconds: every epoch,
    across resumed processes) and of their median epoch's seconds, which a pause or a shared core
    during a few epochs moves less than the total."""
    if not runs:
        return "-"
    epoch = np.median([np.median([h["train_seconds"] for h in r["history"]]) for r in runs])
    return f"{np.median([r['train_seconds'] for r in runs]) / 60:.0f} ({epoch:.1f} s)"


def last_layer(record):
    """What the last layer adds (points) by the run's own predictor: the error of its predictor's
    layers without the last one, minus its test error; None where that error was not stored
    (layers 2..L-1 for L > 3 under Hinton's predictor)."""
    predict, L = record["config"]["predict"], len(record["per_layer_test_error"])
    if predict == "all" and L > 1:
        return record["prefix_test_error"][-2] - record["test_error"]
    if predict == "skip-first" and L == 3:
        return record["per_layer_test_error"][1] - record["test_error"]
    return None


def question_rows(out, dataset):
    return load_group(Path(out) / f"{dataset}-question", tuple(QUESTION_ROWS))


def ff_against_cff(rows, y_test, family):
    """[(name, CFF row, v, seeds planned)]: FF against each CFF row by each row's own predictor, then both
    by all layers (runs.compare, called by `family`), for the rows that have seeds."""
    found = []
    for row in ("cff-prev-network", "cff-all-network"):
        if "ff-network" not in rows or row not in rows:
            continue
        ff, cff = rows["ff-network"]["seeds"], rows[row]["seeds"]
        planned = min(len(QUESTION_SEEDS["ff-network"]), len(QUESTION_SEEDS[row]))
        for name, v in ((f"FF vs {LABELS[row]}", compare(ff, cff, y_test, family)),
                        ("the same, both by all layers", compare(ff, cff, y_test, family, predict="all"))):
            if v is not None:
                found.append((name, row, v, planned))
    return found


def question_answer(out, dataset, family, y_test):
    """The question's answer on one dataset in sentences, for a lesson: each row's test error by its own
    predictor, and FF against each CFF called by `family` (the report's, closed: runs.report_family), as
    results/recipe/README.md calls it.   y_test : (10000,) test labels"""
    rows = question_rows(out, dataset)
    lines = []
    for row, label in LABELS.items():
        seeds, n_failed = split_failed(rows.get(row, {}).get("seeds", []))
        if not seeds:
            lines.append(f"{label}: no test seed yet")
            continue
        errors = [r["test_error"] for r in seeds]                 # one seed: its error, no spread
        lines.append(f"{label}: {fmt(errors) if len(errors) > 1 else f'{errors[0]:.2f}'}% by "
                     f"{PREDICTOR_TEXT[seeds[0]['config']['predict']]}, {len(seeds)} of "
                     f"{len(QUESTION_SEEDS[row])} seeds ({n_failed} failed)")
    for name, row, v, planned in ff_against_cff(rows, y_test, family):
        if name.startswith("FF vs"):
            partial = f", provisional: {v['seeds']} of {planned} seeds" if v["seeds"] < planned else ""
            lines.append(f"FF against {LABELS[row]}: {in_words(v, 'FF lower', f'{LABELS[row]} lower')} "
                         f"{evidence(v)[:-1]}{partial})")
    return lines


def question_section(out, dataset, figures, family, y_test):
    """The tuning and seed tables of one dataset, and FF against each CFF (judged by `family`)."""
    rows = question_rows(out, dataset)
    if not rows:
        return []
    lrs = sorted({s["lr"] for s in QUESTION_GRID} | {r["config"]["lr"] for row in rows.values() for r in row["tune"]})
    grid = ", ".join(f"{setting['lr']:g}" for setting in QUESTION_GRID)
    lines = [f"## {dataset}: does collaboration help a strong FF? (`python -m ffnumpy.studies.hinton question "
             f"--dataset {dataset}`)", "",
             f"Every row is the recipe (Network schedule) with its own learning rate, chosen on validation "
             f"(seed 0) from {grid} (0.5, 1 and 2 times the "
             f"recipe's; halved or doubled past an edge, at most {EDGE_STEPS} times) with the "
             f"recipe cut to {TUNE_EPOCHS} epochs; then on test, every row at the same budget: "
             f"{budget([r for row in rows.values() for r in row['seeds']])}.", "",
             "Each row predicts as its method does (`hinton.QUESTION_ROWS`): FF by the goodness of layers 2 and "
             "up (Hinton's recipe), CFF by the goodness of all layers (the paper's; a CFF layer is trained on "
             "its goodness plus the others'). The next column gives each row by the other predictor, and the "
             "last layer's contribution is measured by the row's own predictor.", "",
             "| row | validation (%) at " + ", ".join(f"{lr:g}" for lr in lrs) + " | chosen lr | test error (%) "
             "| by the other predictor (%) | readout (%) | seeds (failed) | last layer's contribution (points) "
             "| training minutes per run (s per epoch) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for row, label in LABELS.items():
        if row not in rows:
            continue
        tune = {r["config"]["lr"]: r["validation_error"] for r in rows[row]["tune"]}
        seeds, n_failed = split_failed(rows[row]["seeds"])
        chosen = seeds[0]["config"]["lr"] if seeds else None
        tried = [r["config"] for r in rows[row]["tune"]]
        edge = " (edge)" if chosen and tried and edge_of(chosen, tried) else ""
        last = [v for v in (last_layer(r) for r in seeds) if v is not None]
        hurts = " (below 0 in every seed)" if len(last) >= 2 and max(last) < 0 else ""
        runs = seeds or rows[row]["tune"]              # before its seeds, the row's tuning runs say how it predicts
        own = runs[0]["config"]["predict"] if runs else "all"
        other = "all" if own == "skip-first" else "skip-first"
        others = [v for v in (by_predictor(r, other) for r in seeds) if v is not None]
        lines.append(f"| {label} | " + ", ".join(f"{tune[lr]:.2f}" if lr in tune else "-" for lr in lrs) +
                     f" | {f'{chosen:g}{edge}' if chosen else '-'} | {fmt([r['test_error'] for r in seeds])} "
                     f"({PREDICTOR_TEXT[own]}) | {fmt(others)} ({PREDICTOR_TEXT[other]}"
                     f"{'' if len(others) == len(seeds) else f', {len(others)} seeds'}) | "
                     f"{fmt([r['readout_test_error'] for r in seeds])} | "
                     f"{len(seeds)} of {len(QUESTION_SEEDS[row])} ({n_failed}) | "
                     f"{fmt(last) if last else '-'}{hurts} | {minutes(seeds)} |")
    lines += ["", "Training minutes are the median over the seeds of each run's time in its epochs: a run that "
              "shared the cores with other work, or was paused for it, took longer. The seconds per epoch (the "
              "median epoch of each run, median over the seeds) are the fairer measure of speed.", ""]
    verdicts = []
    for name, row, v, planned in ff_against_cff(rows, y_test, family):
        partial = f" (provisional: {v['seeds']} of {planned} seeds)" if v["seeds"] < planned else ""
        if "paired_t" not in v:
            verdicts.append(f"| {name} | {v['seeds']} | | | | | | unstable: no verdict{partial} {evidence(v)} |")
            continue
        t, (low, high), m = v["paired_t"], v["ci"], v["mcnemar"]
        corrected = "-" if v["unstable"] else f"{v['corrected_p']:.3f}"
        verdicts.append(f"| {name} | {v['seeds']} | {t['mean_diff']:+.2f} | {low:+.2f} to "
                        f"{high:+.2f} | {t['p']:.3f} | {corrected} | {p_text(m['p']) if m else '-'} | "
                        f"{in_words(v, '**FF lower**', f'**{LABELS[row]} lower**')}{partial} "
                        f"{evidence(v) if v['unstable'] else ''} |")
    if verdicts:
        lines += ["FF against each CFF (FF minus CFF, each by its own predictor, over the seeds both have that did "
                  "not fail; then both by all layers, the paper's predictor, over seeds only):", "",
                  "| comparison | seeds | FF - CFF (points) | 95% CI | paired t p | corrected p (Holm) "
                  "| McNemar p (these networks) | verdict |", "|---|---|---|---|---|---|---|---|"] + verdicts + [""]
    groups = {LABELS[row]: split_failed(rows[row]["seeds"])[0] for row in LABELS if rows.get(row, {}).get("seeds")}
    if groups:
        name = f"{dataset}-question-layers.png"
        plot_seed_contributions(groups, Path(out) / name,
                                title=f"{dataset}, Hinton's recipe: each layer alone, and what each later layer adds")
        figures.append(name)
        lines += [f"![layers]({name})", ""]
    return lines
