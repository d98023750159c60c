"""The answer's figure: FF beside CFF at each budget, every seed a dot (answer.py; see plots.py for the others)."""
import numpy as np

from ..plots import _finish, plt

SHORT_ROWS = {"cff-prev-layer": "CFF gamma(<t)\nLayer", "cff-prev-network": "CFF gamma(<t)\nNetwork",
              "cff-all-network": "CFF gamma\nNetwork"}


def plot_answer(panels, path, title=None):
    """One panel per dataset; per block row, FF's seeds (left) beside CFF's (right), a bar at each mean.

    panels : [(name, dataset, blocks)], blocks as answer.block_rows() gives them:
             [{"budget", "cff", "datasets": {dataset: {"ff": side, "cff": side}}}]; a panel's width
             follows its number of blocks.
    """
    widths = [len(blocks) for _, _, blocks in panels]
    fig, axes = plt.subplots(1, len(panels), figsize=(1.05 * sum(widths) + 0.8 * len(panels), 5), squeeze=False,
                             gridspec_kw=dict(width_ratios=widths))
    for ax, (name, dataset, blocks) in zip(axes[0], panels):
        ticks = [f"{b['budget']}\n{SHORT_ROWS[b['cff']]}" for b in blocks]
        for x, b in enumerate(blocks):
            sides = b["datasets"][dataset]
            if not sides["ff"]["errors"] and not sides["cff"]["errors"]:
                ax.text(x, 0.5, "not yet\nmeasured", transform=ax.get_xaxis_transform(), fontsize=7, ha="center")
            for k, (who, color) in enumerate((("ff", "C0"), ("cff", "C1"))):
                e = np.asarray(sides[who]["errors"], float)
                at = x + (k - 0.5) * 0.3
                if not len(e):
                    continue
                ax.scatter(np.full(len(e), at) + np.linspace(-0.04, 0.04, len(e)), e, s=14, color=color,
                           label=("FF" if who == "ff" else "CFF") if x == 0 else None, zorder=3)
                ax.hlines(e.mean(), at - 0.1, at + 0.1, color=color, lw=2)
        ax.set_xticks(np.arange(len(blocks)), ticks, fontsize=6.5)
        ax.set(title=name, ylabel="test error (%)", xlim=(-0.6, len(blocks) - 0.4))
        for x in range(1, len(blocks)):
            if blocks[x]["budget"] != blocks[x - 1]["budget"]:
                ax.axvline(x - 0.5, color="grey", lw=0.6)
    return _finish(fig, list(axes[0]), path, title, fontsize=8, axis="y")
