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


def test_a_narrow_log_axis_gets_several_labelled_ticks():
    import matplotlib.pyplot as plt

    from ffnumpy.plots import _plain_log_axis
    for lo, hi, at_least in ((2.4, 4.3, 4), (13.6, 16.8, 4), (0.5, 60.0, 3)):
        fig, ax = plt.subplots()
        ax.plot([0, 1], [lo, hi])
        _plain_log_axis(ax)
        fig.canvas.draw()
        labels = [t.get_text() for t in ax.get_yticklabels(which="both") if t.get_text()
                  and ax.get_ylim()[0] <= float(t.get_text()) <= ax.get_ylim()[1]]
        plt.close(fig)
        assert len(labels) >= at_least, (lo, hi, labels)
        assert all("10^" not in t and "times" not in t for t in labels)  # plain numbers
