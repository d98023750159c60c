"""Solved student cells and answers of tutorials/01_forward_forward.ipynb (see tutorials/make_solved.py)."""

CELLS = {
    "goodness": '''def goodness(h):
    """The goodness of every row: the sum of its squared activities.   h : (N, M)  ->  g : (N,)"""
    return np.sum(h * h, axis=1)


def goodness_backward(dg, h):
    """dL/dh from dL/dg (the chain rule through g = ||h||^2, row by row).   dg : (N,), h : (N, M)  ->  dh : (N, M)"""
    return dg[:, None] * 2 * h     # dg_n/dh_nj = 2 h_nj: row n of 2h times its own dg[n]''',

    "ff_loss": '''def ff_loss(g, theta, sign):
    """Mean FF loss of a batch of pairs, and its gradient with respect to g.

    g : (N,) goodness, theta : a number, sign : (N,) +1 for positive pairs, -1 for negative pairs
    returns loss (a number: the mean over the N pairs of each pair's logistic loss, section 4)
            and dg = dL/dg : (N,)
    """
    s = g - theta
    loss = np.mean(softplus(-sign * s))
    dg = -sign * sigmoid(-sign * s) / len(g)      # dL/ds, and ds/dg = 1
    return loss, dg''',

    "layer_backward": '''def layer_backward(dh, cache):
    """From dL/dh to the layer's parameters (steps 4 and 5).

    dh : (N, M); cache = (xn, z) from layer_forward: xn : (N, D) the normalised input, z : (N, M)
    returns dW = dL/dW : (D, M), db = dL/db : (M,)   (h = relu(z), z = xn W + b)
    """
    xn, z = cache
    dz = dh * (z > 0)              # a new array: dh is left untouched
    return xn.T @ dz, dz.sum(axis=0)''',

    "network_step": '''def network_step(params, pairs, sign, lr):
    """One FF step of a whole network, every layer on its own loss, plain gradient descent.

    params : [(W_1, b_1), ..., (W_L, b_L)], W_i : (D_i, M_i), b_i : (M_i,); change them in place
    pairs  : (N, D_0) positive and negative pairs (D_0 = 784 here; the grader's network has 12 inputs),
             sign : (N,) +1 / -1, lr : a number
    theta_i = M_i (the width of layer i)
    returns [L_1, ..., L_L]: each layer's loss before the update
    """
    forward, x = [], pairs
    for W, b in params:                        # one forward pass, the weights as they were
        h, cache = layer_forward(x, W, b)
        forward.append((h, cache))
        x = h                                  # the next layer's input (layer_forward normalises it)
    losses = []
    for (W, b), (h, cache) in zip(params, forward):
        loss, dg = ff_loss(goodness(h), float(W.shape[1]), sign)     # theta_i = the width
        dW, db = layer_backward(goodness_backward(dg, h), cache)     # no gradient to the layer below
        W -= lr * dW                           # in place: the caller's arrays change
        b -= lr * db
        losses.append(loss)
    return losses''',
}

ANSWERS = {
    "negatives": """Without negatives the loss -log sigmoid(g - theta) is lowered by making g large for *every*
input. A layer that fires strongly for anything (for instance by growing all its weights or biases) is optimal,
and it has learned nothing about whether the label fits the digit. The negative pairs, the same images with a
wrong label in the same pixels, make the only way to lower the loss to tell the two apart, i.e. to check whether
the label agrees with the digit.""",

    "tails": """The pairs on the *wrong* side of theta: positives with g < theta and negatives with g > theta.
For them sigmoid(-sign * s) is near 1, so each gets nearly the largest push the loss can give (N |dL/dg| near 1);
the pairs that are on the right side by chance get almost nothing. A positive below theta makes the layer raise
its goodness for that (image, label) pair: strengthen the units that are active for it. A negative above theta
makes it lower the goodness for that pair: weaken those units. Since at the start both kinds look alike, the
layer can only satisfy both by making its response depend on whether the label agrees with the digit. Early on
the loss acts like a hinge; as the histograms separate, more pairs reach the right side and stop contributing.""",

    "memory": """Only its own input xn (or x) and its pre-activations z (or h) for the current batch, and only
until its own update a few lines later. The gradient it needs is computed from its own goodness, right after its
own forward pass. Nothing waits for a signal from the layers above, so a layer can free its activities as soon as
it has updated, and the memory needed is that of one layer at a time, whatever the depth. Backprop must keep the
activities of every layer until the backward pass comes back down to it, so its memory grows with the depth.""",
}
