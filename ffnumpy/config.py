"""The settings of a run, and their checks: every setting is validated once,
up front, before any data is loaded, with a one-line error naming the flag.

    cfg = Config(method="cff", gamma="all", hidden=(500, 500, 500)).check()

The command line (cli.py) and the Python API share these checks.
"""
import math
import os
from dataclasses import dataclass, fields

METHODS = ("ff", "cff", "bp-pairwise", "bp-label")
SCHEDULES = ("layer", "network", "alternating")
TRAIN_SIZE = {"mnist": 60_000, "fashion-mnist": 60_000, "cifar10": 50_000}
INPUT_SIZES = {"mnist": 784, "fashion-mnist": 784, "cifar10": 3072}
VALIDATION_SIZE = 10_000

CHOICES = {"method": METHODS, "gamma": ("all", "previous", "learned"), "schedule": SCHEDULES,
           "optimizer": ("adam", "sgd"), "lr_schedule": ("constant", "linear", "linear-half"),
           "negatives": ("random", "hard", "readout"),
           "objective": ("logistic", "entropy", "entropy-labels", "entropy-batch", "symba"),
           "predict": ("all", "skip-first", "log"), "dataset": tuple(TRAIN_SIZE),
           "normalize": ("rms", "length"), "theta_mode": ("per-layer", "shared"),
           "negative_loss": ("logistic", "paper"), "init": ("he", "fan-in"), "recipe": ("none", "hinton")}

# setting -> (the methods or optimisers it applies to, which field decides)
APPLIES_TO = {"gamma": (("cff",), "method"),
              "schedule": (("ff", "cff"), "method"),
              "objective": (("ff", "cff"), "method"),
              "negatives": (("ff", "cff", "bp-pairwise"), "method"),
              "predict": (("ff", "cff", "bp-pairwise"), "method"),
              "track_entropy": (("ff", "cff", "bp-pairwise"), "method"),
              "momentum": (("sgd",), "optimizer"),
              "theta_mode": (("cff",), "method"),
              "negative_loss": (("ff", "cff", "bp-pairwise"), "method"),
              "peer_norm": (("ff", "cff"), "method"),
              "goodness_penalty": (("ff", "cff"), "method"),
              "symba_alpha": (("symba",), "objective")}


@dataclass
class Config:
    """Everything that defines a run; saved with every checkpoint and result."""
    dataset: str = "mnist"
    method: str = "ff"                 # ff | cff | bp-pairwise | bp-label
    gamma: str = "all"                 # cff only: all | previous | learned (weights alpha_it, ours)
    schedule: str = "network"          # ff and cff: layer | network | alternating
    hidden: tuple = (1000, 1000, 1000)
    theta_scale: float = 1.0           # theta_i = theta_scale * units of layer i (see Network)
    epochs: int = 10                   # per layer under the Layer schedule
    batch_size: int = 100              # positive pairs per minibatch (as many negatives)
    optimizer: str = "adam"            # adam | sgd
    lr: float = 1e-3
    momentum: float = 0.9              # sgd only
    weight_decay: float = 0.0
    lr_schedule: str = "linear-half"   # constant | linear (to 0) | linear-half (to 0 over the 2nd half)
    objective: str = "logistic"        # ff and cff: logistic | entropy | entropy-labels | entropy-batch | symba (ff.py)
    symba_alpha: float = 1.0           # symba: the slope on the gap s_pos - s_neg (ff.SymBa)
    negatives: str = "random"          # random | hard
    predict: str = "all"               # all | skip-first | log (evaluate.PREDICTORS)
    validation: bool = True            # hold out the last 10k training images
    track_entropy: bool = False        # record the goodness entropies each epoch (entropy.py)
    seed: int = 0
    normalize: str = "rms"             # each layer's input to unit RMS, or unit length
    theta_mode: str = "per-layer"      # cff: subtract the thresholds of all layers in the logit, or one
    negative_loss: str = "logistic"    # softplus(s) on negatives, or the paper's log sigmoid(s)
    init: str = "he"                   # W ~ N(0, 2 theta_scale / D), or N(0, 1 / D) (fan-in, Hinton's)
    peer_norm: float = 0.0             # ff, cff: strength of peer normalisation (peer.py; Hinton 0.03)
    goodness_penalty: float = 0.0      # ff, cff, entropy objectives: strength * mean(g) / M per layer (entropy.py)
    bias_decay: bool = True            # weight decay on the biases too (Hinton's code: no)
    recipe: str = "none"               # the named configuration this one started from (RECIPES)
    eval_every: int = 1                # measure the train and validation errors every this many epochs (and the last)

    @classmethod
    def from_recipe(cls, name, **changes):
        """The named configuration, with `changes` on top: Config.from_recipe("hinton", method="cff")."""
        if name not in RECIPES:
            raise ValueError(f"--recipe: must be one of {', '.join(RECIPES)}; got {name!r}")
        return cls(**{**RECIPES[name], "recipe": name, **changes})

    def check(self, given=None, train_size=None):
        """Raise ValueError, one line naming the flag, on the first bad setting.

        given      : the settings the user chose (the command line passes the
                     flags it was given); default: those that differ from the
                     defaults. A chosen setting that does not apply to the
                     method (e.g. --gamma with ff) is an error, never ignored.
        train_size : images in the training set (default: the dataset's, less
                     the validation split)
        returns self
        """
        for name, values in CHOICES.items():
            if getattr(self, name) not in values:
                raise ValueError(f"{flag(name)}: must be one of {', '.join(values)}; got {getattr(self, name)!r}")
        _check_widths(self.hidden)
        _whole(self, "epochs", 1)
        _whole(self, "batch_size", 1)
        _whole(self, "seed", 0)
        _whole(self, "eval_every", 1)
        _real(self, "symba_alpha", 0, math.inf, low_open=True)
        _real(self, "lr", 0, math.inf, low_open=True)
        _real(self, "theta_scale", 0, math.inf, low_open=True)
        _real(self, "momentum", 0, 1, high_open=True)
        _real(self, "weight_decay", 0, math.inf)
        _real(self, "peer_norm", 0, math.inf)
        _real(self, "goodness_penalty", 0, math.inf)
        if train_size is None:
            train_size = TRAIN_SIZE[self.dataset] - (VALIDATION_SIZE if self.validation else 0)
        if self.batch_size > train_size:
            raise ValueError(f"--batch-size: {self.batch_size} is more than the {train_size} training images")
        if self.recipe != "none" and self.method not in ("ff", "cff"):
            raise ValueError(f"--recipe {self.recipe} is a recipe for FF and CFF, not for --method {self.method}")
        given = {f.name for f in fields(self) if getattr(self, f.name) != getattr(Config, f.name)} \
            if given is None else set(given)
        for name, (allowed, decider) in APPLIES_TO.items():
            if name in given and getattr(self, decider) not in allowed:
                raise ValueError(f"{flag(name)} does not apply to --{decider} {getattr(self, decider)} "
                                 f"(only to {', '.join(allowed)})")
        if "bias_decay" in given and not self.bias_decay and self.weight_decay == 0 and self.recipe == "none":
            raise ValueError("--no-bias-decay keeps weight decay off the biases, and --weight-decay is 0: it would "
                             "change nothing; give --weight-decay too, or leave it out")
        if self.negatives == "readout" and (self.method not in ("ff", "cff") or self.schedule == "layer"):
            raise ValueError("--negatives readout needs --method ff or cff and --schedule network or alternating "
                             "(the readout reads layers 2 and up, which the layer schedule has not trained yet)")
        if self.negative_loss == "paper" and self.objective != "logistic":
            raise ValueError(f"--negative-loss paper is a form of the logistic objective, not of --objective "
                             f"{self.objective}")
        if ("goodness_penalty" in given or self.goodness_penalty) and not self.objective.startswith("entropy"):
            raise ValueError("--goodness-penalty is for the entropy objectives (--objective entropy, entropy-labels, "
                             f"entropy-batch), which have no threshold; not for --objective {self.objective}")
        if self.objective == "entropy-labels" and self.negatives != "random":
            raise ValueError("--objective entropy-labels scores all ten labels of every image: it takes no "
                             f"--negatives {self.negatives}")
        if self.method == "cff" and self.gamma in ("all", "learned") and self.schedule == "layer":
            raise ValueError(f"--gamma {self.gamma} needs --schedule network or alternating: "
                             "under the layer schedule the later layers do not exist yet")
        if self.method == "cff" and self.gamma == "learned" and self.objective != "logistic":
            raise ValueError("--gamma learned is for the logistic objective (its gradient uses the threshold)")
        _check_memory(self)
        return self

    @property
    def input_size(self):
        return INPUT_SIZES[self.dataset]

    @property
    def total_epochs(self):
        """Passes over the data: `epochs` per layer under the Layer schedule (FF, CFF)."""
        return self.epochs * (len(self.hidden) if self.layer_by_layer else 1)

    @property
    def layer_by_layer(self):
        return self.method in ("ff", "cff") and self.schedule == "layer"

    @property
    def gamma_mode(self):
        return {"ff": "none", "cff": self.gamma}.get(self.method)


# Hinton's FF recipe (his Matlab code, as PAPER.md describes it), in ffnumpy's terms.
# His update of a layer:  s <- 0.9 s + 0.1 (g + 0.002 w),  w -= 0.01 s,  where g is the mean over the
# B positives of -(1 - p) h x^T plus the mean over the B negatives of p h x^T: his code leaves out the 2
# of d||h||^2/dh. ffnumpy's gradient keeps the 2 and averages over all 2B pairs, so it is exactly his g.
# optim.SGD's  v <- 0.9 v + (g + wd w),  w -= lr v  is his with v = 10 s: lr 0.001, weight_decay 0.002.
# (The Matlab file subtracts the weight cost outside the smoothing, w += 0.01 (s - wc w), the same shrinkage
# per step once s has settled, with wc 0.001 there; PAPER.md's 0.002 is kept. The ports: 0.002.)
RECIPES = {"hinton": dict(
    method="ff", schedule="network", hidden=(1000, 1000, 1000), theta_scale=1.0, init="fan-in",
    epochs=100, batch_size=100, optimizer="sgd", lr=0.001, momentum=0.9, weight_decay=0.002,
    bias_decay=False, lr_schedule="linear-half", peer_norm=0.03, negatives="readout",
    predict="skip-first", normalize="rms", validation=True)}


def flag(name):
    """The command-line flag of a setting: lr_schedule -> --lr-schedule."""
    return "--" + name.replace("_", "-")


def _whole(cfg, name, low):
    value = getattr(cfg, name)
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise ValueError(f"{flag(name)}: must be a whole number, got {value!r}")
    if value < low:
        raise ValueError(f"{flag(name)}: must be at least {low}, got {value}")


def _real(cfg, name, low, high, low_open=False, high_open=False):
    value = getattr(cfg, name)
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{flag(name)}: must be a number, got {value!r}") from None
    if not math.isfinite(x):
        raise ValueError(f"{flag(name)}: must be finite, got {value!r}")
    if x < low or (low_open and x == low) or x > high or (high_open and x == high):
        interval = f"{'(' if low_open else '['}{low}, {high}{')' if high_open or high == math.inf else ']'}"
        raise ValueError(f"{flag(name)}: must lie in {interval}, got {value!r}")


def _check_widths(hidden):
    try:
        widths = [int(w) for w in hidden]
    except (TypeError, ValueError):
        raise ValueError(f"--hidden: must list layer widths like 500,500,500, got {hidden!r}") from None
    if not widths or min(widths) < 1 or any(w != v for w, v in zip(widths, hidden)):
        raise ValueError(f"--hidden: must list positive whole widths, got {hidden!r}")


def memory_estimate(cfg):
    """Bytes a run needs, roughly: weights, gradients and optimiser state (float32),
    activations of a training step and of an evaluation batch, and the data."""
    sizes = [INPUT_SIZES[cfg.dataset], *cfg.hidden]
    params = sum(d * m + m for d, m in zip(sizes[:-1], sizes[1:]))
    state = {"adam": 4, "sgd": 3}[cfg.optimizer]            # w, grad, moments, scratch
    # rows a training step holds: positives and negatives, or every image with each of its ten labels
    rows = (10 if cfg.objective == "entropy-labels" else 2) * cfg.batch_size
    step = 4 * rows * sum(sizes) * 3                        # input, pre-activation, activity per layer
    evaluation = 4 * 1000 * max(sizes) * 4                  # goodness_per_label's batch of 1000
    data = 4 * (TRAIN_SIZE[cfg.dataset] + 10_000) * sizes[0] * 2
    return 4 * params * (state + 1) + step + evaluation + data


def available_memory():
    """Bytes of memory available now (MemAvailable), or None if unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _check_memory(cfg):
    need, have = memory_estimate(cfg), available_memory()
    if have is not None and need > have:
        labels = ", --objective entropy-labels: ten rows per image" if cfg.objective == "entropy-labels" else ""
        raise ValueError(f"--hidden {','.join(map(str, cfg.hidden))} (with --batch-size {cfg.batch_size}{labels}): "
                         f"needs about {need / 2**30:.1f} GiB of memory, {have / 2**30:.1f} GiB is available")


def divergence_hint(cfg):
    """The likeliest causes of a non-finite loss, read from the settings."""
    causes = []
    if cfg.lr > (1e-2 if cfg.optimizer == "adam" else 0.1):
        causes.append(f"the learning rate --lr {cfg.lr} is large for {cfg.optimizer}")
    if cfg.optimizer == "sgd" and cfg.momentum >= 0.95:
        causes.append(f"--momentum {cfg.momentum} is close to 1")
    if cfg.weight_decay * cfg.lr * (1 if cfg.optimizer == "adam" else 1 / (1 - cfg.momentum)) > 0.5:
        causes.append(f"--weight-decay {cfg.weight_decay} times the learning rate is large")
    if cfg.theta_scale > 10 or cfg.theta_scale < 0.01:
        causes.append(f"--theta-scale {cfg.theta_scale} is far from 1 (it scales the initial weights)")
    if not causes:
        return f"try a smaller learning rate than {cfg.lr}"
    return "likely cause: " + "; ".join(causes)
