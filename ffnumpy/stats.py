"""The tests ffnumpy uses to call a difference between two methods.

    mean_std(values)              mean and sample standard deviation over seeds
    paired_t(a, b)                paired t-test over seeds: t, degrees of freedom, two-sided p
    mcnemar(right_a, right_b)     exact McNemar test on paired predictions: b, c, two-sided p
    holm(pvalues)                 Holm's adjusted p-values for a family of tests

McNemar's test looks only at the images on which the two methods disagree:
b = images A gets right and B wrong, c = the reverse. If the methods are
equally good, each disagreement is a fair coin: given b + c, b ~ Binomial(b + c, 1/2),
and the two-sided p is twice the tail of that binomial at min(b, c).
Predictions of several seeds are pooled: the pair (seed s, image n) of A is
matched with the same pair of B.
"""
import math

import numpy as np


def mean_std(values):
    """(mean, sample std with ddof=1; 0.0 for a single value)."""
    v = np.asarray(values, dtype=np.float64)
    return float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else 0.0


def _betacf(a, b, x, iterations=300, eps=3e-16):
    """Continued fraction of the regularised incomplete beta function (Lentz's method)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, iterations + 1):
        m2 = 2 * m
        for num in (m * (b - m) * x / ((qam + m2) * (a + m2)), -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1.0 + num * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + num / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < eps:
            break
    return h


def betainc(a, b, x):
    """Regularised incomplete beta I_x(a, b), 0 <= x <= 1."""
    if x <= 0.0 or x >= 1.0:
        return 0.0 if x <= 0.0 else 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def t_two_sided_p(t, df):
    """P(|T| >= |t|) for Student's t with df degrees of freedom."""
    return betainc(df / 2.0, 0.5, df / (df + t * t))


def paired_t(a, b):
    """Paired t-test of a - b over seeds.   a, b : (S,)  ->  dict(mean_diff, t, df, p)"""
    d = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    if len(d) < 2:
        raise ValueError("a paired t-test needs at least 2 seeds")
    mean, sd = d.mean(), d.std(ddof=1)
    if sd == 0:
        t = 0.0 if mean == 0 else math.copysign(math.inf, mean)
    else:
        t = mean / (sd / math.sqrt(len(d)))
    p = 1.0 if t == 0 else (0.0 if math.isinf(t) else t_two_sided_p(t, len(d) - 1))
    return {"mean_diff": float(mean), "t": float(t), "df": len(d) - 1, "p": float(p)}


def binomial_cdf_half(k, n):
    """P(X <= k) for X ~ Binomial(n, 1/2), summed in log space (n up to millions)."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    logs = [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) - n * math.log(2) for i in range(k + 1)]
    top = max(logs)
    return min(1.0, math.exp(top) * sum(math.exp(v - top) for v in logs))


def mcnemar(right_a, right_b):
    """Exact two-sided McNemar test.   right_a, right_b : (N,) bool, paired  ->  dict(b, c, p)"""
    right_a, right_b = np.asarray(right_a, bool), np.asarray(right_b, bool)
    if right_a.shape != right_b.shape:
        raise ValueError(f"McNemar needs paired predictions, got {right_a.shape} and {right_b.shape}")
    b = int(np.sum(right_a & ~right_b))
    c = int(np.sum(~right_a & right_b))
    p = 1.0 if b == c else min(1.0, 2.0 * binomial_cdf_half(min(b, c), b + c))
    return {"b": b, "c": c, "p": float(p)}


def verdict(errors_a, errors_b, right_a, right_b, alpha=0.05):
    """'A lower', 'B lower' or 'no difference shown', with both tests.

    errors_* : (S,) test error per seed (paired by seed)
    right_*  : (S * N,) pooled correctness of the test predictions, paired
    """
    t = paired_t(errors_a, errors_b)
    m = mcnemar(right_a, right_b)
    calls = set()
    if t["p"] < alpha:
        calls.add("A lower" if t["mean_diff"] < 0 else "B lower")
    if m["p"] < alpha:
        calls.add("A lower" if m["b"] > m["c"] else "B lower")
    call = calls.pop() if len(calls) == 1 else "no difference shown"   # none, or the tests disagree
    return {"call": call, "paired_t": t, "mcnemar": m}


def in_words(v, a_lower, b_lower):
    """A verdict's call in a sentence's words: a_lower, b_lower or 'no difference shown'."""
    return {"A lower": a_lower, "B lower": b_lower}.get(v["call"], "no difference shown")


def holm(pvalues):
    """Holm's step-down adjusted p-values, in the order given (a family of tests, one report).

    Sorted ascending p_(1) <= ... <= p_(m): adjusted p_(k) = max over j <= k of min(1, (m - j + 1) p_(j)).
    A test is called at level alpha when its adjusted p < alpha; the chance of any false call
    in the family stays below alpha whatever the tests' dependence.
    """
    p = np.asarray(pvalues, dtype=np.float64)
    order = np.argsort(p, kind="stable")
    m = len(p)
    adjusted = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    out = np.empty(m)
    out[order] = adjusted
    return out.tolist()
