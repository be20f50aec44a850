"""bot.engine.bounds piece by piece (the lab tests see it only through whole runs); written
for the mutation pass (docs/mutation.md), each case computed by hand."""

from __future__ import annotations

import math
import signal
from types import SimpleNamespace

import numpy as np
import pytest
import sympy as sp

from bot.engine import bounds
from bot.engine.expr import parse_function
from bot.engine.objective import Objective, compile_objective

INF = math.inf
n = sp.Symbol("n", integer=True)


def objective(text: str) -> Objective:
    return compile_objective(parse_function(text))


def test_members_of_tans_poles_cover_the_window_and_one_more_each_side() -> None:
    # π n + π/2 in [−5, 5]: n from floor((−5 − π/2)/π) = −3 to ceil((5 − π/2)/π) = 2
    poles = SimpleNamespace(lamda=sp.Lambda(n, sp.pi * n + sp.pi / 2))
    assert bounds._members(poles, -5, 5) == [k * sp.pi + sp.pi / 2 for k in range(-3, 3)]
    # a slope of 2π and a shifted start: 2π n + 1 in [0, 20]: n from −1 to 4
    shifted = SimpleNamespace(lamda=sp.Lambda(n, 2 * sp.pi * n + 1))
    assert bounds._members(shifted, 0, 20) == [2 * sp.pi * k + 1 for k in range(-1, 5)]


def test_a_constant_family_has_one_member() -> None:
    assert bounds._members(SimpleNamespace(lamda=sp.Lambda(n, sp.Integer(3))), -5, 5) == [3]


@pytest.mark.parametrize(
    ("text", "start", "end", "clear"),
    [
        ("1/x", 1.0, INF, True),  # f' = −1/x² has no zero
        ("x^3 - 3x", 2.0, INF, True),  # f' = 3x² − 3: zeros at ±1 only
        ("x^3 - 3x", 2.0, -INF, False),  # … which lie on (−∞, 2)
        ("x^3 - 3x", -2.0, -INF, True),
        ("x^3 - 3x", -2.0, INF, False),
        ("x^3 - 3x", 0.5, INF, False),  # the ray is open: 1 lies on (0.5, ∞)
        ("x^3 - 3x", 1.0, INF, True),  # … and 1 not on (1, ∞)
        ("abs(x - 5) - x/2", 2.0, INF, False),  # a kink at 5, where f' jumps over 0
        ("abs(x - 5) - x/2", 6.0, INF, True),
        ("abs(x - 5) - x/2", 6.0, -INF, False),
    ],
)
def test_no_stationary_point_beyond_the_runs_end(text: str, start: float, end: float,
                                                 clear: bool) -> None:
    assert bounds._no_stationary_point_beyond(objective(text), start, end) is clear


def test_lines_through_a_2d_runs_end_use_its_short_coordinates() -> None:
    path = np.array([[0.5, 0.5], [1234.5678, -0.000123456]])
    lines = list(bounds._lines(objective("x^2 + y^2"), [path]))
    axes = [(base, direction) for base, direction, _ in lines]
    assert axes == [((0.0, 0.0), (1.0, 0.0)), ((0.0, 0.0), (0.0, 1.0)),
                    ((0.0, 0.0), (1.0, 1.0)), ((0.0, 0.0), (1.0, -1.0)),
                    ((0.0, -0.000123), (1.0, 0.0)), ((1230.0, 0.0), (0.0, 1.0))]
    # the run's points projected on each line (t along the direction)
    np.testing.assert_allclose(lines[2][2], [0.5, (1234.5678 - 0.000123456) / 2])
    np.testing.assert_allclose(lines[3][2], [0.0, (1234.5678 + 0.000123456) / 2])
    np.testing.assert_array_equal(lines[4][2], path[:, 0])
    np.testing.assert_array_equal(lines[5][2], path[:, 1])


def test_the_approach_marches_by_decades() -> None:
    # to ±∞: t = ±10, ±100, …, ±10⁸; to a point: 10⁻², …, 10⁻⁹ away on the given side
    assert list(bounds._approach(INF, 0)) == [10.0 ** k for k in range(1, 9)]
    assert list(bounds._approach(-INF, 0)) == [-(10.0 ** k) for k in range(1, 9)]
    np.testing.assert_allclose(bounds._approach(2.0, -1), [2.0 - 10.0 ** -k for k in range(2, 10)],
                               rtol=1e-15)
    np.testing.assert_allclose(bounds._approach(0.0, 1), [10.0 ** -k for k in range(2, 10)],
                               rtol=1e-15)


@pytest.mark.parametrize(
    ("text", "value", "confirmed"),
    [
        ("-x", -INF, True),  # falls at every step
        ("x", -INF, False),  # rises
        ("0.000000001x", -INF, False),  # rises, by less than 1 a step
        ("-|x - 1000| - x + 1000", -INF, False),  # level (0, 0, 0) before it falls
        ("1/x + 2", 2.0, True),  # 2 + 10⁻⁸ at t = 10⁸
        ("2 + 100000/x", 2.0, True),  # only the last point (2 + 10⁻³) is close enough
        ("2 + 100000/x", 2.1, False),
        ("150000/x", 0.0, False),  # 1.5·10⁻³ from 0: outside 10⁻³ (absolute below 1)
        ("1/(x - 100000000)", 0.0, False),  # +∞ at t = 10⁸: not the limit 0 it nears before
        ("-exp(x^2/10)", -math.exp(10), True),  # one finite value (t = 10), then −∞
        ("-exp(x^3)", 0.0, False),  # −∞ from t = 10 on: nothing finite to compare
    ],
)
def test_a_limit_to_infinity_is_confirmed_numerically(text: str, value: float,
                                                      confirmed: bool) -> None:
    with np.errstate(all="ignore"):
        assert bounds._confirmed(objective(text), (0.0,), (1.0,), INF, 0, value) is confirmed


def test_analyse_a_run_heading_for_a_limit_it_never_reaches() -> None:
    # x·e^(−x) falls without bound as x → −∞; the run (moving right, past the maximum at
    # x = 1) heads for 0 as x → ∞, and f' = (1 − x)e^(−x) has no zero beyond x = 4
    path = np.array([[0.5], [0.9], [2.0], [3.0], [4.0]])
    assert bounds.analyse(objective("x*exp(-x)"), [path]) == bounds.Bounds(
        no_minimum=bounds.LineLimit((0.0,), (1.0,), -INF, 0, -INF),
        heading=bounds.LineLimit((0.0,), (1.0,), INF, 0, 0.0),
        heading_clear=True,
    )
    # just past the maximum: the ray starts at the run's last point, not an earlier one
    just_past = bounds.analyse(objective("x*exp(-x)"), [np.array([[-1.0], [0.5], [1.5]])])
    assert just_past.heading is not None and just_past.heading_clear is True


def test_analyse_a_run_going_back_and_forth_claims_nothing() -> None:
    found = bounds.analyse(objective("x^2"), [np.array([[1.0], [-0.5], [0.25]])])
    assert found.no_minimum is None and found.heading is None
    assert found.heading_clear is False


def test_the_budget_leaves_the_reserve_of_an_outer_alarm() -> None:
    assert bounds._budget() == bounds.BUDGET  # no alarm running
    previous = signal.signal(signal.SIGALRM, signal.SIG_IGN)
    try:
        signal.setitimer(signal.ITIMER_REAL, bounds.RESERVE + 1.0)  # a one-shot alarm
        left = bounds._budget()
        signal.setitimer(signal.ITIMER_REAL, bounds.RESERVE + 60.0)
        capped = bounds._budget()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert 0.5 < left <= 1.0  # what the alarm leaves after the reserve (read at once)
    assert capped == bounds.BUDGET
