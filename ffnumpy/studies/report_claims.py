"""The paper's claims, each judged from the seeds: the per-layer claims, the three entropy findings,
and the map of the regimes (readings of the paper) in which they hold. Sections of the reproduction's
report (report.py), computed from the result files alone."""
import json
from pathlib import Path

from ..plots import plot_regimes
from .runs import (ROW_LABELS, SAME_SCHEDULE, call_text, choice, compare, cpu_note, edge, fmt, fmt_runs, load_group, marginals,
                   predictor_note)
from .protocol import EDGE_STEPS, row_setting, study_settings
from .reproduce import (REGIME_GRID, REGIME_ROWS, SEEDS, TWO_SEEDS, UNSTABLE_REGIMES, WIDE_REGIME_GRID,
                        regime_studies)
from ..evaluate import failed_run
from .stats import evidence, in_words


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


def retuned_lines(tuned, long):
    """The long budget read again, each row tuned at it (tuned) against the course budget's settings (long):
    each row's setting and test error, and FF's last layer (the paper's diagnosis) under both."""
    lines = []
    for row in ("ff-layer", "cff-prev-layer"):
        a, b = (x.get(row, {}).get("seeds", []) for x in (tuned, long or {}))
        if not a:
            continue
        setting = [f"lr {s[0]['config']['lr']:g}, theta-scale {s[0]['config']['theta_scale']:g}" if s else "-"
                   for s in (a, b)]
        lines.append(f"- {ROW_LABELS[row]}: tuned at this budget, {setting[0]}: {fmt_runs(a, unit='%')}; with the "
                     f"course budget's {setting[1]}: {fmt_runs(b, unit='%') if b else 'not measured'}.")
    for label, seeds in (("tuned here", tuned.get("ff-layer", {}).get("seeds", [])),
                         ("the course budget's settings", (long or {}).get("ff-layer", {}).get("seeds", []))):
        good = [r for r in seeds if not failed_run(r) and r.get("prefix_test_error")]
        if good:
            last = [marginals(r)[-1] for r in good]
            lines.append(f"- FF's last layer (FF, Layer), {label}: its marginal contribution is {fmt(last)} points, "
                         f"below 0 in {sum(m < 0 for m in last)} of {len(last)} seeds.")
    return ["Each row tuned at the long budget, beside the long budget with the course budget's settings:", ""] + \
        lines + [""] if lines else []


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


def regime_lines(out, dataset, baseline, y_test, family):
    """The map of where the paper's claims hold: one table row per regime, and its figure."""
    table = {"baseline": {r: baseline.get(r, {}).get("seeds", []) for r in REGIME_ROWS}}
    groups = {"baseline": baseline}     # regime -> its rows with their tuning, for the predictor rule
    studies = regime_studies(dataset)   # table row -> its Study
    for label, study in studies.items():
        found = load_group(Path(out) / study.name)
        if found:
            table[label] = {r: found.get(r, {}).get("seeds", []) for r in REGIME_ROWS}
            groups[label] = found
            if "ff-network" not in study.rows:   # no flag applies to FF: FF is the baseline
                table[label]["ff-network"] = table["baseline"]["ff-network"]
                groups[label] = {**found, "ff-network": baseline.get("ff-network", {"tune": [], "seeds": []})}
    if len(table) == 1:
        return []
    lines = ["| regime | FF error | FF marginal of layers 2; 3; ... | FF's later layers hurt? | CFF gamma error "
             "| its marginals | FF vs CFF gamma | CFF gamma(<t) error | its marginals | FF vs CFF gamma(<t) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    summary = {"hurt": [], "helps": {r: [] for r in REGIME_ROWS[1:]}, "calls": {r: {} for r in REGIME_ROWS[1:]}}
    for regime, seeds in table.items():
        cells = [regime]
        for row in REGIME_ROWS:
            runs = [r for r in seeds[row] if not failed_run(r)]       # a failed run's layers say nothing
            depth = len(runs[0]["prefix_test_error"]) if runs else 1
            later = [[marginals(r)[k] for r in runs] for k in range(1, depth)]
            own = regime != "baseline" and row in studies[regime].rows   # not the baseline's FF
            lr = f" (lr {runs[0]['config']['lr']:g}{regime_tuning(out, studies[regime], row, runs[0])})" \
                if runs and own else ""
            cells += [fmt_runs(seeds[row]) + lr, "; ".join(fmt(m) for m in later)]
            if row == "ff-network":
                hurt = [min(m[1:]) < 0 for m in map(marginals, runs)]
                cells.append("-" if not hurt else f"{'yes' if all(hurt) else 'no' if not any(hurt) else 'mixed'} "
                                                  f"({sum(hurt)} of {len(hurt)} seeds)")
                if len(hurt) >= 2 and all(hurt):
                    summary["hurt"].append(regime)
            else:
                rows = groups[regime]
                predict = tuple(choice(rows, r)[0] if rows.get(r, {}).get("seeds") else None
                                for r in ("ff-network", row))
                v = compare(seeds["ff-network"], seeds[row], y_test, family, predict,
                            label=f"reproduction, {dataset}, course budget: regime {regime}: "
                                  f"{ROW_LABELS['ff-network']} vs {ROW_LABELS[row]}")
                cells.append(f"{call_text(v, 'FF', 'CFF')} {evidence(v)}{cpu_note(v)}" if v else "-")
                if v:
                    summary["calls"][row][regime] = in_words(v, "FF lower", "CFF lower")
                    if len(runs) >= 2 and all(min(marginals(r)[1:]) > 0 for r in runs):   # 2 seeds at least
                        summary["helps"][row].append(regime)
        lines.append("| " + " | ".join(cells) + " |")
    choices = {f"{regime}, {ROW_LABELS[r]}": choice(rows, r) for regime, rows in groups.items() if regime != "baseline"
               for r in REGIME_ROWS if rows.get(r, {}).get("seeds") and (r != "ff-network" or regime in studies and
                                                                         "ff-network" in studies[regime].rows)}
    lines += ["", f"- FF's later layers hurt in every seed in: {', '.join(summary['hurt']) or 'no regime measured'}."]
    for row in REGIME_ROWS[1:]:
        calls = summary["calls"][row]
        by = {c: [g for g, v in calls.items() if v == c]
              for c in ("CFF lower", "FF lower", "no difference shown", "unstable: no verdict")}
        lines.append(f"- {ROW_LABELS[row]}: every later layer helps in every seed in: "
                     f"{', '.join(summary['helps'][row]) or 'none'}. Against FF, its error is lower in: "
                     f"{', '.join(by['CFF lower']) or 'none'}; higher in: {', '.join(by['FF lower']) or 'none'}. "
                     f"No difference is shown in: {', '.join(by['no difference shown']) or 'none'}. "
                     f"Unstable (no verdict) in: {', '.join(by['unstable: no verdict']) or 'none'}"
                     + (f" (not yet measured: {', '.join(g for g in table if g not in calls)})"
                        if len(calls) < len(table) else "") + ".")
    lines += ["", predictor_note(choices)] if choices else []
    name = f"regimes_{dataset}.png"
    plot_regimes({regime: {ROW_LABELS[r]: seeds[r] for r in REGIME_ROWS if seeds[r]}
                  for regime, seeds in table.items()},
                 Path(out) / name, title=f"{dataset}, course budget: the paper's claims under each reading")
    return lines + ["", f"![regimes]({name})", ""]


def _lrs(grid):
    """'1e-3, 3e-3, 1e-2' for a grid of learning rates."""
    return ", ".join(f"{setting['lr']:.0e}".replace("e-0", "e-") for setting in grid)


REGIME_TEXT = """Each regime changes one reading of the paper (`python -m ffnumpy.studies.reproduce
--dataset DATASET --regime NAME`):

- `length`: unit-length instead of unit-RMS layer inputs. theta stays the width, so every layer starts far
  below it.
- `paper-negative`: the paper's literal negative update (minimise log sigmoid(s)).
- `shared-theta`: CFF's logit subtracts only the layer's own theta (the paper's equation as written). FF is
  unchanged, so its column repeats the baseline.
- `literal`: all three.

Each row of each regime is tuned on validation, seed {seed}, over learning rates {narrow} (theta-scale 1).
Then it runs with seeds {seeds}; "baseline" is the table above. "FF's later layers hurt" is yes when
some later layer has a negative marginal contribution in every seed. A chosen setting marked "edge of
the grid" may do better beyond it. A row "NAME (wide grid)" is the same regime tuned over {wide}
(`--wide-grid`). The runs it shares with the narrower grid are copied from it. Some regimes were first
marked unstable here ({unstable}). They are tuned again on the mean validation error of seeds {two},
the wide grid past its edges (at most {steps} halvings or doublings). A row still waiting for that
tuning says so.""".format(
    narrow=_lrs(REGIME_GRID), wide=_lrs(WIDE_REGIME_GRID), seed=0, seeds=", ".join(map(str, SEEDS)),
    two=" and ".join(map(str, TWO_SEEDS)), steps=EDGE_STEPS,
    unstable="; ".join(f"{d}: {', '.join(r)}" for d, r in UNSTABLE_REGIMES.items()))


def regime_tuning_table(out, dataset):
    """Every learning rate each regime's rows were tuned at, with its validation error (%): 'seed 0'
    or, in a regime tuned on two seeds, 'seed 0 / seed 10' ('-': not run yet); the setting of the row's
    test seeds in bold, so a reader sees what lies past a chosen edge (100: diverged)."""
    lines, lrs = [], set()
    for label, study in regime_studies(dataset).items():
        for row, runs in load_group(Path(out) / study.name, study.rows).items():
            by = {}
            for r in runs["tune"]:
                by.setdefault(r["config"]["lr"], {})[r["config"]["seed"]] = r["validation_error"]
            lrs |= set(by)
            chosen = runs["seeds"][0]["config"]["lr"] if runs["seeds"] else None
            lines.append((label, row, by, chosen, study.tune_seeds))
    if not lines:
        return []
    lrs = sorted(lrs)

    def cell(by, lr, chosen, seeds):
        if lr not in by:
            return ""
        text = " / ".join(f"{by[lr][s]:.2f}" if s in by[lr] else "-" for s in seeds)
        return f"**{text}**" if lr == chosen else text
    return [f"Tuning of the regimes: validation error (%) at each learning rate (theta-scale 1), seed "
            f"{' / seed '.join(map(str, TWO_SEEDS))} in a regime tuned on two seeds, seed 0 elsewhere; the "
            "setting of the row's test seeds in bold:", "",
            "| regime | row | " + " | ".join(f"lr {lr:g}" for lr in lrs) + " |", "|---|---|" + "---|" * len(lrs)] + \
        [f"| {label} | {ROW_LABELS[row]} | " + " | ".join(cell(by, lr, chosen, seeds) for lr in lrs) + " |"
         for label, row, by, chosen, seeds in lines] + [""]


def regime_tuning(out, study, row, run):
    """What follows a row's learning rate: ' (edge of the grid)' if it is one of the grid it was chosen on,
    and, while its seed runs were made with another choice than the study's tuning makes now, why:
    '; tuned on seed 0, two-seed tuning pending' (or '... chose lr X') in a regime tuned on two seeds,
    '; tuning past the edge pending' (or '... chose lr X') where the grid is tuned past its edges."""
    chosen, lr = row_setting(out, study, row), run["config"]["lr"]
    if chosen is not None and chosen["lr"] == lr:
        return edge(lr, study_settings(out, study, row))
    what = "tuned on seed 0, two-seed tuning" if len(study.tune_seeds) > 1 else "tuning past the edge"
    return edge(lr, study.grid) + f"; {what} {'pending' if chosen is None else 'chose lr %g' % chosen['lr']}"


def kept_seeds(group, row):
    """The seed records of `row` in study folder `group` that did not fail."""
    return [r for r in load_group(Path(group), (row,)).get(row, {}).get("seeds", []) if not failed_run(r)]


def worst_later(seeds):
    """Per seed, the smallest marginal contribution of a layer after the first (points; < 0: it hurt)."""
    return [min(marginals(r)[1:]) for r in seeds]


def regime_lesson(out, dataset, regime, wide=False):
    """Lines for a lesson: in one regime (REGIMES), over the reproduction's seeds, in how many FF's and CFF
    gamma's later layers hurt, the report's verdict on the pair (OUT/closing.json, written with the report),
    and the other regimes where FF's later layers hurt in every seed. out: results/reproduction."""
    folder = f"{dataset}-{regime}" + ("-wide" if wide else "")
    said = []
    for row, name in (("ff-network", "FF"), ("cff-all-network", "CFF gamma")):
        worst = worst_later(kept_seeds(Path(out) / "regimes" / folder, row))
        said.append(f"{name}'s later layers hurt in {sum(w < 0 for w in worst)} of {len(worst)} seeds "
                    f"(its smallest marginal contribution: {fmt(worst)} points)")
    label = f"regime {regime}{' (wide grid)' if wide else ''}: FF, Network vs CFF gamma, Network"
    summary = json.loads((Path(out) / "closing.json").read_text()).get(dataset, {})
    calls, corrected_over = summary.get("calls", {}), summary.get("corrected_over", "its")
    words = {"A lower": "FF lower", "B lower": "CFF gamma lower", "no difference shown": "no difference shown",
             "unstable": "unstable: no verdict"}
    verdict = next((words[c] for c, labels in calls.items() if label in labels), "not in the report")
    everywhere = [group.name[len(dataset) + 1:] for group in sorted((Path(out) / "regimes").glob(f"{dataset}-*"))
                  if (worst := worst_later(kept_seeds(group, "ff-network"))) and all(w < 0 for w in worst)]
    course = worst_later(kept_seeds(Path(out) / f"{dataset}-course", "ff-network"))
    return [f"Over the reproduction's seeds ({dataset}, results/reproduction/regimes/{folder}/): "
            f"{said[0]}; {said[1]}.",
            f"FF against CFF gamma in this regime, by the report's rule (over seeds, Holm-corrected over the "
            f"{corrected_over} stable comparisons of its report): {verdict}.",
            f"FF's later layers hurt in every seed in these {dataset} regimes: {', '.join(everywhere) or 'none'}; "
            f"in the course table (unit-RMS inputs, FF, Network) in {sum(w < 0 for w in course)} "
            f"of {len(course)} seeds."]
