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
