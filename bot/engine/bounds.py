"""Does f have a minimum at all? Proofs that it does not, found along straight lines.

f has no minimum when it falls without bound: some line p(t) = base + t·direction along
which f(p(t)) → −∞, as t → ±∞ or as t approaches a point where f is singular (1/x as
x → 0⁻, log x as x → 0⁺, tan x as x → −π/2⁺). Each candidate limit is computed with
SymPy and then confirmed numerically (f must be real and falling on the way there, which
also keeps SymPy's complex continuations of log and sqrt out), all within a time budget;
what is not found in time is simply not claimed. For the functions learners mostly type
(polynomials and rational functions, with sin, tanh, a sigmoid … added) the exact
shortcuts of :mod:`bot.engine.rational` answer first, in a fraction of the time.

In the direction a 1-D run travels, the limit of f is reported too, finite or not:
``1/x`` run to the right falls towards 0 and never reaches it.
"""

from __future__ import annotations

import math
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy as sp
from sympy.calculus.singularities import singularities

from bot.engine.expr import OutOfTime, deadline
from bot.engine.objective import Objective
from bot.engine.rational import limit_at_infinity, zeros_between

#: Seconds of symbolic work per function (in the render worker).
BUDGET = 3.0
#: Left for the rest of the job when an outer alarm (the worker's limit) is running.
RESERVE = 2.0
#: Singular points tried per line: the ones nearest the run.
NEAREST_SINGULARITIES = 4
T = sp.Symbol("t", real=True)


@dataclass(frozen=True)
class LineLimit:
    """The limit of f along p(t) = base + t·direction as t → ``end`` (±inf, or a finite
    singular point approached from ``side`` +1 (above) or −1 (below))."""

    base: tuple[float, ...]
    direction: tuple[float, ...]
    end: float
    side: int
    value: float  # −inf: f has no minimum

    @property
    def point(self) -> tuple[float, ...] | None:
        """Where the line ends, for a finite ``end``."""
        if math.isinf(self.end):
            return None
        return tuple(b + self.end * d for b, d in zip(self.base, self.direction))


@dataclass(frozen=True)
class Bounds:
    """What is proven about f's lower bound. ``no_minimum`` is a line along which f → −∞
    (None: none found, which proves nothing); ``heading`` is the limit of f in the
    direction a 1-D run was still travelling."""

    no_minimum: LineLimit | None = None
    heading: LineLimit | None = None
    #: proven: f' has no zero beyond the run's end in the heading direction, so the run
    #: never comes to rest there (f keeps approaching the heading limit)
    heading_clear: bool = False


def analyse(objective: Objective, paths: list[np.ndarray]) -> Bounds:
    """Look for a line along which f falls without bound, near the runs first; and, for
    one run on a curve still moving, the limit of f where it is going."""
    budget = _budget()
    if budget <= 0:
        return Bounds()
    found: list[LineLimit] = []
    heading: list[LineLimit] = []
    clear = False
    try:
        with deadline(budget):
            for line in _lines(objective, paths):
                limit = _falls_without_bound(objective, *line)
                if limit is not None:
                    found.append(limit)
                    break
            heading.extend(_heading(objective, paths))
            if heading:
                clear = _no_stationary_point_beyond(objective, float(paths[0][-1, 0]),
                                                    heading[0].end)
    except (OutOfTime, ArithmeticError, TypeError, ValueError, NotImplementedError,
            RecursionError):
        pass  # what SymPy cannot settle (in time) is simply not claimed
    return Bounds(no_minimum=found[0] if found else None,
                  heading=heading[0] if heading else None, heading_clear=clear)


def _budget() -> float:
    if signal.getitimer(signal.ITIMER_REAL)[0] == 0:
        return BUDGET
    return min(BUDGET, signal.getitimer(signal.ITIMER_REAL)[0] - RESERVE)


def _lines(objective: Objective, paths: list[np.ndarray]
           ) -> Iterator[tuple[tuple[float, ...], tuple[float, ...], np.ndarray]]:
    """Lines to try, with the points of the runs projected on each (to pick the nearest
    singular points): in 1-D the x axis; in 2-D the axes and diagonals through the
    origin, then the axis-parallel lines through the last point of each run."""
    points = np.vstack(paths)
    if objective.dimension == 1:
        yield (0.0,), (1.0,), points[:, 0]
        return
    for direction in ((1.0, 0.0), (0.0, 1.0), (1.0, 1.0), (1.0, -1.0)):
        yield (0.0, 0.0), direction, points @ np.array(direction) / float(np.dot(direction,
                                                                               direction))
    for path in paths:
        x, y = (float(_round(v)) for v in path[-1])
        yield (0.0, y), (1.0, 0.0), points[:, 0]
        yield (x, 0.0), (0.0, 1.0), points[:, 1]


def _round(value: float) -> float:
    """A short number for a line through the run's end (printed in the caption)."""
    return float(f"{value:.3g}")


def _along(objective: Objective, base: tuple[float, ...], direction: tuple[float, ...]
           ) -> sp.Expr:
    return _substituted(objective.expr, tuple(objective.function.variables), base, direction)


# The lines through the origin are the same for every run of a function, and a run's end
# rounded to three digits often is too (the Mini App's slider asks again and again): f
# along a line, and its limits, are kept per worker (pure functions of their arguments;
# an OutOfTime is raised, not kept).
@lru_cache(maxsize=2048)
def _substituted(expr: sp.Expr, variables: tuple[sp.Symbol, ...], base: tuple[float, ...],
                 direction: tuple[float, ...]) -> sp.Expr:
    return expr.subs({v: _exact(b) + T * _exact(d) for v, b, d in zip(variables, base, direction)})


def _exact(value: float) -> sp.Rational:
    """The rational a short decimal (three significant digits, see :func:`_round`)
    stands for: what ``nsimplify`` finds for it, without its costly search for other
    closed forms (tens of milliseconds per line, on every run of the Mini App's slider)."""
    return sp.Rational(repr(float(value)))


def _falls_without_bound(objective: Objective, base: tuple[float, ...],
                         direction: tuple[float, ...], where: np.ndarray) -> LineLimit | None:
    g = _along(objective, base, direction)
    if not g.has(T):
        return None
    ends: list[tuple[sp.Expr, int]] = [(sp.oo, 0), (-sp.oo, 0)]
    ends += [(c, side) for c in _singular_points(g, where) for side in (1, -1)]
    for end, side in ends:
        value = _limit(g, end, side)
        if value == -math.inf and _confirmed(objective, base, direction, float(end), side,
                                             value):
            return LineLimit(base, direction, float(end), side, value)
    return None


def _singular_points(g: sp.Expr, where: np.ndarray) -> list[sp.Expr]:
    """The real points where g(t) is singular (poles, log 0), nearest to the run first."""
    if g.is_polynomial(T):
        return []  # what ``singularities`` finds too, in a tenth of the time
    try:
        found = singularities(g, T, sp.S.Reals)
    except (NotImplementedError, ValueError, TypeError):
        return []
    centre = float(np.median(where)) if len(where) else 0.0
    low, high = float(np.min(where)) - 10, float(np.max(where)) + 10
    candidates: set[sp.Expr] = set()
    for part in (found.args if isinstance(found, sp.Union) else (found,)):
        if isinstance(part, sp.FiniteSet):
            candidates.update(c for c in part if c.is_real)
        elif isinstance(part, sp.ImageSet):
            candidates.update(_members(part, low, high))
    inside = [c for c in candidates if low <= float(c) <= high] or list(candidates)
    return sorted(inside, key=lambda c: abs(float(c) - centre))[:NEAREST_SINGULARITIES]


def _members(image: sp.ImageSet, low: float, high: float) -> list[sp.Expr]:
    """Members of {λ(n): n ∈ ℤ} (a periodic set like tan's poles) inside [low, high]."""
    n = image.lamda.variables[0]
    expr = image.lamda.expr
    try:
        slope = float(sp.diff(expr, n))
        start = float(expr.subs(n, 0))
    except (TypeError, ValueError):
        return []
    if slope == 0:
        return [expr.subs(n, 0)]
    first, last = sorted(((low - start) / slope, (high - start) / slope))
    return [expr.subs(n, k) for k in range(math.floor(first), math.ceil(last) + 1)]


@lru_cache(maxsize=4096)
def _limit(g: sp.Expr, end: sp.Expr, side: int) -> float | None:
    if end in (sp.oo, -sp.oo):
        known = limit_at_infinity(g, T, 1 if end == sp.oo else -1)
        if known is not None:
            return known
    direction = "-" if side < 0 or end == sp.oo else "+"
    try:
        value = sp.limit(g, T, end, direction)
    except (NotImplementedError, ValueError, TypeError, AttributeError):
        return None
    if value == -sp.oo:
        return -math.inf
    if value == sp.oo:
        return math.inf
    if value.is_Number and value.is_real:
        return float(value)
    return None  # AccumBounds (sin at ∞), an unevaluated Limit, a complex value


def _approach(end: float, side: int) -> np.ndarray:
    """Parameters t marching towards ``end``: 10, 100, … to infinity, or ``end`` ± 1e-2,
    1e-3, … from one side."""
    if math.isinf(end):
        return math.copysign(1.0, end) * 10.0 ** np.arange(1, 9)
    return end + side * 10.0 ** -np.arange(2, 10, dtype=float)


def _confirmed(objective: Objective, base: tuple[float, ...], direction: tuple[float, ...],
               end: float, side: int, value: float) -> bool:
    """f really is real and heading to ``value`` on the way there (SymPy's limits of log
    and sqrt continue into the complex plane; its limits at a pole may use the wrong
    branch)."""
    ts = _approach(end, side)
    points = np.array(base)[None, :] + ts[:, None] * np.array(direction)[None, :]
    values = np.array([objective.value(p) for p in points])
    if np.isnan(values).any() or np.any(values == np.inf):
        return False
    if value == -math.inf:  # falling at every step (or already below −1.8e308)
        floor = np.maximum(values, -np.finfo(float).max)
        return bool(np.all((np.diff(floor) < 0) | (floor[1:] == floor.min())))
    finite = values[np.isfinite(values)]
    return len(finite) > 0 and bool(abs(finite[-1] - value) <= 1e-3 * max(1.0, abs(value)))


def _heading(objective: Objective, paths: list[np.ndarray]) -> list[LineLimit]:
    """For a single 1-D run whose last steps still move one way and lower f: the limit
    of f as x → ±∞ that way, when it is below f at the end (f falls towards it)."""
    if objective.dimension != 1 or len(paths) != 1 or len(paths[0]) < 3:
        return []
    steps = np.diff(paths[0][-3:, 0])
    if not (np.all(steps > 0) or np.all(steps < 0)):
        return []
    end = sp.oo if steps[-1] > 0 else -sp.oo
    value = _limit(objective.expr.subs(objective.function.variables[0], T), end, 0)
    if value is None or not value < objective.value(paths[0][-1]):
        return []
    if not _confirmed(objective, (0.0,), (1.0,), float(end), 0, value):
        return []
    return [LineLimit((0.0,), (1.0,), float(end), 0, value)]


def _no_stationary_point_beyond(objective: Objective, start: float, end: float) -> bool:
    """f' has no zero (and f no kink) on the open ray from ``start`` towards ``end``."""
    variable = objective.function.variables[0]
    exprs = (objective.gradient_exprs[0], *objective.kinks)
    counted = _counted_clear(exprs, variable, start, end)
    if counted is not None:
        return counted
    return _solved_clear(exprs, variable, start, end)


def _solved_clear(exprs: tuple[sp.Expr, ...], variable: sp.Symbol, start: float,
                  end: float) -> bool:
    """The same answer from ``solveset``, on the ray from ``nsimplify``'s reading of
    ``start``."""
    ray = (sp.Interval.open(sp.nsimplify(start), sp.oo) if end > 0
           else sp.Interval.open(-sp.oo, sp.nsimplify(start)))
    for expr in exprs:
        try:
            zeros = sp.solveset(expr, variable, ray)
        except (NotImplementedError, ValueError, TypeError):
            return False
        if zeros is not sp.S.EmptySet:
            return False
    return True


#: How far from the run's end (relative, at least absolute) the closed form that
#: ``nsimplify`` reads it as may lie: it keeps 15 digits, far closer than this.
NEAR = 1e-6


def _counted_clear(exprs: tuple[sp.Expr, ...], variable: sp.Symbol, start: float,
                   end: float) -> bool | None:
    """The same answer, found by counting real roots, for f' and kinks that are rational
    functions (None otherwise): instead of ``nsimplify``'s reading of ``start`` (tens of
    milliseconds), any point within :data:`NEAR` of it; where a zero lies that close, the
    reading could matter, and the question is left to SymPy."""
    if not math.isfinite(start):
        return None
    point = sp.Rational(start)
    margin = sp.Rational(NEAR * max(1.0, abs(start)))
    if end > 0:
        wide, narrow = (point - margin, None), (point + margin, None)
    else:
        wide, narrow = (None, point + margin), (None, point - margin)
    counts = [(zeros_between(e, variable, *wide), zeros_between(e, variable, *narrow))
              for e in exprs]
    if any(None in pair for pair in counts):
        return None
    if not any(on_wide for on_wide, _ in counts):
        return True  # none even from a little before start
    if any(on_narrow for _, on_narrow in counts):
        return False  # one even from a little after start
    return None
