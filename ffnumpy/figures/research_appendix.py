"""Figures of the research appendix (tutorial 05): the learning-rate sweep of section 1."""
import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np

from .collaborative import PLAIN, scale_for

MEASURES = {"training loss (last epoch)": lambda r: r["history"][-1]["loss"],
            "training error (%)": lambda r: r["history"][-1]["train_error"],
            "held-out error (%)": lambda r: r["test_error"]}


def sweep_curve(runs, lrs, key):
    """(len(lrs),) array of key(result) per rate, nan where training diverged.   runs : {lr: result or None}"""
    return np.array([np.nan if r is None else key(r) for r in (runs[lr] for lr in lrs)])


def plot_sweep(sweep, lrs, colors, title):
    """Three panels against the learning rate (log axis): training loss, training error, held-out error,
    one curve per method. A panel's y axis turns logarithmic when one value is more than 3 times another.
    sweep : {name: {lr: train()'s result, or None if training diverged}}; colors : {name: colour}"""
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
    for ax, (label, key) in zip(axes, MEASURES.items()):
        for name in sweep:
            ax.plot(lrs, sweep_curve(sweep[name], lrs, key), "o-", color=colors[name], label=name)
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(PLAIN)
        ax.xaxis.set_minor_formatter(mticker.NullFormatter())
        ax.set_xticks(lrs)
        scale_for(ax, [sweep_curve(sweep[name], lrs, key) for name in sweep])
        ax.set_xlabel("learning rate (Adam)")
        ax.set_ylabel(label)
        ax.legend(fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig
