"""One predictor rule for every row: which score reads a trained network's answer, chosen on validation.

A goodness network answers with the label whose goodness is largest, summed over a set of layers;
Hinton's recipe also trains a softmax readout on the layers' activities. The candidates:

    all          the goodness of every layer (the paper's predictor)
    skip-first   the goodness of layers 2 and up (Hinton's)
    readout      the softmax readout (runs that train one: Hinton's recipe)

plus the score a row's objective trains when it is none of these (the entropy objective's log).
The rule, the same for FF and CFF: at a row's chosen setting, the candidate with the lowest
validation error over the tuning runs of that setting (mean over tuning seeds); a candidate counts
only where every one of those runs measured it. Ties keep the predictor the row was trained with.
Only the validation split chooses: the test set is read once, by the chosen predictor.

    validation_errors(record)      {predictor: validation error (%)} a run measured
    choose(tune, seeds)            (predictor, {predictor: mean validation error}) for one row
    test_error(record, predictor)  the run's test error by that predictor, None if not stored
    test_predictions(record, p)    its (10000,) test predictions by that predictor, None if not stored
"""
import numpy as np

CANDIDATES = ("all", "skip-first", "readout")
TEXT = {"all": "all layers", "skip-first": "layers 2 and up", "readout": "the readout", "log": "the log score"}


def own(record):
    """The predictor a run was trained and first measured with (its config's `predict`)."""
    return record["config"].get("predict", "all")


def validation_errors(record):
    """{predictor: validation error (%)} of every predictor this run measured on validation.
    Older runs stored no table by predictor: their own predictor's error, all layers' (the last
    prefix error) and the readout's are still known."""
    found = dict(record.get("validation_error_by_predictor") or {})
    if record.get("validation_error") is not None:
        found.setdefault(own(record), record["validation_error"])
    prefix = record.get("prefix_validation_error")
    if prefix:
        found.setdefault("all", prefix[-1])
    if record.get("readout_validation_error") is not None:
        found["readout"] = record["readout_validation_error"]
    return found


def at_setting(tune, seeds):
    """The tuning runs of the setting the row's seeds were run with (same lr and theta-scale)."""
    if not seeds:
        return []
    cfg = seeds[0]["config"]
    return [r for r in tune if r["config"]["lr"] == cfg["lr"] and r["config"]["theta_scale"] == cfg["theta_scale"]]


def choose(tune, seeds):
    """(predictor, {candidate: mean validation error (%)}) by the rule above.

    tune  : the row's tuning runs (or, for a row that reuses another's setting, that row's)
    seeds : the row's seed runs (their setting and their own predictor)
    With no tuning run at the setting, the row keeps its own predictor and the table is {}."""
    runs = at_setting(tune, seeds)
    mine = own((seeds or tune)[0]) if seeds or tune else "all"
    if not runs:
        return mine, {}
    candidates = [*CANDIDATES, *([mine] if mine not in CANDIDATES else [])]
    measured = [validation_errors(r) for r in runs]
    table = {p: float(np.mean([m[p] for m in measured])) for p in candidates if all(p in m for m in measured)}
    if not table:
        return mine, {}
    best = min(table.values())
    return (mine if table.get(mine) == best else min(table, key=table.get)), table


def test_error(record, predictor):
    """The run's test error (%) by `predictor`, or None where it was not stored. Runs made before every
    predictor was stored hold the all-layer error as their last prefix error."""
    if predictor == own(record):
        return record["test_error"]
    if predictor == "readout":
        return record.get("readout_test_error")
    stored = record.get("test_error_by_predictor") or {}
    if predictor in stored:
        return stored[predictor]
    return record["prefix_test_error"][-1] if predictor == "all" and record.get("prefix_test_error") else None


def test_predictions(record, predictor):
    """(10000,) uint8 test predictions by `predictor`, or None where they were not stored."""
    if predictor == own(record):
        text = record.get("test_predictions")
    elif predictor == "readout":
        text = record.get("readout_test_predictions")
    else:
        text = (record.get("test_predictions_by_predictor") or {}).get(predictor)
    return None if not text else np.frombuffer(text.encode(), np.uint8) - 48
