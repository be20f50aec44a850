"""Plain gradient descent, x_{k+1} = x_k − lr·∇f(x_k), and a teacher's verdict on the run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from bot.engine.objective import Objective

#: Beyond this distance from the origin a run counts as diverged and stops.
ESCAPE_RADIUS = 1e8
#: A run has converged when the gradient has shrunk to this fraction of its start ...
RELATIVE_TOLERANCE = 0.02
#: ... or below this absolute size ...
ABSOLUTE_TOLERANCE = 1e-6
#: ... and the last tenth of the run moved less than this share of the whole way.
RECENT_SHARE = 0.01

Verdict = Literal["converged", "slow", "oscillating", "diverged"]
Stop = Literal["steps", "escaped", "domain"]


class StartError(ValueError):
    """The function or its gradient is undefined (or infinite) at the start point."""

    def __init__(self, code: Literal["undefined", "gradient_undefined"]) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Curvature:
    """lr times the largest curvature: along that axis each step multiplies the error
    by 1 − lr·λ, so lr·λ < 1 is monotone, 1..2 oscillates and > 2 diverges."""

    lr_times_lambda: float
    exact: bool  # True for a quadratic (constant Hessian), False for a local estimate


@dataclass(frozen=True)
class GDRun:
    """A gradient-descent run: every point (x0 first), f and |∇f| along the path."""

    x0: tuple[float, ...]
    lr: float
    steps: int
    path: np.ndarray  # shape (k + 1, d)
    values: np.ndarray  # shape (k + 1,)
    grad_norms: np.ndarray  # shape (k + 1,)
    stopped: Stop
    verdict: Verdict
    curvature: Curvature | None

    @property
    def final(self) -> np.ndarray:
        return self.path[-1]

    @property
    def final_value(self) -> float:
        return float(self.values[-1])

    @property
    def steps_taken(self) -> int:
        return len(self.path) - 1


def gradient_descent(objective: Objective, x0: Sequence[float], lr: float, steps: int) -> GDRun:
    """Run ``steps`` plain gradient-descent steps from ``x0``; stop early if the point
    leaves the domain or escapes to infinity (that is a result, not an error)."""
    point = np.asarray(x0, dtype=float)
    value = objective.value(point)
    grad = objective.gradient(point)
    if not np.isfinite(value):
        raise StartError("undefined")
    if not np.all(np.isfinite(grad)):
        raise StartError("gradient_undefined")
    path, values, norms = [point], [value], [float(np.linalg.norm(grad))]
    stopped: Stop = "steps"
    for _ in range(steps):
        with np.errstate(all="ignore"):
            point = point - lr * grad
        if not np.all(np.isfinite(point)) or np.linalg.norm(point) > ESCAPE_RADIUS:
            stopped = "escaped"
            break
        value = objective.value(point)
        grad = objective.gradient(point)
        if not np.isfinite(value) or not np.all(np.isfinite(grad)):
            stopped = "domain"
            break
        path.append(point)
        values.append(value)
        norms.append(float(np.linalg.norm(grad)))
    path_array = np.array(path)
    curvature = _curvature(objective, lr, path_array[-1])
    values_array, norms_array = np.array(values), np.array(norms)
    return GDRun(
        x0=tuple(float(v) for v in np.asarray(x0, dtype=float)),
        lr=lr,
        steps=steps,
        path=path_array,
        values=values_array,
        grad_norms=norms_array,
        stopped=stopped,
        verdict=judge(path_array, values_array, norms_array, stopped),
        curvature=curvature,
    )


def _curvature(objective: Objective, lr: float, point: np.ndarray) -> Curvature | None:
    constant = objective.constant_hessian
    hessian = constant if constant is not None else objective.hessian(point)
    if not np.all(np.isfinite(hessian)):
        return None
    largest = float(np.max(np.abs(np.linalg.eigvalsh((hessian + hessian.T) / 2))))
    return Curvature(lr_times_lambda=lr * largest, exact=constant is not None)


def judge(path: np.ndarray, values: np.ndarray, grad_norms: np.ndarray, stopped: Stop) -> Verdict:
    """Classify a run the way a teacher reads its picture.

    diverged: it escaped, left the domain, or its steps grow while f rises;
    oscillating: consecutive steps mostly point in opposite directions;
    converged: the gradient shrank below the tolerance and the point has stopped
    travelling; slow: still moving.
    """
    if stopped != "steps":
        return "diverged"
    steps = np.diff(path, axis=0)
    lengths = np.linalg.norm(steps, axis=1)
    if len(steps) >= 2 and values[-1] > values[0] and lengths[-1] > lengths[0]:
        return "diverged"
    if _reverses(steps, lengths):
        return "oscillating"
    small_gradient = grad_norms[-1] <= max(ABSOLUTE_TOLERANCE, RELATIVE_TOLERANCE * grad_norms[0])
    if small_gradient and not _still_moving(path):
        return "converged"
    return "slow"


def _still_moving(path: np.ndarray) -> bool:
    """True when the last tenth of the run still covered more than ``RECENT_SHARE`` of the
    whole displacement: a point crawling along a flat valley floor (Rosenbrock's) has a
    small gradient but has not arrived."""
    total = float(np.linalg.norm(path[-1] - path[0]))
    recent = max(1, (len(path) - 1) // 10)
    moved = float(np.linalg.norm(path[-1] - path[-1 - recent]))
    return total > 0 and moved > RECENT_SHARE * total


def _reverses(steps: np.ndarray, lengths: np.ndarray) -> bool:
    """True when most consecutive step pairs point against each other."""
    moving = lengths > 1e-12
    if moving.sum() < 3:
        return False
    unit = steps[moving] / lengths[moving][:, None]
    cosines = np.sum(unit[1:] * unit[:-1], axis=1)
    return bool(np.mean(cosines < -0.5) > 0.5)
