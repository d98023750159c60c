"""Figures of tutorial 01 (Forward-Forward): backprop against FF as a diagram, and a layer learning."""
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyBboxPatch
from matplotlib.ticker import FuncFormatter, LogLocator


def box(ax, x, y, text, color, width=2.2, height=0.7):
    """A rounded box centred at (x, y) with `text` inside."""
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height, boxstyle="round,pad=0.05",
                                facecolor=color, edgecolor="k", linewidth=1))
    ax.text(x, y, text, ha="center", va="center", fontsize=9)


def arrow(ax, start, end, color="k", text=None, side=0.15, style="-|>", rad=0.0):
    """An arrow from `start` to `end`, its label `side` to the right (left if negative) of its middle."""
    ax.annotate("", xy=end, xytext=start,
                arrowprops=dict(arrowstyle=style, color=color, linewidth=1.5, connectionstyle=f"arc3,rad={rad}"))
    if text:
        ax.text((start[0] + end[0]) / 2 + side, (start[1] + end[1]) / 2, text, color=color, fontsize=8,
                va="center", ha="left" if side >= 0 else "right")


def backprop_and_ff():
    """Two panels: backprop (one loss, gradients down through every layer) and FF (a loss per layer)."""
    fig, (bp, ff) = plt.subplots(1, 2, figsize=(12, 5.4), gridspec_kw={"width_ratios": [5, 6.4]})
    levels = [0.5, 2.0, 3.5, 5.0, 6.5]                 # input, layer 1, layer 2, layer 3, (backprop) the loss
    box(bp, 0, levels[0], "input (x, y)", "whitesmoke")
    for i in (1, 2, 3):
        box(bp, 0, levels[i], f"layer {i}", "lightsteelblue")
    box(bp, 0, levels[4], "one loss L at the top", "mistyrose")
    for i in (1, 2, 3, 4):
        lo, hi = levels[i - 1] + 0.38, levels[i] - 0.38
        arrow(bp, (-0.6, lo), (-0.6, hi), "k", "x" if i == 1 else f"h_{i - 1}", side=-0.1)
        if i > 1:
            arrow(bp, (0.6, hi), (0.6, lo), "tab:red", f"dL/dh_{i - 1}")
    bp.text(0, -0.35, "every layer waits for dL/dh from above\nand keeps its activities until it arrives",
            ha="center", fontsize=8)
    bp.set_title("backprop: a forward pass up, one loss, gradients down", fontsize=10)
    bp.set_xlim(-2.2, 2.8)
    box(ff, 0, levels[0], "input (x, y)", "whitesmoke")
    for i in (1, 2, 3):
        box(ff, 0, levels[i], f"layer {i}", "lightsteelblue")
        box(ff, 3.2, levels[i], f"g_{i} = ||h_{i}||^2\nloss L_{i}", "mistyrose", width=2.0, height=0.8)
        arrow(ff, (1.15, levels[i] + 0.1), (2.15, levels[i] + 0.1), "k")
        arrow(ff, (2.15, levels[i] - 0.2), (1.15, levels[i] - 0.2), "tab:green")
        ff.text(1.65, levels[i] - 0.45, f"dW_{i}, db_{i}", color="tab:green", fontsize=8, ha="center")
        ff.text(1.65, levels[i] + 0.3, f"h_{i}", fontsize=8, ha="center")
        label = "x / RMS(x)" if i == 1 else f"h_{i - 1} / RMS(h_{i - 1})"
        arrow(ff, (0, levels[i - 1] + 0.38), (0, levels[i] - 0.38), "k", label, side=0.1)
    ff.text(1.4, -0.35, "activity goes up (normalised); each update stays inside its layer:\n"
            "no gradient crosses a layer boundary", ha="center", fontsize=8)
    ff.set_title("FF: every layer has its own goodness, loss and update", fontsize=10)
    ff.set_xlim(-1.8, 4.6)
    for ax in (bp, ff):
        ax.set_ylim(-0.8, 7.1)
        ax.axis("off")
    handles = [plt.Line2D([], [], color="k", label="activity, sent up (forward)"),
               plt.Line2D([], [], color="tab:red", label="gradient dL/dh, sent down (backward)"),
               plt.Line2D([], [], color="tab:green", label="FF: update of the layer's own weights from its own loss")]
    fig.legend(handles=handles, loc="lower center", ncol=3, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def goodness_snapshots(snapshots, steps, theta, losses):
    """Four histograms of s = g - theta on fixed probe pairs, one per snapshot, on one x range, and the loss.

    snapshots : {step: ((P,) goodness of the positive probe pairs, (P,) of the negative ones)}
    steps     : the 4 steps to draw, in order; theta : the layer's threshold
    losses    : (S,) the loss of every training step, drawn as a running mean on a log axis
    """
    fig, axes = plt.subplots(1, 5, figsize=(13, 3.2))
    every = np.concatenate([np.concatenate(snapshots[s]) - theta for s in steps])
    lo, hi = np.percentile(every, [0.5, 99.5])                 # one x range for all four: the shift is visible
    bins = np.linspace(min(lo, -1.0), max(hi, 1.0), 50)
    for ax, s in zip(axes, steps):
        s_pos, s_neg = snapshots[s][0] - theta, snapshots[s][1] - theta      # logits s = g - theta
        ax.hist(np.clip(s_pos, bins[0], bins[-1]), bins, alpha=0.6, label="positive pairs")
        ax.hist(np.clip(s_neg, bins[0], bins[-1]), bins, alpha=0.6, label="negative pairs")
        ax.axvline(0.0, color="k", linestyle="--", linewidth=1)
        right = 100 * (np.mean(s_pos > 0) + np.mean(s_neg < 0)) / 2
        ax.set_title(f"step {s}: {right:.0f}% correct side", fontsize=9)
        ax.set_xlabel("s = g - theta", fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0].set_ylabel(f"number of pairs (of {len(snapshots[steps[0]][0])} each)", fontsize=8)
    axes[0].legend(fontsize=7)
    window = max(1, len(losses) // 20)
    run = np.convolve(losses, np.ones(window) / window, mode="valid")
    axes[4].plot(np.arange(len(run)) + window, run, linewidth=1)
    for k, s in enumerate(steps):                              # the moments of the four histograms
        axes[4].axvline(s, color="k", linestyle=":", linewidth=1.2, label="histogram snapshots" if k == 0 else None)
    axes[4].legend(fontsize=7)
    axes[4].set_yscale("log")
    plain = FuncFormatter(lambda v, _: f"{v:g}")
    axes[4].yaxis.set_major_formatter(plain)
    axes[4].yaxis.set_minor_locator(LogLocator(base=10, subs=(0.2, 0.5)))
    axes[4].yaxis.set_minor_formatter(plain)
    axes[4].tick_params(axis="both", which="both", labelsize=7)
    axes[4].set_title("training loss (log scale)", fontsize=9)
    axes[4].set_xlabel("step", fontsize=8)
    axes[4].set_ylabel("loss, mean over pairs", fontsize=8)
    fig.tight_layout()
    return fig
