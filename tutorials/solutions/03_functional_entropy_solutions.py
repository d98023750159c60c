"""Worked solutions to the exercises of tutorials/03_functional_entropy.ipynb.

    python tutorials/solutions/03_functional_entropy_solutions.py                   # full: all of MNIST
    FFNUMPY_FAST=1 python tutorials/solutions/03_functional_entropy_solutions.py    # quick, under a minute

Each exercise is one function whose docstring restates it; main() runs them all.
"""
import functools
import os
import time

import numpy as np

import ffnumpy
from ffnumpy.data import Dataset
from ffnumpy.entropy import decompose, entropy
from ffnumpy.evaluate import evaluate
from ffnumpy.layers import ff_layer_backward
from ffnumpy.losses import entropy_objective, goodness_backward, goodness_forward
from ffnumpy.negatives import hard_wrong_labels, random_wrong_labels
from ffnumpy.network import Network, overlay_label
from ffnumpy.optim import Adam
from ffnumpy.studies.stats import mcnemar
from ffnumpy.train import Config, entropy_probe, train

SEED = 0
FAST = os.environ.get("FFNUMPY_FAST") == "1"   # the tests set FFNUMPY_FAST=1: a smaller problem, same code

N_TRAIN = 4_000 if FAST else 60_000
N_TEST = 1_000 if FAST else 10_000
HIDDEN = (100, 100, 100) if FAST else (500, 500, 500)
EPOCHS = 2 if FAST else 6
LR = 2e-3


@functools.lru_cache(maxsize=None)
def mnist():
    """MNIST as a Dataset without a validation split (training subset in FAST mode)."""
    d = ffnumpy.load_mnist()
    return Dataset("mnist", d.x_train[:N_TRAIN], d.y_train[:N_TRAIN], d.x_test[:N_TEST], d.y_test[:N_TEST])


@functools.lru_cache(maxsize=None)
def probe():
    """The fixed probe pairs of Config(track_entropy=True): images, labels, random wrong labels."""
    return entropy_probe(Config(seed=SEED), mnist())


@functools.lru_cache(maxsize=None)
def trained(method, gamma="all"):
    """Train once (cached): returns (result, net, layer_means), layer_means[e] = per-layer mean
    goodness of the positive probe pairs after epoch e + 1."""
    x, y, _ = probe()
    layer_means = []
    cfg = Config(method=method, gamma=gamma, hidden=HIDDEN, epochs=EPOCHS, lr=LR, track_entropy=True, seed=SEED)
    result, model = train(cfg, data=mnist(), progress=False,
                          on_epoch=lambda m, r: layer_means.append(m.net.goodness(overlay_label(x, y)).mean(0)))
    return result, model.net, np.array(layer_means, dtype=np.float64)


def summary(G):
    """Mean goodness, Ent and Ent per unit goodness of a goodness matrix (N, L)."""
    G = np.asarray(G, dtype=np.float64)
    return G.mean(), entropy(G), entropy(G) / G.mean()


def exercise_1_hard_negatives():
    """Hard negatives. The probe's negative pairs carry a random wrong label. For a trained FF network,
    build negative pairs with hard wrong labels instead (hard_wrong_labels, scores = goodness summed
    over layers from net.goodness_per_label). Compare the mean goodness, the entropy and the entropy
    per unit goodness of positive, random-negative and hard-negative pairs. Which negatives look more
    like positives, and does the answer to claim (c) depend on which negatives you measure?

    Solution: goodness_per_label gives g_i(x, y) for all ten labels at once, so each kind of pair is
    one fancy index into it. Hard wrong labels are the ones the network itself finds plausible, so
    their goodness is closer to the positives' than a random wrong label's.
    """
    _, net, _ = trained("ff")
    x, y, y_random = probe()
    G_all = net.goodness_per_label(x)                             # (N, 10, L)
    y_hard = hard_wrong_labels(G_all.sum(axis=2), y, np.random.default_rng([SEED, 3]))
    rows = np.arange(len(y))
    kinds = {"positive": G_all[rows, y], "random negative": G_all[rows, y_random],
             "hard negative": G_all[rows, y_hard]}
    print(f"  {'pairs':16s} {'E[phi]':>9s} {'Ent':>9s} {'Ent/E[phi]':>10s}")
    stats = {}
    for name, G in kinds.items():
        stats[name] = summary(G)
        print(f"  {name:16s} {stats[name][0]:9.2f} {stats[name][1]:9.4f} {stats[name][2]:10.6f}")
    closer = min(("random negative", "hard negative"),
                 key=lambda k: abs(stats[k][0] - stats["positive"][0]))
    print(f"  the {closer}s have the mean goodness closer to the positives'")
    for k in ("random negative", "hard negative"):
        print(f"  claim (c) against {k}s: positive Ent is "
              f"{'higher' if stats['positive'][1] > stats[k][1] else 'lower'} (raw), "
              f"{'higher' if stats['positive'][2] > stats[k][2] else 'lower'} (per unit goodness)")


def train_entropy_objective(eps_per_unit, data, seed=SEED):
    """FF with the entropy objective and a floor eps = eps_per_unit * width, in a loop of our own
    (ff_update fixes eps = 0.5 * width). Network schedule, Adam, constant learning rate."""
    rng = np.random.default_rng(seed)
    net = Network([data.x_train.shape[1], *HIDDEN], rng)
    optimizers = [Adam(net.params(i), lr=LR) for i in range(net.num_layers)]
    B = 100
    sign = np.r_[np.ones(B), -np.ones(B)].astype(np.float32)
    for _ in range(EPOCHS):
        order = rng.permutation(len(data.x_train))
        for start in range(0, len(order) - B + 1, B):
            idx = order[start:start + B]
            x, y = data.x_train[idx], data.y_train[idx]
            xy = np.concatenate([overlay_label(x, y), overlay_label(x, random_wrong_labels(y, rng))])
            hs, caches = net.forward(xy)
            for i, h in enumerate(hs):
                g, cache = goodness_forward(h)
                _, dg = entropy_objective(g.astype(np.float64), 0.0, sign, eps=eps_per_unit * h.shape[1])
                _, dW, db = ff_layer_backward(goodness_backward(dg.astype(np.float32), cache), caches[i])
                optimizers[i].step([dW, db])
    return net


def exercise_2_floor_eps():
    """The floor eps. (a) For the probe pairs of an untrained network, compute the entropy objective's
    gradient dL/dg on the positive pairs for eps in {1e-6, 1, 0.5 width, 10 width} and compare the
    largest gradient with the median one. (b) ff_update fixes eps = 0.5 width; write a short training
    loop of your own and train FF with two different values of eps. Which network is better (McNemar's
    test)? What would you need before saying that one eps trains better, and why?

    Solution: dL/da = -(1 - q)/a with a = g(pos) + eps. At initialisation every layer's goodness is
    near theta = width, far from 0, so the floor hardly changes the gradients there: its effect shows
    during training, once some pairs leave a layer nearly silent. Then with eps ~ 0 those few pairs
    get gradients orders of magnitude larger than the rest; a floor comparable to the typical
    goodness caps them (and also damps the whole gradient, like a lower learning rate).
    """
    x, y, y_wrong = probe()
    width = HIDDEN[0]
    epsilons = {"1e-6": 1e-6, "1": 1.0, "0.5 width": 0.5 * width, "10 width": 10.0 * width}
    sign = np.r_[np.ones(len(x)), -np.ones(len(x))]
    nets = {"untrained": Network([784, *HIDDEN], np.random.default_rng(SEED)),
            "trained, eps = 1e-6": train_entropy_objective(1e-6 / width, mnist()),
            "trained, eps = 0.5 width": train_entropy_objective(0.5, mnist())}
    print("  (a) layer 1, positive pairs: max |dL/dg| / median |dL/dg|")
    for net_name, net in nets.items():
        g = np.r_[net.goodness(overlay_label(x, y))[:, 0], net.goodness(overlay_label(x, y_wrong))[:, 0]]
        g = g.astype(np.float64)
        ratios = []
        for eps in epsilons.values():
            dg = np.abs(entropy_objective(g, 0.0, sign, eps)[1][:len(x)])
            ratios.append(dg.max() / np.median(dg))
        print(f"      {net_name:26s} " + "  ".join(f"eps={k}: {r:8.1f}" for k, r in zip(epsilons, ratios))
              + f"   (smallest positive g: {g[:len(x)].min():.3g})")
    print("  (b) test error of FF trained with the entropy objective")
    y_test = mnist().y_test
    right = {}
    for net_name in list(nets)[1:]:
        out = evaluate(nets[net_name], mnist().x_test, y_test)
        right[net_name] = out["pred"] == y_test
        print(f"      {net_name:26s} {out['error']:6.2f}%")
    (name_a, right_a), (name_b, right_b) = right.items()
    m = mcnemar(right_a, right_b)          # only the test images on which the two networks disagree count
    call = "no difference shown" if m["p"] >= 0.05 else f"the network with {name_a if m['b'] > m['c'] else name_b} is lower (these two networks; seeds decide for eps)"
    print(f"      McNemar: {m['b']} images right only with '{name_a}', {m['c']} only with '{name_b}', "
          f"p = {m['p']:.2g}: {call}" + ("  (FAST mode: means little)" if FAST else ""))


def exercise_3_entropy_per_layer():
    """Entropy per layer. The records of section 5 hold each layer's own entropy
    (record["entropy"]["positive"]["per_layer"]). Look at it per epoch for FF and CFF gamma, divide it
    by the layer's mean goodness to get a scale-free version, and compare with each layer's test error
    alone. Does the layer whose goodness is most concentrated classify best?

    Solution: trained() records the per-layer mean goodness of the same probe pairs with an on_epoch
    callback, so Ent_i / m_i = KL(q_i || uniform) is available per epoch.
    """
    for method, label in (("ff", "FF"), ("cff", "CFF gamma")):
        result, _, layer_means = trained(method)
        per_layer = np.array([r["entropy"]["positive"]["per_layer"] for r in result["history"]])
        per_unit = per_layer / layer_means
        errors = result["per_layer_test_error"]
        print(f"  {label}: per-layer Ent/E[phi] by epoch (rows) and layer (columns)")
        for e, row in enumerate(per_unit):
            print(f"      epoch {e + 1}: " + "  ".join(f"{v:.5f}" for v in row))
        print("      test error alone: " + "  ".join(f"{v:.2f}%" for v in errors))
        most = int(np.argmax(per_unit[-1]))
        best = int(np.argmin(errors))
        print(f"      most concentrated layer {most + 1}, best layer alone {best + 1}: "
              + ("the same" if most == best else "different"))


def exercise_4_decomposition_cff_previous():
    """The decomposition for CFF gamma(<t). Train CFF with gamma="previous" on the same budget and
    compare its final across and within terms with FF and CFF gamma. Then decompose the cumulative
    goodness phi(x, y, i) = sum_{t <= i} g_t(x, y), the quantity layer i's logit sees under gamma(<t).
    Is the split still exact? Which term changes most, and why?

    Solution: the split holds for any non-negative matrix, so it stays exact. Cumulative sums grow
    with i (the mean of column i is roughly i times a layer's mean), so the layers' means differ
    by construction: the across term grows, while each column's relative spread over pairs is
    averaged by the summation and the within term does not grow in proportion.
    """
    x, y, _ = probe()
    for method, gamma, label in (("ff", "all", "FF"), ("cff", "all", "CFF gamma"), ("cff", "previous", "CFF gamma(<t)")):
        result, net, _ = trained(method, gamma)
        G = net.goodness(overlay_label(x, y)).astype(np.float64)
        for name, H in (("g_i", G), ("sum_{t<=i} g_t", np.cumsum(G, axis=1))):
            d = decompose(H)
            gap = abs(d["total"] - d["across"] - d["within"])
            print(f"  {label:14s} phi = {name:15s} total {d['total']:9.3f}  across {d['across']:9.3f}  "
                  f"within {d['within']:8.3f}  |total - across - within| {gap:.0e}")
        print(f"  {label:14s} test error {result['test_error']:.2f}%")


def exercise_5_bounds():
    """Bounds. Prove 0 <= Ent(phi) <= E[phi] log n for uniform mu on n points and find all phi that reach
    each bound. Then use the scaling rule to give Ent(phi) for phi ~ Exp(rate lambda) and check it by
    simulation.

    Solution: Ent = E[phi] KL(q || mu) with q = phi / sum(phi). KL >= 0 (Gibbs), with equality iff q = mu,
    i.e. phi constant (including phi = 0). KL(q || uniform) = log n - H(q) <= log n since H(q) >= 0, with
    equality iff H(q) = 0, i.e. q a point mass: phi = 0 except at one point. If X ~ Exp(1) then
    X / lambda ~ Exp(lambda), so Ent(phi) = Ent(X) / lambda = (1 - gamma_E) / lambda.
    """
    rng = np.random.default_rng(SEED)
    ok = True
    for _ in range(1000):
        n = int(rng.integers(2, 30))
        phi = rng.exponential(1.0, n) * (rng.random(n) < 0.7)
        ok &= -1e-12 <= entropy(phi) <= phi.mean() * np.log(n) + 1e-12
    n = 10
    print(f"  0 <= Ent <= E[phi] log n on 1000 random phi: {'held' if ok else 'FAILED'}; "
          f"constant phi: {entropy(np.full(n, 2.0)):.1e}, point mass: {entropy(np.eye(n)[0]):.6f} = log {n} / {n} = "
          f"{np.log(n) / n:.6f}")
    draws = 10**5 if FAST else 10**6
    for lam in (0.5, 2.0, 10.0):
        sim = entropy(rng.exponential(1 / lam, draws))
        print(f"  Exp(rate {lam:4}): simulated {sim:.4f}, (1 - gamma_E)/lambda = {(1 - np.euler_gamma) / lam:.4f}")


def main():
    start = time.perf_counter()
    for exercise in (exercise_1_hard_negatives, exercise_2_floor_eps, exercise_3_entropy_per_layer,
                     exercise_4_decomposition_cff_previous, exercise_5_bounds):
        print(f"{exercise.__name__}:")
        exercise()
    print(f"done in {time.perf_counter() - start:.0f} s ({'FAST' if FAST else 'full'} mode)")


if __name__ == "__main__":
    main()
