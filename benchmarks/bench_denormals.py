"""What float32 denormals cost, and what setting them to 0 (losses.GRADIENT_FLOOR, optim.flush) changes.

    python benchmarks/bench_denormals.py [--epochs 3] [--json results/speed/bench_denormals.json]

Part 1, the operations: a (3072 x 200) @ (200 x 500) product, and an elementwise multiply of 2^16
entries, each timed with normal entries and with denormal ones (x 1e-39).
Part 2, training: three runs, each trained twice from the same seed, once as ffnumpy trains (floors on)
and once with the floors off (GRADIENT_FLOOR 0, moments never flushed), for --epochs epochs:
    FF, Network, on CIFAR-10 (3072-500x3, Adam, lr 5e-4: the course study's first setting);
    CFF gamma(<t), Layer, on MNIST (784-500x3, Adam, lr 2e-3);
    Hinton's recipe on MNIST (784-1000x3, SGD with momentum, the readout's negatives).
Each gives its seconds per epoch both ways, the denormals left in its optimiser moments, and how many
parameters differ between the two, with the largest of them: over 3 epochs the floors move only parameters
that are themselves about 0 (over longer runs those bits spread: denormal_drift.py). The datasets are
found as ffnumpy finds them: FFNUMPY_DATA, if set, must hold both.
Run it alone: anything else on the cores distorts every number.
"""
import argparse
import json
import time

import numpy as np

from ffnumpy import losses, optim
from ffnumpy.config import Config
from ffnumpy.data import load_dataset
from ffnumpy.studies.runner import machine
from ffnumpy.train import train

TINY = np.finfo(np.float32).tiny


def per_call(f, repeat):
    start = time.perf_counter()
    for _ in range(repeat):
        f()
    return (time.perf_counter() - start) / repeat


def operations():
    """{name: (seconds normal, seconds denormal)} of one product and one elementwise multiply."""
    rng = np.random.default_rng(0)
    x = rng.random((200, 3072), dtype=np.float32)
    d = rng.random((200, 500), dtype=np.float32)
    a = rng.random(2 ** 16, dtype=np.float32)
    out = np.empty_like(a)
    tiny = np.float32(1e-39)
    return {"dW = x^T dz, (3072 x 200) @ (200 x 500)": (per_call(lambda: x.T @ d, 20), per_call(lambda: x.T @ (d * tiny), 3)),
            "multiply, 2^16 entries": (per_call(lambda: np.multiply(a, 0.9, out=out), 2000),
                                       per_call(lambda: np.multiply(a * tiny, 0.9, out=out), 200))}


RUNS = {
    "FF, Network, CIFAR-10": lambda e: Config(dataset="cifar10", method="ff", gamma="all", schedule="network",
                                              hidden=(500, 500, 500), epochs=e, lr=5e-4, theta_scale=1.0, seed=0),
    "CFF gamma(<t), Layer, MNIST": lambda e: Config(dataset="mnist", method="cff", gamma="previous",
                                                    schedule="layer", hidden=(500, 500, 500), epochs=e, lr=2e-3,
                                                    seed=1),
    "Hinton's recipe, MNIST": lambda e: Config.from_recipe("hinton", epochs=e, hidden=(1000, 1000, 1000)),
}


def floors_off():
    """Turn the floors off (and return a function that turns them on again)."""
    kept = losses.GRADIENT_FLOOR, optim.FLUSH_EVERY
    losses.GRADIENT_FLOOR, optim.FLUSH_EVERY = 0.0, 10 ** 12

    def on():
        losses.GRADIENT_FLOOR, optim.FLUSH_EVERY = kept
    return on


def one(cfg, data):
    """(seconds of each epoch, denormals in the optimiser moments, the parameters) of one run."""
    stamps = [time.perf_counter()]
    _, model = train(cfg, data=data, progress=False, on_epoch=lambda m, r: stamps.append(time.perf_counter()))
    moments = [a for o in model.optimizers for slot in o.slots.values() for a in slot]
    denormal = sum(int(((a != 0) & (np.abs(a) < TINY)).sum()) for a in moments)
    return [float(s) for s in np.diff(stamps)], denormal, [p.copy() for o in model.optimizers for p in o.params]


def training(epochs):
    out = {}
    for name, make in RUNS.items():
        cfg = make(epochs)
        data = load_dataset(cfg.dataset, validation=True)
        on_secs, on_denormal, on_params = one(cfg, data)
        on = floors_off()
        try:
            off_secs, off_denormal, off_params = one(cfg, data)
        finally:
            on()
        moved = [b[a != b] for a, b in zip(on_params, off_params)]
        out[name] = {"epoch_seconds_floors_on": on_secs, "epoch_seconds_floors_off": off_secs,
                     "denormal_moments_on": on_denormal, "denormal_moments_off": off_denormal,
                     "parameters": int(sum(p.size for p in on_params)),
                     "parameters_moved": int(sum(m.size for m in moved)),
                     "largest_moved": float(max((np.abs(m).max() for m in moved if m.size), default=0.0))}
    return out


def arguments(argv, doc, epochs, what):
    """--epochs (at least 1) and --json, the flags of this benchmark and of denormal_drift.py."""
    p = argparse.ArgumentParser(description=doc.split("\n")[0])
    p.add_argument("--epochs", type=int, default=epochs, help=f"epochs of each run (default {epochs}, {what})")
    p.add_argument("--json", help="also write the numbers to this JSON file")
    args = p.parse_args(argv)
    if args.epochs < 1:
        p.error("--epochs must be at least 1")
    return args


def main(argv=None):
    args = arguments(argv, __doc__, 3, "before most denormals appear")
    result = {"machine": machine(), "date": time.strftime("%Y-%m-%d"), "epochs": args.epochs}
    info = result["machine"]
    print(f"{info['cpu']}, {info['cores']} cores, numpy {info['numpy']} ({info['blas']}), {result['date']}\n")
    result["operations"] = operations()
    for name, (normal, slow) in result["operations"].items():
        print(f"{name:45s} normal {normal * 1e6:9.0f} us, denormal {slow * 1e6:9.0f} us: {slow / normal:5.0f} times")
    print(f"\ntraining, {args.epochs} epochs from one seed, floors on (ffnumpy) and off:")
    result["training"] = training(args.epochs)
    for name, r in result["training"].items():
        print(f"{name}:\n  seconds per epoch, on:  {' '.join(f'{s:5.1f}' for s in r['epoch_seconds_floors_on'])}"
              f"\n  seconds per epoch, off: {' '.join(f'{s:5.1f}' for s in r['epoch_seconds_floors_off'])}"
              f"\n  denormal optimiser moments at the end: {r['denormal_moments_on']} on, "
              f"{r['denormal_moments_off']} off\n  parameters that differ: {r['parameters_moved']} of "
              f"{r['parameters']}, the largest {r['largest_moved']:.2g}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
            f.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
