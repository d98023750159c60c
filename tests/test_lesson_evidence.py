"""The lesson's sentences about where FF's later layers hurt are read from the files (report_claims.regime_lesson)."""
import json

from ffnumpy.studies.report_claims import regime_lesson


def seed(folder, row, k, prefix, predictions="0123456789"):
    path = folder / row / f"seed{k}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"config": {"seed": k}, "prefix_test_error": prefix, "test_predictions": predictions}))


def test_the_regime_lesson_counts_seeds_and_quotes_the_report(tmp_path):
    regime = tmp_path / "regimes" / "mnist-length-wide"
    seed(regime, "ff-network", 1, [6.0, 6.2, 6.1])           # layer 2 hurts
    seed(regime, "ff-network", 2, [6.0, 5.9, 6.3])           # layer 3 hurts
    seed(regime, "ff-network", 3, [6.0, 5.0, 4.0], "0" * 10)  # collapsed: one class for every image, left out
    seed(regime, "cff-all-network", 1, [50.0, 10.0, 5.0])
    seed(regime, "cff-all-network", 2, [50.0, 10.0, 11.0])    # layer 3 hurts
    seed(tmp_path / "regimes" / "mnist-length", "ff-network", 1, [6.0, 5.0, 4.0])   # helps: not "everywhere"
    seed(tmp_path / "mnist-course", "ff-network", 1, [3.0, 2.5, 2.6])
    calls = {"mnist": {"calls": {"no difference shown": ["x"],
                                 "B lower": ["regime length (wide grid): FF, Network vs CFF gamma, Network"]},
                       "corrected_over": 7}}          # the report's Holm family, not the labels counted here
    (tmp_path / "closing.json").write_text(json.dumps(calls))
    first, verdict, where = regime_lesson(tmp_path, "mnist", "length", wide=True)
    assert "FF's later layers hurt in 2 of 2 seeds" in first and "CFF gamma's later layers hurt in 1 of 2" in first
    assert verdict.endswith("Holm-corrected over the 7 stable comparisons of its report): CFF gamma lower.")
    assert "regimes: length-wide;" in where and "FF, Network) in 1 of 1 seeds" in where
