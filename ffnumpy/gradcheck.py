"""Finite-difference gradient checking: is an analytic gradient right?

An analytic backward pass gives the vector-Jacobian product dout^T df/dx. The
checker estimates the same product by central differences, one coordinate of x
at a time,

    numeric[j] = sum((f(x + h e_j) - f(x - h e_j)) * dout) / (2h),

and compares the two with the larger of two relative errors: over the whole array,

    max_j |a_j - n_j| / max(1e-8, max_k(|a_k| + |n_k|)),

and entry by entry, beyond the rounding noise of the difference quotient,

    max_j  max(0, |a_j - n_j| - noise_j) / max(|a_j| + |n_j|, 1e-8 max_k(|a_k| + |n_k|), 1e-300).

noise_j bounds the rounding error of the difference quotient itself: f(x +- h e_j) is
only known to a few ulps, so n_j is only known to about

    noise_j = NOISE_ULPS * eps * sum(|f(x + h e_j) dout| + |f(x - h e_j) dout|) / (2h),

about 2e-9 for an f of size 1 at h = 1e-6 (every gradient test here passes at a tenth of it).
Entry by entry, a small entry that is wrong cannot hide behind a large one that is right (over
the whole array it could). The noise floor keeps entries whose true value is below the rounding
error from failing at random; it enters only the entry-by-entry error, so it never makes the check
weaker than the whole-array error alone.

Work in float64: in float32 the rounding error of f swamps the difference.
Expect < 1e-7 on smooth functions, < 1e-5 when a ReLU kink is near.
"""
from dataclasses import dataclass

import numpy as np


@dataclass
class GradCheck:
    """The verdict of one check. `bool(result)` is `result.passed`."""
    passed: bool
    error: float
    tol: float
    analytic: np.ndarray
    numeric: np.ndarray
    noise: np.ndarray = 0.0

    def __bool__(self):
        return self.passed

    def report(self, rows=5):
        """Analytic and numeric side by side, worst coordinates first."""
        a, n = self.analytic.ravel(), self.numeric.ravel()
        worst = np.argsort(-entry_errors(a, n, np.ravel(self.noise)))[:rows]
        lines = [f"gradient check {'passed' if self.passed else 'FAILED'}: "
                 f"relative error {self.error:.2e} (tolerance {self.tol:.0e})",
                 f"{'index':>8} {'analytic':>14} {'numeric':>14}"]
        lines += [f"{j:>8} {a[j]:>14.6e} {n[j]:>14.6e}" for j in worst]
        return "\n".join(lines)


NOISE_ULPS = 10  # rounding error allowed in each evaluation of f, in units of eps * |f|


def entry_errors(a, n, noise=0.0):
    """Each entry's relative error beyond the noise floor (see the module docstring); shape of a."""
    a, n = np.asarray(a, dtype=np.float64), np.asarray(n, dtype=np.float64)
    size = np.abs(a) + np.abs(n)
    scale = max(1e-8 * float(np.max(size, initial=0.0)), 1e-300)
    return np.maximum(0.0, np.abs(a - n) - noise) / np.maximum(size, scale)


def relative_error(a, n, noise=0.0):
    """The larger of two relative errors, 0 for equal arrays: the worst entry's beyond the noise floor,
    and the largest difference over the largest entry (which the noise floor never loosens)."""
    a, n = np.asarray(a, dtype=np.float64), np.asarray(n, dtype=np.float64)
    whole = np.max(np.abs(a - n), initial=0.0) / max(1e-8, float(np.max(np.abs(a) + np.abs(n), initial=0.0)))
    return float(max(whole, np.max(entry_errors(a, n, noise), initial=0.0)))


def numerical_gradient(f, x, dout=None, h=1e-6):
    """Central-difference estimate of dout^T df/dx, shaped like x (see central_differences)."""
    return central_differences(f, x, dout, h)[0]


def central_differences(f, x, dout=None, h=1e-6):
    """Central-difference estimate of dout^T df/dx, and the rounding noise of each entry.

    f    : function of x returning an array (or a scalar) of shape out
    x    : float64 array, any shape; perturbed in place and restored
    dout : array of shape out, the upstream gradient (1 for a scalar f)
    returns (grad, noise), both arrays shaped like x
    """
    if x.dtype != np.float64:
        raise TypeError(f"gradient checks need float64 input, got {x.dtype}")
    dout = 1.0 if dout is None else dout
    grad, noise = np.zeros_like(x), np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        j = it.multi_index
        old = x[j]
        x[j] = old + h
        f_plus = np.asarray(f(x), dtype=np.float64) * dout
        x[j] = old - h
        f_minus = np.asarray(f(x), dtype=np.float64) * dout
        x[j] = old
        grad[j] = np.sum(f_plus - f_minus) / (2 * h)
        noise[j] = NOISE_ULPS * np.finfo(np.float64).eps * np.sum(np.abs(f_plus) + np.abs(f_minus)) / (2 * h)
    return grad, noise


def check_gradient(f, x, analytic, dout=None, h=1e-6, tol=1e-6):
    """Compare an analytic gradient with central differences.

    f        : function of x (float64 array) returning an array of shape out
    x        : float64 array at which to check
    analytic : array shaped like x, the analytic dout^T df/dx
    dout     : array of shape out (None for a scalar f)
    returns a GradCheck; it passes when the relative error is below tol
    """
    analytic = np.asarray(analytic, dtype=np.float64)
    if analytic.shape != x.shape:
        raise ValueError(f"analytic gradient has shape {analytic.shape}, x has {x.shape}")
    numeric, noise = central_differences(f, x, dout, h)
    error = relative_error(analytic, numeric, noise)
    return GradCheck(error < tol, error, tol, analytic, numeric, noise)


def assert_gradient(f, x, analytic, dout=None, h=1e-6, tol=1e-6):
    """check_gradient, raising AssertionError with the side-by-side report on failure."""
    result = check_gradient(f, x, analytic, dout, h, tol)
    assert result.passed, result.report()
    return result
