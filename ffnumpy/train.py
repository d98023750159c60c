"""Training: FF and CFF in the Layer, Network and alternating schedules, and
the two backprop baselines, with one loop.

    Layer       (Algorithm 1) layer 1 for `epochs` epochs, then layer 2 on top
                of the frozen layer 1, and so on: L * epochs epochs in all.
    Network     every minibatch updates every layer, each on its own loss.
    alternating (Algorithm 2, literally) every step updates the layers in
                turn, each on its own freshly drawn minibatch, each seeing the
                others' current weights.

From Python: `result = train(Config(method="cff", gamma="all"))`; from the
shell: `python -m ffnumpy.train --help` (see cli.py).
"""
import time
from dataclasses import asdict, dataclass, field

import numpy as np
from tqdm.auto import tqdm

from . import checkpoint
from .backprop import OutputLayer, label_loss_and_grads, pairwise_loss_and_grads
from .entropy import goodness_entropies
from .evaluate import evaluate, prediction_layers
from .ff import ff_update
from .negatives import hard_wrong_labels, random_wrong_labels
from .network import Network, overlay_label
from .optim import SGD, Adam

METHODS = ("ff", "cff", "bp-pairwise", "bp-label")
SCHEDULES = ("layer", "network", "alternating")


@dataclass
class Config:
    """Everything that defines a run; saved with every checkpoint and result."""
    dataset: str = "mnist"
    method: str = "ff"                 # ff | cff | bp-pairwise | bp-label
    gamma: str = "all"                 # cff only: all | previous
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
    objective: str = "logistic"        # ff and cff: logistic | entropy (no sigmoid, no theta)
    negatives: str = "random"          # random | hard
    predict: str = "all"               # all | skip-first
    validation: bool = True            # hold out the last 10k training images
    track_entropy: bool = False        # record the goodness entropies each epoch (entropy.py)
    seed: int = 0

    def check(self):
        """Raise ValueError with a one-line message on a bad setting."""
        allowed = {"method": METHODS, "gamma": ("all", "previous"), "schedule": SCHEDULES,
                   "optimizer": ("adam", "sgd"), "lr_schedule": ("constant", "linear", "linear-half"),
                   "negatives": ("random", "hard"), "objective": ("logistic", "entropy"),
                   "predict": ("all", "skip-first"), "dataset": ("mnist", "fashion-mnist")}
        for name, values in allowed.items():
            if getattr(self, name) not in values:
                raise ValueError(f"{name} must be one of {', '.join(values)}; got {getattr(self, name)!r}")
        if not self.hidden or min(self.hidden) < 1:
            raise ValueError(f"hidden must list positive layer widths, got {self.hidden}")
        if self.epochs < 1 or self.batch_size < 1 or self.lr <= 0 or self.theta_scale <= 0:
            raise ValueError("epochs, batch_size, lr and theta_scale must be positive")
        if self.objective == "entropy" and self.method not in ("ff", "cff"):
            raise ValueError("the entropy objective is for ff and cff")
        if self.method == "cff" and self.gamma == "all" and self.schedule == "layer":
            raise ValueError("CFF with the full gamma needs the network or alternating schedule: "
                             "under the layer schedule the later layers do not exist yet")
        return self

    @property
    def gamma_mode(self):
        return {"ff": "none", "cff": self.gamma}.get(self.method)


@dataclass
class Model:
    """The network, the softmax head (Backprop Label only) and the optimisers."""
    net: Network
    head: OutputLayer = None
    optimizers: list = field(default_factory=list)
    rng: np.random.Generator = None


def build_model(cfg, input_size, rng):
    net = Network([input_size, *cfg.hidden], rng, theta_scale=cfg.theta_scale)
    head = OutputLayer(cfg.hidden[-1], rng) if cfg.method == "bp-label" else None
    make = (lambda p: Adam(p, lr=cfg.lr, weight_decay=cfg.weight_decay)) if cfg.optimizer == "adam" \
        else (lambda p: SGD(p, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay))
    if cfg.method in ("ff", "cff"):                     # one optimiser per layer: local learning
        optimizers = [make(net.params(i)) for i in range(net.num_layers)]
    else:                                               # one for the whole network
        params = [p for i in range(net.num_layers) for p in net.params(i)]
        optimizers = [make(params + (head.params() if head else []))]
    return Model(net, head, optimizers, rng)


def lr_factor(cfg, progress):
    """progress in [0, 1) through the current phase -> multiplier of cfg.lr."""
    if cfg.lr_schedule == "linear-half":            # Hinton's: constant, then linearly to 0
        return min(1.0, 2.0 * (1.0 - progress))
    if cfg.lr_schedule == "linear":
        return 1.0 - progress
    return 1.0


def make_pairs(model, cfg, x, y, rng, depth=None):
    """[positive pairs; negative pairs] and their signs: (2B, D), (2B,).

    depth: hard negatives are drawn from the beliefs of the first `depth`
    layers only (under the Layer schedule, those trained so far).
    """
    if cfg.negatives == "hard":
        G = model.net.goodness_per_label(x, upto=depth)
        y_neg = hard_wrong_labels(G[:, :, prediction_layers(G.shape[2], cfg.predict)].sum(2), y, rng)
    else:
        y_neg = random_wrong_labels(y, rng)
    xy = np.concatenate([overlay_label(x, y), overlay_label(x, y_neg)])
    sign = np.concatenate([np.ones(len(x)), -np.ones(len(x))]).astype(x.dtype)
    return xy, sign


def train_step(model, cfg, batches, layers):
    """One step on minibatches [(x, y), ...] (one per layer when alternating).

    returns the mean loss over the updated layers
    """
    net, rng = model.net, model.rng
    if cfg.method == "bp-label":
        (x, y), = batches
        loss, grads = label_loss_and_grads(net, model.head, x, y)
        model.optimizers[0].step([g for pair in grads for g in pair])
        return loss
    if cfg.method == "bp-pairwise":
        loss, grads = pairwise_loss_and_grads(net, *make_pairs(model, cfg, *batches[0], rng))
        model.optimizers[0].step([g for pair in grads for g in pair])
        return loss
    if cfg.schedule == "alternating":
        losses = [ff_update(net, model.optimizers, *make_pairs(model, cfg, x, y, rng), [i], cfg.gamma_mode,
                            cfg.objective)[i]
                  for i, (x, y) in zip(layers, batches)]
    else:
        depth = max(layers) + 1 if cfg.schedule == "layer" else None
        losses = ff_update(net, model.optimizers, *make_pairs(model, cfg, *batches[0], rng, depth), layers,
                           cfg.gamma_mode, cfg.objective).values()
    return float(np.mean(list(losses)))


def phases(cfg):
    """The layers trained in each phase: one phase per layer under the Layer schedule."""
    L = len(cfg.hidden)
    if cfg.method in ("ff", "cff") and cfg.schedule == "layer":
        return [[i] for i in range(L)]
    return [list(range(L))]


def train(cfg, data=None, resume=None, checkpoint_path=None, progress=True, on_epoch=None,
          stop_after=None):
    """Train as `cfg` says and measure the errors.

    data            : a Dataset (x_train, y_train, x_val, y_val, x_test, y_test);
                      None loads cfg.dataset
    resume          : path of a checkpoint to continue from
    checkpoint_path : where to save a checkpoint after every epoch
    on_epoch        : optional callback(model, record) run after each epoch
    stop_after      : stop after this many epochs in this call (resume later)
    returns (result, model): result is a dict (JSON-ready) with test_error
    (%), validation_error, per-layer and per-prefix test errors, train_seconds,
    the history and the configuration
    """
    cfg.check()
    if data is None:
        from .data import load_dataset
        data = load_dataset(cfg.dataset, validation=cfg.validation)
    rng = np.random.default_rng(cfg.seed)
    model = build_model(cfg, data.x_train.shape[1], rng)
    history, start_epoch = [], 0
    if resume is not None:
        start_epoch, history = checkpoint.load(resume, model, cfg)
    plan = phases(cfg)
    n, B = len(data.x_train), cfg.batch_size
    steps = max(1, n // B)
    # a fixed subset for the train error, from its own generator: resuming must not shift `rng`
    monitor = np.random.default_rng([cfg.seed, 1]).choice(n, size=min(n, 2000), replace=False)
    total = last = cfg.epochs * len(plan)
    if stop_after is not None:
        last = min(last, start_epoch + stop_after)
    for epoch in range(start_epoch, last):
        layers = plan[epoch // cfg.epochs]
        depth = max(layers) + 1 if cfg.schedule == "layer" else len(cfg.hidden)
        orders = [rng.permutation(n) for _ in (layers if cfg.schedule == "alternating" else [0])]
        t0, losses = time.perf_counter(), []
        bar = tqdm(range(steps), desc=f"epoch {epoch + 1}", disable=None if progress else True, leave=False)
        for step in bar:
            factor = lr_factor(cfg, ((epoch % cfg.epochs) + step / steps) / cfg.epochs)
            for opt in model.optimizers:
                opt.lr = cfg.lr * factor
            idx = [order[step * B:(step + 1) * B] for order in orders]
            losses.append(train_step(model, cfg, [(data.x_train[i], data.y_train[i]) for i in idx], layers))
            if step % 50 == 0:
                bar.set_postfix(loss=f"{losses[-1]:.4f}")
        seconds = time.perf_counter() - t0
        if not np.isfinite(np.mean(losses)):
            raise FloatingPointError(f"training diverged in epoch {epoch + 1} (the loss is not finite): "
                                     f"try a smaller learning rate than {cfg.lr}")
        record = {"epoch": epoch + 1, "layers": [i + 1 for i in layers], "loss": float(np.mean(losses)),
                  "lr": cfg.lr * factor, "train_seconds": seconds,
                  "train_error": _error(model, cfg, data.x_train[monitor], data.y_train[monitor], depth)}
        if data.x_val is not None:
            record["validation_error"] = _error(model, cfg, data.x_val, data.y_val, depth)
        if cfg.track_entropy and cfg.method != "bp-label":
            record["entropy"] = goodness_entropies(model.net, *entropy_probe(cfg, data))
        if on_epoch is not None:
            on_epoch(model, record)
        history.append(record)
        if progress:
            print(describe(record, total))
        if checkpoint_path is not None:
            checkpoint.save(checkpoint_path, model, cfg, epoch + 1, history)
    return finish(model, cfg, data, history)


def entropy_probe(cfg, data, n=1000):
    """The fixed pairs the entropies are measured on: the first n training images,
    their labels and wrong labels from a generator of their own (not the training one)."""
    x, y = data.x_train[:n], data.y_train[:n]
    return x, y, random_wrong_labels(y, np.random.default_rng([cfg.seed, 2]))


def describe(record, epochs):
    """One line per epoch: 'epoch 3/8  layers 1,2,3  loss 0.4100  train 2.10%  validation 2.50%  12.3 s'."""
    errors = "  ".join(f"{k.replace('_error', '')} {record[k]:.2f}%"
                       for k in ("train_error", "validation_error", "test_error") if k in record)
    return (f"epoch {record['epoch']}/{epochs}  layers {','.join(map(str, record['layers']))}  "
            f"loss {record['loss']:.4f}  {errors}  {record['train_seconds']:.1f} s")


def _error(model, cfg, x, y, depth):
    """Error of the layers trained so far (the first `depth` under the Layer schedule)."""
    return evaluate(model.net, x, y, model.head, cfg.predict, upto=depth)["error"]


def finish(model, cfg, data, history):
    """The final measurements on the test set (and the validation set)."""
    t0 = time.perf_counter()
    test = evaluate(model.net, data.x_test, data.y_test, model.head, cfg.predict)
    val = evaluate(model.net, data.x_val, data.y_val, model.head, cfg.predict) if data.x_val is not None else None
    return {"test_error": test["error"], "validation_error": val and val["error"],
            "per_layer_test_error": test["per_layer"], "prefix_test_error": test["prefix"],
            "train_seconds": sum(r["train_seconds"] for r in history),
            "test_eval_seconds": time.perf_counter() - t0, "epochs": len(history),
            "train_size": len(data.x_train), "config": asdict(cfg), "history": history}, model


if __name__ == "__main__":
    import sys

    from .cli import main
    sys.exit(main())
