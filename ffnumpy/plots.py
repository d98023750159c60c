"""Figures: error per epoch, and error per layer (alone and as a prefix).

Every function takes result dicts as train() returns them (or as their JSON
files hold them) and writes a PNG.
"""
import os

import numpy as np

import matplotlib

matplotlib.use("Agg")  # files only: no window, works without a screen
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator, NullLocator  # noqa: E402

LEGEND_COLUMNS = 6   # a shared legend's entries per row: a wider row overflows the figure
PLAIN = FuncFormatter(lambda v, _: f"{v:g}")  # 2, 3, 5 rather than 2x10^0 on log axes
# minor ticks of a log axis: label only 2x, 3x and 5x a power of ten, so labels never crowd
PLAIN_MINOR = FuncFormatter(lambda v, _: f"{v:g}" if v > 0 and round(v / 10 ** np.floor(np.log10(v)), 6) in (2, 3, 5)
                            else "")


def _spread(values):
    """Sample standard deviation (ddof 1, as every table) over the first axis; 0 for a single seed."""
    values = np.asarray(values, dtype=float)
    return values.std(axis=0, ddof=1) if len(values) > 1 else np.zeros(values.shape[1:])


def _plain_log_axis(ax):
    """A log y axis with plain numbers; call it after plotting. Within a factor 3, evenly spaced labelled ticks."""
    ax.set_yscale("log")
    lo, hi = ax.get_ylim()
    if hi < 3 * lo:  # too narrow for powers of ten: 2.5, 3, 3.5, ... rather than one or two labels
        ax.yaxis.set_major_locator(MaxNLocator(6))
        ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_formatter(PLAIN)
    ax.yaxis.set_minor_formatter(PLAIN_MINOR)


def _symlog_axis(ax, linthresh):
    """A y axis for marginal contributions: symlog (small and large both visible), a line at 0."""
    ax.axhline(0, color="black", lw=0.8)
    ax.set_yscale("symlog", linthresh=linthresh)
    ax.yaxis.set_major_formatter(PLAIN)


def _finish(fig, axes, path, title, fontsize=7, shared_legend=False, **grid):
    """Grid and legend on every axis (or one legend below all of them), the figure's title, then save."""
    for ax in axes:
        ax.grid(alpha=0.3, **grid)
        if not shared_legend:
            ax.legend(fontsize=fontsize)
    if title:
        fig.suptitle(title)
    if shared_legend:
        handles, labels = axes[0].get_legend_handles_labels()
        ncol = max(1, min(len(labels), LEGEND_COLUMNS))            # more entries wrap onto more rows
        rows = -(-len(labels) // ncol)
        fig.legend(handles, labels, loc="lower center", ncol=ncol, fontsize=fontsize + 1)
        fig.tight_layout(rect=(0, 0.02 + 0.05 * max(rows, 1), 1, 0.95 if title else 1))
    return _save(fig, path)


def _save(fig, path):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    if not fig.legends:                      # a figure legend has laid the figure out already
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
        row[1].set(title=f"{dataset}: marginal contribution of layer k",
                   xlabel="layer", ylabel="error drop when layer k is added (points)", xticks=layers)
        _symlog_axis(row[1], 1.0)
    return _finish(fig, axes.ravel(), path, title, fontsize=8, axis="y")


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


def plot_seed_contributions(rows, path, title=None):
    """The paper's Figure 2 over seeds: per row, the error of each layer alone and
    the marginal contribution of each later layer, mean +- std over seeds.

    rows : {row label: [result dicts of its seeds]} (goodness rows only; a row with none is left out)
    """
    rows = {label: seeds for label, seeds in rows.items() if seeds}
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.2))
    width = 0.8 / max(1, len(rows))
    layers = np.arange(1, 2)
    for k, (label, seeds) in enumerate(rows.items()):
        alone = np.array([r["per_layer_test_error"] for r in seeds])
        prefix = np.array([r["prefix_test_error"] for r in seeds])
        marginal = prefix[:, :-1] - prefix[:, 1:]                 # layers 2..L
        offset = (k - (len(rows) - 1) / 2) * width
        layers = np.arange(1, alone.shape[1] + 1)
        ax1.bar(layers + offset, alone.mean(0), width, yerr=_spread(alone), capsize=2, label=label)
        ax2.bar(layers[1:] + offset, marginal.mean(0), width, yerr=_spread(marginal), capsize=2, label=label)
    ax1.set(title="error of each layer alone", xlabel="layer", ylabel="test error (%, log)", xticks=layers)
    _plain_log_axis(ax1)
    ax2.set(title="marginal contribution: error drop when layer k joins layers 1..k-1", xlabel="layer k",
            ylabel="points (symlog; below 0: the layer hurts)", xticks=layers[1:])
    _symlog_axis(ax2, 0.1)
    return _finish(fig, (ax1, ax2), path, title, axis="y", which="both")


def plot_seed_entropy(rows, path, title=None):
    """The paper's Figure 4 over seeds: Ent of the goodness (left) and its scale-free
    part KL(q || mu) = Ent / E[h] (right) per epoch, epoch 0 = initialisation;
    positive pairs solid, negative dashed; mean over seeds, band = min..max.

    rows : {row label: [result dicts with initial_entropy and per-epoch entropy]}
    """
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for (label, seeds), colour in zip(rows.items(), colours):
        for kind, style in (("positive", "-"), ("negative", "--")):
            for ax, key in zip(axes, ("total", "concentration")):
                curves = np.array([[r["initial_entropy"][kind][key]] +
                                   [h["entropy"][kind][key] for h in r["history"]] for r in seeds])
                epochs = np.arange(curves.shape[1])
                ax.plot(epochs, curves.mean(0), style, color=colour, label=f"{label}, {kind}")
                ax.fill_between(epochs, curves.min(0), curves.max(0), color=colour, alpha=0.12)
    axes[0].set(title="Ent(goodness): grows with the goodness' scale", xlabel="epoch (0: initialisation)",
                ylabel="Ent (log)")
    axes[1].set(title="KL(q || mu) = Ent / E[goodness]: scale-free", xlabel="epoch (0: initialisation)",
                ylabel="concentration (nats, log)")
    for ax in axes:
        _plain_log_axis(ax)
    return _finish(fig, axes, path, title, which="both")


def plot_regimes(table, path, title=None):
    """Where the paper's claims hold: per regime (reading of the paper), the test
    error and the marginal contribution of each later layer, one bar per method,
    mean +- std over seeds.

    table : {regime: {method label: [result dicts of its seeds]}}
    """
    regimes = list(table)
    labels = sorted({m for methods in table.values() for m in methods}, key=lambda m: (m != "FF, Network", m))
    L = max(len(r["prefix_test_error"]) for methods in table.values() for seeds in methods.values() for r in seeds)
    fig, axes = plt.subplots(1, L, figsize=(5 * L, 4.2), squeeze=False)
    axes = axes[0]
    width = 0.8 / max(1, len(labels))
    for k, label in enumerate(labels):
        x = np.arange(len(regimes)) + (k - (len(labels) - 1) / 2) * width
        for j, ax in enumerate(axes):           # panel 0: error; panel j: marginal of layer j + 1
            values = []
            for regime in regimes:
                prefix = np.array([r["prefix_test_error"] for r in table[regime].get(label, [])]).reshape(-1, L)
                values.append(prefix[:, -1] if j == 0 else prefix[:, j - 1] - prefix[:, j])
            ax.bar(x, [v.mean() if len(v) else np.nan for v in values], width,
                   yerr=[_spread(v) if len(v) else 0 for v in values], capsize=2, label=label)
    axes[0].set(title="test error", ylabel="test error (%, log)")
    _plain_log_axis(axes[0])
    for j, ax in enumerate(axes[1:], start=2):
        ax.set(title=f"marginal contribution of layer {j}", ylabel="points (symlog; below 0: it hurts)")
        _symlog_axis(ax, 0.1)
    for ax in axes:
        ax.set_xticks(np.arange(len(regimes)), regimes, rotation=20)
    return _finish(fig, axes, path, title, shared_legend=True, axis="y", which="both")


def plot_depth(rows, path, title=None):
    """Left: test error against depth, one line per method (mean +- std over seeds).
    Right: the marginal contribution of the deepest network's later layers, per method.

    rows : {method label: {depth: [result dicts of its seeds]}}
    """
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.2))
    for label, by_depth in rows.items():
        depths = [d for d, seeds in by_depth.items() if seeds]
        if not depths:
            continue
        errors = [np.array([r["test_error"] for r in by_depth[d]]) for d in depths]
        ax1.errorbar(depths, [e.mean() for e in errors], yerr=[_spread(e) for e in errors], marker="o", capsize=3,
                     label=label)
        deepest = np.array([r["prefix_test_error"] for r in by_depth[depths[-1]]])
        marginal = deepest[:, :-1] - deepest[:, 1:]
        ax2.plot(np.arange(2, deepest.shape[1] + 1), marginal.mean(0), marker="o",
                 label=f"{label}, {depths[-1]} layers")
    ax1.set(title="test error against depth", xlabel="hidden layers", ylabel="test error (%, log)")
    _plain_log_axis(ax1)
    ax2.set(title="marginal contribution of layer k, deepest network", xlabel="layer k",
            ylabel="points (symlog; below 0: it hurts)")
    _symlog_axis(ax2, 0.1)
    return _finish(fig, (ax1, ax2), path, title, which="both")


def plot_objective(rows, path, title=None):
    """Why an objective falls short, per row (mean over its seeds, per epoch): the training error,
    the mean goodness of the positive pairs (log: does it grow without bound?) and the share of the
    last layer's units that are silent (off for every probe pair).

    rows : {(method, reading): [result dicts of its seeds, trained with track_entropy=True]},
           e.g. ("FF", "entropy-labels"); one colour per reading, one line style per method
    """
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    readings = list(dict.fromkeys(reading for _, reading in rows))
    methods = list(dict.fromkeys(method for method, _ in rows))
    for (method, reading), seeds in rows.items():
        seeds = [r for r in seeds if r.get("history")]       # a diverged run has no history: nothing to draw
        if not seeds:
            continue
        label = f"{method}, {reading}"
        style = dict(ls=("-", "--", ":", "-.")[methods.index(method) % 4],
                     color=cycle[readings.index(reading) % len(cycle)])
        n = min(len(r["history"]) for r in seeds)            # the epochs every seed has
        epochs = [h["epoch"] for h in seeds[0]["history"][:n]]
        curves = [[h["train_error"] for h in r["history"][:n]] for r in seeds]
        axes[0].plot(epochs, np.mean(curves, axis=0), marker="o", label=label, **style)
        curves = [[h["entropy"]["positive"]["mean"] for h in r["history"][:n]] for r in seeds]
        axes[1].plot(epochs, np.mean(curves, axis=0), marker="o", label=label, **style)
        if all("activity" in h for r in seeds for h in r["history"][:n]):
            curves = [[h["activity"]["silent"][-1] for h in r["history"][:n]] for r in seeds]
            axes[2].plot(epochs, np.mean(curves, axis=0), marker="o", label=label, **style)
    axes[0].set(title="training error", xlabel="epoch", ylabel="error (%, log)")
    _plain_log_axis(axes[0])
    axes[1].set(title="mean goodness, positive pairs, all layers", xlabel="epoch", ylabel="g (log)", yscale="log")
    axes[2].set(title="silent units of the last layer", xlabel="epoch", ylabel="share of its units", ylim=(0, 1))
    return _finish(fig, axes, path, title, shared_legend=True)
