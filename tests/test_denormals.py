"""Numbers too small to matter are set to 0 (losses.GRADIENT_FLOOR, optim's flushes), so that training
never computes with float32 denormals, and learns the same weights over a short run (every entry not itself
about 0, bit for bit; over longer runs the moved bits spread: benchmarks/denormal_drift.py).
benchmarks/bench_denormals.py measures what that saves."""
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


def test_denormal_drift_repeats_a_run_bit_for_bit_and_restores_the_floors(monkeypatch):
    """benchmarks/denormal_drift.py on a tiny network: the code path, and its two claims' machinery
    (a run repeated gives 0 differing entries; the floors are back on after the run without them)."""
    from pathlib import Path
    from ffnumpy.data import Dataset
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parent.parent / "benchmarks"))
    import denormal_drift
    from bench_denormals import floors_off
    rng = np.random.default_rng(0)
    x, y = rng.random((400, 784), dtype=np.float32), rng.integers(0, 10, 400)
    data = Dataset("mnist", x[:300], y[:300], x[300:], y[300:])
    error, after = denormal_drift.run(2, data, hidden=(12, 8))
    again_error, again = denormal_drift.run(2, data, hidden=(12, 8))
    assert len(after) == 2 and error == again_error
    assert [denormal_drift.differ(a, b) for a, b in zip(after, again)] == [0, 0]
    moved = [[p + 1 for p in params] for params in after]
    assert denormal_drift.differ(after[0], moved[0]) == sum(p.size for p in after[0])
    kept = losses.GRADIENT_FLOOR, optim.FLUSH_EVERY
    restore = floors_off()
    assert losses.GRADIENT_FLOOR == 0
    restore()
    assert (losses.GRADIENT_FLOOR, optim.FLUSH_EVERY) == kept
