"""The optimizer-race lab job: several torch.optim rules from one start on one surface.

Runs inside a render worker: parse (or take a preset), run every optimizer with
:func:`bot.engine.optimizers.run_optimizer`, judge each run, draw the race. Everything
it returns is plain data that pickles.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from types import MappingProxyType

import numpy as np

from bot.engine.bounds import Bounds, analyse
from bot.engine.gd import check_start, quadratic_without_minimum
from bot.engine.objective import Objective
from bot.engine.optimizers import OptimizerRun, default_hyper, run_optimizer
from bot.engine.presets import (
    PRESETS,
    SETTLED_DISTANCE,
    TOLERANCE,
    quadratic_minimum,
)
from bot.engine.verdict import Stop, judge
from bot.fa import opt as words
from bot.fa.formula import plain, pretty
from bot.labdata.opt import KnownMinimum, OptRequest, OptResult, OptSummary, RunSummary
from bot.labs.compiled import objective as compiled
from bot.render.race import RacePicture, RaceRun, render_race_animation, render_race_still
from bot.render.view import visible_prefix, window

CURVE_SAMPLES = 400
#: With weight decay a run is at rest when none of its last REST_STEPS steps moved a
#: coordinate by more than REST_MOVE.
REST_STEPS, REST_MOVE = 10, 1e-4
GRID_SAMPLES = 140

#: Each optimizer's colour in the picture: (name for the caption's dot, hex).
COLOURS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "sgd": ("black", "#343a40"),
    "momentum": ("red", "#e03131"),
    "nesterov": ("orange", "#f76707"),
    "adagrad": ("brown", "#9c5b2e"),
    "rmsprop": ("green", "#2f9e44"),
    "adam": ("blue", "#1971c2"),
    "adamax": ("purple", "#ae3ec9"),
    "adamw": ("yellow", "#e8a900"),
})
#: ``beta=`` is the momentum μ of these ...
MOMENTUM_FAMILY = ("momentum", "nesterov")
#: ... and β1 of these (β2 keeps torch's default).
ADAM_FAMILY = ("adam", "adamax", "adamw")
#: The hyper-parameters reported per run, under torch's argument names.
HYPER_NAMES = ("lr", "lr_decay", "momentum", "dampening", "nesterov", "betas", "eps", "alpha",
               "centered", "weight_decay", "initial_accumulator_value")
#: torch.optim.RMSprop arguments the rule implements only at their defaults (reported too).
RMSPROP_FIXED = {"momentum": 0.0, "centered": False}


def hyper_overrides(optimizer: str, lr: float, beta: float | None,
                    weight_decay: float | None = None) -> dict[str, object]:
    """torch arguments for one run: ``lr``, ``beta`` as μ or as β1 where it applies, and
    ``weight_decay`` (coupled L2 in every rule but AdamW's decoupled decay)."""
    overrides: dict[str, object] = {"lr": lr}
    if weight_decay is not None:
        overrides["weight_decay"] = weight_decay
    if beta is not None and optimizer in MOMENTUM_FAMILY:
        overrides["momentum"] = beta
    elif beta is not None and optimizer in ADAM_FAMILY:
        overrides["betas"] = (beta, default_hyper(optimizer)["betas"][1])  # type: ignore[index]
    return overrides


def run_opt(request: OptRequest) -> OptResult:
    """Race and draw; raises engine errors (ExpressionError, StartError) on bad input."""
    summary, picture = race(request)
    labels = words.picture_labels(summary)
    png = render_race_still(picture, labels)
    gif = render_race_animation(picture, labels) if request.anim else None
    return OptResult(summary=summary, png=png, gif=gif)


def race(request: OptRequest) -> tuple[OptSummary, RacePicture]:
    """The race's numbers and what a picture of it shows (also the Mini App's data)."""
    objective = compiled(request.function)
    check_start(objective, request.x0)
    known = known_minimum(request, objective)
    runs = tuple(race_one(objective, request, name, known) for name in request.optimizers)
    summary = OptSummary(
        function=plain(objective.expr),
        function_pretty=pretty(objective.expr, limit=70),
        variables=tuple(str(v) for v in objective.function.variables),
        preset=request.preset,
        x0=tuple(float(v) for v in request.x0),
        steps=request.steps,
        lr=request.lr,
        lr_source=request.lr_source,
        beta=request.beta,
        weight_decay=request.weight_decay,
        known=known,
        tol=TOLERANCE,
        runs=runs,
        bounds=Bounds() if request.preset else analyse(
            objective, [np.array(run.path) for run in runs]),
    )
    return summary, race_picture(objective, summary)


def known_minimum(request: OptRequest, objective: Objective) -> KnownMinimum:
    """A preset's minima, or the exact minimum of a positive definite quadratic."""
    if request.preset:
        preset = PRESETS[request.preset]
        return KnownMinimum(preset.minima, preset.f_min, preset.local_minima)
    solved = quadratic_minimum(objective)
    if solved is None:
        return KnownMinimum(unbounded=quadratic_without_minimum(objective))
    point, value = solved
    return KnownMinimum((point,), value)


def race_one(objective: Objective, request: OptRequest, name: str,
             known: KnownMinimum) -> RunSummary:
    """One optimizer's run, judged."""
    overrides = hyper_overrides(name, request.learning_rate(name), request.beta,
                                request.weight_decay)
    run = run_optimizer(name, objective.value, objective.gradient, request.x0, request.steps,
                        tol=TOLERANCE, f_min=known.f_min, **overrides)
    verdict, settled = race_verdict(objective, run, known)
    if request.weight_decay and verdict in ("slow", "oscillating") and _at_rest(run):
        verdict = "converged"  # at the decay's own equilibrium, which is not f's minimum
    return RunSummary(
        optimizer=name,
        colour=COLOURS[name][0],
        hyper={k: v for k, v in ({**run.hyper, **(RMSPROP_FIXED if name == "rmsprop" else {})}
                                 ).items() if k in HYPER_NAMES},
        path=tuple(tuple(float(v) for v in p) for p in run.path),
        values=tuple(float(v) for v in run.values),
        verdict=verdict,
        stopped=run.stopped,
        steps_to_tol=run.steps_to_tol,
        settled_local=settled,
    )


def _at_rest(run: OptimizerRun) -> bool:
    """The last steps no longer move θ: with weight decay the run has reached the point
    where the pull of the decay balances ∇f, and stays there."""
    last = np.asarray(run.path[-REST_STEPS - 1:])
    return len(last) == REST_STEPS + 1 and float(np.max(np.abs(np.diff(last, axis=0)))) <= REST_MOVE


def race_verdict(objective: Objective, run: OptimizerRun,
                 known: KnownMinimum) -> tuple[str, bool]:
    """The /gd verdict made consistent with the race table's tolerance column; and
    whether the run settled in a known local minimum.

    Without a known minimum this is :func:`bot.engine.verdict.judge`'s verdict, with
    converged also held to the table's test |∇f| <= tol at the end. With one, converged
    means what the table measures: at the end f − f_min <= tol, or resting next to a
    known local minimum. A run that reached the tolerance and then left it again is
    bouncing around the minimum (oscillating); any other run that is neither is what
    judge says, except that it has not converged (nor stopped on unknown flat ground):
    it is short of the known minimum (the gradient can be small long before it, on
    Rosenbrock's flat valley floor, or where AdamW's decay balances it).
    """
    stopped: Stop = "steps" if run.stopped == "steps" else "escaped"
    judgement = judge(objective, run.path, run.values, stopped,
                      quadratic_unbounded=known.unbounded)
    verdict = judgement.verdict
    if known.f_min is None or verdict in ("diverged", "unbounded", "kink"):
        if verdict in ("converged", "slow") and judgement.gradient_norm > TOLERANCE:
            # reached |∇f| <= tol and left it again: bouncing around the minimum
            return ("oscillating" if run.steps_to_tol is not None else "slow"), False
        return verdict, False
    if run.values[-1] - known.f_min <= TOLERANCE:
        return "converged", False
    final = run.path[-1]
    if any(np.linalg.norm(final - np.asarray(m)) <= SETTLED_DISTANCE for m in known.local_minima):
        return "converged", True
    if run.steps_to_tol is not None or verdict == "oscillating":
        return "oscillating", False
    return ("slow" if verdict in ("converged", "flat") else verdict), False


def race_picture(objective: Objective, summary: OptSummary) -> RacePicture:
    """Sample the surface around every shown path (and the known minima) for drawing."""
    paths = [np.array(run.path) for run in summary.runs]
    shown = [path[: visible_prefix(path, run.verdict == "diverged")]
             for path, run in zip(paths, summary.runs)]
    minima = np.array(summary.known.minima, dtype=float).reshape(-1, objective.dimension)
    everything = np.vstack([*shown, minima])
    low, high = window(everything, (everything.min(axis=0) + everything.max(axis=0)) / 2)
    f_min = summary.known.f_min
    runs = tuple(
        RaceRun(
            colour=COLOURS[run.optimizer][1],
            points=_surface_points(objective, part),
            progress=np.array(run.values) - (f_min if f_min is not None else 0.0),
            reaches_end=len(part) == len(path),
        )
        for run, path, part in zip(summary.runs, paths, shown)
    )
    picture = RacePicture(runs=runs, minima=_surface_points(objective, minima),
                          log_progress=f_min is not None,
                          target=summary.tol if f_min is not None else None)
    if objective.dimension == 1:
        xs = np.linspace(low[0], high[0], CURVE_SAMPLES)
        return replace(picture, curve=(xs, objective.values(xs)))
    gx, gy = np.meshgrid(np.linspace(low[0], high[0], GRID_SAMPLES),
                         np.linspace(low[1], high[1], GRID_SAMPLES))
    return replace(picture, grid=(gx, gy, objective.values(gx, gy)))


def _surface_points(objective: Objective, points: np.ndarray) -> np.ndarray:
    """Where points sit on the surface panel: (x, y) in 2-D, (x, f(x)) on the curve."""
    if objective.dimension == 2:
        return points
    return np.column_stack([points[:, 0], objective.values(points[:, 0])])
