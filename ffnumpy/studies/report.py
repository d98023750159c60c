"""The reproduction report: results/reproduction/README.md and its figures,
computed from the result files alone (python -m ffnumpy.studies.report).

Every verdict in it is computed here from the runs, by the rule of stats.py
(paired t over seeds, Holm-corrected over the report's comparisons, and a
bootstrap interval over seeds and images on the same side of 0; a failed seed
or seeds spread over 5 points: "unstable: no verdict"). The report is built
twice: the first pass gathers the comparisons, the second prints the calls.
"""
import json
import sys
from pathlib import Path

import numpy as np

from ..data import load_dataset
from ..plots import plot_seed_contributions, plot_seed_entropy
from .cifar_report import cifar_lines, cifar_pending
from .record_first import section
from .report_claims import REGIME_TEXT, claims, entropy_lines, regime_lines, regime_tuning_table, retuned_lines
from .protocol import EDGE_STEPS
from .reproduce import ANSWER_SEEDS, BUDGETS, CIFAR_EDGE_STEPS, DATASETS, GRID, PAPER, REGIME_ROWS, SEEDS, regime_studies
from .runs import (ROW_LABELS, SAME_SCHEDULE, TABLES, budget_tag, call_text, choice, compare, cpu_note, edge, fmt,
                   fmt_runs, load, load_group, marginals, p_text, predictor_note, report_command, rule, save_family,
                   tuning_count)
from .stats import Family

BUDGET_NAMES = {"course": "course budget", "long": "long budget", "long-tuned": "long budget, tuned at it"}
COMPARISONS = [("ff-network", "cff-all-network"), ("ff-network", "cff-prev-network"),
               ("ff-layer", "cff-prev-layer"), ("ff-layer", "ff-network"), ("bp-label", "ff-network"),
               ("bp-pairwise", "ff-network"), ("cff-prev-network", "cff-all-network")]


def predict_pair(rows, a, b, reused=None):
    """(predictor of A, of B): each goodness row by its choice on validation (runs.choice); None for backprop."""
    return tuple(None if row.startswith("bp-") else choice(rows, row, reused)[0] for row in (a, b))


def where(dataset, budget):
    return f"reproduction, {dataset}, {BUDGET_NAMES.get(budget, budget + ' budget')}"


def comparison_line(rows, a, b, y_test, family, reused=None, place="", budget="course"):
    v = compare(rows[a]["seeds"], rows[b]["seeds"], y_test, family, predict_pair(rows, a, b, reused),
                label=f"{place}: {ROW_LABELS[a]} vs {ROW_LABELS[b]}", tag=budget_tag(budget))
    if v is None:
        return None
    if "paired_t" not in v:
        return (f"| {ROW_LABELS[a]} vs {ROW_LABELS[b]} | {v['seeds']} | | | | | | "
                f"unstable: no verdict ({v['unstable']}) |")
    t, m = v["paired_t"], v["mcnemar"]
    passes = [rows[k]["seeds"][0]["passes_over_data"] for k in (a, b)]
    unequal = f" (unequal budgets: {passes[0]} vs {passes[1]} passes)" if passes[0] != passes[1] else ""
    low, high = v["ci"]
    return (f"| {ROW_LABELS[a]} vs {ROW_LABELS[b]} | {v['seeds']} | {t['mean_diff']:+.2f} | {low:+.2f} to "
            f"{high:+.2f} | {t['p']:.3f} | {'-' if v['unstable'] else format(v['corrected_p'], '.3f')} | "
            f"{m['b']} / {m['c']}, {p_text(m['p'])} | "
            f"{call_text(v, ROW_LABELS[a], ROW_LABELS[b])}{' (' + v['unstable'] + ')' if v['unstable'] else ''}"
            f"{unequal}{cpu_note(v)} |")


def table(rows, dataset, course=None):
    """The budget's table; course: the course budget's rows, whose tuning a long-budget row reuses."""
    col = DATASETS.index(dataset)
    lines = ["| row | paper | test error (%), mean ± std | seeds | validation (%) | chosen lr, theta-scale "
             "| passes over the data | s per run (median) |", "|---|---|---|---|---|---|---|---|"]
    for row, label in ROW_LABELS.items():
        if row not in rows:
            continue
        seeds, tune = rows[row]["seeds"], rows[row]["tune"]
        cfg = seeds[0]["config"] if seeds else None
        tried = [r["config"] for r in tune or (course or {}).get(row, {}).get("tune", [])] or GRID
        chosen = f"{cfg['lr']:g}, {cfg['theta_scale']:g}{edge(cfg['lr'], tried)}" if cfg else \
            tuning_count(len(tune))
        secs = f"{np.median([r['wall_seconds'] for r in seeds]):.0f}" if seeds else "-"
        lines.append(f"| {label} | {PAPER[row][col]} | {fmt_runs(seeds)} | {len(seeds)} | "
                     f"{fmt_runs(seeds, 'validation_error')} | {chosen} | "
                     f"{seeds[0]['passes_over_data'] if seeds else '-'} | {secs} |")
    return lines


def tuning_table(rows):
    """Every setting each row was tuned at, with its validation error (%, seed 0): the grid and the
    settings past its edges, so a reader sees that the value past a chosen edge was worse (or
    diverged: 100%). Cells are 'theta-scale 0.3 / 1' pairs; the chosen setting is in bold."""
    tuned = {row: {(r["config"]["lr"], r["config"]["theta_scale"]): r["validation_error"]
                   for r in rows[row]["tune"] if r["config"]["seed"] == 0}
             for row in ROW_LABELS if row in rows and rows[row]["tune"]}
    if not tuned:
        return []
    lrs = sorted({lr for t in tuned.values() for lr, _ in t})
    thetas = sorted({theta for t in tuned.values() for _, theta in t})
    lines = ["Tuning: validation error (%) of every setting tried, seed 0 (theta-scale "
             f"{' / '.join(f'{t:g}' for t in thetas)}; the choice in bold):", "",
             "| row | " + " | ".join(f"lr {lr:g}" for lr in lrs) + " |", "|---|" + "---|" * len(lrs)]
    for row, errors in tuned.items():
        seeds = rows[row]["seeds"]
        chosen = (seeds[0]["config"]["lr"], seeds[0]["config"]["theta_scale"]) if seeds else None

        def cell(lr, theta):
            if (lr, theta) not in errors:
                return "-"
            return f"**{errors[lr, theta]:.2f}**" if (lr, theta) == chosen else f"{errors[lr, theta]:.2f}"
        lines.append(f"| {ROW_LABELS[row]} | " + " | ".join(" / ".join(cell(lr, t) for t in thetas) for lr in lrs)
                     + " |")
    return lines + [""]


def superseded(out, dataset, budget, studies=None):
    """A line per row with seed runs moved to ROW/superseded/ (reproduce --supersede): the setting they had.
    studies: the study folders under OUT to look in (default: the table's, DATASET-BUDGET)."""
    lines = []
    for study in studies or [f"{dataset}-{budget}"]:
        for folder in sorted((Path(out) / study).glob("*/superseded")):
            runs = [json.loads(p.read_text()) for p in sorted(folder.glob("seed*.json"))]
            if runs:
                cfg = runs[0]["config"]
                lines.append(f"- {ROW_LABELS[folder.parent.name]}: {len(runs)} seed runs at lr {cfg['lr']:g}, "
                             f"theta-scale {cfg['theta_scale']:g} are superseded (`{study}/{folder.parent.name}/"
                             f"superseded/`, in no table). The row's tuning went on (past the grid's edge, or on a "
                             f"second seed) and chose another setting. Their test error was "
                             f"{fmt_runs(runs, unit='%')}.")
    return lines + [""] if lines else []


def layer_table(rows):
    lines = ["| row | each layer alone (%) | layers 1..k (%) | marginal contribution of layers 2, 3, ... (points) "
             "| seeds in which a later layer hurts |", "|---|---|---|---|---|"]
    for row, label in ROW_LABELS.items():
        seeds = rows.get(row, {}).get("seeds", [])
        if not seeds or not seeds[0].get("per_layer_test_error"):
            continue
        alone = np.mean([r["per_layer_test_error"] for r in seeds], axis=0)
        prefix = np.mean([r["prefix_test_error"] for r in seeds], axis=0)
        later = [[marginals(r)[k] for r in seeds] for k in range(1, len(alone))]
        hurts = sum(any(m < 0 for m in marginals(r)[1:]) for r in seeds)
        lines.append(f"| {label} | {', '.join(f'{v:.2f}' for v in alone)} | {', '.join(f'{v:.2f}' for v in prefix)} "
                     f"| {'; '.join(fmt(m) for m in later)} | {hurts} of {len(seeds)} |")
    return lines


def conclusion_calls(out, dataset, y_test, budget, family):
    table = load(out).get((dataset, budget), {})
    groups = [("", table, SAME_SCHEDULE)]
    if budget == "course":                                   # the regimes are at the course budget
        pairs = [("ff-network", cff) for cff in REGIME_ROWS[1:]]
        for name, study in regime_studies(dataset).items():
            rows = load_group(Path(out) / study.name)
            if "ff-network" not in rows and "ff-network" in table:   # no flag of the regime applies to FF
                rows["ff-network"] = table["ff-network"]
            groups.append((f"regime {name}: ", rows, pairs))
    calls, reused = [], load(out).get((dataset, "course"))
    for prefix, rows, pairs in groups:
        for ff, cff in pairs:
            place = f"{where(dataset, budget)}: {prefix}" if prefix else f"{where(dataset, budget)}: "
            v = compare(rows[ff]["seeds"], rows[cff]["seeds"], y_test, family,
                        predict_pair(rows, ff, cff, reused if budget == "long" else None),
                        label=f"{place}{ROW_LABELS[ff]} vs {ROW_LABELS[cff]}", tag=budget_tag(budget)) \
                if ff in rows and cff in rows and rows[ff]["seeds"] and rows[cff]["seeds"] else None
            if v is not None:
                calls.append((f"{prefix}{ROW_LABELS[ff]} vs {ROW_LABELS[cff]}", v,
                              [fmt_runs(rows[k]["seeds"], unit="%") for k in (ff, cff)]))
    return calls


def report_lines(out, found, labels, family):
    """The report's lines (one pass; write_report runs it twice, see two_passes)."""
    lrs, thetas = sorted({g["lr"] for g in GRID}), sorted({g["theta_scale"] for g in GRID})
    assert len(GRID) == len(lrs) * len(thetas), "GRID is every lr with every theta-scale"
    doc = [HEADER.format(grid=f"every pair of lr {', '.join(f'{x:g}' for x in lrs)} and theta-scale "
                              f"{', '.join(f'{x:g}' for x in thetas)}",
                         seeds=", ".join(map(str, ANSWER_SEEDS)), bp_seeds=", ".join(map(str, SEEDS)),
                         edge_steps=EDGE_STEPS, cifar_steps=CIFAR_EDGE_STEPS,
                         budgets="; ".join(f"`{k}`: 784-{'-'.join(map(str, v['hidden']))}, {v['epochs']} epochs"
                                           for k, v in BUDGETS.items()), rule=rule(family.size))]
    if not found:
        doc.append("No results yet.")
    for (dataset, budget), rows in found.items():
        y_test = labels[dataset]
        doc += [f"## {dataset}, {BUDGET_NAMES[budget]}", "",
                f"`python -m ffnumpy.studies.reproduce --dataset {dataset} --budget {budget}`", ""]
        doc += cifar_lines(dataset, budget, rows)      # CIFAR-10: the paper's column beside ffnumpy's
        if budget == "long-tuned":
            doc += retuned_lines(rows, found.get((dataset, "long")))
        doc += table(rows, dataset, found.get((dataset, "course"))) + [""] + tuning_table(rows) + \
            superseded(out, dataset, budget)
        reused = found.get((dataset, "course")) if budget == "long" else None
        doc += [predictor_note({ROW_LABELS[r]: choice(rows, r, reused) for r in ROW_LABELS
                                if r in rows and rows[r]["seeds"] and not r.startswith("bp-")}), ""]
        lines = [line for a, b in COMPARISONS if a in rows and b in rows and rows[a]["seeds"] and rows[b]["seeds"]
                 for line in [comparison_line(rows, a, b, y_test, family, reused, where(dataset, budget), budget)]
                 if line]
        if lines:
            doc += ["Differences (A vs B: mean of A - B over the common seeds that did not fail, with its 95% "
                    "bootstrap interval; McNemar on the pooled test predictions of these networks, b = images only "
                    "A gets right, c = only B):", "",
                    "| A vs B | seeds | A - B (points) | 95% CI | paired t p | corrected p (Holm) "
                    "| McNemar b / c, p | verdict |", "|---|---|---|---|---|---|---|---|"] + lines + [""]
        layers = layer_table(rows)
        if len(layers) > 2:                                  # a row with seeds: more than the table's header
            doc += ["Per layer (mean over seeds; the paper's Figure 2):", ""] + layers + [""]
        doc += claims(rows) + [""]
        goodness = {ROW_LABELS[r]: rows[r]["seeds"] for r in ROW_LABELS
                    if r in rows and rows[r]["seeds"] and rows[r]["seeds"][0].get("per_layer_test_error")}
        if goodness:
            name = f"contributions_{dataset}-{budget}.png"
            plot_seed_contributions(goodness, out / name, title=f"{dataset}, {budget} budget: what each layer adds")
            doc += [f"![per-layer errors and marginal contributions]({name})", ""]
        network = {ROW_LABELS[r]: rows[r]["seeds"] for r in ("ff-network", "cff-prev-network", "cff-all-network")
                   if r in rows and rows[r]["seeds"] and "initial_entropy" in rows[r]["seeds"][0]}
        ent = entropy_lines(rows)
        if ent:
            doc += ["Entropy of the goodness (1000 training images; the paper's Figure 4). Ent(c phi) = c Ent(phi), "
                    "so Ent grows with the goodness' scale alone; KL(q || mu) = Ent / E[phi] is the scale-free part. "
                    "Epoch 0 is the network at initialisation:", ""] + ent + [""]
        if network:
            name = f"entropy_{dataset}-{budget}.png"
            plot_seed_entropy(network, out / name, title=f"{dataset}, {budget} budget: entropy of the goodness")
            doc += [f"![entropy curves]({name})", ""]
        if budget == "course":
            regimes = regime_lines(out, dataset, rows, y_test, family)
            if regimes:
                folders = [s.name for s in regime_studies(dataset).values()]
                doc += [f"### {dataset}: where the paper's claims hold", "", REGIME_TEXT, ""] + regimes + \
                    regime_tuning_table(out, dataset) + superseded(out, dataset, budget, folders)
    return doc + cifar_pending(found)       # the CIFAR-10 section before its first run


def write_report(out, labels=None):
    """Write OUT/README.md and OUT/*.png from the result files; returns the README path.

    labels : {dataset: (10000,) test labels}; default: loaded with the dataset
    """
    out = Path(out)
    found = load(out)
    labels = labels or {dataset: load_dataset(dataset).y_test for dataset in dict.fromkeys(d for d, _ in found)}
    family = Family()
    report_lines(out, found, labels, family)
    doc = report_lines(out, found, labels, family.close())
    doc += section(out)
    path = out / "README.md"
    path.write_text("\n".join(doc) + "\n")
    save_family(out, family)
    (out / CLOSING).write_text(json.dumps(closing(out, labels, family), indent=1) + "\n")
    return path


CLOSING = "closing.json"     # what the demo's closing lines say, per dataset (the demo reads only this)


def closing(out, labels, family):
    """{dataset: {"comparisons": n, "calls": {call: [labels of the comparisons]}, "corrected_over": the
    size of the report's Holm family}}: FF against CFF at both budgets and under every reading of the
    paper, as the report called them."""
    summary = {}
    for dataset, y_test in labels.items():
        calls = [(budget, c) for budget in TABLES for c in conclusion_calls(out, dataset, y_test, budget, family)]
        by = {}
        for budget, (label, v, _) in calls:       # the same pair runs at every budget: say which
            by.setdefault(v["call"], []).append(label if budget == "course" else f"{BUDGET_NAMES[budget]}: {label}")
        summary[dataset] = {"comparisons": len(calls), "calls": by, "corrected_over": family.size}
    return summary


HEADER = """# Reproduction of the paper's table

Made by `python -m ffnumpy.studies.report` from the JSON files in this
folder; every number and verdict below is computed from them.

**Protocol** (the same for every row).

- Train on the first 50k training images. Tune on the validation split (the last 10k training images),
  seed 0, over {grid}. Choose the setting with the lowest validation error.
- If its learning rate is the grid's smallest or largest, tune again at half (double) that rate, at both
  theta-scales, until the choice is interior. At most {edge_steps} steps go each way, {cifar_steps} on
  CIFAR-10, whose rows want smaller steps (`protocol.tuned_settings`).
- Then train the chosen setting with seeds {seeds} (FF and CFF rows, whose comparison is the answer;
  backprop: {bp_seeds}). The tables' seeds column says how many a row has so far.
- Report the test error (10k test images) as mean ± sample std over those seeds. The test set is not
  used before that.
- Seed runs of a setting the extension no longer chose are kept in ROW/superseded/. No table reads them
  (`reproduce --supersede`).
- Adam, batch 100 positive pairs (and 100 negatives), random wrong-label negatives, unit-RMS layer inputs.
  The learning rate is constant, then falls linearly to 0 over the second half (per layer under the Layer
  schedule). theta = theta-scale x width. The prediction is the goodness summed over all layers.
- Budgets: {budgets}. Under the Layer schedule the epochs are per layer. So it makes 3 passes over the data
  per epoch of the Network schedule: the "passes" column.
- The long budget reuses the setting chosen at the course budget. "Long budget, tuned at it"
  (`--budget long-tuned`) tunes the learning rate of FF and CFF gamma(<t) (Layer schedule) at the long
  budget. It tries the grid's rates, past every edge, each row at the theta-scale it chose at the course
  budget; then it runs seeds {seeds}.
- One MNIST FF run at theta-scale 0.3 was made before the theta-scale was fixed. It stays in the tuning
  table, and is not a choice.

{rule}

Any one run can be trained again from its file and compared, e.g.
`python -m ffnumpy.studies.reproduce --rerun results/reproduction/mnist-course/ff-network/seed1.json`
(the same numbers on the same machine, BLAS and thread count).
"""


def main(argv=None):
    return report_command(argv, "python -m ffnumpy.studies.report", __doc__, write_report,
                          out="results/reproduction")


if __name__ == "__main__":
    sys.exit(main())
