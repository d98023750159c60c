"""Every number README.md quotes from results/ is recomputed here from the result files.

QUOTED pairs each quoted text with the function that makes it from the files; a
README that drifts from the files, or files that change under the README, fail.
"""
import functools
import json
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from conftest import dataset as on_this_machine

from ffnumpy.studies.runs import VERDICTS
from ffnumpy.studies.runs import load_group

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "results"
README = (ROOT / "README.md").read_text()


@functools.lru_cache(maxsize=None)
def answer():
    """(README lines, answer.json's data, block rows) of results/answer/ as answer.py builds them now."""
    from ffnumpy.studies.answer import build
    return build(RESULTS)


def headline():
    return answer()[1]["comparisons"]


def called(call):
    """The labels of the headline family's comparisons with this call, sorted."""
    return sorted(e["label"] for e in headline() if e["headline_call"] == call)


def entry(label):
    return next(e for e in headline() if e["label"] == label)


def block(budget, cff, dataset):
    return next(b for b in answer()[2] if b["budget"] == budget and b["cff"] == cff)["datasets"][dataset]


def means(d):
    """'2.01 against 2.40%': CFF's mean against FF's, and '(corrected p = ...)' from the headline family."""
    return f"{sum(d['cff']['errors']) / len(d['cff']['errors']):.2f} against " \
           f"{sum(d['ff']['errors']) / len(d['ff']['errors']):.2f}%"


def recipe_minutes():
    import numpy as np
    m = [x for rows in answer()[1]["recipe_minutes"].values() for runs in rows.values() for x in runs]
    return f"a median of {np.median(m):.0f} minutes each (range {min(m):.0f} to {max(m):.0f})"


LONG = "reproduction, mnist, long budget: FF, Layer vs CFF gamma(<t), Layer"
LONG_TUNED = "reproduction, mnist, long budget, tuned at it: FF, Layer vs CFF gamma(<t), Layer"
LITERAL = "reproduction, mnist, course budget: regime paper-negative (wide grid): FF, Network vs CFF gamma(<t), Network"


def demo_printed():
    return (RESULTS / "demo" / "demo_output.txt").read_text()


def demo_seconds():
    return f"{demo_printed().split('done in ')[1].split(' s')[0]} s in all"


def demo_layer_3():
    """'CFF's layer 3 alone errs 43%': the last number of the demo's CFF row."""
    cff = next(line for line in demo_printed().splitlines() if line.startswith("CFF "))
    return f"CFF's layer 3 alone errs {float(cff.split()[-1]):.0f}%"


def demo_recipe(row):
    """'<recipe>% against <Adam>%': the best validation error of the short recipe and of the demo's Adam."""
    best = [min(r["validation_error"] for r in load_group(RESULTS / folder, (row,))[row]["tune"])
            for folder in ("recipe/mnist-demo", "reproduction/mnist-course")]
    adam = "Adam's " if row == "ff-network" else ""
    return f"{best[0]:.2f}% against {adam}{best[1]:.2f}%"


def speed(name, key):
    return json.loads((RESULTS / "speed" / name).read_text())[key]["epoch_seconds"]


def torch_ratio():
    """PyTorch's seconds over ffnumpy's: the four training columns and the evaluation."""
    ours, theirs = (json.loads((RESULTS / "speed" / n).read_text()) for n in ("bench_train.json", "bench_torch.json"))
    ratios = [theirs[k]["epoch_seconds"] / ours[k]["epoch_seconds"]
              for k in ("FF-adam", "CFF-adam", "FF-sgd", "CFF-sgd")]
    ratios.append(theirs["test_eval_seconds"] / ours["test_eval_seconds"])
    return f"{min(ratios):.2f} to {max(ratios):.2f} times as fast"


def cifar_gaps():
    """README's CIFAR-10 sentence: how far ffnumpy's means lie above the paper's column."""
    import numpy as np
    rows = answer()[1]["cifar10"]
    gap = {r["row"]: np.mean(r["ours"]["errors"]) - r["paper"] for r in rows}
    goodness = [g for row, g in gap.items() if not row.startswith("bp-")]
    return (f"FF and CFF errors lie {min(goodness):.0f} to {max(goodness):.0f} points above the paper's; "
            f"its Backprop label lies {gap['bp-label']:.1f} above.\nIts Backprop pairwise lies "
            f"{gap['bp-pairwise']:.0f} points above")


QUOTED = [
    ("8.8 s with SGD", lambda: f"{speed('bench_train.json', 'FF-sgd'):.1f} s with SGD"),
    ("10.6 s with Adam", lambda: f"{speed('bench_train.json', 'FF-adam'):.1f} s with Adam"),
    ("1.28 to 1.70 times as fast", torch_ratio),
    ("8.5 s per epoch", lambda: f"{speed('bench_recipe.json', 'FF-recipe'):.1f} s per epoch"),
    ("84 s in all", demo_seconds),
    ("CFF's layer 3 alone errs 43%", demo_layer_3),
    ("all 84 FF-against-CFF comparisons", lambda: f"all {answer()[1]['family']['size']} FF-against-CFF comparisons"),
    ("(2.01 against 2.40%, corrected p = 0.025)", lambda: f"({means(block('long', 'cff-prev-layer', 'mnist'))}, "
     f"corrected p = {entry(LONG)['headline_p']:.2g})"),
    ("(MNIST, 7.68 against 8.26%) does not survive the headline family's correction (corrected p = 0.093)",
     lambda: f"(MNIST, {regime_cell('mnist', 'paper-negative (wide grid)', 7).split(' ')[0]} against "
             f"{regime_cell('mnist', 'paper-negative (wide grid)', 1).split(' ')[0]}%) does not survive the "
             f"headline family's correction (corrected p = {entry(LITERAL)['headline_p']:.2g})"),
    ("a median of 29 minutes each (range 16 to 163)", recipe_minutes),
    ("FF and CFF errors lie 8 to 17 points above the paper's; its Backprop label lies 2.4 above.\n"
     "Its Backprop pairwise lies 21 points above", cifar_gaps),
]


@pytest.mark.parametrize("quoted,source", QUOTED, ids=[q for q, _ in QUOTED])
def test_readme_number_matches_the_files(quoted, source):
    assert quoted in README, f"README no longer quotes {quoted!r}: update QUOTED"
    assert source() == quoted


def test_readme_table_is_the_answers_table_from_the_files():
    from ffnumpy.studies.answer import table
    assert "\n".join(table(answer()[2])) in README, "README's table is stale: python -m ffnumpy.studies.answer"


def test_readme_cifar10_table_is_the_answers_from_the_files():
    from ffnumpy.studies.answer import cifar_table
    assert "\n".join(cifar_table(answer()[1]["cifar10"])) in README, \
        "README's CIFAR-10 table is stale: python -m ffnumpy.studies.answer"


def test_readme_record_table_is_the_record_reports_from_the_files():
    from ffnumpy.studies.record_report import standing
    assert "\n".join(standing(RESULTS / "record", RESULTS / "recipe")) in README, \
        "README's record table is stale: python -m ffnumpy.studies.record_report"
    from ffnumpy.studies.record import TARGET
    assert f"The targets are {TARGET['mnist']:.2f}% on MNIST and {TARGET['fashion-mnist']:.1f}% on Fashion-MNIST" in README


def test_the_answer_folder_is_what_its_files_give_now():
    doc, data, _ = answer()
    assert "\n".join(doc) + "\n" == (RESULTS / "answer" / "README.md").read_text(), \
        "results/answer/ is stale: python -m ffnumpy.studies.answer"
    assert json.loads(json.dumps(data)) == json.loads((RESULTS / "answer" / "answer.json").read_text())


def test_readme_states_the_headline_familys_calls():
    """The answer's sentences hold exactly while the headline family calls as they say."""
    assert called("B lower") == [LONG]
    assert "CFF's error is lower in one comparison only" in README
    assert "corrected p = 0.025), but not once each row is tuned there." in README             # tuned at the long budget: no call
    assert entry(LONG_TUNED)["headline_call"] == "no difference shown"
    assert called("A lower") == sorted([
        "reproduction, mnist, course budget: FF, Network vs CFF gamma, Network",
        "reproduction, fashion-mnist, course budget: FF, Network vs CFF gamma, Network",
        "reproduction, mnist, course budget: regime shared-theta: FF, Network vs CFF gamma, Network"])
    assert "FF's error is lower than CFF gamma's at the course budget on both datasets, and on MNIST when CFF's " \
        "logit subtracts [its own layer's threshold only]" in README
    assert {e["headline_call"] for e in headline()} <= {"A lower", "B lower", "no difference shown", "unstable"}
    assert "no other comparison shows a difference" in README
    literal = entry(LITERAL)
    assert literal["call"] == "B lower" and literal["headline_call"] == "no difference shown"   # its report's win


def test_results_readme_says_what_is_still_running_exactly_while_it_is():
    """results/README.md names the runs still owed (the recipe question's MNIST FF seeds, the long budget tuned
    at it) while their files are missing, and must stop once every run is in."""
    from ffnumpy.studies.hinton import question_studies
    from ffnumpy.studies.protocol import pending
    from ffnumpy.studies.reproduce import long_tuned_studies, table_study
    text = " ".join((ROOT / "results" / "README.md").read_text().split())
    question = sum(len(pending(RESULTS / "recipe", s)) for d in ("mnist", "fashion-mnist")
                   for s in question_studies(d, out=str(RESULTS / "recipe")))
    tuned = sum(len(pending(RESULTS / "reproduction", s)) for d in ("mnist", "fashion-mnist")
                for s in long_tuned_studies(d))
    cifar = len(pending(RESULTS / "reproduction", table_study("cifar10", "course")))
    assert ("Still running: the long budget tuned at its own budget" in text) == (tuned > 0)
    assert ("CIFAR-10's course study is still running" in text) == (cifar > 0)
    assert ("the recipe question's MNIST FF seeds 1-3" in text) == (question > 0)


def regime_cell(dataset, regime, column):
    """A cell of the reproduction report's regime table (1: FF, 4: CFF gamma, 7: CFF gamma(<t), 9: its verdict)."""
    text = (RESULTS / "reproduction" / "README.md").read_text().split(f"## {dataset}, course budget")[1]
    line = next(x for x in text.splitlines() if x.startswith(f"| {regime} |"))
    return line.strip("| ").split(" | ")[column]


def question_table_rows(dataset):
    """[the row's cells] of the recipe report's question tables for `dataset`, in order."""
    section = recipe_report().split(f"## {dataset}: does collaboration help a strong FF?")[1].split("\n## ")[0]
    return [[c.strip() for c in line.strip().strip("|").split("|")] for line in section.splitlines()
            if line.startswith("| ")]


def question_cells(dataset):
    """{first cell: the row's cells} of question_table_rows."""
    return {cells[0]: cells for cells in question_table_rows(dataset)}


@functools.lru_cache(maxsize=None)
def recipe_written():
    """(README.md, verdicts.json, comparisons.json) of results/recipe as hinton_report writes them now, from a
    copy of the files."""
    from ffnumpy.studies.hinton_report import write_report
    from ffnumpy.studies.runs import LISTED
    with tempfile.TemporaryDirectory() as tmp:
        for folder in ("recipe", "speed"):                  # the report quotes the recipe's benchmark
            shutil.copytree(RESULTS / folder, Path(tmp) / folder,
                            ignore=shutil.ignore_patterns("*.ckpt.npz", "*.claim"))   # a run in progress
        labels = {name: on_this_machine(name).y_test for name in ("mnist", "fashion-mnist")}   # (or skipped)
        path = write_report(Path(tmp) / "recipe", labels=labels)
        return path.read_text(), (path.parent / VERDICTS).read_text(), (path.parent / LISTED).read_text()


def recipe_report():
    return recipe_written()[0]


def test_the_recipe_report_is_what_its_files_give_now():
    from ffnumpy.studies.runs import LISTED
    report, verdicts, listed = recipe_written()
    assert report == (RESULTS / "recipe" / "README.md").read_text(), \
        "results/recipe/README.md is stale: python -m ffnumpy.studies.hinton_report"
    assert verdicts == (RESULTS / "recipe" / VERDICTS).read_text(), "results/recipe/verdicts.json is stale"
    assert listed == (RESULTS / "recipe" / LISTED).read_text(), "results/recipe/comparisons.json is stale"


@pytest.mark.parametrize("name", ["mnist", "fashion-mnist"])
def test_the_lessons_answer_calls_each_comparison_as_the_recipe_report(name):
    """question_answer (tutorial 05) reads the report's family: its calls are the report's table's."""
    from ffnumpy.studies.question_report import question_answer
    from ffnumpy.studies.runs import report_family
    cells = question_cells(name)
    lines = question_answer(RESULTS / "recipe", name, report_family(RESULTS / "recipe"),
                            on_this_machine(name).y_test)
    for label in ("CFF gamma(<t)", "CFF gamma"):
        test = cells[label][6].strip("*")
        if test == "-":                                                  # not run, or only its tuning
            assert f"{label}: no test seed yet" in lines
            continue
        assert f"{label}: {test.split(' (')[0]}% by " in "\n".join(lines)   # '10.45 (1 seed)': 10.45
        row = next((c for name, c in cells.items() if name.startswith(f"FF vs {label}, each by its choice")), None)
        answer_line = next(x for x in lines if x.startswith(f"FF against {label}:"))
        if row is None or row[7].startswith("not yet measured"):
            assert "not yet measured" in answer_line
            continue
        verdict = row[7].replace("**", "").split(" (provisional")[0].strip()
        assert answer_line.startswith(f"FF against {label}: {verdict} ("), (answer_line, verdict)
        assert f"corrected p = {float(row[5]):.2g}," in answer_line


def test_readme_demo_block_is_what_the_demo_printed():
    block = README.split("## The demo", 1)[1].split("```", 2)[1]
    printed = demo_printed()
    for line in block.strip().splitlines():
        assert line in printed, line


def test_readme_is_a_front_door():
    assert len(README.splitlines()) <= 250


@pytest.mark.parametrize("doc,least", [("results/README.md", (11, 21)), ("tutorials/TEACHING.md", (2, 2))])
def test_hand_typed_numbers_are_in_the_generated_reports(doc, least):
    # results/README.md and the instructor's kit are typed by hand: every mean ± std and every percentage in
    # them must appear in a report the studies generate (results/*/README.md) or a benchmark printed
    # (results/speed/*.txt), so a regenerated report that moves a number turns this red
    text = (ROOT / doc).read_text()
    reports = "\n".join(p.read_text() for p in [*(ROOT / "results").glob("*/README.md"),
                                                 *(ROOT / "results" / "speed").glob("*.txt")])
    spread = re.findall(r"\d+\.\d+ ± \d+\.\d+", text)
    percent = re.findall(r"(?<![\d.])\d+\.\d+%", text)
    assert len(spread) >= least[0] and len(percent) >= least[1]     # the patterns still find the numbers
    assert [t for t in spread if t not in reports] == []
    assert [t for t in percent if t not in reports and t[:-1] not in reports] == []


RESULTS_HEADLINE = [   # results/README.md's verdicts on FF against CFF: the headline family's p
    ("(headline p = 0.00068)", "reproduction, mnist, course budget: FF, Network vs CFF gamma, Network"),
    ("(headline p = 0.013)", "reproduction, fashion-mnist, course budget: FF, Network vs CFF gamma, Network"),
    ("(headline p = 0.025)", LONG),
    ("(headline p = 0.093)", LITERAL),
    ("(headline p = 0.0054)", "reproduction, mnist, course budget: regime shared-theta: FF, Network vs CFF gamma, "
                              "Network"),
    ("headline p = 0.057 against CFF gamma(<t)",
     "recipe, fashion-mnist: FF vs CFF gamma(<t), both by layers 2 and up"),
    ("0.11 against CFF gamma)", "recipe, fashion-mnist: FF vs CFF gamma, both by layers 2 and up"),
    ("0.37 in the headline's)", "recipe, fashion-mnist: FF vs CFF gamma(<t), both by all layers"),
    ("not in the headline's (0.22)", "recipe, mnist: FF vs CFF gamma, both by layers 2 and up"),
]


@pytest.mark.parametrize("quoted,label", RESULTS_HEADLINE, ids=[q for q, _ in RESULTS_HEADLINE])
def test_results_readme_quotes_the_headline_family(quoted, label):
    text = " ".join((ROOT / "results" / "README.md").read_text().split())
    assert quoted in text, f"results/README.md no longer quotes {quoted!r}"
    p = re.search(r"(\d\.\d+(?:e-\d+)?)", quoted.split("p = ")[-1] if "p = " in quoted else quoted).group(1)
    assert f"{entry(label)['headline_p']:.2g}" == p, (label, entry(label)["headline_p"])
    assert f"{answer()[1]['family']['size']} comparisons of FF with CFF" in text


RESULTS_QUOTED = [   # results/README.md's other measured numbers, made again from the files
    ("FF 2.60% against Adam's 2.40%", lambda: "FF " + demo_recipe("ff-network")),
    ("CFF gamma(<t) 3.30% against 2.46%", lambda: "CFF gamma(<t) " + demo_recipe("cff-prev-network")),
    ("a median of 29 minutes each (range 16 to 163)", recipe_minutes),
    ("took 8.5 s on the 2026-12-02 CPU", lambda: f"took {speed('bench_recipe.json', 'FF-recipe'):.1f} s on the "
     f"{json.loads((RESULTS / 'speed' / 'bench_recipe.json').read_text())['date']} CPU"),
    ("100 epochs would take 14 minutes", lambda: f"100 epochs would take "
     f"{100 * speed('bench_recipe.json', 'FF-recipe') / 60:.0f} minutes"),
    ("All 84 comparisons of FF with CFF", lambda: f"All {answer()[1]['family']['size']} comparisons of FF with CFF"),
    ("Its 15 unstable comparisons", lambda: f"Its {answer()[1]['family']['unstable']} unstable comparisons"),
    ("(2.01 ± 0.08 against FF's 2.40 ± 0.07%, corrected p = 0.025)",
     lambda: f"({fmt_seeds(block('long', 'cff-prev-layer', 'mnist')['cff'])} against FF's "
             f"{fmt_seeds(block('long', 'cff-prev-layer', 'mnist')['ff'])}%, corrected p = "
             f"{entry(LONG)['headline_p']:.2g})"),
    ("The reproduction's own family calls FF lower there (corrected p = 0.031)",
     lambda: "The reproduction's own family calls FF lower there (corrected p = "
             f"{entry(CIFAR_LAYER)['corrected_p']:.2g})"),
    ("differed in 1 parameter after epoch 1, in 2,503 after epoch 3 and in 592,042 of 893,500 after epoch 6",
     lambda: (lambda d: f"differed in {d['differ_off'][0]} parameter after epoch 1, in {d['differ_off'][2]:,} after "
              f"epoch 3 and in {d['differ_off'][5]:,} of {d['parameters']:,} after epoch 6")(drift())),
    ("It gave 2.62% test error with the floors and 2.89% without",
     lambda: (lambda e: f"It gave {e['on']:.2f}% test error with the floors and {e['off']:.2f}% without")(
         drift()["test_error"])),
    ("Backprop label gives 48.27 ± 0.18%", lambda: f"Backprop label gives {cifar_row('bp-label')}%"),
    ("Backprop pairwise gives 66.84 ± 0.10%", lambda: f"Backprop pairwise gives {cifar_row('bp-pairwise')}%"),
]
def drift():
    return json.loads((RESULTS / "speed" / "denormal_drift.json").read_text())


CIFAR_LAYER = "reproduction, cifar10, course budget: FF, Layer vs CFF gamma(<t), Layer"


def cifar_row(row):
    return fmt_seeds(next(r["ours"] for r in answer()[1]["cifar10"] if r["row"] == row))


def fmt_seeds(side):
    from ffnumpy.studies.runs import fmt
    return fmt(side["errors"])


@pytest.mark.parametrize("quoted,source", RESULTS_QUOTED, ids=[q for q, _ in RESULTS_QUOTED])
def test_results_readme_number_matches_the_files(quoted, source):
    text = " ".join((ROOT / "results" / "README.md").read_text().split())
    assert quoted in text, f"results/README.md no longer quotes {quoted!r}"
    assert source() == quoted


def test_results_readme_denormals_table_is_the_benchmarks_file():
    """The denormals table's times and counts, made again from results/speed/bench_denormals.json."""
    text = (ROOT / "results" / "README.md").read_text()
    bench = json.loads((RESULTS / "speed" / "bench_denormals.json").read_text())
    ops = [round(slow / normal) for normal, slow in bench["operations"].values()]
    assert f"took {ops[0]} times as long, an elementwise multiply {ops[1]} times" in text
    for name, r in bench["training"].items():
        on, off = r["epoch_seconds_floors_on"], r["epoch_seconds_floors_off"]
        cell = (lambda s: ", ".join(f"{x:.1f}" for x in s)) if len(on) == 3 else \
            (lambda s: f"{min(s):.1f} to {max(s):.1f}")
        row = next(line for line in text.splitlines() if line.startswith(f"| {name}"))
        assert f"| {cell(off)} | {cell(on)} | {r['parameters_moved']} of {r['parameters']:,}" in row, row
