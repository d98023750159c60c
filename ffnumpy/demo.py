"""First run: train FF and Collaborative FF on MNIST side by side.

    python -m ffnumpy.demo            # about 3 minutes on a 2-core laptop CPU
    python -m ffnumpy.demo --quick    # under 30 seconds (what CI runs)

Both networks have the same layers, optimiser and budget; they differ only in
the objective: FF's layer i scores a pair with g_i - theta_i, CFF's with
g_i + gamma_i - theta, where gamma_i = the goodness of the layers below i, as a
constant (the paper's gamma(<t); the full gamma, all other layers, is
`python -m ffnumpy.train --method cff --gamma all`: see the README for how the
two compare).
Prints a table of test errors and seconds, and saves a figure of the test
error per epoch and of the error per layer.
"""
import argparse
import os
import sys
import time
from pathlib import Path

from .data import DataError, load_mnist
from .evaluate import evaluate
from .plots import plot_curves_and_layers
from .train import Config, train

COMMON = dict(dataset="mnist", schedule="network", validation=False, seed=0)
# Chosen on the validation split: benchmarks/sweep.py, groups lr2 and cff (results/sweeps/).
FULL = {"FF": dict(method="ff", hidden=(500, 500, 500), epochs=8, lr=2e-3),
        "CFF": dict(method="cff", gamma="previous", hidden=(500, 500, 500), epochs=8, lr=2e-3)}
QUICK = {"FF": dict(method="ff", hidden=(200, 200), epochs=2, lr=2e-3),
         "CFF": dict(method="cff", gamma="previous", hidden=(200, 200), epochs=2, lr=2e-3)}


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m ffnumpy.demo", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="a smaller run, under 30 seconds")
    p.add_argument("--out", default="ffnumpy-demo", help="folder for the figure (default: ./ffnumpy-demo)")
    args = p.parse_args(argv)
    start = time.perf_counter()
    try:
        data = load_mnist()
    except DataError as err:
        p.exit(1, f"{p.prog}: error: {err}\n")
    runs = QUICK if args.quick else FULL
    results = {}
    for label, settings in runs.items():
        cfg = Config(**COMMON, **settings)
        print(f"training {label}: {cfg.method} gamma={cfg.gamma_mode}, 784-{'-'.join(map(str, cfg.hidden))}, "
              f"{cfg.epochs} epochs, Adam lr {cfg.lr}", flush=True)

        def test_error_per_epoch(model, record):  # for the figure only; nothing is tuned on it
            record["test_error"] = evaluate(model.net, data.x_test, data.y_test)["error"]

        results[label], _ = train(cfg, data=data, on_epoch=test_error_per_epoch)
    print(f"\n{'method':8s} {'test error':>10s} {'train s':>8s}   error of layer 1, 2, ... alone")
    for label, r in results.items():
        layers = "  ".join(f"{e:.2f}" for e in r["per_layer_test_error"])
        print(f"{label:8s} {r['test_error']:9.2f}% {r['train_seconds']:8.1f}   {layers}")
    path = plot_curves_and_layers(results, os.path.join(args.out, "demo.png"),
                                  title="MNIST: FF against collaborative FF (same network and budget)")
    print(f"\nfigure: {os.path.abspath(path)}")
    print(f"done in {time.perf_counter() - start:.0f} s (loading, training, evaluating)")
    print_reproduction(data)
    return 0


def print_reproduction(data):
    """One run is one seed: close with what the seeded reproduction found, if this checkout has it."""
    out = Path(__file__).resolve().parents[1] / "results" / "reproduction"
    if not out.is_dir():
        return
    from .report import conclusion
    lines = conclusion(out, "mnist", data.y_test)
    if lines:
        print("\nOne run is one seed. The reproduction (results/reproduction/README.md: 784-500-500-500, "
              "8 epochs, each row tuned on validation, then 3 seeds on test) found:")
        for line in lines:
            print(f"  {line}")


if __name__ == "__main__":
    sys.exit(main())
