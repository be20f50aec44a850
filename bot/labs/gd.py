"""The gradient-descent lab job: request in, numbers and pictures out.

Runs inside a render worker (see :mod:`bot.runner`): parse, differentiate, descend,
sample the surface and draw. Everything it returns is plain data that pickles.
"""

from __future__ import annotations

import numpy as np

from bot.engine.bounds import Bounds, LineLimit, analyse
from bot.engine.gd import GDRun, gradient_descent
from bot.engine.objective import Objective
from bot.fa import gd as words
from bot.fa.formula import plain, pretty
from bot.labdata.gd import GDRequest, GDResult, GDSummary
from bot.labs.compiled import objective as compiled
from bot.render.trajectory import PLOT_ASPECT, Trajectory, render_animation, render_still
from bot.render.view import line_window, visible_prefix, window

CURVE_SAMPLES = 400
GRID_SAMPLES = 90


def run_gd(request: GDRequest) -> GDResult:
    """Descend and draw; raises engine errors (ExpressionError, StartError) on bad input."""
    summary, trajectory = descend(request)
    labels = words.picture_labels(summary)
    png = render_still(trajectory, labels)
    gif = render_animation(trajectory, labels) if request.anim else None
    return GDResult(summary=summary, png=png, gif=gif)


def descend(request: GDRequest) -> tuple[GDSummary, Trajectory]:
    """The run's numbers and what a picture of it shows (also the Mini App's data)."""
    objective = compiled(request.function)
    run = gradient_descent(objective, request.x0, request.lr, request.steps)
    shown = visible_prefix(run.path, run.verdict == "diverged")
    summary = _summary(objective, run, shown, analyse(objective, [run.path]))
    return summary, _trajectory(objective, run.path[:shown], truncated=shown < len(run.path))


def _summary(objective: Objective, run: GDRun, shown: int, bounds: Bounds) -> GDSummary:
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
        gradient_norm=run.judgement.gradient_norm,
        zigzag=run.judgement.zigzag,
        hilltop=run.judgement.hilltop,
        uphill_steps=run.judgement.uphill_steps,
        bounds=bounds,
    )


#: Margin around a 2-D path (a fraction of its half-extent): room for «start» and «end».
FRAME_PADDING = 0.5


def _trajectory(objective: Objective, path: np.ndarray, truncated: bool) -> Trajectory:
    # Framed around the whole shown path (with room for the markers' names), so its
    # start is never on the edge.
    centre = (path.min(axis=0) + path.max(axis=0)) / 2
    low, high = window(path, centre, padding=FRAME_PADDING)
    if objective.dimension == 2:  # as wide as the phone's plot area (axes are equal)
        half = (high - low) / 2
        half = np.maximum(half, half[::-1] * np.array([PLOT_ASPECT, 1 / PLOT_ASPECT]))
        low, high = centre - half, centre + half
    if objective.dimension == 1:
        left, right = line_window(objective.values, path[:, 0], diverged=truncated)
        xs = np.linspace(left, right, CURVE_SAMPLES)
        ys = objective.values(xs)
        points = np.column_stack([path[:, 0], objective.values(path[:, 0])])
        return Trajectory(path=points, curve=(xs, ys), reaches_end=not truncated)
    gx, gy = np.meshgrid(
        np.linspace(low[0], high[0], GRID_SAMPLES), np.linspace(low[1], high[1], GRID_SAMPLES)
    )
    return Trajectory(path=path, grid=(gx, gy, objective.values(gx, gy)), reaches_end=not truncated)
