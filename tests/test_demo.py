"""The demo's words come from its numbers."""
from ffnumpy.demo import describe_regime


def test_describe_regime_reads_the_numbers():
    ff = {"prefix_test_error": [10.0, 11.0, 9.0], "test_error": 9.0}
    said = describe_regime({"FF": ff, "CFF": {"test_error": 8.0}})
    assert "layer(s) [2]" in said[0] and "is lower than" in said[1]
    ff = {"prefix_test_error": [10.0, 9.0, 8.0], "test_error": 8.0}
    said = describe_regime({"FF": ff, "CFF": {"test_error": 8.5}})
    assert "every later FF layer lowers" in said[0] and "is not lower" in said[1]


def test_the_demo_closes_with_the_answer_in_six_lines(capsys):
    """The demo's closing lines are the answer's (results/answer/answer.json), in plain words: one per budget."""
    import json
    from pathlib import Path

    from ffnumpy.demo import print_reproduction
    answer = json.loads((Path(__file__).resolve().parents[1] / "results/answer/answer.json").read_text())
    print_reproduction()
    lines = capsys.readouterr().out.strip().splitlines()
    assert 2 <= len(lines) <= 6 and lines == answer["closing"]["mnist"]
    assert f"all {answer['family']['size']} FF-CFF comparisons" in lines[0]
    said = ("FF's error is lower", "CFF's error is lower", "no difference shown", "no verdict", "not yet measured",
            "no seeds in common yet")
    assert all(any(s in line for s in said) for line in lines[1:-1]) and "results/answer/README.md" in lines[-1]
    assert not any("vs" in line or "gamma" in line for line in lines)          # plain words, no row labels


def test_the_demo_trains_what_validation_chose():
    """The demo's FF and CFF settings are the reproduction's choices (tuned past the grid's edges), and it
    uses the short recipe for a row exactly when the recipe's best validation error is the lower one."""
    import json
    from pathlib import Path

    from ffnumpy.demo import FULL
    from ffnumpy.studies.hinton import DEMO_GRID
    from ffnumpy.studies.protocol import chosen_setting
    from ffnumpy.studies.reproduce import GRID, ROWS

    results = Path(__file__).resolve().parents[1] / "results"
    for label, row in (("FF", "ff-network"), ("CFF", "cff-prev-network")):
        demo = FULL[label]
        chosen = chosen_setting(results / "reproduction", "mnist-course", row, GRID, extend=True)
        recipe = chosen_setting(results / "recipe", "mnist-demo", row, DEMO_GRID, extend=True)
        assert chosen is not None and recipe is not None, row

        def validation(folder, setting):
            name = f"lr{setting['lr']:g}-theta{setting['theta_scale']:g}.json"
            return json.loads((results / folder / row / "tune" / name).read_text())["validation_error"]
        uses_recipe = demo.get("recipe") == "hinton"
        assert uses_recipe == (validation("recipe/mnist-demo", recipe) <
                               validation("reproduction/mnist-course", chosen)), label
        if not uses_recipe:
            assert demo["method"] == ROWS[row]["method"] and demo.get("gamma", "all") == ROWS[row].get("gamma", "all")
            assert (demo["lr"], demo.get("theta_scale", 1.0)) == (chosen["lr"], chosen["theta_scale"]), label
