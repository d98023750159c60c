"""Replay for the speed work of issue 42: the library's training step against the step as it was before
(tests/_old_ff_update.py running on the frozen pieces of tests/_old_kernels.py), on the same seeded inputs on
this machine. Every gradient, loss, weight, optimiser moment and test prediction must be equal bit for bit.

tests/test_update_replay.py alone cannot see a change to the layers, the loss, peer normalisation, the
readout, the optimisers or make_pairs: its frozen update takes them from the library. Here they are frozen too.
"""
import numpy as np
import pytest
from _old_kernels import FROZEN, install
from test_update_replay import (CASES, CONFIGS, OPTIMIZERS, assert_same_bits, new_update, old_update, replay,
                                trained)
from _old_ff_update import old_train_step

import ffnumpy.layers
import ffnumpy.network
import ffnumpy.optim
import ffnumpy.train
from ffnumpy.layers import relu_backward, relu_forward
from ffnumpy.losses import goodness_backward
from ffnumpy.peer import peer_term


def test_the_frozen_pieces_replace_the_library_ones(monkeypatch):
    """install() reaches every module that holds a piece, so the old side really runs the old code."""
    changed = install(monkeypatch)
    assert all(n >= 1 for n in changed.values()), changed
    assert ffnumpy.network.ff_layer_forward is FROZEN["ff_layer_forward"][1]
    assert ffnumpy.train.SGD is FROZEN["SGD"][1] and ffnumpy.optim.Adam is FROZEN["Adam"][1]


# the optimisers' block size: as in the library, and small enough to cut the tiny test networks' weights
BLOCKS = {"block-default": None, "block-37": 37}


def blocked(monkeypatch, block):
    if BLOCKS[block] is not None:
        monkeypatch.setattr(ffnumpy.optim, "BLOCK", BLOCKS[block])


@pytest.mark.parametrize("block", BLOCKS)
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("case", CASES)
def test_ff_update_replays_the_old_step_bit_for_bit(case, dtype, optimizer, block, monkeypatch):
    blocked(monkeypatch, block)
    new = replay(new_update, case, dtype, optimizer)
    install(monkeypatch)
    old = replay(old_update, case, dtype, optimizer)
    assert_same_bits(new, old)


@pytest.mark.parametrize("block", BLOCKS)
@pytest.mark.parametrize("name", CONFIGS)
def test_training_replays_the_old_step_bit_for_bit(name, block, monkeypatch):
    """train() with the library against train() with the old train_step on the old pieces: the losses of every
    epoch, every array a checkpoint saves (the optimisers' moments too), and the test predictions."""
    blocked(monkeypatch, block)
    new = trained(CONFIGS[name])
    install(monkeypatch)
    old = trained(CONFIGS[name], old_train_step, monkeypatch)
    assert_same_bits(new, old)


def test_the_replay_sees_a_changed_piece(monkeypatch):
    """The comparison can fail where tests/test_update_replay.py cannot: a ReLU that moves the last bit
    (h times 1 + 2^-20) in the library's layers is caught."""
    def nudged_relu(z, out=None):
        h = np.maximum(z, 0) * (1 + 2.0 ** -20)
        return h, h
    with monkeypatch.context() as m:
        m.setattr(ffnumpy.layers, "relu_forward", nudged_relu)
        new = trained(CONFIGS["hinton"])
    install(monkeypatch)
    with pytest.raises(AssertionError, match="differs"):
        assert_same_bits(new, trained(CONFIGS["hinton"], old_train_step, monkeypatch))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_relu_gate_is_already_in_the_goodness_gradient(dtype):
    """ff_update skips the ReLU's backward: dL/dh = dL/dg * 2h is +-0 wherever h = relu(z) = 0, so multiplying by
    [z > 0] gives the same bits, the signs of zeros included (dL/dg < 0, = +-0, > 0; units off, on, z = -0)."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=(40, 30)).astype(dtype)
    z[:, :3] = -0.0
    h = relu_forward(z)[0]
    dg = rng.normal(size=40).astype(dtype)
    dg[:4] = [0.0, -0.0, 1e-45, -1e-45]
    dh = goodness_backward(dg, h)
    assert relu_backward(dh, h).tobytes() == dh.tobytes()
    assert np.signbit(relu_backward(dh, h)).any()                    # -0s are there to be compared


def test_peer_term_divides_one_row_as_it_divided_all_rows():
    """peer_term(..., positives) equals peer_term(...) / positives bit for bit, zeros' signs included."""
    rng = np.random.default_rng(0)
    m = np.repeat(np.float32([0.5, 0.25, 0.75]), [10, 20, 20])       # mean 0.5 exactly: pushes of 0, < 0, > 0
    sign = np.where(rng.random(64) < 0.5, 1, -1).astype(np.float32)
    for positives in (1, 7, 32):
        term = peer_term(m, 0.03, sign, positives)
        assert term.tobytes() == (peer_term(m, 0.03, sign) / positives).tobytes()
    assert np.signbit(term[sign < 0]).any() and (term[sign > 0] == 0).any()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_the_optimisers_in_blocks_replay_the_old_ones(name, dtype):
    """At the library's block size: a matrix cut in uneven blocks, one cut in single rows, a vector, a scalar."""
    rng = np.random.default_rng(0)
    shapes = [(300, 500), (3, 70_000), (500,), ()]
    assert [len(ffnumpy.optim.blocks(np.empty(s))) for s in shapes] == [3, 3, 1, 1]
    settings = dict(lr=0.01, weight_decay=0.003, decay=[True, True, False, True])
    if name == "SGD":
        settings["momentum"] = 0.9
    start = [rng.normal(size=s).astype(dtype) for s in shapes]
    runs = []
    for make in (getattr(ffnumpy.optim, name), FROZEN[name][1]):
        params = [p.copy() for p in start]
        opt, grads = make(params, **settings), np.random.default_rng(1)
        for _ in range(3):
            opt.step([grads.normal(size=s).astype(dtype) for s in shapes])
        runs.append(params + [a for slot in opt.slots.values() for a in slot])
    assert_same_bits(*runs)


@pytest.mark.parametrize("normalize", ["rms", "length"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_goodness_per_label_replays_the_old_one(dtype, normalize):
    """The goodness of every (image, label) pair, bit for bit: evaluation and hard negatives use it."""
    rng = np.random.default_rng(0)
    net = ffnumpy.network.Network([30, 20, 16, 12], rng, dtype=dtype, normalize=normalize)
    for b in net.b:
        b += rng.normal(0, 0.3, b.shape).astype(dtype)                # some units off, some on
    x = rng.random((25, 30)).astype(dtype)
    new = net.goodness_per_label(x, batch_size=10)
    assert_same_bits([new], [FROZEN["goodness_per_label"][1](net, x, batch_size=10)])
