"""Does setting denormals to 0 change a longer run? Tutorial 02's CFF gamma(<t) run, floors on and off.

    python benchmarks/denormal_drift.py [--epochs 6] [--json results/speed/denormal_drift.json]

bench_denormals.py trains 3 epochs and finds the same weights both ways, but for parameters about 0.
This trains tutorial 02's CFF gamma(<t), Network run (MNIST, all 60k training images, 784-500x3, Adam,
lr 2e-3, seed 0) three times: floors on, on again, and off (GRADIENT_FLOOR 0, moments never flushed).
After each epoch it counts the parameters that differ between the runs. "On" against "on again" shows
that a run repeats bit for bit; "on" against "off" shows when the first moved bit spreads, as a last-bit
difference of another CPU or BLAS does (README: What ffnumpy guarantees). Run it alone: about 2 minutes.
"""
import json
import time
from pathlib import Path

from bench_denormals import arguments, floors_off
from ffnumpy.config import Config
from ffnumpy.data import load_dataset
from ffnumpy.studies.runner import machine
from ffnumpy.train import train


def run(epochs, data, hidden=(500, 500, 500)):
    """(test error %, [the parameters after each epoch]) of the tutorial's run."""
    cfg = Config(method="cff", gamma="previous", schedule="network", hidden=hidden, epochs=epochs,
                 lr=2e-3, batch_size=100, optimizer="adam", lr_schedule="linear-half", validation=False, seed=0)
    after = []
    result, _ = train(cfg, data=data, progress=False,
                      on_epoch=lambda model, r: after.append([p.copy() for o in model.optimizers for p in o.params]))
    return result["test_error"], after


def differ(a, b):
    """How many entries differ between two lists of parameter arrays."""
    return int(sum((x != y).sum() for x, y in zip(a, b)))


def main(argv=None):
    args = arguments(argv, __doc__, 6, "the tutorial's")
    data = load_dataset("mnist")
    on_error, on = run(args.epochs, data)
    again_error, again = run(args.epochs, data)
    restore = floors_off()
    try:
        off_error, off = run(args.epochs, data)
    finally:
        restore()
    result = {"machine": machine(), "date": time.strftime("%Y-%m-%d"), "epochs": args.epochs,
              "parameters": int(sum(x.size for x in on[0])),
              "test_error": {"on": on_error, "on_again": again_error, "off": off_error},
              "differ_on_again": [differ(a, b) for a, b in zip(on, again)],
              "differ_off": [differ(a, b) for a, b in zip(on, off)]}
    info = result["machine"]
    print(f"{info['cpu']}, numpy {info['numpy']} ({info['blas']}), {result['date']}")
    print(f"test error: floors on {on_error:.2f}%, on again {again_error:.2f}%, off {off_error:.2f}%")
    print(f"parameters that differ after each epoch, of {result['parameters']}:")
    print("  on vs on again: " + " ".join(map(str, result["differ_on_again"])))
    print("  on vs off:      " + " ".join(map(str, result["differ_off"])))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
