"""Worked solutions to the exercises of tutorials/04_open_questions.ipynb.

    python tutorials/solutions/04_open_questions_solutions.py                   # full: a few minutes
    FFNUMPY_FAST=1 python tutorials/solutions/04_open_questions_solutions.py    # quick, under a minute

Each exercise is one function whose docstring restates it; main() runs them all (one seed each: a first look).
"""
import os
import time

import numpy as np

import ffnumpy
from ffnumpy.config import Config
from ffnumpy.studies.continual import TASKS, forgetting
from ffnumpy.data import Dataset
from ffnumpy.layers import normalize_forward
from ffnumpy.network import overlay_label
from ffnumpy.studies.probe import features, probe_error, train_probe
from ffnumpy.studies.tasks import error_among, fit, select
from ffnumpy.train import build_model, lr_factor, train_step

SEED = 0
FAST = os.environ.get("FFNUMPY_FAST") == "1"
N_TRAIN = 4_000 if FAST else 20_000
N_TEST = 1_000 if FAST else 10_000
HIDDEN = (64, 64, 64) if FAST else (300, 300, 300)
EPOCHS = 2 if FAST else 4
SETTINGS = {"ff": dict(method="ff", lr=1e-3, theta_scale=0.3),       # the reproduction's course choices
            "cff": dict(method="cff", gamma="previous", lr=2e-3, theta_scale=1.0),
            "bp-label": dict(method="bp-label", lr=5e-4, theta_scale=0.3)}


def cfg_of(name):
    return Config(**SETTINGS[name], hidden=HIDDEN, epochs=EPOCHS, seed=SEED)


def subset(dataset):
    return Dataset(dataset.name, dataset.x_train[:N_TRAIN], dataset.y_train[:N_TRAIN], dataset.x_test[:N_TEST],
                   dataset.y_test[:N_TEST])


def fit_with_replay(model, cfg, x, y, seen, buffer, per_batch=20):
    """One task with a replay buffer: every minibatch of the task gets `per_batch` stored images of old tasks."""
    model.classes = tuple(sorted(seen))
    n, B = len(x), cfg.batch_size - (per_batch if buffer else 0)
    steps, layers = max(1, n // B), list(range(model.net.num_layers))
    for epoch in range(cfg.epochs):
        order = model.rng.permutation(n)
        for step in range(steps):
            for opt in model.optimizers:
                opt.lr = cfg.lr * lr_factor(cfg, (epoch + step / steps) / cfg.epochs)
            idx = order[step * B:(step + 1) * B]
            xb, yb = x[idx], y[idx]
            if buffer:
                bx, by = buffer
                pick = model.rng.integers(0, len(by), per_batch)
                xb, yb = np.concatenate([xb, bx[pick]]), np.concatenate([yb, by[pick]])
            train_step(model, cfg, [(xb, yb)], layers)


def exercise_1_replay(data, keep=100):
    """Replay: keep `keep` images of every finished task and mix 20 of them into every minibatch of later tasks.
    How much of the class-incremental forgetting does the buffer remove, for FF and for Backprop Label?"""
    tests = [select(data.x_test, data.y_test, t) for t in TASKS]
    for name in ("ff", "bp-label"):
        for use_buffer in (False, True):
            cfg = cfg_of(name)
            model = build_model(cfg, data.x_train.shape[1], np.random.default_rng(cfg.seed))
            seen, bx, by, A = [], [], [], []
            for task in TASKS:
                seen += task
                x, y = select(data.x_train, data.y_train, task)
                buffer = (np.concatenate(bx), np.concatenate(by)) if (use_buffer and bx) else None
                fit_with_replay(model, cfg, x, y, seen, buffer)
                bx.append(x[:keep])
                by.append(y[:keep])
                A.append([100 - error_among(model, xt, yt) for xt, yt in tests])
            print(f"  {name:8s} {'with' if use_buffer else 'without'} replay: class-incremental average accuracy "
                  f"{np.mean(A[-1]):5.1f}%, mean forgetting {np.mean(forgetting(A)):5.1f} points")


def exercise_2_layers(mnist, fashion):
    """Which layer transfers? Probe every layer of FF and CFF gamma(<t) networks trained on MNIST, on
    Fashion-MNIST, beside the same networks at initialisation: the gain over initialisation per layer."""
    for name in ("ff", "cff"):
        cfg = cfg_of(name)
        model = build_model(cfg, mnist.x_train.shape[1], np.random.default_rng(cfg.seed))
        before = [probe(model.net, fashion, layer) for layer in range(len(HIDDEN))]
        fit(model, cfg, mnist.x_train, mnist.y_train, cfg.epochs, range(10))
        after = [probe(model.net, fashion, layer) for layer in range(len(HIDDEN))]
        print(f"  {name:4s} probe error on Fashion-MNIST by layer: trained "
              + ", ".join(f"{e:.2f}" for e in after) + "; at init " + ", ".join(f"{e:.2f}" for e in before)
              + "; gain " + ", ".join(f"{b - a:+.2f}" for a, b in zip(after, before)))


def probe(net, data, layer, true_label=False):
    """Probe error (%) of one frozen layer: the neutral label in the input, or (true_label) each image's own."""
    def feats(x, y):
        if not true_label:
            return features(net, x, layer)
        hs, _ = net.forward(overlay_label(x, y), upto=layer + 1)
        return normalize_forward(hs[layer], net.normalize)[0]
    V, c = train_probe(feats(data.x_train, data.y_train), data.y_train, seed=SEED)
    return probe_error(V, c, feats(data.x_test, data.y_test), data.y_test)


def exercise_3_true_label(data):
    """Probe with the true label written into the label pixels instead of the neutral one. Even on an
    untrained network the probe then does better than with the neutral label: the gain is the answer we
    wrote into the input, not a feature of the image, so the number says nothing about the layer."""
    cfg = cfg_of("ff")
    net = build_model(cfg, data.x_train.shape[1], np.random.default_rng(cfg.seed)).net
    neutral = [probe(net, data, layer) for layer in range(len(HIDDEN))]
    true = [probe(net, data, layer, true_label=True) for layer in range(len(HIDDEN))]
    print("  untrained FF network, probe error by layer: neutral label " + ", ".join(f"{e:.2f}" for e in neutral)
          + "; true label written in " + ", ".join(f"{e:.2f}" for e in true))


def main():
    start = time.perf_counter()
    mnist = subset(ffnumpy.load_mnist())
    print("Exercise 1, replay on Split-MNIST:")
    exercise_1_replay(mnist)
    print("Exercise 2, which layer transfers to Fashion-MNIST:")
    exercise_2_layers(mnist, subset(ffnumpy.load_fashion_mnist()))
    print("Exercise 3, the probe with the true label:")
    exercise_3_true_label(mnist)
    print(f"{time.perf_counter() - start:.0f} s ({'FAST' if FAST else 'full'} mode; one seed each)")


if __name__ == "__main__":
    main()
