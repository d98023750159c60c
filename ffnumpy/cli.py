"""The command line of `python -m ffnumpy.train`.

    python -m ffnumpy.train --dataset mnist --method cff --gamma all \
        --schedule network --hidden 1000,1000,1000 --epochs 10 --seed 0 --json out.json

Everything is checked before any data is loaded or an epoch runs: every
setting (Config.check), that --json and --checkpoint can be written, that an
existing file is not overwritten by accident, and the checkpoint to --resume.
A bad argument gives a one-line error (exit 2), never a traceback; a data
error prints the whole list of sources tried and how to fix it (exit 2).
Exit 3: training finished but the network is dead (one class for every image);
exit 130: interrupted (Ctrl-C), with the checkpoint that holds the last epoch.
"""
import argparse
import json
import os
import sys
from contextlib import ExitStack
from dataclasses import fields

from . import checkpoint
from .config import METHODS, RECIPES, SCHEDULES, Config
from .files import atomic_write_text, check_writable, claim
from .evaluate import is_dead


def hidden_sizes(text):
    try:
        sizes = tuple(int(s) for s in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected widths like 1000,1000,1000, got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"widths must be positive, got {text!r}")
    return sizes


def parser():
    """No argparse defaults: a flag left out is absent, so that a flag given for a
    method it does not apply to can be refused (the defaults are Config's)."""
    d = Config()
    p = argparse.ArgumentParser(prog="python -m ffnumpy.train", argument_default=argparse.SUPPRESS,
                                description="Train FF, CFF or a backprop baseline and measure its test error.")
    p.add_argument("--dataset", choices=["mnist", "fashion-mnist", "cifar10"],
                   help=f"the images to train and test on (default {d.dataset}; python -m ffnumpy.data fetches them)")
    p.add_argument("--method", choices=METHODS, help=f"default {d.method}")
    p.add_argument("--gamma", choices=["all", "previous", "learned"],
                   help="cff only: the other layers' goodness (all, default), only earlier layers' (previous), "
                        "or all others weighted by trained alpha_it (learned, starting at 1)")
    p.add_argument("--schedule", choices=SCHEDULES, help=f"ff and cff; default {d.schedule}")
    p.add_argument("--hidden", type=hidden_sizes, help="e.g. 1000,1000,1000 (default)")
    p.add_argument("--theta-scale", type=float,
                   help="theta = this times the layer's units; the initial scale follows it (default 1)")
    p.add_argument("--epochs", type=int, help=f"per layer under --schedule layer (default {d.epochs})")
    p.add_argument("--batch-size", type=int, help=f"default {d.batch_size}")
    p.add_argument("--optimizer", choices=["adam", "sgd"], help=f"default {d.optimizer}")
    p.add_argument("--lr", type=float, help=f"default {d.lr}")
    p.add_argument("--momentum", type=float, help=f"sgd only, in [0, 1); default {d.momentum}")
    p.add_argument("--weight-decay", type=float,
                   help=f"L2 weight decay: this times each weight (and bias) is added to its gradient "
                        f"(default {d.weight_decay}, off)")
    p.add_argument("--lr-schedule", choices=["constant", "linear", "linear-half"],
                   help="the learning rate over each phase of training (a phase: all epochs, or one layer's under "
                        "--schedule layer): constant; linear, from --lr down to 0; linear-half, --lr for the "
                        f"first half, then down to 0 (Hinton's). Default {d.lr_schedule}")
    p.add_argument("--objective", choices=["logistic", "entropy", "entropy-labels", "entropy-batch", "symba"],
                   help="ff/cff: log sigmoid(g + gamma - theta) (default), or the entropy objective read per image "
                        "over a pair (entropy), over all ten labels (entropy-labels) or over the batch "
                        "(entropy-batch), or SymBa's softplus(-alpha (s_pos - s_neg)) on each positive and its "
                        "own negative (symba); ff.py")
    p.add_argument("--symba-alpha", type=float,
                   help=f"symba: the slope alpha on the gap, in units of the goodness (default {d.symba_alpha})")
    p.add_argument("--goodness-penalty", type=float,
                   help="entropy objectives: add strength * mean(g) / width to each layer's loss, which bounds "
                        "the goodness (entropy.goodness_penalty); default 0")
    p.add_argument("--track-entropy", action="store_true", help="record the goodness entropies every epoch")
    p.add_argument("--negatives", choices=["random", "hard", "readout"],
                   help="random (default); hard: drawn from the goodness of all 10 labels (ten passes); "
                        "readout: drawn from Hinton's softmax readout (one neutral-label pass; ff/cff)")
    p.add_argument("--predict", choices=["all", "skip-first", "log"],
                   help="default all: goodness summed over every layer; skip-first: over layers 2 and up "
                        "(Hinton's); log: log(g + width/2) summed, the entropy objectives' score (not for bp-label)")
    p.add_argument("--normalize", choices=["rms", "length"],
                   help="each layer's input to unit RMS (default) or to unit length")
    p.add_argument("--theta-mode", choices=["per-layer", "shared"],
                   help="cff: the logit subtracts the thresholds of every layer in gamma (per-layer, "
                        "default) or only the layer's own (shared, the paper's equation)")
    p.add_argument("--negative-loss", choices=["logistic", "paper"],
                   help="on negatives: -log(1 - sigmoid(s)) (logistic, default) or "
                        "the paper's literal update, minimise log sigmoid(s)")
    p.add_argument("--init", choices=["he", "fan-in"],
                   help="W ~ N(0, 2 theta_scale / D) (he, default) or N(0, 1 / D) (fan-in, Hinton's)")
    p.add_argument("--peer-norm", type=float,
                   help="ff/cff: strength of peer normalisation (Hinton 0.03; default 0, off)")
    p.add_argument("--no-bias-decay", dest="bias_decay", action="store_false",
                   help="weight decay on the weights only, not the biases (Hinton's code); needs --weight-decay")
    p.add_argument("--recipe", choices=["hinton"],
                   help="start from a named configuration (hinton: his FF code's, 100 epochs; "
                        "see config.RECIPES); any other flag given changes it")
    p.add_argument("--no-validation", dest="validation", action="store_false",
                   help="train on all 60k images (default: hold out the last 10k)")
    p.add_argument("--seed", type=int, help=f"default {d.seed}")
    p.add_argument("--eval-every", type=int,
                   help="measure the train and validation errors every this many epochs and after the last "
                        f"(default {d.eval_every}: every epoch; each measurement scores all ten labels)")
    p.add_argument("--json", metavar="PATH", default=None, help="write the results here")
    p.add_argument("--checkpoint", metavar="PATH", default=None, help="save a .npz checkpoint after every epoch")
    p.add_argument("--resume", metavar="PATH", default=None, help="continue from a checkpoint")
    p.add_argument("--overwrite", action="store_true", default=False,
                   help="allow --json and --checkpoint to replace existing files")
    p.add_argument("--quiet", action="store_true", default=False, help="no progress bar or per-epoch lines")
    return p


def check_outputs(args):
    """Refuse, before any work, an output that cannot be written, would destroy a file, or is
    another output of the same command (--json and --checkpoint naming one file)."""
    paths = {name: os.path.realpath(getattr(args, name)) for name in ("json", "checkpoint") if getattr(args, name)}
    if len(set(paths.values())) < len(paths):
        raise ValueError(f"--json and --checkpoint name the same file ({args.json}): give each its own path")
    for name in ("json", "checkpoint"):
        path = getattr(args, name)
        if path is None:
            continue
        check_writable(path, f"--{name}")
        own = name == "checkpoint" and args.resume is not None and \
            os.path.abspath(args.resume) == os.path.abspath(path)
        if os.path.exists(path) and not own and not args.overwrite:
            hint = f"--resume {path} to continue it, or " if name == "checkpoint" else ""
            raise ValueError(f"--{name} {path}: the file exists; pass {hint}--overwrite to replace it")


def run(argv, train):
    """The command line of `python -m ffnumpy.train` (train.main calls it with its own train()).

    argv : the arguments (None: sys.argv[1:]); train : the function that trains (train.train)
    returns the exit code
    """
    p = parser()
    p.error = lambda message: p.exit(2, f"{p.prog}: error: {message}\n")  # one line, no usage
    args = p.parse_args(argv)
    given = {f.name for f in fields(Config) if hasattr(args, f.name)}
    changes = {name: getattr(args, name) for name in given}
    cfg = Config.from_recipe(args.recipe, **changes) if "recipe" in given else Config(**changes)
    if "recipe" in given:                    # the recipe's settings count as chosen
        given |= set(RECIPES[args.recipe])
    try:
        cfg.check(given)
        check_outputs(args)
        if args.resume is not None:
            checkpoint.config_of(args.resume)           # a damaged file is refused now, not after loading data
        with ExitStack() as claims:                     # no other process writes our outputs until we are done
            for path in (args.json, args.checkpoint):
                if path is not None:
                    claims.enter_context(claim(path))
            result, _ = train_with_interrupt(train, cfg, args)
            finish(p, args, result)
    except KeyboardInterrupt as stop:
        p.exit(130, f"{p.prog}: interrupted: {stop}\n")
    except Exception as err:
        from .data import DataError
        if isinstance(err, DataError):                  # the whole help: sources tried, how to fix
            p.exit(2, f"{p.prog}: error: {err}\n")
        if isinstance(err, (ValueError, RuntimeError, OSError, FloatingPointError)):
            p.exit(2, f"{p.prog}: error: {str(err).splitlines()[0]}\n")
        raise
    return 3 if is_dead(result["warnings"]) else 0


def finish(p, args, result):
    """The closing line (every error rounded alike), the warnings, and the JSON."""
    layers = ", ".join(f"{e:.2f}" for e in result["per_layer_test_error"] or [])
    validation = "none held out" if result["validation_error"] is None else f"{result['validation_error']:.2f}%"
    readout = "" if result["readout_test_error"] is None else f"  readout {result['readout_test_error']:.2f}%"
    print(f"test error {result['test_error']:.2f}%{readout}  (validation {validation}, "
          f"per layer: [{layers}], {result['train_seconds']:.0f} s training)")
    for warning in result["warnings"]:
        print(f"warning: {warning}", file=sys.stderr)
    if args.json:
        atomic_write_text(args.json, json.dumps(result, indent=1))
    if is_dead(result["warnings"]):
        print(f"{p.prog}: error: the trained network is dead or has collapsed (see the warning above); "
              f"it is not a result", file=sys.stderr)


def train_with_interrupt(train, cfg, args):
    """train(), with Ctrl-C turned into a KeyboardInterrupt that says what was saved."""
    try:
        return train(cfg, resume=args.resume, checkpoint_path=args.checkpoint, progress=not args.quiet)
    except KeyboardInterrupt:
        saved = "no --checkpoint was given, nothing was saved"
        if args.checkpoint and os.path.exists(args.checkpoint):
            try:
                epoch = checkpoint.read_meta(args.checkpoint)["epoch"]
                saved = f"the last completed epoch ({epoch}) is in {args.checkpoint}; " \
                        f"continue with --resume {args.checkpoint}"
            except ValueError:
                saved = f"{args.checkpoint} could not be read back"
        elif args.checkpoint:
            saved = "no epoch had completed, nothing was saved"
        raise KeyboardInterrupt(saved) from None
