"""bot.engine.rational, the bounds analysis' exact shortcuts: every answer they give is
checked against SymPy's own (``sympy.limit``, ``sympy.solveset``, the bounds analysis with
the shortcuts switched off) on generated functions; and the functions they must decline."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sympy.calculus.singularities import singularities

from bot.engine import bounds
from bot.engine.expr import parse_function
from bot.engine.objective import compile_objective
from bot.engine.rational import is_bounded, is_real, limit_at_infinity, zeros_between

T = bounds.T
INF = math.inf
SLOW = settings(max_examples=30, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])

rationals = st.builds(sp.Rational, st.integers(-9, 9), st.integers(1, 4))
nonzero = rationals.filter(lambda r: r != 0)
linear = st.builds(lambda a, b: a * T + b, nonzero, rationals)  # a t + b, a ≠ 0


def sympy_limit(g: sp.Expr, end: int) -> float | None:
    """SymPy's limit, read as bounds._limit reads it (without the shortcut)."""
    value = sp.limit(g, T, end * sp.oo, "-" if end > 0 else "+")
    if value in (sp.oo, -sp.oo):
        return math.copysign(INF, float(value))
    return float(value) if value.is_Number and value.is_real else None


# --- limits at ±∞ --------------------------------------------------------------------

@st.composite
def polynomials(draw: st.DrawFn, min_degree: int = 1) -> sp.Expr:
    """A polynomial of degree ≥ ``min_degree`` with rational coefficients, written out
    (c₀ + c₁t + …) or as a product of powers of linear factors."""
    if draw(st.booleans()):
        coefficients = draw(st.lists(rationals, min_size=min_degree, max_size=4))
        top = draw(nonzero)
        return sum((c * T ** k for k, c in enumerate(coefficients)), top * T ** len(coefficients))
    factors = draw(st.lists(st.tuples(linear, st.integers(1, 3)), min_size=max(min_degree, 1),
                            max_size=3))
    return draw(nonzero) * sp.Mul(*(u ** k for u, k in factors))


BOUNDED_TERMS: list[Callable[[sp.Expr], sp.Expr]] = [
    sp.sin, sp.cos, sp.tanh, sp.sign,
    lambda u: 1 / (1 + sp.exp(-u)),  # the parser's sigmoid
    lambda u: sp.sin(u) ** 2,
    lambda u: sp.cos(1 / u),
    lambda u: 1 / (1 + u ** 2),
    lambda u: 1 / (2 + sp.exp(u) + sp.Abs(u)),
    lambda u: sp.Abs(sp.sin(u)) * sp.tanh(u) ** 3,
    lambda u: sp.sin(u ** 2) * sp.cos(u),
]


@st.composite
def bounded_sums(draw: st.DrawFn) -> sp.Expr:
    """A constant plus rational multiples of bounded functions of linear arguments."""
    terms = draw(st.lists(st.tuples(nonzero, st.sampled_from(BOUNDED_TERMS), linear),
                          min_size=1, max_size=3))
    return draw(rationals) + sum(c * term(u) for c, term, u in terms)


@SLOW
@given(polynomials(min_degree=0))
def test_a_polynomial_has_no_singular_points(p: sp.Expr) -> None:
    assert singularities(p, T, sp.S.Reals) is sp.S.EmptySet  # what the shortcut skips
    assert bounds._singular_points(p, np.array([0.0])) == []


def test_a_rational_function_keeps_its_poles() -> None:
    # nearest the run (centre 0.9) first
    assert bounds._singular_points(1 / (T ** 2 - 1), np.array([0.8, 1.0])) == [1, -1]
    assert bounds._singular_points(T + 1 / T, np.array([0.0])) == [0]


@SLOW
@given(polynomials(), bounded_sums(), st.sampled_from([1, -1]))
def test_a_polynomial_plus_bounded_terms_goes_where_sympy_says(p: sp.Expr, b: sp.Expr,
                                                               end: int) -> None:
    fast = limit_at_infinity(p + b, T, end)
    assert fast in (INF, -INF)  # decided: the polynomial has degree ≥ 1 and no cancellation
    assert fast == sympy_limit(p + b, end)


@SLOW
@given(polynomials(min_degree=0), polynomials(min_degree=0), st.sampled_from([1, -1]))
def test_a_rational_function_has_the_limit_sympy_finds(p: sp.Expr, q: sp.Expr, end: int) -> None:
    fast = limit_at_infinity(p / q, T, end)
    assert fast is not None  # a quotient of products and written-out sums never cancels
    assert fast == sympy_limit(p / q, end)


@SLOW
@given(polynomials(min_degree=0), polynomials(min_degree=0), bounded_sums(),
       st.sampled_from([1, -1]))
def test_whatever_the_shortcut_decides_sympy_finds_too(p: sp.Expr, q: sp.Expr, b: sp.Expr,
                                                       end: int) -> None:
    # sums whose leading terms may cancel (p − q), and bounded terms with a finite part
    for g in (p - q + b, p / q + b, p - q):
        fast = limit_at_infinity(g, T, end)
        if fast is not None:
            assert fast == sympy_limit(g, end), g


@pytest.mark.parametrize(
    ("g", "end", "value"),
    [
        (T ** 3 + sp.sin(T), -1, -INF),  # odd degree: −∞ on the left
        (-2 * T ** 4 + sp.cos(T), -1, -INF),
        ((1 - T) ** 2 + 100 * (T - T ** 2) ** 2, 1, INF),  # Rosenbrock on the diagonal
        (1 / T, 1, 0.0),
        ((3 * T + 1) / (2 * T), -1, 1.5),
        ((T ** 2 - 1) / (T - 1), -1, -INF),
        (sp.Rational(1, 3) * T ** 2 - T ** 3 / (T + 1), 1, -INF),
        (5 + 1 / (1 + T ** 2), 1, 5.0),
    ],
)
def test_limits_worked_by_hand(g: sp.Expr, end: int, value: float) -> None:
    assert limit_at_infinity(g, T, end) == value


y = sp.Symbol("y", real=True)


@pytest.mark.parametrize(
    "g",
    [
        T ** 2 + T * sp.sin(T),  # t·sin t is not bounded
        T ** 2 + sp.tan(T),
        T + sp.log(T),
        sp.exp(T) - T ** 2,
        T ** 2 + sp.sqrt(T),
        T + sp.sin(sp.sqrt(T)),  # complex argument for t < 0: sin(i·√|t|) grows
        T + sp.sin(sp.log(T)),
        sp.pi * T ** 2,  # irrational coefficients: left to SymPy
        sp.sqrt(2) * T - T,
        sp.Float(1.5) * T ** 2,
        1 + sp.sin(T),  # no limit at all
        2 + sp.cos(1 / T),  # a finite part with a bounded term: undecided here
        1 / T + sp.sin(T),
        (T + 1) ** 2 - T ** 2,  # the leading terms cancel
        1 / (T - 1) - 1 / T,
        T ** 2 + 1 / (sp.sin(T) ** 2 + sp.cos(T) ** 2 - 1),  # defined nowhere
        T ** 2 + sp.sin(1 / (sp.sign(T) - 1)),  # … nowhere for t > 0
        T ** 2 + sp.sin(1 / sp.sin(T)),
        T ** 2 + y,
        T ** 2 + sp.sin(T * y),
        sp.sin(T),
    ],
)
def test_the_limit_shortcut_declines(g: sp.Expr) -> None:
    assert limit_at_infinity(g, T, 1) is None
    assert limit_at_infinity(g, T, -1) is None


@pytest.mark.parametrize(
    ("term", "bounded"),
    [
        (sp.sin(T) ** 2, True),
        (1 / (1 + sp.exp(-T)), True),
        (sp.sin(1 / T), True),
        (1 / (1 + T ** 2), True),
        (1 / (sp.Rational(1, 2) + sp.Abs(T) + 3 * sp.exp(T) * T ** 4), True),
        (sp.Abs(sp.cos(T)) * sp.sign(T - 3), True),
        (-sp.Rational(7, 2), True),
        (T * sp.sin(T), False),
        (sp.tan(T), False),
        (sp.log(T), False),
        (sp.sqrt(T), False),
        (1 / T, False),
        (1 / T ** 2, False),  # t² ≥ 0, but not ≥ c > 0
        (1 / (T ** 2 + sp.Abs(T) + sp.exp(T)), False),
        (sp.exp(T), False),
        (1 / (T ** 2 - 1), False),
        (1 / (1 + sp.sin(T)), False),  # bounded below by 0 only: not taken
        (1 / (1 - sp.exp(T)), False),
        (1 / (1 + T ** 3), False),
        (1 / (-1 + T ** 2), False),
        (1 / (1 + T ** -2), False),  # bounded, but 1/t² is not taken as a part ≥ 0
        (1 / (1 + T * sp.exp(T)), False),
        (sp.sin(T) ** -2, False),
        (sp.pi, False),  # irrational constants are left to SymPy
        (sp.sin(sp.sqrt(T)), False),
    ],
)
def test_bounded_terms(term: sp.Expr, bounded: bool) -> None:
    assert is_bounded(term, T) is bounded


@pytest.mark.parametrize(
    ("expr", "real"),
    [
        (1 / T, True),
        (1 / (T ** 2 + 1), True),
        (1 / (2 + sp.exp(T)), True),
        (sp.Abs(T) * sp.exp(-T) + sp.sign(T) * sp.tanh(T), True),
        (1 / sp.sin(T), False),  # undefined at every kπ, out to infinity
        (1 / (sp.sign(T) - 1), False),
        (sp.sqrt(T), False),
        (T ** sp.Rational(1, 3), False),
        (sp.log(T), False),
        (sp.I * T, False),
    ],
)
def test_real_where_defined(expr: sp.Expr, real: bool) -> None:
    assert is_real(expr, T) is real


# --- zeros on an interval ------------------------------------------------------------

X = sp.Symbol("x", real=True)
ROOTS = [sp.Integer(k) / 2 for k in range(-4, 5)]
points = st.sampled_from(ROOTS + [sp.Rational(1, 3), sp.Rational(-7, 5)])


@st.composite
def rational_functions(draw: st.DrawFn) -> sp.Expr:
    """Rational functions with zeros and poles at a few small points, often the same
    ones (a zero where f is undefined is none), sometimes one inside another."""
    zeros = draw(st.lists(st.sampled_from(ROOTS), max_size=4))
    poles = draw(st.lists(st.sampled_from(ROOTS), max_size=3))
    f = draw(nonzero) * sp.Mul(*(X - r for r in zeros)) / sp.Mul(*(X - s for s in poles))
    if draw(st.booleans()):
        f = f + draw(rationals)
    if draw(st.booleans()):
        f = 1 / (draw(rationals) + 1 / f)
    return f


def solveset_finds(f: sp.Expr, interval: sp.Interval) -> bool:
    """Whether solveset finds a zero of f on the interval, with the roots it cannot place
    (roots in radicals intersected with the interval, less the poles: which
    bounds._solved_clear takes for a zero) placed numerically, to 30 digits."""
    return any(abs(v.imag) < 1e-20 and v.real in interval
               for v in placed(sp.solveset(f, X, interval)))


def placed(found: sp.Set) -> list[complex]:
    """The members of a set of numbers built by solveset, as complex numbers."""
    if isinstance(found, sp.FiniteSet):
        return [complex(sp.N(member, 30)) for member in found]
    if isinstance(found, sp.Intersection):
        (members,) = [arg for arg in found.args if not isinstance(arg, sp.Interval)]
        intervals = [arg for arg in found.args if isinstance(arg, sp.Interval)]
        return [v for v in placed(members)
                if abs(v.imag) < 1e-20 and all(v.real in i for i in intervals)]
    if isinstance(found, sp.Complement):
        left, right = (placed(arg) for arg in found.args)
        return [v for v in left if all(abs(v - w) > 1e-20 for w in right)]
    if isinstance(found, sp.Union):
        return [v for arg in found.args for v in placed(arg)]
    assert found is sp.S.EmptySet, found
    return []


@SLOW
@given(rational_functions(), points, points, st.sampled_from(["ray up", "ray down", "between"]))
def test_zeros_are_where_solveset_finds_them(f: sp.Expr, a: sp.Expr, b: sp.Expr,
                                             kind: str) -> None:
    low, high = {"ray up": (a, None), "ray down": (None, a),
                 "between": (min(a, b), max(a, b))}[kind]
    count = zeros_between(f, X, low, high)
    if count is not None:
        interval = sp.Interval(-sp.oo if low is None else low, sp.oo if high is None else high)
        assert (count > 0) == solveset_finds(f, interval), (f, low, high)


@pytest.mark.parametrize(
    ("f", "low", "high", "count"),
    [
        ((X ** 2 - 1) / (X + 2), None, None, 2),
        (1 / X - 1 / (X * (X - 1)), None, None, 1),  # (x − 2)/(x(x − 1)): 2
        ((X ** 2 + X) / (X ** 3 + X ** 2), None, None, 0),  # 1/x once combined
        ((X ** 2 + X) / X, None, None, 1),  # x + 1 once combined: −1
        (X ** 2 - 2, 1, 2, 1),  # √2
        (X ** 2 - 2, None, 0, 1),
        (X ** 2 - 2, sp.Rational(1, 2), 1, 0),
        ((X - 1) ** 3 * (X + 1), -1, 1, 2),  # closed at both ends; distinct roots
        (X ** 2 + 1, None, None, 0),
    ],
)
def test_zeros_counted_by_hand(f: sp.Expr, low: sp.Expr | None, high: sp.Expr | None,
                               count: int) -> None:
    assert zeros_between(f, X, low, high) == count


@pytest.mark.parametrize("f", [
    sp.sin(X), X + sp.sign(X), sp.pi * X - 1, sp.Float(0.5) * X - 1, sp.sqrt(X) - 1, X - X,
    # a zero of the numerator where f divides by zero: is it a zero? (solveset: {−1})
    (X ** 2 - 1) / (X - 1),
    1 / (1 + 1 / X),  # x/(x + 1) once combined
    1 / (-1 + 1 / (sp.Rational(1, 2) - 9 / (2 * X * (X - 1)))),  # solveset: {(1 − √37)/2}
])
def test_zeros_are_not_counted_for_other_functions(f: sp.Expr) -> None:
    assert zeros_between(f, X, None, None) is None


# --- the bounds analysis with and without the shortcuts ------------------------------

@settings(max_examples=25, deadline=None)
@given(st.one_of(st.floats(-1e6, 1e6, allow_nan=False),
                 st.sampled_from([math.pi, math.sqrt(2), 0.1, 1e-20, -2.5e-9, 1e15, math.e / 3])))
def test_nsimplify_reads_a_run_end_within_near_of_it(start: float) -> None:
    # what lets bounds._counted_clear stand in for nsimplify's reading of the start
    read = float(sp.nsimplify(start))
    assert abs(read - start) <= bounds.NEAR * max(1.0, abs(start))


@SLOW
@given(rational_functions(), st.floats(-3, 3), st.sampled_from([INF, -INF]))
def test_counted_rays_agree_with_solveset_rays(f: sp.Expr, start: float, end: float) -> None:
    counted = bounds._counted_clear((f,), X, start, end)
    if counted is not None:
        assert counted == solveset_clear(f, start, end)


def solveset_clear(f: sp.Expr, start: float, end: float) -> bool:
    """bounds._solved_clear's question (on the ray from nsimplify's reading of start)."""
    reading = sp.nsimplify(start)
    ray = sp.Interval.open(reading, sp.oo) if end > 0 else sp.Interval.open(-sp.oo, reading)
    return not solveset_finds(f, ray)


def test_counting_settles_a_quartic_solveset_leaves_in_radicals() -> None:
    # (x + 3/2)(x + 2)³ + 1 > 0 on (0, ∞); solveset's roots are radicals it cannot place
    f = (X + sp.Rational(3, 2)) * (X + 2) ** 3 + 1
    assert bounds._solved_clear((f,), X, 0.0, INF) is False  # not settled: not claimed
    assert bounds._counted_clear((f,), X, 0.0, INF) is True
    assert solveset_clear(f, 0.0, INF) is True


@pytest.mark.parametrize(
    ("start", "end", "clear"),
    [
        (1 + 2e-6, INF, True),  # the zero at 1 lies more than NEAR before the start
        (1 + 0.5e-6, INF, None),  # … within NEAR: nsimplify's reading of it could matter
        (1 - 0.5e-6, INF, None),
        (1 - 2e-6, INF, False),
        (1 - 2e-6, -INF, True),
        (1 + 2e-6, -INF, False),
        (1 + 0.5e-6, -INF, None),
        (1000 + 2e-4, INF, None),  # NEAR is relative beyond 1
        (1000 + 2e-3, INF, True),
        (INF, INF, None),
    ],
)
def test_counting_leaves_starts_near_a_zero_to_sympy(start: float, end: float,
                                                     clear: bool | None) -> None:
    exprs = (X - 1000 if start > 10 else X - 1, X ** 2 + 1)
    assert bounds._counted_clear(exprs, X, start, end) is clear


def test_counting_needs_every_expression_rational() -> None:
    assert bounds._counted_clear((X - 5, sp.sin(X)), X, 10.0, INF) is None
    assert bounds._counted_clear((X - 5, X - 20), X, 10.0, INF) is False  # the second one


FUNCTIONS = ["1.001x^2+sin(x)", "x^4-3x^2", "x^3", "1/x", "x+1/x", "x^2/(1+x^2)", "x*exp(-x)",
             "-x^3+sigmoid(x)", "x^2+y^2", "(1-x)^2+100(y-x^2)^2", "x^3+y^2", "x*y+sin(y)"]


@pytest.mark.parametrize("text", FUNCTIONS)
def test_analyse_finds_the_same_with_and_without_shortcuts(
        text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    objective = compile_objective(parse_function(text))
    start = (0.5,) * objective.dimension
    runs = [np.array([np.add(start, 0.4 * k) for k in range(4)]),  # heading up and right
            np.array([np.subtract(start, 0.3 * k) for k in range(4)])]
    for paths in ([runs[0]], [runs[1]], runs):
        bounds._limit.cache_clear()
        fast = bounds.analyse(objective, paths)
        with monkeypatch.context() as patched:
            patched.setattr(bounds, "limit_at_infinity", lambda *_: None)
            patched.setattr(bounds, "_counted_clear", lambda *_: None)
            bounds._limit.cache_clear()
            assert bounds.analyse(objective, paths) == fast, paths

