"""The CIFAR-10 section of the reproduction's report (report.py): the paper's CIFAR-10 column beside
ffnumpy's, and what is not yet measured, so the report can be made again while the runs land.

    cifar_lines(dataset, budget, rows)   the lines that open the CIFAR-10 course section ([] elsewhere)
    cifar_pending(found)                 the whole section while none of its runs exists

Everything else in the section is what every dataset gets from report.py: the table, the tuning,
the verdicts (the same rule, Holm-corrected in the same family as MNIST's and Fashion-MNIST's), the
per-layer figure (the paper's Figure 2 has a CIFAR-10 panel) and the three entropy claims.
"""
from ..evaluate import failed_run
from .reproduce import ANSWER_SEEDS, DATASETS, PAPER, SEEDS
from .runs import ROW_LABELS, fmt, fmt_runs

DATASET, BUDGET = "cifar10", "course"
MISSING = "not yet measured"
TEXT = """CIFAR-10 holds 32 x 32 colour images of 10 classes (airplane, automobile, bird, ...): 3072 values
per image, the red, then the green, then the blue plane. The protocol is the one above, with three
differences. The network is 3072-500-500-500, fully connected like the paper's. It trains on the first
40k of the 50k training images, tunes on the last 10k (the validation split) and is tested on the 10k
test images. The label overlay writes the one-hot label over the first 10 values: the red channel of
the top row's first 10 pixels. MNIST's first pixels are blank; these hold a little of the image, which
is lost."""


def planned(row):
    """The seeds a row runs on test: 5 for FF and CFF (their comparison is the answer), 3 for backprop."""
    return SEEDS if row.startswith("bp-") else ANSWER_SEEDS


def column(rows):
    """The paper's CIFAR-10 column beside ffnumpy's, one line per row of the paper, measured or not."""
    col = DATASETS.index(DATASET)
    lines = ["| row | paper (%) | ffnumpy (%), mean ± std | seeds (failed) | ffnumpy - paper (points) |",
             "|---|---|---|---|---|"]
    for row, label in ROW_LABELS.items():
        tune, seeds = rows.get(row, {}).get("tune", []), rows.get(row, {}).get("seeds", [])
        good = [r["test_error"] for r in seeds if not failed_run(r)]
        if seeds:
            ours = fmt_runs(seeds)
        else:
            ours = MISSING + (f" (tuning: {len(tune)} runs done)" if tune else "")
        gap = fmt([e - PAPER[row][col] for e in good]) if good else "-"
        lines.append(f"| {label} | {PAPER[row][col]} | {ours} | {len(seeds)} of {len(planned(row))} "
                     f"({len(seeds) - len(good)}) | {gap} |")
    return lines


GOODNESS_ROWS = tuple(r for r in ROW_LABELS if r != "bp-label")     # backprop label has no goodness


def measured(rows, has):
    """'measured on A, B (below); not yet measured: C' over GOODNESS_ROWS: a row is measured when one of
    its seed runs `has` the measurement."""
    done = [ROW_LABELS[r] for r in GOODNESS_ROWS if any(has(s) for s in rows.get(r, {}).get("seeds", []))]
    waiting = [ROW_LABELS[r] for r in GOODNESS_ROWS if ROW_LABELS[r] not in done]
    if not done:
        return MISSING
    return f"measured on {', '.join(done)} (below)" + (f"; {MISSING}: {', '.join(waiting)}" if waiting else "")


def analyses(rows):
    """Which rows the per-layer contributions and the entropy claims below are measured on, which not."""
    return [f"- Per-layer contributions (the paper's Figure 2, its CIFAR-10 panel; not for Backprop label, "
            f"whose layers have no goodness): {measured(rows, lambda s: bool(s.get('per_layer_test_error')))}.",
            f"- The three entropy claims (the paper's Figure 4): {measured(rows, lambda s: 'initial_entropy' in s)}.",
            "- Verdicts: by the rule above, Holm-corrected in one family with the other datasets' comparisons; "
            "a pair is called once both its rows have 2 seeds (the table of differences below)."]


def cifar_lines(dataset, budget, rows):
    """The lines that open the CIFAR-10 course-budget section (rows: runs.load_group of its folder);
    [] for any other section."""
    if (dataset, budget) != (DATASET, BUDGET):
        return []
    return [TEXT, "", "The paper's CIFAR-10 column beside ffnumpy's (test error; a failed seed is counted, "
            "never averaged in):", ""] + column(rows) + [""] + analyses(rows) + [""]


def cifar_pending(found):
    """The CIFAR-10 course section while none of its runs exists (found: runs.load of the report's
    folder), else []: the heading, the command, and every row not yet measured."""
    if (DATASET, BUDGET) in found:
        return []
    return [f"## {DATASET}, {BUDGET} budget", "",
            f"`python -m ffnumpy.studies.reproduce --dataset {DATASET} --budget {BUDGET}`", ""] + \
        cifar_lines(DATASET, BUDGET, {})
