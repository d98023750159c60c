"""Solved student cells and answers of tutorials/04_open_questions.ipynb.

tutorials/make_solved.py puts CELLS[id] in place of the student cell whose metadata says
{"exercise": id}, and ANSWERS[id] after the question cell whose metadata says {"question": id}.
"""

CELLS = {
    "task_negatives": '''# Your turn: a wrong label for every image, drawn among the task's labels only.
def my_wrong_labels_among(y, classes, rng):
    # y : (N,) int labels, each one of `classes`; classes : the K >= 2 labels of the task
    # returns (N,) int labels: each uniform over the K - 1 labels of `classes` other than y
    classes = np.unique(np.asarray(classes))                 # sorted, no repeats
    y = np.asarray(y)
    pos = np.searchsorted(classes, y)                        # where y sits among the task's labels
    if np.any(classes[np.minimum(pos, len(classes) - 1)] != y):
        raise ValueError(f"every label must be one of the task's labels {classes.tolist()}")
    k = rng.integers(1, len(classes), size=len(y))           # 1 .. K-1: never 0, so never y itself
    return classes[(pos + k) % len(classes)]''',

    "probe_grads": '''# Your turn: the linear probe's cross-entropy and its gradients.
def my_probe_grads(V, c, f, y):
    # V : (M, 10), c : (10,), f : (N, M) features, y : (N,) int labels
    # returns loss (float), dV : (M, 10), dc : (10,)
    N = len(y)
    logits = f @ V + c                                       # (N, 10)
    z = logits - logits.max(axis=1, keepdims=True)           # the same softmax; exp(z) <= 1
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    loss = -log_p[np.arange(N), y].mean()
    dlogits = np.exp(log_p)                                  # softmax
    dlogits[np.arange(N), y] -= 1                            # softmax - onehot
    dlogits /= N                                             # the mean over N
    return float(loss), f.T @ dlogits, dlogits.sum(axis=0)   # dL/dV = f^T dlogits, dL/dc = sum_n dlogits''',

    "forgetting": '''# Your turn: forgetting per task from the accuracy matrix.
def my_forgetting(A):
    # A : (K, K) array-like, A[k][j] = accuracy (%) on task j after learning tasks 0..k
    # returns a list of K - 1 floats: max_{j <= k < K-1} A[k][j] - A[K-1][j], for j = 0 .. K-2
    A = np.asarray(A, dtype=float)
    K = len(A)
    return [float(A[j:K - 1, j].max() - A[K - 1, j]) for j in range(K - 1)]''',

    "alpha_grad": '''# Your turn: dL_i / dalpha_it for every t.
def my_alpha_grad(dg, G, theta, i):
    # dg : (N,) dL_i/ds_i per pair; G : (N, L) goodness of every layer; theta : (L,); i : the layer
    # returns (L,): entry t = dL_i/dalpha_it, with s_i = g_i - theta_i + sum_{t != i} alpha_it (g_t - theta_t)
    # and dL_i/ds_i = dg (per pair); entry i = 0 (alpha_ii is not a weight)
    grad = dg @ (G - theta)            # ds_i/dalpha_it = g_t - theta_t, summed over the pairs
    grad[i] = 0                        # alpha_ii is not a parameter
    return grad''',
}

ANSWERS = {
    "neutral": "With the true label written in, the input itself says the class: FF's layers were trained to "
               "respond to the label pixels. So a linear read-out can pick up the label from the overlay and "
               "reach a low error without the layer knowing anything about the image. On the target task, whose "
               "label pixels the source network never saw in positive pairs, it reads our answer back to us. "
               "The neutral label (0.1 in all ten pixels) is the same for every image, so whatever the probe "
               "finds comes from the image. The random-initialisation control matters because 300 random ReLU "
               "features of a 784-pixel image already support a good linear classifier (a random projection "
               "followed by a nonlinearity). So a probe error of a few percent on a trained layer is news only if "
               "the same probe on the untrained layer does clearly worse.",
    "scenarios": "While the network learns (8, 9), every positive pair carries the label 8 or 9, so the layers "
                 "learn that the label pixels of 8 and 9 raise goodness. The negatives (the other labels seen so "
                 "far) push the goodness of those labels down only on images of 8 and 9. Nothing reminds the "
                 "network that 0-7 are good labels for their images. So expect the labels 8 and 9 to win the "
                 "ten-way argmax on many images of the old tasks. Class-incremental accuracy on the old tasks "
                 "should fall far below its value right after each was learned (check it in the heat maps: the "
                 "last row against the diagonal). Task-incremental evaluation lets only the task's two labels "
                 "compete. So if the network still ranks 2 above 3 on images of a 2 (even with both far below 8 "
                 "and 9), the answer is right. This evaluation measures what is kept within a task and hides the competition "
                 "across tasks. Backprop label shares the cause: its softmax is trained only on the labels of the "
                 "current task. So the cross-entropy raises the logits of 8 and 9 and lowers the others on every "
                 "image it sees, and nothing pushes back for 0-7. Both rules learn only from the current task's "
                 "data; the goodness vote is not the culprit, the sequence of data is (replay, exercise 1, is the "
                 "usual cure).",
    "alpha": "A negative alpha_it means layer i subtracts layer t's (centred) goodness from its logit: when layer "
             "t is confident that a pair is positive, layer i is pushed to be less so. It would learn that when "
             "layer t's goodness is high for the wrong reasons, e.g. on negative pairs, so discounting it makes "
             "layer i's logit more accurate. If every alpha_it went to 0, s_i = g_i - theta_i: that is FF, each "
             "layer on its own."
}
