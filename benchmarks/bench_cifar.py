"""How long would the CIFAR-10 studies take here? One epoch of each row, timed, then projected.

    python benchmarks/bench_cifar.py [--json results/speed/bench_cifar.json]
    python benchmarks/bench_cifar.py --recipe [--json ...]     # and Hinton's recipe, FF and CFF gamma(<t)

The course budget: each of the paper's seven rows, as `python -m ffnumpy.studies.reproduce --dataset
cifar10` makes it (3072-500-500-500, the grid's first setting, seed 0), is trained for one epoch (one
per layer under the Layer schedule) by ffnumpy.train.train on the 40k training images and measured on
the 10k validation images, as a tuning run is. With --recipe: the same for the rows of `python -m
ffnumpy.studies.hinton question --dataset cifar10` (3072-1000-1000-1000, SGD, the readout's negatives).

Each row gives two numbers: the seconds of an epoch (its training steps, then the train error and the
entropies measured after every epoch) and the seconds after the last epoch (the final evaluation).
Then, for every run the study lists in an empty folder (protocol.pending: the grid's tuning runs and
the seeds), projected:
    a run   = its epochs x the seconds of an epoch (summed over the layers under the Layer schedule)
              + the final evaluation (twice for a seed run: test, then validation);
    a study = the sum over its runs, before any tuning past a grid's edge (each step past an edge
              adds a tuning run per theta-scale to that row).
Nothing is projected from another CPU: the numbers hold for this machine only.
Run it alone: anything else on the cores distorts every number.
"""
import argparse
import json
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from ffnumpy.data import Dataset, load_dataset
from ffnumpy.studies.hinton import question_studies
from ffnumpy.studies.protocol import pending
from ffnumpy.studies.reproduce import table_studies
from ffnumpy.studies.runner import machine
from ffnumpy.studies.runs import ROW_LABELS
from ffnumpy.train import train


def time_one_epoch(cfg, data):
    """(seconds of each epoch, seconds after the last) of `cfg` trained one epoch per phase.

    data : the split a tuning run sees (x_train, y_train; x_test = the validation images)
    returns ([one entry per phase: L under the Layer schedule, else 1], final evaluation seconds)
    """
    stamps = [time.perf_counter()]
    train(replace(cfg, epochs=1), data=data, progress=False,
          on_epoch=lambda model, record: stamps.append(time.perf_counter()))
    end = time.perf_counter()
    return [float(s) for s in np.diff(stamps)], end - stamps[-1]


def run_seconds(cfg, epoch_seconds, final_seconds, kind):
    """The projected seconds of a run of `cfg`: its epochs, then its evaluation (a seed run's twice)."""
    return cfg.epochs * sum(epoch_seconds) + final_seconds * (2 if kind == "seed" else 1)


def row_runs(study, folder):
    """{row: [(Config, kind)]} of every run the study would make in the empty `folder`. A seed run
    waiting on its row's tuning is costed with the grid's first setting: the setting does not change
    what a step computes, only its numbers."""
    runs = {row: [] for row in study.rows}
    for path, cfg, kind in pending(folder, study):
        row = path.relative_to(Path(folder) / study.name).parts[0]
        seed = int(path.stem[len("seed"):]) if kind == "seed" else 0
        runs[row].append((cfg or study.make(row, (study.grid or [study.fixed])[0], seed), kind))
    return runs


def measure(studies, data, say=print):
    """{row: its timing and projection} for every row of `studies`, timed once each on `data`.
    A row's minutes split into training (its runs' epochs) and evaluation (after the last epoch)."""
    found = {}
    with tempfile.TemporaryDirectory() as empty:
        for study in studies:
            for row, runs in row_runs(study, empty).items():
                timed = next((cfg for cfg, kind in runs if kind == "tune"), runs[0][0])
                epochs, final = time_one_epoch(timed, data)
                seconds = [run_seconds(cfg, epochs, final, kind) for cfg, kind in runs]
                training = sum(cfg.epochs * sum(epochs) for cfg, _ in runs)
                minutes = {kind: max(s for s, (_, k) in zip(seconds, runs) if k == kind) / 60
                           for kind in dict.fromkeys(k for _, k in runs)}
                found[row] = {"epoch_seconds": epochs, "final_seconds": final, "runs": len(runs),
                              "run_minutes": minutes, "row_minutes": sum(seconds) / 60,
                              "training_minutes": training / 60, "evaluation_minutes": (sum(seconds) - training) / 60}
                per = " + ".join(f"{s:.1f}" for s in epochs)
                say(f"{ROW_LABELS[row]:24s} {per} s per epoch{' (one per layer)' if len(epochs) > 1 else ''}, "
                    f"evaluation {final:.1f} s; a run " + ", ".join(f"{m:.1f} min ({k})" for k, m in minutes.items())
                    + f"; {len(runs)} runs: {sum(seconds) / 60:.0f} min", flush=True)
    return found


def summary(found, epochs):
    """The study's runs and minutes, and the minutes each epoch of the budget adds (every run of the
    study trains `epochs` epochs): a budget of E epochs costs evaluation + E x per_epoch minutes."""
    total = sum(r["row_minutes"] for r in found.values())
    training = sum(r["training_minutes"] for r in found.values())
    return {"runs": sum(r["runs"] for r in found.values()), "minutes": total, "epochs": epochs,
            "per_epoch_minutes": training / epochs, "evaluation_minutes": total - training}


def tune_split(data):
    """The split a tuning run trains and measures on: the training images, then the validation ones."""
    return Dataset(data.name, data.x_train, data.y_train, data.x_val, data.y_val)


def main(argv=None, data=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--json", help="write the numbers here")
    p.add_argument("--recipe", action="store_true", help="also Hinton's recipe (hinton question --dataset cifar10)")
    args = p.parse_args(argv)
    data = tune_split(data or load_dataset("cifar10", validation=True))
    m = machine()
    out = {"machine": m, "date": time.strftime("%Y-%m-%d"), "train_images": len(data.x_train)}
    print(f"{m['cpu']}, {m['cores']} cores, numpy {m['numpy']} ({m['blas']}), {out['date']}")
    plans = {"course": table_studies("cifar10", "course")}
    if args.recipe:
        plans["recipe"] = question_studies("cifar10")
    for name, studies in plans.items():
        cfg = studies[0].make(studies[0].rows[0], studies[0].grid[0], 1)
        sizes = "-".join(map(str, [cfg.input_size, *cfg.hidden]))
        print(f"\nCIFAR-10, {name}: {sizes}, {cfg.epochs} epochs a seed run, on {len(data.x_train)} training "
              f"images (one epoch timed per row):")
        rows = measure(studies, data)
        out[name] = {"rows": rows, **summary(rows, cfg.epochs)}
        total = out[name]
        print(f"the {name} study: {total['runs']} runs, {total['minutes']:.0f} min ({total['minutes'] / 60:.1f} h) "
              f"before any tuning past a grid's edge")
        if name == "course":      # every run trains the budget's epochs: the study is linear in them
            print(f"at E epochs: {total['evaluation_minutes']:.0f} + E x {total['per_epoch_minutes']:.0f} min "
                  f"(E passes over the data; 3E under the Layer schedule)")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1) + "\n")
    return out


if __name__ == "__main__":
    main()
