import matplotlib.image as mpimg

from ffnumpy.plots import plot_curves_and_layers


def fake_result(errors, per_layer):
    return {"history": [{"epoch": e + 1, "test_error": v} for e, v in enumerate(errors)],
            "per_layer_test_error": per_layer, "prefix_test_error": [min(per_layer[:k + 1]) for k in range(3)]}


def test_curves_and_layers_figure_is_written(tmp_path):
    path = plot_curves_and_layers({"FF": fake_result([9, 5, 3], [4, 3, 5]), "CFF": fake_result([8, 4, 2], [30, 20, 3])},
                                  tmp_path / "sub" / "fig.png", title="t")
    image = mpimg.imread(path)
    assert image.shape[0] > 300 and image.shape[1] > 800
    assert image[..., :3].std() > 0.05  # not a blank canvas


def test_a_narrow_log_axis_gets_evenly_spaced_labelled_ticks():
    import matplotlib.pyplot as plt
    import numpy as np

    from ffnumpy.plots import _plain_log_axis

    def labels(lo, hi):
        fig, ax = plt.subplots()
        ax.plot([0, 1], [lo, hi])
        _plain_log_axis(ax)
        fig.canvas.draw()
        bottom, top = ax.get_ylim()
        shown = sorted(float(t.get_text()) for t in ax.get_yticklabels(which="both") if t.get_text())
        plt.close(fig)
        return [v for v in shown if bottom <= v <= top]
    for lo, hi in ((2.4, 4.3), (13.6, 16.8)):   # within a factor 3: a linear ladder of at least 4 labels
        ticks = labels(lo, hi)
        assert len(ticks) >= 4 and np.allclose(np.diff(ticks), ticks[1] - ticks[0]), ticks
    assert labels(0.5, 60.0) == [0.5, 1, 2, 3, 5, 10, 20, 30, 50]   # wider: powers of ten and 2, 3, 5 times them


def test_minor_labels_of_a_log_axis_are_2_3_5_times_a_power_of_ten():
    from ffnumpy.plots import PLAIN_MINOR
    assert [PLAIN_MINOR(v, None) for v in (0.2, 3, 3.5, 14, 15, 20, 50, 60)] == ["0.2", "3", "", "", "", "20", "50", ""]
