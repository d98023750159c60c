"""Figures of the transfer and continual-learning studies (see plots.py for the others)."""
import numpy as np

from ..plots import _finish, plt


def plot_transfer(rows, path, title=None):
    """Probe error per frozen layer, trained (solid) and at initialisation (dashed), mean +- std over seeds.

    rows : {method label: [transfer records of its seeds]}
    """
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for k, (label, runs) in enumerate(rows.items()):
        color = f"C{k}"
        for key, style, name in (("probe_error", "-", label), ("initial_probe_error", "--", f"{label}, at init")):
            e = np.array([r[key] for r in runs])
            ax.errorbar(np.arange(1, e.shape[1] + 1), e.mean(0), yerr=e.std(0), color=color, ls=style,
                        marker="o" if style == "-" else None, capsize=3, label=name)
    ax.set(xlabel="layer (frozen)", ylabel="probe test error on the target (%)")
    ax.set_xticks(np.arange(1, e.shape[1] + 1))
    return _finish(fig, [ax], path, title, fontsize=6)


def plot_continual(rows, path, title=None):
    """Mean accuracy over the tasks seen so far, after each task: class- and task-incremental.

    rows : {method label: [continual records of its seeds]}
    """
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, kind in zip(axes, ("class", "task")):
        for label, runs in rows.items():
            A = np.array([r["accuracy"][kind] for r in runs])             # (seeds, K, K)
            seen = np.array([[a[k, :k + 1].mean() for k in range(a.shape[0])] for a in A])
            ax.errorbar(np.arange(1, seen.shape[1] + 1), seen.mean(0), yerr=seen.std(0), marker="o", capsize=3,
                        label=label)
        ax.set(title=f"{kind}-incremental", xlabel="tasks learned", ylabel="accuracy on tasks seen (%)",
               ylim=(0, 101), xticks=np.arange(1, seen.shape[1] + 1))
    return _finish(fig, axes, path, title)
