"""Solved student cells and answers of tutorials/03_functional_entropy.ipynb.

CELLS[id] is the solved source of the code cell whose metadata holds {"exercise": id};
ANSWERS[id] answers the markdown cell whose metadata holds {"question": id}.
tutorials/make_solved.py builds solutions/03_functional_entropy_solved.ipynb from them.
"""

CELLS = {}

CELLS['entropy'] = '''\
def my_entropy(phi):
    """Ent(phi) = mean(phi * log(phi / mean(phi))), mu uniform over all entries of phi.

    phi : array >= 0, any shape (mu runs over every entry)  ->  float
    0 log 0 = 0: entries with phi = 0 add nothing, and phi = 0 everywhere gives 0.
    Take the log only where phi > 0 (np.log(0) is -inf, and 0 * -inf is nan).
    """
    phi = np.asarray(phi, dtype=np.float64)
    mean = phi.mean()
    if mean == 0:                                   # phi = 0 everywhere: nothing to measure
        return 0.0
    on = phi > 0                                    # the zeros add nothing
    return float(np.sum(phi[on] * np.log(phi[on] / mean)) / phi.size)
'''

CELLS['kl_form'] = '''\
def my_kl_form(phi):
    """E[phi] * KL(q || mu), q = phi / sum(phi), mu uniform on the n entries of phi.

    phi : (n,) >= 0, not all 0  ->  float
    KL(q || mu) = sum_z q(z) log(q(z) / mu(z)) with mu(z) = 1/n; terms with q(z) = 0 add nothing.
    """
    phi = np.asarray(phi, dtype=np.float64).ravel()
    q = phi / phi.sum()
    on = q > 0
    kl = np.sum(q[on] * np.log(q[on] * len(phi)))   # q / mu = n q
    return float(phi.mean() * kl)
'''

CELLS['decompose'] = '''\
def my_decompose(G):
    """Total, across-layer and within-layer entropy of a goodness matrix.

    G : (N, L), G[n, i] = goodness of layer i on pair n  ->  {"total": float, "across": float, "within": float}
    total  = Ent over all N * L entries
    across = Ent over the L layer means m_i = mean of column i
    within = mean over the L columns of Ent over that column's N entries
    """
    G = np.asarray(G, dtype=np.float64)
    return {"total": ent(G), "across": ent(G.mean(axis=0)),
            "within": float(np.mean([ent(G[:, i]) for i in range(G.shape[1])]))}
'''

CELLS['objective'] = '''\
def my_entropy_objective(g, gamma, sign, eps):
    """L = mean over B images of -log q(pos), q(pos) = a / (a + b), and dL/dg.

    g, gamma : (2B,) goodness of this layer and of the other layers (gamma may be the scalar 0.0),
               rows [positive pairs; negative pairs]: row n and row B + n show the same image
    sign     : (2B,) +1 on the first half, -1 on the second (the layout above; not used in the formula)
    eps      : the floor, a float
    a = (g + gamma + eps)[:B],  b = (g + gamma + eps)[B:]
    returns (loss : float, dg : (2B,))
    """
    B = len(g) // 2
    phi = g + gamma + eps                            # the function whose entropy the objective looks at
    a, b = phi[:B], phi[B:]
    q = a / (a + b)                                  # the positive pair's share
    loss = float(np.mean(-np.log(q)))
    dg = np.concatenate([-(1 - q) / a, q / a]) / B   # dL/da, dL/db, averaged over the B images
    return loss, dg
'''

ANSWERS = {}

ANSWERS['scale'] = (
    "Concentration = Ent / E[φ], so B's is 10 times A's: the same entropy spread over a tenth of the "
    'mass. With equal concentrations, a factor 10 in Ent is exactly the factor 10 in mean goodness (Ent = '
    "E[φ] · KL): it says A's goodness is larger, nothing about where it sits. Compare concentrations, not "
    'raw entropies, whenever the goodness scales differ. '
).strip()

ANSWERS['across'] = (
    'With equal means m_i = E[φ] every log(m_i/E[φ]) is 0, so the across term is 0. After scaling layer 2 by 10 '
    "its mean is 10 times the others', so the across term becomes positive. Layer 2's own entropy is "
    'multiplied by 10 (Ent(cφ) = c Ent(φ)), so the within term (the mean over layers) grows too. But '
    "layer 2's own concentration Ent/m_2 does not change. Both terms moved although nothing about which "
    'pairs get the goodness changed: the raw terms mix scale and concentration. '
).strip()

ANSWERS['positives'] = (
    "Ent = E[φ] · KL(q‖μ): at the same concentration, the pairs with the larger mean goodness have the larger "
    "raw entropy, simply because Ent(cφ) = c Ent(φ). So giving the positives more goodness pushes claim (c) "
    "toward holding without changing the shape of anything. It is only a push: the raw entropy is mass times "
    "concentration, and where the positives' goodness is less concentrated (a smaller KL) than the "
    "negatives', the product can still come out lower. Read both in the table: E[φ] and KL at the end, for "
    "each method. The concentration column (and its gain since initialisation) divides the mass out, so only "
    "it says whether the positives' goodness is more *concentrated*; the research appendix (section 5) counts "
    "the seeds in which each holds. "
).strip()

ANSWERS['vote'] = (
    "The sum is then decided almost entirely by that one layer: the others' differences between labels "
    'are small next to its own, so the network votes like its largest layer, however accurate or '
    'inaccurate that layer is alone. Adding layers cannot help and can hurt: the network can score worse '
    "than its first layer. A vote that is free of each layer's scale (each g_i divided by its mean, or "
    'ranks) gives every layer a say. '
).strip()


ANSWERS['readings'] = (
    "Two different things can fail. The objective fails when the layers learn nothing useful: each layer "
    "alone then classifies poorly too. The vote fails when the layers are good alone but their goodness "
    "differs wildly in scale, so the raw sum follows the loudest layer (section 6): a huge last-layer "
    "goodness and many silent units point there. Every seed run keeps each layer's error alone "
    "(`per_layer_test_error`) and its error under every goodness predictor (`test_error_by_predictor`: all "
    "layers, layers 2 and up, the sum of log goodness). So the row to look at again is the reading's FF row "
    "by layer 1 alone and by a scale-free vote. Close to the logistic row means the vote was at fault, far "
    "from it means the objective. The penalised twin tells a third story apart: where the goodness grew by "
    "orders of magnitude and the twin, held to a bounded goodness, is lower, the missing bound was the "
    "cause. For reading 3 part of the prediction comes before any run: without the floor it is "
    "scale-free within each group and gives no reason for a positive pair's goodness to exceed a negative "
    "one's. The floor does not add one: it rewards large, uneven goodness on the positives (silencing "
    "most of them and raising a few lowers the loss) and even goodness on the negatives, loud or quiet. "
    "Nothing asks an image's positive pair to beat its negative pair, so expect it to classify poorly, "
    "and read its error beside reading 1's."
).strip()
