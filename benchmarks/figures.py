"""Figures 2 and 4 of the paper, and the summary, from the sweep results.

    python benchmarks/sweep.py analysis && python benchmarks/sweep.py entropy
    python benchmarks/figures.py            # -> results/analysis/

Reads results/sweeps/{analysis,entropy}/*.json (one trained network each) and
writes contributions.png, entropy_mnist.png, entropy_fashion-mnist.png and
summary.json, and prints the summary.
"""
import json
import os

from ffnumpy.evaluate import contributions, verdict
from ffnumpy.plots import plot_contributions, plot_entropy_curves

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "results")
LABELS = {"ff": "FF", "cff-all": "CFF gamma", "cff-prev": "CFF gamma(<t)"}


def load(group, name):
    with open(os.path.join(ROOT, "sweeps", group, name + ".json")) as f:
        return json.load(f)


def main():
    out = os.path.join(ROOT, "analysis")
    os.makedirs(out, exist_ok=True)
    summary, runs = {}, {}
    for data in ("mnist", "fashion-mnist"):
        results = {LABELS[k]: load("analysis", f"{data}-{k}") for k in LABELS}
        runs[data] = {label: contributions(r["per_layer_test_error"], r["prefix_test_error"])
                      for label, r in results.items()}
        summary[data] = {label: {"test_error": r["test_error"], **runs[data][label],
                                 "final_entropy": r["history"][-1]["entropy"]} for label, r in results.items()}
        summary[data]["verdict"] = verdict(runs[data]["FF"], runs[data]["CFF gamma"])
        plot_entropy_curves(results, os.path.join(out, f"entropy_{data}.png"),
                            title=f"{data}: entropy of the goodness during training")
    plot_contributions(runs, os.path.join(out, "contributions.png"),
                       title="784-500-500-500, 8 epochs, Adam 2e-3: what each layer adds")
    summary["entropy_objective"] = {
        "fashion-mnist FF, logistic": load("analysis", "fashion-mnist-ff")["test_error"],
        "fashion-mnist FF, entropy": load("entropy", "fashion-mnist-ff-entropy")["test_error"],
        "fashion-mnist CFF gamma, logistic": load("analysis", "fashion-mnist-cff-all")["test_error"],
        "fashion-mnist CFF gamma, entropy": load("entropy", "fashion-mnist-cff-all-entropy")["test_error"]}
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    for data in ("mnist", "fashion-mnist"):
        print(f"\n{data}")
        for label in LABELS.values():
            s = summary[data][label]
            print(f"  {label:14s} test {s['test_error']:5.2f}%  alone {_fmt(s['per_layer'])}  "
                  f"1..k {_fmt(s['prefix'])}  marginal {_fmt(s['marginal'])}  "
                  f"entropy pos {s['final_entropy']['positive']['total']:.1f} "
                  f"neg {s['final_entropy']['negative']['total']:.1f}")
        for line in summary[data]["verdict"]:
            print("  " + line)
    print("\nentropy objective:", json.dumps(summary["entropy_objective"]))


def _fmt(values):
    return "[" + ", ".join(f"{v:.2f}" for v in values) + "]"


if __name__ == "__main__":
    main()
