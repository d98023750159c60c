"""The transfer and continual-learning sections of results/experiments/README.md, and their figures.

These runs keep no per-image predictions, so two rows are compared by the paired
t-test over seeds on the quantity in question, with a bootstrap interval that
resamples seeds only, called under the report's rule (stats.Family: Holm over all
the report's comparisons); with 3 seeds only a large, consistent difference passes.
"""
from pathlib import Path

import numpy as np

from .experiments import TASK_ROWS as ROWS
from .plots_tasks import plot_continual, plot_transfer
from .runs import ROW_LABELS, comparison_key, fmt, load_group
from .stats import compare_seeds, evidence, in_words
from .transfer import PAIRS

NAMES = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}


def paired_call(a, b, key, label_a, label_b, family, what, lower_is="lower", where="transfer"):
    """'label_a lower (difference -0.52, (corrected p = ..., 95% CI ...), 3 seeds)' or 'no difference shown (...)',
    over the seeds both have ('no verdict yet' below 2).
    a, b : lists of seed records; key(record) -> the number compared; what: names the quantity (the family's key);
    where: the study, for the comparison's label"""
    sa, sb = ({r["config"]["seed"]: key(r) for r in runs} for runs in (a, b))
    common = sorted(set(sa) & set(sb))
    if len(common) < 2:
        return f"no verdict yet ({len(common)} common seed{'s' if len(common) != 1 else ''})"
    v = family.judge((what,) + comparison_key(a, b), compare_seeds([sa[s] for s in common], [sb[s] for s in common]),
                     label=f"experiments, {where}: {what}: {label_a} vs {label_b}")
    call = in_words(v, f"{label_a} {lower_is}", f"{label_b} {lower_is}")
    return f"{call} (difference {v['paired_t']['mean_diff']:+.2f}, {evidence(v)[1:-1]}, {len(common)} seeds)" \
        if "paired_t" in v else f"{call} {evidence(v)}"


def specificity(record):
    """How much worse the last layer's features are than the best layer's, for the new task (points)."""
    return record["probe_error"][-1] - min(record["probe_error"])


def transfer_section(out, family):
    lines = []
    for pair, (source, src, target, tgt) in PAIRS.items():
        rows = load_group(Path(out) / "transfer" / pair, ROWS)
        seeds = {row: rows[row]["seeds"] for row in ROWS if rows.get(row, {}).get("seeds")}
        if not seeds:
            continue
        L = len(next(iter(seeds.values()))[0]["probe_error"])
        lines += [f"### Transfer: {source} labels {min(src)}-{max(src)} -> {target} labels {min(tgt)}-{max(tgt)}", "",
                  "`python -m ffnumpy.studies.experiments transfer` (test error %, mean ± std over seeds; probes read "
                  "each frozen layer, with the neutral label input for the goodness rows)", "",
                  "| row | source error | " + " | ".join(f"probe, layer {i + 1}" for i in range(L)) +
                  " | probe at init, last layer | fine-tuned | same budget from scratch |",
                  "|---|---|" + "---|" * L + "---|---|---|"]
        for row, runs in seeds.items():
            probes = [fmt([r["probe_error"][i] for r in runs]) for i in range(L)]
            lines.append(f"| {ROW_LABELS[row]} | {fmt([r['source_test_error'] for r in runs])} | "
                         + " | ".join(probes) + f" | {fmt([r['initial_probe_error'][-1] for r in runs])} | "
                         f"{fmt([r['finetune_error'] for r in runs])} | {fmt([r['scratch_error'] for r in runs])} |")
        budget = next(iter(seeds.values()))[0]
        lines += ["", f"Budget: the source network trains {budget['config']['epochs']} epochs; the probe "
                  f"{budget['probe_epochs']} epochs; fine-tuning and scratch {budget['finetune_epochs']} epoch(s).",
                  "", "Does collaboration make the last layer more task-specific? (last layer's probe error "
                  "minus the best layer's, CFF against FF):", ""]
        for cff in ("cff-prev-network", "cff-all-network"):
            if cff in seeds and "ff-network" in seeds:
                lines.append(f"- {ROW_LABELS[cff]}: " + paired_call(
                    seeds[cff], seeds["ff-network"], specificity, ROW_LABELS[cff], ROW_LABELS["ff-network"],
                    family, f"specificity, {pair}", "less specific"))
        for a, b in (("ff-network", "bp-label"), ("cff-prev-network", "ff-network")):
            if a in seeds and b in seeds:
                lines.append(f"- best-layer probe, {ROW_LABELS[a]} against {ROW_LABELS[b]}: " +
                             paired_call(seeds[a], seeds[b], lambda r: min(r["probe_error"]), ROW_LABELS[a],
                                         ROW_LABELS[b], family, f"best probe, {pair}"))
        name = f"transfer_{pair}.png"
        plot_transfer({ROW_LABELS[row]: runs for row, runs in seeds.items()}, Path(out) / name,
                      title=f"transfer {pair}: linear probe per frozen layer")
        lines += ["", f"![transfer]({name})", ""]
    return lines


def continual_section(out, family, dataset="mnist"):
    rows = load_group(Path(out) / "continual" / dataset, ROWS)
    seeds = {row: rows[row]["seeds"] for row in ROWS if rows.get(row, {}).get("seeds")}
    if not seeds:
        return []
    per_task = next(iter(seeds.values()))[0]["epochs_per_task"]
    lines = [f"### Continual learning: Split-{NAMES[dataset]}", "",
             f"`python -m ffnumpy.studies.experiments continual --dataset {dataset}`: five 2-class tasks in sequence, "
             f"{per_task} epochs each, negatives (Backprop Label: the softmax) among the labels seen so far; "
             "class-incremental: the labels seen so far compete. Accuracy (%) after the last task, "
             "averaged over the five tasks, and forgetting (points lost from a task's best, mean over tasks 1-4).", "",
             "| row | class-incremental accuracy | task-incremental accuracy | forgetting, class-inc. | "
             "forgetting, task-inc. |", "|---|---|---|---|---|"]
    for row, runs in seeds.items():
        cells = [fmt([r["average_accuracy"][k] for r in runs]) for k in ("class", "task")]
        cells += [fmt([np.mean(r["forgetting"][k]) for r in runs]) for k in ("class", "task")]
        lines.append(f"| {ROW_LABELS[row]} | " + " | ".join(cells) + " |")
    lines += ["", "Differences (paired t over seeds, the report's rule):", ""]
    for a, b in (("cff-prev-network", "ff-network"), ("cff-all-network", "ff-network"), ("ff-network", "bp-label")):
        if a in seeds and b in seeds:
            for kind in ("task", "class"):
                lines.append(f"- {kind}-incremental forgetting, {ROW_LABELS[a]} against {ROW_LABELS[b]}: " +
                             paired_call(seeds[a], seeds[b], lambda r: np.mean(r["forgetting"][kind]),
                                         ROW_LABELS[a], ROW_LABELS[b], family, f"{kind} forgetting", "forgets less",
                                         f"Split-{NAMES[dataset]}"))
    name = f"continual_{dataset}.png"
    plot_continual({ROW_LABELS[row]: runs for row, runs in seeds.items()}, Path(out) / name,
                   title=f"Split-{NAMES[dataset]}: accuracy on the tasks seen so far")
    return lines + ["", f"![continual]({name})", ""]
