"""Activation functions, their exact derivatives, where each derivative peaks, and the
product of derivatives along a deep path (vanishing and exploding gradients).

The formulas are PyTorch's defaults: GELU in its exact erf form, ELU with α = 1,
softplus with β = 1, leaky ReLU with slope 0.01. At a kink (z = 0 of ReLU and leaky
ReLU) the derivative is the one autograd uses there: the branch for z ≤ 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

Array = np.ndarray
LEAKY_SLOPE = 0.01
ELU_ALPHA = 1.0
SOFTPLUS_BETA = 1.0
MAX_DEPTH = 50
#: Products this close to 1 count as neither vanishing nor exploding.
STEADY_TOLERANCE = 1e-12

#: Where act'(z) reaches its largest value: one point, the half-line z > 0 or z ≥ 0,
#: every z, or nowhere (approached as z → +∞, softplus).
Where = Literal["point", "positive", "nonnegative", "everywhere", "infinity"]
Regime = Literal["vanishing", "steady", "exploding"]

_erf = np.vectorize(math.erf, otypes=[float])


class ActivationError(ValueError):
    """An activation name outside :data:`NAMES`."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.code = "unknown_activation"
        self.name = name


@dataclass(frozen=True)
class Peak:
    """The largest value of act'(z) (its supremum for softplus) and where it occurs.

    ``at`` is the point for ``where == "point"``, a representative z of the half-line or
    line otherwise, and +∞ for softplus."""

    value: float
    where: Where
    at: float


@dataclass(frozen=True)
class Activation:
    name: str
    value: Callable[[Array], Array]
    derivative: Callable[[Array], Array]
    peak: Peak


def _sigmoid(z: Array) -> Array:
    return np.exp(-np.logaddexp(0.0, -z))  # 1/(1+e^-z) without overflow


def _normal_pdf(z: Array) -> Array:
    return np.exp(-z * z / 2) / math.sqrt(2 * math.pi)


def _normal_cdf(z: Array) -> Array:
    return 0.5 * (1.0 + _erf(z / math.sqrt(2)))


def _elu(z: Array) -> Array:
    return np.where(z > 0, z, ELU_ALPHA * np.expm1(np.minimum(z, 0.0)))


def _gelu_derivative(z: Array) -> Array:
    return _normal_cdf(z) + z * _normal_pdf(z)


#: GELU'(z) = Φ(z) + zφ(z) peaks where its own derivative φ(z)(2 − z²) vanishes: z = √2.
_GELU_ARGMAX = math.sqrt(2.0)

ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("sigmoid", _sigmoid, lambda z: _sigmoid(z) * (1 - _sigmoid(z)),
                   Peak(0.25, "point", 0.0)),
        Activation("tanh", np.tanh, lambda z: 1 - np.tanh(z) ** 2, Peak(1.0, "point", 0.0)),
        Activation("relu", lambda z: np.maximum(z, 0.0), lambda z: np.where(z > 0, 1.0, 0.0),
                   Peak(1.0, "positive", 1.0)),
        Activation("leaky_relu", lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
                   lambda z: np.where(z > 0, 1.0, LEAKY_SLOPE), Peak(1.0, "positive", 1.0)),
        Activation("elu", _elu,
                   lambda z: np.where(z > 0, 1.0, ELU_ALPHA * np.exp(np.minimum(z, 0.0))),
                   Peak(ELU_ALPHA, "nonnegative", 0.0)),
        Activation("softplus", lambda z: np.logaddexp(0.0, SOFTPLUS_BETA * z) / SOFTPLUS_BETA,
                   lambda z: _sigmoid(SOFTPLUS_BETA * z), Peak(1.0, "infinity", math.inf)),
        Activation("gelu", lambda z: z * _normal_cdf(z), _gelu_derivative,
                   Peak(float(_gelu_derivative(np.array(_GELU_ARGMAX))), "point", _GELU_ARGMAX)),
        Activation("linear", lambda z: np.asarray(z, dtype=float) * 1.0,
                   lambda z: np.ones_like(np.asarray(z, dtype=float)), Peak(1.0, "everywhere", 0.0)),
    )
}
NAMES = tuple(ACTIVATIONS)


def activation(name: str) -> Activation:
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ActivationError(name) from None


def derivative_at(name: str, z: float) -> float:
    return float(activation(name).derivative(np.array([z], dtype=float))[0])


def chain_products(factor: float, depth: int) -> Array:
    """∂a_N/∂a_0 along a path of identical layers a_k = act(w·a_{k−1}), each contributing
    one factor w·act'(z): the running products factor¹, factor², …, factor^depth."""
    return np.cumprod(np.full(depth, float(factor)))


@dataclass(frozen=True)
class ForwardChain:
    """A real forward pass through identical one-neuron layers a_k = act(w·a_{k−1}) from
    a_0: the pre-activations z_k = w·a_{k−1} and the running products of the factors
    w·act'(z_k), which are ∂a_k/∂a_0 by the chain rule."""

    z: Array
    products: Array


def forward_chain(name: str, w: float, depth: int, a0: float) -> ForwardChain:
    """Unlike :func:`chain_products`, each layer's derivative is taken where that layer
    really operates: a saturating activation (tanh, sigmoid) pushes z away from its peak,
    so a weight that would explode the best case can still make the gradient vanish."""
    act = activation(name)
    z = np.empty(depth)
    a = float(a0)
    for k in range(depth):
        z[k] = w * a
        a = float(act.value(np.array([z[k]]))[0])
    return ForwardChain(z=z, products=np.cumprod(w * act.derivative(z)))


def growth_regime(products: Array) -> Regime:
    """The regime of a whole path: its mean factor per layer, |P_N|^(1/N), against 1."""
    last = abs(float(products[-1]))
    if last == 0.0:
        return "vanishing"
    return regime(last ** (1.0 / len(products)))


def regime(factor: float) -> Regime:
    """A per-layer factor below 1 shrinks the gradient layer after layer, above 1 grows it."""
    if abs(abs(factor) - 1.0) <= STEADY_TOLERANCE:
        return "steady"
    return "vanishing" if abs(factor) < 1 else "exploding"
