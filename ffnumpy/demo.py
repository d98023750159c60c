"""First run: a short end-to-end pass of FF on MNIST.

    python -m ffnumpy.demo [--quick]

Loads MNIST, trains a 784-500-500 network with the FF loss for a few hundred
minibatches (every layer on its own local loss, Adam), and prints the test
error it measures on the 10,000 test images.
"""
import argparse
import sys
import time

import numpy as np

from .data import DataError, load_mnist
from .losses import ff_layer_loss
from .layers import ff_layer_backward
from .network import Network, overlay_label, predict_from_goodness
from .optim import Adam


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m ffnumpy.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps, for CI")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        data = load_mnist()
    except DataError as e:
        sys.exit(f"error: {e}")
    rng = np.random.default_rng(args.seed)
    net = Network([784, 500, 500], rng)
    opts = [Adam(net.params(i), lr=1e-3) for i in range(net.num_layers)]
    steps, batch = (100, 100) if args.quick else (600, 100)
    start = time.perf_counter()
    for step in range(steps):
        idx = rng.integers(0, len(data.x_train), batch)
        x, y = data.x_train[idx], data.y_train[idx]
        y_neg = (y + rng.integers(1, 10, batch)) % 10  # a wrong label, never the true one
        xy = np.concatenate([overlay_label(x, y), overlay_label(x, y_neg)])
        sign = np.concatenate([np.ones(batch), -np.ones(batch)]).astype(np.float32)
        hs, caches = net.forward(xy)
        for i in range(net.num_layers):
            _, dh = ff_layer_loss(hs[i], 0.0, net.theta[i], sign)
            _, dW, db = ff_layer_backward(dh, caches[i])
            opts[i].step([dW, db])
    seconds = time.perf_counter() - start
    error = 100 * np.mean(predict_from_goodness(net.goodness_per_label(data.x_test)) != data.y_test)
    print(f"FF, 784-500-500, {steps} minibatches of {batch}: "
          f"MNIST test error {error:.2f}% ({seconds:.1f} s training)")


if __name__ == "__main__":
    main()
