"""How fast is ffnumpy's training loop, against the matrix products it needs?

    python benchmarks/bench_train.py [--json results/bench_train.json]
    python benchmarks/bench_train.py --recipe hinton [--json results/speed/bench_recipe.json]

Measures, in one run, on MNIST with 784-1000-1000-1000 and batch 100:
  - seconds per epoch (60k images = 600 steps) of FF and of CFF (gamma all),
    Network schedule, with Adam (the default) and with SGD + momentum,
    exactly as ffnumpy.train runs them;
  - seconds to evaluate the 10k test images with each of the 10 labels;
  - the float32 GEMM throughput numpy reaches on the very shapes one training
    step multiplies (forward: [200, D] @ [D, M]; weight gradients:
    [D, 200] @ [200, M]), and the fraction of it the training loop reaches:
    GEMM FLOPs per step * steps / epoch seconds / GEMM throughput.
With --recipe hinton: FF and CFF (gamma(<t), gamma) under Hinton's recipe
(config.RECIPES: SGD, peer normalisation, the readout's neutral-label pass,
50k training images = 500 steps), one epoch each; the GEMM count then includes
the readout's pass ([100, D] @ [D, M] through every layer) and its product.
The rest of a step (ReLU, normalisation, goodness, the loss, the optimiser)
is the gap. Adam reads and writes each of the 2.8M weights about ten times a
step; at batch 100 that is memory traffic worth half the products' time.
Run it alone: anything else on the 2 cores distorts every number.
"""
import argparse
import json
import time

import numpy as np

from ffnumpy.data import load_mnist
from ffnumpy.config import Config
from ffnumpy.train import build_model, train_step
from ffnumpy.studies.runner import machine

SIZES = [784, 1000, 1000, 1000]
BATCH = 100


def gemm_shapes(sizes, rows):
    """(m, k, n) of every product in one training step of `rows` pairs."""
    forward = [(rows, d, m) for d, m in zip(sizes[:-1], sizes[1:])]
    weight_grads = [(d, rows, m) for d, m in zip(sizes[:-1], sizes[1:])]
    return forward + weight_grads


def gemm_throughput(shapes, repeats=100, trials=5, seed=0):
    """FLOPs per second of numpy float32 matmul over these shapes, best of `trials` timings."""
    rng = np.random.default_rng(seed)
    pairs = [(rng.random((m, k), dtype=np.float32), rng.random((k, n), dtype=np.float32)) for m, k, n in shapes]
    flops = sum(2 * m * k * n for m, k, n in shapes)
    best = np.inf
    for _ in range(trials):
        t0 = time.perf_counter()
        for _ in range(repeats):
            for a, b in pairs:
                a @ b
        best = min(best, (time.perf_counter() - t0) / repeats)
    return flops / best, flops


def epoch_seconds(cfg, data):
    """Seconds for one epoch of training steps (no evaluation), as ffnumpy.train runs them."""
    rng = np.random.default_rng(cfg.seed)
    model = build_model(cfg, data.x_train.shape[1], rng)
    order = rng.permutation(len(data.x_train))
    steps = len(order) // cfg.batch_size
    layers = list(range(len(cfg.hidden)))
    for s in range(5):  # warm up: first touches of every array
        i = order[s * BATCH:(s + 1) * BATCH]
        train_step(model, cfg, [(data.x_train[i], data.y_train[i])], layers)
    t0 = time.perf_counter()
    for s in range(steps):
        i = order[s * BATCH:(s + 1) * BATCH]
        train_step(model, cfg, [(data.x_train[i], data.y_train[i])], layers)
    return time.perf_counter() - t0, steps, model


def recipe_runs(out, data, peak, flops_per_step):
    """Seconds per epoch of FF and CFF under Hinton's recipe (50k images, as the recipe trains)."""
    readout = gemm_shapes(SIZES, BATCH)[:len(SIZES) - 1] + [(BATCH, 2 * SIZES[-1], 10), (2 * SIZES[-1], BATCH, 10)]
    flops = flops_per_step + sum(2 * m * k * n for m, k, n in readout)
    train = type(data)(data.name, data.x_train[:50_000], data.y_train[:50_000], data.x_test, data.y_test)
    for label, changes in (("FF", {}), ("CFF gamma(<t)", dict(method="cff", gamma="previous")),
                           ("CFF gamma", dict(method="cff", gamma="all"))):
        seconds, steps, _ = epoch_seconds(Config.from_recipe("hinton", **changes), train)
        fraction = flops * steps / seconds / peak
        out[f"{label}-recipe"] = {"epoch_seconds": seconds, "steps": steps, "fraction_of_gemm_peak": fraction}
        print(f"{label:13s} Hinton's recipe: {seconds:6.2f} s per epoch ({steps} steps), "
              f"{fraction:.2f} of the GEMM peak; 100 epochs: {100 * seconds / 60:.0f} min of training")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--json", help="write the numbers here")
    p.add_argument("--recipe", choices=["hinton"], help="time Hinton's recipe instead of the plain settings")
    args = p.parse_args(argv)
    data = load_mnist()
    peak, flops_per_step = gemm_throughput(gemm_shapes(SIZES, 2 * BATCH))
    # the CPU changes between sessions on a rented machine: a number is only comparable with others of its CPU
    out = {"sizes": SIZES, "batch": BATCH, "gemm_gflops": peak / 1e9, "machine": machine(),
           "date": time.strftime("%Y-%m-%d")}
    print(f"{out['machine']['cpu']}, {out['machine']['cores']} cores, numpy {np.__version__} "
          f"({out['machine']['blas']}), {out['date']}")
    print(f"float32 GEMM throughput on the training shapes: {peak / 1e9:.1f} GFLOP/s")
    for optimizer in () if args.recipe else ("adam", "sgd"):
        for label, gamma in (("FF", None), ("CFF", "all")):
            cfg = Config(method="ff" if gamma is None else "cff", gamma=gamma or "all", hidden=tuple(SIZES[1:]),
                         batch_size=BATCH, schedule="network", optimizer=optimizer)
            seconds, steps, model = epoch_seconds(cfg, data)
            fraction = flops_per_step * steps / seconds / peak
            out[f"{label}-{optimizer}"] = {"epoch_seconds": seconds, "steps": steps,
                                           "fraction_of_gemm_peak": fraction}
            print(f"{label:4s} network schedule, {optimizer:4s}: {seconds:6.2f} s per epoch ({steps} steps), "
                  f"{fraction:.2f} of the GEMM peak")
    if args.recipe:
        recipe_runs(out, data, peak, flops_per_step)
        model = build_model(Config.from_recipe("hinton"), SIZES[0], np.random.default_rng(0))
    t0 = time.perf_counter()
    model.net.goodness_per_label(data.x_test)
    out["test_eval_seconds"] = time.perf_counter() - t0
    print(f"evaluating the 10k test images with 10 labels each: {out['test_eval_seconds']:.2f} s")
    # The peak again, after the runs: a busy or throttled machine shows up as two different peaks.
    out["gemm_gflops_after"] = gemm_throughput(gemm_shapes(SIZES, 2 * BATCH))[0] / 1e9
    print(f"float32 GEMM throughput measured again at the end: {out['gemm_gflops_after']:.1f} GFLOP/s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
