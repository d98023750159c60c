"""The reproduction report: results/reproduction/README.md and its figures,
computed from the result files alone (python -m ffnumpy.reproduce --report).

Every verdict in it is computed here from the runs, by the rule of stats.py
(paired t over seeds, Holm-corrected over the report's comparisons, and a
bootstrap interval over seeds and images on the same side of 0; a failed seed
or seeds spread over 5 points: "unstable: no verdict"). The report is built
twice: the first pass gathers the comparisons, the second prints the calls.
"""
import json
from pathlib import Path

import numpy as np

from .analysis import CHANCE
from .data import load_dataset
from .plots import plot_seed_contributions, plot_seed_entropy
from .reproduce import BUDGETS, DATASETS, GRID, PAPER, REGIME_ROWS, SEEDS, regime_studies
from .health import failed_run
from .stats import Family, compare_seeds, evidence, in_words, mean_std

ROW_LABELS = {"bp-pairwise": "Backprop pairwise", "bp-label": "Backprop label", "ff-layer": "FF, Layer",
              "ff-network": "FF, Network", "cff-prev-layer": "CFF gamma(<t), Layer",
              "cff-prev-network": "CFF gamma(<t), Network", "cff-all-network": "CFF gamma, Network"}
COMPARISONS = [("ff-network", "cff-all-network"), ("ff-network", "cff-prev-network"),
               ("ff-layer", "cff-prev-layer"), ("ff-layer", "ff-network"), ("bp-label", "ff-network"),
               ("bp-pairwise", "ff-network"), ("cff-prev-network", "cff-all-network")]
SAME_SCHEDULE = [("ff-network", "cff-all-network"), ("ff-network", "cff-prev-network"), ("ff-layer", "cff-prev-layer")]


def load_group(group, names=tuple(ROW_LABELS)):
    """{row: {"tune": [records], "seeds": [records by seed]}} of one study folder (rows among `names`)."""
    rows = {}
    for row in names:
        tune = [json.loads(p.read_text()) for p in sorted((group / row / "tune").glob("*.json"))]
        seeds = [json.loads(p.read_text()) for p in sorted((group / row).glob("seed*.json"))]
        if tune or seeds:
            rows[row] = {"tune": tune, "seeds": sorted(seeds, key=lambda r: r["config"]["seed"])}
    return rows


def load(out):
    """{(dataset, budget): load_group(OUT/<dataset>-<budget>)} for every table study found."""
    found = {}
    for dataset in DATASETS:
        for budget in BUDGETS:
            rows = load_group(Path(out) / f"{dataset}-{budget}")
            if rows:
                found[(dataset, budget)] = rows
    return found


def marginals(record):
    """Marginal contribution (points) of each layer: error of 1..k-1 minus error of 1..k."""
    prefix = record["prefix_test_error"]
    return [p - e for p, e in zip([CHANCE] + prefix[:-1], prefix)]


def fmt(values, digits=2, unit=""):
    if not values:
        return "-"
    m, s = mean_std(values)
    return f"{m:.{digits}f} ± {s:.{digits}f}{unit}" if len(values) > 1 else f"{m:.{digits}f}{unit} (1 seed)"


def fmt_runs(seeds, key="test_error", unit=""):
    """fmt over the seeds that did not fail, and how many failed: '2.31 ± 0.05 (1 of 3 seeds failed)'."""
    good = [r[key] for r in seeds if not failed_run(r)]
    lost = len(seeds) - len(good)
    return fmt(good, unit=unit) + (f" ({lost} of {len(seeds)} seeds failed)" if lost else "")


def compare(seeds_a, seeds_b, y_test, family):
    """The call on two rows (stats.compare_seeds, judged by `family`) over the seeds both have
    that did not fail, or None (fewer than 2). A seed that failed in either row (health.failed_run)
    is left out and makes the comparison unstable."""
    sa = {r["config"]["seed"]: r for r in seeds_a}
    sb = {r["config"]["seed"]: r for r in seeds_b}
    common = sorted(set(sa) & set(sb))
    failed = tuple(sum(failed_run(runs[s]) for s in common) for runs in (sa, sb))
    if len(common) < 2:
        return None
    common = [s for s in common if not failed_run(sa[s]) and not failed_run(sb[s])]
    truth = np.tile(y_test, len(common))

    def right(runs):
        return np.concatenate([np.frombuffer(runs[s]["test_predictions"].encode(), np.uint8) - 48
                               for s in common]) == truth
    v = compare_seeds([sa[s]["test_error"] for s in common], [sb[s]["test_error"] for s in common],
                      right(sa), right(sb), failed)
    return family.judge(comparison_key(seeds_a, seeds_b), v)


def comparison_key(seeds_a, seeds_b):
    """Which two rows are compared: their configurations, the seed left out (a copied run is the same row)."""
    def row(seeds):
        return json.dumps({k: v for k, v in seeds[0]["config"].items() if k != "seed"}, sort_keys=True)
    return row(seeds_a), row(seeds_b)


def two_passes(build):
    """build(family) -> result, run twice: once to gather the comparisons, once to call them (stats.Family)."""
    family = Family()
    build(family)
    return build(family.close())


RULE = ("A difference between two rows is called only when the paired t-test over the seeds, Holm-corrected "
        "over the {n} comparisons of this report, gives p < 0.05 and the 95% bootstrap interval of the mean "
        "difference (resampling seeds and test images) lies on the same side of 0; otherwise \"no difference "
        "shown\". A comparison with a failed seed (dead, or one class for 90% of the images or more: left out "
        "of every mean) or with seeds spread over more than 5 points is \"unstable: no verdict\". McNemar's test "
        "on the pooled predictions is shown beside: it is evidence about these trained networks, not the methods. "
        "Spreads are sample standard deviations (ddof 1) over seeds.")


def mcnemar_note(v):
    """'; McNemar on these networks p = 0.003', or '' where there is none (an unstable comparison)."""
    return f"; McNemar on these networks p {p_is(v['mcnemar']['p'])}" if v.get("mcnemar") else ""


def p_text(p):
    """A p-value for a sentence: 0.0085, 3.9e-08, or < 1e-300 where the float underflows."""
    return f"{p:.2g}" if p > 0 else "< 1e-300"


def p_is(p):
    """'= 0.0085' or '< 1e-300': what follows "p " in a sentence."""
    text = p_text(p)
    return text if text.startswith("<") else f"= {text}"


def call_text(v, a, b):
    return in_words(v, f"**{a} lower**", f"**{b} lower**")


def comparison_line(rows, a, b, y_test, family):
    v = compare(rows[a]["seeds"], rows[b]["seeds"], y_test, family)
    if v is None:
        return None
    if "paired_t" not in v:
        return f"| {ROW_LABELS[a]} vs {ROW_LABELS[b]} | {v['seeds']} | | | | | | unstable: no verdict ({v['unstable']}) |"
    t, m = v["paired_t"], v["mcnemar"]
    passes = [rows[k]["seeds"][0]["passes_over_data"] for k in (a, b)]
    unequal = f" (unequal budgets: {passes[0]} vs {passes[1]} passes)" if passes[0] != passes[1] else ""
    low, high = v["ci"]
    return (f"| {ROW_LABELS[a]} vs {ROW_LABELS[b]} | {v['seeds']} | {t['mean_diff']:+.2f} | {low:+.2f} to "
            f"{high:+.2f} | {t['p']:.3f} | {v['corrected_p']:.3f} | {m['b']} / {m['c']}, {p_text(m['p'])} | "
            f"{call_text(v, ROW_LABELS[a], ROW_LABELS[b])}{' (' + v['unstable'] + ')' if v['unstable'] else ''}"
            f"{unequal} |")


def table(rows, dataset):
    col = DATASETS.index(dataset)
    lines = ["| row | paper | test error (%), mean ± std | seeds | validation (%) | chosen lr, theta-scale "
             "| passes over the data | s per run (median) |", "|---|---|---|---|---|---|---|---|"]
    for row, label in ROW_LABELS.items():
        if row not in rows:
            continue
        seeds, tune = rows[row]["seeds"], rows[row]["tune"]
        cfg = seeds[0]["config"] if seeds else None
        chosen = f"{cfg['lr']:g}, {cfg['theta_scale']:g}{edge(cfg['lr'], GRID)}" if cfg else \
            f"tuning ({len(tune)} runs done)"
        secs = f"{np.median([r['wall_seconds'] for r in seeds]):.0f}" if seeds else "-"
        lines.append(f"| {label} | {PAPER[row][col]} | {fmt_runs(seeds)} | {len(seeds)} | "
                     f"{fmt_runs(seeds, 'validation_error')} | {chosen} | "
                     f"{seeds[0]['passes_over_data'] if seeds else '-'} | {secs} |")
    return lines


def edge(lr, grid):
    """' (edge of the grid)' when the chosen learning rate is the grid's largest or smallest."""
    lrs = [g["lr"] for g in grid]
    return " (edge of the grid)" if lr in (min(lrs), max(lrs)) else ""


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


VERDICTS = "verdicts.json"    # the report's family, closed: its corrected p-values by comparison


def conclusion(out, dataset, y_test, budget="course"):
    """[(label, the verdict, the rows' error texts)]: FF against each CFF row of the reproduction at one
    budget, and under every reading of the paper (course budget), called as the report called them
    (OUT/verdicts.json, written with it); before any report, as a family of their own."""
    saved = Path(out) / VERDICTS
    if saved.exists():
        try:
            return conclusion_calls(out, dataset, y_test, budget, Family.load(json.loads(saved.read_text())))
        except KeyError:         # runs added since the report was written: call these on their own
            pass
    return two_passes(lambda family: conclusion_calls(out, dataset, y_test, budget, family))


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
    calls = []
    for prefix, rows, pairs in groups:
        for ff, cff in pairs:
            v = compare(rows[ff]["seeds"], rows[cff]["seeds"], y_test, family) if ff in rows and cff in rows else None
            if v is not None:
                calls.append((f"{prefix}{ROW_LABELS[ff]} vs {ROW_LABELS[cff]}", v,
                              [fmt_runs(rows[k]["seeds"], unit="%") for k in (ff, cff)]))
    return calls


def report_lines(out, found, labels, family):
    """The report's lines (one pass; write_report runs it twice, see two_passes)."""
    from .report_claims import REGIME_TEXT, claims, entropy_lines, regime_lines   # they import this module
    doc = [HEADER.format(grid=", ".join(f"lr {g['lr']:g} x theta-scale {g['theta_scale']:g}" for g in GRID),
                         seeds=", ".join(map(str, SEEDS)),
                         budgets="; ".join(f"`{k}`: 784-{'-'.join(map(str, v['hidden']))}, {v['epochs']} epochs"
                                           for k, v in BUDGETS.items()), rule=RULE.format(n=family.size))]
    if not found:
        doc.append("No results yet.")
    for (dataset, budget), rows in found.items():
        y_test = labels[dataset]
        doc += [f"## {dataset}, {budget} budget", "",
                f"`python -m ffnumpy.reproduce --dataset {dataset} --budget {budget}`", ""]
        doc += table(rows, dataset) + [""]
        lines = [line for a, b in COMPARISONS if a in rows and b in rows
                 for line in [comparison_line(rows, a, b, y_test, family)] if line]
        if lines:
            doc += ["Differences (A vs B: mean of A - B over the common seeds that did not fail, with its 95% "
                    "bootstrap interval; McNemar on the pooled test predictions of these networks, b = images only "
                    "A gets right, c = only B):", "",
                    "| A vs B | seeds | A - B (points) | 95% CI | paired t p | corrected p (Holm) "
                    "| McNemar b / c, p | verdict |", "|---|---|---|---|---|---|---|---|"] + lines + [""]
        doc += ["Per layer (mean over seeds; the paper's Figure 2):", ""] + layer_table(rows) + [""]
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
                doc += [f"### {dataset}: where the paper's claims hold", "", REGIME_TEXT, ""] + regimes
    return doc


def write_report(out, labels=None):
    """Write OUT/README.md and OUT/*.png from the result files; returns the README path.

    labels : {dataset: (10000,) test labels}; default: loaded with the dataset
    """
    out = Path(out)
    found = load(out)
    labels = labels or {dataset: load_dataset(dataset).y_test for dataset in {d for d, _ in found}}
    family = Family()
    report_lines(out, found, labels, family)
    doc = report_lines(out, found, labels, family.close())
    from .record import section
    doc += section(out)
    path = out / "README.md"
    path.write_text("\n".join(doc) + "\n")
    (out / VERDICTS).write_text(json.dumps(family.saved(), indent=0) + "\n")
    return path


HEADER = """# Reproduction of the paper's table

Made by `python -m ffnumpy.reproduce --report` from the JSON files in this
folder; every number and verdict below is computed from them.

**Protocol** (the same for every row). Train on the first 50k training images.
Tune on the validation split (the last 10k training images), seed 0, over
{grid}; choose the setting with the lowest validation error. Then train the
chosen setting with seeds {seeds} and report the test error (10k test images)
as mean ± sample std over those seeds; the test set is not used before that.
Adam, batch 100 positive pairs (and 100 negatives), learning rate constant
then linearly to 0 over the second half (per layer under the Layer schedule),
random wrong-label negatives, unit-RMS layer inputs, theta = theta-scale x
width, prediction from the goodness summed over all layers.
Budgets: {budgets} (per layer under the Layer schedule, which therefore makes
3 passes over the data per epoch of the Network schedule: the "passes" column).
The long budget reuses the setting chosen at the course budget.

{rule}

Any one run can be trained again from its file and compared, e.g.
`python -m ffnumpy.reproduce --rerun results/reproduction/mnist-course/ff-network/seed1.json`
(the same numbers on the same machine, BLAS and thread count).
"""
