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
from dataclasses import asdict, dataclass, field, fields, replace

import numpy as np
from tqdm.auto import tqdm

from . import checkpoint
from .config import METHODS, SCHEDULES, Config, divergence_hint  # noqa: F401 (re-exported)
from .backprop import OutputLayer, label_loss_and_grads, pairwise_loss_and_grads
from .entropy import goodness_entropies
from .evaluate import evaluate, layer_activity, predictor_scores
from .ff import ff_update, objective_for
from .losses import check_labels, softmax_cross_entropy
from .negatives import hard_wrong_labels, random_wrong_labels, wrong_labels_among
from .network import NUM_CLASSES, Network, check_images, overlay_label
from .optim import SGD, Adam
from .peer import PeerNorm, peer_means
from . import readout as ro


@dataclass
class Model:
    """The network, the softmax head (Backprop Label only) and the optimisers."""
    net: Network
    head: OutputLayer = None
    optimizers: list = field(default_factory=list)
    rng: np.random.Generator = None
    alpha: np.ndarray = None            # (L, L) collaboration weights of --gamma learned
    classes: tuple = None               # labels negatives are drawn from (a task's); None: all 10
    peer: list = None                   # [(M_i,)] running mean activities (--peer-norm, peer.py)
    readout: ro.Readout = None          # Hinton's softmax readout (--negatives readout, readout.py)
    readout_optimizer: SGD = None
    rule: dict = None                   # ff_update's settings, chosen once from the Config (update_rule)


def build_model(cfg, input_size, rng, dtype=np.float32):
    net = Network([input_size, *cfg.hidden], rng, dtype=dtype, theta_scale=cfg.theta_scale,
                  normalize=cfg.normalize, init=cfg.init)
    head = OutputLayer(cfg.hidden[-1], rng, dtype) if cfg.method == "bp-label" else None

    def make(params):                                   # weights decay; biases too unless --no-bias-decay
        decay = [cfg.bias_decay or p.ndim > 1 for p in params]
        if cfg.optimizer == "adam":
            return Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay, decay=decay)
        return SGD(params, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay, decay=decay)
    L = net.num_layers
    # --gamma learned starts as the paper's gamma: alpha_it = 1 for t != i (alpha_ii stays 0)
    alpha = (1 - np.eye(L, dtype=dtype)) if cfg.gamma_mode == "learned" else None
    if cfg.method in ("ff", "cff"):                     # one optimiser per layer: local learning
        optimizers = [make(net.params(i) + ([alpha[i]] if alpha is not None else [])) for i in range(L)]
    else:                                               # one for the whole network
        params = [p for i in range(L) for p in net.params(i)]
        optimizers = [make(params + (head.params() if head else []))]
    model = Model(net, head, optimizers, rng, alpha)
    if cfg.peer_norm:
        model.peer = peer_means(cfg.hidden, dtype)
    if cfg.negatives == "readout":
        model.readout = ro.Readout(cfg.hidden, dtype)
        model.readout_optimizer = SGD(model.readout.params(), lr=ro.LR, momentum=ro.MOMENTUM,
                                      weight_decay=ro.WEIGHT_DECAY)
    if cfg.method in ("ff", "cff"):
        model.rule = update_rule(cfg, model)
    return model


def update_rule(cfg, model):
    """How every FF or CFF layer learns, ff_update's keyword arguments: gamma, the objective, and the additions."""
    return dict(gamma_mode=cfg.gamma_mode, objective=objective_for(cfg.objective, cfg.negative_loss,
                                                                   cfg.goodness_penalty, cfg.symba_alpha),
                theta_mode=cfg.theta_mode, alpha=model.alpha,
                peer=PeerNorm(model.peer, cfg.peer_norm) if cfg.peer_norm else None)


def lr_factor(cfg, progress):
    """progress in [0, 1) through the current phase -> multiplier of cfg.lr."""
    if cfg.lr_schedule == "linear-half":            # Hinton's: constant, then linearly to 0
        return min(1.0, 2.0 * (1.0 - progress))
    if cfg.lr_schedule == "linear":
        return 1.0 - progress
    return 1.0


def make_pairs(model, cfg, x, y, rng, depth=None):
    """[positive pairs; negative pairs] and their signs: (2B, D), (2B,); under --objective
    entropy-labels every image with each of the ten labels instead: (10B, D), (10B,).

    depth: hard negatives are drawn from the beliefs of the first `depth`
    layers only (under the Layer schedule, those trained so far).
    """
    if cfg.objective == "entropy-labels":            # every image with each of the ten labels, label-major
        if model.classes is not None:
            raise ValueError("--objective entropy-labels scores all ten labels; a task has fewer")
        labels = np.repeat(np.arange(NUM_CLASSES), len(x))
        xy = overlay_label(np.tile(x, (NUM_CLASSES, 1)), labels)
        return xy, np.where(labels == np.tile(y, NUM_CLASSES), 1, -1).astype(x.dtype)
    if model.classes is not None:                   # a task: only its labels are in play (tasks.py)
        if cfg.negatives == "hard":
            raise ValueError("hard negatives are not supported on a subset of the labels; use random")
        y_neg = wrong_labels_among(y, model.classes, rng)
    elif cfg.negatives == "hard":
        G = model.net.goodness_per_label(x, upto=depth)
        if not np.all(np.isfinite(G)):           # the goodness overflowed: training diverged
            raise FloatingPointError("training diverged (the goodness is not finite)")
        y_neg = hard_wrong_labels(predictor_scores(G, cfg.predict, model.net.sizes[1:1 + G.shape[2]]), y, rng)
    elif cfg.negatives == "readout":
        y_neg = readout_negatives(model, x, y, rng)
    else:
        y_neg = random_wrong_labels(y, rng)
    xy = np.concatenate([overlay_label(x, y), overlay_label(x, y_neg)])
    sign = np.concatenate([np.ones(len(x), x.dtype), -np.ones(len(x), x.dtype)])
    return xy, sign


def readout_negatives(model, x, y, rng):
    """Hinton's hard negatives (readout.py): one neutral-label pass; the readout's
    beliefs, the true label excluded, draw the wrong labels; then the readout
    learns from the same pass.   x : (B, D), y : (B,)  ->  (B,) wrong labels"""
    logits, a = ro.readout_forward(model.net, model.readout, x)
    if not np.all(np.isfinite(logits)):         # the network's activities overflowed: training diverged
        raise FloatingPointError("training diverged (the readout's scores are not finite)")
    y_neg = hard_wrong_labels(logits, y, rng)
    _, dlogits = softmax_cross_entropy(logits, y)          # (softmax - onehot) / B
    model.readout_optimizer.step(ro.readout_backward(dlogits, a))
    return y_neg


def train_step(model, cfg, batches, layers):
    """One step on minibatches [(x, y), ...] (one per layer when alternating).

    returns the mean loss over the updated layers
    """
    net, rng = model.net, model.rng
    if cfg.method == "bp-label":
        (x, y), = batches
        loss, grads = label_loss_and_grads(net, model.head, x, y, model.classes)
        model.optimizers[0].step([g for pair in grads for g in pair])
        return loss
    if cfg.method == "bp-pairwise":
        loss, grads = pairwise_loss_and_grads(net, *make_pairs(model, cfg, *batches[0], rng), cfg.negative_loss)
        model.optimizers[0].step([g for pair in grads for g in pair])
        return loss
    if cfg.schedule == "alternating":
        losses = [ff_update(net, model.optimizers, *make_pairs(model, cfg, x, y, rng), [i], **model.rule)[i]
                  for i, (x, y) in zip(layers, batches)]
    else:
        depth = max(layers) + 1 if cfg.schedule == "layer" else None
        losses = ff_update(net, model.optimizers, *make_pairs(model, cfg, *batches[0], rng, depth), layers,
                           **model.rule).values()
    return float(np.mean(list(losses)))


def phases(cfg):
    """The layers trained in each phase: one phase per layer under the Layer schedule."""
    L = len(cfg.hidden)
    return [[i] for i in range(L)] if cfg.layer_by_layer else [list(range(L))]


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
    warnings (evaluate.py: silent layers, one-class predictions), the history
    and the configuration

    The settings and the checkpoint to resume are checked before any data is
    loaded: a bad one costs a second, not a download.
    """
    if data is not None:                                   # nested lists become arrays (arrays stay as they are)
        data = replace(data, **{f.name: np.asarray(getattr(data, f.name)) for f in fields(data)
                                if f.name != "name" and getattr(data, f.name) is not None})
    cfg.check(train_size=None if data is None else len(data.x_train))
    rng = np.random.default_rng(cfg.seed)
    width = data.x_train.shape[1] if data is not None and data.x_train.ndim == 2 else cfg.input_size
    model = build_model(cfg, width, rng)
    history, start_epoch = [], 0
    if resume is not None:
        start_epoch, history = checkpoint.load(resume, model, cfg)
    if data is None:
        from .data import load_dataset
        data = load_dataset(cfg.dataset, validation=cfg.validation)
    check_dataset(data, model.net.sizes[0])
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
            if model.readout_optimizer is not None:          # the readout follows the same schedule
                model.readout_optimizer.lr = ro.LR * factor
            idx = [order[step * B:(step + 1) * B] for order in orders]
            losses.append(train_step(model, cfg, [(data.x_train[i], data.y_train[i]) for i in idx], layers))
            if step % 50 == 0:
                bar.set_postfix(loss=f"{losses[-1]:.4f}")
        seconds = time.perf_counter() - t0
        if not np.isfinite(np.mean(losses)):
            raise FloatingPointError(f"training diverged in epoch {epoch + 1} (the loss is not finite): "
                                     f"{divergence_hint(cfg)}")
        record = {"epoch": epoch + 1, "layers": [i + 1 for i in layers], "loss": float(np.mean(losses)),
                  "lr": cfg.lr * factor, "train_seconds": seconds}
        if (epoch + 1) % cfg.eval_every == 0 or epoch + 1 == total:      # --eval-every: the errors, not every epoch
            train_eval = _evaluate(model, cfg, data.x_train[monitor], data.y_train[monitor], depth)
            record.update(train_error=train_eval["error"], warnings=train_eval["warnings"])
            if data.x_val is not None:
                val = _evaluate(model, cfg, data.x_val, data.y_val, depth)
                record["validation_error"] = val["error"]
                if "readout_error" in val:
                    record["readout_validation_error"] = val["readout_error"]
        if cfg.track_entropy and cfg.method != "bp-label":
            x, y, y_neg = entropy_probe(cfg, data)
            record["entropy"] = goodness_entropies(model.net, x, y, y_neg)
            record["activity"] = layer_activity(model.net, overlay_label(x, y))    # the positive pairs
            record["activity_negative"] = layer_activity(model.net, overlay_label(x, y_neg))
        if on_epoch is not None:
            on_epoch(model, record)
        history.append(record)
        if progress:
            print(describe(record, total))
        if checkpoint_path is not None:
            checkpoint.save(checkpoint_path, model, cfg, epoch + 1, history)
    return finish(model, cfg, data, history)


def check_dataset(data, input_size):
    """Refuse, in one line, images or labels the network cannot take, or a split with no image (its error
    would be the mean of nothing)."""
    for split in ("train", "val", "test"):
        x, y = getattr(data, f"x_{split}"), getattr(data, f"y_{split}")
        if x is None and split == "val":
            continue
        if x is None:
            raise ValueError(f"x_{split} must have shape (N, {input_size}), got None")
        x = check_images(x, input_size, f"x_{split}")
        if len(x) == 0:
            raise ValueError(f"x_{split} holds no image: every split needs at least one")
        check_labels(y, len(x))


def entropy_probe(cfg, data, n=1000):
    """The fixed pairs the entropies are measured on: the first n training images,
    their labels and wrong labels from a generator of their own (not the training one)."""
    x, y = data.x_train[:n], data.y_train[:n]
    return x, y, random_wrong_labels(y, np.random.default_rng([cfg.seed, 2]))


def describe(record, epochs):
    """One line per epoch: 'epoch 3/8  layers 1,2,3  loss 0.4100  train 2.10%  validation 2.50%  12.3 s'."""
    errors = "  ".join(f"{k.replace('_error', '').replace('_', ' ')} {record[k]:.2f}%"
                       for k in record if "_error" in k and isinstance(record[k], float))   # in the order measured
    warnings = "".join(f"\n  warning: {w}" for w in record.get("warnings", []))
    return (f"epoch {record['epoch']}/{epochs}  layers {','.join(map(str, record['layers']))}  "
            f"loss {record['loss']:.4f}  {errors}  {record['train_seconds']:.1f} s{warnings}")


def _evaluate(model, cfg, x, y, depth):
    """Errors of the layers trained so far (the first `depth` under the Layer schedule)."""
    return evaluate(model.net, x, y, model.head, cfg.predict, upto=depth, readout=model.readout)


def final_warnings(history, test_warnings):
    """The health problems of the final network: on the test set, and on the
    training images monitored in the last epoch."""
    last = history[-1].get("warnings", []) if history else []
    return [f"test set: {w}" for w in test_warnings] + \
        [f"training images, epoch {history[-1]['epoch']}: {w}" for w in last]


def finish(model, cfg, data, history):
    """The final measurements on the test set (and the validation set)."""
    t0 = time.perf_counter()
    test = evaluate(model.net, data.x_test, data.y_test, model.head, cfg.predict, readout=model.readout)
    if data.x_val is None:
        val = None
    elif data.x_val is data.x_test:           # a tuning run's curve (runner.run): one split, measured once
        val = test
    else:
        val = evaluate(model.net, data.x_val, data.y_val, model.head, cfg.predict, readout=model.readout)
    return {"test_error": test["error"], "validation_error": val and val["error"],
            "readout_test_error": test.get("readout_error"),        # the second predictor (readout.py)
            "readout_validation_error": val and val.get("readout_error"),
            "combined_test_error": test.get("combined"),               # one per readout.LAMBDAS
            "combined_validation_error": val and val.get("combined"),
            "combined_test_error_by_predictor": test.get("combined_by_predictor"),   # with each goodness predictor
            "combined_validation_error_by_predictor": val and val.get("combined_by_predictor"),
            "per_layer_test_error": test["per_layer"], "prefix_test_error": test["prefix"],
            "train_seconds": sum(r["train_seconds"] for r in history),
            "test_eval_seconds": time.perf_counter() - t0, "epochs": len(history),
            "warnings": final_warnings(history, test["warnings"]),
            "alpha": None if model.alpha is None else model.alpha.tolist(),   # --gamma learned's weights
            "test_predictions": "".join(map(str, test["pred"].tolist())),  # one digit per test image
            "readout_test_predictions": "".join(map(str, test["readout_pred"].tolist()))
            if model.readout is not None else None,
            # every goodness predictor (evaluate.PREDICTORS), whichever cfg.predict chose: a row can be
            # compared with another by the same predictor
            "test_error_by_predictor": {p: e for p, (e, _) in test["by_predictor"].items()}
            if "by_predictor" in test else None,
            "test_predictions_by_predictor": {p: "".join(map(str, labels.tolist()))
                                              for p, (_, labels) in test["by_predictor"].items()}
            if "by_predictor" in test else None,
            "train_size": len(data.x_train), "config": asdict(cfg), "history": history}, model


def main(argv=None):
    """python -m ffnumpy.train: the command line (cli.py), training with train() above."""
    from .cli import run
    return run(argv, train)


if __name__ == "__main__":
    import sys
    sys.exit(main())
