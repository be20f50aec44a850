"""Optimizer update rules that follow ``torch.optim`` exactly, in pure NumPy.

Every rule below is a line-by-line transcription of the algorithm box in the
PyTorch documentation of the matching ``torch.optim`` class (``maximize=False``,
``amsgrad=False``, ``centered=False``, RMSprop ``momentum=0``).  Notation of the
boxes: ``γ`` learning rate (``lr``), ``λ`` weight decay, ``μ`` momentum,
``τ`` dampening, ``β1, β2`` (``betas``), ``ε`` (``eps``), ``t`` the step count
(1 on the first call to :meth:`Optimizer.step`), ``g_t`` the gradient at
``θ_{t−1}``.

Names and the torch class each one stands for:

============  ===========================================================
``sgd``       ``SGD(lr=1e-3)``
``momentum``  ``SGD(lr=1e-3, momentum=0.9)``
``nesterov``  ``SGD(lr=1e-3, momentum=0.9, nesterov=True)``
``adagrad``   ``Adagrad()``   (lr=0.01, eps=1e-10)
``rmsprop``   ``RMSprop()``   (lr=0.01, alpha=0.99, eps=1e-8)
``adam``      ``Adam()``      (lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
``adamax``    ``Adamax()``    (lr=2e-3, betas=(0.9, 0.999), eps=1e-8)
``adamw``     ``AdamW()``     (lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
              weight_decay=0.01)
============  ===========================================================

The SGD learning rate was a required argument before torch 2.2; since then its
default is ``1e-3``, which is the value used here.

Weight decay: every optimizer but AdamW adds the L2 term to the gradient
(``g ← g + λθ``) before anything else; AdamW shrinks the parameters directly
(``θ ← θ − γλθ``) and keeps ``λθ`` out of its moment estimates.

The boxes are followed literally; torch's kernels compute a few lines in an
algebraically equal order (e.g. Adam's ``lr / (1 − β1^t)`` step size), so
results agree with torch up to floating-point rounding (~1e-16 relative).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from numbers import Real
from types import MappingProxyType
from typing import cast

import numpy as np

__all__ = [
    "OPTIMIZERS",
    "Optimizer",
    "OptimizerRun",
    "default_hyper",
    "make_optimizer",
    "run_optimizer",
]

OPTIMIZERS: tuple[str, ...] = (
    "sgd",
    "momentum",
    "nesterov",
    "adagrad",
    "rmsprop",
    "adam",
    "adamax",
    "adamw",
)

#: A run stops as soon as a coordinate of θ leaves [−DIVERGENCE_BOUND, DIVERGENCE_BOUND].
DIVERGENCE_BOUND = 1e8

State = dict[str, np.ndarray]


# ---------------------------------------------------------------------------
# Building blocks shared by several rules
# ---------------------------------------------------------------------------


def _l2_penalty(theta: np.ndarray, g: np.ndarray, weight_decay: float) -> np.ndarray:
    """Coupled weight decay (an L2 penalty folded into the gradient).

    Formula::

        if λ ≠ 0:  g_t ← g_t + λ θ_{t−1}
    """
    return g + weight_decay * theta if weight_decay != 0 else g


def _moving_average(state: State, key: str, x: np.ndarray, beta: float) -> np.ndarray:
    """Exponential moving average kept in ``state[key]`` (starts at 0).

    Formula::

        avg_t ← β avg_{t−1} + (1 − β) x_t,   avg_0 = 0
    """
    avg = beta * (state[key] if key in state else np.zeros_like(x)) + (1 - beta) * x
    state[key] = avg
    return avg


def _adam_step(
    theta: np.ndarray,
    g: np.ndarray,
    state: State,
    t: int,
    *,
    lr: float,
    betas: tuple[float, float],
    eps: float,
) -> np.ndarray:
    """The moment estimates and step shared by Adam and AdamW.

    Formula::

        m_t ← β1 m_{t−1} + (1 − β1) g_t          (first moment,  m_0 = 0)
        v_t ← β2 v_{t−1} + (1 − β2) g_t²         (second moment, v_0 = 0)
        m̂_t ← m_t / (1 − β1^t)                   (bias corrections)
        v̂_t ← v_t / (1 − β2^t)
        θ_t ← θ − γ m̂_t / (√v̂_t + ε)
    """
    beta1, beta2 = betas
    m = _moving_average(state, "exp_avg", g, beta1)
    v = _moving_average(state, "exp_avg_sq", g * g, beta2)
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps)


# ---------------------------------------------------------------------------
# One update rule per torch class
# ---------------------------------------------------------------------------


def sgd_update(
    theta: np.ndarray,
    g: np.ndarray,
    state: State,
    t: int,
    *,
    lr: float,
    momentum: float,
    dampening: float,
    weight_decay: float,
    nesterov: bool,
) -> np.ndarray:
    """``torch.optim.SGD`` (also behind "momentum" and "nesterov").

    Formula::

        if λ ≠ 0:  g_t ← g_t + λ θ_{t−1}
        if μ ≠ 0:
            b_t ← g_t                          if t = 1  (no dampening on step 1)
            b_t ← μ b_{t−1} + (1 − τ) g_t      if t > 1
            g_t ← g_t + μ b_t                  if nesterov
            g_t ← b_t                          otherwise
        θ_t ← θ_{t−1} − γ g_t
    """
    g = _l2_penalty(theta, g, weight_decay)
    if momentum != 0:
        b = g.copy() if t == 1 else momentum * state["momentum_buffer"] + (1 - dampening) * g
        state["momentum_buffer"] = b
        g = g + momentum * b if nesterov else b
    return theta - lr * g


def adagrad_update(
    theta: np.ndarray,
    g: np.ndarray,
    state: State,
    t: int,
    *,
    lr: float,
    lr_decay: float,
    weight_decay: float,
    initial_accumulator_value: float,
    eps: float,
) -> np.ndarray:
    """``torch.optim.Adagrad``.

    Formula::

        γ̃ ← γ / (1 + (t − 1) η)                   (η = lr_decay)
        if λ ≠ 0:  g_t ← g_t + λ θ_{t−1}
        state_sum_t ← state_sum_{t−1} + g_t²       (state_sum_0 = initial_accumulator_value)
        θ_t ← θ_{t−1} − γ̃ g_t / (√state_sum_t + ε)
    """
    clr = lr / (1 + (t - 1) * lr_decay)
    g = _l2_penalty(theta, g, weight_decay)
    state_sum = (state["sum"] if "sum" in state
                 else np.full_like(g, initial_accumulator_value)) + g * g
    state["sum"] = state_sum
    return theta - clr * g / (np.sqrt(state_sum) + eps)


def rmsprop_update(
    theta: np.ndarray,
    g: np.ndarray,
    state: State,
    t: int,
    *,
    lr: float,
    alpha: float,
    eps: float,
    weight_decay: float,
) -> np.ndarray:
    """``torch.optim.RMSprop`` (momentum=0, centered=False).

    Formula::

        if λ ≠ 0:  g_t ← g_t + λ θ_{t−1}
        v_t ← α v_{t−1} + (1 − α) g_t²             (square average, v_0 = 0)
        θ_t ← θ_{t−1} − γ g_t / (√v_t + ε)
    """
    g = _l2_penalty(theta, g, weight_decay)
    v = _moving_average(state, "square_avg", g * g, alpha)
    return theta - lr * g / (np.sqrt(v) + eps)


def adam_update(
    theta: np.ndarray,
    g: np.ndarray,
    state: State,
    t: int,
    *,
    lr: float,
    betas: tuple[float, float],
    eps: float,
    weight_decay: float,
) -> np.ndarray:
    """``torch.optim.Adam`` (amsgrad=False).

    Formula::

        if λ ≠ 0:  g_t ← g_t + λ θ_{t−1}           (decay enters the moments)
        m_t ← β1 m_{t−1} + (1 − β1) g_t
        v_t ← β2 v_{t−1} + (1 − β2) g_t²
        m̂_t ← m_t / (1 − β1^t),   v̂_t ← v_t / (1 − β2^t)
        θ_t ← θ_{t−1} − γ m̂_t / (√v̂_t + ε)
    """
    g = _l2_penalty(theta, g, weight_decay)
    return _adam_step(theta, g, state, t, lr=lr, betas=betas, eps=eps)


def adamw_update(
    theta: np.ndarray,
    g: np.ndarray,
    state: State,
    t: int,
    *,
    lr: float,
    betas: tuple[float, float],
    eps: float,
    weight_decay: float,
) -> np.ndarray:
    """``torch.optim.AdamW`` (amsgrad=False), decoupled weight decay.

    Formula::

        θ_t ← θ_{t−1} − γ λ θ_{t−1}                (shrink first; g_t is untouched)
        m_t ← β1 m_{t−1} + (1 − β1) g_t
        v_t ← β2 v_{t−1} + (1 − β2) g_t²
        m̂_t ← m_t / (1 − β1^t),   v̂_t ← v_t / (1 − β2^t)
        θ_t ← θ_t − γ m̂_t / (√v̂_t + ε)
    """
    theta = theta - lr * weight_decay * theta
    return _adam_step(theta, g, state, t, lr=lr, betas=betas, eps=eps)


def adamax_update(
    theta: np.ndarray,
    g: np.ndarray,
    state: State,
    t: int,
    *,
    lr: float,
    betas: tuple[float, float],
    eps: float,
    weight_decay: float,
) -> np.ndarray:
    """``torch.optim.Adamax`` (Adam with the infinity norm).

    Formula::

        if λ ≠ 0:  g_t ← g_t + λ θ_{t−1}
        m_t ← β1 m_{t−1} + (1 − β1) g_t
        u_t ← max(β2 u_{t−1}, |g_t| + ε)           (u_0 = 0)
        θ_t ← θ_{t−1} − (γ / (1 − β1^t)) m_t / u_t
    """
    beta1, beta2 = betas
    g = _l2_penalty(theta, g, weight_decay)
    m = _moving_average(state, "exp_avg", g, beta1)
    held = state["exp_inf"] if "exp_inf" in state else np.zeros_like(g)
    u = np.maximum(beta2 * held, np.abs(g) + eps)
    state["exp_inf"] = u
    return theta - (lr / (1 - beta1**t)) * m / u


# ---------------------------------------------------------------------------
# Registry, defaults and hyper-parameter checks
# ---------------------------------------------------------------------------

Rule = Callable[..., np.ndarray]


@dataclass(frozen=True)
class _Spec:
    """An optimizer name: its torch class, its update rule and its defaults."""

    torch_class: str
    rule: Rule
    defaults: Mapping[str, object]


def _spec(torch_class: str, rule: Rule, defaults: Mapping[str, object]) -> _Spec:
    return _Spec(torch_class, rule, MappingProxyType(dict(defaults)))


_SGD = {"lr": 1e-3, "momentum": 0.0, "dampening": 0.0, "weight_decay": 0.0, "nesterov": False}
_ADAM = {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0}

_SPECS: Mapping[str, _Spec] = MappingProxyType(
    {
        "sgd": _spec("SGD", sgd_update, _SGD),
        "momentum": _spec("SGD", sgd_update, {**_SGD, "momentum": 0.9}),
        "nesterov": _spec("SGD", sgd_update, {**_SGD, "momentum": 0.9, "nesterov": True}),
        "adagrad": _spec(
            "Adagrad",
            adagrad_update,
            {
                "lr": 0.01,
                "lr_decay": 0.0,
                "weight_decay": 0.0,
                "initial_accumulator_value": 0.0,
                "eps": 1e-10,
            },
        ),
        "rmsprop": _spec(
            "RMSprop",
            rmsprop_update,
            {"lr": 0.01, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0},
        ),
        "adam": _spec("Adam", adam_update, _ADAM),
        "adamax": _spec("Adamax", adamax_update, {**_ADAM, "lr": 2e-3}),
        "adamw": _spec("AdamW", adamw_update, {**_ADAM, "weight_decay": 0.01}),
    }
)


def _lookup(name: object) -> _Spec:
    if not isinstance(name, str) or name not in _SPECS:
        raise ValueError(f"Unknown optimizer {name!r}; expected one of: {', '.join(OPTIMIZERS)}.")
    return _SPECS[name]


def _finite_number(key: str, value: object) -> float:
    if isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    raise ValueError(f"{key} must be a finite real number, got {value!r}.")


def _non_negative(key: str, value: object) -> float:
    number = _finite_number(key, value)
    if number < 0:
        raise ValueError(f"{key} must be >= 0, got {number!r}.")
    return number


def _betas(key: str, value: object) -> tuple[float, float]:
    if not isinstance(value, (tuple, list, np.ndarray)) or len(value) != 2:
        raise ValueError(f"{key} must be a pair (beta1, beta2), got {value!r}.")
    pair = (_finite_number(f"{key}[0]", value[0]), _finite_number(f"{key}[1]", value[1]))
    for index, beta in enumerate(pair):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"{key}[{index}] must lie in [0, 1), got {beta!r}.")
    return pair


def _flag(key: str, value: object) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise ValueError(f"{key} must be True or False, got {value!r}.")


# The same ranges torch checks in each constructor, plus finiteness.
_CHECKS: Mapping[str, Callable[[str, object], object]] = MappingProxyType(
    {
        "lr": _non_negative,
        "momentum": _non_negative,
        "dampening": _finite_number,
        "weight_decay": _non_negative,
        "nesterov": _flag,
        "lr_decay": _non_negative,
        "initial_accumulator_value": _non_negative,
        "eps": _non_negative,
        "alpha": _non_negative,
        "betas": _betas,
    }
)


def _resolve_hyper(name: str, overrides: Mapping[str, object]) -> dict[str, object]:
    spec = _lookup(name)
    unknown = sorted(set(overrides) - set(spec.defaults))
    if unknown:
        raise ValueError(
            f"{name!r} ({spec.torch_class}) does not take {', '.join(unknown)}; "
            f"its hyper-parameters are: {', '.join(spec.defaults)}."
        )
    hyper = dict(spec.defaults)
    for key, value in overrides.items():
        hyper[key] = _CHECKS[key](key, value)
    if hyper.get("nesterov") and (cast(float, hyper["momentum"]) <= 0 or hyper["dampening"] != 0):
        raise ValueError("Nesterov momentum requires momentum > 0 and dampening = 0.")
    return hyper


def default_hyper(name: str) -> dict[str, object]:
    """The torch argument names and default values that apply to ``name``."""
    return dict(_lookup(name).defaults)


# ---------------------------------------------------------------------------
# Stateful optimizer and whole runs
# ---------------------------------------------------------------------------


def _vector(value: object, what: str) -> np.ndarray:
    array = np.asarray(value, dtype=float)
    if array.ndim != 1:
        raise ValueError(f"{what} must be a 1-D array, got shape {array.shape}.")
    return array


class Optimizer:
    """One optimizer with its own state (step count ``t`` and buffers); one per run.

    ``step(θ, g)`` applies one update of the torch rule and returns the new θ;
    the arrays passed in are never modified.
    """

    def __init__(self, name: str, **overrides: object) -> None:
        self._hyper = _resolve_hyper(name, overrides)
        self.name = name
        self.t = 0
        self.state: State = {}
        self._rule = _SPECS[name].rule
        self._size: int | None = None

    @property
    def hyper(self) -> dict[str, object]:
        """The hyper-parameters in use (torch argument names); a copy."""
        return dict(self._hyper)

    def step(self, params: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """Return θ_t from θ_{t−1} = ``params`` and g_t = ``grad`` (∇f at ``params``)."""
        theta = _vector(params, "params")
        g = _vector(grad, "grad")
        if g.shape != theta.shape:
            raise ValueError(f"grad has shape {g.shape} but params has shape {theta.shape}.")
        if self._size is None:
            self._size = theta.size
        elif theta.size != self._size:
            raise ValueError(
                f"this optimizer was started on {self._size} parameters, got {theta.size}."
            )
        self.t += 1
        return self._rule(theta, g, self.state, self.t, **self._hyper)

    def __repr__(self) -> str:
        return f"Optimizer({self.name!r}, t={self.t}, hyper={self._hyper!r})"


def make_optimizer(name: str, **overrides: object) -> Optimizer:
    """A fresh optimizer; ``overrides`` use torch's argument names (``lr=...``, ``betas=...``)."""
    return Optimizer(name, **overrides)


@dataclass(frozen=True, eq=False)
class OptimizerRun:
    """The result of :func:`run_optimizer`.

    ``path`` has shape (k+1, d) with x0 first and ``values[i] = f(path[i])``;
    both hold only accepted points (finite θ inside the divergence bound, finite f).
    ``stopped`` is "steps" when all steps ran, "nonfinite" when the run diverged.
    ``steps_to_tol`` is the first index k with f(path[k]) − f_min <= tol (or, without
    f_min, with ‖∇f(path[k])‖ <= tol), or None.
    """

    optimizer: str
    hyper: dict[str, object]
    path: np.ndarray
    values: np.ndarray
    stopped: str
    steps_to_tol: int | None


def _accepted(theta: np.ndarray) -> bool:
    """Finite and within the bound (NaN and ±inf fail the comparison); θ is not empty."""
    return bool(np.abs(theta).max() <= DIVERGENCE_BOUND)


def _first_at_most(series: Sequence[float], tol: float) -> int | None:
    return next((k for k, value in enumerate(series) if value <= tol), None)


def run_optimizer(
    name: str,
    f: Callable[[np.ndarray], float],
    grad: Callable[[np.ndarray], np.ndarray],
    x0: Sequence[float],
    steps: int,
    *,
    tol: float = 1e-3,
    f_min: float | None = None,
    **overrides: object,
) -> OptimizerRun:
    """Run ``steps`` updates of optimizer ``name`` on ``f`` from ``x0``.

    Stops early ("nonfinite") as soon as θ or f(θ) is not finite or a coordinate
    of θ exceeds ``DIVERGENCE_BOUND`` in size; that point is left out of the path.
    """
    optimizer = make_optimizer(name, **overrides)
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be a non-negative integer, got {steps!r}.")
    tol = _non_negative("tol", tol)
    if f_min is not None:
        f_min = _finite_number("f_min", f_min)
    theta = _vector(x0, "x0")
    if theta.size == 0 or not _accepted(theta):
        raise ValueError("x0 must be non-empty, finite and within the divergence bound.")
    value = float(f(theta))
    if not math.isfinite(value):
        raise ValueError(f"f(x0) must be finite, got {value!r}.")

    path, values, grad_norms = [theta], [value], []
    stopped = "steps"
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for _ in range(steps):
            g = np.asarray(grad(theta), dtype=float)
            if f_min is None:  # only then is the tolerance judged by the gradient
                grad_norms.append(float(np.linalg.norm(g)))
            theta = optimizer.step(theta, g)
            value = float(f(theta)) if _accepted(theta) else math.nan
            if not math.isfinite(value):
                stopped = "nonfinite"
                break
            path.append(theta)
            values.append(value)
        if f_min is not None:
            steps_to_tol = _first_at_most([v - f_min for v in values], tol)
        else:
            if len(grad_norms) < len(path):
                grad_norms.append(float(np.linalg.norm(np.asarray(grad(path[-1]), dtype=float))))
            steps_to_tol = _first_at_most(grad_norms, tol)

    path_array = np.array(path)
    values_array = np.array(values)
    path_array.flags.writeable = False
    values_array.flags.writeable = False
    return OptimizerRun(
        optimizer=name,
        hyper=optimizer.hyper,
        path=path_array,
        values=values_array,
        stopped=stopped,
        steps_to_tol=steps_to_tol,
    )
