"""The tests that call a difference, checked against known values."""
import numpy as np
import pytest

from ffnumpy.studies.stats import betainc, in_words, mcnemar, mean_std, paired_t, t_two_sided_p, verdict


def test_t_distribution_against_table_values():
    # two-sided 5% critical values of Student's t: df 2 -> 4.303, df 4 -> 2.776, df 30 -> 2.042
    for t, df in ((4.302652729911275, 2), (2.7764451051977987, 4), (2.0422724563012373, 30)):
        assert t_two_sided_p(t, df) == pytest.approx(0.05, abs=1e-9)
    assert betainc(2.0, 3.0, 0.4) == pytest.approx(0.5248, abs=1e-4)   # 1 - sum_{k<2} C(4,k) .4^k .6^(4-k)


def test_paired_t():
    r = paired_t([2.0, 2.1, 2.2], [2.5, 2.7, 2.6])
    assert r["df"] == 2 and r["mean_diff"] == pytest.approx(-0.5)
    assert r["p"] < 0.05
    assert paired_t([1.0, 2.0], [1.0, 2.0])["p"] == 1.0
    with pytest.raises(ValueError):
        paired_t([1.0], [2.0])


def test_mcnemar_exact():
    a = np.r_[np.ones(5, bool), False, np.ones(100, bool)]
    b = np.r_[np.zeros(5, bool), True, np.ones(100, bool)]
    r = mcnemar(a, b)
    assert (r["b"], r["c"]) == (5, 1) and r["p"] == pytest.approx(2 * 7 / 64)
    assert mcnemar(a, a)["p"] == 1.0
    big = mcnemar(np.r_[np.ones(600, bool), np.zeros(400, bool)], np.r_[np.zeros(600, bool), np.ones(400, bool)])
    assert big["p"] < 1e-9


def test_verdict_says_no_difference_when_the_seeds_do_not():
    rng = np.random.default_rng(0)
    right = rng.random(3000) > 0.03
    same = verdict([2.9, 3.1, 3.0], [3.0, 3.0, 3.1], right, right)
    assert same["call"] == "no difference shown"
    worse = right & (rng.random(3000) > 0.05)
    assert verdict([3.0, 3.1, 2.9], [8.0, 8.2, 7.9], right, worse)["call"] == "A lower"
    assert mean_std([1.0, 2.0, 3.0]) == (2.0, 1.0)


def test_in_words_names_the_lower_side_or_says_no_difference():
    assert in_words({"call": "A lower"}, "FF lower", "CFF lower") == "FF lower"
    assert in_words({"call": "B lower"}, "FF lower", "CFF lower") == "CFF lower"
    assert in_words({"call": "no difference shown"}, "FF lower", "CFF lower") == "no difference shown"


def test_holm_adjusts_by_rank_and_keeps_order():
    from ffnumpy.studies.stats import holm
    # by hand: sorted 0.01, 0.02, 0.04 -> 3 * 0.01, 2 * 0.02, 1 * 0.04 = 0.03, 0.04, 0.04
    np.testing.assert_allclose(holm([0.04, 0.01, 0.02]), [0.04, 0.03, 0.04])
    # monotone: a larger raw p never gets a smaller adjusted p; capped at 1
    np.testing.assert_allclose(holm([0.3, 0.001, 0.5]), [0.6, 0.003, 0.6])
    assert holm([0.9, 0.8]) == [1.0, 1.0]


def test_bootstrap_interval_known_answers():
    from ffnumpy.studies.stats import bootstrap_diff
    rng = np.random.default_rng(1)
    right = rng.random(3 * 1000) > 0.1
    assert bootstrap_diff(right, right, 3) == (0.0, 0.0)                 # the same predictions: exactly 0
    worse = right.copy()
    worse[::50] = False                                                  # B wrong on 2% more images, every seed
    low, high = bootstrap_diff(right, worse, 3)
    extra = 100 * np.mean(right & ~worse)
    assert low < -extra / 2 and high < 0 and low > -2 * extra            # A lower, about by `extra`
    # the seeds disagree: seed 1 A much better, seeds 2 and 3 B better -> the interval straddles 0
    a = np.concatenate([right[:1000], right[1000:2000] & (rng.random(1000) > 0.05),
                        right[2000:] & (rng.random(1000) > 0.05)])
    b = np.concatenate([right[:1000] & (rng.random(1000) > 0.1), right[1000:2000], right[2000:]])
    low, high = bootstrap_diff(a, b, 3)
    assert low < 0 < high
    assert bootstrap_diff(a, b, 3) == bootstrap_diff(a, b, 3)             # its own generator: repeatable


def test_family_corrects_over_its_comparisons_and_flags_unstable():
    from ffnumpy.studies.stats import Family, compare_seeds, evidence
    rng = np.random.default_rng(2)
    right = rng.random(3000) > 0.03
    worse = right & (rng.random(3000) > 0.05)
    clear = compare_seeds([3.0, 3.1, 2.9], [8.0, 8.2, 7.9], right, worse)
    weak = compare_seeds([3.0, 3.1, 2.9], [3.2, 3.3, 3.0], right, worse)
    shaky = compare_seeds([3.0, 30.0, 2.9], [8.0, 8.2, 7.9], right, worse)
    dead = compare_seeds([3.0, 3.1], [8.0, 8.2], right[:2000], worse[:2000], failed=(0, 1))
    assert shaky["unstable"].startswith("seeds spread") and dead["unstable"] == "1 failed seed"
    family = Family()
    for key, v in (("clear", clear), ("weak", weak), ("shaky", shaky), ("dead", dead)):
        family.judge(key, v)
    family.close()
    assert family.size == 2                                               # unstable ones are not tested
    final = {k: family.judge(k, v) for k, v in (("clear", clear), ("weak", weak), ("shaky", shaky), ("dead", dead))}
    assert final["clear"]["call"] == "A lower"
    p_clear, p_weak = clear["paired_t"]["p"], weak["paired_t"]["p"]
    assert p_clear < p_weak                                               # Holm: 2 p_clear, then max(that, p_weak)
    assert final["clear"]["corrected_p"] == pytest.approx(2 * p_clear)
    assert final["weak"]["corrected_p"] == pytest.approx(max(2 * p_clear, p_weak))
    assert final["shaky"]["call"] == "unstable" and in_words(final["shaky"], "x", "y") == "unstable: no verdict"
    assert "corrected p" in evidence(final["clear"]) and evidence(final["dead"]) == "(1 failed seed)"
    with pytest.raises(KeyError):
        family.judge("never seen", clear)


def test_two_different_comparisons_under_one_key_are_refused_not_merged():
    from ffnumpy.studies.stats import Family, compare_seeds
    a = compare_seeds([3.0, 3.1, 2.9], [8.0, 8.2, 7.9])
    b = compare_seeds([3.0, 3.1, 2.9], [3.2, 3.3, 3.0])
    family = Family()
    family.judge(("x", "y"), a)
    family.judge(("x", "y"), compare_seeds([3.0, 3.1, 2.9], [8.0, 8.2, 7.9]))   # the same comparison again: fine
    with pytest.raises(ValueError, match="share the key"):
        family.judge(("x", "y"), b)                     # another one: it would have taken the first one's p


def test_call_needs_the_interval_on_the_same_side():
    from ffnumpy.studies.stats import call
    v = {"unstable": None, "paired_t": {"mean_diff": -1.0}, "ci": (-0.5, 0.2)}
    assert call(v, 0.001) == "no difference shown"                       # t says yes, the bootstrap does not
    assert call({**v, "ci": (-1.5, -0.2)}, 0.001) == "A lower"
    assert call({**v, "ci": (-1.5, -0.2)}, 0.2) == "no difference shown"


def test_a_saved_family_calls_as_the_report_did(tmp_path):
    from ffnumpy.studies.runs import report_family, save_family
    from ffnumpy.studies.stats import Family, compare_seeds
    rng = np.random.default_rng(3)
    right = rng.random(3000) > 0.03
    v = compare_seeds([3.0, 3.1, 2.9], [8.0, 8.2, 7.9], right, right & (rng.random(3000) > 0.05))
    family = Family()
    family.judge(("a", "b"), v)
    family.judge(("a", "c"), {**v, "paired_t": {**v["paired_t"], "p": 0.2}})
    family.close()
    save_family(tmp_path, family)                     # what a report writes beside its README
    again = report_family(tmp_path)
    assert again.judge(("a", "b"), v)["corrected_p"] == family.judge(("a", "b"), v)["corrected_p"]
    with pytest.raises(KeyError):
        again.judge(("a", "z"), v)
    # a seed added since the report was written moves the comparison's p: the saved calls are stale
    moved = compare_seeds([3.0, 3.1, 2.9, 3.3], [8.0, 8.2, 7.9, 3.2], right, right & (rng.random(3000) > 0.05))
    with pytest.raises(ValueError, match="stale"):
        again.judge(("a", "b"), moved)
    # a file saved before the family kept each p ([key..., corrected p]) still loads, unchecked
    old = Family.load([[*key, p] for key, p in family.corrected.items()])
    assert old.judge(("a", "b"), moved)["corrected_p"] == family.corrected[("a", "b")]


def test_a_comparison_with_no_seed_left_after_failures_is_unstable_not_a_crash():
    from ffnumpy.studies.runs import compare
    from ffnumpy.studies.stats import Family
    y = np.arange(10) % 10

    def run(seed, pred):
        return {"config": {"seed": seed, "method": "ff"}, "test_error": float(np.mean(np.array(pred) != y)) * 100,
                "test_predictions": "".join(map(str, pred)), "warnings": []}
    dead = [3] * 10                                   # one class for every image: a failed run
    good = list(range(10))
    a = [run(1, dead), run(2, good)]
    b = [run(1, good), run(2, dead)]
    b = [{**r, "config": {**r["config"], "method": "cff"}} for r in b]
    v = compare(a, b, y, Family())
    assert v["seeds"] == 0 and "failed" in v["unstable"] and in_words(v, "A", "B") == "unstable: no verdict"


def test_the_rule_names_the_size_of_its_holm_family_or_says_there_is_none_yet():
    from ffnumpy.studies.runs import rule
    assert "Holm-corrected over the 28 comparisons of this report" in rule(28)
    assert "over the comparisons of this report" in rule(0) and rule(0).endswith("has no comparison yet.)")
    assert "0 comparisons" not in rule(0) and "no comparison yet" not in rule(28)


@pytest.mark.parametrize("module", ["report", "experiments_report", "hinton_report"])
def test_a_report_refuses_a_folder_that_does_not_exist(module, tmp_path, capsys):
    import importlib
    report = importlib.import_module(f"ffnumpy.studies.{module}")
    missing = tmp_path / "typo"
    with pytest.raises(SystemExit) as stop:
        report.main(["--out", str(missing)])
    assert stop.value.code == 2 and "no such folder" in capsys.readouterr().err
    assert not missing.exists()                                  # nothing written
