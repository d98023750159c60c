"""The headline family: every FF-against-CFF comparison in results/, Holm-corrected together.

Each report corrects its own comparisons (its family, for its own detail) and lists them all, the
unstable ones too, in its folder's comparisons.json (runs.save_family). The claims README.md makes
pool the reports, so their verdicts come from one family instead: every comparison of an FF row
with a CFF row in the reproduction, the experiments and the recipe study, whatever it measures
(test error, forgetting, a probe), each predictor reading a report made. An unstable comparison
(a failed seed, or seeds spread over 5 points) counts, at p = 1: leaving it out would be a choice
made after seeing the results.

    headline(results)       {"size", "comparisons": [entry + "report", "headline_p", "headline_call"]}
    find(family, key)       the entry of one comparison (runs.comparison_key), or None
"""
import json
from pathlib import Path

from .runs import LISTED
from .stats import call, holm

REPORTS = ("reproduction", "experiments", "recipe")


def configs(key):
    """The two row configurations a comparison key names (a predictor suffix and a task's name left out)."""
    return [json.loads(part.split(" by ")[0]) for part in key if part.startswith("{")]


def ff_against_cff(entry):
    """Is this comparison one of an FF row with a CFF row?"""
    return sorted(c.get("method") for c in configs(entry["key"])) == ["cff", "ff"]


def headline(results="results"):
    """The headline family over the reports' listed comparisons under `results` (a missing report adds none).
    Each entry keeps its report's own corrected p and call, and gains the headline's."""
    found = []
    for report in REPORTS:
        path = Path(results) / report / LISTED
        if path.exists():
            found += [{**e, "report": report} for e in json.loads(path.read_text())["comparisons"]
                      if ff_against_cff(e)]
    raw = [1.0 if e["p"] is None else e["p"] for e in found]
    for e, p in zip(found, holm(raw) if found else []):
        v = {"unstable": e["unstable"], "ci": e["ci"], "paired_t": {"mean_diff": e["mean_diff"]}}
        e.update(headline_p=p, headline_call=call(v, p))
    return {"size": len(found), "unstable": sum(e["p"] is None for e in found), "comparisons": found}


def find(family, key):
    """The entry of `family` (headline()) whose key is `key`, or None (not compared yet)."""
    return next((e for e in family["comparisons"] if tuple(e["key"]) == tuple(key)), None)
