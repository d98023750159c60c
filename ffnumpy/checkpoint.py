"""Checkpoints as plain .npz files (no pickle): weights, optimiser state,
the random generator's state, the configuration and the history.

Loading uses allow_pickle=False, so a checkpoint can never run code. Resuming
from a checkpoint continues bit for bit as if the run had not stopped.
Saving is atomic (files.atomic_write): a run killed while saving leaves the
previous checkpoint whole. A damaged file, or one made with other settings,
is refused with a CheckpointError of one line that names the file.
"""
import json
import zipfile
from dataclasses import asdict

import numpy as np

from .files import atomic_write

META_FIELDS = {"config": dict, "epoch": int, "history": list, "optimizer_steps": list, "rng_state": dict}


class CheckpointError(ValueError):
    """A file that is not a usable checkpoint of this run; the message names the file."""


def _arrays(model):
    """name -> array for everything that changes during training."""
    out = {}
    for i in range(model.net.num_layers):
        out[f"W{i}"], out[f"b{i}"] = model.net.W[i], model.net.b[i]
    if model.head is not None:
        out["head_V"], out["head_c"] = model.head.V, model.head.c
    if model.alpha is not None:
        out["alpha"] = model.alpha
    for i, m in enumerate(model.peer or []):
        out[f"peer{i}"] = m
    if model.readout is not None:
        out["readout_W"], out["readout_v"] = model.readout.W, model.readout_optimizer.v[0]
    for k, opt in enumerate(model.optimizers):
        for slot, arrays in opt.slots.items():
            for j, a in enumerate(arrays):
                out[f"opt{k}_{slot}{j}"] = a
    return out


def save(path, model, cfg, epoch, history):
    """Write the checkpoint atomically (temporary file, fsync, rename)."""
    meta = {"config": asdict(cfg), "epoch": epoch, "history": history,
            "optimizer_steps": [opt.t for opt in model.optimizers],
            "rng_state": model.rng.bit_generator.state}
    atomic_write(path, lambda f: np.savez(f, meta=np.array(json.dumps(meta)), **_arrays(model)))


def _open(path):
    """np.load without pickle, any failure turned into one CheckpointError line."""
    try:
        z = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise CheckpointError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise CheckpointError(f"{path}: is a folder, not a checkpoint") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as err:
        # numpy's own message for a non-npz file advises allow_pickle: never show it
        reason = "empty file" if "empty" in str(err).lower() or isinstance(err, EOFError) else \
            "not a .npz checkpoint (damaged, truncated or another kind of file)"
        raise CheckpointError(f"{path}: {reason}") from None
    if not isinstance(z, np.lib.npyio.NpzFile):
        raise CheckpointError(f"{path}: a single .npy array, not a .npz checkpoint")
    return z


def read_meta(path):
    """The configuration, epoch and history stored in a checkpoint, checked for form."""
    with _open(path) as z:
        try:
            if "meta" not in z.files:
                raise CheckpointError(f"{path}: not an ffnumpy checkpoint (no 'meta' entry)")
            meta = json.loads(str(z["meta"][()]))
        except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError) as err:
            if isinstance(err, CheckpointError):
                raise
            raise CheckpointError(f"{path}: damaged checkpoint (its 'meta' entry cannot be read)") from None
    if not isinstance(meta, dict):
        raise CheckpointError(f"{path}: damaged checkpoint ('meta' is not a record)")
    for name, kind in META_FIELDS.items():
        if name not in meta:
            raise CheckpointError(f"{path}: damaged checkpoint (missing field {name!r})")
        if not isinstance(meta[name], kind) or isinstance(meta[name], bool):
            raise CheckpointError(f"{path}: damaged checkpoint (field {name!r} should be a {kind.__name__})")
    if meta["epoch"] < 0 or len(meta["history"]) != meta["epoch"]:
        raise CheckpointError(f"{path}: damaged checkpoint (epoch {meta['epoch']} but "
                              f"{len(meta['history'])} epochs of history)")
    return meta


def config_of(path, meta=None):
    """The Config a checkpoint was made with, checked (CheckpointError if not valid)."""
    from .config import Config
    meta = read_meta(path) if meta is None else meta
    try:
        cfg = Config(**{**meta["config"], "hidden": tuple(meta["config"]["hidden"])})
        cfg.check(given=())
    except (TypeError, ValueError, KeyError) as err:
        raise CheckpointError(f"{path}: damaged checkpoint (its settings are not valid: {err})") from None
    return cfg


def load(path, model, cfg=None):
    """Copy a checkpoint's arrays into `model` (built with the same configuration).

    Every setting must match `cfg`, the epoch budget included: a checkpoint of
    another schedule or number of epochs is refused, not silently continued.
    returns (epochs done, history)
    """
    meta = read_meta(path)
    saved = config_of(path, meta)
    if cfg is not None:
        now = json.loads(json.dumps(asdict(cfg)))
        was = json.loads(json.dumps(asdict(saved)))
        differ = sorted(k for k in now if was.get(k) != now[k])
        if differ:
            listed = ", ".join(f"{k} ({was.get(k)} there, {now[k]} here)" for k in differ)
            raise CheckpointError(f"checkpoint {path} was made with other settings: {listed}")
        if meta["epoch"] > cfg.total_epochs:
            raise CheckpointError(f"{path}: damaged checkpoint (epoch {meta['epoch']} is past the budget)")
    targets = _arrays(model)
    if len(meta["optimizer_steps"]) != len(model.optimizers) or \
            not all(isinstance(t, int) and t >= 0 for t in meta["optimizer_steps"]):
        raise CheckpointError(f"{path}: damaged checkpoint (optimizer_steps)")
    with _open(path) as z:
        for name, target in targets.items():
            try:
                a = z[name] if name in z.files else None
            except (ValueError, OSError, EOFError, zipfile.BadZipFile):
                raise CheckpointError(f"{path}: damaged checkpoint (array {name} cannot be read)") from None
            if a is None or a.shape != target.shape or a.dtype != target.dtype:
                raise CheckpointError(f"checkpoint {path} does not match the model at {name}")
            if not np.all(np.isfinite(a)):
                raise CheckpointError(f"{path}: damaged checkpoint (array {name} holds NaN or inf)")
            np.copyto(target, a)
    for opt, t in zip(model.optimizers, meta["optimizer_steps"]):
        opt.t = t
    try:
        model.rng.bit_generator.state = meta["rng_state"]
    except (TypeError, ValueError, KeyError):
        raise CheckpointError(f"{path}: damaged checkpoint (rng_state)") from None
    return meta["epoch"], meta["history"]
