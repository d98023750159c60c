"""Functional entropy: closed forms, the KL form, the exact split across and
within layers, and the entropy objective's gradient."""
import numpy as np
import pytest

from ffnumpy.entropy import (concentration_grad, decompose, entropy, entropy_kl_form, entropy_objective_batch,
                             entropy_objective_labels, goodness_entropies, goodness_penalty)
from ffnumpy.gradcheck import assert_gradient
from ffnumpy.losses import entropy_objective
from ffnumpy.network import Network
from ffnumpy.train import Config, train

EULER_GAMMA = 0.5772156649015329


@pytest.mark.parametrize("k,n,a", [(1, 4, 2.0), (3, 10, 0.5), (5, 5, 7.0)])
def test_two_point_closed_form(k, n, a):
    """h = a on a fraction p = k/n of the points, 0 elsewhere: Ent = p a log(1/p)."""
    h = np.zeros(n)
    h[:k] = a
    p = k / n
    assert entropy(h) == pytest.approx(p * a * np.log(1 / p), abs=1e-12)


def test_exponential_closed_form():
    """h ~ Exp(1): E[h log h] = 1 - Euler's gamma and E[h] = 1, so Ent = 1 - gamma."""
    h = np.random.default_rng(0).exponential(1.0, 2_000_000)
    assert entropy(h) == pytest.approx(1 - EULER_GAMMA, abs=3e-3)


def test_constant_scaling_zeros_and_kl_form():
    rng = np.random.default_rng(1)
    h = rng.exponential(2.0, 1000)
    h[::7] = 0.0
    assert entropy(np.full(50, 3.3)) == pytest.approx(0.0, abs=1e-12)
    assert entropy(5 * h) == pytest.approx(5 * entropy(h))
    assert entropy(h) == pytest.approx(entropy_kl_form(h))
    assert entropy(h) > 0 and np.isfinite(entropy(h))
    with pytest.raises(ValueError):
        entropy(np.array([1.0, -1.0]))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_decomposition_is_exact(seed):
    rng = np.random.default_rng(seed)
    G = rng.exponential(1.0, (200, 4)) * rng.uniform(0.1, 10, 4)   # layers on different scales
    G[rng.random(G.shape) < 0.1] = 0.0
    parts = decompose(G)
    assert parts["total"] == pytest.approx(parts["across"] + parts["within"], rel=1e-12)
    assert parts["across"] > 0 and parts["within"] > 0
    assert parts["within"] == pytest.approx(np.mean(parts["per_layer"]))


def test_decomposition_of_layers_with_equal_means_has_no_across_term():
    G = np.array([[1.0, 2.0], [3.0, 2.0]])
    parts = decompose(G)
    assert parts["across"] == pytest.approx(0.0, abs=1e-12)
    assert parts["total"] == pytest.approx(parts["within"])


def test_goodness_entropies_on_a_network():
    net = Network([30, 8, 6], np.random.default_rng(0))
    x = np.random.default_rng(1).random((40, 30)).astype(np.float32)
    y = np.arange(40) % 10
    out = goodness_entropies(net, x, y, (y + 1) % 10)
    for kind in ("positive", "negative"):
        assert out[kind]["total"] == pytest.approx(out[kind]["across"] + out[kind]["within"], rel=1e-9)
        assert len(out[kind]["per_layer"]) == 2


@pytest.mark.parametrize("with_gamma", [False, True])
def test_entropy_objective_gradient(with_gamma):
    rng = np.random.default_rng(3)
    g = rng.uniform(0.1, 5, 12)
    sign = np.r_[np.ones(6), -np.ones(6)]
    gamma = rng.uniform(0, 3, 12) if with_gamma else 0.0
    loss, dg = entropy_objective(g, gamma, sign, eps=0.5)
    assert_gradient(lambda v: entropy_objective(v, gamma, sign, eps=0.5)[0], g, dg)
    assert loss > 0
    # lower when the positive pair holds more of the goodness
    better = g.copy()
    better[:6] *= 3
    assert entropy_objective(better, gamma, sign, eps=0.5)[0] < loss
    with pytest.raises(ValueError):
        entropy_objective(g, gamma, -sign, eps=0.5)


def test_training_with_the_entropy_objective_learns_and_records_entropy(small):
    cfg = Config(method="ff", objective="entropy", hidden=(64, 64), epochs=3, batch_size=50, lr=3e-3,
                 lr_schedule="constant", track_entropy=True)
    result, _ = train(cfg, data=small, progress=False)
    history = result["history"]
    assert history[-1]["loss"] < history[0]["loss"]
    assert result["test_error"] < 25.0
    ent = history[-1]["entropy"]
    assert ent["positive"]["total"] == pytest.approx(ent["positive"]["across"] + ent["positive"]["within"])
    activity = history[-1]["activity"]                 # per layer: mean goodness and silent share
    assert len(activity["goodness"]) == len(activity["silent"]) == 2
    assert all(g > 0 for g in activity["goodness"]) and all(0 <= s < 1 for s in activity["silent"])


def test_layer_activity_counts_a_unit_silent_only_when_it_is_off_for_every_pair():
    from ffnumpy.evaluate import layer_activity
    from ffnumpy.network import Network
    net = Network([4, 3], np.random.default_rng(0), dtype=np.float64)
    net.W[0][:] = np.array([[1.0, -1.0, 0.0]] * 4)      # unit 2 is off for positive inputs, unit 3 always
    net.b[0][:] = np.array([0.0, 0.0, -1.0])
    xy = np.array([[1.0, 1.0, 1.0, 1.0], [2.0, 0.0, 0.0, 0.0]])
    activity = layer_activity(net, xy)
    assert activity["silent"] == [pytest.approx(2 / 3)]
    xn = xy / np.sqrt(np.mean(xy ** 2, axis=1, keepdims=True) + 1e-8)    # each input scaled to unit RMS
    assert activity["goodness"] == [pytest.approx(np.mean(xn.sum(axis=1) ** 2))]
    xy[1, 0] = -2.0                                       # now unit 2 is on for that pair
    assert layer_activity(net, xy)["silent"] == [pytest.approx(1 / 3)]


def test_concentration_is_the_scale_free_kl():
    from ffnumpy.entropy import decompose, entropy_kl_form
    G = np.random.default_rng(0).random((50, 3)) ** 3
    d, d10 = decompose(G), decompose(10 * G)
    assert d10["total"] == pytest.approx(10 * d["total"])          # Ent(c h) = c Ent(h)
    assert d10["concentration"] == pytest.approx(d["concentration"])  # KL(q || mu) does not move
    assert d["concentration"] == pytest.approx(entropy_kl_form(G) / G.mean())


def labels_layout(y):
    """sign for the labels reading: rows label-major, +1 on each image's true label."""
    return np.where(np.repeat(np.arange(10), len(y)) == np.tile(y, 10), 1.0, -1.0)


@pytest.mark.parametrize("with_gamma", [False, True])
def test_the_labels_and_batch_readings_have_exact_gradients(with_gamma):
    rng = np.random.default_rng(5)
    y = rng.integers(0, 10, 4)
    for objective, n, sign in ((entropy_objective_labels, 40, labels_layout(y)),
                               (entropy_objective_batch, 12, np.r_[np.ones(6), -np.ones(6)])):
        g = rng.uniform(0.1, 5, n)
        gamma = rng.uniform(0, 3, n) if with_gamma else 0.0
        loss, dg = objective(g, gamma, sign, eps=0.5)
        assert_gradient(lambda v: objective(v, gamma, sign, eps=0.5)[0], g, dg)
        assert objective(7 * g, 7 * gamma, sign, eps=0.0)[0] == pytest.approx(objective(g, gamma, sign, eps=0.0)[0])
        with pytest.raises(ValueError):
            objective(g[:-1], 0.0, sign[:-1], eps=0.5)


def test_the_labels_reading_on_known_goodness():
    y = np.array([3, 7])
    sign = labels_layout(y)
    flat = np.ones(20)
    assert entropy_objective_labels(flat, 0.0, sign, eps=0.0)[0] == pytest.approx(np.log(10))   # q uniform
    peaked = np.where(sign > 0, 91.0, 1.0)                   # the true label holds 91 of 100
    assert entropy_objective_labels(peaked, 0.0, sign, eps=0.0)[0] == pytest.approx(-np.log(0.91))


@pytest.mark.parametrize("reading,n", [("labels", 10), ("pair", 2)])
def test_a_label_blind_unit_is_pushed_down_once_the_true_label_beats_chance(reading, n):
    # dL/dc for the same c added to every label's phi is the sum of dL/dphi over an image's rows
    rng = np.random.default_rng(11)
    B = 200
    phi = rng.uniform(0.1, 5.0, (n, B))
    if reading == "labels":
        sign = labels_layout(np.zeros(B, dtype=int))                  # row 0 of each image is its true label
        _, dphi = entropy_objective_labels(phi.reshape(-1), 0.0, sign, eps=0.0)
    else:
        sign = np.repeat([1.0, -1.0], B)                              # rows [positives; negatives]
        _, dphi = entropy_objective(phi.reshape(-1), 0.0, sign, eps=0.0)
    push = dphi.reshape(n, B).sum(axis=0) * B                          # per image (the loss is a mean)
    assert push == pytest.approx(n / phi.sum(axis=0) - 1 / phi[0])
    q_true = phi[0] / phi.sum(axis=0)
    assert np.all((push > 0) == (q_true > 1 / n)) and 0 < np.mean(q_true > 1 / n) < 1


def test_concentration_grad_is_ent_over_the_mean():
    phi = np.random.default_rng(6).uniform(0.1, 4, 9)
    c, d = concentration_grad(phi)
    assert c == pytest.approx(entropy(phi) / phi.mean())
    assert_gradient(lambda v: concentration_grad(v)[0], phi.copy(), d)


def test_labels_reading_scores_all_ten_labels_and_refuses_negatives():
    from ffnumpy.train import build_model, make_pairs
    cfg = Config(method="ff", objective="entropy-labels", hidden=(8,))
    rng = np.random.default_rng(0)
    model = build_model(cfg, 784, rng)
    x, y = rng.random((3, 784), dtype=np.float32), np.array([4, 0, 9])
    xy, sign = make_pairs(model, cfg, x, y, rng)
    assert xy.shape == (30, 784) and np.array_equal(sign, labels_layout(y))
    assert np.array_equal(xy[4 * 3 + 0, :10], np.eye(10)[4])            # image 0 with label 4: its positive
    for bad in (dict(negatives="hard"), dict(negative_loss="paper")):
        with pytest.raises(ValueError, match="entropy-labels"):
            Config(method="ff", objective="entropy-labels", **bad).check()


@pytest.mark.parametrize("objective", ["entropy-labels", "entropy-batch"])
def test_training_with_each_reading_lowers_its_loss(small, objective):
    cfg = Config(method="ff", objective=objective, hidden=(64, 64), epochs=3, batch_size=50, lr=3e-3,
                 lr_schedule="constant")
    result, _ = train(cfg, data=small, progress=False)
    losses = [h["loss"] for h in result["history"]]
    assert losses[-1] < losses[0] and np.all(np.isfinite(losses))
    if objective == "entropy-labels":       # it classifies (about 12% here)
        assert result["test_error"] < 20.0


def test_the_batch_reading_is_scale_free_in_each_group_only_without_the_floor():
    """At eps = 0, scaling the positives' or the negatives' phi leaves the batch reading's loss unchanged:
    no term makes a positive pair louder than a negative one (what prediction reads). With the floor,
    scaling the positives up or the negatives down lowers it; yet silencing most positives lowers it
    too, and even negatives score as well loud as quiet: still no ranking of pair against pair."""
    rng = np.random.default_rng(0)
    g = rng.uniform(1, 5, size=8)
    sign = np.array([1.0] * 4 + [-1.0] * 4)
    for eps in (0.0, 2.0):
        base, _ = entropy_objective_batch(g, 0.0, sign, eps=eps)
        for scale in ([10.0] * 4 + [1.0] * 4, [1.0] * 4 + [1e-3] * 4):
            moved = entropy_objective_batch(g * np.array(scale), 0.0, sign, eps=eps)[0]
            assert moved == pytest.approx(base, rel=1e-12) if eps == 0 else moved < base - 1e-3
    two = np.array([1.0, 1.0, -1.0, -1.0])
    assert entropy_objective_batch(np.array([4.0, 0, 1, 1]), 0.0, two, eps=1.0)[0] < \
        entropy_objective_batch(np.array([2.0, 2, 1, 1]), 0.0, two, eps=1.0)[0]        # one positive silenced
    assert entropy_objective_batch(np.array([2.0, 2, 50, 50]), 0.0, two, eps=1.0)[0] <= \
        entropy_objective_batch(np.array([2.0, 2, 0.1, 0.3]), 0.0, two, eps=1.0)[0]    # loud, even negatives


def test_the_goodness_penalty_has_an_exact_gradient_and_bounds_the_scale():
    """P = strength mean(g) / M. Along g = c g0 the labels reading alone keeps falling as c grows (the
    floor's share shrinks), so nothing stops the goodness; with P the sum turns up at a finite c."""
    rng = np.random.default_rng(3)
    y = rng.integers(0, 10, 6)
    sign = labels_layout(y)
    g = np.where(sign > 0, 40.0, 4.0) * rng.uniform(0.5, 1.5, 60)        # positives already lead
    P, dP = goodness_penalty(g, 20, 0.01)
    assert P == pytest.approx(0.01 * g.mean() / 20)
    assert_gradient(lambda v: goodness_penalty(v, 20, 0.01)[0], g.copy(), dP)
    scales = np.geomspace(1, 1e4, 25)
    alone = [entropy_objective_labels(c * g, 0.0, sign, eps=10.0)[0] for c in scales]
    both = [a + goodness_penalty(c * g, 20, 0.01)[0] for a, c in zip(alone, scales)]
    assert np.all(np.diff(alone) < 0)                                     # growing always pays without it
    best = int(np.argmin(both))
    assert 0 < best < len(scales) - 1 and both[-1] > both[best] + 1       # a finite best scale with it
    for given in (dict(goodness_penalty=0.01), dict(goodness_penalty=0.0)):      # the logistic objective: refused
        with pytest.raises(ValueError, match="--goodness-penalty"):
            Config(method="ff", **given).check(given=given)
    Config(method="cff", gamma="all", objective="entropy-batch", goodness_penalty=0.01).check()


def test_training_with_the_goodness_penalty_holds_the_goodness_lower(small):
    """The same run with and without a strong penalty: the penalised layers end with a smaller goodness."""
    from ffnumpy.network import overlay_label
    ends = []
    for strength in (0.0, 1.0):
        cfg = Config(method="ff", objective="entropy", hidden=(32, 32), epochs=2, batch_size=50, lr=1e-2,
                     lr_schedule="constant", goodness_penalty=strength)
        _, model = train(cfg, data=small, progress=False)
        ends.append(model.net.goodness(overlay_label(small.x_test[:200], small.y_test[:200])).mean(axis=0))
    assert np.all(ends[1] < 0.5 * ends[0]), ends


def test_the_log_predictor_multiplies_the_layers_q_and_needs_their_widths():
    from ffnumpy.evaluate import goodness_errors, predictor_scores
    G = np.zeros((1, 10, 2))
    G[0, :, 0] = 1000.0
    G[0, 4, 0] = 1010.0                    # a loud layer 1 votes 4, barely: phi 1010.5 against 1000.5
    G[0, :, 1] = 0.1
    G[0, 2, 1] = 5.0                       # a quiet layer 2 votes 2, clearly: phi 5.5 against 0.6
    widths = (1, 1)                        # eps_i = FLOOR * width_i = 0.5
    scores = predictor_scores(G, "log", widths)
    np.testing.assert_allclose(scores, np.log(G + 0.5).sum(axis=2))
    e = goodness_errors(G, np.array([2]), "log", widths)
    assert e["pred"].tolist() == [2] and e["by_predictor"]["all"][1].tolist() == [4]   # the sum: loudest wins
    assert e["by_predictor"]["log"][0] == 0.0 and e["by_predictor"]["all"][0] == 100.0
    with pytest.raises(ValueError, match="widths"):
        goodness_errors(G, np.array([2]), "log")
