"""Run named training configurations, one JSON result file per run.

    python benchmarks/sweep.py GROUP [--out results/sweeps]

Each run writes OUT/GROUP/NAME.json; a run whose file exists is skipped, so an
interrupted sweep resumes where it stopped. Run one sweep at a time: two
trainings sharing the 2 cores make both timings meaningless.
"""
import argparse
import json
import os
import sys

from ffnumpy.data import load_dataset
from ffnumpy.train import Config, train

H500 = (500, 500, 500)
GROUPS = {
    # He initialisation (g starts near theta); higher learning rates
    "lr2": {
        "ff-adam1e-3": dict(method="ff", hidden=H500, epochs=8, lr=1e-3),
        "ff-adam2e-3": dict(method="ff", hidden=H500, epochs=8, lr=2e-3),
        "ff-adam4e-3": dict(method="ff", hidden=H500, epochs=8, lr=4e-3),
        "cff-all-adam1e-3": dict(method="cff", gamma="all", hidden=H500, epochs=8, lr=1e-3),
        "cff-all-adam2e-3": dict(method="cff", gamma="all", hidden=H500, epochs=8, lr=2e-3),
        "cff-all-adam4e-3": dict(method="cff", gamma="all", hidden=H500, epochs=8, lr=4e-3),
        "cff-prev-adam2e-3": dict(method="cff", gamma="previous", hidden=H500, epochs=8, lr=2e-3),
    },
    # CFF improves mostly while the learning rate decays: other schedules, longer runs
    "cff": {
        "cff-all-adam1e-3-linear": dict(method="cff", gamma="all", hidden=H500, epochs=8, lr=1e-3, lr_schedule="linear"),
        "cff-all-adam2e-3-linear": dict(method="cff", gamma="all", hidden=H500, epochs=8, lr=2e-3, lr_schedule="linear"),
        "cff-all-adam1e-3-16ep": dict(method="cff", gamma="all", hidden=H500, epochs=16, lr=1e-3),
        "cff-all-adam2e-3-batch200": dict(method="cff", gamma="all", hidden=H500, epochs=8, lr=2e-3, batch_size=200),
        "ff-adam2e-3-linear": dict(method="ff", hidden=H500, epochs=8, lr=2e-3, lr_schedule="linear"),
        "cff-prev-adam2e-3-linear": dict(method="cff", gamma="previous", hidden=H500, epochs=8, lr=2e-3, lr_schedule="linear"),
    },
    # SGD with momentum 0.9 (Hinton's optimiser; a third of Adam's memory traffic per step)
    "sgd": {
        "ff-sgd1e-4": dict(method="ff", hidden=H500, epochs=8, optimizer="sgd", lr=1e-4),
        "ff-sgd3e-4": dict(method="ff", hidden=H500, epochs=8, optimizer="sgd", lr=3e-4),
        "ff-sgd1e-3": dict(method="ff", hidden=H500, epochs=8, optimizer="sgd", lr=1e-3),
        "cff-prev-sgd3e-4": dict(method="cff", gamma="previous", hidden=H500, epochs=8, optimizer="sgd", lr=3e-4),
        "cff-all-sgd3e-4": dict(method="cff", gamma="all", hidden=H500, epochs=8, optimizer="sgd", lr=3e-4),
    },
    # the paper's Figures 2 and 4: FF and both CFFs with one budget, entropies recorded every epoch
    "analysis": {
        f"{data}-{name}": dict(dataset=data, hidden=H500, epochs=8, lr=2e-3, track_entropy=True, **kw)
        for data in ("mnist", "fashion-mnist")
        for name, kw in (("ff", dict(method="ff")), ("cff-all", dict(method="cff", gamma="all")),
                         ("cff-prev", dict(method="cff", gamma="previous")))
    },
    # the entropy objective (no sigmoid, no theta) beside the logistic one, Fashion-MNIST
    "entropy": {
        "fashion-mnist-ff-entropy": dict(dataset="fashion-mnist", method="ff", objective="entropy",
                                         hidden=H500, epochs=8, lr=2e-3, track_entropy=True),
        "fashion-mnist-cff-all-entropy": dict(dataset="fashion-mnist", method="cff", gamma="all",
                                              objective="entropy", hidden=H500, epochs=8, lr=2e-3,
                                              track_entropy=True),
    },
}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("group", choices=sorted(GROUPS))
    p.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "results", "sweeps"))
    args = p.parse_args(argv)
    folder = os.path.join(args.out, args.group)
    os.makedirs(folder, exist_ok=True)
    data = {}
    for name, settings in GROUPS[args.group].items():
        path = os.path.join(folder, name + ".json")
        if os.path.exists(path):
            continue
        cfg = Config(**settings)
        if cfg.dataset not in data:
            data[cfg.dataset] = load_dataset(cfg.dataset, validation=cfg.validation)
        result, _ = train(cfg, data=data[cfg.dataset], progress=False)
        with open(path, "w") as f:
            json.dump(result, f, indent=1)
        print(f"{name:24s} val {result['validation_error']:.2f}  test {result['test_error']:.2f}  "
              f"per layer {result['per_layer_test_error']}  {result['train_seconds']:.0f} s", flush=True)


if __name__ == "__main__":
    sys.exit(main())
