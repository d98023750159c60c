"""The checker itself must pass right gradients and fail wrong ones."""
import numpy as np
import pytest

from ffnumpy.gradcheck import (assert_gradient, central_differences, check_gradient, entry_errors, numerical_gradient,
                               relative_error)


def test_known_function_3x_has_gradient_3():
    x = np.random.default_rng(0).standard_normal(5)
    numeric = numerical_gradient(lambda v: 3 * v, x, dout=np.ones(5))
    np.testing.assert_allclose(numeric, 3.0, rtol=1e-9)
    assert check_gradient(lambda v: 3 * v, x, np.full(5, 3.0), dout=np.ones(5)).passed


def test_vector_jacobian_product_of_a_matrix_function():
    rng = np.random.default_rng(1)
    A, x, dout = rng.standard_normal((4, 3)), rng.standard_normal((3, 2)), rng.standard_normal((4, 2))
    result = check_gradient(lambda v: A @ v, x, A.T @ dout, dout)
    assert result.passed and result.error < 1e-8


def test_wrong_gradient_fails_and_reports_side_by_side():
    x = np.random.default_rng(2).standard_normal(4)
    result = check_gradient(lambda v: np.sum(v ** 2), x, 3 * x)  # right answer is 2x
    assert not result.passed
    assert result.error > 0.1
    assert "FAILED" in result.report() and "analytic" in result.report()
    with pytest.raises(AssertionError, match="FAILED"):
        assert_gradient(lambda v: np.sum(v ** 2), x, 3 * x)


def test_slightly_wrong_gradient_is_caught():
    x = np.random.default_rng(3).standard_normal(6)
    assert not check_gradient(lambda v: np.sum(np.sin(v)), x, np.cos(x) * (1 + 1e-4)).passed


def test_checker_refuses_float32_and_restores_x():
    x32 = np.ones(3, np.float32)
    with pytest.raises(TypeError):
        numerical_gradient(lambda v: v, x32)
    x = np.arange(3.0)
    numerical_gradient(lambda v: v ** 2, x, dout=np.ones(3))
    np.testing.assert_array_equal(x, np.arange(3.0))


def test_relative_error_definition():
    assert relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    assert relative_error(np.array([1.0]), np.array([3.0])) == pytest.approx(0.5)
    assert relative_error(np.zeros(2), np.zeros(2)) == 0.0
    assert relative_error(np.array([100.0, 1.0]), np.array([100.0, 2.0])) == pytest.approx(1 / 3)  # per entry
    assert entry_errors(np.array([1.0]), np.array([3.0]), noise=1.0) == pytest.approx([0.25])  # 2 - 1 over 4
    assert relative_error(np.array([1.0]), np.array([3.0]), noise=1.0) == pytest.approx(0.5)  # never loosened


def test_a_wrong_small_entry_cannot_hide_behind_a_large_right_one():
    x = np.array([0.3, 0.7])

    def f(v):
        return 1e6 * v[0] + v[1] ** 2
    analytic = np.array([1e6, 3 * x[1]])  # the second entry should be 2 * x[1]
    result = check_gradient(f, x, analytic)
    global_error = np.max(np.abs(analytic - result.numeric)) / np.max(np.abs(analytic) + np.abs(result.numeric))
    assert global_error < 1e-6  # divided by the largest entry only, the wrong entry would pass
    assert not result.passed and result.error == pytest.approx(0.2, abs=0.01)
    assert result.report().splitlines()[2].split()[0] == "1"  # the wrong entry is listed first


def test_entries_below_the_rounding_noise_do_not_fail_at_random():
    x = np.array([0.3, 0.7])

    def f(v):
        return 1e3 * np.cos(v[0]) + 1e-9 * v[1]  # f is large, its second derivative tiny
    analytic = np.array([-1e3 * np.sin(x[0]), 1e-9])
    numeric, noise = central_differences(f, x.copy())
    assert entry_errors(analytic, numeric)[1] > 1e-6  # the difference quotient cannot see 1e-9 ...
    assert abs(numeric[1] - analytic[1]) < noise[1] < 1e-4  # ... and the noise estimate says so
    assert check_gradient(f, x, analytic).passed


def test_noise_floor_scales_with_f_and_the_step():
    x = np.array([0.5])
    _, small = central_differences(lambda v: np.sum(v ** 2), x.copy(), h=1e-6)
    _, large = central_differences(lambda v: 1e3 + np.sum(v ** 2), x.copy(), h=1e-6)
    _, coarse = central_differences(lambda v: np.sum(v ** 2), x.copy(), h=1e-4)
    assert large[0] > 1e3 * small[0] and coarse[0] == pytest.approx(small[0] / 100)
