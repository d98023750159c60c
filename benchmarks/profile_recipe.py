"""Where one epoch of Hinton's recipe spends its time, beside the float32 GEMMs of the same shapes.

    python benchmarks/profile_recipe.py [--hidden 2000,2000,2000,2000] [--steps N] [--out results/speed]

One run, on MNIST (50,000 training images, batch 100: 500 steps an epoch), measures:
  1. an epoch of training steps exactly as ffnumpy.train runs them (no hook): the epoch time;
  2. the same steps again, with a perf_counter hook around each part of a step (below): where the time goes;
  3. the float32 matrix products of one step on their own, best of 5, the same shapes and layouts:
       forward  [2B, D] @ [D, M] for every layer (positives and negatives together),
       dW       [2B, D]^T @ [2B, M] for every layer,
       readout  [B, D] @ [D, M] for every layer (the neutral-label pass), [B, K] @ [K, 10] and its dW;
  4. the allocations of one step (allocations.py: arrays created, float64 leaks, tracemalloc's peak).
It reports the ratio epoch time / GEMM time, and each part's time beside its own products' time (the
readout's products are set beside the readout pass; their tiny dW runs in "readout rest").
The parts of a step, each timed without the parts inside it:
  readout pass      the neutral-label forward pass, normalise, concatenate, logits (readout.readout_forward)
  readout rest      the negative labels, softmax, the readout's gradient (train.readout_negatives, the rest)
  readout SGD       the readout's optimiser step
  pairs             overlay the labels, positives and negatives in one matrix (train.make_pairs, the rest)
  forward           the layers on the 2B pairs (Network.forward called from ff_update)
  dW                x^T dz and sum dz of every layer (layers.dense_backward)
  optimiser         the layers' optimiser steps
  loss              the rest of ff_update: goodness, gamma, the objective, dL/dz, peer normalisation
  step rest         the rest of train_step, and the loop around it (slicing the batch)
--steps N times N steps instead of an epoch; the seconds are then scaled to the epoch's steps.
Writes OUT/profile_recipe.json and .txt. Run it alone: anything else on the cores distorts every number.
It times the ffnumpy that Python imports: PYTHONPATH=DIR times DIR's copy (another commit's, for a before
and after; the hooks find the parts in the code before issue 42's speed work too).
"""
import argparse
import json
import os
import time
from contextlib import contextmanager, nullcontext

import numpy as np

import ffnumpy.ff
import ffnumpy.layers
import ffnumpy.readout
import ffnumpy.train
from ffnumpy.config import Config
from ffnumpy.data import load_dataset
from ffnumpy.studies.runner import machine
from ffnumpy.train import build_model, train_step

from allocations import describe as describe_allocations, measure as measure_allocations

PARTS = ("readout pass", "readout rest", "readout SGD", "pairs", "forward", "dW", "optimiser", "loss", "step rest")
WARM_UP = 5


def gemms(sizes, batch, readout_layers):
    """The matrix products of one step: {group: [(m, k, n, a_transposed)]}, C = A B with A (m, k), B (k, n).
    a_transposed: A is the transpose of a C-ordered (k, m) array, as x.T in x^T dz."""
    pairs = 2 * batch
    layers = list(zip(sizes[:-1], sizes[1:]))
    K = sum(sizes[i + 1] for i in readout_layers)
    return {"forward": [(pairs, d, m, False) for d, m in layers],
            "dW": [(d, pairs, m, True) for d, m in layers],
            "readout": [(batch, d, m, False) for d, m in layers[:readout_layers[-1] + 1]]
            + [(batch, K, 10, False), (K, batch, 10, True)]}


def gemm_seconds(products, trials=5, repeats=3, seed=0):
    """Seconds of one pass through these float32 products, the best of `trials` (each the mean of `repeats`)."""
    rng = np.random.default_rng(seed)
    operands = [((rng.random((k, m), dtype=np.float32).T if t else rng.random((m, k), dtype=np.float32)),
                 rng.random((k, n), dtype=np.float32)) for m, k, n, t in products]
    best = np.inf
    for _ in range(trials):
        t0 = time.perf_counter()
        for _ in range(repeats):
            for a, b in operands:
                a @ b
        best = min(best, (time.perf_counter() - t0) / repeats)
    return best


class Clock:
    """Seconds spent in each part, each part's time without the parts called inside it."""

    def __init__(self):
        self.seconds = dict.fromkeys(PARTS, 0.0)
        self.stack = []                                   # [started, seconds of the parts inside], innermost last

    def timed(self, fn, part):
        """fn, timed as `part` (a name, or a function of the enclosing part's name giving one)."""
        def wrapper(*args, **kwargs):
            name = part(self.stack[-1][2] if self.stack else None) if callable(part) else part
            self.stack.append([time.perf_counter(), 0.0, name])
            try:
                return fn(*args, **kwargs)
            finally:
                started, inside, _ = self.stack.pop()
                elapsed = time.perf_counter() - started
                self.seconds[name] += elapsed - inside
                if self.stack:
                    self.stack[-1][1] += elapsed
        return wrapper


@contextmanager
def hooked(model, clock):
    """Time the parts of every step of `model` on `clock`; everything is put back on leaving."""
    saved = []

    def patch(obj, name, part):
        saved.append((obj, name, obj.__dict__.get(name)))
        setattr(obj, name, clock.timed(getattr(obj, name), part))
    patch(model.net, "forward", lambda outer: "readout pass" if outer == "readout pass" else "forward")
    for opt in model.optimizers:
        patch(opt, "step", "optimiser")
    if model.readout_optimizer is not None:
        patch(model.readout_optimizer, "step", "readout SGD")
    patch(ffnumpy.readout, "readout_forward", "readout pass")
    patch(ffnumpy.train, "readout_negatives", "readout rest")
    patch(ffnumpy.train, "make_pairs", "pairs")
    patch(ffnumpy.train, "ff_update", "loss")
    for module in (ffnumpy.layers, ffnumpy.ff):          # dense_backward wherever ff_update reaches it from
        if "dense_backward" in module.__dict__:
            patch(module, "dense_backward", "dW")
    try:
        yield
    finally:
        for obj, name, value in reversed(saved):
            if value is None:
                delattr(obj, name)                         # an instance attribute added over the class's method
            else:
                setattr(obj, name, value)


def run_steps(cfg, data, steps, clock=None):
    """Seconds for the first `steps` training steps of an epoch, as ffnumpy.train runs them, from a fresh
    seeded model warmed up on the epoch's first WARM_UP batches; with a clock, every part is timed on it."""
    rng = np.random.default_rng(cfg.seed)
    model = build_model(cfg, data.x_train.shape[1], rng)
    order = rng.permutation(len(data.x_train))
    B, layers = cfg.batch_size, list(range(len(cfg.hidden)))
    epoch_steps = len(order) // B

    def batch(s):
        i = order[s % epoch_steps * B:(s % epoch_steps + 1) * B]
        return [(data.x_train[i], data.y_train[i])]
    for s in range(WARM_UP):
        train_step(model, cfg, batch(s), layers)
    with hooked(model, clock) if clock is not None else nullcontext():
        step = clock.timed(train_step, "step rest") if clock is not None else train_step
        t0 = time.perf_counter()
        for s in range(steps):
            step(model, cfg, batch(s), layers)
        seconds = time.perf_counter() - t0
    if clock is not None:
        clock.seconds["step rest"] += seconds - sum(clock.seconds.values())     # the loop around the steps
    return seconds


def profile(cfg, data, steps=None):
    """The whole measurement (see the module's docstring) as a JSON-ready dict."""
    epoch_steps = len(data.x_train) // cfg.batch_size
    steps = min(steps or epoch_steps, epoch_steps)
    scale = epoch_steps / steps
    sizes = [data.x_train.shape[1], *cfg.hidden]
    readout_layers = ffnumpy.readout.read_layers(len(cfg.hidden))
    products = gemms(sizes, cfg.batch_size, readout_layers)
    gemm = {group: epoch_steps * gemm_seconds(p) for group, p in products.items()}
    epoch = scale * run_steps(cfg, data, steps)
    clock = Clock()
    hooked_epoch = scale * run_steps(cfg, data, steps, clock)
    parts = {name: scale * s for name, s in clock.seconds.items()}
    gemm_after = {group: epoch_steps * gemm_seconds(p) for group, p in products.items()}
    flops = {group: sum(2 * m * k * n for m, k, n, _ in p) for group, p in products.items()}
    return {"machine": machine(), "date": time.strftime("%Y-%m-%d"), "sizes": sizes, "batch": cfg.batch_size,
            "method": cfg.method, "gamma": cfg.gamma if cfg.method == "cff" else None,
            "steps_timed": steps, "epoch_steps": epoch_steps, "epoch_seconds": epoch,
            "hooked_epoch_seconds": hooked_epoch, "parts_seconds": parts,
            "gemm_seconds": gemm, "gemm_seconds_after": gemm_after,
            "gemm_flops_per_step": flops, "gemm_gflops": {g: flops[g] * epoch_steps / gemm[g] / 1e9 for g in gemm},
            "epoch_over_gemm": epoch / sum(gemm.values()),
            "products": {g: [list(p[:3]) + ["A transposed" if p[3] else "A"] for p in ps] for g, ps in products.items()}}


def report(out, allocations=None):
    """The text version of `out`."""
    m, gemm, parts = out["machine"], out["gemm_seconds"], out["parts_seconds"]
    total_gemm = sum(gemm.values())
    lines = [f"{m['cpu']}, {m['cores']} cores, numpy {m['numpy']} ({m['blas']}, threads {m['threads']}), {out['date']}",
             f"{'-'.join(map(str, out['sizes']))}, batch {out['batch']}, {out['method']}"
             f"{' gamma ' + out['gamma'] if out['gamma'] else ''}, Hinton's recipe; {out['steps_timed']} steps timed, "
             f"scaled to the epoch's {out['epoch_steps']}",
             f"epoch: {out['epoch_seconds']:.2f} s; float32 GEMMs of the same shapes: {total_gemm:.2f} s; "
             f"epoch / GEMM = {out['epoch_over_gemm']:.2f}",
             "", "GEMMs alone (seconds per epoch, GFLOP/s):"]
    lines += [f"  {g:8s} {s:7.2f} s  {out['gemm_gflops'][g]:6.1f} GFLOP/s   (measured again at the end: "
              f"{out['gemm_seconds_after'][g]:.2f} s)" for g, s in gemm.items()]
    within = {"readout pass": gemm["readout"], "forward": gemm["forward"], "dW": gemm["dW"]}
    lines += ["", f"the epoch, part by part (with the hook: {out['hooked_epoch_seconds']:.2f} s):",
              f"  {'part':13s} {'seconds':>8s} {'share':>6s} {'its GEMMs':>10s} {'the rest':>9s}"]
    for name, s in parts.items():
        g = within.get(name)
        lines.append(f"  {name:13s} {s:8.2f} {s / out['hooked_epoch_seconds']:6.1%}" +
                     (f" {g:10.2f} {s - g:9.2f}" if g is not None else ""))
    lines.append(f"  everything but the GEMMs: {out['epoch_seconds'] - total_gemm:.2f} s "
                 f"({1 - total_gemm / out['epoch_seconds']:.1%} of the epoch)")
    if allocations is not None:
        lines += ["", describe_allocations(allocations)]
    return "\n".join(lines)


def main(argv=None, data=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hidden", default="2000,2000,2000,2000", help="layer widths (default Hinton's 4 x 2000)")
    p.add_argument("--steps", type=int, help="time this many steps instead of an epoch, scaled to the epoch")
    p.add_argument("--method", choices=["ff", "cff"], default="ff")
    p.add_argument("--gamma", choices=["previous", "all"], default="previous", help="with --method cff")
    p.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "results", "speed"))
    args = p.parse_args(argv)
    hidden = tuple(int(w) for w in args.hidden.split(","))
    changes = dict(gamma=args.gamma) if args.method == "cff" else {}
    cfg = Config.from_recipe("hinton", hidden=hidden, method=args.method, **changes)
    data = data or load_dataset("mnist", validation=cfg.validation)
    out = profile(cfg, data, args.steps)
    allocations = measure_allocations(hidden, batch=cfg.batch_size, method=args.method, **changes)
    text = report(out, allocations)
    print(text)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "profile_recipe.json"), "w") as f:
        json.dump({**out, "allocations": allocations}, f, indent=1)
    with open(os.path.join(args.out, "profile_recipe.txt"), "w") as f:
        f.write(text + "\n")
    return out


if __name__ == "__main__":
    main()
