"""Figures of tutorial 02 (Collaborative FF): which goodness enters which logit, learning curves,
and what each layer adds, with the sentences that read the last one."""
import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch, Patch

PLAIN = mticker.FuncFormatter(lambda v, _: f"{v:g}")        # 2, 5, 10 rather than 2x10^0 on log axes
SPARSE = mticker.FuncFormatter(lambda v, _: f"{v:g}" if f"{v:g}"[0] in "235" else "")  # minor ticks: 2, 3, 5, 20


def scale_for(ax, values, which="y"):
    """Log scale with plain tick labels when the values span more than a factor of 3 (else linear); True if log."""
    v = np.ravel(np.asarray(values, dtype=float))
    v = v[np.isfinite(v) & (v > 0)]
    if v.size == 0 or v.max() / v.min() <= 3:
        return False
    getattr(ax, f"set_{which}scale")("log")
    getattr(ax, f"{which}axis").set_major_formatter(PLAIN)
    getattr(ax, f"{which}axis").set_minor_formatter(SPARSE)
    return True


def box(ax, x, y, text, color, w, h=0.62):
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.04", facecolor=color,
                                edgecolor="k", linewidth=0.8))
    ax.text(x, y, text, ha="center", va="center", fontsize=9)


def arrow(ax, start, end, color="k", style="-", rad=0.0, width=1.2):
    ax.annotate("", xy=end, xytext=start, arrowprops=dict(arrowstyle="-|>", color=color, linestyle=style,
                lw=width, shrinkA=0, shrinkB=0, connectionstyle=f"arc3,rad={rad}"))


def which_goodness(rows=(1.5, 2.7, 3.9)):
    """Two panels, gamma(<t) and gamma (all): the frozen goodness that each layer's logit adds."""
    layer, logit, frozen = dict(x=1.0, w=1.6), dict(x=4.3, w=2.3), dict(x=7.8, w=1.7)
    fig, panels = plt.subplots(1, 2, figsize=(13, 4.8))
    for ax, mode, title in ((panels[0], "previous", r"$\gamma(<t)$: the layers below"),
                            (panels[1], "all", r"$\gamma$ (all): every other layer")):
        box(ax, layer["x"], 0.4, "pair (x, y)", "white", layer["w"])
        box(ax, frozen["x"], 0.4, "the same pair", "white", frozen["w"])
        for i, y in enumerate(rows):
            k = i + 1
            box(ax, layer["x"], y, f"layer {k}: $W_{k}$", "#cfe3f7", layer["w"])
            box(ax, frozen["x"], y, f"$\\hat f$, layer {k}\n(frozen)", "#e4e4e4", frozen["w"])
            box(ax, logit["x"], y, f"$s_{k} = g_{k} + \\gamma_{k} - \\Theta_{k}$", "#fde9c9", logit["w"])
            below = 0.4 if i == 0 else rows[i - 1]
            arrow(ax, (layer["x"], below + 0.31), (layer["x"], y - 0.31))                   # forward pass
            arrow(ax, (frozen["x"], below + 0.31), (frozen["x"], y - 0.31), color="grey")
            arrow(ax, (layer["x"] + layer["w"] / 2, y), (logit["x"] - logit["w"] / 2, y), color="tab:blue", width=2)
            ax.text((layer["x"] + layer["w"] / 2 + logit["x"] - logit["w"] / 2) / 2, y + 0.1, f"$g_{k}$",
                    color="tab:blue", fontsize=9, ha="center", va="bottom")
        for i, y in enumerate(rows):                                  # gamma_i: the frozen goodness g^_t it sums
            for t, y_t in enumerate(rows):
                if (mode == "previous" and t < i) or (mode == "all" and t != i):
                    arrow(ax, (frozen["x"] - frozen["w"] / 2, y_t),
                          (logit["x"] + logit["w"] / 2, y + 0.08 * (t - i)),
                          color="grey", style="--", rad=0.12 if t < i else -0.12)
        ax.text((logit["x"] + frozen["x"]) / 2 + 0.2, 4.5, r"$\hat g_t$: no gradient", color="grey", fontsize=9,
                ha="center")
        ax.set_title(title, fontsize=10)
        ax.set_xlim(-0.1, 8.8)
        ax.set_ylim(0, 4.8)
        ax.axis("off")
    legend = {"tab:blue": ("-", "$g_i$ of the layer itself: the gradient flows back into $W_i$"),
              "grey": ("--", r"$\hat g_t$ of the frozen copy $\hat f$, summed into $\gamma_i$: a constant"),
              "k": ("-", "forward pass (each layer's input: the one below, normalised)")}
    fig.legend(handles=[Line2D([], [], color=color, ls=ls, lw=2, label=label) for color, (ls, label) in legend.items()],
               loc="lower center", ncol=3, fontsize=8.5, frameon=False)
    fig.suptitle("Which layers' goodness enters which logit?", fontsize=11)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def learning_curves(curves, results, schedules, colors, epochs):
    """Test error per epoch (Network schedule), training loss (Network), test error (Layer schedule).

    curves    : {name: [test error (%) after each epoch]}; results : {name: train()'s result, with "history"}
    schedules : {name: "network" or "layer"}; colors : {name: colour}
    epochs    : epochs per phase (the whole run under Network, per layer under Layer)
    """
    network = [n for n in curves if schedules[n] == "network"]
    layer = [n for n in curves if schedules[n] == "layer"]
    depth = max((len(curves[n]) // epochs for n in layer), default=1)
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.7))
    for name in network:
        x = np.arange(1, len(curves[name]) + 1)
        axes[0].plot(x, curves[name], "o-", color=colors[name], label=name)
        axes[1].plot(x, [h["loss"] for h in results[name]["history"]], "o-", color=colors[name], label=name)
    for name in layer:
        axes[2].plot(np.arange(1, len(curves[name]) + 1), curves[name], "o--", color=colors[name], label=name)
    for k in range(1, depth):
        axes[2].axvline(k * epochs + 0.5, color="grey", linestyle="--", linewidth=0.8)
    # Hinton's schedule: the rate is constant for the first half of the epochs (of each layer's phase), then decays
    decay = ((axes[0], [epochs / 2]), (axes[1], [epochs / 2]),
             (axes[2], [k * epochs + epochs / 2 for k in range(depth)]))
    for ax, starts in decay:
        for k, x in enumerate(starts):
            ax.axvline(x + 0.5, color="tab:red", linestyle=":", linewidth=1.2,
                       label="the learning rate starts to decay" if k == 0 else None)
    axes[0].set_title("Network schedule: test error", fontsize=10)
    axes[1].set_title("Network schedule: training loss", fontsize=10)
    axes[2].set_title("Layer schedule: test error (layers so far)", fontsize=10)
    for ax in axes:
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(mticker.MaxNLocator(integer=True))
        ax.legend(fontsize=7)
    scale_for(axes[0], [curves[n] for n in network])               # log only when one curve dwarfs another
    scale_for(axes[1], [[h["loss"] for h in results[n]["history"]] for n in network])
    scale_for(axes[2], [curves[n] for n in layer])
    axes[0].set_ylabel("test error (%)")
    axes[2].set_ylabel("test error (%)")
    axes[1].set_ylabel("mean loss over the epoch")
    fig.suptitle("How fast does each method learn? (one seed)", fontsize=11)
    fig.tight_layout()
    return fig


def layer_contributions(contrib, colors, hatches):
    """Three bar panels per network: layer k alone, layers 1..k, and the marginal contribution of layer k.

    contrib : {name: {"per_layer": L errors (%), "prefix": L errors (%), "marginal": L points}}
    colors, hatches : {name: colour}, {name: hatch or None} (hatched: Layer schedule)
    The two error panels turn logarithmic when one bar is more than 3 times another (scale_for); the
    marginal panel turns symmetric-log (linear from -0.1 to +0.1 point, logarithmic beyond) when a
    marginal is larger than 3 points, so a +0.1 beside a +18 stays visible. Every bar's value is written on it.
    """
    names = list(contrib)
    L = len(contrib[names[0]]["per_layer"])
    fig, axes = plt.subplots(1, 3, figsize=(13.5, 4.8))
    width = 0.8 / len(names)
    ks = np.arange(1, L + 1)
    for j, n in enumerate(names):
        offset = (j - (len(names) - 1) / 2) * width
        style = dict(color=colors[n], hatch=hatches[n], edgecolor="k", linewidth=0.3, label=n)
        axes[0].bar(ks + offset, contrib[n]["per_layer"], width, **style)
        axes[1].bar(ks + offset, contrib[n]["prefix"], width, **style)
        axes[2].bar(ks[1:] + offset, contrib[n]["marginal"][1:], width, **style)
    for ax, key in ((axes[0], "per_layer"), (axes[1], "prefix")):
        errors = [e for n in names for e in contrib[n][key]]
        if scale_for(ax, errors):
            ax.set_ylim(min(e for e in errors if e > 0) / 1.6, max(errors) * 4)    # room for the labels
        else:
            ax.set_ylim(0, max(errors) * 1.3)
    marginals = [m for n in names for m in contrib[n]["marginal"][1:]]
    symlog_marginals(axes[2], marginals)
    for ax in axes:
        for bars in ax.containers:
            ax.bar_label(bars, fmt="%.2f" if ax is not axes[2] else "%+.2f", fontsize=8, rotation=90, padding=2)
    axes[0].set_title("layer k alone", fontsize=11)
    axes[1].set_title("layers 1..k", fontsize=11)
    axes[2].set_title("marginal contribution of layer k", fontsize=11)
    axes[2].axhline(0, color="k", linewidth=0.8)
    axes[0].set_ylabel("test error (%)")
    axes[1].set_ylabel("test error (%)")
    axes[2].set_ylabel("error(1..k-1) - error(1..k), points")
    for ax in axes:
        ax.set_xlabel("k")
        ax.set_xticks(ks if ax is not axes[2] else ks[1:])
    fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", ncol=len(names), fontsize=9, frameon=False)
    fig.suptitle("What does each layer add? (one seed; hatched: Layer schedule)", fontsize=12)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig


def symlog_marginals(ax, marginals, linthresh=0.1, switch=3.0):
    """A symmetric-log y axis (linear within +-linthresh points, logarithmic beyond, plain tick labels) when
    some marginal is larger than `switch` points; else linear. Limits leave room for a label on every bar.
    Returns True if the axis is symmetric-log.   marginals : the values drawn, in points"""
    top, bottom = max(max(marginals), 0.0), min(min(marginals), 0.0)
    if max(top, -bottom) <= switch:
        span = max(top - bottom, 0.1)
        ax.set_ylim(bottom - 0.3 * span * (bottom < 0), top + 0.3 * span)
        return False
    ax.set_yscale("symlog", linthresh=linthresh)
    ax.yaxis.set_major_formatter(PLAIN)
    ax.set_ylim(min(12 * bottom, -1.5 * linthresh), 15 * top)
    return True


def contribution_table(contrib):
    """The numbers of layer_contributions as lines: alone, layers 1..k, marginals of layers 2..L."""
    L = len(next(iter(contrib.values()))["per_layer"])
    lines = [f"{'':21s} {'alone':>20s}   {'layers 1..k':>20s}   marginal of layers 2..{L}"]
    for n, c in contrib.items():
        lines.append(f"{n:21s} {' '.join(f'{e:6.2f}' for e in c['per_layer'])}   "
                     f"{' '.join(f'{e:6.2f}' for e in c['prefix'])}   "
                     f"{' '.join(f'{m:+6.2f}' for m in c['marginal'][1:])}")
    return lines


def what_layers_show(contrib, fast, n_test, ff="FF"):
    """Sentences read from the contributions: per network, its best single layer and which later layers
    raised the error; then whether the paper's FF pattern (layer 1 alone the best single layer, and a
    later layer that hurts) appears in network `ff`. fast: the notebook's FAST switch; n_test: test images."""
    lines = [f"What this run shows ({'FAST mode: a smoke test, these numbers mean little' if fast else 'one seed'};"
             f" 1 point = {n_test // 100} test images):"]
    for n, c in contrib.items():
        later = c["marginal"][1:]
        hurting = [k + 2 for k, m in enumerate(later) if m < 0]
        best = int(np.argmin(c["per_layer"])) + 1
        if not hurting and all(m > 0 for m in later):
            said = "every later layer lowered the error"
        elif hurting:
            said = f"layer(s) {hurting} raised the error"
        else:
            said = "some later layer changed nothing"
        lines.append(f"- {n}: the best single layer is layer {best}; {said} "
                     f"(marginals {', '.join(f'{m:+.2f}' for m in later)} points)")
    c = contrib[ff]
    pattern = c["per_layer"][0] == min(c["per_layer"]) and min(c["marginal"][1:]) < 0
    lines.append(f"The paper's FF pattern (layer 1 alone the best single layer, and a later layer that hurts) "
                 f"{'appears' if pattern else 'does not appear'} in this FF run; section 6 tests each marginal "
                 "with McNemar's test.")
    return lines


def against_the_paper(errors, paper, colors, hatches, title):
    """One bar per run (its test error, %) and a diamond at the paper's error for the same row.

    errors, paper : {name: test error (%)}; colors, hatches : {name: colour}, {name: hatch or None}
    """
    names = list(errors)
    fig, ax = plt.subplots(figsize=(10, 3.4))
    ax.bar(range(len(names)), [errors[n] for n in names], color=[colors[n] for n in names],
           hatch=[hatches[n] for n in names], edgecolor="k", linewidth=0.5)
    ax.plot(range(len(names)), [paper[n] for n in names], "kD", markersize=5)
    for k, n in enumerate(names):
        ax.text(k, errors[n], f"{errors[n]:.2f}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(names)), [n.replace(", ", "\n") for n in names], fontsize=8)
    ax.set_ylabel("test error (%)")
    bars = [Patch(facecolor=colors[n], edgecolor="k", label=f"bar: this notebook, {n} (one seed)")
            for n in names if hatches[n] is None]
    ax.legend(handles=bars + [Patch(facecolor="white", edgecolor="k", hatch="//", label="hatched bar: Layer schedule"),
                              Line2D([], [], color="k", marker="D", ls="", markersize=5,
                                     label="diamond: the paper's MNIST error (its own budget)")],
              fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig
