"""The report of python -m ffnumpy.studies.experiments: results/experiments/README.md and its figures,
computed from the result files alone, with the reproduction's rule for a difference (stats.py, runs.rule)."""
import sys
from pathlib import Path

import numpy as np

from ..data import load_dataset
from .experiments import DEPTH_ROWS, DEPTHS, LEARNED, learned_study
from ..plots import plot_depth
from .runs import (ROW_LABELS, choice, compare, cpu_note, edge, fmt, fmt_runs, load_group, marginals, mcnemar_note,
                   predictor_note, report_command, rule, save_family, two_passes)
from .reproduce import BUDGETS
from .stats import Family, evidence, in_words
from .objective_report import objective_section
from .tasks_report import continual_section, transfer_section

LABELS = {**ROW_LABELS, "cff-learned-network": "CFF learned gamma, Network"}


def depth_section(out, dataset, y_test, family, reproduction="results/reproduction"):
    """Error and marginal contributions at every depth, CFF against FF at every depth."""
    runs = {d: load_group(Path(out) / "depth" / f"{dataset}-L{d}") for d in DEPTHS}
    runs = {d: rows for d, rows in runs.items() if rows}
    if not runs:
        return []
    course = load_group(Path(reproduction) / f"{dataset}-course")      # the setting every depth reuses
    lines = [f"### {dataset}: depth", "", "`python -m ffnumpy.studies.experiments depth --dataset " + dataset + "`", "",
             "| row | " + " | ".join(f"{d} layers" for d in runs) + " |", "|---|" + "---|" * len(runs)]
    for row in DEPTH_ROWS:
        cells = [fmt_runs(rows.get(row, {}).get("seeds", [])) for rows in runs.values()]
        lines.append(f"| {LABELS[row]} | " + " | ".join(cells) + " |")
    lines += ["", "Marginal contribution of layers 2, 3, ... (points, mean over seeds; below 0: the layer hurts):", "",
              "| row | depth | marginal contributions |", "|---|---|---|"]
    for row in DEPTH_ROWS:
        for d, rows in runs.items():
            seeds = rows.get(row, {}).get("seeds", [])
            if seeds:
                m = np.mean([marginals(r)[1:] for r in seeds], axis=0)
                lines.append(f"| {LABELS[row]} | {d} | {', '.join(f'{v:+.2f}' for v in m)} |")
    lines += ["", predictor_note({f"{LABELS[row]}, {d} layers": choice(rows, row, course) for d, rows in runs.items()
                                  for row in DEPTH_ROWS if rows.get(row, {}).get("seeds")}) +
              " Every depth reuses the course budget's setting, so its tuning runs (3 layers) choose.",
              "", "CFF against FF at each depth (the rule above):", ""]
    calls = {}
    for d, rows in runs.items():
        for cff in ("cff-prev-network", "cff-all-network"):
            v = compare(rows.get("ff-network", {}).get("seeds", []), rows.get(cff, {}).get("seeds", []), y_test,
                        family, label=f"experiments, {dataset}, depth {d} layers: FF, Network vs {LABELS[cff]}")
            if v:
                call = in_words(v, "FF lower", "CFF lower")
                calls.setdefault(cff, {}).setdefault(call, []).append(d)
                lines.append(f"- {d} layers, {LABELS[cff]}: {call} {evidence(v)}, {v['seeds']} seeds{mcnemar_note(v)}"
                             f"{cpu_note(v)}")
    lines += ["", "**Conclusion.**"] + depth_conclusion(runs, calls)
    name = f"depth_{dataset}.png"
    plot_depth({LABELS[row]: {d: rows.get(row, {}).get("seeds", []) for d, rows in runs.items()} for row in DEPTH_ROWS},
               Path(out) / name, title=f"{dataset}: does collaboration keep helping with depth?")
    return lines + ["", f"![depth]({name})", ""]


def depth_conclusion(runs, calls):
    """Plain answers: does CFF keep beating FF with depth, and do the later layers add less when deeper?

    runs  : {depth: {row: {"seeds": [record]}}}
    calls : {cff row: {"FF lower" | "CFF lower" | "no difference shown": [depths]}}
    """
    lines = [f"- {LABELS[cff]} against FF: " + "; ".join(f"{call} at {', '.join(map(str, ds))} layers"
                                                         for call, ds in sorted(by.items()))
             for cff, by in calls.items()]
    k = len(BUDGETS["course"]["hidden"])   # the course depth, where the settings were tuned
    for row in ("ff-network", "cff-prev-network"):
        seeds = {d: rows[row]["seeds"] for d, rows in runs.items() if rows.get(row, {}).get("seeds")}
        lines.append(contribution_line(f"{LABELS[row]}: the last layer adds",
                                       {d: [marginals(r)[-1] for r in rs] for d, rs in seeds.items()}))
        past = {d: [r["prefix_test_error"][k - 1] - r["prefix_test_error"][-1] for r in rs]
                for d, rs in seeds.items() if d > k}   # error of layers 1..k minus that of all layers
        lines.append(contribution_line(f"{LABELS[row]}: the layers past the first {k}, together, add", past))
    return [line for line in lines if line]


def contribution_line(what, points):
    """One conclusion line; points: {depth: [points gained per seed]} ("" when empty).

    A contribution below 0 in every seed is named; it is not tested (the per-layer predictions are not kept)."""
    if not points:
        return ""
    hurts = [d for d, m in points.items() if max(m) < 0]
    return (f"- {what} " + ", ".join(f"{np.mean(m):+.2f} ({d} layers)" for d, m in points.items())
            + " points; below 0 (it hurts) in every seed at "
            + (", ".join(map(str, hurts)) + " layers" if hurts else "no depth"))


def learned_section(out, reproduction, dataset, y_test, family):
    """--gamma learned against the reproduction's FF and fixed-gamma rows, same budget and tuning."""
    learned = load_group(Path(out) / "learned" / f"{dataset}-course", tuple(LEARNED))
    learned = learned.get("cff-learned-network", {}).get("seeds", [])
    if not learned:
        return []
    fixed = load_group(Path(reproduction) / f"{dataset}-course")
    lines = [f"### {dataset}: collaboration that learns its weights", "",
             f"`python -m ffnumpy.studies.experiments learned --dataset {dataset}`", "",
             f"CFF learned gamma, Network: {fmt([r['test_error'] for r in learned])}% over {len(learned)} seeds "
             f"(setting lr {learned[0]['config']['lr']:g}"
             f"{edge(learned[0]['config']['lr'], learned_study(dataset).grid)}, "
             f"theta-scale {learned[0]['config']['theta_scale']:g}, chosen on validation).", ""]
    rows = {**fixed, **load_group(Path(out) / "learned" / f"{dataset}-course", tuple(LEARNED))}
    lines += [predictor_note({LABELS[row]: choice(rows, row) for row in ("cff-learned-network", "ff-network",
                              "cff-all-network", "cff-prev-network") if rows.get(row, {}).get("seeds")}), ""]
    for row in ("ff-network", "cff-all-network", "cff-prev-network"):
        seeds = fixed.get(row, {}).get("seeds", [])
        v = compare(learned, seeds, y_test, family,
                    label=f"experiments, {dataset}, course budget: CFF learned gamma, Network vs {LABELS[row]}")
        if v:
            call = in_words(v, "learned lower", f"{LABELS[row]} lower")
            lines.append(f"- against {LABELS[row]} ({fmt_runs(seeds)}%): {call} {evidence(v)}{mcnemar_note(v)}"
                         f"{cpu_note(v)}")
    alpha = np.mean([r["alpha"] for r in learned], axis=0)
    lines += ["", "Learned weights alpha_it (row i: the layer whose logit they enter; mean over seeds; "
              "they start at 1):", "", "| layer i | " + " | ".join(f"alpha_i{t + 1}" for t in range(len(alpha))) + " |",
              "|---|" + "---|" * len(alpha)]
    lines += [f"| {i + 1} | " + " | ".join(f"{a:.2f}" for a in row) + " |" for i, row in enumerate(alpha)]
    return lines + [""]


def write_report(out, reproduction="results/reproduction", labels=None):
    """Write OUT/README.md, and OUT/verdicts.json (its comparisons' corrected p-values: runs.report_family),
    from the result files; returns the README's path."""
    datasets = [d for d in ("mnist", "fashion-mnist")
                if any(any((Path(out) / study).glob(f"{d}-*")) for study in ("depth", "learned", "objective"))]
    labels = labels or {d: load_dataset(d).y_test for d in datasets}

    def build(family):
        doc = ["# Beyond the paper: experiments", "",
               "Made by `python -m ffnumpy.studies.experiments_report` from the JSON files in this folder, with the "
               "reproduction's protocol (results/reproduction/README.md).", "",
               rule(family.size) + " The transfer and continual sections keep no per-image predictions: "
               "there the bootstrap resamples seeds only and there is no McNemar.", ""]
        for dataset in datasets:
            doc += depth_section(out, dataset, labels[dataset], family, reproduction) + \
                learned_section(out, reproduction, dataset, labels[dataset], family) + \
                objective_section(out, reproduction, dataset, labels[dataset], family)
        return doc + transfer_section(out, family) + continual_section(out, family, "mnist") + \
            continual_section(out, family, "fashion-mnist")
    family = Family()
    doc = two_passes(build, family)
    path = Path(out) / "README.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(doc) + "\n")
    save_family(out, family)          # the notebooks call each comparison as this report did
    return path


def main(argv=None):
    return report_command(argv, "python -m ffnumpy.studies.experiments_report", __doc__, write_report,
                          out="results/experiments", reproduction="results/reproduction")


if __name__ == "__main__":
    sys.exit(main())
