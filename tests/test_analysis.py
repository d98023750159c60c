import json

import matplotlib.image as mpimg
import pytest

from ffnumpy.evaluate import CHANCE, contributions, verdict
from ffnumpy.studies.analyze import main as analyze_main
from ffnumpy.plots import plot_contributions, plot_entropy_curves
from ffnumpy.train import Config, train


def test_marginal_contributions():
    c = contributions([5.0, 9.0, 30.0], [5.0, 4.0, 4.5])
    assert c["marginal"] == pytest.approx([CHANCE - 5.0, 1.0, -0.5])
    lines = verdict(c, contributions([20.0, 30.0, 5.0], [20.0, 6.0, 3.0]))
    assert "layer(s) [3] do not lower the error" in lines[0]
    assert lines[1].startswith("CFF: every later layer lowers the error")


def test_figures_are_drawn(tmp_path):
    c = contributions([5.0, 9.0, 30.0], [5.0, 4.0, 4.5])
    path = plot_contributions({"mnist": {"FF": c, "CFF": c}, "fashion-mnist": {"FF": c}}, tmp_path / "c.png")
    assert mpimg.imread(path).shape[0] > 500
    ent = {"positive": {"total": 2.0, "across": 0.5, "within": 1.5},
           "negative": {"total": 1.0, "across": 0.2, "within": 0.8}}
    r = {"history": [{"epoch": 1, "entropy": ent}, {"epoch": 2, "entropy": ent}]}
    assert mpimg.imread(plot_entropy_curves({"FF": r}, tmp_path / "e.png")).shape[1] > 800


def test_analyze_a_checkpoint_end_to_end(mnist, small, tmp_path, capsys):
    path = tmp_path / "run.npz"
    cfg = Config(method="cff", gamma="all", hidden=(32, 32), epochs=1, lr=2e-3, track_entropy=True)
    train(cfg, data=small, progress=False, checkpoint_path=path)
    assert analyze_main([str(path), "--out", str(tmp_path / "out")]) == 0
    result = json.loads((tmp_path / "out" / "analysis.json").read_text())
    assert len(result["per_layer"]) == 2 and len(result["marginal"]) == 2
    assert result["prefix"][-1] == result["test_error"]
    for kind in ("positive", "negative"):
        e = result["entropy"][kind]
        assert e["total"] == pytest.approx(e["across"] + e["within"])
    assert (tmp_path / "out" / "contributions.png").exists() and (tmp_path / "out" / "entropy.png").exists()
    assert "marginal" in capsys.readouterr().out


def test_analyze_refuses_a_missing_checkpoint(capsys):
    with pytest.raises(SystemExit) as stop:
        analyze_main(["/nonexistent.npz"])
    assert stop.value.code == 2 and len(capsys.readouterr().err.strip().splitlines()) == 1
