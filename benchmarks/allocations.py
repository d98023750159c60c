"""What one training step allocates: the arrays it creates, their dtypes and sizes, and tracemalloc's peak.

    python benchmarks/allocations.py [--hidden 2000,2000,2000,2000] [--steps 2] [--json FILE]

It times nothing, so it may run on a busy machine, and its counts are the same on any machine. It runs
steps of Hinton's recipe (config.RECIPES["hinton"]) on random images, two ways:
  - under tracemalloc: the peak, the most memory a step holds at once beyond what it held before;
  - on arrays of the class Traced below, which logs every array an operation creates: not a view, not an
    in-place or out= result. Each row of the log names the operation, the dtype and the shape.
A float64 array or scalar in the log is a leak from float32, unless the code asks for float64 on purpose.
An "activation-sized" array has at least as many entries as a layer's activities in the readout pass, B x M
(B the batch size, M the narrowest width).
Blind spots: the random generator's draws, and arrays made by numpy calls on plain Python lists.
"""
import argparse
import json
import sys
import tracemalloc
from collections import Counter
from pathlib import Path

import numpy as np

import ffnumpy
from ffnumpy.config import Config
from ffnumpy.train import build_model, train_step

CREATORS = ("array", "asarray", "ones", "zeros", "empty", "full", "arange", "eye")   # numpy calls patched while tracing
LIBRARY = Path(ffnumpy.__file__).parent


class Traced(np.ndarray):
    """An ndarray whose operations append each array they create to Traced.log:
    (operation, dtype, shape, where: the line of ffnumpy that asked for it)."""
    log = []

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        if out is not None:
            kwargs["out"] = tuple(plain(o) for o in out)
        result = getattr(ufunc, method)(*map(plain, inputs), **kwargs)
        if out is not None:                                   # written into an array that exists already
            return out[0] if len(out) == 1 else out
        return note(result, ufunc.__name__ + ("" if method == "__call__" else f".{method}"))

    def __array_function__(self, func, types, args, kwargs):
        return note(func(*plain(args), **plain(kwargs)), func.__name__)

    def __getitem__(self, key):
        result = super().__getitem__(key)
        return note(result, "index") if isinstance(result, np.ndarray) else result

    def copy(self, order="C"):
        return note(plain(self).copy(order), "copy")

    def astype(self, dtype, *args, **kwargs):
        result = plain(self).astype(dtype, *args, **kwargs)
        return self if result.base is not None else note(result, "astype")


def plain(a):
    """a with every Traced array in it (lists, tuples, dicts too) seen as a plain ndarray (a view)."""
    if isinstance(a, Traced):
        return a.view(np.ndarray)
    if isinstance(a, (list, tuple)):
        return type(a)(plain(v) for v in a)
    if isinstance(a, dict):
        return {k: plain(v) for k, v in a.items()}
    return a


def caller():
    """'file.py:line function' of the innermost ffnumpy code on the stack."""
    frame = sys._getframe(1)
    while frame is not None and LIBRARY not in Path(frame.f_code.co_filename).parents:
        frame = frame.f_back
    if frame is None:
        return "?"
    return f"{Path(frame.f_code.co_filename).name}:{frame.f_lineno} {frame.f_code.co_name}"


def note(result, op):
    """Log `result` if an operation made it (an array owning new memory, or a numpy scalar); return it traced."""
    if isinstance(result, tuple):
        return tuple(note(r, op) for r in result)
    if isinstance(result, np.generic):
        Traced.log.append((op, result.dtype.name, (), caller()))
        return result
    if not isinstance(result, np.ndarray):
        return result
    if result.base is None:
        Traced.log.append((op, result.dtype.name, result.shape, caller()))
    return result if isinstance(result, Traced) else result.view(Traced)


def patched_creator(make):
    """np.zeros, np.asarray, ... as the traced step sees them: what they create is logged."""
    def creator(*args, **kwargs):
        given = args[0] if args else None
        result = make(*plain(args), **plain(kwargs))
        if isinstance(given, np.ndarray) and np.may_share_memory(result, given):
            return result.view(Traced) if isinstance(given, Traced) else result
        return note(result, make.__name__)
    return creator


def trace_model(model):
    """Make every array of `model` that a step reads or writes a Traced view of itself (in place)."""
    def views(arrays):
        arrays[:] = [a.view(Traced) for a in arrays]
    views(model.net.W)
    views(model.net.b)
    readout_optimizer = [model.readout_optimizer] if model.readout_optimizer is not None else []
    for opt in model.optimizers + readout_optimizer:
        for arrays in [opt.params, opt.tmp, *opt.slots.values()]:
            views(arrays)
    if model.peer is not None:
        views(model.peer)
    if model.readout is not None:
        model.readout.W = model.readout_optimizer.params[0]
    if model.alpha is not None:
        model.alpha = model.rule["alpha"] = model.alpha.view(Traced)


def recipe_setup(hidden, batch=100, images=1000, seed=0, **changes):
    """Hinton's recipe at these widths, a model and random images: (cfg, model, x (images, 784), y)."""
    cfg = Config.from_recipe("hinton", hidden=tuple(hidden), batch_size=batch, seed=seed, **changes)
    rng = np.random.default_rng(seed)
    model = build_model(cfg, 784, rng)
    data = np.random.default_rng([seed, 1])
    return cfg, model, data.random((images, 784), dtype=np.float32), data.integers(0, 10, images)


def batches(cfg, x, y, steps):
    """The first `steps` minibatches of one pass through (x, y) in order: [(x, y)]."""
    B = cfg.batch_size
    return [[(x[s * B:(s + 1) * B], y[s * B:(s + 1) * B])] for s in range(steps)]


def count_step(cfg, model, batch):
    """Every array one traced train_step creates: [(operation, dtype, shape, where)]."""
    trace_model(model)
    saved = {name: getattr(np, name) for name in CREATORS}
    Traced.log = []
    try:
        for name, make in saved.items():
            setattr(np, name, patched_creator(make))
        train_step(model, cfg, [(x.view(Traced), y.view(Traced)) for x, y in batch], list(range(len(cfg.hidden))))
    finally:
        for name, make in saved.items():
            setattr(np, name, make)
    return list(Traced.log)


def peak_bytes(cfg, model, batch):
    """tracemalloc's peak during one train_step, beyond the memory held when it starts."""
    tracemalloc.start()
    try:
        held = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        train_step(model, cfg, batch, list(range(len(cfg.hidden))))
        return tracemalloc.get_traced_memory()[1] - held
    finally:
        tracemalloc.stop()


def summary(log, activation):
    """The log's totals: arrays, bytes, float64 arrays and scalars, activation-sized arrays."""
    arrays = [(dtype, shape) for _, dtype, shape, _ in log if shape != ()]
    size = lambda shape: int(np.prod(shape))                                        # noqa: E731
    return {"arrays": len(arrays),
            "bytes": sum(size(s) * np.dtype(d).itemsize for d, s in arrays),
            "float64_arrays": sum(d == "float64" for d, _ in arrays),
            "float64_scalars": sum(d == "float64" and s == () for _, d, s, _ in log),
            "activation_sized": sum(size(s) >= activation for _, s in arrays)}


def measure(hidden, steps=2, batch=100, **changes):
    """Allocation counts of Hinton's recipe at these widths (with `changes` to the Config, e.g. method="cff"):
    the last of `steps` steps, after steps - 1 to warm up."""
    cfg, model, x, y = recipe_setup(hidden, batch, images=batch * (steps + 1), **changes)
    plan = batches(cfg, x, y, steps + 1)
    for batch_ in plan[:-2]:
        train_step(model, cfg, batch_, list(range(len(hidden))))
    peak = peak_bytes(cfg, model, plan[-2])
    log = count_step(cfg, model, plan[-1])
    rows = Counter(log)
    return {"hidden": list(hidden), "batch": batch, "peak_bytes": peak,
            **summary(log, batch * min(hidden)),
            "log": [dict(op=op, dtype=d, shape=list(s), where=w, count=n) for (op, d, s, w), n in rows.most_common()]}


def describe(out):
    lines = [f"784-{'-'.join(map(str, out['hidden']))}, batch {out['batch']}: one step of Hinton's recipe creates "
             f"{out['arrays']} arrays ({out['bytes'] / 2**20:.1f} MiB), {out['activation_sized']} of them "
             f"activation-sized; {out['float64_arrays']} float64 arrays, {out['float64_scalars']} float64 scalars; "
             f"tracemalloc peak {out['peak_bytes'] / 2**20:.1f} MiB"]
    activation = out["batch"] * min(out["hidden"])
    shown = [r for r in out["log"] if r["dtype"] == "float64" or int(np.prod(r["shape"])) >= activation]
    lines.append("the activation-sized and the float64 ones (count x operation, dtype, shape, where):")
    lines += [f"  {r['count']:3d} x {r['op']:14s} {r['dtype']:8s} {str(tuple(r['shape'])):14s} {r['where']}"
              for r in shown]
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hidden", default="2000,2000,2000,2000", help="layer widths, e.g. 1000,1000,1000")
    p.add_argument("--steps", type=int, default=2, help="steps before the one counted (warm-up), at least 1")
    p.add_argument("--json", help="write the counts here")
    args = p.parse_args(argv)
    out = measure([int(w) for w in args.hidden.split(",")], max(1, args.steps))
    print(describe(out))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
