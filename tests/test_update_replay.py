"""Replay: the library's FF / CFF update against a frozen copy of it (tests/_old_ff_update.py), on the same
seeded inputs on this machine. Every gradient an optimiser receives, every loss, and every weight after a
few steps must be equal bit for bit (same dtype, same bytes).

Comparing two computations on one machine, not against recorded numbers, keeps the test independent of
the BLAS: a recorded hash would change with the machine's matrix products, not with ffnumpy.

The replay has two levels. First, ff_update on a tiny network for each objective and variant it
supports, in float32 and float64, under Adam and SGD. Second, train() on tiny random data for each
Config that reaches ff_update, against train() with train.train_step swapped for the frozen one.
"""
import numpy as np
import pytest
from _old_ff_update import old_ff_update, old_train_step

import ffnumpy.train
from ffnumpy.checkpoint import _arrays
from ffnumpy.data import Dataset
from ffnumpy.ff import ff_update, objective_for
from ffnumpy.network import Network, overlay_label
from ffnumpy.optim import SGD, Adam
from ffnumpy.peer import PeerNorm, peer_means
from ffnumpy.train import Config, train

SIZES, B, STEPS = [20, 8, 7, 6], 5, 3
READINGS = ("entropy", "entropy-labels", "entropy-batch")

# name -> the old ff_update's keyword arguments, plus "layers" (default all three) and "normalize"
CASES = {"ff": {}, "ff-layer-2-only": dict(layers=[1]), "ff-length": dict(normalize="length"),
         "cff-previous": dict(gamma_mode="previous"), "cff-all": dict(gamma_mode="all"),
         "cff-all-layer-1-only": dict(gamma_mode="all", layers=[0]),
         "cff-all-length": dict(gamma_mode="all", normalize="length"),
         "ff-paper": dict(negative="paper"), "cff-all-paper": dict(gamma_mode="all", negative="paper"),
         "cff-previous-shared": dict(gamma_mode="previous", theta_mode="shared"),
         "cff-all-shared": dict(gamma_mode="all", theta_mode="shared"),
         "cff-all-shared-paper": dict(gamma_mode="all", theta_mode="shared", negative="paper"),
         **{f"ff-{r}": dict(objective=r) for r in READINGS},
         **{f"cff-all-{r}": dict(gamma_mode="all", objective=r) for r in READINGS},
         **{f"cff-previous-{r}": dict(gamma_mode="previous", objective=r) for r in READINGS},
         **{f"ff-{r}-penalty": dict(objective=r, penalty=0.01) for r in READINGS},
         **{f"cff-all-{r}-penalty": dict(gamma_mode="all", objective=r, penalty=0.3) for r in READINGS},
         "ff-peer": dict(peer_strength=0.03), "cff-all-peer": dict(gamma_mode="all", peer_strength=0.03),
         "ff-peer-layer-2-only": dict(peer_strength=0.03, layers=[1]),
         "ff-entropy-peer": dict(objective="entropy", peer_strength=0.03),
         "learned": dict(gamma_mode="learned"), "learned-shared": dict(gamma_mode="learned", theta_mode="shared"),
         "learned-layer-2-only": dict(gamma_mode="learned", layers=[1]),
         "learned-peer": dict(gamma_mode="learned", peer_strength=0.03),
         "learned-entropy": dict(gamma_mode="learned", objective="entropy")}
OPTIMIZERS = {"adam": lambda params: Adam(params, lr=1e-2),
              "sgd": lambda params: SGD(params, lr=0.1, momentum=0.9, weight_decay=1e-3)}


def old_update(spec, alpha, peer):
    """The frozen update with this case's settings: (net, optimizers, xy, sign, layers) -> losses."""
    return lambda net, opts, xy, sign, layers: old_ff_update(net, opts, xy, sign, layers, alpha=alpha, peer=peer,
                                                             **spec)


def new_update(spec, alpha, peer):
    """The library's update with the same settings, its objective and peer normalisation chosen once."""
    assert set(spec) <= {"gamma_mode", "objective", "theta_mode", "negative", "peer_strength", "penalty"}
    objective = objective_for(spec.get("objective", "logistic"), spec.get("negative", "logistic"),
                              spec.get("penalty", 0.0))
    peer = PeerNorm(peer, spec["peer_strength"]) if spec.get("peer_strength") else None
    return lambda net, opts, xy, sign, layers: ff_update(net, opts, xy, sign, layers, spec.get("gamma_mode", "none"),
                                                         objective, spec.get("theta_mode", "per-layer"), alpha, peer)


class Spy:
    """An optimiser that keeps a copy of every gradient list it is given, then steps."""

    def __init__(self, optimizer, log):
        self.optimizer, self.log = optimizer, log

    def step(self, grads):
        self.log.append([np.array(g, copy=True) for g in grads])
        self.optimizer.step(grads)


def pairs(rng, objective, dtype):
    """[positives; negatives] of B images, (2B, D) and (2B,); entropy-labels: all ten labels, (10B, D)."""
    x, y = rng.random((B, SIZES[0])).astype(dtype), rng.integers(0, 10, B)
    if objective == "entropy-labels":
        labels = np.repeat(np.arange(10), B)
        return overlay_label(np.tile(x, (10, 1)), labels), np.where(labels == np.tile(y, 10), 1, -1).astype(dtype)
    y_neg = (y + rng.integers(1, 10, B)) % 10
    return np.concatenate([overlay_label(x, y), overlay_label(x, y_neg)]), np.r_[np.ones(B), -np.ones(B)].astype(dtype)


def replay(make_update, case, dtype, optimizer):
    """STEPS updates of a seeded network; returns every array that should match, in order."""
    spec = dict(CASES[case])
    layers, normalize = spec.pop("layers", [0, 1, 2]), spec.pop("normalize", "rms")
    rng = np.random.default_rng(0)
    net = Network(SIZES, rng, dtype=dtype, normalize=normalize)
    for b in net.b:
        b += rng.normal(0, 0.3, b.shape).astype(dtype)     # some units off, some on, before the first step
    start = [w.copy() for w in net.W]
    L = net.num_layers
    alpha = ((1 - np.eye(L)) * rng.uniform(0.5, 1.5, (L, L))).astype(dtype) \
        if spec.get("gamma_mode") == "learned" else None
    peer = peer_means(SIZES[1:], dtype) if spec.get("peer_strength") else None
    log = []
    opts = [Spy(OPTIMIZERS[optimizer](net.params(i) + ([alpha[i]] if alpha is not None else [])), log)
            for i in range(L)]
    update, data, out = make_update(spec, alpha, peer), np.random.default_rng(1), []
    for _ in range(STEPS):
        losses = update(net, opts, *pairs(data, spec.get("objective"), dtype), layers)
        out += [np.asarray(sorted(losses))] + [np.asarray(losses[i]) for i in sorted(losses)]
    assert all(np.any(net.W[i] != start[i]) for i in layers)          # every updated layer moved
    out += [g for grads in log for g in grads] + net.W + net.b + ([alpha] if alpha is not None else []) + (peer or [])
    return out


def assert_same_bits(new, old):
    assert len(new) == len(old)
    for k, (a, b) in enumerate(zip(new, old)):
        assert a.dtype == b.dtype and a.shape == b.shape, f"array {k}: {a.dtype}{a.shape} against {b.dtype}{b.shape}"
        assert a.tobytes() == b.tobytes(), f"array {k} differs: largest gap {np.max(np.abs(a - b))}"


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("case", CASES)
def test_ff_update_replays_the_frozen_update_bit_for_bit(case, dtype, optimizer):
    new, old = replay(new_update, case, dtype, optimizer), replay(old_update, case, dtype, optimizer)
    assert_same_bits(new, old)


def test_the_replay_sees_a_one_bit_change():
    """The comparison can fail: one step of a different update (a loss scaled by 1 + 2^-20) is caught."""
    def nudged(spec, alpha, peer):
        update = old_update(spec, alpha, peer)

        def step(net, opts, xy, sign, layers):
            net.b[0][0] *= np.float32(1 + 2.0 ** -20)
            return update(net, opts, xy, sign, layers)
        return step
    with pytest.raises(AssertionError, match="differs"):
        assert_same_bits(replay(nudged, "ff", np.float32, "adam"), replay(old_update, "ff", np.float32, "adam"))


# Configs that reach ff_update (Config keyword arguments; every one has hidden (8, 7), 2 epochs, batch 10)
CONFIGS = {"ff": {}, "ff-sgd": dict(optimizer="sgd", weight_decay=1e-3, bias_decay=False),
           "ff-length": dict(normalize="length", lr=3e-2), "ff-paper": dict(negative_loss="paper"),
           "ff-hard": dict(negatives="hard"), "ff-layer": dict(schedule="layer"),
           "ff-alternating": dict(schedule="alternating"),
           "cff-previous": dict(method="cff", gamma="previous"), "cff-all": dict(method="cff"),
           "cff-previous-layer": dict(method="cff", gamma="previous", schedule="layer"),
           "cff-all-alternating": dict(method="cff", schedule="alternating"),
           "cff-all-shared": dict(method="cff", theta_mode="shared"),
           "cff-previous-shared-paper": dict(method="cff", gamma="previous", theta_mode="shared",
                                             negative_loss="paper"),
           "cff-learned": dict(method="cff", gamma="learned"),
           "cff-learned-shared-alternating": dict(method="cff", gamma="learned", theta_mode="shared",
                                                  schedule="alternating"),
           **{f"ff-{r}": dict(objective=r) for r in READINGS},
           **{f"cff-all-{r}-penalty": dict(method="cff", objective=r, goodness_penalty=0.01) for r in READINGS},
           "ff-peer": dict(peer_norm=0.03), "cff-all-peer": dict(method="cff", peer_norm=0.03),
           "hinton": dict(recipe="hinton"),
           "hinton-cff-previous": dict(recipe="hinton", method="cff", gamma="previous")}


def tiny_data():
    rng = np.random.default_rng(3)
    x = rng.random((100, 30)).astype(np.float32)
    y = rng.integers(0, 10, 100)
    return Dataset("mnist", x[:60], y[:60], x[60:80], y[60:80], x[80:], y[80:])


def trained(settings, step=None, monkeypatch=None):
    settings = dict(settings)
    recipe = settings.pop("recipe", None)
    base = dict(hidden=(8, 7), epochs=2, batch_size=10, seed=0, **settings)
    cfg = Config.from_recipe(recipe, **base) if recipe else Config(**base)
    if step is not None:
        monkeypatch.setattr(ffnumpy.train, "train_step", step)
    result, model = train(cfg, data=tiny_data(), progress=False)
    arrays = _arrays(model)
    losses = [np.asarray(r["loss"]) for r in result["history"]]
    return losses + [np.asarray(list(arrays))] + list(arrays.values()) + [np.asarray(result["test_predictions"])]


@pytest.mark.parametrize("name", CONFIGS)
def test_training_replays_the_frozen_train_step_bit_for_bit(name, monkeypatch):
    """train() with the library's train_step against train() with the frozen one: the losses of every
    epoch, every array a checkpoint saves (weights, alpha, peer means, readout, optimiser moments), and
    the test predictions."""
    new = trained(CONFIGS[name])
    old = trained(CONFIGS[name], old_train_step, monkeypatch)
    assert_same_bits(new, old)
