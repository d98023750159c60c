import numpy as np

from ffnumpy.negatives import hard_wrong_labels, random_wrong_labels


def test_random_wrong_labels_are_never_true_and_cover_the_nine_others():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(10), 9000)
    y_neg = random_wrong_labels(y, rng)
    assert np.all(y_neg != y) and y_neg.min() == 0 and y_neg.max() == 9
    counts = np.bincount(y_neg[y == 3], minlength=10)
    assert counts[3] == 0
    np.testing.assert_allclose(np.delete(counts, 3) / 9000, 1 / 9, atol=0.015)


def test_hard_wrong_labels_follow_the_softmax_without_the_true_label():
    rng = np.random.default_rng(1)
    n = 50000
    scores = np.tile(np.log(np.arange(1.0, 11.0)), (n, 1))   # p(label k) proportional to k + 1
    y = np.full(n, 9)                                          # the most likely label is the true one
    y_neg = hard_wrong_labels(scores, y, rng)
    assert np.all(y_neg != 9)
    freq = np.bincount(y_neg, minlength=10) / n
    np.testing.assert_allclose(freq[:9], np.arange(1, 10) / 45, atol=0.01)


def test_hard_wrong_labels_with_extreme_scores():
    rng = np.random.default_rng(2)
    scores = np.zeros((4, 10))
    scores[:, 5] = 1e4                                        # overwhelmingly sure of label 5
    y_neg = hard_wrong_labels(scores, np.array([5, 5, 0, 1]), rng)
    assert np.all(y_neg[2:] == 5) and np.all(y_neg[:2] != 5)
