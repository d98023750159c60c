"""Continual learning on Split-MNIST: five two-class tasks learned one after another.

Task k holds the digits TASKS[k]; the network trains cfg.epochs epochs on that
task's training images (the same budget per task for every method), negatives
drawn only among the labels seen so far (tasks 0..k). After each task every
task's test images are classified two ways:

    class-incremental  all the labels seen so far compete (after the last task,
                       all ten): the network must also know which task an
                       image comes from (van de Ven et al., 2022);
    task-incremental   only the task's two labels compete.

With A[k][j] the accuracy (%) on task j after training task k (K = 5 tasks):
    average accuracy  = mean_j A[K-1][j]
    forgetting of j   = max_{j <= k < K-1} A[k][j] - A[K-1][j]      (j < K-1)
"""
import numpy as np

from ..data import load_dataset
from .tasks import error_among, fit, select
from ..train import build_model

TASKS = ((0, 1), (2, 3), (4, 5), (6, 7), (8, 9))


def forgetting(A):
    """A : (K, K) accuracies, A[k][j] on task j after task k  ->  (K-1,) forgetting per task."""
    A = np.asarray(A, dtype=float)
    K = len(A)
    return [float(A[j:K - 1, j].max() - A[K - 1, j]) for j in range(K - 1)]


def run_continual(cfg, data=None, tasks=None):
    """Learn `tasks` (default TASKS) in sequence; returns a JSON-ready dict of the accuracy matrices
    and their summaries."""
    data, tasks = data or load_dataset(cfg.dataset, validation=True), tasks or TASKS
    model = build_model(cfg, data.x_train.shape[1], np.random.default_rng(cfg.seed))
    tests = [select(data.x_test, data.y_test, task) for task in tasks]
    seen, A = [], {"class": [], "task": []}
    for task in tasks:
        seen += task
        fit(model, cfg, *select(data.x_train, data.y_train, task), cfg.epochs, seen)
        A["class"].append([100 - error_among(model, x, y, seen) for x, y in tests])
        A["task"].append([100 - error_among(model, x, y, t) for (x, y), t in zip(tests, tasks)])
    return {"tasks": [list(t) for t in tasks], "accuracy": A,
            "average_accuracy": {k: float(np.mean(a[-1])) for k, a in A.items()},
            "forgetting": {k: forgetting(a) for k, a in A.items()},
            "epochs_per_task": cfg.epochs}
