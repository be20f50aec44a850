"""The activation lab job: an activation, its derivative's peak, and the product of
derivatives along a deep path (vanishing and exploding gradients)."""

from __future__ import annotations

import math

import numpy as np

from bot.engine.activations import (
    Peak,
    activation,
    chain_products,
    derivative_at,
    forward_chain,
    growth_regime,
    regime,
)
from bot.fa import act as words
from bot.labdata.act import ActRequest, ActResult, ActSummary
from bot.render.act import ActPicture, render_act

Z_RANGE = (-5.0, 5.0)
SAMPLES = 801  # an odd count puts z = 0 on the grid
#: A second operating point, a neuron a little away from the centre.
SIDE_Z = 2.0


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
    forward = forward_chain(request.name, request.w, request.depth, request.a0)
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
        a0=request.a0,
        forward_z=tuple(float(v) for v in forward.z),
        forward_products=tuple(float(p) for p in forward.products),
        forward_regime=growth_regime(forward.products),
    )
    z = np.linspace(*Z_RANGE, SAMPLES)
    picture = ActPicture(z=z, values=act.value(z), derivatives=act.derivative(z),
                         peak_value=act.peak.value, peak_span=_span(act.peak), best=best,
                         side=side, forward=forward.products)
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
