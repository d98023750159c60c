"""The command line of `python -m ffnumpy.train`.

    python -m ffnumpy.train --dataset mnist --method cff --gamma all \
        --schedule network --hidden 1000,1000,1000 --epochs 10 --seed 0 --json out.json

A bad argument gives a one-line error (exit 2), never a traceback.
"""
import argparse
import json
import os
import sys
from dataclasses import fields

from .train import METHODS, SCHEDULES, Config, train


def hidden_sizes(text):
    try:
        sizes = tuple(int(s) for s in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected widths like 1000,1000,1000, got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"widths must be positive, got {text!r}")
    return sizes


def parser():
    d = Config()
    p = argparse.ArgumentParser(prog="python -m ffnumpy.train",
                                description="Train FF, CFF or a backprop baseline and measure its test error.")
    p.add_argument("--dataset", choices=["mnist", "fashion-mnist"], default=d.dataset)
    p.add_argument("--method", choices=METHODS, default=d.method)
    p.add_argument("--gamma", choices=["all", "previous"], default=d.gamma,
                   help="cff: the other layers' goodness (all) or only earlier layers' (previous)")
    p.add_argument("--schedule", choices=SCHEDULES, default=d.schedule)
    p.add_argument("--hidden", type=hidden_sizes, default=d.hidden, help="e.g. 1000,1000,1000")
    p.add_argument("--theta-scale", type=float, default=d.theta_scale,
                   help="theta = this times the layer's units; the initial scale follows it")
    p.add_argument("--epochs", type=int, default=d.epochs, help="per layer under --schedule layer")
    p.add_argument("--batch-size", type=int, default=d.batch_size)
    p.add_argument("--optimizer", choices=["adam", "sgd"], default=d.optimizer)
    p.add_argument("--lr", type=float, default=d.lr)
    p.add_argument("--momentum", type=float, default=d.momentum)
    p.add_argument("--weight-decay", type=float, default=d.weight_decay)
    p.add_argument("--lr-schedule", choices=["constant", "linear", "linear-half"], default=d.lr_schedule)
    p.add_argument("--objective", choices=["logistic", "entropy"], default=d.objective,
                   help="ff/cff: log sigmoid(g + gamma - theta), or the entropy objective (no sigmoid, no theta)")
    p.add_argument("--track-entropy", action="store_true", help="record the goodness entropies every epoch")
    p.add_argument("--negatives", choices=["random", "hard"], default=d.negatives)
    p.add_argument("--predict", choices=["all", "skip-first"], default=d.predict)
    p.add_argument("--no-validation", dest="validation", action="store_false",
                   help="train on all 60k images (default: hold out the last 10k)")
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--json", metavar="PATH", help="write the results here")
    p.add_argument("--checkpoint", metavar="PATH", help="save a .npz checkpoint after every epoch")
    p.add_argument("--resume", metavar="PATH", help="continue from a checkpoint")
    p.add_argument("--quiet", action="store_true", help="no progress bar or per-epoch lines")
    return p


def main(argv=None):
    p = parser()
    p.error = lambda message: p.exit(2, f"{p.prog}: error: {message}\n")  # one line, no usage
    args = p.parse_args(argv)
    cfg = Config(**{f.name: getattr(args, f.name) for f in fields(Config)})
    try:
        cfg.check()
        if args.resume and not os.path.isfile(args.resume):
            raise ValueError(f"no checkpoint at {args.resume}")
        result, _ = train(cfg, resume=args.resume, checkpoint_path=args.checkpoint, progress=not args.quiet)
    except (ValueError, RuntimeError, OSError, FloatingPointError) as err:
        p.exit(2, f"{p.prog}: error: {str(err).splitlines()[0]}\n")
    layers = ", ".join(f"{e:.2f}" for e in result["per_layer_test_error"] or [])
    print(f"test error {result['test_error']:.2f}%  (validation {result['validation_error']}, "
          f"per layer: [{layers}], {result['train_seconds']:.0f} s training)")
    if args.json:
        folder = os.path.dirname(os.path.abspath(args.json))
        os.makedirs(folder, exist_ok=True)
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
