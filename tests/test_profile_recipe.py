"""benchmarks/profile_recipe.py and benchmarks/allocations.py on a tiny network: the code paths, no timing
asserted. (The lead runs the profile at 784-2000x4 with the machine otherwise idle.)"""
import json
from pathlib import Path

import numpy as np
import pytest

import ffnumpy.layers
import ffnumpy.train
from ffnumpy.config import Config
from ffnumpy.data import Dataset
from ffnumpy.train import build_model, train_step

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
HIDDEN = (16, 12, 8)


@pytest.fixture
def bench(monkeypatch):
    """The two benchmark scripts as modules (they import each other as scripts do)."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import allocations
    import profile_recipe
    return profile_recipe, allocations


def tiny_data():
    rng = np.random.default_rng(0)
    x, y = rng.random((500, 784), dtype=np.float32), rng.integers(0, 10, 500)
    return Dataset("mnist", x[:400], y[:400], x[400:], y[400:], x[:50], y[:50])


def test_the_products_of_a_recipe_step(bench):
    profile_recipe, _ = bench
    products = profile_recipe.gemms([784, 16, 12, 8], 100, [1, 2])
    assert products["forward"] == [(200, 784, 16, False), (200, 16, 12, False), (200, 12, 8, False)]
    assert products["dW"] == [(784, 200, 16, True), (16, 200, 12, True), (12, 200, 8, True)]
    assert products["readout"] == [(100, 784, 16, False), (100, 16, 12, False), (100, 12, 8, False),
                                   (100, 20, 10, False), (20, 100, 10, True)]


def test_the_profile_writes_every_part_and_the_ratio(bench, tmp_path):
    profile_recipe, _ = bench
    before = ffnumpy.train.make_pairs, ffnumpy.train.ff_update, ffnumpy.layers.dense_backward
    out = profile_recipe.main(["--hidden", ",".join(map(str, HIDDEN)), "--steps", "3", "--out", str(tmp_path)],
                              data=tiny_data())
    saved = json.loads((tmp_path / "profile_recipe.json").read_text())
    text = (tmp_path / "profile_recipe.txt").read_text()
    assert saved["steps_timed"] == 3 and saved["epoch_steps"] == 4 and saved["sizes"] == [784, *HIDDEN]
    assert set(saved["parts_seconds"]) == set(profile_recipe.PARTS)
    assert all(s > 0 for s in saved["parts_seconds"].values()), saved["parts_seconds"]   # every hook was reached
    assert sum(saved["parts_seconds"].values()) == pytest.approx(saved["hooked_epoch_seconds"])
    assert saved["epoch_over_gemm"] == pytest.approx(out["epoch_seconds"] / sum(out["gemm_seconds"].values()))
    assert saved["allocations"]["arrays"] > 0 and "epoch / GEMM" in text and "tracemalloc peak" in text
    assert (ffnumpy.train.make_pairs, ffnumpy.train.ff_update, ffnumpy.layers.dense_backward) == before


def test_the_hook_does_not_change_what_is_computed(bench):
    """Steps under the profiler's hook leave the same weights, bit for bit, as steps without it."""
    profile_recipe, _ = bench
    data = tiny_data()
    cfg = Config.from_recipe("hinton", hidden=HIDDEN)
    weights = []
    for clock in (None, profile_recipe.Clock()):
        model = build_model(cfg, 784, np.random.default_rng(0))
        with profile_recipe.hooked(model, clock) if clock else profile_recipe.nullcontext():
            for s in range(3):
                train_step(model, cfg, [(data.x_train[s * 100:(s + 1) * 100], data.y_train[s * 100:(s + 1) * 100])],
                           [0, 1, 2])
        assert "forward" not in vars(model.net) and "step" not in vars(model.optimizers[0])      # put back
        weights.append(b"".join(w.tobytes() for w in model.net.W + model.net.b + [model.readout.W]))
    assert weights[0] == weights[1]


def test_the_tracer_logs_what_a_step_creates(bench):
    """Every array a recipe step makes, with its dtype, shape and the ffnumpy line that asked for it; the traced
    step computes what the plain one does."""
    _, allocations = bench
    out = allocations.measure(HIDDEN, steps=2)
    rows = {(r["op"], r["where"].split()[1]) for r in out["log"]}
    assert ("matmul", "dense_forward") in rows and ("matmul", "dense_backward") in rows
    assert out["activation_sized"] > 0 and out["peak_bytes"] > 0
    plain = allocations.recipe_setup(HIDDEN)
    traced = allocations.recipe_setup(HIDDEN)
    batch = allocations.batches(plain[0], plain[2], plain[3], 1)[0]
    train_step(plain[1], plain[0], batch, [0, 1, 2])
    allocations.count_step(traced[0], traced[1], batch)
    assert all(a.tobytes() == b.tobytes() for a, b in zip(plain[1].net.W, traced[1].net.W))


def test_a_recipe_step_makes_few_activation_arrays_and_float64_only_where_asked(bench):
    """Regression test for issue 42's speed work. Per layer, the pass over the 2B pairs creates at most four
    arrays of its activations' shape (2B, M): x W (then z and h, in place), dL/dz, the peer term, and the
    next layer's xn (written over its squares). It made nine to eleven before. The only float64 arrays are
    hard_wrong_labels' draws, float64 on purpose."""
    _, allocations = bench
    out = allocations.measure(HIDDEN, steps=2)
    for width in HIDDEN:
        made = [r for r in out["log"] if r["shape"] == [200, width]]
        assert sum(r["count"] for r in made) <= 4, made
    assert {r["where"].split()[1] for r in out["log"] if r["dtype"] == "float64"} == {"hard_wrong_labels"}
    assert out["float64_scalars"] == 0
