"""Figures: error per epoch, and error per layer (alone and as a prefix).

Every function takes result dicts as train() returns them (or as their JSON
files hold them) and writes a PNG.
"""
import os

import numpy as np

import matplotlib

matplotlib.use("Agg")  # files only: no window, works without a screen
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

PLAIN = FuncFormatter(lambda v, _: f"{v:g}")  # 2, 3, 5 rather than 2x10^0 on log axes


def _plain_log_axis(ax):
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(PLAIN)
    ax.yaxis.set_minor_formatter(PLAIN)


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
    ax1.set(xlabel="epoch", ylabel=f"{curve_key.replace('_', ' ')} (%)")
    _plain_log_axis(ax1)
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
    ax2.set(xlabel="layer k", ylabel="test error (%)", xticks=list(layers) if runs else [])
    _plain_log_axis(ax2)
    ax2.grid(alpha=0.3, axis="y", which="both")
    ax2.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return _save(fig, path)


def plot_contributions(runs, path, title=None):
    """The paper's Figure 2: for each dataset, the error of each layer alone and
    the marginal contribution of each layer, one bar per method.

    runs : {dataset: {method label: contributions() dict}}
    """
    fig, axes = plt.subplots(len(runs), 2, figsize=(11, 3.6 * len(runs)), squeeze=False)
    for row, (dataset, methods) in zip(axes, runs.items()):
        width = 0.8 / max(1, len(methods))
        for k, (label, c) in enumerate(methods.items()):
            layers = np.arange(1, len(c["per_layer"]) + 1)
            offset = (k - (len(methods) - 1) / 2) * width
            row[0].bar(layers + offset, c["per_layer"], width, label=label)
            row[1].bar(layers + offset, c["marginal"], width, label=label)
        row[0].set(title=f"{dataset}: error of each layer alone", xlabel="layer", ylabel="test error (%)",
                   xticks=layers)
        _plain_log_axis(row[0])
        row[1].axhline(0, color="black", lw=0.8)
        row[1].set(title=f"{dataset}: marginal contribution of layer k",
                   xlabel="layer", ylabel="error drop when layer k is added (points)", xticks=layers)
        row[1].set_yscale("symlog", linthresh=1.0)
        row[1].yaxis.set_major_formatter(PLAIN)
        for ax in row:
            ax.grid(alpha=0.3, axis="y")
            ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return _save(fig, path)


def plot_entropy_curves(results, path, title=None):
    """The paper's Figure 4: goodness entropy per epoch, positive (solid) and
    negative (dashed) pairs, one colour per run; right: across/within split.

    results : {label: result dict trained with track_entropy=True}
    """
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    for (label, r), colour in zip(results.items(), plt.rcParams["axes.prop_cycle"].by_key()["color"]):
        epochs = [h["epoch"] for h in r["history"]]
        for kind, style in (("positive", "-"), ("negative", "--")):
            ax1.plot(epochs, [h["entropy"][kind]["total"] for h in r["history"]], style, color=colour,
                     label=f"{label}, {kind}")
        ax2.plot(epochs, [h["entropy"]["positive"]["across"] for h in r["history"]], ":", color=colour,
                 label=f"{label}: across layers")
        ax2.plot(epochs, [h["entropy"]["positive"]["within"] for h in r["history"]], "-", color=colour,
                 label=f"{label}: within layers")
    ax1.set(xlabel="epoch", ylabel="Ent(goodness)", title="functional entropy of the goodness")
    ax2.set(xlabel="epoch", ylabel="Ent(goodness), positive pairs", title="across + within layers = total")
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return _save(fig, path)
