"""The settings a lesson's live run borrows from the reproduction (notebook 04's transfer and continual runs).

A live run in a notebook is too small to tune; it takes the learning rate and theta-scale that the
reproduction chose on the validation split for the same row (results/reproduction, course budget: MNIST's,
or CIFAR-10's for a run on CIFAR-10).
"""
from pathlib import Path

import numpy as np

from ..config import Config
from ..network import overlay_label
from ..train import train
from .protocol import row_setting
from .reproduce import table_studies

# The live runs' methods, and the reproduction's row whose tuned setting each one borrows.
ROWS = {"FF": ("ff-network", dict(method="ff")),
        "CFF gamma(<t)": ("cff-prev-network", dict(method="cff", gamma="previous")),
        "BP label": ("bp-label", dict(method="bp-label"))}
# (lr, theta-scale) those rows chose on validation at the course budget on MNIST (results/reproduction/README.md),
# used only where the result files are absent (a copy of the package without the repository's results/)
FALLBACK = {"ff-network": (1e-3, 0.3), "cff-prev-network": (2e-3, 1.0), "bp-label": (5e-4, 0.3)}


def live_config(name, repro, dataset="mnist", **kw):
    """The Config of a live run of `name` (a key of ROWS) on `dataset`: its method with the setting the
    reproduction's course study of that dataset chose for its row on validation (read from the files under
    `repro`, tuned past the grid's edges like the study), or, before that row is tuned, MNIST's FALLBACK;
    kw: the run's own sizes (hidden, epochs, seed, ...)."""
    row, method = ROWS[name]
    study = next(s for s in table_studies(dataset, "course") if row in s.rows)
    chosen = row_setting(repro, study, row) if Path(repro).is_dir() else None
    lr, theta_scale = (chosen["lr"], chosen["theta_scale"]) if chosen else FALLBACK[row]
    return Config(**method, dataset=dataset, lr=lr, theta_scale=theta_scale, **kw)


def label_share(x, y):
    """The label's share of a pair's squared length, in %, averaged over the images: 1 / ||overlay(x, y)||^2
    (the label is one pixel at 1). x : (N, D), y : (N,)"""
    xy = overlay_label(x, y)
    return float(100 * np.mean(1 / np.einsum("nd,nd->n", xy, xy)))


def live_runs(names, data, repro, **kw):
    """Train each named live run (a key of ROWS) on `data` (a Dataset) with live_config's setting for
    data.name; kw: the runs' own sizes. returns {name: (result, cfg)}"""
    found = {}
    for name in names:
        cfg = live_config(name, repro, dataset=data.name, **kw)
        found[name] = (train(cfg, data=data, progress=False)[0], cfg)
    return found
