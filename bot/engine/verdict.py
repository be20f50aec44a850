"""A teacher's verdict on a descent run, claiming only what the run and f can prove.

- converged: the gradient at the end is small, and the stationary point it points to is
  checked: one Newton step from the end lands where the gradient is ten times smaller
  still (so the local quadratic model holds) and the Hessian there is positive definite.
  Then the end sits in a valley bottom (a local minimum) and f has stopped falling.
- saddle: the same check finds a stationary point whose Hessian has a negative
  eigenvalue: a saddle point or a hilltop, not a minimum.
- flat: the gradient is small but no such stationary point is confirmed: the curvature
  vanishes or changes too fast (x³ near 0, x⁴ near 0, exp(x) far left, a plateau). The
  run cannot tell whether a valley floor is there.
- kink: f has a kink (|u| or sign(u)) and the last points hop across it: with a fixed
  learning rate the gradient keeps its size right up to the kink, so gradient descent
  hops around it instead of settling.
- unbounded: f fell at every step until the point escaped, or fell below the smallest
  float; or f is a quadratic without a minimum and the point did not settle.
- diverged: the point left the domain, escaped, overflowed, or its steps grow while f rises.
- oscillating: still far from stationary, and most consecutive steps point against each
  other; slow: still far from stationary and still going downhill.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from bot.engine.objective import Objective

Verdict = Literal["converged", "saddle", "flat", "kink", "slow", "oscillating", "diverged",
                  "unbounded"]
#: escaped: the point left |x| < ESCAPE_RADIUS; overflow: f or ∇f became too large to
#: represent there; bottomless: f fell below −1.8e308 (−inf); domain: f or ∇f is
#: undefined there (NaN).
Stop = Literal["steps", "escaped", "overflow", "bottomless", "domain"]

#: The gradient at the end is small when it is at most this ...
SMALL_GRADIENT = 0.1
#: ... and at most this share of the gradient at the start (or below ABSOLUTE_TOLERANCE).
RELATIVE_TOLERANCE = 0.02
ABSOLUTE_TOLERANCE = 1e-6
#: A Newton step from the end must shrink the gradient at least this much for the end to
#: count as next to a non-degenerate stationary point.
NEWTON_SHRINK = 0.1
#: f is not still falling when what the local model says is left to gain, f(end) − f(p*),
#: is at most this share of what the run has gained so far.
STILL_FALLING_SHARE = 1e-3
#: Gradients and rises of f below these are floating-point rounding, not a slope.
ROUNDING_GRADIENT = 1e-10
ROUNDING_RISE = 1e-12
#: An eigenvalue this small relative to the largest counts as zero (a flat direction).
FLAT_EIGENVALUE = 1e-9
#: Points at the end of the run checked for hopping across a kink.
KINK_WINDOW = 5


@dataclass(frozen=True)
class Judgement:
    """The verdict and the evidence behind it, for the wording layer to explain."""

    verdict: Verdict
    gradient_norm: float  # |∇f| at the end
    start_gradient_norm: float
    zigzag: bool  # most consecutive steps reversed (also on the way to a minimum)
    eigenvalues: tuple[float, ...] | None  # of the Hessian at the stationary point (or end)
    uphill_steps: int  # steps after which f was higher than before

    @property
    def hilltop(self) -> bool:
        """A stationary point where f curves down in every direction."""
        return self.verdict == "saddle" and self.eigenvalues is not None and max(
            self.eigenvalues) < 0


def judge(objective: Objective, path: np.ndarray, values: np.ndarray, stopped: Stop,
          quadratic_unbounded: bool = False) -> Judgement:
    """Classify a run (any descent method: only the points and f along them are used)."""
    start_grad = _norm(objective.gradient(path[0]))
    end_grad = _norm(objective.gradient(path[-1]))
    steps = np.diff(path, axis=0)
    lengths = np.linalg.norm(steps, axis=1)
    zigzag = _reverses(steps, lengths)

    def verdict(kind: Verdict, eigenvalues: tuple[float, ...] | None = None) -> Judgement:
        rises = np.diff(values) > ROUNDING_RISE * np.maximum(1.0, np.abs(values[:-1]))
        return Judgement(kind, end_grad, start_grad, zigzag, eigenvalues,
                         int(np.count_nonzero(rises)))

    if stopped == "bottomless" or (stopped in ("escaped", "overflow") and _falling(values)):
        return verdict("unbounded")
    if stopped != "steps":
        return verdict("diverged")
    if len(steps) >= 2 and values[-1] > values[0] and lengths[-1] > lengths[0]:
        return verdict("diverged")
    if _hops_across_a_kink(objective, path):
        return verdict("kink")
    small = end_grad <= ABSOLUTE_TOLERANCE or (
        end_grad <= SMALL_GRADIENT and end_grad <= RELATIVE_TOLERANCE * start_grad)
    if small:
        eigenvalues = _confirmed_stationary_point(objective, path[-1])
        if eigenvalues is None:
            return verdict("flat")
        if min(eigenvalues) > 0 and _still_falling(objective, path[-1], values):
            return verdict("oscillating" if zigzag else "slow")
        return verdict("converged" if min(eigenvalues) > 0 else "saddle", eigenvalues)
    if quadratic_unbounded:
        return verdict("unbounded")
    return verdict("oscillating" if zigzag else "slow")


def _norm(vector: np.ndarray) -> float:
    return float(np.linalg.norm(vector))


def _falling(values: np.ndarray) -> bool:
    return len(values) >= 2 and bool(np.all(np.diff(values) <= 0)) and bool(values[-1] < values[0])


def _confirmed_stationary_point(objective: Objective, end: np.ndarray
                                ) -> tuple[float, ...] | None:
    """The Hessian's eigenvalues at the stationary point next to ``end``, if there is a
    non-degenerate one: the Hessian at the end is finite and invertible, and the Newton
    step p* = end − H⁻¹∇f lands where |∇f| is at most NEWTON_SHRINK of its size at the
    end and the Hessian has the same signature. None: degenerate or not confirmed."""
    gradient = objective.gradient(end)
    hessian = objective.hessian(end)
    if not (np.all(np.isfinite(hessian)) and np.all(np.isfinite(gradient))):
        return None
    eigenvalues = np.linalg.eigvalsh((hessian + hessian.T) / 2)
    scale = max(float(np.max(np.abs(eigenvalues))), 1e-300)
    if np.min(np.abs(eigenvalues)) <= FLAT_EIGENVALUE * scale or scale < 1e-12:
        return None
    if _norm(gradient) == 0:
        return tuple(float(v) for v in eigenvalues)
    target = end - np.linalg.solve(hessian, gradient)
    there = objective.gradient(target)
    hessian_there = objective.hessian(target)
    if not (np.all(np.isfinite(there)) and np.all(np.isfinite(hessian_there))):
        return None
    if _norm(there) > max(NEWTON_SHRINK * _norm(gradient), ROUNDING_GRADIENT):
        return None
    eigenvalues_there = np.linalg.eigvalsh((hessian_there + hessian_there.T) / 2)
    if not np.array_equal(np.sign(eigenvalues_there), np.sign(eigenvalues)):
        return None
    return tuple(float(v) for v in eigenvalues_there)


def _still_falling(objective: Objective, end: np.ndarray, values: np.ndarray) -> bool:
    """What one Newton step would still gain is a noticeable share of the run's gain."""
    step = np.linalg.solve(objective.hessian(end), objective.gradient(end))
    left = values[-1] - objective.value(end - step)
    return bool(left > STILL_FALLING_SHARE * max(values[0] - values[-1], 0.0) + 1e-12)


def _hops_across_a_kink(objective: Objective, path: np.ndarray) -> bool:
    """The last points jump back and forth across the zero set of some |u| in f (or sit
    on it): u changes sign at least twice among them."""
    if not objective.kinks or len(path) < 3:
        return False
    recent = path[-KINK_WINDOW:]
    for u in objective.kink_functions:
        with np.errstate(all="ignore"):
            signs = np.sign([float(np.real(u(*p))) for p in recent])
        if signs[-1] == 0 or np.count_nonzero(np.diff(signs)) >= 2:
            return True
    return False


def _reverses(steps: np.ndarray, lengths: np.ndarray) -> bool:
    """True when most consecutive step pairs point against each other."""
    moving = lengths > 1e-12
    if moving.sum() < 3:
        return False
    unit = steps[moving] / lengths[moving][:, None]
    cosines = np.sum(unit[1:] * unit[:-1], axis=1)
    return bool(np.mean(cosines < -0.5) > 0.5)
