"""The batch-size lab job: the same linear regression fitted by full-batch, mini-batch and
stochastic gradient descent for the same number of epochs."""

from __future__ import annotations

import numpy as np

from bot.engine.regression import (
    DescentRun,
    QuadraticLoss,
    iterations_per_epoch,
    least_squares,
    line_data,
    minibatch_descent,
    mse,
    with_bias,
)
from bot.fa import batch as words
from bot.labdata.batch import BatchRequest, BatchResult, BatchSummary, RunSummary
from bot.render.batch import BatchPicture, render_batch

#: Where every run starts, (w, b).
START = (-1.0, 2.0)
GRID_SAMPLES = 120
#: Path points farther than this many start-to-optimum distances from the optimum (a
#: diverging run) do not stretch the contour window.
REACH = 2.0
PADDING = 0.12


def run_batch(request: BatchRequest) -> BatchResult:
    x, y = line_data(request.n, request.seed)
    X = with_bias(x)
    best = least_squares(X, y)
    start = np.array(START)
    runs = [minibatch_descent(X, y, start, request.lr, batch, request.epochs, request.seed)
            for batch in request.batches]
    summary = BatchSummary(
        n=request.n,
        epochs=request.epochs,
        lr=request.lr,
        seed=request.seed,
        start=START,
        runs=tuple(_run_summary(request.n, batch, run) for batch, run in zip(request.batches, runs)),
        optimum=(float(best[0]), float(best[1]), mse(X, y, best)),
    )
    picture = BatchPicture(
        grid=_grid(X, y, _window(runs, best)),
        optimum=best,
        paths=tuple(run.path for run in runs),
        losses=tuple(run.losses for run in runs),
        per_epoch=tuple(iterations_per_epoch(request.n, b) for b in request.batches),
        best_loss=summary.optimum[2],
    )
    return BatchResult(summary=summary, png=render_batch(picture, words.picture_labels(summary)))


def _run_summary(n: int, batch: int, run: DescentRun) -> RunSummary:
    return RunSummary(
        batch=batch,
        per_epoch=iterations_per_epoch(n, batch),
        iterations=run.iterations,
        path=tuple(map(tuple, run.path.tolist())),
        losses=tuple(run.losses.tolist()),
        diverged=run.diverged,
    )


def _window(runs: list[DescentRun], best: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A square (low, high) around the optimum and every path point near enough to it."""
    points = np.vstack([best[None, :], *(run.path for run in runs)])
    reach = REACH * float(np.linalg.norm(runs[0].path[0] - best))
    points = points[np.linalg.norm(points - best, axis=1) <= reach]
    low, high = points.min(axis=0), points.max(axis=0)
    centre, half = (low + high) / 2, float(np.max(high - low)) / 2 * (1 + PADDING)
    return centre - half, centre + half


def _grid(X: np.ndarray, y: np.ndarray,
          window: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The loss sampled on the window."""
    (a0, b0), (a1, b1) = window
    a, b = np.meshgrid(np.linspace(a0, a1, GRID_SAMPLES), np.linspace(b0, b1, GRID_SAMPLES))
    return a, b, QuadraticLoss.of(X, y).at(a, b)
