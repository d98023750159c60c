"""Solved student cells and answers of tutorials/02_collaborative_ff.ipynb.

tutorials/make_solved.py puts CELLS[id] in place of the student cell whose metadata says
{"exercise": id}, and ANSWERS[id] after the question cell whose metadata says {"question": id}.
"""

CELLS = {
    "gamma": '''# Your turn: the collaboration term of every layer, and the threshold its logit is compared with.
def gamma_terms(G, theta, mode):
    """G : (N, L) goodness of every layer for every pair; theta : (L,) thresholds
    mode : "none"      FF: gamma_i = 0                                    Theta_i = theta_i
           "previous"  gamma_i = sum_{t < i} g_t   (exclusive prefix sum) Theta_i = sum_{t <= i} theta_t
           "all"       gamma_i = sum_{t != i} g_t  (sum of the others)    Theta_i = sum_t theta_t
    returns gamma : (N, L), Theta : (L,)
    """
    theta = np.asarray(theta, dtype=np.float64)
    if mode == "none":
        return np.zeros_like(G), theta
    if mode == "previous":
        return np.cumsum(G, axis=1) - G, np.cumsum(theta)              # everything before column i
    if mode == "all":
        return G.sum(axis=1, keepdims=True) - G, np.full_like(theta, theta.sum())   # everything but column i
    raise ValueError(f"mode must be none, previous or all, got {mode!r}")''',

    "cff_loss": '''# Your turn: the loss of one layer over N pairs, and dL/dg.
def cff_loss(g, gamma, Theta, sign):
    """g : (N,) goodness of layer i; gamma : (N,) the other layers' goodness (a constant); Theta : scalar
    sign : (N,) +1 for a positive pair, -1 for a negative pair
    returns L = mean_n softplus(-sign_n s_n), s = g + gamma - Theta   (a float)
            dL/dg : (N,), gamma and Theta held constant
    use softplus and sigmoid from ffnumpy.losses (imported above): they never overflow
    """
    s = g + gamma - Theta
    loss = float(np.mean(softplus(-sign * s)))
    dg = -sign * sigmoid(-sign * s) / len(g)       # gamma and Theta are constants: ds/dg = 1
    return loss, dg''',

    "marginal": '''# Your turn: what each layer contributes.
def contributions(per_layer, prefix):
    """per_layer : list of L test errors (%) of layer k alone; prefix : list of L errors (%) of layers 1..k
    returns {"per_layer": list, "prefix": list, "marginal": list of L floats}, where
    marginal[k - 1] = error(layers 1..k-1) - error(layers 1..k) for layer k = 1..L, in points; for layer 1 the
    error before it is guessing, CHANCE = 90 (%)
    """
    before = [CHANCE] + list(prefix[:-1])          # the error without layer k
    return {"per_layer": list(per_layer), "prefix": list(prefix),
            "marginal": [b - e for b, e in zip(before, prefix)]}''',

    "mcnemar": '''# Your turn: the exact McNemar test on two classifiers' answers to the same test images.
def mcnemar(right_a, right_b):
    """right_a, right_b : (N,) bool, True where A (resp. B) classifies image n correctly
    returns {"b": images only A gets right, "c": images only B gets right,
             "p": min(1, 2 P(X <= min(b, c))) with X ~ Binomial(b + c, 1/2); p = 1 when b == c}
    P(X = k) = math.comb(n, k) / 2**n with n = b + c
    """
    right_a, right_b = np.asarray(right_a, bool), np.asarray(right_b, bool)
    b = int(np.sum(right_a & ~right_b))
    c = int(np.sum(~right_a & right_b))
    n = b + c
    tail = sum(math.comb(n, k) for k in range(min(b, c) + 1)) / 2 ** n   # exact integers, then one division
    return {"b": b, "c": c, "p": 1.0 if b == c else min(1.0, 2 * tail)}''',
}

ANSWERS = {
    "frozen": (
        "Differentiating through gamma_1 = g_2 + g_3 would need dg_2/dW_1 and dg_3/dW_1: the gradient of layer 2's "
        "and layer 3's goodness sent back through layers 3 and 2 into layer 1. That is a backward pass through the "
        "network, the very thing FF avoids (and layer 1's update would then also push layers 2 and 3's goodness, "
        "which are not its business). The frozen copy f^ makes gamma_1 a number computed by a forward pass, so "
        "layer 1's update stays local. Under gamma(<t), gamma_i sums only g_t with t < i, and the layers below i "
        "do not depend on W_i at all: dgamma_i/dW_i = 0 already, so there is nothing to freeze."),
    "committee": (
        "|dL/ds| per pair is sigmoid(-sign s) (section 2). Under CFF gamma (all) layer 1's loss sees S = 8: "
        "sigmoid(-8) ≈ 0.0003, so the pair teaches layer 1 almost nothing, although layer 1 alone gets it wrong. "
        "Under FF layer 1's loss sees g_1 - theta_1 = -3: sigmoid(3) ≈ 0.95, close to the largest possible push. "
        "A CFF layer only learns what the committee still gets wrong, so alone it can stay a poor classifier: "
        "section 6's \"wrong alone but not learning\" share measures exactly these pairs."),
    "alone": (
        "A CFF layer is trained on s_i = g_i + gamma_i - Theta_i: its loss only asks that the committee's sum "
        "separate positives from negatives. So layer i is pushed to add the evidence the other layers lack, not to "
        "rank the ten labels correctly by itself (which is what 'layer i alone', the label with the largest g_i, "
        "measures). Where gamma_i already does most of the work, g_i can be nearly flat across labels, and its "
        "error alone is high. The claim 'every later layer helps' then says that adding a layer to a committee "
        "trained to need it lowers the committee's error, close to how CFF is trained. For FF it is a real test, because FF's "
        "layers were never trained to cooperate. The fair comparison is the whole network's error, over seeds."),
    "tuned": (
        "Only the step size differs, yet at 1e-2 FF is several points worse and its later layers raise the error. "
        "At 3e-2 (the learning rate a wider grid chose on validation) the error is far lower and the later "
        "layers' marginals are close to 0. At the smaller rate, with unit-length inputs, each layer's goodness "
        "starts far below its threshold and 8 epochs are not enough to reach it, so the later layers are still poor "
        "classifiers when the vote counts them. The failure is then at least partly a property of an FF that is "
        "trained badly. Before blaming the algorithm you would tune each method on validation past the edge of its "
        "grid, run several seeds, and test whether the marginals are below 0 over the seeds. The reproduction's "
        "regime table does this: at the better rate FF's later layers still hurt in every seed, but by about 0.2 "
        "points, against about 1.8 at 1e-2."),
    "layer1": (
        "Under gamma(<t), gamma_1 = 0 and Theta_1 = theta_1, so layer 1's loss, and hence its gradient, is FF's. "
        "The two runs start from the same weights (the same seed), and the minibatches and wrong labels are drawn "
        "from the same generator in the same order, because random negatives do not depend on the network. Layer "
        "1's updates therefore take identical inputs and compute identical numbers, step after step. The same "
        "argument holds under the alternating schedule (layer 1's update still involves no other layer, and the "
        "draws are the same for both methods) and under the Layer schedule (layer 1 is trained first, alone). "
        "You can check each with `np.array_equal` on `nets[...].params(0)`. It would break with hard negatives "
        "(`negatives=\"hard\"`), which are drawn from the whole network's beliefs, and those differ."),
}
