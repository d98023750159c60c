"""Hinton's recipe: peer normalisation, the softmax readout, SGD in his form, and
a replay of whole training steps against a straight-line float64 version."""
import json

import numpy as np
import pytest

from ffnumpy import checkpoint
from ffnumpy.train import main as cli_main
from ffnumpy.config import RECIPES, Config
from ffnumpy.ff import ff_update
from ffnumpy.network import Network
from ffnumpy.optim import SGD
from ffnumpy.peer import PeerNorm, peer_means, peer_term, peer_update
from ffnumpy.readout import neutral_overlay, read_layers
from ffnumpy.train import build_model, train, train_step


def test_peer_term_pushes_a_silent_unit_up_and_a_busy_one_down():
    m = np.array([0.0, 1.0, 2.0])                       # unit 0 always off, unit 2 busiest
    sign = np.array([1.0, 1.0, -1.0])
    term = peer_term(m, 0.03, sign)
    np.testing.assert_allclose(term[:2], [[-0.03, 0.0, 0.03]] * 2)   # dL/dz: descent raises unit 0
    np.testing.assert_array_equal(term[2], 0)                          # negatives get nothing
    m = np.full(2, 0.5)
    peer_update(m, np.array([[1.0, 0.0], [3.0, 0.0]]))
    np.testing.assert_allclose(m, [0.9 * 0.5 + 0.1 * 2.0, 0.45])


def test_a_unit_that_is_always_off_gets_a_positive_push():
    """A hand-made batch: unit 0's bias keeps it off for every pair, so the FF loss
    gives it no gradient; with peer normalisation its bias (and input) still rise."""
    rng = np.random.default_rng(0)
    net = Network([6, 4], rng, dtype=np.float64)
    net.b[0][0] = -100.0                                 # z_0 < 0 for every input below
    xy = rng.random((8, 6))
    sign = np.array([1.0] * 4 + [-1.0] * 4)
    for strength, rises in ((0.0, False), (0.03, True)):
        net.b[0][0] = -100.0
        peer = peer_means([4], np.float64)
        ff_update(net, [SGD(net.params(0), lr=0.1)], xy, sign, [0], peer=PeerNorm(peer, strength))
        assert (net.b[0][0] > -100.0) == rises
    h = np.maximum(xy / np.sqrt((xy ** 2).mean(1, keepdims=True) + 1e-8) @ net.W[0] + net.b[0], 0)
    assert np.all(h[:, 0] == 0)                          # the unit was off throughout


def test_sgd_decays_the_weights_not_the_biases():
    w, b = np.ones((2, 2)), np.ones(2)
    SGD([w, b], lr=0.1, weight_decay=0.5, decay=[True, False]).step([np.zeros((2, 2)), np.zeros(2)])
    np.testing.assert_allclose(w, 0.95)
    np.testing.assert_array_equal(b, 1.0)
    with pytest.raises(ValueError, match="one entry per parameter"):
        SGD([w, b], decay=[True])


def test_fan_in_init_has_variance_one_over_fan_in():
    net = Network([400, 300], np.random.default_rng(0), init="fan-in", theta_scale=0.3)
    assert abs(net.W[0].std() * np.sqrt(400) - 1) < 0.01
    assert net.theta == [0.3 * 300]


def test_recipe_is_a_named_configuration():
    cfg = Config.from_recipe("hinton", method="cff", gamma="previous").check()
    assert cfg.recipe == "hinton" and cfg.negatives == "readout" and cfg.peer_norm == 0.03
    assert cfg.epochs == 100 and not cfg.bias_decay and cfg.predict == "skip-first"
    with pytest.raises(ValueError, match="--recipe"):
        Config.from_recipe("lecun")
    with pytest.raises(ValueError, match="readout needs"):
        Config.from_recipe("hinton", schedule="layer").check()


# ---- the replay: Hinton's recipe written out straight from PAPER.md, in float64 ----

def sigmoid(s):
    return 1 / (1 + np.exp(-s))


def unit_rms(a):
    return a / np.sqrt((a ** 2).mean(axis=1, keepdims=True) + 1e-8)


def run_layers(W, b, a):
    """[(normalised input, activity)] of every layer."""
    out = []
    for Wl, bl in zip(W, b):
        a_n = unit_rms(a)
        a = np.maximum(a_n @ Wl + bl, 0)
        out.append((a_n, a))
    return out


def hinton_steps(W, b, batches, rng):
    """Hinton's update, his numbers: smoothing 0.9, lr 0.01, weight cost 0.002 (weights only),
    peer normalisation 0.03 (means from 0.5), readout lr 0.1 and weight cost 0.003 (no bias).
    dC/dz is his (1 - p) h: his code leaves out the 2 of d||h||^2/dh."""
    W, b = [w.copy() for w in W], [v.copy() for v in b]
    L = len(W)
    sW, sb = [np.zeros_like(w) for w in W], [np.zeros_like(v) for v in b]
    m = [np.full(len(v), 0.5) for v in b]
    K = sum(len(b[i]) for i in range(1, L))
    R, sR = np.zeros((K, 10)), np.zeros((K, 10))
    for x, y in batches:
        B = len(y)
        onehot = np.eye(10)[y]
        neutral = x.copy()
        neutral[:, :10] = 0.1
        feats = np.hstack([unit_rms(h) for _, h in run_layers(W, b, neutral)[1:]])
        logits = feats @ R
        p = np.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        q = p * (1 - onehot)                               # the true label excluded
        cdf = np.cumsum(q, axis=1)
        u = rng.random((B, 1)) * cdf[:, -1:]
        y_neg = (cdf <= u).sum(axis=1)
        dR = feats.T @ (p - onehot) / B + 0.003 * R
        sR = 0.9 * sR + 0.1 * dR
        R = R - 0.1 * sR
        pos, neg = x.copy(), x.copy()
        pos[:, :10], neg[:, :10] = onehot, np.eye(10)[y_neg]
        for i, ((ap, hp), (an, hn)) in enumerate(zip(run_layers(W, b, pos), run_layers(W, b, neg))):
            theta = len(b[i])
            p_pos = sigmoid((hp ** 2).sum(1) - theta)
            p_neg = sigmoid((hn ** 2).sum(1) - theta)
            m[i] = 0.9 * m[i] + 0.1 * hp.mean(0)
            # descend -log p_pos - log(1 - p_neg); the peer push is not gated by the ReLU
            dz_pos = -(1 - p_pos)[:, None] * hp + 0.03 * (m[i] - m[i].mean())
            dz_neg = p_neg[:, None] * hn
            gW = (ap.T @ dz_pos + an.T @ dz_neg) / B
            gb = (dz_pos.sum(0) + dz_neg.sum(0)) / B
            sW[i] = 0.9 * sW[i] + 0.1 * (gW + 0.002 * W[i])
            sb[i] = 0.9 * sb[i] + 0.1 * gb
            W[i] -= 0.01 * sW[i]
            b[i] -= 0.01 * sb[i]
    return W, b, R


@pytest.mark.parametrize("method", ["ff", "cff"])
def test_recipe_replays_hinton_straight_line_to_1e_10(method):
    """A few whole steps of the library under --recipe hinton, in float64, against
    hinton_steps above (CFF with gamma(<t) must differ from it: the check can fail)."""
    cfg = Config.from_recipe("hinton", method=method, hidden=(12, 12, 12), batch_size=8,
                             **({"gamma": "previous"} if method == "cff" else {})).check(train_size=100)
    data_rng = np.random.default_rng(1)
    batches = [(data_rng.random((8, 20)), data_rng.integers(0, 10, 8)) for _ in range(4)]
    model = build_model(cfg, 20, np.random.default_rng(0), dtype=np.float64)
    W0, b0 = [w.copy() for w in model.net.W], [v.copy() for v in model.net.b]
    replay_rng = np.random.default_rng()
    replay_rng.bit_generator.state = model.rng.bit_generator.state
    for x, y in batches:
        train_step(model, cfg, [(x, y)], [0, 1, 2])
    W, b, R = hinton_steps(W0, b0, batches, replay_rng)
    gap = max(np.abs(a - e).max() for a, e in zip(model.net.W + model.net.b + model.readout.params(),
                                                  W + b + [R]))
    moved = max(np.abs(a - e).max() for a, e in zip(model.net.W, W0))
    assert moved > 1e-4                                  # the steps did something
    if method == "ff":
        assert gap < 1e-10
    else:
        assert gap > 1e-6


def test_neutral_label_and_the_layers_read():
    x = np.ones((2, 12))
    assert np.all(neutral_overlay(x)[:, :10] == 0.1) and np.all(neutral_overlay(x)[:, 10:] == 1)
    assert read_layers(3) == [1, 2] and read_layers(1) == [0]


def test_recipe_run_reports_both_predictors_and_resumes_exactly(small, tmp_path):
    cfg = Config.from_recipe("hinton", hidden=(200, 200), epochs=4)
    straight, m1 = train(cfg, data=small, progress=False)
    # 240 steps of a small net: both predictors well below chance (90%); which is lower is one run's
    # outcome (it can change with the BLAS), not a property to assert
    assert 0 < straight["readout_test_error"] < 60 and 0 < straight["test_error"] < 60
    assert straight["config"]["recipe"] == "hinton" and "readout_validation_error" in straight["history"][0]
    path = tmp_path / "run.npz"
    train(cfg, data=small, progress=False, checkpoint_path=path, stop_after=1)
    resumed, m2 = train(cfg, data=small, progress=False, resume=path)
    for a, b in zip(m1.net.W + m1.readout.params() + m1.peer, m2.net.W + m2.readout.params() + m2.peer):
        np.testing.assert_array_equal(a, b)
    assert resumed["readout_test_error"] == straight["readout_test_error"]
    with np.load(path, allow_pickle=False) as z:
        assert {"peer0", "readout_W", "readout_v"} <= set(z.files)
    assert checkpoint.read_meta(path)["config"]["peer_norm"] == 0.03


def test_cli_recipe_is_recorded_and_flags_change_it(mnist, tmp_path, capsys):
    out = tmp_path / "r.json"
    code = cli_main(["--recipe", "hinton", "--hidden", "30,30", "--epochs", "1", "--lr", "0.004",
                     "--quiet", "--json", str(out)])
    assert code == 0
    saved = json.loads(out.read_text())["config"]
    assert saved["recipe"] == "hinton" and saved["lr"] == 0.004 and saved["hidden"] == [30, 30]
    assert {k: saved[k] for k in ("peer_norm", "negatives", "init")} == \
        {k: RECIPES["hinton"][k] for k in ("peer_norm", "negatives", "init")}
    assert "readout" in capsys.readouterr().out


@pytest.mark.parametrize("argv,message", [
    (["--negatives", "readout", "--schedule", "layer"], "readout needs"),
    (["--recipe", "hinton", "--method", "bp-label"], "recipe for FF and CFF"),
    (["--recipe", "lecun"], "invalid choice"),
    (["--peer-norm", "-1"], "--peer-norm"),
])
def test_cli_refuses_bad_recipe_flags_in_one_line(argv, message, capsys):
    with pytest.raises(SystemExit) as stop:
        cli_main(argv)
    err = capsys.readouterr().err
    assert stop.value.code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_a_float32_recipe_step_computes_its_weight_gradients_in_float32(monkeypatch):
    """Peer normalisation once divided dz by a numpy int64, which turns float32 into
    float64 (NEP 50): every weight gradient became a float64 product, 30% of a step."""
    import ffnumpy.ff as ff
    seen = []
    real = ff.dense_backward

    def spy(dz, cache, need_dx=True):
        seen.append(dz.dtype)
        return real(dz, cache, need_dx)
    monkeypatch.setattr(ff, "dense_backward", spy)                 # where ff_update takes it from
    cfg = Config.from_recipe("hinton", hidden=(12, 12, 12))
    rng = np.random.default_rng(0)
    model = build_model(cfg, 784, rng)
    x = rng.random((8, 784), dtype=np.float32)
    train_step(model, cfg, [(x, np.arange(8) % 10)], [0, 1, 2])
    assert seen == [np.float32] * 3


def test_both_goodness_predictors_are_measured_whichever_predicts():
    from ffnumpy.evaluate import goodness_errors
    # two images, three layers: layer 1 votes for the wrong label, layers 2 and 3 for the right one
    G = np.zeros((2, 10, 3))
    G[:, 7, 0] = 10.0                      # layer 1: label 7 for both
    G[0, 3, 1:] = 4.0                      # image 0 (label 3): layers 2 and 3 say 3, 8 < 10 in all
    G[1, 5, 1:] = 6.0                      # image 1 (label 5): 12 > 10, all layers right too
    y = np.array([3, 5])
    for predict in ("all", "skip-first"):
        e = goodness_errors(G, y, predict)
        assert {p: err for p, (err, _) in e["by_predictor"].items()} == {"all": 50.0, "skip-first": 0.0}
        assert e["error"] == e["by_predictor"][predict][0]
        assert e["by_predictor"]["all"][1].tolist() == [7, 5]


def test_a_recipe_whose_weights_went_nan_stops_as_diverged(small):
    cfg = Config.from_recipe("hinton", hidden=(20, 20), epochs=1)
    model = build_model(cfg, 784, np.random.default_rng(0))
    model.net.W[1][:] = np.nan             # a diverged layer: the readout's scores are not finite
    with pytest.raises(FloatingPointError, match="diverged"):
        train_step(model, cfg, [(small.x_train[:100], small.y_train[:100])], [0, 1])


def test_the_readouts_weight_gradient_is_the_softmax_losss_gradient():
    """readout_backward against central differences in float64: L(W) = mean -log softmax(a W)[y]."""
    from ffnumpy.gradcheck import assert_gradient
    from ffnumpy.losses import softmax_cross_entropy
    from ffnumpy.readout import readout_backward
    rng = np.random.default_rng(9)
    a, W, y = rng.standard_normal((6, 8)), rng.standard_normal((8, 10)) * 0.1, rng.integers(0, 10, 6)
    _, dlogits = softmax_cross_entropy(a @ W, y)
    assert_gradient(lambda W_: softmax_cross_entropy(a @ W_, y)[0], W, readout_backward(dlogits, a)[0], tol=1e-7)
