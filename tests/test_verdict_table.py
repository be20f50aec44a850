"""The /gd verdict on a table of functions, each checked against mathematics done here.

For every row the test runs its own gradient descent (its own loop over SymPy's exact
derivative, not bot.engine.objective), and checks the facts that make the expected
verdict true, independently of bot.engine.verdict and bot.engine.bounds:

- converged / saddle / flat: the stationary point x* written in the row (a closed form)
  has ∇f(x*) = 0 exactly (SymPy), the run ends next to it, and the Hessian at x* is
  positive definite (converged), has a negative eigenvalue (saddle) or is singular (flat,
  where the second-derivative test says nothing);
- kink: the last points straddle the zero of the |u| in f;
- unbounded: f fell at every step, and the run ran off (or f provably has no minimum);
- slow / oscillating: the gradient at the end is not small (above 0.1, or above 2 % of the
  start), and the steps keep one direction / reverse;
- diverged: f rose, or the run left the domain.

And what the bot says about f's minimum: where the row names a line along which f → −∞,
SymPy's limit along it is −∞ here and the bot proves "no minimum" (its own line is
checked with SymPy too); where the row gives a lower bound of f (a closed form), the bot
claims nothing, and f is at least that bound on a grid.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
import sympy as sp

from bot.labdata.gd import GDRequest
from bot.labs.gd import run_gd

X, Y = sp.symbols("x y", real=True)
oo = sp.oo


@dataclass(frozen=True)
class Row:
    text: str  # the function as a learner types it
    f: sp.Expr  # the same function, written here independently of the parser
    x0: tuple[float, ...]
    lr: float
    steps: int
    verdict: str
    at: tuple[sp.Expr, ...] | None = None  # the stationary point (converged/saddle/flat)
    falls: tuple[tuple[sp.Expr, ...], sp.Expr, str] | None = None  # line(t), t →, side
    bound: float | None = None  # a lower bound of f (closed form, in the comment)


T = sp.Symbol("t", real=True)
LINE_X = (T,)


def along_x(y: float = 0.0) -> tuple[sp.Expr, ...]:
    return (T, sp.nsimplify(y))


def along_y(x: float = 0.0) -> tuple[sp.Expr, ...]:
    return (sp.nsimplify(x), T)


ROWS = [
    # --- quadratics: x_k = x0·(1 − lr·f'')^k
    Row("x^2", X**2, (2.0,), 0.1, 25, "converged", at=(0,), bound=0),  # 2·0.8^25 ≈ 0.008
    Row("0.1x^2", X**2 / 10, (2.0,), 0.4, 25, "slow", bound=0),  # 2·0.92^25 ≈ 0.25
    Row("0.1x^2", X**2 / 10, (2.0,), 7.0, 25, "converged", at=(0,), bound=0),  # r = −0.4
    Row("0.1x^2", X**2 / 10, (2.0,), 9.9, 25, "oscillating", bound=0),  # r = −0.98
    Row("0.1x^2", X**2 / 10, (2.0,), 12.0, 25, "diverged", bound=0),  # r = −1.4
    Row("x^2", X**2, (1e6,), 0.1, 25, "slow", bound=0),  # x_25 ≈ 3778: |f'| = 7556
    Row("-x^2", -X**2, (2.0,), 0.1, 25, "unbounded", falls=(LINE_X, oo, "")),
    Row("3x", 3 * X, (2.0,), 0.1, 25, "unbounded", falls=(LINE_X, -oo, "")),
    Row("x^2+10y^2", X**2 + 10 * Y**2, (2.0, 1.0), 0.05, 40, "converged", at=(0, 0), bound=0),
    Row("x^2+10y^2", X**2 + 10 * Y**2, (2.0, 2.0), 0.04, 25, "slow", bound=0),
    Row("x^2+10y^2", X**2 + 10 * Y**2, (2.0, 2.0), 0.11, 25, "diverged", bound=0),
    Row("x^2-y^2", X**2 - Y**2, (2.0, 0.1), 0.1, 25, "unbounded",
        falls=(along_y(), oo, "")),
    Row("x^2-y^2", X**2 - Y**2, (1.0, 0.0), 0.1, 60, "saddle", at=(0, 0),
        falls=(along_y(), oo, "")),
    Row("-x^2-y^2", -X**2 - Y**2, (0.0, 0.0), 0.1, 10, "saddle", at=(0, 0),  # a hilltop
        falls=(along_x(), oo, "")),
    Row("x^2+y", X**2 + Y, (1.0, 1.0), 0.1, 25, "unbounded", falls=(along_y(), -oo, "")),
    Row("xy", X * Y, (1.0, 0.5), 0.1, 25, "unbounded", falls=((T, -T), oo, "")),
    # --- cubics and quartics
    Row("x^3", X**3, (2.0,), 0.1, 25, "flat", at=(0,), falls=(LINE_X, -oo, "")),
    Row("x^3", X**3, (2.0,), 0.1, 500, "flat", at=(0,), falls=(LINE_X, -oo, "")),
    Row("x^3", X**3, (-1.0,), 0.1, 25, "unbounded", falls=(LINE_X, -oo, "")),
    Row("x^3-3x", X**3 - 3 * X, (2.0,), 0.05, 100, "converged", at=(1,),  # local only
        falls=(LINE_X, -oo, "")),
    Row("x^4", X**4, (1.0,), 0.1, 500, "flat", at=(0,), bound=0),  # f''(0) = 0
    Row("x^4-3x^2+x", X**4 - 3 * X**2 + X, (2.0,), 0.05, 25, "converged",
        at=(sp.CRootOf(4 * X**3 - 6 * X + 1, 2),), bound=-3.6),  # roots of f' = 4x³ − 6x + 1
    Row("x^4-3x^2+x", X**4 - 3 * X**2 + X, (-2.0,), 0.05, 50, "converged",
        at=(sp.CRootOf(4 * X**3 - 6 * X + 1, 0),), bound=-3.6),  # f ≥ −3.51 (global min)
    Row("x^4+y^4", X**4 + Y**4, (1.0, 1.0), 0.1, 500, "flat", at=(0, 0), bound=0),
    Row("x^3+y^2", X**3 + Y**2, (1.0, 1.0), 0.1, 25, "flat", at=(0, 0),
        falls=(along_x(), -oo, "")),
    Row("(1-x)^2+100(y-x^2)^2", (1 - X)**2 + 100 * (Y - X**2)**2, (-1.0, 1.0), 0.001, 200,
        "slow", bound=0),  # Rosenbrock: crawls along the valley floor
    # --- rational functions
    Row("1/x", 1 / X, (2.0,), 0.1, 25, "slow", falls=(LINE_X, 0, "-")),
    Row("0.5/x+x^2", 1 / (2 * X) + X**2, (2.0,), 0.1, 50, "converged",
        at=(sp.Rational(1, 4) ** sp.Rational(1, 3),), falls=(LINE_X, 0, "-")),
    Row("1/(x^2-1)", 1 / (X**2 - 1), (2.0,), 0.1, 25, "slow", falls=(LINE_X, 1, "-")),
    Row("(x^2-1)/(x^2+1)", (X**2 - 1) / (X**2 + 1), (0.5,), 0.1, 100, "converged", at=(0,),
        bound=-1),  # = 1 − 2/(x² + 1) ≥ −1
    Row("x^2/(1+x^2)", X**2 / (1 + X**2), (0.5,), 0.2, 100, "converged", at=(0,), bound=0),
    # --- exp, log, sqrt, sigmoid, tanh
    Row("exp(x)", sp.exp(X), (2.0,), 0.1, 25, "slow", bound=0),
    Row("exp(x)", sp.exp(X), (-10.0,), 0.1, 25, "slow", bound=0),  # |f'| barely changes
    Row("exp(x)", sp.exp(X), (2.0,), 10.0, 25, "flat", bound=0),  # x → −∞: a plateau
    Row("-exp(x)", -sp.exp(X), (2.0,), 100.0, 25, "unbounded", falls=(LINE_X, oo, "")),
    Row("exp(x^2)", sp.exp(X**2), (3.0,), 0.1, 25, "diverged", bound=1),
    Row("x*exp(x)", X * sp.exp(X), (0.0,), 0.5, 100, "converged", at=(-1,), bound=-0.37),
    Row("log(x)", sp.log(X), (2.0,), 0.5, 25, "diverged", falls=(LINE_X, 0, "+")),
    Row("x*log(x)", X * sp.log(X), (2.0,), 0.1, 200, "converged", at=(sp.exp(-1),),
        bound=-0.37),  # min −1/e
    Row("sqrt(x)", sp.sqrt(X), (2.0,), 0.1, 25, "slow", bound=0),
    Row("sigmoid(x)", 1 / (1 + sp.exp(-X)), (0.0,), 1.0, 25, "slow", bound=0),
    Row("tanh(x)", sp.tanh(X), (5.0,), 0.1, 25, "slow", bound=-1),
    Row("log(x^2+y^2+1)", sp.log(X**2 + Y**2 + 1), (1.0, 1.0), 0.5, 100, "converged",
        at=(0, 0), bound=0),
    # --- trigonometric
    Row("sin(x)", sp.sin(X), (1.0,), 0.1, 100, "converged", at=(-sp.pi / 2,), bound=-1),
    Row("tan(x)", sp.tan(X), (1.0,), 0.1, 25, "slow", falls=(LINE_X, -sp.pi / 2, "+")),
    Row("tan(x)", sp.tan(X), (0.5,), 0.01, 25, "slow", falls=(LINE_X, -sp.pi / 2, "+")),
    # --- kinks
    Row("abs(x)", sp.Abs(X), (2.0,), 0.1, 25, "kink", bound=0),
    Row("abs(x)+x^2", sp.Abs(X) + X**2, (2.0,), 0.1, 25, "kink", bound=0),
    Row("abs(x-1)", sp.Abs(X - 1), (3.0,), 0.3, 25, "kink", bound=0),
    Row("abs(x)", sp.Abs(X), (1.0,), 0.5, 25, "kink", bound=0),  # lands on 0 and stays
    Row("abs(x-y)+y^2", sp.Abs(X - Y) + Y**2, (2.0, 1.0), 0.1, 50, "kink", bound=0),
]


def _id(row: Row) -> str:
    return f"{row.text} x0={row.x0} lr={row.lr} steps={row.steps}"


def reference_path(row: Row) -> np.ndarray:
    """Gradient descent on the exact gradient, stopping where it is no longer finite."""
    variables = (X, Y)[: len(row.x0)]
    gradient = [sp.lambdify(variables, sp.diff(row.f, v), "numpy") for v in variables]
    value = sp.lambdify(variables, row.f, "numpy")
    point = np.array(row.x0, dtype=float)
    path = [point]
    with np.errstate(all="ignore"):
        for _ in range(row.steps):
            g = np.array([complex(d(*point)) for d in gradient])
            if np.any(np.abs(g.imag) > 0) or not np.all(np.isfinite(g.real)):
                break
            point = point - row.lr * g.real
            f = complex(value(*point))
            if not np.all(np.isfinite(point)) or np.linalg.norm(point) > 1e8 or f.imag != 0 \
                    or not math.isfinite(f.real):
                break
            path.append(point)
    return np.array(path)


def exact_gradient(row: Row, point: tuple[float, ...] | tuple[sp.Expr, ...]) -> list[sp.Expr]:
    variables = (X, Y)[: len(row.x0)]
    subs = dict(zip(variables, point))
    return [sp.diff(row.f, v).subs(subs) for v in variables]


def hessian_eigenvalues(row: Row, point: tuple[sp.Expr, ...]) -> list[float]:
    variables = (X, Y)[: len(row.x0)]
    hessian = sp.hessian(row.f, variables).subs(dict(zip(variables, point)))
    return sorted(float(sp.re(e)) for e in hessian.evalf().eigenvals(multiple=True))


def f_values(row: Row, path: np.ndarray) -> np.ndarray:
    value = sp.lambdify((X, Y)[: len(row.x0)], row.f, "numpy")
    with np.errstate(all="ignore"):
        return np.array([float(np.real(value(*p))) for p in path])


def gradient_norm(row: Row, point: np.ndarray) -> float:
    return float(np.linalg.norm([float(g) for g in exact_gradient(row, tuple(point))]))


def check_the_mathematics(row: Row, path: np.ndarray) -> None:
    """The facts behind the expected verdict, from the exact f."""
    end = path[-1]
    values = f_values(row, path)
    if row.verdict in ("converged", "saddle", "flat") and row.at is not None:
        assert all(abs(float(g)) < 1e-4 for g in exact_gradient(row, row.at)), "not stationary"
        assert np.linalg.norm(end - np.array([float(v) for v in row.at])) < 0.35
        eigenvalues = hessian_eigenvalues(row, row.at)
        if row.verdict == "converged":
            assert min(eigenvalues) > 0
        elif row.verdict == "saddle":
            assert min(eigenvalues) < 0
        else:  # the second-derivative test is silent: a zero eigenvalue
            assert min(abs(e) for e in eigenvalues) < 1e-12
    if row.verdict == "flat" and row.at is None:  # a plateau: f'' → 0 with f'
        assert gradient_norm(row, end) < 1e-3
    if row.verdict == "kink":
        (u,) = [a.args[0] for a in row.f.atoms(sp.Abs)]
        kink = sp.lambdify((X, Y)[: len(row.x0)], u, "numpy")
        signs = np.sign([kink(*p) for p in path[-5:]])
        assert signs[-1] == 0 or np.count_nonzero(np.diff(signs)) >= 2
    if row.verdict == "unbounded":
        assert np.all(np.diff(values) < 0)  # and it ran off (or f has no minimum, below)
        assert len(path) <= row.steps or row.falls is not None
    if row.verdict in ("slow", "oscillating"):
        start, last = gradient_norm(row, path[0]), gradient_norm(row, end)
        assert last > 0.1 or last > 0.02 * start
    if row.verdict == "oscillating":
        steps = np.diff(path, axis=0)
        assert np.all(np.sum(steps[1:] * steps[:-1], axis=1) < 0)
    if row.verdict == "diverged":
        assert values[-1] > values[0] or len(path) <= row.steps  # rose, or stopped early


def limit_along(row: Row, line: tuple[sp.Expr, ...], end: sp.Expr, side: str) -> sp.Expr:
    variables = (X, Y)[: len(row.x0)]
    g = row.f.subs(dict(zip(variables, line)))
    return sp.limit(g, T, end, side or ("-" if end == oo else "+"))


@pytest.mark.parametrize("row", ROWS, ids=_id)
def test_verdict_matches_the_mathematics(row: Row) -> None:
    summary = run_gd(GDRequest(row.text, row.x0, row.lr, row.steps)).summary
    path = reference_path(row)
    shared = min(len(path), len(summary.path))
    np.testing.assert_allclose(np.array(summary.path[:shared]), path[:shared], rtol=1e-9,
                               atol=1e-12)
    check_the_mathematics(row, path)
    assert summary.verdict == row.verdict

    claimed = summary.bounds.no_minimum
    if row.falls is not None:
        assert limit_along(row, *row.falls) == -oo
        assert claimed is not None, "f has no minimum, and the bot did not say so"
    else:
        assert claimed is None
        assert row.bound is not None
        grid = np.linspace(-20, 20, 801)
        axes = np.meshgrid(grid, grid) if len(row.x0) == 2 else [grid]
        value = sp.lambdify((X, Y)[: len(row.x0)], row.f, "numpy")
        with np.errstate(all="ignore"):
            values = np.real(np.asarray(value(*axes), dtype=complex))
        assert np.nanmin(values) >= row.bound - 1e-9
    if claimed is not None:  # the bot's own proof, checked here with SymPy
        line = tuple(sp.nsimplify(b) + T * sp.nsimplify(d)
                     for b, d in zip(claimed.base, claimed.direction))
        end = oo if claimed.end == math.inf else -oo if claimed.end == -math.inf \
            else sp.nsimplify(claimed.end, [sp.pi])
        side = "" if math.isinf(claimed.end) else ("+" if claimed.side > 0 else "-")
        assert limit_along(row, line, end, side) == -oo


def test_the_table_is_large_and_covers_every_verdict() -> None:
    assert len(ROWS) >= 40
    assert {row.verdict for row in ROWS} == {"converged", "saddle", "flat", "kink", "slow",
                                             "oscillating", "diverged", "unbounded"}
    assert sum(len(row.x0) == 2 for row in ROWS) >= 10


# ---------------------------------------------- the same verdicts in /lr and /opt

def test_lr_panels_name_a_kink_and_the_missing_minimum() -> None:
    from bot.labdata.lr import LRRequest
    from bot.labs.lr import run_lr

    kinked = run_lr(LRRequest("abs(x)+x^2", (2.0,), (0.1, 0.3), 25)).summary
    assert [run.verdict for run in kinked.runs] == ["kink", "kink"]
    assert kinked.bounds.no_minimum is None and kinked.thresholds is None
    cubic = run_lr(LRRequest("x^3", (2.0,), (0.1, 0.3), 25)).summary
    assert [run.verdict for run in cubic.runs] == ["flat", "unbounded"]
    claimed = cubic.bounds.no_minimum
    assert claimed is not None and claimed.end == -math.inf
    assert sp.limit(X**3, X, -oo) == -oo


def test_opt_rows_name_a_kink_and_the_missing_minimum() -> None:
    from bot.labdata.opt import OptRequest
    from bot.labs.opt import run_opt

    kinked = run_opt(OptRequest("abs(x)", (2.0,), 50, ("sgd",), lr=0.1)).summary
    assert [run.verdict for run in kinked.runs] == ["kink"]
    assert kinked.bounds.no_minimum is None
    falling = run_opt(OptRequest("1/x+0.01x^2", (2.0,), 50, ("sgd",), lr=0.1)).summary
    claimed = falling.bounds.no_minimum
    assert claimed is not None and claimed.end == 0 and claimed.side == -1
    assert sp.limit(1 / X + X**2 / 100, X, 0, "-") == -oo


@pytest.mark.parametrize(("values", "falling"), [
    ([3.0, 2.0], True),  # two values are enough
    ([3.0], False),
    ([3.0, 3.0], False),  # flat is not falling
    ([3.0, 2.0, 2.0, 1.0], True),  # a flat stretch on the way down still falls
    ([3.0, 3.0, 1.0], True),  # the first step may be flat
    ([3.0, 1.0, 1.0], True),
    ([3.0, 2.0, 2.5, 1.0], False),  # one step up, however small, is not "falling"
    ([1.0, 2.0, 0.0], False),
])
def test_a_run_falls_only_if_f_never_rises_and_ends_lower(values, falling):
    """What "f kept dropping" means when a run escapes or overflows (then: no minimum).
    Found by mutation testing: the table above never told these cases apart."""
    from bot.engine.verdict import _falling

    assert _falling(np.array(values)) is falling
