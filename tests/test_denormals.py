"""Numbers too small to matter are set to 0 (losses.GRADIENT_FLOOR, optim's flushes), so that training
never computes with float32 denormals, and learns the same weights (every entry not itself about 0, bit for
bit). benchmarks/bench_denormals.py measures what that saves."""
import numpy as np
import pytest

from ffnumpy import losses, optim
from ffnumpy.config import Config
from ffnumpy.train import train

TINY = np.finfo(np.float32).tiny     # the smallest normal float32, about 1.2e-38


def denormal(a):
    a = np.asarray(a)
    return int(((a != 0) & (np.abs(a) < TINY)).sum())


def test_flush_zeroes_what_lies_below_the_floor_in_place_and_nothing_else():
    a = np.array([1e-39, -1e-31, 1e-30, -2e-30, 0.5, 0.0], dtype=np.float32)
    kept = a.copy()
    assert optim.flush(a, 1e-30) is a
    assert a[0] == a[1] == 0 and np.array_equal(a[2:], kept[2:])


def test_goodness_backward_drops_only_the_pairs_below_the_floor():
    rng = np.random.default_rng(0)
    h = rng.random((4, 3)).astype(np.float32)
    dg = np.array([1e-3, 1e-31, -1e-40, -1e-29], dtype=np.float32)
    dh = losses.goodness_backward(dg, h)
    assert np.array_equal(dh[[0, 3]], 2 * dg[[0, 3], None] * h[[0, 3]])
    assert not dh[[1, 2]].any() and dg[2] == np.float32(-1e-40)   # the incoming gradient is left as it was


def test_softmax_gradient_has_no_denormals():
    logits = np.array([[0.0, 95.0, 200.0]], dtype=np.float32)    # exp(-105) and exp(-200) underflow
    _, dlogits = losses.softmax_cross_entropy(logits, np.array([2]))
    assert denormal(dlogits) == 0 and dlogits[0, 0] == 0


def train_sure(data):
    """FF on bright images (x 4: large goodness, pairs sure by margins that underflow), long enough for
    Adam's moments to decay; returns the model."""
    bright = data.__class__(data.name, data.x_train[:2000] * 4, data.y_train[:2000], data.x_test[:200] * 4,
                            data.y_test[:200])
    cfg = Config(method="ff", hidden=(64, 64), epochs=12, lr=5e-3, batch_size=50, seed=3, validation=False)
    return train(cfg, data=bright, progress=False)[1]


def test_training_computes_with_no_denormals_and_learns_the_same_weights(small, monkeypatch):
    flushed = train_sure(small)
    moments = [a for o in flushed.optimizers for a in (*o.M, *o.V)]
    assert sum(map(denormal, moments)) == 0
    monkeypatch.setattr(losses, "GRADIENT_FLOOR", 0.0)          # without: the same run, denormals and all
    monkeypatch.setattr(optim, "FLUSH_EVERY", 10 ** 9)
    raw = train_sure(small)
    assert sum(denormal(a) for o in raw.optimizers for a in (*o.M, *o.V)) > 0, "the test no longer makes denormals"
    for a, b in zip((p for o in flushed.optimizers for p in o.params), (p for o in raw.optimizers for p in o.params)):
        moved = a != b
        assert np.all(np.abs(b[moved]) < 1e-20), f"{moved.sum()} weights moved, the largest {np.abs(b[moved]).max()}"


@pytest.mark.parametrize("make", [lambda p: optim.SGD(p, lr=0.1, momentum=0.9), lambda p: optim.Adam(p, lr=1e-3)])
def test_optimiser_moments_that_stop_receiving_gradient_are_zeroed_before_they_turn_denormal(make):
    w = np.ones((3, 4), dtype=np.float32)
    opt = make([w])
    opt.step([np.full((3, 4), 1e-3, dtype=np.float32)])
    zero = np.zeros((3, 4), dtype=np.float32)
    for _ in range(3 * optim.FLUSH_EVERY * 10):             # b1 ** 1500: from 1e-3 far below the denormals
        opt.step([zero])
        assert all(denormal(a) == 0 for slot in opt.slots.values() for a in slot)
    assert all(not a.any() for slot in opt.slots.values() for a in slot if slot is not opt.slots.get("V"))
