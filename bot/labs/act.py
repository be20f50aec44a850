"""The activation lab job: an activation, its derivative's peak, and the product of
derivatives along a deep path (vanishing and exploding gradients)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bot.engine.activations import Peak, activation, chain_products, derivative_at, regime
from bot.fa import act as words
from bot.render.act import ActPicture, render_act

Z_RANGE = (-5.0, 5.0)
SAMPLES = 801  # an odd count puts z = 0 on the grid
#: A second operating point, a neuron a little away from the centre.
SIDE_Z = 2.0
#: How data and captions name a peak that is not a single point.
ARGMAX_NAMES = {"positive": "z>0", "nonnegative": "z>=0", "everywhere": "all z",
                "infinity": "z->+inf"}


@dataclass(frozen=True)
class ActRequest:
    name: str = "sigmoid"
    depth: int = 10
    w: float = 1.0

    @property
    def key(self) -> str:
        return f"act|{self.name}|{self.depth}|{self.w!r}"


@dataclass(frozen=True)
class ActSummary:
    """The numbers a caption and ``try --json`` need."""

    name: str
    max_derivative: float
    where: str  # Peak.where
    argmax: float  # the point, a representative z of the half-line, or +∞
    depth: int
    w: float
    factor: float  # w·max act'
    regime: str
    products: tuple[float, ...]
    side_z: float
    side_derivative: float
    side_products: tuple[float, ...]

    def to_data(self) -> dict[str, object]:
        return {
            "name": self.name,
            "max_derivative": self.max_derivative,
            "argmax": self.argmax if self.where == "point" else ARGMAX_NAMES[self.where],
            "depth": self.depth,
            "w": self.w,
            "factor": self.factor,
            "regime": self.regime,
            "products": list(self.products),
            "side": {"z": self.side_z, "derivative": self.side_derivative,
                     "products": list(self.side_products)},
        }


@dataclass(frozen=True)
class ActResult:
    summary: ActSummary
    png: bytes


def run_act(request: ActRequest) -> ActResult:
    """Compute the peak and the chain products, then draw; raises ActivationError."""
    act = activation(request.name)
    factor = request.w * act.peak.value
    side_derivative = derivative_at(request.name, SIDE_Z)
    kind = regime(factor)
    if act.peak.where == "infinity" and kind == "steady":
        kind = "vanishing"  # the supremum is never reached: every real factor is below 1
    best = chain_products(factor, request.depth)
    side = chain_products(request.w * side_derivative, request.depth)
    summary = ActSummary(
        name=request.name,
        max_derivative=act.peak.value,
        where=act.peak.where,
        argmax=act.peak.at,
        depth=request.depth,
        w=request.w,
        factor=factor,
        regime=kind,
        products=tuple(float(p) for p in best),
        side_z=SIDE_Z,
        side_derivative=side_derivative,
        side_products=tuple(float(p) for p in side),
    )
    z = np.linspace(*Z_RANGE, SAMPLES)
    picture = ActPicture(z=z, values=act.value(z), derivatives=act.derivative(z),
                         peak_value=act.peak.value, peak_span=_span(act.peak), best=best,
                         side=side)
    return ActResult(summary=summary, png=render_act(picture, words.picture_labels(summary)))


def _span(peak: Peak) -> tuple[float, float] | None:
    """The drawn stretch of z where act' is at its peak."""
    if peak.where == "point":
        return (peak.at, peak.at)
    if peak.where == "everywhere":
        return Z_RANGE
    if peak.where == "infinity" or not math.isfinite(peak.at):
        return None
    return (0.0, Z_RANGE[1])
