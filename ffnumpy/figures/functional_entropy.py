"""Notebook 03's figures, and the sentences that read its numbers.

A run below is a dict as the notebook's run() returns it: "result" (train()'s result),
"net" and "curve", one measurement per epoch (epoch 0 = the initial network), each
{kind: {"total", "across", "within", "mean", "concentration", "layer_means"}} for
kind "positive" and "negative".
"""
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator

PLAIN = FuncFormatter(lambda v, _: f"{v:g}")       # 0.01, 2, 50 on log axes, not 10^-2
KINDS = ("positive", "negative")
LAYER_COLORS = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple"]


def log_y(ax):
    """A log y axis with plain tick labels at 1, 2, 5 times powers of 10."""
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10))
    ax.yaxis.set_minor_locator(LogLocator(base=10, subs=(2, 5)))
    ax.yaxis.set_major_formatter(PLAIN)
    ax.yaxis.set_minor_formatter(PLAIN)


def _series(r, kind, key):
    """One number per epoch: r["curve"][e][kind][key] (the notebook's series())."""
    return np.array([c[kind][key] for c in r["curve"]])


def plot_definition(lo, hi, p, measured, closed, mc_sizes, estimates, truth):
    """Section 1: Jensen's gap, Ent against the fraction p holding the mass, Monte Carlo estimates of Ent(Exp(1)).

    lo, hi    : the two values of a two-point phi, each with probability 1/2
    p         : (n,) fractions k/n of the points that hold the mass (mean fixed at 1)
    measured  : (n,) ent(phi) for each p;  closed : (n,) log(1/p)
    mc_sizes  : the numbers of draws;  estimates : (len(mc_sizes), repeats) Ent of that many Exp(1) draws
    truth     : 1 - gamma_E, the exact Ent of Exp(1)
    """
    def u(x):
        return x * np.log(x)

    xs = np.linspace(0.02, 3, 300)
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    ax = axes[0]
    ax.plot(xs, u(xs), color="black", label="u(x) = x log x")
    ax.plot([lo, hi], [u(lo), u(hi)], "o--", color="tab:gray", label="chord between the two values of φ")
    mid = (lo + hi) / 2
    ax.plot([mid, mid], [u(mid), (u(lo) + u(hi)) / 2], color="tab:red", linewidth=3, label="Ent(φ) = E[u(φ)] − u(E[φ])")
    ax.set(xlabel="x", ylabel="u(x)", title="Why is Ent ≥ 0? Jensen's gap")
    ax.legend(fontsize=7)
    ax = axes[1]
    ax.plot(p, measured, color="tab:blue", linewidth=4, alpha=0.4, label="ent(φ), computed")
    ax.plot(p, closed, color="black", linewidth=1, label="closed form log(1/p)")
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(PLAIN)
    ax.set(xlabel="fraction p of points holding the mass (mean fixed at 1)", ylabel="Ent(φ) (nats)",
           title="Does Ent grow as the mass concentrates?")
    ax.legend(fontsize=7)
    ax = axes[2]
    for m, est in zip(mc_sizes, estimates):
        ax.plot(np.full(len(est), m), est, ".", color="tab:blue", alpha=0.5)
    ax.plot([], [], ".", color="tab:blue", label=f"one estimate ({len(estimates[0])} per n)")
    ax.axhline(truth, color="black", label="1 − γ_E")
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set(xlabel="number of draws n", ylabel="estimated Ent(φ)", title="Does the empirical estimate converge?")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def convergence_line(mc_sizes, estimates, truth):
    """Whether the mean estimate at the largest n lies within 3 standard errors of the truth, in words.

    estimates : (len(mc_sizes), repeats); truth : 1 - gamma_E
    """
    spread = estimates.std(axis=1)
    gap = abs(estimates[-1].mean() - truth)
    return (f"at n = {mc_sizes[-1]:,} the mean estimate {estimates[-1].mean():.4f} is "
            + ("within" if gap < 3 * spread[-1] / np.sqrt(len(estimates[-1])) else "NOT within")
            + f" 3 standard errors of 1 - γ_E = {truth:.4f}")


def plot_across_within(parts):
    """Section 4: Ent split into across and within, and each layer's mean against E[phi].

    parts : {(network, kind): {"across", "within", "mean", "layer_means" : (L,)}}
    """
    fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
    ax = axes[0]
    keys = list(parts)
    x = np.arange(len(keys))
    within = [parts[k]["within"] for k in keys]
    ax.bar(x, within, color="tab:purple", label="within layers")
    ax.bar(x, [parts[k]["across"] for k in keys], bottom=within, color="tab:olive", label="across layers")
    ax.set_xticks(x, [f"{a}\n{b} pairs" for a, b in keys], fontsize=8)
    ax.set(ylabel="Ent (goodness units)", title="How much of Ent is across layers, before and after training?")
    ax.legend(fontsize=8)
    ax = axes[1]
    L = len(parts[keys[0]]["layer_means"])
    width = 0.8 / len(keys)
    for j, key in enumerate(keys):
        p = parts[key]
        ax.bar(np.arange(L) + j * width, 100 * (p["layer_means"] / p["mean"] - 1), width, label=f"{key[0]}, {key[1]}")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(np.arange(L) + 0.4 - width / 2, [f"layer {i + 1}" for i in range(L)])
    ax.set(ylabel="m_i / E[φ] − 1 (%)", title="Where does the across term come from? The layers' means")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def across_lines(parts):
    """Where the initial network's across term comes from, and which way one epoch of FF moved each term.

    parts : {(network, kind): {"total", "across", "within", "mean", "layer_means" : (L,)}}, with the keys
            ("initial", "positive") and ("one epoch of FF", "positive")
    """
    p0, p1 = parts["initial", "positive"], parts["one epoch of FF", "positive"]
    r = p0["layer_means"] / p0["mean"]
    return [f"Initial network, positive pairs: layer means {', '.join(f'{m:.1f}' for m in p0['layer_means'])} "
            f"(within {100 * np.max(np.abs(r - 1)):.1f}% of their mean E[φ] = {p0['mean']:.1f}).",
            f"Nothing is learned yet, but the across term is {p0['across']:.3g} = "
            f"{p0['across'] / p0['total']:.0%} of Ent. "
            f"It comes from the random weights:\nto second order across ≈ E[φ]/2 · mean((m_i/E[φ] - 1)^2) = "
            f"{p0['mean'] / 2 * np.mean((r - 1) ** 2):.3g}: a small spread of the means, multiplied by the mass E[φ] "
            f"(Ent(cφ) = c Ent(φ)).",
            f"After one epoch of FF: across {p1['across']:.3g} ({'down' if p1['across'] < p0['across'] else 'up'} from "
            f"{p0['across']:.3g}), within {p1['within']:.3g} ({'down' if p1['within'] < p0['within'] else 'up'} from "
            f"{p0['within']:.3g}), concentration {p1['total'] / p1['mean']:.2g} "
            f"({'down' if p1['total'] / p1['mean'] < p0['total'] / p0['mean'] else 'up'} from "
            f"{p0['total'] / p0['mean']:.2g})."]


def claims_lines(runs, caveat=""):
    """The paper's claims (a)-(c) at the last epoch, judged on raw Ent, on KL and on the gain in KL since
    initialisation; then Ent, E[phi] and KL at initialisation and at the end.

    runs : {"FF": run, "CFF gamma": run};  caveat : appended to the note under the claims
    """
    def kl(name, kind):
        return _series(runs[name], kind, "concentration")

    def raw(name, kind):
        return _series(runs[name], kind, "total")

    claims = [("(a) FF, positive pairs: end above the initial network",
               raw("FF", "positive")[-1] > raw("FF", "positive")[0], kl("FF", "positive")[-1] > kl("FF", "positive")[0],
               None)]
    for kind in KINDS:
        claims.append((f"(b) CFF gamma above FF, {kind} pairs",
                       raw("CFF gamma", kind)[-1] > raw("FF", kind)[-1], kl("CFF gamma", kind)[-1] > kl("FF", kind)[-1],
                       kl("CFF gamma", kind)[-1] - kl("CFF gamma", kind)[0] > kl("FF", kind)[-1] - kl("FF", kind)[0]))
    for name in runs:
        claims.append((f"(c) {name}: positive pairs above negative pairs",
                       raw(name, "positive")[-1] > raw(name, "negative")[-1],
                       kl(name, "positive")[-1] > kl(name, "negative")[-1],
                       kl(name, "positive")[-1] - kl(name, "positive")[0]
                       > kl(name, "negative")[-1] - kl(name, "negative")[0]))

    def word(v):
        return "-" if v is None else ("holds" if v else "does NOT hold")

    lines = [f"{'claim (at the last epoch)':54s} {'raw Ent':>14s} {'concentration':>14s} "
             f"{'gain in KL since init':>22s}"]
    for claim, *verdicts in claims:
        lines.append(f"{claim:54s} " + " ".join(f"{word(v):>14s}" for v in verdicts[:2]) + f" {word(verdicts[2]):>22s}")
    lines.append("(for (a) the gain since initialisation is the concentration column itself)" + caveat)
    lines.append(f"\n{'':22s} {'Ent: init -> end':>20s} {'E[φ]: init -> end':>20s} {'KL: init -> end':>22s}")
    for name in runs:
        for kind in KINDS:
            e, m, k = raw(name, kind), _series(runs[name], kind, "mean"), kl(name, kind)
            lines.append(f"{name + ', ' + kind:22s} {e[0]:9.3g} -> {e[-1]:7.3g} {m[0]:9.4g} -> {m[-1]:7.4g} "
                         f"{k[0]:10.3g} -> {k[-1]:8.3g}")
    return lines


def plot_terms_while_training(runs, epochs, styles, markers):
    """Section 5: the across and within terms per epoch, one panel per method.

    runs : {method: run};  epochs : (E + 1,) 0..E
    styles, markers : {kind: line style}, {kind: marker keywords}, as in the entropy-curves figure
    """
    fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
    for ax, (name, r) in zip(axes, runs.items()):
        for kind in styles:
            for term, color in (("across", "tab:olive"), ("within", "tab:purple")):
                ax.plot(epochs, _series(r, kind, term), styles[kind], color=color, **markers[kind],
                        label=f"{term}, {kind} pairs")
        ax.set(xlabel="epoch (0 = initial network)", ylabel="Ent term (goodness units)",
               title=f"{name}: which term moves while it trains?")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(fontsize=7, handlelength=3.5)
    fig.tight_layout()
    return fig


def trajectory(v):
    """The shape of a curve over epochs, in words chosen from its numbers. v : (E + 1,), v[0] = initial network."""
    k, last = int(np.argmax(v)), len(v) - 1
    if k == 0:
        text = f"was highest at initialisation ({v[0]:.3g}) and ended at {v[-1]:.3g}"
    elif k == last:
        text = f"rose from {v[0]:.3g} at initialisation to its highest value, {v[-1]:.3g}, at the last epoch"
    else:
        text = (f"rose from {v[0]:.3g} at initialisation to a peak of {v[k]:.3g} after epoch {k}, "
                f"then fell to {v[-1]:.3g}")
    return text + f" ({'below' if v[-1] < v[0] else 'above'} its initial value)"


def terms_lines(runs):
    """How each method's within and across terms moved (positive pairs), and the across term's share of Ent
    at initialisation and at the end. runs : {method: run}, with "FF" among them."""
    lines = [f"{name}, {term}-layer term, positive pairs: {trajectory(_series(runs[name], 'positive', term))}."
             for name in runs for term in ("within", "across")]
    w = _series(runs["FF"], "positive", "within")
    peak = int(np.argmax(w))
    if 0 < peak < len(w) - 1:
        lines.append(f"So under FF's logistic loss the within term did not simply fall: it rose for the first {peak} "
                     f"epoch(s), then fell.\nA hypothesis, not tested here: pairs well on their side of θ get "
                     f"almost no "
                     f"gradient, and the learning rate decays over the second half.")
    for name in runs:
        p = runs[name]["curve"]
        s0 = p[0]["positive"]["across"] / p[0]["positive"]["total"]
        s1 = p[-1]["positive"]["across"] / p[-1]["positive"]["total"]
        lines.append(f"{name}: the across term is {s0:.0%} of Ent at initialisation (random weights) and {s1:.0%} at "
                     "the end; layer means at the end "
                     + ", ".join(f"{m:.0f}" for m in p[-1]["positive"]["layer_means"]))
    return lines


def plot_entropy_objective(all_runs, runs, runs_entropy, epochs, colors):
    """Section 6: each layer's test error alone and the network's, for both objectives; and each layer's
    mean goodness per epoch, one panel per method.

    all_runs : [(method, objective name, run)];  runs, runs_entropy : {method: run}, logistic and entropy objective
    epochs : (E + 1,) 0..E;  colors : {method: colour}
    """
    L = len(all_runs[0][2]["result"]["per_layer_test_error"])
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.9))
    ax = axes[0]
    width = 0.8 / len(all_runs)
    for j, (name, objective_name, r) in enumerate(all_runs):
        errors = r["result"]["per_layer_test_error"] + [r["result"]["test_error"]]
        ax.bar(np.arange(L + 1) + j * width, errors, width, color=colors[name], edgecolor="white",
               hatch="///" if objective_name == "entropy" else None, alpha=0.6 if objective_name == "entropy" else 1.0,
               label=f"{name}, {objective_name} objective")
    ax.set_xticks(np.arange(L + 1) + 0.4 - width / 2,
                  [f"layer {i + 1}\nalone" for i in range(L)] + ["all layers\n(raw sum)"])
    ax.set(ylabel="test error (%)", title="Does the whole network beat its layers?")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)
    for ax, name in zip(axes[1:], runs):
        for objective_name, r, style in (("logistic", runs[name], "--"), ("entropy", runs_entropy[name], "-")):
            means = _series(r, "positive", "layer_means")                       # (epochs + 1, L)
            for i in range(L):
                ax.plot(epochs, means[:, i], style, color=LAYER_COLORS[i], marker=".")
        handles = [plt.Line2D([], [], color=LAYER_COLORS[i], label=f"layer {i + 1}") for i in range(L)]
        handles += [plt.Line2D([], [], color="gray", linestyle=s, label=f"{o} objective")
                    for o, s in (("entropy", "-"), ("logistic", "--"))]
        ax.legend(handles=handles, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3)
        ax.set_yscale("log")                                   # major ticks only: 1, 10, 100, ...
        ax.yaxis.set_major_formatter(PLAIN)
        gone = [i + 1 for o, r in (("logistic", runs[name]), ("entropy", runs_entropy[name]))
                for i in range(L) if np.min(_series(r, "positive", "layer_means")[:, i]) <= 0]
        if gone:                                               # 0 has no place on a log axis: say so
            ax.text(0.02, 0.02, f"layer(s) {sorted(set(gone))} reach 0 (silent): off the log axis",
                    transform=ax.transAxes, fontsize=7, color="tab:red")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set(xlabel="epoch (0 = initial network)", ylabel="mean goodness m_i (positive pairs)",
               title=f"{name}: do the layers' scales drift apart?")
    fig.tight_layout()
    return fig
