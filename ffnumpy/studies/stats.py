"""The tests ffnumpy uses to call a difference between two methods.

    mean_std(values)              mean and sample standard deviation over seeds
    paired_t(a, b)                paired t-test over seeds: t, degrees of freedom, two-sided p
    mcnemar(right_a, right_b)     exact McNemar test on paired predictions: b, c, two-sided p
    holm(pvalues)                 Holm's adjusted p-values for a family of tests
    bootstrap_diff(...)           interval of the mean error difference, resampling seeds and images
    bootstrap_seeds(a, b)         the same, resampling seeds only (results without predictions)
    compare_seeds(...), Family    the evidence about two methods; the calls of one report, corrected

The rule (every report states it): "A lower" needs the paired t-test over seeds,
Holm-corrected over the comparisons of the report, below 0.05, and the bootstrap
interval on the same side of 0. A comparison with a failed seed, or whose seeds
spread over more than SPREAD points, is "unstable: no verdict". Pooled McNemar is
shown beside, as evidence about those trained networks only.

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


SPREAD = 5.0          # points: seeds of one method spread wider than this make a comparison unstable
DRAWS = 2000          # bootstrap resamples


def bootstrap_diff(right_a, right_b, seeds, draws=DRAWS, level=0.95, seed=0):
    """Bootstrap interval of the mean error difference A - B (points), over seeds and test images.

    right_a, right_b : (S * N,) correctness, paired, seed-major (S seeds of N images)
    Each resample draws N images with replacement (the same images for every seed:
    the test set is shared) and S seeds with replacement, and takes the mean over
    those seeds of A's error minus B's on those images. Both sources of chance are
    in it: which networks training happened to give, and which images were tested.
    returns (low, high), the central `level` interval; its own generator (`seed`): reports are repeatable
    """
    d = (np.asarray(right_b, np.float64) - np.asarray(right_a, np.float64)).reshape(seeds, -1)  # wrong_a - wrong_b
    S, N = d.shape
    rng = np.random.default_rng(seed)
    means = np.empty(draws)
    for k in range(draws):
        weights = np.bincount(rng.integers(0, N, N), minlength=N)       # how often each image was drawn
        per_seed = 100.0 * (d @ weights) / N
        means[k] = per_seed[rng.integers(0, S, S)].mean()
    low, high = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


def bootstrap_seeds(a, b, draws=DRAWS, level=0.95, seed=0):
    """Bootstrap interval of mean(a - b) resampling seeds only (for results without per-image predictions).
    a, b : (S,) paired by seed  ->  (low, high)"""
    d = np.asarray(a, np.float64) - np.asarray(b, np.float64)
    means = d[np.random.default_rng(seed).integers(0, len(d), (draws, len(d)))].mean(axis=1)
    low, high = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


def compare_seeds(errors_a, errors_b, right_a=None, right_b=None, failed=(0, 0)):
    """The evidence that method A differs from method B, over S paired seeds.

    errors_* : (S,) test error (or any number where lower is better) per seed, paired by seed
    right_*  : (S * N,) pooled correctness, seed-major; None when the predictions are not kept
               (then the interval resamples seeds only and there is no McNemar)
    failed   : (seeds of A, seeds of B) that failed (evaluate.failed_run) and are left out of the rest
    returns {"seeds", "paired_t", "ci", "mcnemar", "unstable": why or None}; with fewer than 2
    seeds left, only "seeds" and "unstable" (a comparison that cannot be made)
    McNemar pools the seeds' predictions: it is evidence about these trained networks, not the methods.
    """
    unstable = None
    if any(failed):
        unstable = f"{failed[0] + failed[1]} failed seed{'s' if sum(failed) > 1 else ''}"
    elif len(errors_a) and max(np.ptp(errors_a), np.ptp(errors_b)) > SPREAD:
        unstable = f"seeds spread over {max(np.ptp(errors_a), np.ptp(errors_b)):.1f} points"
    if len(errors_a) < 2:
        return {"seeds": len(errors_a), "unstable": unstable or "fewer than 2 seeds"}
    with_images = right_a is not None
    return {"seeds": len(errors_a), "paired_t": paired_t(errors_a, errors_b),
            "ci": bootstrap_diff(right_a, right_b, len(errors_a)) if with_images else
            bootstrap_seeds(errors_a, errors_b),
            "mcnemar": mcnemar(right_a, right_b) if with_images else None, "unstable": unstable}


def call(v, corrected_p, alpha=0.05):
    """The rule: 'A lower' or 'B lower' when the Holm-corrected paired t p is below alpha and the
    bootstrap interval lies on the same side of 0; 'unstable' when v is; else 'no difference shown'."""
    if v["unstable"]:
        return "unstable"
    low, high = v["ci"]
    diff = v["paired_t"]["mean_diff"]
    if corrected_p < alpha and (high < 0 if diff < 0 else low > 0):
        return "A lower" if diff < 0 else "B lower"
    return "no difference shown"


class Family:
    """The comparisons of one report, called together under Holm's correction.

    A report is built twice: the first pass registers every comparison (`judge`
    returns provisional calls, uncorrected), `close()` corrects the paired t
    p-values of the stable ones together, and the second pass, asking for the same
    comparisons by the same keys, gets the final calls.
    """

    def __init__(self, alpha=0.05):
        self.alpha, self.found, self.corrected, self.raw, self.labels = alpha, {}, None, {}, {}

    def judge(self, key, v, label=None):
        """v (compare_seeds) with "call" and "corrected_p" added; key names the comparison, label says it
        in words (for listed())."""
        if label is not None:
            self.labels.setdefault(key, label)
        if self.corrected is None:
            if key in self.found and repr(self.found[key]) != repr(v):   # two comparisons, one key: one would
                raise ValueError(f"two different comparisons share the key {key}")   # take the other's p
            self.found.setdefault(key, v)
            p = v["paired_t"]["p"] if "paired_t" in v else 1.0
        else:
            if key not in self.found and not v["unstable"]:
                raise KeyError(f"comparison {key} was not seen in the first pass")
            p = self.corrected.get(key, 1.0)
            was = self.raw.get(key)                   # a loaded family knows each comparison's p when saved
            if was is not None and "paired_t" in v and not np.isclose(v["paired_t"]["p"], was, rtol=1e-9, atol=0):
                raise ValueError(f"the report's verdicts are stale: comparison {key} has p = {v['paired_t']['p']:.4g} "
                                 f"in the files now, {was:.4g} when its report was written; write the report again")
        return {**v, "corrected_p": p, "call": call(v, p, self.alpha)}

    def close(self):
        stable = [k for k, v in self.found.items() if not v["unstable"]]
        self.corrected = dict(zip(stable, holm([self.found[k]["paired_t"]["p"] for k in stable])))
        return self

    @property
    def size(self):
        """How many comparisons the correction is over."""
        return len(self.corrected or ())

    def saved(self):
        """The closed family as JSON-ready data: [[key..., corrected p, p]] of its stable comparisons."""
        return [[*key, p, self.found[key]["paired_t"]["p"]] for key, p in self.corrected.items()]

    def listed(self):
        """Every comparison of the closed family, the unstable ones too, as JSON-ready dicts:
        {"key", "label", "seeds", "p" (paired t; None where unstable), "mean_diff", "ci", "mcnemar_p",
        "unstable", "corrected_p" (this family's), "call"}."""
        out = []
        for key, v in self.found.items():
            t = v.get("paired_t") or {}
            p = 1.0 if v["unstable"] else self.corrected.get(key, 1.0)
            out.append({"key": list(key), "label": self.labels.get(key), "seeds": v["seeds"],
                        "p": None if v["unstable"] else t.get("p"), "mean_diff": t.get("mean_diff"),
                        "ci": list(v["ci"]) if v.get("ci") else None,
                        "mcnemar_p": (v.get("mcnemar") or {}).get("p"), "unstable": v["unstable"],
                        "corrected_p": p, "call": call(v, p, self.alpha)})
        return out

    @classmethod
    def load(cls, saved, alpha=0.05):
        """A closed family from saved(): another text (the demo) then calls a comparison as the report did,
        and a comparison whose p has changed since (files added, the report not written again) raises.
        Older files hold [key..., corrected p] only: no staleness check for them."""
        family = cls(alpha)
        family.corrected = {}
        for entry in saved:
            key = tuple(x for x in entry if isinstance(x, str))
            numbers = entry[len(key):]
            family.corrected[key] = numbers[0]
            if len(numbers) > 1:
                family.raw[key] = numbers[1]
        family.found = dict.fromkeys(family.corrected)
        return family


def verdict(errors_a, errors_b, right_a, right_b, failed=(0, 0), alpha=0.05):
    """compare_seeds with its call, as the only comparison of its family (no correction)."""
    v = compare_seeds(errors_a, errors_b, right_a, right_b, failed)
    p = v["paired_t"]["p"] if "paired_t" in v else 1.0
    return {**v, "corrected_p": p, "call": call(v, p, alpha)}


def in_words(v, a_lower, b_lower):
    """A verdict's call in a sentence's words: a_lower, b_lower, 'unstable: no verdict' or 'no difference shown'."""
    return {"A lower": a_lower, "B lower": b_lower, "unstable": "unstable: no verdict"}.get(
        v["call"], "no difference shown")


def evidence(v):
    """What a call rests on, for after its words: '(corrected p = 0.003, 95% CI -0.41 to -0.12)'
    or, for an unstable comparison, '(a seed failed)'."""
    if v["unstable"]:
        return f"({v['unstable']})"
    low, high = v["ci"]
    return f"(corrected p = {v['corrected_p']:.2g}, 95% CI {low:+.2f} to {high:+.2f} points)"


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
