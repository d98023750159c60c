"""What the multi-seed studies found, as lines: the research appendix's sections 3 and 4 (tutorial 05).

    reproduction_lines(found, family, y_test_of)   the paper's table over seeds, and FF against CFF per schedule
    studies_lines(studies, repro, y_test_of)       depth, transfer, continual learning, learned gamma

Every comparison is called by a report's own family (runs.report_family: the paired t-test over seeds,
Holm-corrected over the report's comparisons, and a bootstrap interval on the same side of 0), so each
call printed here is the report's call. y_test_of(dataset) gives that dataset's test labels.
"""
import numpy as np

from . import reproduce
from . import runs as study_runs
from .experiments_report import depth_conclusion
from .stats import evidence, in_words
from .tasks_report import paired_call
from .transfer import PAIRS

LABEL = study_runs.ROW_LABELS
LESSON_DATASETS = ("mnist", "fashion-mnist")     # CIFAR-10's sections are read in the reports, not in the lesson


def comparison_line(a, b, v, col):
    """One FF-against-CFF line of reproduction_lines and whether it agrees with the paper (None: no call).
    a, b : rows (FF, CFF); v : runs.compare's verdict; col : the paper's column of the dataset"""
    words = in_words(v, f"{LABEL[a]} lower", f"{LABEL[b]} lower")
    paper_says = "CFF lower" if reproduce.PAPER[b][col] < reproduce.PAPER[a][col] else "FF lower"
    agrees = v["call"] == ("B lower" if paper_says == "CFF lower" else "A lower")
    outcome = ("the reproduction agrees" if agrees else "the reproduction shows no difference"
               if v["call"] in ("no difference shown", "unstable") else "the reproduction finds the opposite")
    if "paired_t" not in v:
        return f"    {LABEL[a]} vs {LABEL[b]}: unstable, no verdict ({v['unstable']})", None
    return (f"    {LABEL[a]} vs {LABEL[b]} ({v['seeds']} seeds): mean difference {v['paired_t']['mean_diff']:+.2f} "
            f"points, 95% CI {v['ci'][0]:+.2f} to {v['ci'][1]:+.2f} (t-test p = {v['paired_t']['p']:.2g}, "
            f"corrected p = {v['corrected_p']:.2g}) -> {words}; the paper: {paper_says} -> {outcome}; "
            f"McNemar on these networks: b / c = {v['mcnemar']['b']} / {v['mcnemar']['c']}, "
            f"p {study_runs.p_is(v['mcnemar']['p'])}"), agrees


def reproduction_lines(found, family, y_test_of):
    """The tables and FF-vs-CFF calls of the reproduction, as lines, each called by `family`.
    found : runs.load(results/reproduction), {(dataset, budget): rows}; family : the report's, closed"""
    out = []
    for (dataset, budget), rows in found.items():
        if dataset not in LESSON_DATASETS:                 # its test labels would be a download of their own
            out.append(f"{dataset}, {budget} budget: in results/reproduction/README.md (not read here: the lessons "
                       f"use {' and '.join(LESSON_DATASETS)} only)")
            continue
        col = reproduce.DATASETS.index(dataset)            # the paper's column
        out.append(f"{dataset}, {budget} budget: test error (%), mean ± std over seeds")
        out.append(f"  {'row':24s} {'paper':>6s}   {'reproduction':>16s}   seeds   lr chosen on validation")
        for row, label in LABEL.items():
            if row in rows:
                seeds = rows[row]["seeds"]
                chosen = f"{seeds[0]['config']['lr']:g}" if seeds else study_runs.tuning_count(len(rows[row]['tune']))
                out.append(f"  {label:24s} {reproduce.PAPER[row][col]:6.1f}   "
                           f"{study_runs.fmt([r['test_error'] for r in seeds]):>16s}   {len(seeds):5d}   {chosen}")
        out.append("  FF against CFF, same schedule:")
        outcomes = []
        for a, b in study_runs.SAME_SCHEDULE:
            v = study_runs.compare(rows.get(a, {}).get("seeds", []), rows.get(b, {}).get("seeds", []),
                                   y_test_of(dataset), family, tag=study_runs.budget_tag(budget))
            if v is None:
                ran = [r for r in (a, b) if rows.get(r, {}).get("seeds")]
                out.append(f"    {LABEL[a]} vs {LABEL[b]}: no verdict: "
                           + ("not run at this budget" if len(ran) < 2 else "fewer than 2 common seeds"))
                continue
            line, agrees = comparison_line(a, b, v, col)
            out.append(line)
            if agrees is not None:
                outcomes.append(agrees)
        if outcomes:
            out.append(f"  Conclusion ({dataset}, {budget}): the paper's FF-vs-CFF verdict was reproduced in "
                       f"{sum(outcomes)} of {len(outcomes)} comparisons with 2 or more seeds"
                       + ("" if len(outcomes) == 3 else " (the others: see their lines above)") + ".")
    return out


def seeds_of(group, rows):
    """{row: its seed records} of a study folder, for the rows among `rows` that have seeds."""
    found = study_runs.load_group(group, rows) if group.is_dir() else {}
    return {row: found[row]["seeds"] for row in rows if found.get(row, {}).get("seeds")}


def depth_lines(studies, y_test_of, family):
    """Depth: CFF against FF at every depth, per dataset; then what the later layers add (the report's lines)."""
    found = []
    for dataset in ("mnist", "fashion-mnist"):
        groups = sorted((studies / "depth").glob(f"{dataset}-L*"), key=lambda p: int(p.name.split("-L")[1])) \
            if studies.is_dir() else []
        runs = {int(g.name.split("-L")[1]): study_runs.load_group(g) for g in groups}
        calls = {}
        for d, rows in runs.items():
            ff = rows.get("ff-network", {}).get("seeds", [])
            line = f"depth, {dataset}, {d} layers: FF {study_runs.fmt([r['test_error'] for r in ff])}%"
            for cff in ("cff-prev-network", "cff-all-network"):
                v = study_runs.compare(ff, rows.get(cff, {}).get("seeds", []), y_test_of(dataset), family)
                if v:
                    call = in_words(v, "FF lower", "CFF lower")
                    calls.setdefault(cff, {}).setdefault(call, []).append(d)
                    line += (f"; {LABEL[cff]} {study_runs.fmt([r['test_error'] for r in rows[cff]['seeds']])}%: "
                             f"{call} {evidence(v)}{study_runs.mcnemar_note(v)}")
            found.append(line)
        found += [f"depth, {dataset}, {line[2:]}" for line in depth_conclusion(runs, calls)[len(calls):]]
        if not groups:
            found.append(f"depth, {dataset}: not run yet (python -m ffnumpy.studies.experiments depth --dataset {dataset})")
    return found


def transfer_lines(studies, family):
    """Transfer: is CFF's last layer more task-specific than FF's? (paired t over seeds)"""
    found = []
    for pair in PAIRS:
        runs = seeds_of(studies / "transfer" / pair, ("ff-network", "cff-prev-network", "bp-label"))
        if "ff-network" in runs and "cff-prev-network" in runs:
            spec = lambda r: r["probe_error"][-1] - min(r["probe_error"])
            found.append(f"transfer {pair}: last layer's probe error above the best layer's, CFF gamma(<t) against FF: "
                         + paired_call(runs["cff-prev-network"], runs["ff-network"], spec, "CFF gamma(<t)", "FF", family,
                                       f"specificity, {pair}", "less specific"))
            best = {row: study_runs.fmt([min(r["probe_error"]) for r in seeds]) for row, seeds in runs.items()}
            found.append(f"transfer {pair}: best-layer probe error, FF {best['ff-network']}%, CFF gamma(<t) "
                         f"{best['cff-prev-network']}%" + (f", BP label {best['bp-label']}%" if "bp-label" in best else ""))
        else:
            found.append(f"transfer {pair}: not run yet (python -m ffnumpy.studies.experiments transfer)")
    return found


def continual_lines(studies, family):
    """Continual learning: forgetting, CFF against FF (paired t over seeds), and every row's average accuracy."""
    runs = seeds_of(studies / "continual" / "mnist", ("ff-network", "cff-prev-network", "cff-all-network", "bp-label"))
    if "ff-network" not in runs or "cff-prev-network" not in runs:
        return ["continual: not run yet (python -m ffnumpy.studies.experiments continual --dataset mnist)"]
    found = []
    for kind in ("class", "task"):
        found.append(f"continual, {kind}-incremental forgetting, CFF gamma(<t) against FF: "
                     + paired_call(runs["cff-prev-network"], runs["ff-network"],
                                   lambda r: np.mean(r["forgetting"][kind]), "CFF gamma(<t)", "FF", family,
                                   f"{kind} forgetting", "forgets less"))
    for row, seeds in runs.items():
        found.append(f"continual, {LABEL[row]}: average accuracy class-incremental "
                     f"{study_runs.fmt([r['average_accuracy']['class'] for r in seeds])}%, task-incremental "
                     f"{study_runs.fmt([r['average_accuracy']['task'] for r in seeds])}%")
    return found


def learned_lines(studies, repro, y_test_of, family):
    """Learned gamma against the reproduction's fixed gammas, per dataset."""
    found = []
    for dataset in ("mnist", "fashion-mnist"):
        learned = seeds_of(studies / "learned" / f"{dataset}-course", ("cff-learned-network",)).get("cff-learned-network", [])
        fixed = seeds_of(repro / f"{dataset}-course", ("ff-network", "cff-prev-network", "cff-all-network"))
        for row, seeds in fixed.items():
            v = study_runs.compare(learned, seeds, y_test_of(dataset), family) if learned else None
            if v:
                call = in_words(v, "learned lower", f"{LABEL[row]} lower")
                found.append(f"learned gamma, {dataset}: {study_runs.fmt([r['test_error'] for r in learned])}% vs "
                             f"{LABEL[row]} {study_runs.fmt([r['test_error'] for r in seeds])}%: {call} "
                             f"{evidence(v)}{study_runs.mcnemar_note(v)}")
        if not learned:
            found.append(f"learned, {dataset}: not run yet (python -m ffnumpy.studies.experiments learned --dataset {dataset})")
    return found


def studies_lines(studies, repro, y_test_of):
    """Every study's lines (depth, transfer, continual, learned), called by the experiments report's own
    family (its VERDICTS file); with no report written yet, gathered and called in two passes.
    studies, repro : Paths of results/experiments and results/reproduction"""
    def build(family):
        return (depth_lines(studies, y_test_of, family) + transfer_lines(studies, family)
                + continual_lines(studies, family) + learned_lines(studies, repro, y_test_of, family))
    if (studies / study_runs.VERDICTS).exists():
        return build(study_runs.report_family(studies))
    return study_runs.two_passes(build)
