"""A stack of FF layers: the label overlay, goodness per layer, prediction.

The label overlay. FF scores a *pair* (image x, label y), so the label must be
part of the input. Following Hinton, the first 10 pixels of the image are
replaced by a one-hot code of y. In MNIST those 10 pixels (the top-left
corner) are 0 in every one of the 70,000 images, so nothing is lost; in
Fashion-MNIST 7% of images have some ink there, and it is overwritten. In
CIFAR-10 (3072 values: the red plane, then green, then blue) they are the red
values of the top row's first 10 pixels, overwritten in every image.

Does this leak the label? Not at test time: the network never sees the true
label of a test image. It is run once with each of the 10 candidate labels
written in, and the label whose pair has the highest goodness wins. During
training the label in a *negative* pair is deliberately wrong, so the network
has to check the label against the image, not read it off.
"""
import numpy as np

from .layers import EPS, NORMALIZE, ff_layer_forward
from .losses import check_labels, goodness_forward

NUM_CLASSES = 10
INITS = {"he": lambda theta_scale: 2 * theta_scale, "fan-in": lambda theta_scale: 1.0}   # variance times D


def check_images(x, width, name="x"):
    """x as an (N, width) array of finite numbers, or a ValueError that says what is wrong with it.

    Accepts a nested list too. A batch of 28 x 28 images, (N, 28, 28), is refused with the
    reshape that fixes it: each image is one row of width values."""
    try:
        x = np.asarray(x)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be an (N, {width}) array of numbers: {err}") from None
    if x.ndim == 3 and x.shape[1] * x.shape[2] == width:
        raise ValueError(f"{name} must have shape (N, {width}), one image per row; got {x.shape}: flatten each "
                         f"image with {name}.reshape(len({name}), -1)")
    if x.ndim != 2 or x.shape[1] != width:
        raise ValueError(f"{name} must have shape (N, {width}), one image per row; got {x.shape}")
    if x.dtype.kind not in "fiub":
        raise ValueError(f"{name} must hold numbers, got dtype {x.dtype}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} holds NaN or inf: no prediction can be made from it")
    return x


def overlay_label(x, y, num_classes=NUM_CLASSES):
    """Write a one-hot label into the first pixels of each image.

    x : (N, D) images, y : (N,) int labels  ->  (N, D) new array
    """
    if x.ndim != 2:
        raise ValueError(f"need x of shape (N, D), got {x.shape}")
    y = check_labels(y, len(x), num_classes)
    xy = x.copy()
    xy[:, :num_classes] = 0
    xy[np.arange(len(x)), y] = 1
    return xy


class Network:
    """Fully connected ReLU layers, each with its own threshold theta.

    sizes : [D, M_1, ..., M_L], e.g. [784, 1000, 1000, 1000]
    W[i] : (M_i, M_{i+1}) float32, b[i] : (M_{i+1},), theta[i] = M_{i+1}
    (the paper's layer i is index i - 1 here: Python counts from 0).

    theta = theta_scale * (number of units): with theta_scale = 1, "positive
    when the mean squared activity exceeds 1". W is drawn from
    N(0, 2 theta_scale / D) (He initialisation times theta_scale; D = inputs
    of the layer): with unit-RMS inputs each pre-activation z starts with
    variance 2 theta_scale, so E[relu(z)^2] = theta_scale and every layer
    starts with g near theta, where the logistic loss has the most to say.

    init="fan-in" draws W from N(0, 1 / D) instead, whatever theta_scale
    (Hinton's code): each z starts with variance 1, g near theta / 2.

    Why theta_scale: scaling a layer's W and b by c scales g by c^2, so the
    pair (theta_scale, initial scale) sets the temperature of the logistic
    loss. CFF sums L layers' goodness in one logit, L times FF's scale;
    theta_scale = 1/L gives it FF's temperature back.
    """

    def __init__(self, sizes, rng, dtype=np.float32, theta_scale=1.0, normalize="rms", init="he"):
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"sizes must list the input size and at least one layer, got {sizes}")
        if normalize not in NORMALIZE:
            raise ValueError(f"normalize must be one of {', '.join(NORMALIZE)}, got {normalize!r}")
        if init not in INITS:
            raise ValueError(f"init must be one of {', '.join(INITS)}, got {init!r}")
        if not isinstance(theta_scale, (int, float, np.floating, np.integer)) or isinstance(theta_scale, bool) \
                or not np.isfinite(theta_scale) or theta_scale <= 0:
            raise ValueError(f"theta_scale must be a positive finite number, got {theta_scale!r}")
        self.sizes, self.normalize = list(sizes), normalize
        self.W = [(rng.standard_normal((d, m)) * np.sqrt(INITS[init](theta_scale) / d)).astype(dtype)
                  for d, m in zip(sizes[:-1], sizes[1:])]
        self.b = [np.zeros(m, dtype) for m in sizes[1:]]
        self.theta = [theta_scale * m for m in sizes[1:]]

    @property
    def num_layers(self):
        return len(self.W)

    def params(self, i):
        """The trainable arrays of layer i: [W_i, b_i]."""
        return [self.W[i], self.b[i]]

    def forward(self, xy, upto=None, start=0):
        """Run the layers on overlaid inputs.

        xy : (N, D)  ->  hs : list of (N, M_i) activities,
                         caches : list of what each layer's backward needs
        Each layer's input is the previous layer's output (normalised inside
        the layer); no gradient flows between layers in FF training.
        start: begin at this layer, xy being the output of the layer before it.
        """
        hs, caches, x = [], [], xy
        for i in range(start, self.num_layers if upto is None else upto):
            x, cache = ff_layer_forward(x, self.W[i], self.b[i], self.normalize)
            hs.append(x)
            caches.append(cache)
        return hs, caches

    def goodness(self, xy, upto=None):
        """g_i = ||h_i||^2 for every layer (or the first `upto`).   xy : (N, D)  ->  (N, L)"""
        hs, _ = self.forward(xy, upto)
        return np.stack([goodness_forward(h)[0] for h in hs], axis=1)

    def goodness_per_label(self, x, batch_size=1000, upto=None):
        """Goodness of every (image, candidate label) pair.

        x : (N, D) images  ->  G : (N, 10, L), G[n, y, i] = g_i(x_n, y)
        upto : only the first `upto` layers (L = upto)

        The first layer is shared by the 10 labels: the overlaid input is
        x0 + e_y (x0 = the image with its first 10 pixels cleared), whose RMS
        is the same for every y (the one-hot adds exactly 1 to the sum of
        squares), so z_1(y) = (x0 W + W[y]) / r + b. One matrix product
        serves all ten labels instead of ten. (The same holds for unit length.)
        """
        x = check_images(x, self.sizes[0])
        L = upto or self.num_layers
        G = np.empty((len(x), NUM_CLASSES, L), np.float64)
        W, b = self.W[0], self.b[0]
        for start in range(0, len(x), batch_size):
            x0 = x[start:start + batch_size].copy()
            x0[:, :NUM_CLASSES] = 0
            c = x0.shape[1] if NORMALIZE[self.normalize] else 1                  # as normalize_forward
            r = np.sqrt((np.einsum("nd,nd->n", x0, x0) + 1) / c + EPS)[:, None]
            base = x0 @ W
            for y in range(NUM_CLASSES):
                h = base + W[y]                                        # layer 1 on (x, y),
                h /= r                                                 # in place, one array:
                h += b
                np.maximum(h, 0, out=h)                                # h = relu((base + W[y]) / r + b)
                hs = [h] + self.forward(h, upto=L, start=1)[0]
                G[start:start + len(x0), y] = np.stack([goodness_forward(h)[0] for h in hs], axis=1)
        return G

    def predict(self, x, layers=None):
        """Label with the largest goodness summed over the chosen layers.

        x : (N, D)  ->  (N,) int labels.  layers: indices (default: all).
        """
        G = self.goodness_per_label(x)
        return predict_from_goodness(G, layers)


def predict_from_goodness(G, layers=None):
    """argmax over labels of sum_{i in layers} G[:, :, i].   G : (N, 10, L) -> (N,)"""
    layers = range(G.shape[2]) if layers is None else list(layers)
    return G[:, :, layers].sum(axis=2).argmax(axis=1)
