"""Finite-difference gradient checking: is an analytic gradient right?

An analytic backward pass gives the vector-Jacobian product dout^T df/dx. The
checker estimates the same product by central differences, one coordinate of x
at a time,

    numeric[j] = sum((f(x + h e_j) - f(x - h e_j)) * dout) / (2h),

and compares the two with the relative error

    max|a - n| / max(1e-8, max(|a| + |n|)).

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

    def __bool__(self):
        return self.passed

    def report(self, rows=5):
        """Analytic and numeric side by side, worst coordinates first."""
        a, n = self.analytic.ravel(), self.numeric.ravel()
        worst = np.argsort(-np.abs(a - n))[:rows]
        lines = [f"gradient check {'passed' if self.passed else 'FAILED'}: "
                 f"relative error {self.error:.2e} (tolerance {self.tol:.0e})",
                 f"{'index':>8} {'analytic':>14} {'numeric':>14}"]
        lines += [f"{j:>8} {a[j]:>14.6e} {n[j]:>14.6e}" for j in worst]
        return "\n".join(lines)


def relative_error(a, n):
    """max|a - n| / max(1e-8, max(|a| + |n|)): 0 for equal arrays."""
    return float(np.max(np.abs(a - n)) / max(1e-8, float(np.max(np.abs(a) + np.abs(n)))))


def numerical_gradient(f, x, dout=None, h=1e-6):
    """Central-difference estimate of dout^T df/dx.

    f    : function of x returning an array (or a scalar) of shape out
    x    : float64 array, any shape; perturbed in place and restored
    dout : array of shape out, the upstream gradient (1 for a scalar f)
    returns an array shaped like x
    """
    if x.dtype != np.float64:
        raise TypeError(f"gradient checks need float64 input, got {x.dtype}")
    dout = 1.0 if dout is None else dout
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        j = it.multi_index
        old = x[j]
        x[j] = old + h
        f_plus = np.asarray(f(x), dtype=np.float64).copy()
        x[j] = old - h
        f_minus = np.asarray(f(x), dtype=np.float64).copy()
        x[j] = old
        grad[j] = np.sum((f_plus - f_minus) * dout) / (2 * h)
    return grad


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
    numeric = numerical_gradient(f, x, dout, h)
    error = relative_error(analytic, numeric)
    return GradCheck(error < tol, error, tol, analytic, numeric)


def assert_gradient(f, x, analytic, dout=None, h=1e-6, tol=1e-6):
    """check_gradient, raising AssertionError with the side-by-side report on failure."""
    result = check_gradient(f, x, analytic, dout, h, tol)
    assert result.passed, result.report()
    return result
