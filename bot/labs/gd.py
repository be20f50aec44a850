"""The gradient-descent lab job: request in, numbers and pictures out.

Runs inside a render worker (see :mod:`bot.labs.runner`): parse, differentiate, descend,
sample the surface and draw. Everything it returns is plain data that pickles.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from bot.engine.expr import parse_function
from bot.engine.gd import GDRun, gradient_descent
from bot.engine.objective import Objective, compile_objective
from bot.fa import gd as words
from bot.fa.formula import plain, pretty
from bot.render.trajectory import Trajectory, render_animation, render_still
from bot.render.view import visible_prefix, window

CURVE_SAMPLES = 400
GRID_SAMPLES = 90


@dataclass(frozen=True)
class GDRequest:
    """A normalised /gd request; equal requests give equal pictures (the cache key)."""

    function: str  # the user's text, already normalised to ASCII
    x0: tuple[float, ...]
    lr: float
    steps: int
    anim: bool = False

    @property
    def key(self) -> str:
        canonical = parse_function(self.function).key
        x0 = ",".join(repr(v) for v in self.x0)
        return f"gd|{canonical}|{x0}|{self.lr!r}|{self.steps}|{int(self.anim)}"

    def with_(self, **changes: object) -> GDRequest:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class GDSummary:
    """The numbers a caption and ``try --json`` need."""

    function: str
    function_pretty: str
    gradient: tuple[str, ...]
    gradient_pretty: tuple[str, ...]
    variables: tuple[str, ...]
    x0: tuple[float, ...]
    lr: float
    steps: int
    steps_taken: int
    path: tuple[tuple[float, ...], ...]
    final: tuple[float, ...]
    final_value: float
    verdict: str
    stopped: str
    lr_times_lambda: float | None
    lr_times_lowest: float | None
    curvature_exact: bool
    shown_points: int

    def to_data(self) -> dict[str, object]:
        return {
            "function": self.function,
            "derivative": list(self.gradient) if len(self.gradient) > 1 else self.gradient[0],
            "x0": list(self.x0) if len(self.x0) > 1 else self.x0[0],
            "lr": self.lr,
            "steps": self.steps,
            "path": [list(p) for p in self.path],
            "final": list(self.final),
            "final_value": self.final_value,
            "verdict": self.verdict,
        }


@dataclass(frozen=True)
class GDResult:
    summary: GDSummary
    png: bytes
    gif: bytes | None


def run_gd(request: GDRequest) -> GDResult:
    """Descend and draw; raises engine errors (ExpressionError, StartError) on bad input."""
    objective = compile_objective(parse_function(request.function))
    run = gradient_descent(objective, request.x0, request.lr, request.steps)
    shown = visible_prefix(run.path, run.verdict == "diverged")
    summary = _summary(objective, run, shown)
    trajectory = _trajectory(objective, run.path[:shown], truncated=shown < len(run.path))
    labels = words.picture_labels(summary)
    png = render_still(trajectory, labels)
    gif = render_animation(trajectory, labels) if request.anim else None
    return GDResult(summary=summary, png=png, gif=gif)


def _summary(objective: Objective, run: GDRun, shown: int) -> GDSummary:
    names = tuple(str(v) for v in objective.function.variables)
    return GDSummary(
        function=plain(objective.expr),
        function_pretty=pretty(objective.expr),
        gradient=tuple(plain(g) for g in objective.gradient_exprs),
        gradient_pretty=tuple(pretty(g) for g in objective.gradient_exprs),
        variables=names,
        x0=run.x0,
        lr=run.lr,
        steps=run.steps,
        steps_taken=run.steps_taken,
        path=tuple(tuple(float(v) for v in p) for p in run.path),
        final=tuple(float(v) for v in run.final),
        final_value=run.final_value,
        verdict=run.verdict,
        stopped=run.stopped,
        lr_times_lambda=run.curvature.lr_times_lambda if run.curvature else None,
        lr_times_lowest=run.curvature.lr_times_lowest if run.curvature else None,
        curvature_exact=bool(run.curvature and run.curvature.exact),
        shown_points=shown,
    )


def _trajectory(objective: Objective, path: np.ndarray, truncated: bool) -> Trajectory:
    # A run that went off the chart is framed around what is shown, not its last point.
    centre = (path.min(axis=0) + path.max(axis=0)) / 2 if truncated else path[-1]
    low, high = window(path, centre)
    if objective.dimension == 1:
        xs = np.linspace(low[0], high[0], CURVE_SAMPLES)
        ys = objective.values(xs)
        points = np.column_stack([path[:, 0], objective.values(path[:, 0])])
        return Trajectory(path=points, curve=(xs, ys), reaches_end=not truncated)
    gx, gy = np.meshgrid(
        np.linspace(low[0], high[0], GRID_SAMPLES), np.linspace(low[1], high[1], GRID_SAMPLES)
    )
    return Trajectory(path=path, grid=(gx, gy, objective.values(gx, gy)), reaches_end=not truncated)
