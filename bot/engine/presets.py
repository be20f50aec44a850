"""Named test surfaces for the optimizer race, and the defaults of a race on any surface.

A preset is a function with a start point, a number of steps, a learning rate per
optimizer and its known minima. One learning rate rarely suits every optimizer (SGD's
step is ``lr·g`` while Adam's is about ``lr`` whatever the gradient), so each preset
carries rates picked per optimizer for that surface; ``lr=`` in a request overrides
them all. The known minimum value ``f_min`` turns "steps to reach a tolerance" into
"first step with f − f_min <= tol".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from bot.engine.objective import Objective

Point = tuple[float, ...]

#: A run has reached the minimum when f − f_min <= TOLERANCE (or, without a known
#: minimum, when |∇f| <= TOLERANCE).
TOLERANCE = 1e-3
#: A run that ends within this distance of a known local minimum has settled there.
SETTLED_DISTANCE = 0.1

#: Per-optimizer learning rates for a function that is not a preset: about what each
#: rule needs to cross a window of a few units in a hundred steps.
GENERIC_LRS: Mapping[str, float] = MappingProxyType(
    {
        "sgd": 0.05,
        "momentum": 0.01,
        "nesterov": 0.01,
        "adagrad": 0.5,
        "rmsprop": 0.05,
        "adam": 0.1,
        "adamax": 0.1,
        "adamw": 0.1,
    }
)
GENERIC_STEPS = 100


@dataclass(frozen=True)
class Preset:
    """A named surface: the function as /opt reads it, its race settings and minima."""

    name: str
    function: str
    x0: Point
    steps: int
    lrs: Mapping[str, float]
    minima: tuple[Point, ...]  # every global minimiser
    f_min: float
    local_minima: tuple[Point, ...] = ()


def _lrs(sgd: float, momentum: float, adagrad: float, rmsprop: float,
         adam: float, adamax: float) -> Mapping[str, float]:
    """Nesterov shares momentum's rate and AdamW shares Adam's, so that the picture
    shows what the rule changes, not what the rate changes."""
    return MappingProxyType({
        "sgd": sgd, "momentum": momentum, "nesterov": momentum, "adagrad": adagrad,
        "rmsprop": rmsprop, "adam": adam, "adamax": adamax, "adamw": adam,
    })


_PRESETS = (
    Preset(
        name="rosenbrock",
        function="(1-x)^2+100(y-x^2)^2",
        x0=(-1.2, 1.0),
        steps=1000,
        lrs=_lrs(sgd=0.002, momentum=0.001, adagrad=1.0, rmsprop=0.005, adam=0.1, adamax=0.2),
        minima=((1.0, 1.0),),
        f_min=0.0,
    ),
    Preset(
        name="beale",
        function="(1.5-x+xy)^2+(2.25-x+xy^2)^2+(2.625-x+xy^3)^2",
        x0=(1.0, 1.5),
        steps=400,
        lrs=_lrs(sgd=0.01, momentum=0.001, adagrad=1.0, rmsprop=0.03, adam=0.1, adamax=0.2),
        minima=((3.0, 0.5),),
        f_min=0.0,
    ),
    Preset(
        name="himmelblau",
        function="(x^2+y-11)^2+(x+y^2-7)^2",
        x0=(0.0, -1.0),
        steps=150,
        lrs=_lrs(sgd=0.01, momentum=0.002, adagrad=0.5, rmsprop=0.05, adam=0.2, adamax=0.3),
        # (3, 2) is exact; the other three are roots of a cubic system, to 16 digits.
        minima=(
            (3.0, 2.0),
            (-2.805118086952745, 3.131312518250573),
            (-3.779310253377747, -3.283185991286169),
            (3.584428340330492, -1.848126526964404),
        ),
        f_min=0.0,
    ),
    Preset(
        # A saddle at the origin (a minimum along x, a maximum along y) between the
        # two minima (0, ±1); the start sits almost on the ridge y = 0.
        name="saddle",
        function="x^2+0.25y^4-0.5y^2",
        x0=(1.5, 0.001),
        steps=100,
        lrs=_lrs(sgd=0.1, momentum=0.02, adagrad=0.3, rmsprop=0.02, adam=0.1, adamax=0.1),
        minima=((0.0, 1.0), (0.0, -1.0)),
        f_min=-0.25,
    ),
    Preset(
        # An ill-conditioned quadratic: curvatures 2 and 50 (condition number 25).
        name="ravine",
        function="x^2+25y^2",
        x0=(-4.0, 1.0),
        steps=100,
        lrs=_lrs(sgd=0.035, momentum=0.01, adagrad=1.0, rmsprop=0.05, adam=0.2, adamax=0.2),
        minima=((0.0, 0.0),),
        f_min=0.0,
    ),
    Preset(
        # f'(x) = 6x(2x + 3)(x − 1): the global minimum at −1.5 (f = −11.8125), a local
        # maximum at 0 and a shallower local minimum at 1 (f = −4) next to the start.
        name="bumpy",
        function="3x^4+2x^3-9x^2",
        x0=(1.8,),
        steps=100,
        lrs=_lrs(sgd=0.005, momentum=0.005, adagrad=0.5, rmsprop=0.05, adam=0.1, adamax=0.1),
        minima=((-1.5,),),
        f_min=-11.8125,
        local_minima=((1.0,),),
    ),
)

PRESETS: Mapping[str, Preset] = MappingProxyType({p.name: p for p in _PRESETS})


def quadratic_minimum(objective: Objective) -> tuple[Point, float] | None:
    """The minimiser and minimum of a quadratic with a positive definite Hessian, or None.

    f(x) = f(0) + ∇f(0)·x + ½ xᵀHx is smallest where Hx = −∇f(0).
    """
    hessian = objective.constant_hessian
    if hessian is None or np.linalg.eigvalsh(hessian).min() <= 0:
        return None
    origin = np.zeros(objective.dimension)
    point = np.linalg.solve(hessian, -objective.gradient(origin))
    value = objective.value(point)
    if not (np.all(np.isfinite(point)) and np.isfinite(value)):
        return None
    return tuple(float(v) for v in point), float(value)


def largest_curvature(objective: Objective) -> float | None:
    """λmax of the constant Hessian of a quadratic with a positive definite Hessian, else
    None (the Hessian varies, or some direction is flat or curves down).

    Gradient descent multiplies the error along the steepest eigenvector by 1 − lr·λmax
    each step: monotone below lr = 1/λmax, oscillating up to 2/λmax, diverging beyond.
    """
    hessian = objective.constant_hessian
    if hessian is None:
        return None
    eigenvalues = np.linalg.eigvalsh((hessian + hessian.T) / 2)
    return float(eigenvalues.max()) if eigenvalues.min() > 0 else None
