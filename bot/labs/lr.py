"""The learning-rate lab job: one function, one start, gradient descent with several
learning rates, drawn as small multiples and judged panel by panel.

For a quadratic the Hessian is constant and the regimes are exact: along the steepest
eigenvector each step multiplies the error by 1 − lr·λmax, so the run is monotone below
1/λmax, oscillates up to 2/λmax and diverges beyond.
"""

from __future__ import annotations

import numpy as np

from bot.engine.bounds import Bounds, analyse
from bot.engine.gd import GDRun, gradient_descent
from bot.engine.objective import Objective
from bot.engine.presets import largest_curvature, quadratic_minimum
from bot.fa import lr as words
from bot.fa.formula import plain, pretty
from bot.labdata.lr import LRRequest, LRResult, LRRun, LRSummary
from bot.labs.compiled import objective as compiled
from bot.render.panels import Panel, PanelsPicture, render_panels
from bot.render.view import visible_prefix, window

CURVE_SAMPLES = 300
GRID_SAMPLES = 100


def run_lr(request: LRRequest) -> LRResult:
    """Descend once per learning rate and draw; raises ExpressionError or StartError."""
    objective = compiled(request.function)
    lambda_max = largest_curvature(objective)
    runs = [gradient_descent(objective, request.x0, lr, request.steps) for lr in request.lrs]
    summary = LRSummary(
        function=plain(objective.expr),
        function_pretty=pretty(objective.expr, limit=70),
        variables=tuple(str(v) for v in objective.function.variables),
        x0=tuple(float(v) for v in request.x0),
        steps=request.steps,
        runs=tuple(_run(run, lambda_max) for run in runs),
        lambda_max=lambda_max,
        thresholds=(1 / lambda_max, 2 / lambda_max) if lambda_max else None,
        bounds=analyse(objective, [run.path for run in runs]),
    )
    png = render_panels(_picture(objective, summary, runs), words.picture_labels(summary))
    return LRResult(summary=summary, png=png)


def _run(run: GDRun, lambda_max: float | None) -> LRRun:
    return LRRun(
        lr=run.lr,
        path=tuple(tuple(float(v) for v in p) for p in run.path),
        values=tuple(float(v) for v in run.values),
        verdict=run.verdict,
        stopped=run.stopped,
        factor=1 - run.lr * lambda_max if lambda_max is not None else None,
    )


def _picture(objective: Objective, summary: LRSummary, runs: list[GDRun]) -> PanelsPicture:
    """One shared window: around the minimum of a quadratic, else around the runs that
    stayed near their start. A run that leaves it gets its own, wider window."""
    shown = [run.path[: visible_prefix(run.path, run.verdict == "diverged")] for run in runs]
    framed = [part for part, run in zip(shown, runs) if run.verdict != "diverged"] or shown
    points = np.vstack(framed)
    solved = quadratic_minimum(objective)
    centre = np.array(solved[0]) if solved else (points.min(axis=0) + points.max(axis=0)) / 2
    shared = window(points, centre)
    shared_surface = _surface(objective, *shared)
    panels = []
    for part, run in zip(shown, summary.runs):
        inside = _inside(part, *shared)
        curve, grid = shared_surface if inside else _surface(objective, *window(part, centre))
        panels.append(Panel(
            points=_drawn(objective, part), verdict=run.verdict,
            title=words.panel_title(run), subtitle=words.panel_subtitle(run),
            note="" if inside else words.WIDER_FRAME,
            ends_inside=len(part) == len(run.path) and run.stopped == "steps",
            curve=curve, grid=grid,
        ))
    return PanelsPicture(panels=tuple(panels))


def _inside(points: np.ndarray, low: np.ndarray, high: np.ndarray) -> bool:
    return bool(np.all(points >= low) and np.all(points <= high))


Curve = tuple[np.ndarray, np.ndarray]
Grid = tuple[np.ndarray, np.ndarray, np.ndarray]


def _surface(objective: Objective, low: np.ndarray, high: np.ndarray) -> tuple[Curve | None, Grid | None]:
    """The curve (1-D) or the contour grid (2-D) over a window."""
    if objective.dimension == 1:
        xs = np.linspace(low[0], high[0], CURVE_SAMPLES)
        return (xs, objective.values(xs)), None
    gx, gy = np.meshgrid(np.linspace(low[0], high[0], GRID_SAMPLES),
                         np.linspace(low[1], high[1], GRID_SAMPLES))
    return None, (gx, gy, objective.values(gx, gy))


def _drawn(objective: Objective, points: np.ndarray) -> np.ndarray:
    if objective.dimension == 2:
        return points
    return np.column_stack([points[:, 0], objective.values(points[:, 0])])
