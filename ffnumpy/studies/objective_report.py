"""The entropy objective's section of results/experiments/README.md (issue 23), from the result files.

Each reading of "maximise Ent = E[h log(h / E h)]" (experiments.READINGS, derived in losses.py and
entropy.py), as stated and with the goodness penalty (experiments.OBJECTIVE_VARIANTS), is a row for FF
and for CFF gamma, tuned on validation like every row, then run with 3 seeds
on test at the course budget; the logistic rows of the reproduction, same budget and protocol, are the
comparison. Where a reading falls short, the curves show why: the training error per epoch, the mean
goodness of the positive pairs per epoch (does it grow without bound?) and the share of the last layer's
silent units; the table gives the last layer's goodness and every layer's silent share at the end, and
holdback_lines reads, for each method's best reading, its silent layers, its goodness growth, the tuned
rates that keep its layers alive and its cost against the logistic row.
"""
from pathlib import Path

import numpy as np

from ..evaluate import failed_run
from ..plots import plot_objective
from .experiments import OBJECTIVE_ROWS, OBJECTIVE_VARIANTS, PENALTY, READINGS, objective_study
from .peer_report import peer_lines
from .protocol import study_settings
from .reproduce import SEEDS
from .runs import (ROW_LABELS, SILENT, choice, compare, cpu_note, edge, fmt, fmt_runs, last_activity, load_group,
                   mcnemar_note, predictor_note, tuning_count)
from .stats import evidence, in_words

# the paper's section 5: its entropy objective on Fashion-MNIST, against its logistic CFF row (12.0%)
PAPER_CFF = 12.9
TARGET_CFF, TARGET_FF_GAP = 13.0, 1.0   # issue 23: CFF gamma <= 13.0%, FF within 1 point of its logistic row
ROWS_PER_IMAGE = {"entropy-labels": 10}   # pairs an image costs per step (xy's rows); every other reading: 2
READING_TEXT = {"entropy": "1 pair: per image, the entropy per unit goodness of its positive and one negative pair",
                "entropy-labels": "2 labels: per image over all ten labels, the mass of q(y | x) on the true label",
                "entropy-batch": "3 batch: the entropy per unit goodness of the positive pairs minus the "
                                 "negative ones'. It is scale-free in each group but for the floor eps. It rewards "
                                 "large, uneven goodness on the positives and even goodness on the negatives. "
                                 "Nothing in it asks an image's positive pair to beat its negative one"}
READING_TEXT.update({f"{r}-penalty": f"{READING_TEXT[r].split(':')[0]}, with {PENALTY:g} mean(g) / M added to each "
                     "layer's loss (entropy.goodness_penalty): nothing in the three losses bounds the goodness; this "
                     "does" for r in READINGS})


def activity_cell(seeds):
    """'g_L 4.1e+03; silent 0.00, 0.12, 0.31': means over the seeds that did not fail and recorded it, or '-'."""
    found = [last_activity(r) for r in seeds if not failed_run(r)]
    found = [f for f in found if f[0] is not None]
    if not found:
        return "-"
    silent = np.mean([f[1] for f in found], axis=0)
    return f"g_L {np.mean([f[0] for f in found]):.3g}; silent {', '.join(f'{s:.2f}' for s in silent)}"


def objective_section(out, reproduction, dataset, y_test, family):
    """The readings' table, their comparisons with the logistic rows, the target's verdict and a figure."""
    runs = load_group(Path(out) / "objective" / f"{dataset}-course", tuple(OBJECTIVE_ROWS))
    if not runs:
        return []
    logistic = load_group(Path(reproduction) / f"{dataset}-course")
    study = objective_study(dataset)
    lines = [f"### {dataset}: the entropy objective, three readings, with and without a bound", "",
             f"`python -m ffnumpy.studies.experiments objective --dataset {dataset}`: FF and CFF gamma (Network "
             f"schedule, course budget) under each reading, each tuned on validation over learning rates "
             f"{', '.join(format(s['lr'], 'g') for s in study.grid)} and past an edge, then seeds "
             f"{', '.join(map(str, SEEDS))} on test. Each row predicts by the score its objective trains "
             f"(`experiments.OBJECTIVE_PREDICT`): FF by the sum over layers of log(g_i + eps_i), CFF gamma by "
             f"the summed goodness. The readings:", ""]
    variants = [v for v in OBJECTIVE_VARIANTS if f"ff-network-{v}" in study.rows]
    lines += [f"- `{r}`: {READING_TEXT[r]}" for r in variants]
    if len(variants) < len(OBJECTIVE_VARIANTS):
        lines += ["", "The goodness-penalty twins run on Fashion-MNIST only, the dataset of the paper's entropy "
                      "claim and of the study's targets (`experiments.PENALTY_DATASETS`)."]
    lines += ["", "| reading | FF error (%) | lr | FF against logistic FF | CFF gamma error (%) | lr "
                  "| CFF against logistic CFF | last epoch, FF: last layer's goodness; silent units per layer "
                  "| the same, CFF |", "|---|---|---|---|---|---|---|---|---|"]
    for reading in variants:
        cells = [f"`{reading}`"]
        for base in ("ff-network", "cff-all-network"):
            row = f"{base}-{reading}"
            seeds = runs.get(row, {}).get("seeds", [])
            tune = runs.get(row, {}).get("tune", [])
            if not seeds:
                cells += [tuning_count(len(tune)) if tune else "not run", "-", "-"]
                continue
            lr = seeds[0]["config"]["lr"]
            tried = study_settings(Path(out), study, row)
            predict = (choice(logistic, base)[0] if logistic.get(base, {}).get("seeds") else None, choice(runs, row)[0])
            v = compare(logistic.get(base, {}).get("seeds", []), seeds, y_test, family, predict)
            call = (f"{in_words(v, 'logistic lower', 'entropy lower')} {evidence(v)}{mcnemar_note(v)}{cpu_note(v)}"
                    if v else "-")
            cells += [fmt_runs(seeds), f"{lr:g}{edge(lr, tried)}", call]
        cells += [activity_cell(runs.get(f"{b}-{reading}", {}).get("seeds", []))
                  for b in ("ff-network", "cff-all-network")]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", predictor_note({f"`{row}`": choice(runs, row) for row in runs if runs[row]["seeds"]}) +
              " Candidates: all layers, layers 2 and up, the readout, and the score the row's objective trains."]
    ff_logistic, cff_logistic = ([r["test_error"] for r in logistic.get(b, {}).get("seeds", []) if not failed_run(r)]
                                 for b in ("ff-network", "cff-all-network"))
    lines += ["", f"The logistic rows (results/reproduction): FF {fmt(ff_logistic)}%, CFF gamma {fmt(cff_logistic)}%. "
              "A call needs both the Holm-corrected p below 0.05 and the bootstrap interval (not corrected) on one "
              "side of 0: an interval that excludes 0 with a larger corrected p is \"no difference shown\"."]
    means = reading_means(runs)
    lines += target_lines(dataset, means, ff_logistic)
    lines += holdback_lines(runs, logistic, means)
    lines += peer_lines(out, dataset, runs, y_test, family)
    name = f"objective_{dataset}.png"
    if not any(runs.get(row, {}).get("seeds") for row in OBJECTIVE_ROWS):
        return lines + [""]                       # tuning only: no seed run to draw yet
    drawn = {row: [r for r in runs.get(row, {}).get("seeds", []) if not failed_run(r)] for row in OBJECTIVE_ROWS}
    plot_objective({(ROW_LABELS[b].split(",")[0], reading): drawn[f"{b}-{reading}"]
                    for reading in OBJECTIVE_VARIANTS for b in ("ff-network", "cff-all-network")},
                   Path(out) / name, title=f"{dataset}: the entropy objective, seed runs (failed runs left out)")
    return lines + ["", f"![the entropy objective]({name})", ""]


def reading_means(runs):
    """{row: (test mean, validation mean)} over its seeds, only for the rows whose every seed ran and none
    failed (a reading still running, or failing, is no choice).   runs : load_group() of the study"""
    means = {}
    for row, found in runs.items():
        good = [r for r in found["seeds"] if not failed_run(r)]
        if len(good) == len(SEEDS):
            means[row] = tuple(float(np.mean([r[k] for r in good])) for k in ("test_error", "validation_error"))
    return means


def best_reading(means, base):
    """The row of `base` ("ff-network" or "cff-all-network") with the lowest validation mean (test never
    chooses), or None.   means : reading_means()"""
    found = [r for r in means if r.startswith(base + "-")]
    return min(found, key=lambda r: means[r][1]) if found else None


def target_lines(dataset, means, ff_logistic):
    """Issue 23's target on Fashion-MNIST, met or missed. means : {row: (test mean, validation mean)}
    over its seeds, only for rows whose every seed ran and none failed; the best reading of each
    method is the one with the lowest validation mean (test never chooses), reported on test, with
    how many readings it was chosen among (while the study runs, fewer than all)."""
    if dataset != "fashion-mnist" or not means:
        return []
    lines = [""]
    for base, what in (("cff-all-network", f"CFF gamma <= {TARGET_CFF}% (the paper: {PAPER_CFF}%)"),
                       ("ff-network", f"FF within {TARGET_FF_GAP:g} point of logistic FF")):
        best = best_reading(means, base)
        if best is None or (base == "ff-network" and not ff_logistic):
            continue
        test = means[best][0]
        if base == "cff-all-network":
            result = f"{test:.2f}% on test: {'met' if test <= TARGET_CFF else 'missed'}"
        else:
            gap = test - float(np.mean(ff_logistic))
            result = f"{gap:+.2f} points on test: {'met' if gap <= TARGET_FF_GAP else 'missed'}"
        bound = " (with the goodness penalty: the paper's objective plus a bound)" if best.endswith("-penalty") else ""
        total = sum(r.startswith(base + "-") for r in OBJECTIVE_ROWS)
        chosen = sum(r.startswith(base + "-") for r in means)
        among = f"of the {chosen} of {total} readings with every seed run and none failed, "
        lines.append(f"- Target {what}: the reading with the lowest validation error {among}"
                     f"is `{best.split('network-')[1]}`{bound}. It gives {result} ({len(SEEDS)} seeds).")
    return lines


def layer_names(numbers):
    """'layer 1' or 'layers 2, 3'.   numbers : layer numbers, from 1"""
    return f"layer{'s' if len(numbers) > 1 else ''} {', '.join(map(str, numbers))}"


def holdback_lines(runs, logistic, means):
    """What holds each method's best reading back, read from its files: the silent layers and units at
    the last epoch, how far the goodness grew, which tuned rates keep every layer alive, and what a run
    costs against its logistic row. runs, logistic : load_group() of the study and of the reproduction;
    means : {row: (test mean, validation mean)} as in target_lines (the best is chosen on validation)."""
    lines = []
    for base, method in (("ff-network", "FF"), ("cff-all-network", "CFF gamma")):
        best = best_reading(means, base)
        if best is None:
            continue
        seeds = [r for r in runs[best]["seeds"] if not failed_run(r)]
        if not all(h.get("activity") for r in seeds for h in r["history"]):
            continue                                              # made before the activity was recorded
        silent = np.array([r["history"][-1]["activity"]["silent"] for r in seeds])       # (seeds, L)
        grown = np.array([r["history"][-1]["activity"]["goodness"] for r in seeds]).mean(axis=0)
        first = np.array([r["history"][0]["activity"]["goodness"] for r in seeds]).mean(axis=0)
        dead = [i + 1 for i in range(silent.shape[1]) if silent[:, i].min() >= SILENT]
        alive = [i for i in range(silent.shape[1]) if i + 1 not in dead]
        text = (f"- {method}, `{best.split('network-')[1]}`: at the last epoch "
                f"{', '.join(f'{s:.2f}' for s in silent.mean(axis=0))} of each layer's units are silent on "
                f"positive pairs (mean over {len(seeds)} seeds)")
        if dead:
            text += (f"; {layer_names(dead)} end{'' if len(dead) > 1 else 's'} silent in every seed, so the network "
                     f"scores with {layer_names([i + 1 for i in alive])} alone")
        text += (". The goodness of the positive pairs went from "
                 f"{', '.join(f'{first[i]:.3g}' for i in alive)} after epoch 1 to "
                 f"{', '.join(f'{grown[i]:.3g}' for i in alive)} after epoch {len(seeds[0]['history'])} "
                 f"({layer_names([i + 1 for i in alive])}).")
        if all(r.get("per_layer_test_error") for r in seeds):
            alone = np.mean([r["per_layer_test_error"] for r in seeds], axis=0)
            vote = float(np.mean([r["test_error"] for r in seeds]))
            text += f" Each layer alone on test: {', '.join(f'{e:.2f}' for e in alone)}%"
            theirs = [r["per_layer_test_error"] for r in logistic.get(base, {}).get("seeds", [])
                      if not failed_run(r) and r.get("per_layer_test_error")]
            if theirs:
                text += f" (the logistic row's: {', '.join(f'{e:.2f}' for e in np.mean(theirs, axis=0))}%)"
            text += f"; the row's vote over all layers: {vote:.2f}%"
            best_layer = int(np.argmin(alone))
            if vote > alone[best_layer]:
                text += f", {vote - alone[best_layer]:.2f} points above layer {best_layer + 1} alone"
            text += "."
        if dead:
            tune = [t for t in runs[best]["tune"] if t.get("history") and t["history"][-1].get("activity")]

            def worst(t):                                        # the most silent of the dead layers, at rate t
                return max(t["history"][-1]["activity"]["silent"][i - 1] for i in dead)
            kept = [t for t in tune if worst(t) < 0.5]
            every = f"{'every one of ' if len(dead) > 1 else ''}{layer_names(dead)} under half silent"
            if kept:
                t = min(kept, key=lambda t: t["validation_error"])
                text += (f" Of the {len(tune)} tuned rates, {len(kept)} keep{'s' if len(kept) == 1 else ''} {every}: "
                         f"the best of them, lr {t['config']['lr']:g}, reaches {t['validation_error']:.2f}% on "
                         "validation.")
            elif tune:
                t = min(tune, key=worst)
                shares = ", ".join(f"{t['history'][-1]['activity']['silent'][i - 1]:.2f}" for i in dead)
                text += (f" None of the {len(tune)} tuned rates keeps {every}; the closest, lr {t['config']['lr']:g} "
                         f"(silent {shares}), reaches {t['validation_error']:.2f}% on validation.")
        reading = seeds[0]["config"]["objective"]
        paid = [r["train_seconds"] for r in seeds]
        cheap = [r["train_seconds"] for r in logistic.get(base, {}).get("seeds", []) if not failed_run(r)]
        if cheap:
            text += (f" Each image costs {ROWS_PER_IMAGE.get(reading, 2)} pairs a step against the logistic row's 2, "
                     f"at the same {seeds[0]['config']['epochs']} epochs: {np.median(paid):.0f} s a run "
                     f"against {np.median(cheap):.0f} s (medians).")
        lines.append(text)
    if lines:
        lines = ["", "What goes with each method's best reading falling short (from its files; the mechanism "
                 "in the last line is derived, not measured as the cause):", ""] + lines
        if any(silent_share > 0.5 for r in means for s in runs[r]["seeds"] if not failed_run(s)
               for silent_share in ((s.get("history") or [{}])[-1].get("activity") or {}).get("silent", [])):
            lines.append("- Why units fall silent (entropy.py, derived beside the readings): a unit that fires "
                         "alike for every label adds the same c to each phi(x, y). Over the n labels a reading compares, "
                         "dL/dc = n / sum_y phi - 1 / phi(x, y_true), positive as soon as q(y_true | x) > 1/n. "
                         "Once a layer's goodness beats chance on most images of a batch, every label-blind "
                         "unit is pushed towards silence. "
                         "Layers 2 and 3 see the label only through layer 1. Under CFF gamma, layer 1's goodness "
                         "is in their phi from the first step.")
    return lines


def objective_lesson(readme, dataset):
    """For a lesson: the entropy objective's section of the experiments report (README, e.g.
    results/experiments/README.md) for DATASET, as written there (its verdicts are the report's,
    Holm-corrected over the report's comparisons), the figure's line replaced by the figure's path;
    or a line saying it is not measured yet and the command that measures it."""
    title = f"### {dataset}: the entropy objective"
    text = Path(readme).read_text().splitlines() if Path(readme).is_file() else []
    start = next((i for i, line in enumerate(text) if line.startswith(title)), None)
    if start is None:
        return [f"{dataset}: not measured yet (`python -m ffnumpy.studies.experiments objective --dataset {dataset}`, "
                "then `python -m ffnumpy.studies.experiments_report`)."]
    end = next((i for i in range(start + 1, len(text)) if text[i].startswith("#")), len(text))
    return [f"(the figure: {Path(readme).parent / line.split('(')[1].rstrip(')')})" if line.startswith("![") else line
            for line in text[start:end]]
