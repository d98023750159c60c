"""The graders that passed wrong answers or gave advice that led nowhere (issue 38, "Graders that
are wrong"): each wrong answer is rejected with a hint that names its mistake, the right one passes,
and following the advice leads to the right answer."""
import glob
import itertools
import math
import os
import re
import runpy

import numpy as np
import pytest

from ffnumpy.exercise import diagnose, grade
from ffnumpy.graders import EXERCISES

SOLUTIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tutorials", "solutions")


def rejected(name, mine, capsys):
    """The grader's message for a wrong answer (it must fail, with expected and a likely cause)."""
    assert not grade(name, lambda: EXERCISES[name].check(mine))
    out = capsys.readouterr().out
    assert "expected" in out and "likely:" in out, out
    return out


def passes(name, mine, capsys):
    assert grade(name, lambda: EXERCISES[name].check(mine)), capsys.readouterr().out
    capsys.readouterr()


# 04 probe_grads: the text once said "subtract the largest logit", and -log p[y] of the softmax is inf.

def probe(V, c, f, y, form):
    N = len(y)
    logits = f @ V + c
    z = logits if form == "raw" else logits - logits.max(axis=1, keepdims=True)
    with np.errstate(all="ignore"):
        p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        if form == "log-softmax":
            log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        elif form == "floor":
            log_p = np.log(p + 1e-12)
        else:
            log_p = np.log(p)
    d = p.copy()
    d[np.arange(N), y] -= 1
    return float(-log_p[np.arange(N), y].mean()), f.T @ d / N, d.sum(axis=0) / N


@pytest.mark.parametrize("form, words", [("max-subtracted", "-log 0 = inf"), ("raw", "exp overflowed"),
                                         ("floor", "a floor on p")])
def test_probe_grads_names_each_unstable_loss_and_passes_log_softmax(form, words, capsys):
    out = rejected("probe_grads", lambda V, c, f, y: probe(V, c, f, y, form), capsys)
    assert "the loss at logits near 1e4" in out and words in out and "log-softmax" in out, out
    passes("probe_grads", lambda V, c, f, y: probe(V, c, f, y, "log-softmax"), capsys)


def test_the_probe_text_teaches_the_log_softmax_the_grader_asks_for():
    nbformat = pytest.importorskip("nbformat")
    path = os.path.join(SOLUTIONS, "..", "04_open_questions.ipynb")
    text = next(c.source for c in nbformat.read(path, as_version=4).cells if "Your turn (probe_grads)" in c.source)
    assert "log-softmax" in text and r"z_k - \log \sum_j e^{z_j}" in text
    assert "Do not compute p and then its log" in text


# 02 gamma: Theta was checked with theta = (1, 1, 1) only, where L theta_i = sum_t theta_t.

def gamma_terms(G, theta, mode, wrong=None):
    theta = np.asarray(theta, float)
    if mode == "none":
        return np.zeros_like(G), theta
    if mode == "previous":
        Theta = np.arange(1, len(theta) + 1) * theta if wrong == "i theta" else np.cumsum(theta)
        return np.cumsum(G, axis=1) - G, Theta
    Theta = len(theta) * theta if wrong == "L theta" else np.full(len(theta), theta.sum())
    return G.sum(axis=1, keepdims=True) - G, Theta


@pytest.mark.parametrize("wrong, words", [("L theta", "that is L theta_i"), ("i theta", "that is i theta_i")])
def test_gamma_checks_Theta_with_unequal_thresholds(wrong, words, capsys):
    out = rejected("gamma", lambda G, theta, mode: gamma_terms(G, theta, mode, wrong), capsys)
    assert "theta = [1, 2, 3]" in out and words in out, out
    passes("gamma", gamma_terms, capsys)


# exercise.diagnose: a single number gets no guessed constant factor.

@pytest.mark.parametrize("got, want", [(2.0, 1.0), (1.5, 1.0), (-3.0, 3.0), ([4.0], [2.0]), ([0.0, 6.0], [0.0, 2.0])])
def test_a_single_wrong_number_gets_no_ratio_diagnosis(got, want):
    assert diagnose(got, want) is None


def test_diagnose_still_names_a_factor_shared_by_many_numbers():
    assert "twice" in diagnose([2.0, 4.0, 6.0], [1.0, 2.0, 3.0])
    assert "nan or inf" in diagnose(np.inf, 1.0)


# 02 mcnemar: an uncapped p got "a factor 2 too many"; without the 2 it got "double it": a loop.

def mcnemar_variant(two_sided, capped, lower_tail):
    def mcnemar(right_a, right_b):
        b, c = int(np.sum(right_a & ~right_b)), int(np.sum(~right_a & right_b))
        n = b + c
        tail = sum(math.comb(n, k) for k in range(min(b, c) + 1)) / 2 ** n
        p = (2 if two_sided else 1) * (tail if lower_tail else 1 - tail)
        return {"b": b, "c": c, "p": min(1.0, p) if capped else p}
    return mcnemar


ADVICE = {"double it": 0, "capped at 1": 1, "the tail at the smaller count": 2}     # words -> the flag they set


@pytest.mark.parametrize("start", [s for s in itertools.product((False, True), repeat=3) if not all(s)])
def test_following_the_mcnemar_advice_reaches_the_right_answer(start, capsys):
    state, seen = start, set()
    while not grade("mcnemar", lambda: EXERCISES["mcnemar"].check(mcnemar_variant(*state))):
        out = capsys.readouterr().out
        likely = out.split("likely:")[1].splitlines()[0]
        advice = [flag for words, flag in ADVICE.items() if words in likely]
        assert len(advice) == 1 and not state[advice[0]], out     # one fix, and one not made yet
        seen.add(state)
        state = tuple(True if i == advice[0] else v for i, v in enumerate(state))
        assert state not in seen and len(seen) <= 3
    assert state == (True, True, True)


def test_an_uncapped_p_is_told_it_is_capped_at_1(capsys):
    out = rejected("mcnemar", mcnemar_variant(True, False, True), capsys)
    assert "p of a classifier against itself" in out and "a p-value is capped at 1" in out, out
    assert "factor 2" not in out


# 04 forgetting: clipped at 0 (or the last row in the max) passed; no matrix had a task improve later.

def forgetting(A, wrong=None):
    A = np.asarray(A, float)
    K = len(A)
    f = [A[j:K - 1 if wrong != "last row" else K, j].max() - A[K - 1, j] for j in range(K - 1)]
    return [float(max(v, 0.0) if wrong == "clipped" else v) for v in f]


@pytest.mark.parametrize("wrong", ["clipped", "last row"])
def test_forgetting_can_be_negative(wrong, capsys):
    out = rejected("forgetting", lambda A: forgetting(A, wrong), capsys)
    assert "task 0 improves at the end" in out and "do not clip at 0" in out and "not the last row" in out, out
    passes("forgetting", forgetting, capsys)


# 03 kl_form and decompose: a shortcut through Ent gave the right numbers by the identity itself.

def ent(phi):
    phi = np.asarray(phi, float)
    m = phi.mean()
    return float(np.mean(np.where(phi > 0, phi * np.log(np.where(phi > 0, phi, 1) / (m if m > 0 else 1)), 0.0)))


def kl_form(phi):
    phi = np.asarray(phi, float)
    q = phi / phi.sum()
    return float(phi.mean() * np.sum(q[q > 0] * np.log(q[q > 0] * len(phi))))


def test_kl_form_that_returns_ent_is_rejected_by_name(capsys):
    out = rejected("kl_form", lambda phi: ent(phi), capsys)
    assert "with ent replaced by another function" in out and "it returns ent(phi)" in out, out
    my_entropy = ent                                              # a closed-over name, not a global

    def through_closure(phi):
        return float(np.mean(phi)) * (my_entropy(phi) / float(np.mean(phi)))
    assert "it returns my_entropy(phi)" in rejected("kl_form", through_closure, capsys)
    passes("kl_form", kl_form, capsys)

    def checked_against_ent(phi):                                 # calling ent to compare is no shortcut
        phi = np.asarray(phi, float)
        q = phi / phi.sum()
        value = float(phi.mean() * np.sum(q[q > 0] * np.log(q[q > 0] * len(phi))))
        assert np.isclose(value, ent(phi))
        return value
    passes("kl_form", checked_against_ent, capsys)


def decompose(G, derived=None):
    G = np.asarray(G, float)
    parts = {"total": ent(G), "across": ent(G.mean(axis=0)), "within": float(np.mean([ent(c) for c in G.T]))}
    others = [k for k in parts if k != derived]
    if derived == "total":
        parts["total"] = parts["across"] + parts["within"]
    elif derived:
        parts[derived] = parts["total"] - parts[[k for k in others if k != "total"][0]]
    return parts


def decompose_inline(G):                                  # no ent: E[phi log phi] - E[phi] log E[phi]
    def h(x):
        x = np.asarray(x, float)
        m = x.mean()
        return np.mean(np.where(x > 0, x * np.log(np.where(x > 0, x, 1)), 0)) - (m * np.log(m) if m > 0 else 0.0)
    return {"total": h(G), "across": h(G.mean(axis=0)), "within": float(np.mean([h(c) for c in G.T]))}


@pytest.mark.parametrize("derived", ["within", "across", "total"])
def test_decompose_with_a_part_computed_from_the_other_two_is_rejected(derived, capsys):
    out = rejected("decompose", lambda G: decompose(G, derived), capsys)
    formula = {"within": "within = total - across", "across": "across = total - within",
               "total": "total = across + within"}[derived]
    assert f"{derived} with ent replaced by another function" in out and formula in out, out
    passes("decompose", decompose, capsys)
    passes("decompose", decompose_inline, capsys)
    passes("decompose", lambda G: {**decompose_inline(G), "total": ent(G)}, capsys)


# Hints for three mistakes that got numbers only.

def marginal(per_layer, prefix, wrong):
    right = [p - e for p, e in zip([90.0] + list(prefix[:-1]), prefix)]
    if wrong == "index -1":
        right[0] = prefix[-1] - prefix[0]
    return {"per_layer": per_layer, "prefix": prefix,
            "marginal": {"left": right[1:] + [0.0], "right": [0.0] + right[:-1]}.get(wrong, right)}


@pytest.mark.parametrize("wrong, words", [("left", "shifted by one layer: entry 0 holds layer 2's"),
                                          ("right", "shifted by one layer: entry k holds layer k's"),
                                          ("index -1", "prefix[-1], the last layer")])
def test_marginal_shifted_by_one_is_named(wrong, words, capsys):
    assert words in rejected("marginal", lambda a, b: marginal(a, b, wrong), capsys)
    passes("marginal", lambda a, b: marginal(a, b, None), capsys)


@pytest.mark.parametrize("log, words", [(np.log2, "base 2 (bits)"), (np.log10, "base 10")])
def test_entropy_in_another_base_is_named(log, words, capsys):
    def in_base(phi):
        phi = np.asarray(phi, float)
        m = phi.mean()
        return float(np.mean(np.where(phi > 0, phi * log(np.where(phi > 0, phi, 1) / (m if m > 0 else 1)), 0.0)))
    out = rejected("entropy", in_base, capsys)
    assert words in out and "natural log" in out, out
    passes("entropy", ent, capsys)


def test_alpha_grad_with_a_one_based_i_is_named(capsys):
    def alpha_grad(dg, G, theta, i, base=0):
        return np.where(np.arange(G.shape[1]) == i - base, 0.0, dg @ (G - theta))
    out = rejected("alpha_grad", lambda dg, G, theta, i: alpha_grad(dg, G, theta, i, base=1), capsys)
    assert "i counts from 0" in out, out
    passes("alpha_grad", alpha_grad, capsys)


# The solved cells of tutorials/solutions/NN_cells.py still pass every grader, run as the notebook runs them.

def solved(number):
    """{exercise: the function its solved cell defines}, run after the notebook's imports, in its order."""
    nbformat = pytest.importorskip("nbformat")
    notebook = glob.glob(os.path.join(SOLUTIONS, "..", f"{number}_*.ipynb"))[0]
    imports = next(c.source for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "code")
    namespace, functions = {}, {}
    exec(imports.split("%matplotlib")[0], namespace)
    cells = runpy.run_path(os.path.join(SOLUTIONS, f"{number}_cells.py"))["CELLS"]
    for exercise, source in cells.items():
        exec(source, namespace)
        names = re.findall(r"^def (\w+)", source, re.M)
        functions[exercise] = namespace[names[0]] if len(names) == 1 else tuple(namespace[n] for n in names)
        if exercise == "entropy":
            namespace["ent"] = namespace["my_entropy"]             # the notebook: ent = use("entropy", my_entropy)
    return functions


@pytest.mark.parametrize("number", ["02", "03", "04"])        # 01: network_step needs the notebook's cells
def test_the_solved_cells_pass_every_grader(number, capsys):
    for exercise, mine in solved(number).items():
        assert grade(exercise, lambda: EXERCISES[exercise].check(mine)), capsys.readouterr().out
