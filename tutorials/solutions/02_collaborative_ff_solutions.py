"""Worked solutions to the exercises of tutorials/02_collaborative_ff.ipynb.

    python tutorials/solutions/02_collaborative_ff_solutions.py
    FFNUMPY_FAST=1 python tutorials/solutions/02_collaborative_ff_solutions.py   # under a minute

Each exercise is one function; main() runs them all and prints short results.
Every run uses the budget of section 5 of the notebook (Adam, batch 100,
Hinton's learning-rate schedule, the Network schedule) unless the exercise
changes it. In full mode (the whole training set, 784-500-500-500, 6 epochs)
the file trains about a dozen networks: expect ten to fifteen minutes.
"""
import os
import time
from functools import lru_cache

import numpy as np

import ffnumpy
from ffnumpy.evaluate import contributions
from ffnumpy.data import Dataset
from ffnumpy.evaluate import evaluate
from ffnumpy.ff import ff_update
from ffnumpy.layers import ff_layer_backward
from ffnumpy.losses import collaboration_terms, ff_loss, goodness_backward, goodness_forward, sigmoid
from ffnumpy.negatives import random_wrong_labels
from ffnumpy.network import Network, overlay_label, predict_from_goodness
from ffnumpy.optim import Adam
from ffnumpy.studies.live import label_share, live_runs
from ffnumpy.studies.stats import mcnemar
from ffnumpy.studies.runs import p_is
from ffnumpy.train import Config, lr_factor, train

SEED = 0
FAST = os.environ.get("FFNUMPY_FAST") == "1"   # the tests set FFNUMPY_FAST=1: a smaller problem, same code
N_TRAIN = 12_000 if FAST else 60_000
N_TEST = 1_000 if FAST else 10_000
HIDDEN = (100, 100, 100) if FAST else (500, 500, 500)
EPOCHS = 3 if FAST else 6
LR, BATCH = 2e-3, 100
REPRO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "results", "reproduction")


@lru_cache(maxsize=None)
def mnist():
    """The training and test subsets, as a Dataset without a validation split."""
    d = ffnumpy.load_mnist()
    return Dataset("mnist", d.x_train[:N_TRAIN], d.y_train[:N_TRAIN], d.x_test[:N_TEST], d.y_test[:N_TEST])


@lru_cache(maxsize=None)
def trained(method, gamma="all", lr=LR, hidden=HIDDEN, theta_scale=1.0):
    """Train one network with the notebook's budget (Network schedule); returns (result dict of train(), net)."""
    cfg = Config(method=method, gamma=gamma, schedule="network", hidden=hidden, epochs=EPOCHS, lr=lr,
                 batch_size=BATCH, theta_scale=theta_scale, validation=False, seed=SEED)
    result, model = train(cfg, data=mnist(), progress=False)
    return result, model.net


def run(method, gamma="all", lr=LR, hidden=HIDDEN, theta_scale=1.0):
    """The result dict of trained(...)."""
    return trained(method, gamma, lr, hidden, theta_scale)[0]


def right(result):
    """(N_TEST,) bool: which test images a run classified correctly (from its saved predictions)."""
    return np.array(list(result["test_predictions"]), dtype=int) == mnist().y_test


def call(right_a, right_b, a, b):
    """McNemar's exact test of A against B on the same images: (verdict, its numbers).

    The verdict is "A lower" or "B lower" (A's or B's error) only when p < 0.05; otherwise "no difference shown":
    a difference of a tenth of a point is a handful of images and says nothing by itself.
    """
    m = mcnemar(right_a, right_b)
    words = "no difference shown" if m["p"] >= 0.05 else f"{a} lower" if m["b"] > m["c"] else f"{b} lower"
    return words, f"only {a} right on {m['b']}, only {b} right on {m['c']}, McNemar p {p_is(m['p'])}"


def make_pairs(x, y, rng):
    """[positive pairs; negative pairs] of a minibatch and their signs: (2B, D), (2B,)."""
    xy = np.concatenate([overlay_label(x, y), overlay_label(x, random_wrong_labels(y, rng))])
    return xy, np.concatenate([np.ones(len(x)), -np.ones(len(x))]).astype(x.dtype)


def logits(net, xy, mode):
    """s = G + gamma - Theta, the logit each layer's loss sees.   xy : (N, D) -> (N, L)"""
    G = net.goodness(xy).astype(np.float64)
    gamma, Theta = collaboration_terms(G, net.theta, mode)
    return G + gamma - Theta


def fmt(values, sign=False):
    return ", ".join(f"{v:+.2f}" if sign else f"{v:.2f}" for v in values)


# ---------------------------------------------------------------- the exercises

def exercise_1_learning_rate():
    """A learning rate for CFF gamma (all), at the full budget. Train CFF gamma (all) under the Network schedule
    with lr 2e-3, 1e-3 and 5e-4 at the budget of section 5 and compare each with FF at 2e-3 using McNemar's test
    (one network per rate: it compares those networks). Does a smaller rate close the gap at this number of
    epochs, and how many seeds would a claim about the rates need? What would you change next, and what would a
    fair comparison then require for FF?

    Answer. All L layers push the one shared logit S, and under the Network schedule they all step at once, so
    the same lr may be effectively larger for CFF (the research appendix's sweep, 05 section 1, tests this on a small budget). A smaller lr
    can make CFF steadier, but it also learns more slowly, so at a fixed, short budget it trades one problem for
    another; the reproduction's tuning (results/reproduction; the research appendix, section 3) shows which rate each
    method chose on validation data. A difference of a few tenths of a point is a few dozen test images: the
    printout calls each one with McNemar's test, not by eye, and that call is about these networks: a claim
    about the rates needs several seeds per rate, paired and tested over seeds (the appendix, section 3).
    Next: more epochs (or a learning-rate sweep per method). Fairness then requires giving FF the same: the
    same number of epochs and its own best learning rate, chosen on a validation split, not on the test set.
    """
    ff = run("ff")["test_error"]
    errors = {lr: run("cff", "all", lr=lr)["test_error"] for lr in (2e-3, 1e-3, 5e-4)}
    print(f"  FF at lr 2e-3: {ff:.2f}%")
    for lr, error in errors.items():
        words, numbers = call(right(run("cff", "all", lr=lr)), right(run("ff")), "CFF", "FF")
        print(f"  CFF gamma (all) at lr {lr:.0e}: {error:.2f}% ({numbers}): {words}")
    best = min(errors, key=errors.get)
    print(f"  best CFF learning rate here: {best:.0e} (one seed; chosen on the test set, so only a first look)")
    return ff, errors


def exercise_2_alternating():
    """Algorithm 2, literally. Write the alternating loop yourself with ff_update (each layer in turn on its own
    fresh minibatch, gamma "all", a constant learning rate) and every few steps record each layer's mean
    g_i / theta_i on a fixed probe of positive pairs. Compare lr 2e-3 and 5e-4, and FF under the same loop. Does
    goodness move between layers? Does a layer fall silent? Relate what you see to the flat directions of
    section 6.

    Answer. With the full gamma every layer's loss depends on the goodness only through S = sum_t (g_t -
    theta_t): moving goodness from one layer to another changes no loss. Nothing holds each layer's share in
    place, so under the alternating loop (each layer reacting to the others' latest step) the shares wander,
    and at FF's learning rate they can swing widely: one layer's goodness grows while another's falls, and a
    layer whose units stop firing (g near 0) may never recover, because a ReLU unit that is off for every input
    gets no gradient. Under FF each layer's share is pinned by its own loss (g_i must straddle theta_i), so
    the curves stay near 1. A smaller learning rate damps the swings. The printout gives, per layer, the range
    of g_i / theta_i over training and how often the layer with the most goodness changed.
    """
    d = mnist()
    L, steps = len(HIDDEN), len(d.x_train) // BATCH
    probe = overlay_label(d.x_train[:500], d.y_train[:500])
    every = max(1, steps // 20)
    rows = {}
    for name, mode, lr in (("FF, lr 2e-3", "none", 2e-3), ("CFF gamma (all), lr 2e-3", "all", 2e-3),
                           ("CFF gamma (all), lr 5e-4", "all", 5e-4)):
        rng = np.random.default_rng(SEED)
        net = Network([d.x_train.shape[1], *HIDDEN], rng)
        optimizers = [Adam(net.params(i), lr=lr) for i in range(L)]
        shares = []
        for _ in range(EPOCHS):
            orders = [rng.permutation(len(d.x_train)) for _ in range(L)]     # one stream of minibatches per layer
            for step in range(steps):
                if step % every == 0:
                    shares.append(net.goodness(probe).mean(axis=0) / np.array(net.theta))
                for i in range(L):                                           # each layer in turn, fresh batch
                    idx = orders[i][step * BATCH:(step + 1) * BATCH]
                    xy, sign = make_pairs(d.x_train[idx], d.y_train[idx], rng)
                    ff_update(net, optimizers, xy, sign, [i], gamma_mode=mode)
        shares.append(net.goodness(probe).mean(axis=0) / np.array(net.theta))
        shares = np.array(shares)                                            # (records, L)
        leader_changes = int(np.sum(np.diff(shares.argmax(axis=1)) != 0))
        error = evaluate(net, d.x_test, d.y_test)["error"]
        rows[name] = (shares, leader_changes, error)
        ranges = "; ".join(f"layer {i + 1} {shares[:, i].min():.2f}..{shares[:, i].max():.2f}" for i in range(L))
        silent = [i + 1 for i in range(L) if shares[-1, i] < 0.05]
        print(f"  {name:25s} g/theta over training: {ranges}; leader changed {leader_changes} times; "
              f"{'silent at the end: layer(s) ' + str(silent) if silent else 'no silent layer'}; "
              f"test error {error:.2f}%")
    return rows


def exercise_3_depth_4():
    """Depth 4. Add a fourth hidden layer of the same width and train FF, CFF gamma(<t) and CFF gamma (all).
    What is the marginal contribution of layer 4 under each method? Does collaboration keep helping beyond three
    layers (one of the questions the paper leaves open)?

    Answer. Under FF a fourth layer is one more independent voter; it helps only if it adds evidence the others
    lack, and its marginal contribution tends to shrink with depth. Under CFF gamma(<t) layer 4 learns to correct
    layers 1-3 (a boosting stage), and under the full gamma it shares the work from the start. Whether that
    turns into a lower error is what the printout shows; one run is not proof either way (look at the size of
    the marginal contribution: a few hundredths of a point is a handful of images, so McNemar's test on the
    predictions of layers 1..3 and 1..4 decides whether layer 4 changed anything).
    """
    hidden4 = HIDDEN + (HIDDEN[-1],)
    rows = {}
    for name, method, gamma in (("FF", "ff", "all"), ("CFF gamma(<t)", "cff", "previous"),
                                ("CFF gamma (all)", "cff", "all")):
        result, net = trained(method, gamma, hidden=hidden4)
        c = contributions(result["per_layer_test_error"], result["prefix_test_error"])
        rows[name] = (result["test_error"], c["marginal"])
        G = net.goodness_per_label(mnist().x_test)
        with4, with3 = (predict_from_goodness(G, range(k)) == mnist().y_test for k in (4, 3))
        words, numbers = call(with4, with3, "layers 1..4", "layers 1..3")
        verdict = {"layers 1..4 lower": "layer 4 lowers the error", "layers 1..3 lower": "layer 4 raises the error"}
        print(f"  {name:16s} 4 layers: test error {result['test_error']:.2f}% (3 layers: "
              f"{run(method, gamma)['test_error']:.2f}%); marginal of layers 2..4: {fmt(c['marginal'][1:], True)} "
              f"-> {verdict.get(words, 'layer 4: no difference shown')} ({numbers})")
    return rows


def exercise_4_theta_scale():
    """theta_scale. Config(theta_scale=c) sets theta_i = c times the width and scales the initial weights so that
    g still starts near theta. With the full gamma, S sums L goodnesses, so its scale is L times an FF layer's
    logit. Train CFF gamma (all) with theta_scale = 1/L and compare with theta_scale = 1. Which effect of
    section 6 does this address, and which does it not?

    Answer. Scaling W by sqrt(c) scales g by c, so with c = 1/L the spread of S over pairs at the start shrinks
    L times. (With c = 1, S's spread lies between sqrt(L) and L times an FF logit's, depending on how
    correlated the layers' goodnesses are, so c = 1/L overshoots a little and makes the sigmoid softer than
    FF's; 1/sqrt(L) would match for independent layers.) It also
    shrinks the step: an Adam step moves each weight by about lr whatever its size, and dg = 2 h dh with h
    proportional to sqrt(c), so each g moves sqrt(c) times as far, and S about L sqrt(c) = sqrt(L) times as far
    as an FF logit instead of L times. It does not touch the other two effects: the gradient still weights
    pairs by how wrong the whole network is, and goodness can still slide between layers (only S is pinned).
    The printout measures the spread of the logit at the start and the move of one step, then trains.
    """
    d = mnist()
    L = len(HIDDEN)
    rng = np.random.default_rng([SEED, 4])
    idx = rng.choice(len(d.x_train), BATCH, replace=False)
    xy, sign = make_pairs(d.x_train[idx], d.y_train[idx], rng)
    for name, mode, scale in (("FF", "none", 1.0), ("CFF gamma (all), theta_scale 1", "all", 1.0),
                              (f"CFF gamma (all), theta_scale 1/{L}", "all", 1.0 / L)):
        net = Network([d.x_train.shape[1], *HIDDEN], np.random.default_rng(SEED), theta_scale=scale)
        optimizers = [Adam(net.params(i), lr=LR) for i in range(L)]
        s0 = logits(net, xy, mode)
        ff_update(net, optimizers, xy, sign, list(range(L)), gamma_mode=mode)
        s1 = logits(net, xy, mode)
        print(f"  {name:32s} at the start: spread (std) of the logit {s0.std(axis=0).mean():7.2f}, "
              f"one step moves it by {np.abs(s1 - s0).mean():7.2f}")
    errors = {"FF": run("ff")["test_error"], "theta_scale 1": run("cff", "all")["test_error"],
              f"theta_scale 1/{L}": run("cff", "all", theta_scale=1.0 / L)["test_error"]}
    print("  test errors: " + ", ".join(f"{k} {v:.2f}%" for k, v in errors.items()))
    words, numbers = call(right(run("cff", "all", theta_scale=1.0 / L)), right(run("cff", "all")),
                          f"theta_scale 1/{L}", "theta_scale 1")
    verdict = {f"theta_scale 1/{L} lower": f"theta_scale 1/{L} lowered CFF gamma (all)'s error",
               "theta_scale 1 lower": f"theta_scale 1/{L} raised CFF gamma (all)'s error"}
    print(f"  {verdict.get(words, 'no difference shown between the two theta scales')} ({numbers})")
    return errors


def single_threshold_update(net, optimizers, xy, sign, mode):
    """One Network-schedule update with the paper's formula taken literally: s_i = g_i + gamma_i - theta_i.

    Only layer i's own threshold is subtracted (ffnumpy subtracts Theta_i = the sum of the thresholds of the
    layers involved). Returns the logits s (N, L) before the update.
    """
    hs, caches = net.forward(xy)
    G = np.stack([goodness_forward(h)[0] for h in hs], axis=1)             # (N, L)
    gamma, _ = collaboration_terms(G, net.theta, mode)                      # ignore Theta: one threshold
    for i in range(net.num_layers):
        _, dg = ff_loss(G[:, i], gamma[:, i], net.theta[i], sign)           # dL/dg_i, with s = g + gamma - theta_i
        _, dW, db = ff_layer_backward(goodness_backward(dg, hs[i]), caches[i])
        optimizers[i].step([dW, db])
    return G + gamma - np.array(net.theta)


def exercise_5_single_threshold():
    """One threshold, as the paper writes it. Modify the update so that s_i = g_i + gamma_i - theta_i (only layer
    i's own threshold, not Theta_i), using the library's pieces. Where do the logits of positive and negative
    pairs start? Which pairs have a gradient at the first step? Train it for both gammas and compare the errors
    with ffnumpy's Theta_i.

    Answer. Every g_t starts near theta_t, so s_i starts near the sum of the other layers' thresholds: far above
    0 for every pair (for layer 1 under gamma(<t) nothing changes: gamma_1 = 0). sigma(s) is then 1 to machine
    precision: positive pairs have no gradient at all (sigma(s) - 1 = 0), negative pairs have the largest
    possible one. So the first phase of training only pushes goodness *down*, for every pair, until the sums of
    goodness reach single thresholds; the network starts learning to discriminate only once it gets there, and
    the layers that see a gamma end up far below their own thresholds, some nearly silent. Whether it recovers
    within the budget is what the printout shows; ffnumpy's Theta_i avoids the detour by starting every logit
    near 0. Beware a misleading "win": under gamma(<t) layer 1 is trained exactly as in FF, so if layers 2 and 3
    fall silent the network is in effect layer 1 alone, which can score better than a three-layer CFF network
    on a short budget. The g/theta printout tells the two situations apart.
    """
    d = mnist()
    L, steps = len(HIDDEN), len(d.x_train) // BATCH
    rows = {}
    for name, mode in (("gamma(<t)", "previous"), ("gamma (all)", "all")):
        rng = np.random.default_rng(SEED)                   # the same draws, in the same order, as train()
        net = Network([d.x_train.shape[1], *HIDDEN], rng)
        optimizers = [Adam(net.params(i), lr=LR) for i in range(L)]
        first, schedule = None, Config(epochs=EPOCHS)          # lr_schedule "linear-half", as in run()
        for epoch in range(EPOCHS):
            order = rng.permutation(len(d.x_train))
            for step in range(steps):
                for opt in optimizers:                      # Hinton's schedule, as in train()
                    opt.lr = LR * lr_factor(schedule, (epoch + step / steps) / EPOCHS)
                idx = order[step * BATCH:(step + 1) * BATCH]
                xy, sign = make_pairs(d.x_train[idx], d.y_train[idx], rng)
                s = single_threshold_update(net, optimizers, xy, sign, mode)
                if first is None:
                    first = (s, sign)
        s, sign = first
        pos, neg = s[sign > 0], s[sign < 0]
        teaching = lambda part, sg: 100 * np.mean(sigmoid(-sg * part) > 1e-3, axis=0)
        evaluated = evaluate(net, d.x_test, d.y_test)
        error, ours = evaluated["error"], run("cff", mode)["test_error"]
        words, numbers = call(evaluated["pred"] == d.y_test, right(run("cff", mode)), "one threshold", "Theta_i")
        g_end = net.goodness(overlay_label(d.x_test[:500], d.y_test[:500])).mean(axis=0) / np.array(net.theta)
        rows[name] = (error, ours)
        print(f"  {name:12s} first step: mean s of positives per layer {fmt(pos.mean(axis=0))}, of negatives "
              f"{fmt(neg.mean(axis=0))}; pairs with a gradient: positives {fmt(teaching(pos, 1))}%, "
              f"negatives {fmt(teaching(neg, -1))}%")
        print(f"  {'':12s} after training: g/theta of positive test pairs {fmt(g_end)}; test error {error:.2f}% "
              f"with one threshold, {ours:.2f}% with ffnumpy's Theta_i ({numbers}: {words})")
    return rows


def exercise_6_cifar10():
    """CIFAR-10: why does a fully connected network err on half the images or more?

    Answer. Three reasons; the first two hold for every fully connected network, the third only for FF and CFF.
    1. A fully connected layer has no notion of neighbouring pixels. Shuffle the 3072 values the same way in
       every image and it learns exactly as well (the run below shows it). A cat moved by 4 pixels is, to it, a
       new pattern to learn again. A convolutional layer shares one small filter across positions, so it learns
       a feature once.
    2. The first layer fits 3072 x 500 = 1.5 million weights from 50,000 images, with no prior about images.
       The run prints both errors: at this budget the training error stays close to the test error (a few
       points at most): these networks underfit, so memorising is not what limits them here.
    3. FF and CFF read the label from 10 of the 3072 values. The label is about 0.14% of a pair's squared
       length on CIFAR-10, against about 1.3% on MNIST. The first layer must find a faint label beside a bright,
       highly correlated image, and the overlay overwrites 10 red values of the top row.
    A convolutional network removes 1 and most of 2 (weight sharing, far fewer weights); 3 needs another way to
    give FF its label (the paper's networks keep the overlay)."""
    try:
        cifar = ffnumpy.load_dataset("cifar10", download=False)
    except ffnumpy.DataError as err:
        print(f"  {str(err).splitlines()[0]} (python -m ffnumpy.data --dataset cifar10 fetches it): skipped")
        return
    n_train, n_test = (5_000, 1_000) if FAST else (50_000, 10_000)
    data = Dataset("cifar10", cifar.x_train[:n_train], cifar.y_train[:n_train], cifar.x_test[:n_test],
                   cifar.y_test[:n_test])
    keep = np.r_[np.arange(10), np.random.default_rng(SEED).permutation(3072 - 10) + 10]   # the label stays put
    moved = Dataset("cifar10", data.x_train[:, keep], data.y_train, data.x_test[:, keep], data.y_test)
    shares = [label_share(d.x_train[:1000], d.y_train[:1000]) for d in (mnist(), data)]
    print(f"  the label's share of a pair's squared length: MNIST {shares[0]:.2f}%, CIFAR-10 {shares[1]:.2f}%")
    sizes = dict(hidden=HIDDEN, epochs=EPOCHS, batch_size=BATCH, validation=False, seed=SEED)
    runs = live_runs(("FF", "CFF gamma(<t)", "BP label"), data, REPRO, **sizes)
    runs["BP label, pixels shuffled"] = live_runs(("BP label",), moved, REPRO, **sizes)["BP label"]
    for name, (r, _) in runs.items():
        print(f"  {name:26s} test {r['test_error']:5.2f}%, training {r['history'][-1]['train_error']:5.2f}%")


def main():
    start = time.perf_counter()
    for exercise in (exercise_1_learning_rate, exercise_2_alternating, exercise_3_depth_4,
                     exercise_4_theta_scale, exercise_5_single_threshold, exercise_6_cifar10):
        print(exercise.__name__)
        exercise()
    print(f"done in {time.perf_counter() - start:.0f} s ({'FAST' if FAST else 'full'} mode)")


if __name__ == "__main__":
    main()
