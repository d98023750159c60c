"""The report of `python -m ffnumpy.studies.record`: OUT/README.md and OUT/curves.png, from the result files only.

    python -m ffnumpy.studies.record_report [--out results/record]

Per dataset: the SymBa screen, every attempt with its predictors and its minutes, the choice, the
chosen configuration's test seeds against the target, and the ablation. Minutes are each run's recorded
training time (train_seconds, every epoch summed), on the CPU its file names.
"""
import sys
from pathlib import Path

import matplotlib
import numpy as np

from ..evaluate import failed_run
from ..files import atomic_write_text
from .protocol import read
from . import record as rec          # read at call time: the stages' lists are the study's, tests shrink them
from .record import (OUT, TARGET, alpha_row, choice, predictor_errors, screen_alphas, settled_choice,
                     stored_choice, test_error, validation_record)
from .predictors import TEXT as PREDICTOR_TEXT, own as own_predictor
from .hinton import OUT as RECIPE_OUT
from .question_report import chosen as recipe_choice, question_rows
from .runs import cpus, fmt, report_command, split_failed
from .predictors import test_error as recipe_test_error
from .runner import pass_seconds

PUBLISHED = [      # fully connected FF-family results without augmentation: (source, MNIST, Fashion-MNIST), test error (%)
    ("Hinton's FF paper: 784-2000x4, 60 epochs", "1.36", "-"),          # ../shared/PAPER.md
    ("ports of Hinton's code: 784-1000x3, 100 epochs (goodness / readout)", "1.34-1.47", "-"),
    ("a study of FF losses, SymBa's symmetric loss: 784-2000x2", "1.35", "-"),
    ("self-contrastive FF (unsupervised, linear readout)", "about 1.3", "-"),
    ("the CFF paper's best FF-family row (Table 1)", "-", "11.6"),
]
ABLATION_TEXT = {"no-peer-norm": "without peer normalisation", "random-negatives":
                 "random negatives instead of the readout's (no readout: goodness only)",
                 "half-width": "every layer half as wide"}


def pct(value):
    return "-" if value is None else f"{value:.2f}"


def signed(value):
    return "-" if value is None else f"{value:+.2f}"


def minutes(record):
    """'52 (48)': a run's training minutes as recorded, then its median epoch times its epochs. A chain paused
    for other work (SIGSTOP) inflates the first, not the second (runner.pass_seconds)."""
    if record.get("train_seconds") is None:
        return "-"
    epoch, epochs = pass_seconds(record), len(record.get("history") or ())
    return f"{record['train_seconds'] / 60:.0f}" + (f" ({epoch * epochs / 60:.0f})" if epoch else "")


def best_combined(record):
    """'1.52 (lambda 0.01, all layers)': the lowest validation error of the combined predictors."""
    combined = [(e, name) for name, e in predictor_errors(record) if name.startswith("combined")]
    if not combined:
        return "-"
    e, name = min(combined)
    lam, goodness = name[len("combined "):].split(", ")
    return f"{e:.2f} (lambda {lam}, {goodness})"


def curve_points(record):
    """The validation errors (%) a run measured every EVAL_EVERY epochs (record.py), in order."""
    return [h["validation_error"] for h in record.get("history", []) if "validation_error" in h]


def curve(record):
    """'2.10, 1.80, ...': the validation error every EVAL_EVERY epochs."""
    return ", ".join(f"{e:.2f}" for e in curve_points(record)) or "-"


def last_change(record):
    """The validation error's change (points) between the curve's last two points, or None with fewer."""
    points = curve_points(record)
    return points[-1] - points[-2] if len(points) >= 2 else None


def screen_lines(out, dataset):
    rows = [(a, validation_record(out, f"{dataset}-screen", alpha_row(a))) for a in screen_alphas(out, dataset)]
    lines = ["| alpha | validation error (%), layers 2 and up | readout | minutes (median epoch x epochs) |",
             "|---|---|---|---|"]
    for alpha, r in rows:
        lines.append(f"| {alpha:g} | {r['validation_error']:.2f} | {pct(r.get('readout_validation_error'))} | "
                     f"{minutes(r)} |" if r else f"| {alpha:g} | not yet run | | |")
    return lines


def attempt_lines(out, dataset):
    lines = ["| attempt | layers 2 and up (%) | all layers (%) | readout (%) | combined, best (%) | validation "
             f"every {rec.EVAL_EVERY} epochs (%), its own goodness predictor | last change (points) | minutes "
             "(median epoch x epochs) | CPU |", "|---|---|---|---|---|---|---|---|---|"]
    for attempt in rec.ATTEMPTS:
        r = validation_record(out, f"{dataset}-attempts", attempt)
        if r is None:
            lines.append(f"| {attempt} | not yet run | | | | | | | |")
            continue
        found = dict(predictor_errors(r))
        failed = " (failed run)" if failed_run(r) else ""
        alpha = f", alpha {r['config']['symba_alpha']:g}" if r["config"].get("objective") == "symba" else ""
        lines.append(f"| {attempt}{alpha}{failed} | {pct(found.get('layers 2 and up'))} | "
                     f"{pct(found.get('all layers'))} | {pct(found.get('the readout'))} | "
                     f"{best_combined(r)} | {curve(r)} | {signed(last_change(r))} | {minutes(r)} | {cpus([r])[0]} |")
    return lines


def chosen_seeds(out, dataset):
    """(attempt, predictor, validation error %, its test seed records) of the settled choice (record.py's
    choice.json once its seeds began), or None before it."""
    chosen = settled_choice(out, dataset)
    if chosen is None:
        return None
    seeds = [read(p) for p in sorted((Path(out) / f"{dataset}-chosen" / chosen[0]).glob("seed*.json"))]
    return (*chosen, seeds)


def chosen_lines(out, dataset):
    found = chosen_seeds(out, dataset)
    if found is None:
        return ["The choice waits for every attempt."]
    attempt, predictor, error, seeds = found
    lines = [f"Chosen on validation: **{attempt}**, predicted by **{predictor}** ({error:.2f}% on validation)."]
    now = choice(out, dataset) if stored_choice(out, dataset) else None
    if now is not None and now[:2] != (attempt, predictor):
        lines.append(f"**Warning:** the attempts' files now choose {now[0]} by {now[1]}; the test seeds below "
                     "were run for the stored choice.")
    good = [r for r in seeds if not failed_run(r)]
    if not seeds:
        return lines + ["Its test seeds are not yet run."]
    errors = [test_error(r, predictor) for r in good]
    lines.append(f"Test error over {len(good)} seeds: **{fmt(errors, unit='%')}** "
                 f"({', '.join(f'{e:.2f}' for e in errors)}); {len(seeds) - len(good)} failed runs; "
                 f"{', '.join(minutes(r) for r in seeds)} minutes of training per run (median epoch x epochs).")
    if len(good) >= 3:
        gap = np.mean(errors) - TARGET[dataset]
        lines.append(f"Target {TARGET[dataset]:.2f}%: " +
                     ("**met**." if gap <= 0 else f"**missed** by {gap:.2f} points."))
    change = last_change(validation_record(out, f"{dataset}-attempts", attempt) or {})
    if change is not None:
        lines.append(f"Over its last {rec.EVAL_EVERY} epochs the chosen attempt's validation error moved "
                     f"{change:+.2f} points: " + ("still falling." if change < 0 else "flat or rising.") +
                     " No attempt is added after the test seeds (ff-3x1000-150ep is the longer run, planned first).")
    return lines


def recipe_cell(recipe, dataset):
    """ffnumpy's FF with Hinton's recipe on test, read by the predictor chosen on validation: '1.43 ± 0.05'."""
    rows = question_rows(recipe, dataset) if (Path(recipe) / f"{dataset}-question").is_dir() else {}
    if not rows.get("ff-network", {}).get("seeds"):
        return "not yet run"
    predictor = recipe_choice(rows, "ff-network")[0]
    good, _ = split_failed(rows["ff-network"]["seeds"])
    return fmt([recipe_test_error(r, predictor) for r in good])


def record_cell(out, dataset):
    """The record's test error over its seeds and its minutes per run, or where it stands."""
    found = chosen_seeds(out, dataset)
    if found is None:
        return "not yet run"
    good, _ = split_failed(found[3])
    if not good:
        return f"{found[0]} chosen; test seeds not yet run"
    return (f"{fmt([test_error(r, found[1]) for r in good])} ({found[0]}, {found[1]}; "
            f"{', '.join(minutes(r) for r in found[3])} min per run)")


def standing(out=OUT, recipe=RECIPE_OUT):
    """README's table: the published fully connected FF results beside ffnumpy's recipe and its record."""
    lines = ["| result | MNIST (%) | Fashion-MNIST (%) |", "|---|---|---|"]
    lines += [f"| {source} | {mnist} | {fashion} |" for source, mnist, fashion in PUBLISHED]
    lines.append("| ffnumpy: FF, Hinton's recipe, 784-1000x3, 100 epochs (`results/recipe`) | "
                 + " | ".join(recipe_cell(recipe, d) for d in TARGET) + " |")
    lines.append("| ffnumpy: the record (`results/record`) | "
                 + " | ".join(record_cell(out, d) for d in TARGET) + " |")
    return lines


def ablation_lines(out, dataset):
    chosen = settled_choice(out, dataset)
    if chosen is None:
        return []
    attempt, predictor, _ = chosen
    base = validation_record(out, f"{dataset}-attempts", attempt)
    lines = [f"| part off | {PREDICTOR_TEXT[own_predictor(base)]} (%) | by the chosen predictor (%) | change (points) "
             "| minutes (median epoch x epochs) |",
             "|---|---|---|---|---|",
             f"| nothing (the chosen attempt) | {base['validation_error']:.2f} | "
             f"{dict(predictor_errors(base))[predictor]:.2f} | | {minutes(base)} |"]
    for part in rec.ABLATIONS:
        r = validation_record(out, f"{dataset}-ablation/{attempt}", part)
        if r is None:
            lines.append(f"| {ABLATION_TEXT[part]} | not yet run | | | |")
            continue
        own = dict(predictor_errors(r)).get(predictor)      # None: this run lacks it (no readout without it)
        mine = own if own is not None else r["validation_error"]
        reference = dict(predictor_errors(base))[predictor] if own is not None else base["validation_error"]
        by = "" if own is not None else \
            f" (by {PREDICTOR_TEXT[own_predictor(base)]}: the chosen predictor needs the readout)"
        lines.append(f"| {ABLATION_TEXT[part]} | {r['validation_error']:.2f} | {pct(own)} "
                     f"| {mine - reference:+.2f}{by} | {minutes(r)} |")
    return lines


def plot_curves(out, path):
    """The validation curve of every attempt, one panel per dataset."""
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(TARGET), figsize=(11, 4))
    drawn = False
    for ax, dataset in zip(axes, TARGET):
        for attempt in rec.ATTEMPTS:
            r = validation_record(out, f"{dataset}-attempts", attempt)
            points = [(h["epoch"], h["validation_error"]) for h in (r or {}).get("history", [])
                      if "validation_error" in h]
            if points:
                ax.plot(*zip(*points), marker="o", label=attempt)
                drawn = True
        ax.axhline(TARGET[dataset], color="k", ls="--", lw=1, label=f"target {TARGET[dataset]:g}%")
        ax.set(title=dataset, xlabel="epoch", ylabel="validation error (%), own goodness predictor")
        ax.legend(fontsize=8)
    if drawn:
        fig.tight_layout()
        fig.savefig(path, dpi=110)
    plt.close(fig)
    return drawn


def write(out=OUT):
    lines = ["# The record: FF from Hinton's recipe, larger and longer", "",
             "Written by `python -m ffnumpy.studies.record_report` from the files below; the runs are made by",
             "`python -m ffnumpy.studies.record --dataset DATASET` (its docstring holds the protocol).",
             f"Every run uses the recipe's learning rate ({rec.SETTING['lr']:g}); a run is one seed, on validation, "
             "unless it says test.", ""]
    if plot_curves(out, Path(out) / "curves.png"):
        lines += ["![validation curves](curves.png)", ""]
    for dataset in TARGET:
        lines += [f"## {dataset}", "", "### SymBa's slope alpha (784-1000x3, 30 epochs)", ""]
        lines += screen_lines(out, dataset) + ["", "### The attempts", ""] + attempt_lines(out, dataset)
        lines += ["", "### The choice and its test seeds", ""] + chosen_lines(out, dataset)
        ablation = ablation_lines(out, dataset)
        if ablation:
            lines += ["", "### Ablation of the chosen attempt (validation)", ""] + ablation
        lines.append("")
    lines += ["## Beside the published numbers (test error %, fully connected, no augmentation)", ""]
    lines += standing(out) + [""]
    atomic_write_text(Path(out) / "README.md", "\n".join(lines))
    return Path(out) / "README.md"


def main(argv=None):
    return report_command(argv, "python -m ffnumpy.studies.record_report", __doc__, write, out=OUT)


if __name__ == "__main__":
    sys.exit(main())
