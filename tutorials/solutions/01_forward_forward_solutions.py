"""Worked solutions to the exercises of tutorials/01_forward_forward.ipynb.

    python tutorials/solutions/01_forward_forward_solutions.py
    FFNUMPY_FAST=1 python tutorials/solutions/01_forward_forward_solutions.py   # under a minute

Each exercise is one function; main() runs them all and prints short results.
The one-layer exercises use a small training loop of their own, the same as
section 5 of the notebook, with the normalisation, theta, initial scale and
negatives as parameters.

Every comparison of two models is decided by McNemar's exact test on their
per-image correctness over the same test images (ffnumpy.studies.stats.mcnemar): a
verdict says which model has the lower error only when p < 0.05, and "no
difference shown" otherwise. A difference of a tenth of a point is a handful
of test images, well within chance. Each model here is one trained network
(one seed), so a verdict is about those two networks, not about the settings
that made them: a claim about a setting needs several seeds (notebook 05, section 3).
"""
import os
import time
from functools import lru_cache

import numpy as np

import ffnumpy
from ffnumpy.data import Dataset
from ffnumpy.losses import sigmoid, softplus
from ffnumpy.negatives import random_wrong_labels
from ffnumpy.network import overlay_label, predict_from_goodness
from ffnumpy.optim import Adam
from ffnumpy.studies.stats import mcnemar
from ffnumpy.train import Config, train

SEED = 0
FAST = os.environ.get("FFNUMPY_FAST") == "1"   # the tests set FFNUMPY_FAST=1: a smaller problem, same code
N_TRAIN = 20_000 if FAST else 60_000
N_TEST = 2_000 if FAST else 10_000
WIDTH, EPOCHS = (200, 2) if FAST else (500, 2)                               # one-layer exercises
NET_HIDDEN, NET_EPOCHS = ((200, 200, 200), 1) if FAST else ((500, 500, 500), 2)  # epochs per layer
NET_TRAIN = 10_000 if FAST else 60_000           # hard negatives cost 10 extra forward passes a step
EPS = 1e-8


@lru_cache(maxsize=None)
def mnist():
    """The training and test subsets: x_train, y_train, x_test, y_test."""
    d = ffnumpy.load_mnist()
    return d.x_train[:N_TRAIN], d.y_train[:N_TRAIN], d.x_test[:N_TEST], d.y_test[:N_TEST]


# ---------------------------------------------------------------- one FF layer, as in the notebook

def layer_forward(x, W, b, normalize="rms"):
    """h = relu(xn W + b), xn = x / RMS(x) ("rms") or x / ||x|| ("length").   x : (N, D) -> h : (N, M)"""
    squares = np.sum(x * x, axis=1, keepdims=True)
    if normalize == "rms":
        squares = squares / x.shape[1]                      # mean(x^2) instead of ||x||^2
    xn = x / np.sqrt(squares + EPS)
    z = xn @ W + b
    return np.maximum(z, 0), (xn, z)


def goodness(h):
    """g = ||h||^2 per row.   h : (N, M) -> (N,)"""
    return np.sum(h * h, axis=1)


def loss_and_grads(x, W, b, theta, t, normalize="rms"):
    """Mean logistic FF loss on pairs x : (N, D), targets t (1 positive, 0 negative); dW, db."""
    h, (xn, z) = layer_forward(x, W, b, normalize)
    s = goodness(h) - theta
    loss = np.mean(np.where(t == 1, softplus(-s), softplus(s)))
    dz = ((sigmoid(s) - t) / len(s))[:, None] * 2 * h * (z > 0)   # dL/ds -> dL/dg -> dL/dh -> dL/dz
    return loss, xn.T @ dz, dz.sum(axis=0)


def train_one_layer(width=WIDTH, epochs=EPOCHS, theta=None, normalize="rms", init_scale=1.0,
                    negatives="random", lr=2e-3, batch_size=100, seed=SEED):
    """Train one FF layer on MNIST with Adam; returns (W, b, theta, (g_pos, g_neg)).

    theta      : threshold (default: the width)
    init_scale : the He-initialised W is multiplied by this
    negatives  : "random" (a uniformly drawn wrong label) or "shuffled" (the batch's labels permuted)
    g_pos, g_neg : (1000,) goodness of the untrained layer on 1000 positive and negative pairs
    """
    x_train, y_train, _, _ = mnist()
    rng = np.random.default_rng(seed)
    D = x_train.shape[1]
    W = (rng.standard_normal((D, width)) * np.sqrt(2 / D) * init_scale).astype(np.float32)
    b = np.zeros(width, np.float32)
    theta = float(width) if theta is None else float(theta)
    x0, y0 = x_train[:1000], y_train[:1000]
    g_start = tuple(goodness(layer_forward(overlay_label(x0, labels), W, b, normalize)[0])
                    for labels in (y0, random_wrong_labels(y0, np.random.default_rng([seed, 1]))))
    optimizer = Adam([W, b], lr=lr)
    t = np.concatenate([np.ones(batch_size), np.zeros(batch_size)]).astype(np.float32)
    steps = len(x_train) // batch_size
    for _ in range(epochs):
        order = rng.permutation(len(x_train))
        for k in range(steps):
            idx = order[k * batch_size:(k + 1) * batch_size]
            x, y = x_train[idx], y_train[idx]
            y_neg = random_wrong_labels(y, rng) if negatives == "random" else rng.permutation(y)
            pairs = np.concatenate([overlay_label(x, y), overlay_label(x, y_neg)])
            _, dW, db = loss_and_grads(pairs, W, b, theta, t, normalize)
            optimizer.step([dW, db])
    return W, b, theta, g_start


def one_layer_right(W, b, normalize="rms"):
    """(N_test,) bool: is each test image classified right by one layer (the label with the largest goodness)?"""
    _, _, x_test, y_test = mnist()
    G = np.stack([goodness(layer_forward(overlay_label(x_test, np.full(len(x_test), y)), W, b, normalize)[0])
                  for y in range(10)], axis=1)
    return G.argmax(axis=1) == y_test


def error(right):
    """Test error (%) from per-image correctness."""
    return float(100 * (1 - np.mean(right)))


def compare(name_a, right_a, name_b, right_b, alpha=0.05):
    """McNemar's exact test on two models' per-image correctness (same test images); returns a sentence.

    right_a, right_b : (N,) bool. Only the images that exactly one model gets right count: b (only A right)
    and c (only B right). With no real difference each is a fair coin flip; p is the chance of a split at
    least this lopsided.
    """
    m = mcnemar(right_a, right_b)
    if m["p"] >= alpha:
        call = "no difference shown"
    else:
        call = f"{name_a if m['b'] > m['c'] else name_b} has the lower error (these networks, one seed each)"
    p_text = "< 1e-300" if m["p"] == 0 else f"= {m['p']:.3g}"     # an exact 0 is an underflow
    return (f"{name_a} ({error(right_a):.2f}%) vs {name_b} ({error(right_b):.2f}%): {call} "
            f"(McNemar p {p_text}; right only with {name_a}: {m['b']}, only with {name_b}: {m['c']})")


@lru_cache(maxsize=None)
def three_layer_net(negatives="random"):
    """The network of section 6 (Layer schedule), trained once per kind of negatives: (result, model)."""
    x_train, y_train, x_test, y_test = mnist()
    x_train, y_train = x_train[:NET_TRAIN], y_train[:NET_TRAIN]
    cfg = Config(method="ff", schedule="layer", hidden=NET_HIDDEN, epochs=NET_EPOCHS, lr=2e-3,
                 batch_size=100, negatives=negatives, validation=False, seed=SEED)
    return train(cfg, data=Dataset("mnist", x_train, y_train, x_test, y_test), progress=False)


# ---------------------------------------------------------------- the exercises

def exercise_1_hard_negatives():
    """Hard negatives. Hinton's code draws the wrong label from the network's own beliefs (a softmax over
    labels of the summed goodness, the true label excluded), so negatives are the labels the network
    currently confuses with the truth. Train the three-layer network of section 6 with
    Config(negatives="hard") at the same budget and compare the test error, the per-layer errors and the
    time per epoch. Why can hard negatives help, and what do they cost per step?

    Answer. Random wrong labels are mostly easy: a "1" shown as "8" is rejected early on, and its gradient
    (sigmoid(s) for a negative) soon vanishes, so most negatives stop teaching. Hard negatives keep the
    gradient on the confusable labels, the ones that decide the argmax. The cost: to choose them the network
    must score all 10 labels of every image, i.e. 10 extra forward passes per step. (Note: under the Layer
    schedule, ffnumpy's make_pairs (ffnumpy/train.py) draws them from the summed goodness of the layers
    trained so far, the one in training included: depth = that layer + 1. The layers above it, still
    untrained, take no part.)
    """
    _, _, x_test, y_test = mnist()
    rows, right = [], {}
    for negatives in ("random", "hard"):
        result, model = three_layer_net(negatives)
        right[negatives] = predict_from_goodness(model.net.goodness_per_label(x_test)) == y_test
        seconds = np.mean([r["train_seconds"] for r in result["history"]])
        rows.append((negatives, result["test_error"], result["per_layer_test_error"], seconds))
        print(f"  {negatives:6s} negatives: test error {result['test_error']:.2f}%, layers alone "
              f"{', '.join(f'{e:.2f}' for e in result['per_layer_test_error'])}%, {seconds:.1f} s per epoch")
    (_, _, _, random_s), (_, _, _, hard_s) = rows
    print("  " + compare("hard negatives", right["hard"], "random negatives", right["random"]))
    print(f"  hard negatives cost {hard_s / random_s:.1f}x the time per epoch")
    return rows


def exercise_2_theta():
    """Choosing theta. In the one-layer loop of section 5, keep everything else fixed and train with
    theta = M/4, M and 4M. Where does g start relative to theta in each case, which pairs have a gradient
    at the start (what is dL/ds there), and how do the test errors differ?

    Answer. With He initialisation g starts near M, for positive and negative pairs alike. For theta = M/4
    every pair starts far above theta (s large and positive): positives have N dL/ds = sigmoid(s) - 1 ~ 0
    and teach nothing, negatives have N dL/ds ~ 1, so all the early learning is "push g down" until g
    reaches theta. For theta = 4M it is the reverse: only the positives teach, and g must first grow.
    theta = M starts where the two histograms straddle the threshold, so both kinds of pair have a
    gradient from the first step. The initial scale and theta go together: what matters is where g starts
    relative to theta (this is why ffnumpy's theta_scale also scales the initial weights). The printout
    shows the share of pairs whose gradient is not negligible (N |dL/ds| > 0.1) at the start.
    """
    rows, right = [], {}
    for factor in (0.25, 1.0, 4.0):
        W, b, theta, (g_pos, g_neg) = train_one_layer(theta=factor * WIDTH)
        pos_active = 100 * np.mean(1 - sigmoid(g_pos - theta) > 0.1)     # N |dL/ds| on positives
        neg_active = 100 * np.mean(sigmoid(g_neg - theta) > 0.1)         # N |dL/ds| on negatives
        right[factor] = one_layer_right(W, b)
        rows.append((factor, float(np.mean(g_pos) / theta), error(right[factor])))
        print(f"  theta = {factor:4.2f} M: g starts at {np.mean(g_pos) / theta:4.2f} theta; pairs with a "
              f"gradient at the start: {pos_active:3.0f}% of positives, {neg_active:3.0f}% of negatives; "
              f"test error {error(right[factor]):.2f}%")
    best = min(rows, key=lambda r: r[2])[0]
    for factor, _, _ in rows:
        if factor != best:
            print("  " + compare(f"theta = {best} M", right[best], f"theta = {factor} M", right[factor]))
    return rows


def exercise_3_unit_length():
    """Unit length instead of unit RMS. Replace xn = x / RMS(x) by xn = x / ||x|| in layer_forward. With the
    same initialisation, where does g start relative to theta = M? Train the single layer and compare its
    error with the RMS version; then repair the unit-length version in two ways (scale theta down, or scale
    the initial W up) and compare again.

    Answer. ||x|| = sqrt(D) RMS(x), so the unit-length xn is sqrt(D) = 28 times smaller, z is 28 times
    smaller and g starts about D = 784 times below its RMS value: every pair, positive or negative, looks
    negative. Repair 1: theta = M / D puts the threshold where g starts. Repair 2: W multiplied by sqrt(D)
    gives exactly the RMS layer's initial z. Neither is the same as RMS in training, though. Repair 2:
    Adam moves each weight by about lr per step whatever its scale, so weights 28 times larger learn as
    if the learning rate were 28 times smaller. Repair 1: g and theta are D times smaller, so the logit
    s = g - theta varies D times less from pair to pair: the sigmoid is much softer, a different loss
    (with theta = M, s spans tens of units and most pairs sit in the flat tails). Unit RMS keeps xn's
    entries near 1 for every width, so one initialisation, one theta rule and one learning rate suit
    every layer.
    """
    D = 784
    variants = [("unit RMS (the notebook)", dict(normalize="rms")),
                ("unit length, same init and theta", dict(normalize="length")),
                ("unit length, theta = M / D", dict(normalize="length", theta=WIDTH / D)),
                ("unit length, W x sqrt(D)", dict(normalize="length", init_scale=np.sqrt(D)))]
    rows, right = [], {}
    for name, kwargs in variants:
        W, b, theta, (g_pos, _) = train_one_layer(**kwargs)
        right[name] = one_layer_right(W, b, kwargs["normalize"])
        rows.append((name, float(np.mean(g_pos) / theta), error(right[name])))
        print(f"  {name:34s}: g starts at {np.mean(g_pos) / theta:7.4f} theta; test error {error(right[name]):.2f}%")
    rms = variants[0][0]
    for name, _ in variants[1:]:
        print("  " + compare(name, right[name], rms, right[rms]))
    return rows


def exercise_4_skip_first():
    """Voting without the first layer. Hinton predicts from the goodness of every layer except the first.
    With G from section 6, compute the error of layers 2..L (predict_from_goodness(G, range(1, L))) and
    compare it with all layers. When would leaving layer 1 out help?

    Answer. Layer 1 sees the label pixels directly, so it can learn shallow image-label associations that
    generalise less well; the later layers see the label only through layer 1's features. Leaving layer 1
    out helps when it is the worst voter; when it is the best single layer, leaving it out hurts.
    """
    _, model = three_layer_net("random")
    _, _, x_test, y_test = mnist()
    G = model.net.goodness_per_label(x_test)
    L = G.shape[2]
    right = {name: predict_from_goodness(G, layers) == y_test
             for name, layers in (("all layers", range(L)), ("layers 2..L", range(1, L)),
                                  ("layer 1 alone", [0]))}
    errors = {name: error(r) for name, r in right.items()}
    for name, e in errors.items():
        print(f"  {name:13s}: test error {e:.2f}%")
    print("  " + compare("layers 2..L", right["layers 2..L"], "all layers", right["all layers"]))
    return errors


def exercise_5_shuffled_negatives():
    """Shuffled labels as negatives. Replace random_wrong_labels(y, rng) by rng.permutation(y), as much
    popular FF code does. What fraction of these "negatives" carry the true label? Train the single layer
    both ways and compare the test errors.

    Answer. A shuffled label equals the true one with probability sum_c p_c^2, about 0.1 for ten balanced
    classes: one "negative" in ten is a positive pair that the layer is trained to reject. That is label
    noise on exactly the pairs that matter, and it pulls the goodness of correct pairs down. Expect it to
    cost some accuracy; in a short FAST run the difference can be smaller than the run-to-run noise.
    """
    _, y_train, _, _ = mnist()
    rng = np.random.default_rng(SEED)
    same = np.mean([np.mean(rng.permutation(y) == y) for y in np.array_split(y_train, len(y_train) // 100)])
    print(f"  shuffled labels equal the true label for {100 * same:.1f}% of the pairs")
    errors, right = {}, {}
    for negatives in ("random", "shuffled"):
        W, b, _, _ = train_one_layer(negatives=negatives)
        right[negatives] = one_layer_right(W, b)
        errors[negatives] = error(right[negatives])
        print(f"  {negatives:8s} negatives: test error {errors[negatives]:.2f}%")
    print("  " + compare("shuffled negatives", right["shuffled"], "random wrong labels", right["random"]))
    return same, errors


def main():
    start = time.perf_counter()
    for exercise in (exercise_1_hard_negatives, exercise_2_theta, exercise_3_unit_length,
                     exercise_4_skip_first, exercise_5_shuffled_negatives):
        print(exercise.__name__)
        exercise()
    print(f"done in {time.perf_counter() - start:.0f} s ({'FAST' if FAST else 'full'} mode)")


if __name__ == "__main__":
    main()
