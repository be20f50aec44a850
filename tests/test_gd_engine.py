"""Tests for bot.engine.objective and bot.engine.gd against independent references.

Paths are checked against the closed form of gradient descent on a quadratic, computed
exactly with fractions; derivatives against central finite differences of the expected
expression (built in tests/test_expr.py from SymPy objects) evaluated with mpmath at
40 digits; verdicts against the contraction factor 1 − lr·f''.
"""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp

from bot.engine.expr import parse_function
from bot.engine.gd import StartError, gradient_descent, quadratic_without_minimum
from bot.engine.objective import _real, compile_objective
from tests.test_expr import VALID_FORMS


def descend(text: str, x0, lr: float, steps: int = 25):
    return gradient_descent(compile_objective(parse_function(text)), x0, lr, steps)


# ---------------------------------------------------------------- closed-form paths

@pytest.mark.parametrize("lr", [0.01, 0.1, 0.4, 0.8, 2.0, 4.9, 7.0, 9.9, 11.0, 12.0])
@pytest.mark.parametrize("x0", [2.0, -3.5, 0.3, 1e3])
def test_1d_quadratic_path_matches_closed_form(x0, lr):
    steps = 25
    run = descend("0.1x^2", [x0], lr, steps)
    assert run.stopped == "steps"
    assert run.path.shape == (steps + 1, 1)
    factor = 1 - Fraction(lr) / 5  # f'(x) = 0.2x, so x_{k+1} = (1 - 0.2 lr) x_k
    expected = [float(Fraction(x0) * factor**k) for k in range(steps + 1)]
    np.testing.assert_allclose(run.path[:, 0], expected, rtol=1e-12, atol=0)
    np.testing.assert_allclose(run.values, [0.1 * v * v for v in expected], rtol=1e-12)
    np.testing.assert_allclose(run.grad_norms, [abs(0.2 * v) for v in expected], rtol=1e-12)
    assert run.x0 == (x0,)
    assert run.steps_taken == steps


@pytest.mark.parametrize(
    ("a", "b", "lr"),
    [(1, 10, 0.01), (1, 10, 0.06), (1, 10, 0.09), (0.5, 2, 0.3), (0.1, 0.3, 1.5),
     (3, 0.25, 0.2), (2, 2, 0.1), (0.25, 4, 0.26)],
)
@pytest.mark.parametrize("x0", [(2.0, 2.0), (-1.5, 0.75)])
def test_2d_quadratic_each_axis_follows_its_closed_form(a, b, lr, x0):
    steps = 30
    run = descend(f"{a}x^2+{b}y^2", list(x0), lr, steps)
    assert run.stopped == "steps"
    assert run.path.shape == (steps + 1, 2)
    fx = 1 - 2 * Fraction(a) * Fraction(lr)
    fy = 1 - 2 * Fraction(b) * Fraction(lr)
    xs = [float(Fraction(x0[0]) * fx**k) for k in range(steps + 1)]
    ys = [float(Fraction(x0[1]) * fy**k) for k in range(steps + 1)]
    np.testing.assert_allclose(run.path[:, 0], xs, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(run.path[:, 1], ys, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(
        run.values, [a * x * x + b * y * y for x, y in zip(xs, ys)], rtol=1e-12
    )


def test_path_starts_at_x0_and_each_step_is_minus_lr_times_gradient():
    """The update rule itself, on a non-quadratic function, with the gradient written out."""
    lr = 0.05
    run = descend("x^4-3x^2+x", [2.0], lr, 20)
    expected = [2.0]
    for _ in range(20):
        x = expected[-1]
        expected.append(x - lr * (4 * x**3 - 6 * x + 1))
    np.testing.assert_allclose(run.path[:, 0], expected, rtol=1e-12)


# ---------------------------------------------------- derivatives vs finite differences

POINTS_1D = [(0.7,), (1.3,), (1.9,)]
POINTS_2D = [(0.7, 0.4), (1.3, -0.8), (1.9, 1.1)]
# mpmath names for the functions SymPy may print
_MPMATH = ["mpmath", {"Abs": mpmath.fabs}]


def _central_difference(expr: sp.Expr, variables, point, index: int) -> float:
    f = sp.lambdify(variables, expr, modules=_MPMATH)
    with mpmath.workdps(40):
        h = mpmath.mpf("1e-12")
        base = [mpmath.mpf(repr(v)) for v in point]
        plus, minus = list(base), list(base)
        plus[index] += h
        minus[index] -= h
        return float((f(*plus) - f(*minus)) / (2 * h))


@pytest.mark.parametrize(("text", "expected", "variables"), VALID_FORMS,
                         ids=[f[0] for f in VALID_FORMS])
def test_symbolic_gradient_matches_central_difference(text, expected, variables):
    objective = compile_objective(parse_function(text))
    assert objective.dimension == len(variables)
    for point in POINTS_2D if len(variables) == 2 else POINTS_1D:
        gradient = objective.gradient(np.array(point))
        reference = [_central_difference(expected, variables, point, i)
                     for i in range(len(variables))]
        np.testing.assert_allclose(gradient, reference, rtol=1e-9, atol=1e-12,
                                   err_msg=f"{text} at {point}")
        assert objective.value(np.array(point)) == pytest.approx(
            float(expected.subs(dict(zip(variables, point)))), rel=1e-12, abs=1e-14)


@pytest.mark.parametrize(
    "text", ["x^4-3x^2+x", "sin(x)+0.1x^2", "(1-x)^2+100(y-x^2)^2", "exp(-x^2)",
             "sqrt(x^2+y^2)", "x^1.5*y", "sigmoid(x)", "log(1+exp(x))"],
)
def test_hessian_matches_central_difference_of_the_gradient(text):
    expected = {f[0]: f for f in VALID_FORMS}[text]
    _, expr, variables = expected
    objective = compile_objective(parse_function(text))
    gradient_exprs = [sp.diff(expr, v) for v in variables]
    for point in POINTS_2D if len(variables) == 2 else POINTS_1D:
        hessian = objective.hessian(np.array(point))
        reference = [[_central_difference(g, variables, point, j) for j in range(len(variables))]
                     for g in gradient_exprs]
        np.testing.assert_allclose(hessian, reference, rtol=1e-8, atol=1e-10)


# ------------------------------------------------------------------------- verdicts

@pytest.mark.parametrize(
    ("text", "x0", "lr", "verdict"),
    [
        ("0.1x^2", [2.0], 0.4, "slow"),
        ("0.1x^2", [2.0], 0.8, "converged"),
        ("0.1x^2", [2.0], 7.0, "converged"),  # r = −0.4: zig-zags, but |r|^25 ≈ 1e-10
        ("0.1x^2", [2.0], 12.0, "diverged"),
        ("0.1x^2", [2.0], 0.1, "slow"),
        ("0.1x^2", [2.0], 2.0, "converged"),
        ("0.1x^2", [-3.0], 9.9, "oscillating"),
        ("0.1x^2", [2.0], 11.0, "diverged"),
        ("x^2", [2.0], 0.1, "converged"),
        ("x^2", [2.0], 0.9, "converged"),  # r = −0.8 zig-zags; 0.8^25 ≈ 0.004
        ("x^2", [2.0], 1.1, "diverged"),
        ("x^2+10y^2", [2.0, 2.0], 0.01, "slow"),
        ("x^2+10y^2", [2.0, 2.0], 0.09, "oscillating"),
        ("x^2+10y^2", [2.0, 2.0], 0.11, "diverged"),
        # x still travels (factor 0.92 per step) although the steep y gradient is gone:
        # the run is not over, whatever the gradient ratio says.
        ("x^2+10y^2", [2.0, 2.0], 0.04, "slow"),
    ],
)
def test_verdict_of_a_quadratic_run(text, x0, lr, verdict):
    run = descend(text, x0, lr, 25)
    assert run.verdict == verdict
    assert run.stopped == "steps"


@pytest.mark.parametrize("lr", [0.05, 0.3, 0.8, 2.0, 4.0, 5.0, 6.5, 8.0, 9.9, 10.5, 11.0, 13.0])
def test_verdict_agrees_with_the_contraction_factor(lr):
    """On f = 0.1x², each step multiplies x by r = 1 − 0.2·lr: |r| > 1 diverges; otherwise
    the gradient after 25 steps is |r|^25 of the start, 0.4 (converged when that is at
    most 2 %, whether or not the steps zig-zagged on the way), and r < 0 flips the sign
    of x every step (oscillating while it has not converged)."""
    r = 1 - 0.2 * lr
    if r < -1:
        expected = "diverged"
    elif abs(r) ** 25 <= 0.02:
        expected = "converged"
    elif r < 0:
        expected = "oscillating"
    else:
        expected = "slow"
    run = descend("0.1x^2", [2.0], lr, 25)
    assert run.verdict == expected
    assert run.judgement.zigzag is (r < 0)


def test_escape_stops_the_run_and_is_diverged():
    run = descend("x^2", [2.0], 100.0, 25)
    assert run.verdict == "diverged"
    assert run.stopped == "escaped"
    # x_k = 2·(−199)^k: 2, −398, 79202, −1.58e7 and the next step passes 1e8
    np.testing.assert_allclose(run.path[:, 0], [2.0 * (-199.0) ** k for k in range(4)])
    assert run.steps_taken == 3


def test_leaving_the_domain_stops_the_run_and_is_diverged():
    # x1 = 2 − 0.6·(1/2 + 4) = −0.7, where log is undefined
    run = descend("log(x)+x^2", [2.0], 0.6, 25)
    assert run.stopped == "domain"
    assert run.verdict == "diverged"
    assert run.path.tolist() == [[2.0]]


@pytest.mark.parametrize(
    ("text", "x0", "code"),
    [
        ("log(x)", [-1.0], "undefined"),
        ("log(x)", [0.0], "undefined"),
        ("1/x", [0.0], "undefined"),
        # infinite on one side only (exp(1/x) → ∞ from the right, → 0 from the left): a
        # singularity, not an overflow, so both sides of x0 must be looked at
        ("exp(1/x)", [0.0], "undefined"),
        ("exp(1/x)+y^2", [0.0, 1.0], "undefined"),
        # a singularity far from 0: the look around x0 scales with |x0| (1e-6 of it), so
        # it steps past the narrow band where exp overflows instead of staying inside it
        ("exp(0.000001/(x-1000)^2)", [1000.0], "undefined"),
        ("sqrt(x)", [-1.0], "undefined"),
        ("x^2+log(y)", [1.0, -2.0], "undefined"),
        ("sqrt(x)", [0.0], "gradient_undefined"),
        ("x^(1/3)", [0.0], "gradient_undefined"),
        ("sqrt(x^2+y^2)", [0.0, 0.0], "gradient_undefined"),
        ("exp(x)", [1000.0], "overflow"),
        ("x^64", [1e6], "overflow"),
        ("exp(x^2)", [27.0], "overflow"),
        ("-exp(x)", [1000.0], "overflow"),
    ],
)
def test_start_error(text, x0, code):
    with pytest.raises(StartError) as info:
        descend(text, x0, 0.1)
    assert info.value.code == code
    assert str(info.value) == code  # what a log line shows


def test_a_hill_has_no_minimum_and_the_point_slides_off_it():
    """f = −x²: x_{k+1} = x_k + 0.2·x_k, so x_k = 2·1.2^k and f falls without end."""
    run = descend("-x^2", [2.0], 0.1, 25)
    assert run.verdict == "unbounded" and run.stopped == "steps"
    np.testing.assert_allclose(run.path[:, 0], [2.0 * 1.2**k for k in range(26)], rtol=1e-12)
    assert run.curvature.exact and run.curvature.unbounded and run.curvature.curves_down
    assert run.curvature.lr_times_lowest == pytest.approx(-0.2, rel=1e-15)


def test_a_saddle_sends_the_point_off_along_its_downhill_axis():
    """f = x² − y²: x_k = 2·0.8^k settles, y_k = 0.1·1.2^k runs away."""
    run = descend("x^2-y^2", [2.0, 0.1], 0.1, 25)
    assert run.verdict == "unbounded"
    k = np.arange(26)
    np.testing.assert_allclose(run.path, np.column_stack([2 * 0.8**k, 0.1 * 1.2**k]), rtol=1e-12)


def test_a_point_on_the_saddle_axis_settles_on_the_saddle_not_a_minimum():
    run = descend("x^2-y^2", [1.0, 0.0], 0.1, 60)
    assert run.verdict == "saddle" and not run.judgement.hilltop
    assert sorted(run.judgement.eigenvalues) == pytest.approx([-2.0, 2.0])
    assert run.curvature.curves_down and run.curvature.lr_times_lowest == pytest.approx(-0.2)


@pytest.mark.parametrize(("text", "x0", "unbounded"), [
    ("3x", [2.0], True),  # a slope: x_k = 2 − 0.3·k
    ("x^2+y", [1.0, 1.0], True),  # flat along y, and sloping there
    ("x^2+2xy+y^2", [1.0, 0.5], False),  # flat along (1, −1), but level there: a valley floor
    ("x^2+10y^2", [2.0, 2.0], False),
])
def test_a_quadratic_is_unbounded_below_exactly_when_it_has_no_minimum(text, x0, unbounded):
    run = descend(text, x0, 0.1, 25)
    assert run.curvature.unbounded is unbounded
    assert (run.verdict == "unbounded") is unbounded


def test_a_run_that_escapes_while_falling_is_unbounded_not_diverged():
    run = descend("-x^4", [2.0], 0.1, 25)
    assert run.stopped == "escaped" and run.verdict == "unbounded"
    assert np.all(np.diff(run.values) < 0)


@pytest.mark.parametrize(("text", "x0", "lr", "verdict"), [
    ("-exp(x)", [2.0], 100.0, "unbounded"),  # x1 = 2 + 100·e² ≈ 741: f = −e^741 = −inf
    ("exp(x^2)", [3.0], 0.1, "diverged"),  # x1 = 3 − 0.1·6e⁹ ≈ −4859: f = e^(4859²) = inf
])
def test_an_infinite_value_on_the_way_stops_the_run(text, x0, lr, verdict):
    run = descend(text, x0, lr, 25)
    assert run.stopped == ("bottomless" if verdict == "unbounded" else "overflow")
    assert run.verdict == verdict and run.steps_taken == 0


# ------------------------------------------------------------------------ curvature

@pytest.mark.parametrize("lr", [0.01, 0.4, 1.0, 7.0, 12.0])
@pytest.mark.parametrize(
    ("text", "x0", "second_derivative"),
    [("0.1x^2", [2.0], 0.2), ("x^2", [1.0], 2.0), ("3x^2-x+1", [0.5], 6.0),
     ("x^2+10y^2", [2.0, 2.0], 20.0), ("4x^2+y^2", [1.0, 1.0], 8.0)],
)
def test_quadratic_curvature_is_exact(text, x0, second_derivative, lr):
    run = descend(text, x0, lr, 5)
    assert run.curvature is not None
    assert run.curvature.exact is True
    assert run.curvature.lr_times_lambda == pytest.approx(lr * second_derivative, rel=1e-15)


def test_quadratic_with_a_cross_term_uses_the_largest_eigenvalue():
    # Hessian [[2, 2], [2, 2]] of x² + 2xy + y² = (x+y)² has eigenvalues 0 and 4
    run = descend("x^2+2xy+y^2", [1.0, 0.5], 0.1, 5)
    assert run.curvature.exact is True
    assert run.curvature.lr_times_lambda == pytest.approx(0.4, rel=1e-14)


@pytest.mark.parametrize("lr", [0.001, 0.01, 0.05])
def test_non_quadratic_curvature_is_a_local_estimate(lr):
    run = descend("x^4", [2.0], lr, 10)
    assert run.curvature.exact is False
    final = run.path[-1, 0]
    assert run.curvature.lr_times_lambda == pytest.approx(lr * 12 * final**2, rel=1e-12)


@pytest.mark.parametrize(("text", "x0"), [("abs(x)", [2.0]), ("abs(x)+x^2", [2.0]),
                                          ("abs(x-y)+y^2", [2.0, 1.0])])
def test_abs_can_be_descended(text, x0):
    run = descend(text, x0, 0.1, 10)
    assert run.stopped == "steps"
    if text == "abs(x)":  # slope 1 until the kink: x_k = 2 − 0.1·k
        np.testing.assert_allclose(run.path[:, 0], [2 - 0.1 * k for k in range(11)],
                                   rtol=1e-12)


def test_abs_of_a_function_sympy_cannot_call_real_is_differentiated_almost_everywhere():
    """d/dx |log x| = sign(log x)/x; SymPy leaves d/dx sign(log x) unevaluated (it cannot
    tell log x is real), which is 0 away from x = 1."""
    objective = compile_objective(parse_function("abs(log(x))"))
    point = np.array([2.0])
    assert objective.gradient(point)[0] == pytest.approx(0.5)
    assert objective.hessian(point)[0, 0] == pytest.approx(-0.25)
    run = descend("abs(log(x))", [2.0], 0.1, 25)
    assert run.stopped == "steps" and run.final[0] < 2.0


@pytest.mark.parametrize(("text", "unbounded"), [
    ("x^2 + y^2", False), ("x^2 + y^2 + x*y", False), ("x^2", False),
    ("x^2 - y^2", True), ("-x^2", True),  # a negative eigenvalue
    ("x", True), ("x^2 + y", True),  # a slope along a flat direction
    # H = 2[[1, −1], [−1, 1]] is flat along (1, 1): a slope there (x + y) falls forever,
    # one across it (x − y) is bounded
    ("(x - y)^2 + x + y", True), ("(x - y)^2 + x - y", False),
    ("x^4", False),  # not quadratic: not judged here
])
def test_a_quadratic_without_minimum(text: str, unbounded: bool) -> None:
    """Found by hand from the Hessian's eigenvalues and the gradient at 0 (mutation pass)."""
    assert quadratic_without_minimum(compile_objective(parse_function(text))) is unbounded


@pytest.mark.parametrize("value", [2.5, -0.0, np.float64(1e308), np.float64(-np.inf),
                                   np.float32(0.1), 3, np.int64(-7), np.array(4.0),
                                   np.array([5.5]), np.complex128(2 + 1e-14j)])
def test_a_real_value_is_its_real_part(value: object) -> None:
    number = complex(np.asarray(value).reshape(-1)[0])
    real = _real(value)
    assert type(real) is float and real == number.real
    assert math.copysign(1, real) == math.copysign(1, number.real)


@pytest.mark.parametrize("value", [np.float64(np.nan), 1 + 1e-6j, np.complex128(-1j)])
def test_a_value_not_real_is_nan(value: object) -> None:
    assert math.isnan(_real(value))
