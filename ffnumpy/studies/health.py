"""Failed runs named in their own files: the health check run again on stored result files.

    python -m ffnumpy.studies.health results              # list the failed runs whose warnings are empty
    python -m ffnumpy.studies.health results --backfill   # write the warnings found into those files

Runs made before every failure had its warning (evaluate.health_warnings: collapsed, one class,
guessing) are still caught by the reports, which re-check every run (evaluate.failed_run); their
files said nothing. The check here reads the run's stored test predictions, finds the same
problems the check at the end of training finds, and with --backfill writes them into the file's
`warnings` (as "test set: ...", the form train.final_warnings gives) with `warnings_backfilled`
naming this command. Silent layers need the goodness, which no file stores: they are not backfilled.
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np

from ..data import DataError, load_dataset
from ..evaluate import failed_run, health_warnings
from ..files import atomic_write_text

NOTE = ("python -m ffnumpy.studies.health --backfill: the health check on the stored test predictions, "
        "run after the fact (the run's own check had found nothing)")


def silent_failures(folder):
    """[(path, record)]: the run files under `folder` that failed (evaluate.failed_run) with empty warnings."""
    found = []
    for path in sorted(Path(folder).rglob("*.json")):
        try:
            record = json.loads(path.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(record, dict) and "config" in record and not record.get("warnings") and failed_run(record):
            found.append((path, record))
    return found


def warnings_of(record, y_test):
    """The health check's warnings on the run's stored test predictions.   y_test : (10000,) labels"""
    pred = np.frombuffer(record["test_predictions"].encode(), np.uint8) - 48
    return [f"test set: {w}" for w in health_warnings(None, pred, y_test)]


def backfill(folder, write=False, labels=None):
    """[(path, warnings)] for every silent failure under `folder`; with write, stored in each file.
    labels : {dataset: (10000,) test labels}; default: loaded with the dataset"""
    labels = dict(labels or {})
    done = []
    for path, record in silent_failures(folder):
        dataset = record["config"]["dataset"]
        if dataset not in labels:
            labels[dataset] = load_dataset(dataset).y_test
        found = warnings_of(record, labels[dataset]) if record.get("test_predictions") else []
        if write and found:
            atomic_write_text(path, json.dumps({**record, "warnings": found, "warnings_backfilled": NOTE}, indent=1))
        done.append((path, found))
    return done


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m ffnumpy.studies.health", description=__doc__.splitlines()[0])
    p.add_argument("folder", nargs="?", default="results", help="the result files' folder (default results)")
    p.add_argument("--backfill", action="store_true", help="write the warnings found into the files")
    args = p.parse_args(argv)
    if not Path(args.folder).is_dir():
        p.error(f"{args.folder}: no such folder")
    try:
        done = backfill(args.folder, args.backfill)
    except DataError as err:
        p.exit(2, f"{p.prog}: error: {err}\n")
    for path, found in done:
        print(f"{path}: {'; '.join(found) or 'failed, but the stored predictions show no warning'}")
    print(f"{len(done)} failed run(s) with empty warnings; " +
          ("warnings written" if args.backfill else "--backfill writes them"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
