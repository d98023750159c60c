"""Does keeping CFF gamma's units in use lower its error under the entropy objective? (issue 23)

objective_report.holdback_lines finds CFF gamma's layers 2 and 3 silent under the entropy objective and
derives why; whether the silence is what costs the error is a question for an intervention. The same
row is run again with peer normalisation (peer.py: each unit pulled toward its layer's mean activity) at
each of experiments.PEER_STRENGTHS, seeds 1, 2, 3 at the learning rate the objective study chose for it;
the strength with the lowest mean validation error over the seeds is compared on test with the row
without it, by the report's rule (paired over seeds, Holm over the report's comparisons).
"""
from pathlib import Path

import numpy as np

from ..evaluate import failed_run
from .experiments import PEER_READINGS, PEER_STRENGTHS
from .reproduce import SEEDS
from .runs import SILENT, compare, cpu_note, fmt, fmt_runs, last_activity, load_group, mcnemar_note
from .stats import evidence, in_words


def silent_shares(seeds):
    """(L,) each layer's silent share after the last epoch, mean over the seeds that did not fail and
    recorded it; [] if none did."""
    found = [last_activity(r)[1] for r in seeds if not failed_run(r)]
    found = [f for f in found if f is not None]
    return list(np.mean(found, axis=0)) if found else []


def silent_cell(seeds):
    """'0.78, 1.00, 1.00' (silent_shares), or '-'."""
    return ", ".join(f"{s:.2f}" for s in silent_shares(seeds)) or "-"


def mean_validation(seeds):
    return float(np.mean([r["validation_error"] for r in seeds]))


def peer_lines(out, dataset, runs, y_test, family):
    """The intervention's table and verdict for DATASET, or [] before any of its runs.
    runs : load_group() of the objective study (its CFF gamma rows are the runs without peer normalisation)."""
    lines = []
    for reading in PEER_READINGS:
        row = f"cff-all-network-{reading}"
        base = runs.get(row, {}).get("seeds", [])
        found = {s: load_group(Path(out) / "objective-peer" / f"{dataset}-course" / f"peer{s:g}", (row,))
                 .get(row, {}).get("seeds", []) for s in PEER_STRENGTHS}
        if not any(found.values()):
            continue
        lines += ["", f"Keeping the units in use (`python -m ffnumpy.studies.experiments objective-peer --dataset "
                      f"{dataset}`): CFF gamma, `{reading}`, with peer normalisation (peer.py: every unit pulled "
                      "toward its layer's mean activity) at each strength, the learning rate the row chose, seeds "
                      f"{', '.join(map(str, SEEDS))}; the strength is chosen by the seeds' mean validation error.", "",
                  "| peer strength | validation (%) | test (%) | silent units per layer, last epoch |",
                  "|---|---|---|---|"]
        for strength, seeds in [(0.0, base)] + list(found.items()):
            good = [r for r in seeds if not failed_run(r)]
            label = "0 (the row above)" if strength == 0 else f"{strength:g}"
            lines.append(f"| {label} | {fmt([r['validation_error'] for r in good])} | {fmt_runs(seeds)} "
                         f"| {silent_cell(seeds)} |")
        running = [s for s, seeds in found.items() if len(seeds) < len(SEEDS)]
        if running:
            lines += ["", f"- Running: {len(PEER_STRENGTHS) - len(running)} of {len(PEER_STRENGTHS)} strengths "
                          "have every seed; the choice waits for all."]
            continue
        lines += failed_line(found, base)
        usable = {s: seeds for s, seeds in found.items() if not any(failed_run(r) for r in seeds)}
        if not usable:
            lines.append("- No strength trained without a failed seed: nothing to choose.")
            continue
        best = min(usable, key=lambda s: mean_validation(usable[s]))
        edge = " (the grid's edge: a choice only once a strength past it is measured)" \
            if best in (min(PEER_STRENGTHS), max(PEER_STRENGTHS)) else ""
        v = compare(base, usable[best], y_test, family)
        call = (f"{in_words(v, 'without it lower', 'with it lower')} {evidence(v)}{mcnemar_note(v)}{cpu_note(v)}"
                if v else "-")
        lines.append(f"- Chosen on validation among the {len(usable)} strengths with no failed seed: {best:g}{edge}. "
                     f"Silent units per layer {silent_cell(usable[best])} (without it: {silent_cell(base)}); test "
                     f"{fmt_runs(usable[best])}% against {fmt_runs(base)}% without it: {call}.")
        shares = [x for x in [silent_shares(seeds) for seeds in usable.values()] + [silent_shares(base)] if x]
        still = [i + 1 for i in range(len(shares[0])) if all(x[i] >= SILENT for x in shares)] if shares else []
        if still:
            lines.append(f"- Layer{'s' if len(still) > 1 else ''} {', '.join(map(str, still))} "
                         f"stay{'' if len(still) > 1 else 's'} silent at every "
                         "usable strength: in a layer whose every unit is off each unit's running mean equals the "
                         "layer's, so peer normalisation pulls none of them up. It tests the other layers' silent "
                         "units only.")
    return lines


def failed_line(found, base):
    """['', '- Failed (...)'] naming the strengths with a failed seed and how large their goodness grew, or ['']."""
    lost = {s: [r for r in seeds if failed_run(r) and r.get("history")] for s, seeds in found.items()}
    lost = {s: runs for s, runs in lost.items() if runs}
    if not lost:
        return [""]
    grown = np.mean([r["history"][-1]["activity"]["goodness"] for runs in lost.values() for r in runs], axis=0)
    kept = [r["history"][-1]["activity"]["goodness"] for r in base if not failed_run(r) and r.get("history")]
    without = f" (without it: {', '.join(f'{g:.3g}' for g in np.mean(kept, axis=0))})" if kept else ""
    return ["", f"- Failed seeds at strength {', '.join(f'{s:g}' for s in lost)}: "
                f"{sum(map(len, lost.values()))} runs failed (collapsed, or no better than guessing), ending with a "
                f"mean goodness per layer of "
                f"{', '.join(f'{g:.3g}' for g in grown)}{without} on positive pairs."]
