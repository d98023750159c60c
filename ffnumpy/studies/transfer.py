"""Transfer: are the features learned on one task useful for another?

A network is trained on a source task, then measured on a target task in three ways:

    probe      each layer frozen; a linear probe (probe.py) trained on the target's
               training images reads the layer's normalised activity, with the
               neutral label input (all ten label pixels 0.1: the same for every
               image, so the probe sees features, not a label we wrote in);
               Backprop Label reads the plain image, as it was trained;
    initial    the same probe on the same network *before* training (its random
               features): the probe's gain over it is what training added;
    fine-tune  the whole network trained on the target for FINETUNE_EPOCHS more
               epochs (its usual rule, negatives among the target's labels),
               against the same budget from scratch.

PAIRS: MNIST digits 0-4 -> digits 5-9, and MNIST (all ten) -> Fashion-MNIST.
"""
import numpy as np

from ..data import load_dataset
from .probe import features, probe_error, train_probe
from .tasks import ALL, error_among, fit, select
from ..train import build_model

PAIRS = {  # name -> (source dataset, source labels, target dataset, target labels)
    "digits-0-4-to-5-9": ("mnist", (0, 1, 2, 3, 4), "mnist", (5, 6, 7, 8, 9)),
    "mnist-to-fashion": ("mnist", ALL, "fashion-mnist", ALL),
}
FINETUNE_EPOCHS = 1
PROBE_EPOCHS = 5


def probe_errors(net, train, test, seed, neutral):
    """Test error (%) of a linear probe on every layer of `net`.   train, test : (x, y) of the target task"""
    errors = []
    for layer in range(net.num_layers):
        V, c = train_probe(features(net, train[0], layer, neutral), train[1], epochs=PROBE_EPOCHS, seed=seed)
        errors.append(probe_error(V, c, features(net, test[0], layer, neutral), test[1]))
    return errors


def run_transfer(cfg, pair, source=None, target=None):
    """Train on the pair's source task, then probe and fine-tune on its target. returns a JSON-ready dict.

    source, target : Datasets (loaded with the validation split held out if None); the source network
    trains cfg.epochs epochs on the source's training images of the source labels.
    """
    source_name, source_classes, target_name, target_classes = PAIRS[pair]
    source = source or load_dataset(source_name, validation=True)
    target = target or (source if target_name == source_name else load_dataset(target_name, validation=True))
    D, neutral = source.x_train.shape[1], cfg.method != "bp-label"
    train = select(target.x_train, target.y_train, target_classes)
    test = select(target.x_test, target.y_test, target_classes)
    model = build_model(cfg, D, np.random.default_rng(cfg.seed))
    initial_probe = probe_errors(model.net, train, test, cfg.seed, neutral)
    fit(model, cfg, *select(source.x_train, source.y_train, source_classes), cfg.epochs, source_classes)
    record = {"pair": pair, "source_test_error": error_among(model, *select(source.x_test, source.y_test,
                                                                            source_classes), source_classes),
              "initial_probe_error": initial_probe,
              "probe_error": probe_errors(model.net, train, test, cfg.seed, neutral)}
    fit(model, cfg, *train, FINETUNE_EPOCHS, target_classes)
    record["finetune_error"] = error_among(model, *test, target_classes)
    scratch = build_model(cfg, D, np.random.default_rng(cfg.seed))
    fit(scratch, cfg, *train, FINETUNE_EPOCHS, target_classes)
    record["scratch_error"] = error_among(scratch, *test, target_classes)
    record["finetune_epochs"], record["probe_epochs"] = FINETUNE_EPOCHS, PROBE_EPOCHS
    return record
