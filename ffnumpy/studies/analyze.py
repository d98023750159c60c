"""Analyse a trained network from its checkpoint.

    python -m ffnumpy.train --method cff --gamma all --track-entropy --checkpoint run.npz
    python -m ffnumpy.studies.analyze run.npz --out analysis/

Writes analysis/analysis.json (test error of each layer alone, of each prefix
of layers, marginal contributions, goodness entropies on positive and negative
test pairs, split across and within layers), analysis/contributions.png and,
if the run recorded entropies every epoch, analysis/entropy.png. An analysis already
in the folder is never replaced without --overwrite.
"""
import argparse
import json
import os
import sys

import numpy as np

from .. import checkpoint
from ..evaluate import analyze
from ..data import DataError, load_dataset
from ..plots import plot_contributions, plot_entropy_curves
from ..files import atomic_write_text, check_writable, claim
from ..train import build_model


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m ffnumpy.studies.analyze", description=__doc__.splitlines()[0])
    p.add_argument("checkpoint", help="a .npz file written by python -m ffnumpy.train --checkpoint")
    p.add_argument("--out", default="ffnumpy-analysis",
                   help="folder for the JSON and figures (default ffnumpy-analysis, relative to the folder you "
                        "run it from)")
    p.add_argument("--overwrite", action="store_true", help="replace an analysis.json already in --out")
    p.error = lambda message: p.exit(2, f"{p.prog}: error: {message}\n")
    args = p.parse_args(argv)
    target = os.path.join(args.out, "analysis.json")
    claimed = claim(target)
    try:
        check_writable(args.out, "--out", folder=True)
        if os.path.exists(target) and not args.overwrite:
            raise ValueError(f"--out {args.out}: it holds an analysis already ({target}); pass --overwrite to "
                             "replace it, or name another folder")
        claimed.__enter__()                            # no other process writes this folder's analysis now
        meta = checkpoint.read_meta(args.checkpoint)
        cfg = checkpoint.config_of(args.checkpoint, meta)
        if cfg.method == "bp-label":
            raise ValueError("Backprop Label has no goodness to analyse")
        model = build_model(cfg, cfg.input_size, np.random.default_rng(cfg.seed))
        checkpoint.load(args.checkpoint, model, cfg)
        data = load_dataset(cfg.dataset)
    except DataError as err:                           # the whole help: sources tried, how to fix
        p.exit(2, f"{p.prog}: error: {err}\n")
    except (OSError, ValueError) as err:
        claimed.release()
        p.exit(2, f"{p.prog}: error: {str(err).splitlines()[0]}\n")
    with claimed:
        return write_analysis(args, meta, cfg, model, data)


def write_analysis(args, meta, cfg, model, data):
    """Measure the network, write analysis.json and the figures, print the summary."""
    result = {"checkpoint": os.path.abspath(args.checkpoint), "config": meta["config"],
              **analyze(model.net, data.x_test, data.y_test, cfg.seed, cfg.predict)}
    atomic_write_text(os.path.join(args.out, "analysis.json"), json.dumps(result, indent=1))
    label = f"{cfg.method}" + (f" gamma={cfg.gamma}" if cfg.method == "cff" else "")
    plot_contributions({cfg.dataset: {label: result}}, os.path.join(args.out, "contributions.png"))
    if meta["history"] and "entropy" in meta["history"][-1]:
        plot_entropy_curves({label: meta}, os.path.join(args.out, "entropy.png"))
    print(f"test error {result['test_error']:.2f}%; layer alone {_fmt(result['per_layer'])}; "
          f"layers 1..k {_fmt(result['prefix'])}; marginal {_fmt(result['marginal'])}")
    ent = result["entropy"]
    print(f"entropy of the goodness: positive {ent['positive']['total']:.3f}, negative {ent['negative']['total']:.3f}")
    print(f"written to {os.path.abspath(args.out)}")
    return 0


def _fmt(values):
    return "[" + ", ".join(f"{v:.2f}" for v in values) + "]"


if __name__ == "__main__":
    sys.exit(main())
