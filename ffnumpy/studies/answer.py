"""The answer on one page: FF beside CFF at each budget, called by the headline family (headline.py).

    python -m ffnumpy.studies.answer        # results/answer/README.md, answer.json, answer.png

Run it after the three reports (python -m ffnumpy.studies.report, experiments_report, hinton_report):
it reads their comparisons.json and the result files. Every table compares rows at one budget:

    course       784-500x3, 8 epochs (per layer under the Layer schedule), Adam, each row tuned
    long         784-1000x3, 30 epochs per layer, the course budget's settings
    long-tuned   the same network and epochs, each row tuned at that budget
    recipe       Hinton's recipe, 784-1000x3, 100 epochs, each row's learning rate tuned

Each row is read by the predictor it chose on validation (predictors.py). A block whose runs are still
missing says how many seeds it has, or "not yet measured": regenerate once they land.

CIFAR-10 has a table of its own (cifar_table): the paper's seven rows at the course budget (3072-500x3),
the paper's error beside ffnumpy's, and each CFF row's verdict against FF under the same schedule.
"""
import json
import sys
from pathlib import Path

import numpy as np

from ..evaluate import failed_run
from . import predictors
from .headline import REPORTS, find, headline
from .hinton import QUESTION_SEEDS
from .plots_answer import plot_answer
from .cifar_report import planned
from .reproduce import ANSWER_SEEDS, DATASETS as PAPER_COLUMNS, PAPER
from .runs import ROW_LABELS, SAME_SCHEDULE, budget_tag, choice, comparison_key, fmt, load_group, report_command

DATASETS = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}
SHORT = {"all": "", "skip-first": " (layers 2+)", "readout": " (readout)", "log": " (log score)"}
BLOCKS = [  # (budget, its name in the table, folder under results/ per dataset, [(FF row, CFF row)])
    ("course", "course: 784-500x3, 8 epochs", "reproduction/{}-course",
     [("ff-layer", "cff-prev-layer"), ("ff-network", "cff-prev-network"), ("ff-network", "cff-all-network")]),
    ("long", "long: 784-1000x3, 30 epochs, course settings", "reproduction/{}-long", [("ff-layer", "cff-prev-layer")]),
    ("long-tuned", "long, each row tuned at it", "reproduction/{}-long-tuned", [("ff-layer", "cff-prev-layer")]),
    ("recipe", "Hinton's recipe: 784-1000x3, 100 epochs", "recipe/{}-question",
     [("ff-network", "cff-prev-network"), ("ff-network", "cff-all-network")]),
]
WORDS = {"A lower": "FF lower", "B lower": "CFF lower", "no difference shown": "no difference shown",
         "unstable": "unstable: no verdict"}


def side(rows, row, reused, planned):
    """One row at one budget: its chosen predictor, test errors by it (seeds that did not fail), training minutes."""
    if not rows.get(row, {}).get("seeds"):
        return {"seeds": 0, "planned": planned, "failed": 0, "errors": [], "chosen_predictor": None, "minutes": []}
    seeds = rows[row]["seeds"]
    predict, table = choice(rows, row, reused)
    good = [r for r in seeds if not failed_run(r)]
    return {"seeds": len(good), "planned": planned, "failed": len(seeds) - len(good), "chosen_predictor": predict,
            "validation_by_predictor": table, "errors": [predictors.test_error(r, predict) for r in good],
            "seed_numbers": [r["config"]["seed"] for r in good],
            "minutes": [r["train_seconds"] / 60 for r in seeds]}


def block_rows(results, family):
    """[{budget, name, ff, cff, datasets: {dataset: {ff, cff, call, p, key}}}] for every block row."""
    out = []
    for budget, name, folder, pairs in BLOCKS:
        for ff, cff in pairs:
            entry = {"budget": budget, "name": name, "ff": ff, "cff": cff, "datasets": {}}
            for dataset in DATASETS:
                rows = load_group(Path(results) / folder.format(dataset), (ff, cff))
                reused = load_group(Path(results) / f"reproduction/{dataset}-course") if budget == "long" else None
                planned = {r: len(QUESTION_SEEDS[r] if budget == "recipe" else ANSWER_SEEDS) for r in (ff, cff)}
                a, b = (side(rows, r, reused, planned[r]) for r in (ff, cff))
                found = None
                if a["seeds"] and b["seeds"]:
                    found = find(family, comparison_key(rows[ff]["seeds"], rows[cff]["seeds"],
                                                        (a["chosen_predictor"], b["chosen_predictor"]),
                                                        budget_tag(budget)))
                entry["datasets"][dataset] = {
                    "ff": a, "cff": b, "call": found["headline_call"] if found else None,
                    "p": found["headline_p"] if found else None, "common_seeds": found["seeds"] if found else 0,
                    "label": found["label"] if found else None}
            out.append(entry)
    return out


def errors_cell(s):
    if not s["seeds"]:
        return "not yet measured"
    if s["seeds"] < s["planned"]:
        partial = f", {s['seeds']} of {s['planned']} seeds"
    elif s["seeds"] != len(ANSWER_SEEDS):                 # a row planned with another number of seeds
        partial = f", {s['seeds']} seeds"
    else:
        partial = ""
    failed = f", {s['failed']} failed" if s["failed"] else ""
    return fmt(s["errors"]) + SHORT.get(s["chosen_predictor"], "") + partial + failed


def call_cell(d):
    if d["call"] is None:
        return "not yet measured" if not (d["ff"]["seeds"] and d["cff"]["seeds"]) else "no seeds in common yet"
    p = "" if d["call"] == "unstable" else f" (p = {d['p']:.2g})"
    partial = f", {d['common_seeds']} seeds" if d["common_seeds"] < min(d["ff"]["planned"], d["cff"]["planned"]) \
        else ""
    return WORDS[d["call"]] + p + partial


def table(blocks):
    """README's table: one block per budget, FF beside CFF, the headline family's verdicts."""
    cols = [f"{DATASETS[d]}: {x}" for d in DATASETS for x in ("FF", "CFF", "verdict")]
    lines = ["| budget | FF against | " + " | ".join(cols) + " |", "|---|---|" + "---|" * len(cols),
             "| the CFF paper's Table 1 | CFF gamma(<t), Layer | " + " | ".join(
                 f"{PAPER['ff-layer'][k]} | {PAPER['cff-prev-layer'][k]} | no seeds or spread given" for k in (0, 1))
             + " |"]
    last = None
    for b in blocks:
        cells = [b["name"] if b["name"] != last else "", ROW_LABELS[b["cff"]]]
        last = b["name"]
        for d in DATASETS:
            x = b["datasets"][d]
            cells += [errors_cell(x["ff"]), errors_cell(x["cff"]), call_cell(x)]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


CIFAR, CIFAR_FOLDER = "cifar10", "reproduction/cifar10-course"
AGAINST = {cff: ff for ff, cff in SAME_SCHEDULE}      # a CFF row: the FF row under its schedule


def cifar_rows(results, family):
    """[{row, paper, ours: side(), against, call, p, common_seeds}] of the paper's seven rows on CIFAR-10 at
    the course budget; a CFF row carries its headline verdict against FF under the same schedule."""
    rows = load_group(Path(results) / CIFAR_FOLDER)
    sides = {r: side(rows, r, None, len(planned(r))) for r in ROW_LABELS}
    out = []
    for row in ROW_LABELS:
        ff, found = AGAINST.get(row), None
        if ff and sides[ff]["seeds"] and sides[row]["seeds"]:
            key = comparison_key(rows[ff]["seeds"], rows[row]["seeds"],
                                 (sides[ff]["chosen_predictor"], sides[row]["chosen_predictor"]))
            found = find(family, key)
        out.append({"row": row, "paper": PAPER[row][PAPER_COLUMNS.index(CIFAR)], "ours": sides[row], "against": ff,
                    "call": found["headline_call"] if found else None, "p": found["headline_p"] if found else None,
                    "common_seeds": found["seeds"] if found else 0})
    return out


def cifar_table(rows):
    """README's CIFAR-10 table: the paper's column beside ffnumpy's, and each CFF row's verdict against FF."""
    lines = ["| row | the paper (%) | ffnumpy (%) | against FF, same schedule |", "|---|---|---|---|"]
    for r in rows:
        if r["against"] is None:
            verdict = "-"
        else:
            d = {"call": r["call"], "p": r["p"], "common_seeds": r["common_seeds"],
                 "ff": next(x["ours"] for x in rows if x["row"] == r["against"]), "cff": r["ours"]}
            verdict = call_cell(d)
        lines.append(f"| {ROW_LABELS[r['row']]} | {r['paper']} | {errors_cell(r['ours'])} | {verdict} |")
    return lines


def cifar_blocks(rows):
    """cifar_rows() as the figure's blocks: each CFF row beside FF under its schedule, at the course budget."""
    ours = {r["row"]: r["ours"] for r in rows}
    return [{"budget": "course", "cff": r["row"], "datasets": {CIFAR: {"ff": ours[r["against"]], "cff": r["ours"]}}}
            for r in rows if r["against"]]


def family_lines(family):
    lines = ["| comparison | seeds | paired t p | corrected p, its report | its report's call "
             "| corrected p, headline | headline verdict |", "|---|---|---|---|---|---|---|"]
    for e in sorted(family["comparisons"], key=lambda e: (e["headline_p"], e["label"] or "")):
        p = "unstable" if e["p"] is None else f"{e['p']:.2g}"
        lines.append(f"| {e['label'] or ' vs '.join(e['key'])} | {e['seeds']} | {p} | {e['corrected_p']:.2g} "
                     f"| {e['call']} | {e['headline_p']:.2g} | {e['headline_call']} |")
    return lines


PLAIN = {"course": "course budget (the demo's network, 8 epochs)", "long": "long budget (784-1000x3, 30 epochs)",
         "long-tuned": "long budget, tuned at it", "recipe": "Hinton's recipe (784-1000x3, 100 epochs)"}
PLAIN_CALLS = {"A lower": "FF's error is lower", "B lower": "CFF's error is lower",
               "no difference shown": "no difference shown", "unstable": "no verdict (a seed failed or spread)"}


def closing_lines(blocks, size, dataset="mnist"):
    """The demo's closing lines, in plain words: per budget, FF against CFF gamma(<t) on `dataset` (the
    Network schedule where a budget has both), as the headline family calls it. At most 6 lines."""
    lines = [f"One run is one seed. Over seeds ({DATASETS[dataset]}; each verdict corrected for all {size} "
             "FF-CFF comparisons made):"]
    for budget in PLAIN:
        rows = [b for b in blocks if b["budget"] == budget and b["cff"].startswith("cff-prev")]
        b = sorted(rows, key=lambda b: b["cff"] != "cff-prev-network")[0]
        d = b["datasets"][dataset]
        ff, cff = d["ff"], d["cff"]
        if not ff["errors"] or not cff["errors"]:
            lines.append(f"  {PLAIN[budget]}: not yet measured")
            continue
        partial = f" ({d['common_seeds']} of {min(ff['planned'], cff['planned'])} seeds so far)" \
            if d["common_seeds"] < min(ff["planned"], cff["planned"]) else ""
        said = PLAIN_CALLS[d["call"]] if d["call"] else "no seeds in common yet"
        lines.append(f"  {PLAIN[budget]}: FF {np.mean(ff['errors']):.2f}%, CFF {np.mean(cff['errors']):.2f}%: "
                     f"{said}{partial}")
    return lines + ["  More: README.md (the answer) and results/answer/README.md (python -m ffnumpy.studies.answer)"]


def recipe_minutes(blocks):
    """{dataset: {row: [training minutes of its seed runs]}} of the recipe block (the recorded times)."""
    found = {}
    for b in blocks:
        if b["budget"] == "recipe":
            for d, x in b["datasets"].items():
                found.setdefault(d, {}).update({b["ff"]: x["ff"]["minutes"], b["cff"]: x["cff"]["minutes"]})
    return found


def build(results="results"):
    """(README lines, answer.json's data, block rows) of results/answer/, from the files."""
    results = Path(results)
    family = headline(results)
    blocks = block_rows(results, family)
    counts = {r: sum(e["report"] == r for e in family["comparisons"]) for r in REPORTS}
    cifar = cifar_rows(results, family)
    data = {"family": {"size": family["size"], "unstable": family["unstable"], "by_report": counts},
            "blocks": blocks, "cifar10": cifar, "comparisons": family["comparisons"],
            "recipe_minutes": recipe_minutes(blocks),
            "closing": {d: closing_lines(blocks, family["size"], d) for d in DATASETS}}
    doc = ["# The answer: FF beside CFF at each budget", "",
           "Made by `python -m ffnumpy.studies.answer` from the result files and the three reports' "
           "comparisons.json (run the reports first). Test error (%), mean ± std over the seeds that did not "
           "fail; each row read by the predictor it chose on validation (`predictors.py`; all layers unless the "
           "cell says otherwise).", "",
           f"**The headline family.** Every comparison of an FF row with a CFF row in results/ is one Holm family: "
           f"{family['size']} comparisons ({', '.join(f'{n} {r}' for r, n in counts.items())}), of which "
           f"{family['unstable']} are unstable and count at p = 1. A verdict needs the paired t-test's p, "
           "Holm-corrected over this family, below 0.05 and the bootstrap interval on the same side of 0. Each "
           "report keeps its own, smaller family for its own detail.", ""] + table(blocks) + \
        ["", "p: the paired t-test's p, Holm-corrected over the headline family. Blocks still running say how "
         "many seeds they have; they are regenerated when their runs land.", "", "![the answer](answer.png)", "",
         "## CIFAR-10: the paper's third column", "",
         "The course budget on CIFAR-10: 3072-500x3, 8 epochs, trained on the first 40k training images. Each row "
         "tuned on the last 10k. Test error (%) on the 10k test images; FF and CFF 5 seeds, backprop 3. A CFF row's "
         "verdict is against FF under the same schedule, by the headline family.", ""] + cifar_table(cifar) + [
         "",
         "## Every comparison in the headline family", ""] + family_lines(family)
    return doc, data, blocks


def write_answer(results="results"):
    """Write results/answer/README.md, answer.json and answer.png from the files; returns the README's path."""
    doc, data, blocks = build(results)
    folder = Path(results) / "answer"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "answer.json").write_text(json.dumps(data, indent=1) + "\n")
    panels = [(name, dataset, blocks) for dataset, name in DATASETS.items()]
    panels.append(("CIFAR-10", CIFAR, cifar_blocks(data["cifar10"])))
    plot_answer(panels, folder / "answer.png",
                title="Does collaboration help? FF beside CFF at each budget (every seed a dot)")
    path = folder / "README.md"
    path.write_text("\n".join(doc) + "\n")
    return path


def main(argv=None):
    return report_command(argv, "python -m ffnumpy.studies.answer", __doc__, write_answer, results="results")


if __name__ == "__main__":
    sys.exit(main())
