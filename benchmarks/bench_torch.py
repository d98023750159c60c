"""The same FF / CFF training step in PyTorch (CPU), to time beside bench_train.py.

    pip install torch            # only this script needs it; ffnumpy never imports torch
    python benchmarks/bench_torch.py [--json results/bench_torch.json]

The algorithm is ffnumpy's, written as a PyTorch user would: autograd for
each layer's local loss, the layer input detached (no gradient between layers),
gamma computed under no_grad, one torch.optim.Adam (or SGD with momentum) per layer, float32, unit-RMS
normalisation, positives and negatives in one batch, 784-1000-1000-1000,
batch 100. Data comes through ffnumpy's loader (the same arrays).
"""
import argparse
import json
import time

import numpy as np
import torch
import torch.nn.functional as F

from ffnumpy.data import load_mnist
from ffnumpy.studies.runner import machine

SIZES = [784, 1000, 1000, 1000]
BATCH = 100


def overlay(x, y):
    x = x.clone()
    x[:, :10] = 0
    x[torch.arange(len(x)), y] = 1
    return x


def rms_normalize(x):
    return x / torch.sqrt(x.pow(2).mean(dim=1, keepdim=True) + 1e-8)


def step(layers, optimizers, xy, sign, theta, collaborative):
    with torch.no_grad():  # every layer's goodness from the current weights: gamma
        g_all, h = [], xy
        for layer in layers:
            h = F.relu(layer(rms_normalize(h)))
            g_all.append(h.pow(2).sum(1))
        G = torch.stack(g_all, 1)
    x = xy
    for i, (layer, opt) in enumerate(zip(layers, optimizers)):
        h = F.relu(layer(rms_normalize(x.detach())))
        g = h.pow(2).sum(1)
        s = g + (G.sum(1) - G[:, i] if collaborative else 0) - (theta.sum() if collaborative else theta[i])
        loss = F.softplus(-sign * s).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        x = h


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--json")
    args = p.parse_args(argv)
    torch.set_num_threads(2)
    torch.manual_seed(0)
    data = load_mnist()
    x_train, y_train = torch.from_numpy(data.x_train), torch.from_numpy(data.y_train)
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "machine": machine(),
           "date": time.strftime("%Y-%m-%d")}
    print(f"{out['machine']['cpu']}, {out['machine']['cores']} cores, PyTorch {torch.__version__}, {out['date']}")
    theta = torch.tensor([float(m) for m in SIZES[1:]])
    runs = [(label, collaborative, optimizer) for optimizer in ("adam", "sgd")
            for label, collaborative in (("FF", False), ("CFF", True))]
    for label, collaborative, optimizer in runs:
        layers = [torch.nn.Linear(d, m) for d, m in zip(SIZES[:-1], SIZES[1:])]
        make = (lambda p: torch.optim.Adam(p, lr=1e-3)) if optimizer == "adam" else \
            (lambda p: torch.optim.SGD(p, lr=1e-3, momentum=0.9))
        optimizers = [make(layer.parameters()) for layer in layers]
        order = torch.from_numpy(np.random.default_rng(0).permutation(len(x_train)))
        steps = len(order) // BATCH
        sign = torch.cat([torch.ones(BATCH), -torch.ones(BATCH)])

        def run(k):
            i = order[k * BATCH:(k + 1) * BATCH]
            x, y = x_train[i], y_train[i]
            y_neg = (y + torch.randint(1, 10, (BATCH,))) % 10
            step(layers, optimizers, torch.cat([overlay(x, y), overlay(x, y_neg)]), sign, theta, collaborative)

        for k in range(5):
            run(k)
        t0 = time.perf_counter()
        for k in range(steps):
            run(k)
        seconds = time.perf_counter() - t0
        out[f"{label}-{optimizer}"] = {"epoch_seconds": seconds, "steps": steps}
        print(f"{label:4s} {optimizer:4s} PyTorch {torch.__version__}: {seconds:6.2f} s per epoch ({steps} steps)")
    x_test = torch.from_numpy(data.x_test)
    t0 = time.perf_counter()
    with torch.no_grad():
        for y in range(10):
            for start in range(0, len(x_test), 1000):
                xb = x_test[start:start + 1000]
                h = overlay(xb, torch.full((len(xb),), y))
                for layer in layers:
                    h = F.relu(layer(rms_normalize(h)))
    out["test_eval_seconds"] = time.perf_counter() - t0
    print(f"evaluating the 10k test images with 10 labels each: {out['test_eval_seconds']:.2f} s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
