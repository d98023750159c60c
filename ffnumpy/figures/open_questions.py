"""Notebook 04's figures, and the sentences that read its numbers.

transfer_runs : {method: run_transfer() dict} ("probe_error", "initial_probe_error" : one per layer, in %;
                "finetune_error", "scratch_error")
continual_runs : {method: run_continual() dict} ("accuracy" and "average_accuracy", each by "class" and "task")
note : what the runs are worth (one seed, a small budget, or FAST mode), written into titles and sentences
"""
import matplotlib.pyplot as plt
import numpy as np


def plot_transfer_probes(transfer_runs, note):
    """Section 2: the probe's test error on the target, layer by layer, trained (solid) and at
    initialisation (dashed)."""
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for k, (name, r) in enumerate(transfer_runs.items()):
        layers = np.arange(1, len(r["probe_error"]) + 1)
        ax.plot(layers, r["probe_error"], "o-", color=f"C{k}", label=f"{name}, trained on 0-4")
        ax.plot(layers, r["initial_probe_error"], "--", color=f"C{k}", alpha=0.6, label=f"{name}, at initialisation")
    ax.set(xlabel="frozen layer", ylabel="probe test error on 5-9 (%)", xticks=layers,
           title=f"What each frozen layer knows about digits it never saw ({note})")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def transfer_lines(transfer_runs, note):
    """Per method: the probe's gain over initialisation per layer, the best layer, and whether fine-tuning
    beat training from scratch."""
    lines = [f"What this run says ({note}):"]
    for name, r in transfer_runs.items():
        gain = np.array(r["initial_probe_error"]) - np.array(r["probe_error"])
        best = int(np.argmin(r["probe_error"])) + 1
        lines.append(f"- {name}: probe error on 5-9, trained minus at initialisation: "
                     + ", ".join(f"{-g:+.2f}" for g in gain)
                     + " points (layers 1..L; below 0: training on 0-4 helped); "
                     f"the best layer for 5-9 is layer {best}; fine-tuning "
                     f"{'beat' if r['finetune_error'] < r['scratch_error'] else 'did not beat'} training from scratch "
                     f"({r['finetune_error']:.2f}% vs {r['scratch_error']:.2f}%).")
    return lines


def plot_accuracy_matrices(continual_runs, note):
    """Section 3: the accuracy matrix A[k][j] (%) of every method, class-incremental (top) and task-incremental
    (bottom); entries of tasks not learned yet (j > k) are left blank."""
    fig, axes = plt.subplots(2, len(continual_runs), figsize=(3.3 * len(continual_runs), 6.2))
    for col, (name, r) in enumerate(continual_runs.items()):
        for row, kind in enumerate(("class", "task")):
            ax = axes[row, col]
            A = np.array(r["accuracy"][kind])
            learned = np.tril(np.ones_like(A, dtype=bool))          # task j is learned once row k >= j
            cmap = plt.get_cmap("viridis").copy()
            cmap.set_bad("whitesmoke")                              # tasks not learned yet: blank, no number
            ax.imshow(np.ma.masked_where(~learned, A), vmin=0, vmax=100, cmap=cmap)
            for k, j in zip(*np.nonzero(learned)):
                ax.text(j, k, f"{A[k, j]:.0f}", ha="center", va="center", fontsize=9,
                        color="white" if A[k, j] < 60 else "black")
            ax.set(title=f"{name}, {kind}-incr.: mean {r['average_accuracy'][kind]:.0f}%", xlabel="task measured",
                   ylabel="after task", xticks=range(len(A)), yticks=range(len(A)))
    fig.suptitle(f"Split-MNIST: accuracy (%) on every task after each task ({note})")
    fig.tight_layout()
    return fig
