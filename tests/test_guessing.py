"""The line between a result and a failure (evaluate.no_better_than_guessing), stated once and tested:
a network no better than a guess that ignores the image is no result, whatever its error's distance
from 90%."""
import json

import numpy as np
import pytest

import ffnumpy.data
from ffnumpy.evaluate import (TEST_TOP_SHARE, failed_run, guess_p_value, health_warnings, is_dead,
                              no_better_than_guessing, top_label_share)
from ffnumpy.train import main as cli_main


def mnist_like_labels():
    """10,000 labels with MNIST's test counts (1,135 1s, the most frequent)."""
    counts = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    return np.repeat(np.arange(10), counts)


def test_the_binomial_tail_is_exact_on_small_cases():
    from math import comb
    for k, n, p in ((0, 5, 0.1), (3, 5, 0.1), (5, 5, 0.5), (15, 100, 0.1), (7, 30, 0.2)):
        want = sum(comb(n, j) * p ** j * (1 - p) ** (n - j) for j in range(k, n + 1))
        assert guess_p_value(k, n, p) == pytest.approx(want, rel=1e-9)


def test_a_label_blind_guess_with_a_bias_is_no_result_though_under_90_percent():
    """The probe's case: 88.71% error on MNIST's test set, every class used, none above 90%."""
    y = mnist_like_labels()
    rng = np.random.default_rng(0)
    q = np.r_[0.05, 0.55, np.full(8, 0.05)]                      # favours 1s, looks at no image
    pred = rng.choice(10, size=len(y), p=q)
    error = 100 * np.mean(pred != y)
    assert 88 < error < 90
    w = health_warnings(pred=pred, y=y)
    assert len(w) == 1 and "no better than guessing" in w[0] and "88.65%" in w[0] and is_dead(w)
    # the same count of right answers stored in a record (no labels there): the same verdict
    assert failed_run({"warnings": [], "test_error": 88.71, "config": {"dataset": "mnist"},
                       "test_predictions": "".join(map(str, pred))})


def test_a_network_that_learned_a_little_is_a_result():
    y = mnist_like_labels()
    assert not no_better_than_guessing(1300, 10_000, top_label_share(y))     # 87.0% error: 165 above a guess
    assert no_better_than_guessing(1200, 10_000, top_label_share(y))         # 88.0%: within a guess's reach
    assert not failed_run({"warnings": [], "test_error": 87.0, "config": {"dataset": "mnist"}})
    assert failed_run({"warnings": [], "test_error": 89.9, "config": {"dataset": "fashion-mnist"}})
    # few images: 15 right of 100 happens to a guesser 7% of the time; 25 of 100 does not
    y100 = np.arange(100) % 10
    assert no_better_than_guessing(15, 100, top_label_share(y100))
    assert not no_better_than_guessing(25, 100, top_label_share(y100))


def test_the_stored_top_shares_are_the_test_sets(mnist):
    assert TEST_TOP_SHARE["mnist"] == top_label_share(mnist.y_test)


def test_theta_scale_1e9_is_no_result_and_exits_3(small, tmp_path, monkeypatch, capsys):
    """The probe: train --hidden 50 --epochs 1 --theta-scale 1e9 (and --peer-norm 1e9) exited 0 under 90%."""
    monkeypatch.setattr(ffnumpy.data, "load_dataset", lambda *a, **k: small)
    for flag in ("--theta-scale", "--peer-norm"):
        out = tmp_path / f"{flag}.json"
        code = cli_main(["--hidden", "50", "--epochs", "1", "--seed", "2", flag, "1e9", "--quiet",
                         "--json", str(out)])
        record = json.loads(out.read_text())
        assert record["test_error"] < 90                              # under the old line
        assert code == 3 and failed_run(record), (flag, record["test_error"], record["warnings"])
        assert "no better than guessing" in capsys.readouterr().err
