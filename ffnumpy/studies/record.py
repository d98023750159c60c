"""The record: the lowest error FF reaches here with a fully connected network, chosen on validation.

    python -m ffnumpy.studies.record --dataset mnist              # every stage below, resumable
    python -m ffnumpy.studies.record --dataset mnist --dry-run    # the runs the next stage still misses
    python -m ffnumpy.studies.record_report                       # results/record/README.md

Every run starts from Hinton's recipe (config.RECIPES["hinton"]) at its learning rate: every layer learns
from its own local objective; no convolution, no weight sharing, no data augmentation. The targets are a
mean over 3 test seeds: MNIST <= 1.20%, Fashion-MNIST <= 10.0%. The stages run in order, each once the one
before is complete; all but `chosen` measure the validation split (the last 10,000 training images), seed 0:

screen    SymBa's slope alpha (ff.SymBa) at the recipe's size and the question study's tuning budget
          (784-1000x3, 30 epochs): alpha from ALPHAS, then past an edge by factors of 4 (EDGE_STEPS).
attempts  ATTEMPTS: Hinton's size (784-2000x4, 60 epochs) with FF, CFF gamma(<t) and SymBa (the
          screen's alpha); the recipe's size for longer (150 epochs). Each run records its validation
          error every EVAL_EVERY epochs (the curve) and its predictors (predictor_errors): the goodness of
          layers 2 and up (the recipe's) and of all layers, the readout, and each goodness combined with
          the readout (readout.LAMBDAS).
chosen    the attempt and predictor with the lowest validation error: seeds 1, 2, 3 on test. The choice is
          written to <dataset>-chosen/choice.json before the first seed trains; from then on it is read
          from there, and a choice that today's code would make differently is an error (a changed grid
          never re-reads the test seeds by another predictor). No attempt is added after the test seeds:
          ff-3x1000-150ep is the "more epochs" attempt, decided before any run.
ablation  the chosen attempt with one part off at a time (ABLATIONS), on validation.

One JSON per run under results/record/<dataset>-<stage>/<row>/. A run may take up to an hour: run one
command at a time (two trainings share the 2 cores).
"""
import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from ..config import Config
from ..evaluate import failed_run
from ..files import atomic_write_text
from ..readout import LAMBDAS
from . import predictors
from .hinton import QUESTION_ROWS, RECIPE_LR, TUNE_EPOCHS
from .protocol import EDGE_STEPS, Study, pending, read, tune_path
from .runner import add_runner_flags, execute

OUT = "results/record"
TARGET = {"mnist": 1.20, "fashion-mnist": 10.0}
SETTING = dict(lr=RECIPE_LR, theta_scale=1.0)     # the recipe's, not tuned: one run costs up to an hour
EVAL_EVERY = 10
ALPHAS = (1 / 16, 1 / 4, 1.0, 4.0, 16.0)
SCREEN = dict(epochs=TUNE_EPOCHS)                                   # at the recipe's size (784-1000x3)
HINTON_SIZE = dict(hidden=(2000, 2000, 2000, 2000), epochs=60)     # his paper's 1.36%
ATTEMPTS = {"ff-4x2000-60ep": HINTON_SIZE,
            "cff-prev-4x2000-60ep": {**HINTON_SIZE, **QUESTION_ROWS["cff-prev-network"]},
            "symba-4x2000-60ep": {**HINTON_SIZE, "objective": "symba"},      # symba_alpha: the screen's
            "ff-3x1000-150ep": dict(epochs=150)}              # about 40 minutes here, the 4x2000 rows about 50
# one part of the chosen attempt off at a time: (Config) -> the settings that change
ABLATIONS = {"no-peer-norm": lambda cfg: dict(peer_norm=0.0),
             "random-negatives": lambda cfg: dict(negatives="random"),       # no readout: goodness only
             "half-width": lambda cfg: dict(hidden=tuple(w // 2 for w in cfg.hidden))}


def recipe(dataset, seed, **changes):
    return Config.from_recipe("hinton", dataset=dataset, seed=seed, **changes)


def one_run_each(name, dataset, rows, make, curve=False):
    """A Study of validation runs only: one per row, with the recipe's setting, seed 0."""
    return Study(name, dataset, tuple(rows), [SETTING], lambda row, setting, seed: make(row, seed),
                 seeds=(), curve=curve)


def validation_record(out, name, row):
    """The record of a row's validation run, or None while it is missing."""
    path = tune_path(Path(out) / name / row, SETTING)
    return read(path) if path.exists() else None


# -- screen ------------------------------------------------------------------------------------------------

def alpha_row(alpha):
    return f"symba-a{alpha:g}"


def screen_alphas(out, dataset):
    """ALPHAS, and past an edge while the best sits there (x4 or /4, EDGE_STEPS times at most each way)."""
    alphas, steps = sorted(ALPHAS), {"down": 0, "up": 0}
    while True:
        errors = [validation_record(out, f"{dataset}-screen", alpha_row(a)) for a in alphas]
        if any(r is None for r in errors):
            return alphas
        best = min(range(len(alphas)), key=lambda k: (errors[k]["validation_error"], k))
        if best == 0 and steps["down"] < EDGE_STEPS:
            steps["down"] += 1
            alphas.insert(0, alphas[0] / 4)
        elif best == len(alphas) - 1 and steps["up"] < EDGE_STEPS:
            steps["up"] += 1
            alphas.append(alphas[-1] * 4)
        else:
            return alphas


def screen_alpha(out, dataset):
    """The screen's choice of alpha (lowest validation error), or None while it is incomplete."""
    alphas = screen_alphas(out, dataset)
    errors = [validation_record(out, f"{dataset}-screen", alpha_row(a)) for a in alphas]
    if any(r is None for r in errors):
        return None
    return min(zip(alphas, errors), key=lambda ar: ar[1]["validation_error"])[0]


def screen_studies(dataset, out):
    alphas = {alpha_row(a): a for a in screen_alphas(out, dataset)}
    return [one_run_each(f"{dataset}-screen", dataset, alphas, lambda row, seed: recipe(
        dataset, seed, objective="symba", symba_alpha=alphas[row], **SCREEN))]


# -- attempts ----------------------------------------------------------------------------------------------

def attempt_config(out, dataset, attempt, seed=0):
    changes = dict(ATTEMPTS[attempt], eval_every=EVAL_EVERY)
    if changes.get("objective") == "symba":
        changes["symba_alpha"] = screen_alpha(out, dataset)
    return recipe(dataset, seed, **changes)


def attempt_studies(dataset, out):
    return [one_run_each(f"{dataset}-attempts", dataset, ATTEMPTS,
                         lambda row, seed: attempt_config(out, dataset, row, seed), curve=True)]


def predictor_errors(record, split="validation"):
    """[(predictor, error %)] of a run, named as predictors.TEXT: its own goodness predictor first (the
    recipe's layers 2 and up), the others of predictors.CANDIDATES it measured (all layers, the readout),
    then each goodness predictor combined with the readout, one per readout.LAMBDAS after the first (the
    readout alone): 'combined 0.001, layers 2 and up'. Runs that stored no table by predictor combined their
    own goodness only."""
    own = predictors.own(record)
    names = [own] + [p for p in predictors.CANDIDATES if p != own]
    by = predictors.validation_errors(record) if split == "validation" else \
        {p: predictors.test_error(record, p) for p in names}
    found = [(predictors.TEXT.get(p, p), by.get(p)) for p in names]
    combined = record.get(f"combined_{split}_error_by_predictor") or {own: record.get(f"combined_{split}_error")}
    for p in names:
        for lam, error in zip(LAMBDAS[1:], (combined.get(p) or [None])[1:]):
            found.append((f"combined {lam:g}, {predictors.TEXT[p]}", error))
    return [(name, error) for name, error in found if error is not None]


def choice(out, dataset):
    """(attempt, predictor, validation error %) with the lowest validation error over every attempt's
    predictors (failed runs left out), or None while an attempt is missing. Ties: the earlier listed."""
    found = []
    for attempt in ATTEMPTS:
        record = validation_record(out, f"{dataset}-attempts", attempt)
        if record is None:
            return None
        if not failed_run(record):
            found += [(error, k, attempt, name) for k, (name, error) in enumerate(predictor_errors(record))]
    if not found:
        return None
    error, _, attempt, name = min(found, key=lambda f: (f[0], list(ATTEMPTS).index(f[2]), f[1]))
    return attempt, name, error


def test_error(record, predictor):
    """A seed run's test error by the chosen predictor (predictor_errors' names: 'all layers', ...)."""
    return dict(predictor_errors(record, "test"))[predictor]


# -- chosen and ablation -----------------------------------------------------------------------------------

def choice_path(out, dataset):
    return Path(out) / f"{dataset}-chosen" / "choice.json"


def stored_choice(out, dataset):
    """(attempt, predictor, validation error %) written to choice.json when the test seeds began, or None."""
    path = choice_path(out, dataset)
    if not path.exists():
        return None
    stored = json.loads(path.read_text())
    return stored["attempt"], stored["predictor"], stored["validation_error"]


def settled_choice(out, dataset):
    """The stored choice once the test seeds began, else `choice`."""
    return stored_choice(out, dataset) or choice(out, dataset)


def chosen_attempt(out, dataset):
    """The attempt of the settled choice; ValueError (one line) when every attempt failed, or when today's
    code would choose differently from the stored choice its test seeds were run with."""
    chosen, stored = choice(out, dataset), stored_choice(out, dataset)
    if chosen is None:
        raise ValueError(f"every attempt on {dataset} failed (see {Path(out) / (dataset + '-attempts')}): "
                         "nothing to choose, so no test seeds and no ablation")
    if stored is not None and chosen[:2] != stored[:2]:
        raise ValueError(f"{choice_path(out, dataset)} holds {stored[0]} by {stored[1]}, but the attempts' "
                         f"files now choose {chosen[0]} by {chosen[1]}: the test seeds were run for the stored "
                         "choice (restore the code that made it, or move the chosen folder aside)")
    return chosen[0]


def settle_choice(out, dataset):
    """Write the choice to choice.json (once), before its first test seed trains."""
    path = choice_path(out, dataset)
    if not path.exists():
        attempt, predictor, error = choice(out, dataset)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, json.dumps({"attempt": attempt, "predictor": predictor,
                                            "validation_error": error}, indent=1) + "\n")


def chosen_studies(dataset, out):
    attempt = chosen_attempt(out, dataset)
    return [Study(f"{dataset}-chosen", dataset, (attempt,), [], lambda row, setting, seed: attempt_config(
        out, dataset, row, seed), fixed=SETTING, seeds=(1, 2, 3))]


def ablation_studies(dataset, out):
    attempt = chosen_attempt(out, dataset)
    base = attempt_config(out, dataset, attempt)
    return [one_run_each(f"{dataset}-ablation/{attempt}", dataset, ABLATIONS,
                         lambda row, seed: replace(base, seed=seed, **ABLATIONS[row](base)))]


STAGES = {"screen": screen_studies, "attempts": attempt_studies, "chosen": chosen_studies,
          "ablation": ablation_studies}


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m ffnumpy.studies.record", description=__doc__.splitlines()[0])
    p.add_argument("--dataset", choices=list(TARGET), default="mnist", help="the dataset (default mnist)")
    p.add_argument("--out", default=OUT,
                   help=f"folder of the result files (default {OUT}, relative to the folder you run it from)")
    add_runner_flags(p)
    p.error = lambda message: p.exit(2, f"{p.prog}: error: {message}\n")
    args = p.parse_args(argv)
    for stage, build in STAGES.items():
        while True:              # a stage whose best sits at an edge grows a row: run the stage again
            try:
                studies = build(args.dataset, args.out)
            except ValueError as err:
                p.exit(2, f"{p.prog}: error: {err}\n")
            print(f"== stage {stage}", flush=True)
            if stage == "chosen" and not args.dry_run:
                settle_choice(args.out, args.dataset)
            code = execute(p, args.out, studies, args, argv)
            if code or (args.dry_run and any(pending(args.out, s) for s in studies)):
                if args.dry_run and stage != "ablation":
                    print(f"the stages after {stage} start once it is complete")
                return code
            if [s.rows for s in build(args.dataset, args.out)] == [s.rows for s in studies]:
                break
    return 0


if __name__ == "__main__":
    sys.exit(main())
