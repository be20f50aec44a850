"""Plain gradient descent, x_{k+1} = x_k − lr·∇f(x_k), and a teacher's verdict on the run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from bot.engine.objective import Objective
from bot.engine.verdict import Judgement, Stop, Verdict, judge

#: Beyond this distance from the origin a run counts as diverged and stops.
ESCAPE_RADIUS = 1e8


#: Larger |f(x0)| leaves no room to work: a step's lr·|∇f|², the picture's axis range and
#: its padding pass the largest float (about 1.8e308) on the way.
LARGEST_START_VALUE = 1e200
#: Where :func:`working_start` looks for a start, in this order (each coordinate).
_START_CANDIDATES = (1.0, 0.5, -0.5, 0.1, -1.0, 2.0, 0.0)


class StartError(ValueError):
    """The function or its gradient is undefined, or too large to work with, at x0;
    ``suggestion`` is a start where neither happens (None if none was found)."""

    def __init__(self, code: Literal["undefined", "overflow", "too_large", "gradient_undefined"],
                 suggestion: tuple[float, ...] | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.suggestion = suggestion

    def __reduce__(self) -> tuple[type[StartError], tuple[str, tuple[float, ...] | None]]:
        return StartError, (self.code, self.suggestion)  # both survive the trip from a worker


def check_start(objective: Objective, x0: Sequence[float] | np.ndarray) -> tuple[float, np.ndarray]:
    """f and ∇f at the start point, or the StartError that says why a run cannot begin
    (with a start that works)."""
    point = np.asarray(x0, dtype=float)
    problem = _start_problem(objective, point)
    if problem is not None:
        raise StartError(problem, working_start(objective))
    return objective.value(point), objective.gradient(point)


def _start_problem(objective: Objective, point: np.ndarray,
                   ) -> Literal["undefined", "overflow", "too_large", "gradient_undefined"] | None:
    value = objective.value(point)
    if np.isnan(value):
        return "undefined"
    if not np.isfinite(value):
        return "overflow" if _huge_all_around(objective, point) else "undefined"
    if abs(value) > LARGEST_START_VALUE:
        return "too_large"
    if not np.all(np.isfinite(objective.gradient(point))):
        return "gradient_undefined"
    return None


def working_start(objective: Objective) -> tuple[float, ...] | None:
    """A simple start where f and ∇f are defined and f is small enough to work with."""
    for value in _START_CANDIDATES:
        point = np.full(objective.dimension, value)
        with np.errstate(all="ignore"):
            if _start_problem(objective, point) is None:
                return tuple(float(v) for v in point)
    return None


def _huge_all_around(objective: Objective, point: np.ndarray) -> bool:
    """An infinite f is an overflow (exp(1000): too large for a float) when it stays
    infinite at nearby points, and a singularity (log 0, 1/0) when it does not."""
    nudge = 1e-6 * np.maximum(1.0, np.abs(point))
    return all(not np.isfinite(objective.value(point + sign * nudge)) for sign in (-1, 1))


@dataclass(frozen=True)
class Curvature:
    """The Hessian's extreme eigenvalues times lr. Along an eigenvector with eigenvalue λ
    each step multiplies the distance to the stationary point by 1 − lr·λ: for λ > 0,
    lr·λ < 1 is monotone, 1..2 oscillates and > 2 diverges; for λ < 0 the factor is above
    1 (the surface curves down: a hill or a saddle), and the point slides away."""

    lr_times_lambda: float  # lr × the largest eigenvalue
    lr_times_lowest: float  # lr × the smallest eigenvalue
    exact: bool  # True for a quadratic (constant Hessian), False for a local estimate
    unbounded: bool = False  # a quadratic without a minimum: f falls without end

    @property
    def curves_down(self) -> bool:
        return self.lr_times_lowest < 0


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
    judgement: Judgement
    curvature: Curvature | None

    @property
    def verdict(self) -> Verdict:
        return self.judgement.verdict

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
    value, grad = check_start(objective, point)
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
        if np.isnan(value) or np.any(np.isnan(grad)):
            stopped = "domain"
            break
        if not np.isfinite(value) or not np.all(np.isfinite(grad)):
            stopped = "bottomless" if value == -np.inf else "overflow"
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
        judgement=judge(objective, path_array, values_array, stopped,
                        quadratic_unbounded=bool(curvature and curvature.unbounded)),
        curvature=curvature,
    )


def _curvature(objective: Objective, lr: float, point: np.ndarray) -> Curvature | None:
    constant = objective.constant_hessian
    hessian = constant if constant is not None else objective.hessian(point)
    if not np.all(np.isfinite(hessian)):
        return None
    eigenvalues, vectors = _eigen(hessian)
    unbounded = constant is not None and _no_minimum(eigenvalues, vectors,
                                                       objective.gradient(point))
    return Curvature(lr_times_lambda=lr * float(eigenvalues[-1]),
                     lr_times_lowest=lr * float(eigenvalues[0]),
                     exact=constant is not None, unbounded=unbounded)


def quadratic_without_minimum(objective: Objective) -> bool:
    """True for a quadratic (or linear) function that is unbounded below."""
    hessian = objective.constant_hessian
    if hessian is None:
        return False
    return _no_minimum(*_eigen(hessian), objective.gradient(np.zeros(objective.dimension)))


def _eigen(hessian: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (ascending) and eigenvectors of the Hessian (symmetrised)."""
    return np.linalg.eigh((hessian + hessian.T) / 2)


def _no_minimum(eigenvalues: np.ndarray, vectors: np.ndarray, gradient: np.ndarray) -> bool:
    """Whether the quadratic f = ½xᵀHx + bᵀx + c with these Hessian eigenpairs and this
    gradient (at any point) is unbounded below: H has a negative eigenvalue, or b has a
    component along a flat direction (H's null space), where f is a plain slope."""
    scale = max(1.0, float(np.max(np.abs(eigenvalues))))
    if eigenvalues[0] < -1e-9 * scale:
        return True
    flat = np.abs(eigenvalues) <= 1e-9 * scale
    if not np.any(flat) or not np.all(np.isfinite(gradient)):
        return False
    slope = vectors[:, flat].T @ gradient
    return bool(np.linalg.norm(slope) > 1e-9 * max(1.0, float(np.linalg.norm(gradient))))
