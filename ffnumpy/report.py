"""The reproduction report: results/reproduction/README.md and its figures,
computed from the result files alone (python -m ffnumpy.reproduce --report).

Every verdict in it is computed here from the runs: a difference between two
rows is called only when the paired t-test over seeds or McNemar's test on the
pooled test predictions says p < 0.05 (stats.verdict); otherwise the report
says "no difference shown".
"""
import json
from pathlib import Path

import numpy as np

from .analysis import CHANCE
from .data import load_dataset
from .plots import plot_regimes, plot_seed_contributions, plot_seed_entropy
from .reproduce import BUDGETS, DATASETS, GRID, PAPER, REGIME_GRID, REGIME_ROWS, REGIMES, SEEDS, regime_study
from .stats import mean_std, verdict

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


def fmt(values, digits=2):
    if not values:
        return "-"
    m, s = mean_std(values)
    return f"{m:.{digits}f} ± {s:.{digits}f}" if len(values) > 1 else f"{m:.{digits}f} (1 seed)"


def compare(seeds_a, seeds_b, y_test):
    """stats.verdict of two lists of seed results over the seeds both have, or None (< 2 common)."""
    sa = {r["config"]["seed"]: r for r in seeds_a}
    sb = {r["config"]["seed"]: r for r in seeds_b}
    common = sorted(set(sa) & set(sb))
    if len(common) < 2:
        return None
    truth = np.tile(y_test, len(common))

    def right(runs):
        return np.concatenate([np.frombuffer(runs[s]["test_predictions"].encode(), np.uint8) - 48
                               for s in common]) == truth
    v = verdict([sa[s]["test_error"] for s in common], [sb[s]["test_error"] for s in common], right(sa), right(sb))
    return {**v, "seeds": len(common)}


def p_text(p):
    """A p-value for a sentence: 0.0085, 3.9e-08, or < 1e-300 where the float underflows."""
    return f"{p:.2g}" if p > 0 else "< 1e-300"


def call_text(v, a, b):
    return {"A lower": f"**{a} lower**", "B lower": f"**{b} lower**"}.get(v["call"], v["call"])


def comparison_line(rows, a, b, y_test):
    v = compare(rows[a]["seeds"], rows[b]["seeds"], y_test)
    if v is None:
        return None
    t, m = v["paired_t"], v["mcnemar"]
    passes = [rows[k]["seeds"][0]["passes_over_data"] for k in (a, b)]
    unequal = f" (unequal budgets: {passes[0]} vs {passes[1]} passes)" if passes[0] != passes[1] else ""
    return (f"| {ROW_LABELS[a]} vs {ROW_LABELS[b]} | {v['seeds']} | {t['mean_diff']:+.2f} | {t['p']:.3f} | "
            f"{m['b']} / {m['c']} | {p_text(m['p'])} | {call_text(v, ROW_LABELS[a], ROW_LABELS[b])}{unequal} |")


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
        lines.append(f"| {label} | {PAPER[row][col]} | {fmt([r['test_error'] for r in seeds])} | {len(seeds)} | "
                     f"{fmt([r['validation_error'] for r in seeds])} | {chosen} | "
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


def claims(rows):
    """The paper's per-layer claims, each judged from the seeds."""
    out = []
    for row in ("ff-layer", "ff-network"):
        seeds = rows.get(row, {}).get("seeds", [])
        if len(seeds) < 2:
            continue
        worst = [min(marginals(r)[1:]) for r in seeds]
        held = all(w < 0 for w in worst)
        out.append(f"- *FF's later layers hurt* ({ROW_LABELS[row]}): the smallest marginal contribution of a later "
                   f"layer is {fmt(worst)} points; negative in {sum(w < 0 for w in worst)} of {len(seeds)} seeds: "
                   f"**{'held' if held else 'mixed' if any(w < 0 for w in worst) else 'did not hold'}**.")
    for row in ("cff-prev-layer", "cff-prev-network", "cff-all-network"):
        seeds = rows.get(row, {}).get("seeds", [])
        if len(seeds) < 2:
            continue
        worst = [min(marginals(r)[1:]) for r in seeds]
        held = all(w > 0 for w in worst)
        out.append(f"- *Every CFF layer helps* ({ROW_LABELS[row]}): the smallest marginal contribution of a later "
                   f"layer is {fmt(worst)} points; positive in {sum(w > 0 for w in worst)} of {len(seeds)} seeds: "
                   f"**{'held' if held else 'mixed' if any(w > 0 for w in worst) else 'did not hold'}**.")
    return out


def entropy_lines(rows):
    """The paper's three entropy findings, in Ent and in the scale-free KL, change from initialisation."""
    have = {row: r["seeds"] for row, r in rows.items() if r["seeds"] and "initial_entropy" in r["seeds"][0]}
    if not have:
        return []

    def final(r, kind, key):
        return r["history"][-1]["entropy"][kind][key]
    lines = ["| row | Ent positive: initial → final | Ent negative final | KL positive: initial → final "
             "| KL negative final | across-layer term, positive: initial → final |", "|---|---|---|---|---|---|"]
    for row, seeds in have.items():
        lines.append(f"| {ROW_LABELS[row]} | {fmt([r['initial_entropy']['positive']['total'] for r in seeds])} → "
                     f"{fmt([final(r, 'positive', 'total') for r in seeds])} | "
                     f"{fmt([final(r, 'negative', 'total') for r in seeds])} | "
                     f"{fmt([r['initial_entropy']['positive']['concentration'] for r in seeds], 3)} → "
                     f"{fmt([final(r, 'positive', 'concentration') for r in seeds], 3)} | "
                     f"{fmt([final(r, 'negative', 'concentration') for r in seeds], 3)} | "
                     f"{fmt([r['initial_entropy']['positive']['across'] for r in seeds])} → "
                     f"{fmt([final(r, 'positive', 'across') for r in seeds])} |")
    lines.append("")
    for key, name in (("total", "Ent"), ("concentration", "KL")):
        for row in ("ff-layer", "ff-network"):
            if row in have:
                up = [final(r, "positive", key) > r["initial_entropy"]["positive"][key] for r in have[row]]
                lines.append(f"- *FF raises the entropy* ({name}, {ROW_LABELS[row]}, positive pairs, final vs "
                             f"initial): higher in {sum(up)} of {len(up)} seeds: "
                             f"**{'held' if all(up) else 'did not hold' if not any(up) else 'mixed'}**.")
        for ff, cff in SAME_SCHEDULE:
            if ff in have and cff in have:
                a = {r["config"]["seed"]: final(r, "positive", key) for r in have[cff]}
                b = {r["config"]["seed"]: final(r, "positive", key) for r in have[ff]}
                common = sorted(set(a) & set(b))
                more = [a[s] > b[s] for s in common]
                lines.append(f"- *CFF reaches more entropy* ({name}, {ROW_LABELS[cff]} vs {ROW_LABELS[ff]}, "
                             f"positive pairs, paired by seed): more in {sum(more)} of {len(common)} seeds: "
                             f"**{'held' if more and all(more) else 'did not hold' if not any(more) else 'mixed'}**.")
        for row, seeds in have.items():
            pos = [final(r, "positive", key) > final(r, "negative", key) for r in seeds]
            lines.append(f"- *Positive above negative* ({name}, {ROW_LABELS[row]}): in {sum(pos)} of {len(pos)} "
                         f"seeds: **{'held' if all(pos) else 'did not hold' if not any(pos) else 'mixed'}**.")
    return lines


def regime_lines(out, dataset, baseline, y_test):
    """The map of where the paper's claims hold: one table row per regime, and its figure."""
    table = {"baseline": {r: baseline.get(r, {}).get("seeds", []) for r in REGIME_ROWS}}
    for regime in REGIMES:
        found = load_group(Path(out) / "regimes" / f"{dataset}-{regime}")
        if found:
            table[regime] = {r: found.get(r, {}).get("seeds", []) for r in REGIME_ROWS}
            if "ff-network" not in regime_study(dataset, regime).rows:   # no flag applies to FF: FF is the baseline
                table[regime]["ff-network"] = table["baseline"]["ff-network"]
    if len(table) == 1:
        return []
    lines = ["| regime | FF error | FF marginal of layers 2; 3; ... | FF's later layers hurt? | CFF gamma error "
             "| its marginals | FF vs CFF gamma | CFF gamma(<t) error | its marginals | FF vs CFF gamma(<t) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    summary = {"hurt": [], "helps": {r: [] for r in REGIME_ROWS[1:]}, "calls": {r: {} for r in REGIME_ROWS[1:]}}
    for regime, seeds in table.items():
        cells = [regime]
        for row in REGIME_ROWS:
            runs = seeds[row]
            later = [[marginals(r)[k] for r in runs] for k in range(1, len(runs[0]["prefix_test_error"]) if runs else 1)]
            own = regime != "baseline" and row in regime_study(dataset, regime).rows   # not the baseline's FF
            lr = f" (lr {runs[0]['config']['lr']:g}{edge(runs[0]['config']['lr'], REGIME_GRID)})" \
                if runs and own else ""
            cells += [fmt([r["test_error"] for r in runs]) + lr, "; ".join(fmt(m) for m in later)]
            if row == "ff-network":
                hurt = [min(m[1:]) < 0 for m in map(marginals, runs)]
                cells.append("-" if not hurt else f"{'yes' if all(hurt) else 'no' if not any(hurt) else 'mixed'} "
                                                  f"({sum(hurt)} of {len(hurt)} seeds)")
                if len(hurt) >= 2 and all(hurt):
                    summary["hurt"].append(regime)
            else:
                v = compare(seeds["ff-network"], runs, y_test)
                cells.append(call_text(v, "FF", "CFF") if v else "-")
                if v:
                    summary["calls"][row][regime] = {"A lower": "FF lower", "B lower": "CFF lower"}.get(v["call"], v["call"])
                    if all(min(marginals(r)[1:]) > 0 for r in runs):
                        summary["helps"][row].append(regime)
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", f"- FF's later layers hurt in every seed in: {', '.join(summary['hurt']) or 'no regime measured'}."]
    for row in REGIME_ROWS[1:]:
        calls = summary["calls"][row]
        by = {c: [g for g, v in calls.items() if v == c] for c in ("CFF lower", "FF lower", "no difference shown")}
        lines.append(f"- {ROW_LABELS[row]}: every later layer helps in every seed in: "
                     f"{', '.join(summary['helps'][row]) or 'none'}; against FF: lower error in "
                     f"{', '.join(by['CFF lower']) or 'none'}; higher in {', '.join(by['FF lower']) or 'none'}; "
                     f"no difference shown in {', '.join(by['no difference shown']) or 'none'}"
                     + (f" (not yet measured: {', '.join(g for g in table if g not in calls)})"
                        if len(calls) < len(table) else "") + ".")
    name = f"regimes_{dataset}.png"
    plot_regimes({regime: {ROW_LABELS[r]: seeds[r] for r in REGIME_ROWS if seeds[r]} for regime, seeds in table.items()},
                 Path(out) / name, title=f"{dataset}, course budget: the paper's claims under each reading")
    return lines + ["", f"![regimes]({name})", ""]


def conclusion(out, dataset, y_test, budget="course"):
    """A few lines: FF against each CFF row of the reproduction, with numbers and verdicts (for the demo)."""
    rows = load(out).get((dataset, budget), {})
    lines = []
    for ff, cff in SAME_SCHEDULE:
        v = compare(rows[ff]["seeds"], rows[cff]["seeds"], y_test) if ff in rows and cff in rows else None
        if v is None:
            continue
        a, b = (fmt([r["test_error"] for r in rows[k]["seeds"]]) for k in (ff, cff))
        call = {"A lower": "FF is better", "B lower": "CFF is better"}.get(v["call"], "no difference shown")
        lines.append(f"{ROW_LABELS[ff]} {a}% vs {ROW_LABELS[cff]} {b}% over {v['seeds']} seeds: {call} "
                     f"(McNemar p = {p_text(v['mcnemar']['p'])})")
    for regime in REGIMES:
        rows = load_group(Path(out) / "regimes" / f"{dataset}-{regime}")
        for cff in REGIME_ROWS[1:]:
            v = compare(rows["ff-network"]["seeds"], rows[cff]["seeds"], y_test) \
                if "ff-network" in rows and cff in rows else None
            if v is not None:
                a, b = (fmt([r["test_error"] for r in rows[k]["seeds"]]) for k in ("ff-network", cff))
                call = {"A lower": "FF is better", "B lower": "CFF is better"}.get(v["call"], "no difference shown")
                lines.append(f"regime {regime}: FF {a}% vs {ROW_LABELS[cff]} {b}% over {v['seeds']} seeds: "
                             f"{call} (McNemar p = {p_text(v['mcnemar']['p'])})")
    return lines


def write_report(out, labels=None):
    """Write OUT/README.md and OUT/*.png from the result files; returns the README path.

    labels : {dataset: (10000,) test labels}; default: loaded with the dataset
    """
    out = Path(out)
    found = load(out)
    doc = [HEADER.format(grid=", ".join(f"lr {g['lr']:g} x theta-scale {g['theta_scale']:g}" for g in GRID),
                         seeds=", ".join(map(str, SEEDS)),
                         budgets="; ".join(f"`{k}`: 784-{'-'.join(map(str, v['hidden']))}, {v['epochs']} epochs"
                                           for k, v in BUDGETS.items()))]
    if not found:
        doc.append("No results yet.")
    for (dataset, budget), rows in found.items():
        y_test = labels[dataset] if labels else load_dataset(dataset).y_test
        doc += [f"## {dataset}, {budget} budget", "",
                f"`python -m ffnumpy.reproduce --dataset {dataset} --budget {budget}`", ""]
        doc += table(rows, dataset) + [""]
        lines = [line for a, b in COMPARISONS if a in rows and b in rows
                 for line in [comparison_line(rows, a, b, y_test)] if line]
        if lines:
            doc += ["Differences (A vs B: mean of A - B over the common seeds; McNemar on the pooled test "
                    "predictions, b = images only A gets right, c = only B):", "",
                    "| A vs B | seeds | A - B (points) | paired t p | McNemar b / c | McNemar p | verdict |",
                    "|---|---|---|---|---|---|---|"] + lines + [""]
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
            doc += ["Entropy of the goodness (1000 training images; the paper's Figure 4). Ent(c h) = c Ent(h), "
                    "so Ent grows with the goodness' scale alone; KL(q || mu) = Ent / E[h] is the scale-free part. "
                    "Epoch 0 is the network at initialisation:", ""] + ent + [""]
        if network:
            name = f"entropy_{dataset}-{budget}.png"
            plot_seed_entropy(network, out / name, title=f"{dataset}, {budget} budget: entropy of the goodness")
            doc += [f"![entropy curves]({name})", ""]
        if budget == "course":
            regimes = regime_lines(out, dataset, rows, y_test)
            if regimes:
                doc += [f"### {dataset}: where the paper's claims hold", "", REGIME_TEXT, ""] + regimes
    from .record import section
    doc += section(out)
    path = out / "README.md"
    path.write_text("\n".join(doc) + "\n")
    return path


REGIME_TEXT = """Each regime changes one reading of the paper (`python -m ffnumpy.reproduce
--dataset DATASET --regime NAME`): `length`, unit-length instead of unit-RMS
layer inputs (theta stays the width, so every layer starts far below it);
`paper-negative`, the paper's literal negative update (minimise log sigmoid(s));
`shared-theta`, CFF's logit subtracts only the layer's own theta (the paper's
equation as written; FF is unchanged, so its column repeats the baseline);
`literal`, all three. Each row of each regime is tuned over learning rates
1e-3, 3e-3, 1e-2 (theta-scale 1) on validation, seed 0, then run with seeds
1, 2, 3; "baseline" is the table above. "FF's later layers hurt" is yes when
some later layer has a negative marginal contribution in every seed. A chosen
setting marked "edge of the grid" may do better beyond it: the grid was not
widened within this budget of runs."""

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

A difference between two rows is called only when the paired t-test over the
seeds or McNemar's exact test on the pooled test predictions gives p < 0.05,
and the two do not point opposite ways; otherwise: "no difference shown".

Any one run can be trained again from its file and compared, e.g.
`python -m ffnumpy.reproduce --rerun results/reproduction/mnist-course/ff-network/seed1.json`
(the same numbers on the same machine, BLAS and thread count).
"""
