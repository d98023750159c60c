"""Does collaboration help a strong FF? The question study's section of the recipe report
(results/recipe/README.md, written by hinton_report.write_report), from the result files only.

Each row is Hinton's recipe (Network schedule) with its own learning rate, chosen on validation. Each
row is then read by the predictor its tuning run chose on validation (predictors.py: all layers,
layers 2 and up, or the readout; the same rule for FF and CFF), and FF against each CFF is judged by
the reports' rule (runs.rule) three ways: each row by its choice, both by all layers, both by layers
2 and up.
"""
from pathlib import Path

import numpy as np

from ..plots import plot_seed_contributions
from . import predictors
from .hinton import QUESTION_GRID, QUESTION_ROWS, QUESTION_SEEDS, TUNE_EPOCHS
from .protocol import EDGE_STEPS
from .runs import budget, compare, edge as edge_of, fmt, load_group, p_text, split_failed
from .stats import evidence, in_words

LABELS = {"ff-network": "FF", "cff-prev-network": "CFF gamma(<t)", "cff-all-network": "CFF gamma"}
PREDICTOR_TEXT = predictors.TEXT
MATCHED = ("all", "skip-first")           # the predictors both rows are also read by, side by side


def minutes(runs):
    """'84 (41-96)': the median training minutes of the runs (train_seconds: every epoch, across resumed
    processes) and their range; a run that shared the cores with other work, or paused, took longer."""
    if not runs:
        return "-"
    m = [r["train_seconds"] / 60 for r in runs]
    return f"{np.median(m):.0f} ({min(m):.0f}-{max(m):.0f})"


def epoch_seconds(runs):
    """'28.7': the median over the runs of each run's median epoch (s), which a pause moves less than the total."""
    if not runs:
        return "-"
    return f"{np.median([np.median([h['train_seconds'] for h in r['history']]) for r in runs]):.1f}"


def last_layer(record, predictor=None):
    """What the last layer adds (points) by `predictor` (default: the run's own): the error of that
    predictor's layers without the last one, minus its error with it; None where not stored
    (layers 2..L-1 for L > 3 under layers 2 and up; the readout reads every layer at once)."""
    predict = predictor or predictors.own(record)
    L, error = len(record["per_layer_test_error"]), predictors.test_error(record, predict)
    if error is None:
        return None
    if predict == "all" and L > 1:
        return record["prefix_test_error"][-2] - error
    if predict == "skip-first" and L == 3:
        return record["per_layer_test_error"][1] - error
    return None


def question_rows(out, dataset):
    return load_group(Path(out) / f"{dataset}-question", tuple(QUESTION_ROWS))


def chosen(rows, row):
    """(predictor, {candidate: validation error at the chosen setting}) of one row (predictors.choose)."""
    return predictors.choose(rows[row]["tune"], rows[row]["seeds"])


def ways(rows, row):
    """[(name, predict)]: FF against `row` by each row's choice, then both by each of MATCHED (a matched
    reading equal to the choices is not repeated)."""
    pair = (chosen(rows, "ff-network")[0], chosen(rows, row)[0])
    found = [(f"FF vs {LABELS[row]}, each by its choice ({PREDICTOR_TEXT[pair[0]]}; {PREDICTOR_TEXT[pair[1]]})",
              pair)]
    return found + [(f"the same, both by {PREDICTOR_TEXT[p]}", (p, p)) for p in MATCHED if (p, p) != pair]


def ff_against_cff(rows, y_test, family, dataset=""):
    """[(name, CFF row, v or None, seeds planned)]: FF against each CFF row three ways (ways), called by
    `family`; v is None where the rows have fewer than 2 seeds in common (not yet measured)."""
    found = []
    for row in ("cff-prev-network", "cff-all-network"):
        if not rows.get("ff-network", {}).get("seeds") or not rows.get(row, {}).get("seeds"):
            continue
        ff, cff = rows["ff-network"]["seeds"], rows[row]["seeds"]
        planned = min(len(QUESTION_SEEDS["ff-network"]), len(QUESTION_SEEDS[row]))
        for name, predict in ways(rows, row):
            how = name.split(", ", 1)[1] if name.startswith("FF vs") else name[len("the same, "):]
            label = f"recipe, {dataset}: FF vs {LABELS[row]}, {how}"
            found.append((name, row, compare(ff, cff, y_test, family, predict=predict, label=label), planned))
    return found


def seeds_text(runs):
    return ", ".join(str(r["config"]["seed"]) for r in runs) or "none"


def question_answer(out, dataset, family, y_test):
    """The question's answer on one dataset in sentences, for a lesson: each row's test error by its
    chosen predictor, and FF against each CFF by each row's choice, called by `family` (the report's,
    closed: runs.report_family), as results/recipe/README.md calls it.   y_test : (10000,) test labels"""
    rows = question_rows(out, dataset)
    lines = []
    for row, label in LABELS.items():
        seeds, n_failed = split_failed(rows.get(row, {}).get("seeds", []))
        if not seeds:
            lines.append(f"{label}: no test seed yet")
            continue
        predict = chosen(rows, row)[0]
        errors = [predictors.test_error(r, predict) for r in seeds]
        lines.append(f"{label}: {fmt(errors) if len(errors) > 1 else f'{errors[0]:.2f}'}% by "
                     f"{PREDICTOR_TEXT[predict]}, {len(seeds)} of {len(QUESTION_SEEDS[row])} seeds ({n_failed} failed)")
    for name, row, v, planned in ff_against_cff(rows, y_test, family, dataset):
        if name.startswith("FF vs"):
            if v is None:
                lines.append(f"FF against {LABELS[row]}: not yet measured (fewer than 2 seeds in common)")
                continue
            partial = f", provisional: {v['seeds']} of {planned} seeds" if v["seeds"] < planned else ""
            lines.append(f"FF against {LABELS[row]}: {in_words(v, 'FF lower', f'{LABELS[row]} lower')} "
                         f"{evidence(v)[:-1]}{partial})")
    return lines


def row_line(rows, row, lrs):
    """One row of the question table (question_section)."""
    tune = {r["config"]["lr"]: r["validation_error"] for r in rows[row]["tune"]}
    seeds, n_failed = split_failed(rows[row]["seeds"])
    lr = seeds[0]["config"]["lr"] if seeds else None
    tried = [r["config"] for r in rows[row]["tune"]]
    edge = " (edge)" if lr and tried and edge_of(lr, tried) else ""
    predict, table = chosen(rows, row)
    runs = seeds or rows[row]["tune"]              # before its seeds, the row's tuning runs say how it predicts
    own = predictors.own(runs[0]) if runs else "all"
    at = " / ".join(f"{table[p]:.2f}" if p in table else "-" for p in predictors.CANDIDATES)

    def test(p):
        found = [e for e in (predictors.test_error(r, p) for r in seeds) if e is not None]
        return fmt(found) + ("" if len(found) == len(seeds) else f" ({len(found)} seeds)")
    last = {p: [v for v in (last_layer(r, p) for r in seeds) if v is not None] for p in MATCHED}
    return (f"| {LABELS[row]} | " + ", ".join(f"{tune[x]:.2f}" if x in tune else "-" for x in lrs) +
            f" | {f'{lr:g}{edge}' if lr else '-'} | {PREDICTOR_TEXT[own]} | {at} | "
            f"**{PREDICTOR_TEXT[predict] if table else '-'}** | **{test(predict) if table else '-'}** | "
            + " | ".join(test(p) for p in predictors.CANDIDATES) +
            f" | {len(seeds)} of {len(QUESTION_SEEDS[row])} ({n_failed}) | "
            + " / ".join(fmt(last[p]) if last[p] else "-" for p in MATCHED) +
            f" | {minutes(seeds)} | {epoch_seconds(seeds)} |")


def question_section(out, dataset, figures, family, y_test):
    """The tuning and seed tables of one dataset, and FF against each CFF (judged by `family`)."""
    rows = question_rows(out, dataset)
    if not rows:
        return []
    lrs = sorted({s["lr"] for s in QUESTION_GRID} | {r["config"]["lr"] for row in rows.values() for r in row["tune"]})
    grid = ", ".join(f"{setting['lr']:g}" for setting in QUESTION_GRID)
    lines = [f"## {dataset}: does collaboration help a strong FF? (`python -m ffnumpy.studies.hinton question "
             f"--dataset {dataset}`)", "",
             f"Every row is the recipe (Network schedule) with its own learning rate. It is chosen on validation "
             f"(seed 0) from {grid}, 0.5, 1 and 2 times the recipe's, with the recipe cut to {TUNE_EPOCHS} "
             f"epochs. Past an edge the rate is halved or doubled, at most {EDGE_STEPS} times. Then every row "
             f"runs on test at the same budget: {budget([r for row in rows.values() for r in row['seeds']])}.", "",
             "Each row is trained with a predictor (`hinton.QUESTION_ROWS`: FF the recipe's layers 2 and up, CFF "
             "all layers), and every run measures all of them. The predictor a row is read by is chosen on "
             "validation, by one rule for every row (`predictors.choose`): the lowest validation error at the "
             "chosen learning rate, among all layers, layers 2 and up and the readout. The test set is read "
             "once, by that predictor (in bold); the other columns give every predictor.", "",
             "| row | validation (%) at " + ", ".join(f"{lr:g}" for lr in lrs) + " | chosen lr | trained with "
             "| validation at it (%): all layers / layers 2 and up / readout | predictor chosen | test error (%) "
             "| test: all layers | test: layers 2 and up | test: readout | seeds (failed) "
             "| last layer's contribution (points): all layers / layers 2 and up "
             "| training minutes per run: median (range) | s per epoch (median) |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    lines += [row_line(rows, row, lrs) for row in LABELS if row in rows]
    cpus = {LABELS[row]: sorted({r.get("machine", {}).get("cpu", "not recorded") for r in rows[row]["seeds"]})
            for row in LABELS if rows.get(row, {}).get("seeds")}
    lines += ["", "Training minutes are each run's time in its epochs: median and range over the row's seeds. A "
              "run that shared the cores with other work, or was paused for it, took longer; the seconds per "
              "epoch (each run's median epoch, median over the seeds) move less. The CPUs the seed runs recorded: "
              + "; ".join(f"{label}: {', '.join(found)}" for label, found in cpus.items()) + ".", ""]
    verdicts = []
    for name, row, v, planned in ff_against_cff(rows, y_test, family, dataset):
        if v is None:
            verdicts.append(f"| {name} | 0 | | | | | | not yet measured: FF has seeds "
                            f"{seeds_text(rows['ff-network']['seeds'])}, {LABELS[row]} "
                            f"{seeds_text(rows[row]['seeds'])} |")
            continue
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
        lines += ["FF against each CFF (FF minus CFF over the seeds both have that did not fail): each row by "
                  "the predictor it chose on validation, then both rows by all layers and both by layers 2 and up. "
                  "The interval resamples seeds and test images; where a run kept no per-image predictions by a "
                  "predictor, seeds only (no McNemar):", "",
                  "| comparison | seeds | FF - CFF (points) | 95% CI | paired t p | corrected p (Holm, this report) "
                  "| McNemar p (these networks) | verdict |", "|---|---|---|---|---|---|---|---|"] + verdicts + [""]
    groups = {LABELS[row]: split_failed(rows[row]["seeds"])[0] for row in LABELS if rows.get(row, {}).get("seeds")}
    if groups:
        name = f"{dataset}-question-layers.png"
        plot_seed_contributions(groups, Path(out) / name,
                                title=f"{dataset}, Hinton's recipe: each layer alone, and what each later layer adds")
        figures.append(name)
        lines += [f"![layers]({name})", ""]
    return lines
