"""A lesson's digest of the entropy objective's section of the experiments report (tutorial 03, section 7).

The report (results/experiments/README.md, written by objective_report.objective_section) gives every
reading with its tests, intervals, goodness and silent units; a lesson prints at most a screen. The digest
keeps, per reading, each method's error over seeds, the verdict against the logistic objective in words,
and the silent units per layer; then the targets and the peer-normalisation intervention, one line each.
It is read from the report's own lines (objective_report.objective_lesson), so it says what the report says.
"""
import re

from .objective_report import objective_lesson

WIDTH = 22      # the reading column


def verdict(cell):
    """The verdict's words without its evidence: 'logistic lower (corrected p = ...)' -> 'logistic lower'."""
    return cell.split(" (")[0].strip()


def error(cell):
    """'18.90 ± 0.16' as it is; '- (3 of 3 seeds failed)' -> 'failed (3 of 3 seeds)'."""
    found = re.match(r"- \((\d+) of (\d+) seeds failed\)", cell)
    return f"failed ({found[1]} of {found[2]} seeds)" if found else cell.split(" (")[0].strip()


def silent(cell):
    """'g_L 8.54e+04; silent 0.55, 0.14, 0.45' -> '0.55 0.14 0.45'; '-' when the report has none."""
    found = re.search(r"silent ([\d., ]+)", cell)
    return found[1].replace(",", "").strip() if found else "-"


def table_lines(section):
    """The readings' rows of the report's table, as digest lines (a header first)."""
    lines = [f"  {'reading':{WIDTH}s} {'FF error (%)':22s} {'FF vs logistic FF':21s} {'CFF gamma error (%)':22s} "
             f"{'CFF vs logistic CFF':21s} silent units per layer, FF | CFF"]
    for row in section:
        if not row.startswith("| `"):
            continue
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        reading, ff, _, ff_call, cff, _, cff_call, ff_act, cff_act = cells[:9]
        lines.append(f"  {reading.strip('`'):{WIDTH}s} {error(ff):22s} {verdict(ff_call):21s} {error(cff):22s} "
                     f"{verdict(cff_call):21s} {silent(ff_act)} | {silent(cff_act)}")
    return lines


def target_line(section):
    """The targets' verdicts on one line, or None: 'targets (each method's reading chosen on validation): ...'."""
    found = []
    for line in section:
        if line.startswith("- Target "):
            what = line[len("- Target "):].split(": the reading")[0]
            reading = re.search(r"`([\w-]+)`", line)
            result = re.search(r"It gives (?:([\d.]+%)|([+-][\d.]+ points)) on test: (met|missed)", line)
            if reading and result:
                found.append(f"{what}: {result[3]} ({reading[1]}, {result[1] or result[2]})")
    return "  targets (each method's reading chosen on validation): " + "; ".join(found) if found else None


def peer_line(section):
    """The peer-normalisation intervention in one line, or None before it is chosen."""
    reading = next((re.search(r"`([\w-]+)`, with peer", line) for line in section
                    if line.startswith("Keeping the units in use")), None)
    for line in section:
        found = re.search(r"Silent units per layer ([\d., ]+) \(without it: ([\d., ]+)\); test (.+?)% against "
                          r"(.+?)% without it: ([^(.]+)", line)
        if found and reading:
            return (f"  peer normalisation on CFF gamma, {reading[1]}: silent units {found[2]} -> {found[1]}; "
                    f"test {found[4]}% -> {found[3]}%: {found[5].strip()}")
    return None


def objective_digest(readme, dataset):
    """At most about 11 lines for DATASET: the logistic baseline, one line per reading (errors, verdicts
    against the logistic objective, silent units per layer), the targets and the intervention where the
    report has them; or the report's own line saying the study has not run.   readme : the report's path"""
    section = objective_lesson(readme, dataset)
    if len(section) == 1:                      # "not measured yet", with the command
        return section
    logistic = next((re.search(r"FF (.+?)%, CFF gamma (.+?)%", line) for line in section
                     if line.startswith("The logistic rows")), None)
    head = f"{dataset}: each reading's test error over seeds" + (
        f", against the logistic objective (FF {logistic[1]}%, CFF gamma {logistic[2]}%)" if logistic else "")
    return [head + ":"] + table_lines(section) + [x for x in (target_line(section), peer_line(section)) if x]
