"""Checkpoints as plain .npz files (no pickle): weights, optimiser state,
the random generator's state, the configuration and the history.

Loading uses allow_pickle=False, so a checkpoint can never run code. Resuming
from a checkpoint continues bit for bit as if the run had not stopped.
"""
import json
import os
import tempfile

import numpy as np


def _arrays(model):
    """name -> array for everything that changes during training."""
    out = {}
    for i in range(model.net.num_layers):
        out[f"W{i}"], out[f"b{i}"] = model.net.W[i], model.net.b[i]
    if model.head is not None:
        out["head_V"], out["head_c"] = model.head.V, model.head.c
    for k, opt in enumerate(model.optimizers):
        for slot, arrays in opt.slots.items():
            for j, a in enumerate(arrays):
                out[f"opt{k}_{slot}{j}"] = a
    return out


def save(path, model, cfg, epoch, history):
    """Write the checkpoint atomically (temporary file, then rename)."""
    from dataclasses import asdict
    meta = {"config": asdict(cfg), "epoch": epoch, "history": history,
            "optimizer_steps": [opt.t for opt in model.optimizers],
            "rng_state": model.rng.bit_generator.state}
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".npz", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, meta=np.array(json.dumps(meta)), **_arrays(model))
        os.replace(tmp, path)
    except BaseException:
        os.remove(tmp)
        raise


def read_meta(path):
    """The configuration, epoch and history stored in a checkpoint."""
    with np.load(path, allow_pickle=False) as z:
        return json.loads(str(z["meta"]))


def load(path, model, cfg=None):
    """Copy a checkpoint's arrays into `model` (built with the same configuration).

    returns (epochs done, history)
    """
    meta = read_meta(path)
    if cfg is not None:
        from dataclasses import asdict
        saved, now = meta["config"], json.loads(json.dumps(asdict(cfg)))
        differ = sorted(k for k in saved if k != "epochs" and saved[k] != now.get(k))
        if differ:
            raise ValueError(f"checkpoint {path} was made with other settings: {', '.join(differ)}")
    with np.load(path, allow_pickle=False) as z:
        for name, target in _arrays(model).items():
            if name not in z or z[name].shape != target.shape:
                raise ValueError(f"checkpoint {path} does not match the model at {name}")
            np.copyto(target, z[name])
    for opt, t in zip(model.optimizers, meta["optimizer_steps"]):
        opt.t = t
    model.rng.bit_generator.state = meta["rng_state"]
    return meta["epoch"], meta["history"]
