"""Figures: error per epoch, and error per layer (alone and as a prefix).

Every function takes result dicts as train() returns them (or as their JSON
files hold them) and writes a PNG.
"""
import os

import matplotlib

matplotlib.use("Agg")  # files only: no window, works without a screen
import matplotlib.pyplot as plt  # noqa: E402


def _save(fig, path):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def plot_curves_and_layers(results, path, curve_key="test_error", title=None):
    """Left: `curve_key` per epoch for each run. Right: error of each layer alone
    and of each prefix of layers, after training.

    results : {label: result dict}, e.g. {"FF": r_ff, "CFF": r_cff}
    """
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    for label, r in results.items():
        epochs = [h["epoch"] for h in r["history"] if curve_key in h]
        ax1.plot(epochs, [h[curve_key] for h in r["history"] if curve_key in h], marker="o", label=label)
    ax1.set(xlabel="epoch", ylabel=f"{curve_key.replace('_', ' ')} (%)", yscale="log")
    ax1.grid(alpha=0.3, which="both")
    ax1.legend()
    runs = [(label, r) for label, r in results.items() if r.get("per_layer_test_error")]
    width = 0.8 / max(1, 2 * len(runs))
    for k, (label, r) in enumerate(runs):
        layers = range(1, len(r["per_layer_test_error"]) + 1)
        ax2.bar([i + (2 * k - len(runs)) * width for i in layers], r["per_layer_test_error"], width,
                label=f"{label}: layer alone")
        ax2.bar([i + (2 * k + 1 - len(runs)) * width for i in layers], r["prefix_test_error"], width,
                label=f"{label}: layers 1..k", hatch="//", alpha=0.8)
    ax2.set(xlabel="layer k", ylabel="test error (%)", yscale="log", xticks=list(layers) if runs else [])
    ax2.grid(alpha=0.3, axis="y", which="both")
    ax2.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return _save(fig, path)
