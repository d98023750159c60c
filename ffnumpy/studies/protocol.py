"""How a study chooses and what it still has to run: the protocol every study shares.

A Study is a set of rows, each tuned over a grid of settings on the validation
split and then run with its chosen setting over seeds on test. This file
holds the choice (the lowest validation error, tuned past a grid's edge when
the study says so, over one or more tuning seeds), the list of runs still
missing, and the checks that a result file on disk was made with the
configuration the study would run now. Running them is runner.py.

Files, under OUT/<study>/<row>/: tune/<setting>.json (tune/<setting>-seed<S>.json
for a second tuning seed) and seed<S>.json.
"""
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from ..config import Config

EDGE_STEPS = 3    # a grid's edge is tuned past at most this many halvings or doublings


@dataclass
class Study:
    """A set of runs under one folder: rows x (tuning grid, then seeds)."""
    name: str                 # folder under OUT, e.g. "mnist-course" or "regimes/mnist-length"
    dataset: str
    rows: tuple
    grid: list                # [] : reuse the setting chosen in `tuned_from`
    make: Callable            # (row, setting, seed) -> Config
    tuned_from: str = None    # another study's folder whose choice the rows reuse (grid [])
    runner: Callable = None   # (cfg, kind, data) -> record; default: run (train and measure)
    same_runs: str = None     # another study's folder: a run found there with the same Config is copied
    fixed: dict = None        # a setting given, not tuned: no tuning runs, straight to the seeds
    seeds: tuple = (1, 2, 3)  # the seeds run on test with the chosen setting
    extend: bool = False      # tune past the grid's edges (tuned_settings); with tuned_from, read that study so
    tune_seeds: tuple = (0,)  # a setting's validation error is the mean over these seeds' tuning runs
    tuned_grid: list = None   # with tuned_from: the grid that study tuned over
    curve: bool = False       # tuning runs measure the validation error every cfg.eval_every epochs (history)
    edge_steps: int = None    # with extend: at most this many steps past an edge (None: EDGE_STEPS)


def setting_name(setting):
    return f"lr{setting['lr']:g}-theta{setting['theta_scale']:g}"


def tune_path(folder, setting, seed=0):
    """FOLDER/tune/<setting>.json for seed 0 (every study tunes on it), <setting>-seed<S>.json for another."""
    return Path(folder) / "tune" / (setting_name(setting) + (f"-seed{seed}" if seed else "") + ".json")


def read(path, needs=()):
    """A result file's record; ValueError in one line if it is missing, unreadable or lacks a field of `needs`."""
    try:
        with open(path) as f:
            record = json.load(f)
    except FileNotFoundError:
        raise ValueError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ValueError(f"{path}: is a folder, not a result file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{path}: not a readable result file ({err})") from None
    if not isinstance(record, dict):
        raise ValueError(f"{path}: not a result file (no record of fields)")
    missing = [k for k in needs if k not in record]
    if missing:
        raise ValueError(f"{path}: incomplete result file: no field {missing[0]!r}")
    return record


def tuned_settings(out, name, row, grid, extend=False, tune_seeds=(0,), edge_steps=None):
    """The settings `row` is tuned over: `grid`, and with `extend`, past its edges.

    Extending: while the best validation error sits at the smallest (largest)
    learning rate tried, lr / 2 (lr * 2) is tried next, at every theta scale
    of the grid, at most edge_steps (None: EDGE_STEPS) times each way. It stops when the best is
    interior (a value past it was worse, or diverged) or at the last step
    (the report then says "edge"). The list ends at the first settings whose
    files are missing: those are the next runs."""
    settings = list(grid)
    if not extend or not grid:
        return settings
    thetas = sorted({s["theta_scale"] for s in grid})
    limit = EDGE_STEPS if edge_steps is None else edge_steps
    steps = {"down": 0, "up": 0}
    while True:
        best = best_setting(out, name, row, settings, tune_seeds)
        if best is None:
            return settings
        lrs = [s["lr"] for s in settings]
        if best["lr"] == min(lrs) and steps["down"] < limit:
            steps["down"] += 1
            lr = min(lrs) / 2
        elif best["lr"] == max(lrs) and steps["up"] < limit:
            steps["up"] += 1
            lr = max(lrs) * 2
        else:
            return settings
        settings += [dict(lr=lr, theta_scale=theta) for theta in thetas]


def study_settings(out, study, row):
    """tuned_settings for `row` of `study`, with the study's own grid, extension, tuning seeds and edge limit."""
    return tuned_settings(out, study.name, row, study.grid, study.extend, study.tune_seeds, study.edge_steps)


def best_setting(out, name, row, settings, tune_seeds=(0,)):
    """The setting with the lowest validation error (the mean over tune_seeds), or None while one
    of their files is missing."""
    scores = []
    for k, setting in enumerate(settings):
        paths = [tune_path(Path(out) / name / row, setting, seed) for seed in tune_seeds]
        if not all(path.exists() for path in paths):
            return None
        scores.append((float(np.mean([read(path)["validation_error"] for path in paths])), k, setting))
    return min(scores, key=lambda s: s[:2])[2] if scores else None     # ties: the earlier setting


def chosen_setting(out, name, row, grid, extend=False, tune_seeds=(0,), edge_steps=None):
    """The tuned setting with the lowest validation error, or None while tuning is incomplete."""
    tried = tuned_settings(out, name, row, grid, extend, tune_seeds, edge_steps)
    return best_setting(out, name, row, tried, tune_seeds)


def row_setting(out, study, row):
    """The setting a row's seeds run with: the fixed one, or the tuned choice (None while tuning is incomplete)."""
    if study.fixed is not None:
        return study.fixed
    return chosen_setting(out, study.tuned_from or study.name, row, study.grid or study.tuned_grid,
                          study.extend, study.tune_seeds, study.edge_steps)


def pending(out, study, seeds=None):
    """[(path, Config, kind)] of the runs still missing, row by row: its tuning
    runs, then its seed runs (Config None until the row's tuning is complete).

    A result file that exists but was made with another configuration (the
    grid, the budget or the tuned choice changed since) is refused, never
    reused and never overwritten: ValueError names it."""
    todo = []
    for row in study.rows:
        base = Path(out) / study.name / row
        for setting in study_settings(out, study, row):
            for seed in study.tune_seeds:
                path, cfg = tune_path(base, setting, seed), study.make(row, setting, seed)
                if not path.exists():
                    todo.append((path, cfg, "tune"))
                else:
                    check_same(path, cfg)
        setting = row_setting(out, study, row)
        for seed in study.seeds if seeds is None else seeds:
            path = base / f"seed{seed}.json"
            cfg = None if setting is None else study.make(row, setting, seed)
            if not path.exists():
                todo.append((path, cfg, "seed"))
            elif cfg is not None:
                check_same(path, cfg)
    return todo


def supersede(out, study, dry_run=False):
    """Move aside the seed runs made with a setting the row no longer chooses (its tuning went on past a
    grid edge and chose another): OUT/NAME/ROW/seedS.json -> OUT/NAME/ROW/superseded/seedS.json, kept
    for the record and read by no report. A run that differs in anything else is left to pending()'s
    refusal. dry_run: move nothing, only say what would move. returns [(old path, new path)]."""
    moved = []
    for row in study.rows:
        setting = row_setting(out, study, row)
        for seed in study.seeds if setting is not None else ():
            path = Path(out) / study.name / row / f"seed{seed}.json"
            if not path.exists():
                continue
            was, now = asdict(saved_config(path)), asdict(study.make(row, setting, seed))
            differ = {k for k in now if was[k] != now[k]}
            if differ and differ <= {"lr", "theta_scale"}:
                target = path.parent / "superseded" / path.name
                if not dry_run:
                    target.parent.mkdir(exist_ok=True)
                    path.rename(target)
                moved.append((path, target))
    return moved


def saved_config(path):
    """The Config a result file was made with (ValueError, one line, for an incomplete one)."""
    saved = read(path, ("config",))["config"]
    missing = [k for k in ("method", "hidden", "dataset") if k not in saved]
    if missing:
        raise ValueError(f"{path}: incomplete result file: its config has no field {missing[0]!r}")
    try:
        return Config(**{**saved, "hidden": tuple(saved["hidden"])})
    except TypeError as err:
        raise ValueError(f"{path}: its config is not one of this version's ({err})") from None


def check_same(path, cfg):
    """Raise ValueError if the result file `path` was made with a configuration other than `cfg`."""
    was = saved_config(path)
    if was != cfg:
        differ = [f"{k} {getattr(was, k)!r} (now {getattr(cfg, k)!r})" for k in asdict(cfg)
                  if getattr(was, k) != getattr(cfg, k)]
        raise ValueError(f"{path} was made with another configuration: {', '.join(differ)}; "
                         f"move it away to run the current one")


def check_result_files(folder):
    """Raise ValueError, in one line naming the file, at the first result file under `folder` that cannot be
    read: a report reads them all before it writes a figure. A run's file (seedS.json, tune/*.json) must be
    a record with its config; any other .json (verdicts.json, closing.json) must parse."""
    for path in sorted(Path(folder).rglob("*.json")):
        if path.name.startswith("seed") or path.parent.name == "tune":
            read(path, ("config",))
            continue
        try:
            json.loads(path.read_text())
        except (OSError, UnicodeDecodeError, ValueError) as err:
            raise ValueError(f"{path}: not a readable result file ({err})") from None
