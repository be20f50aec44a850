"""The backprop lab job: a network and one sample in; the worked step and pictures out.

Runs inside a render worker (see :mod:`bot.runner`): forward pass, loss, every
gradient, the chain-rule paths of the chosen parameter, the SGD update, optionally more
steps on the same sample, and the drawings. Everything it returns pickles.
"""

from __future__ import annotations

import numpy as np

from bot.engine.mlp import (
    Network,
    Trace,
    backprop,
    chain_paths,
    count_paths,
    make_network,
    param_gradient,
    parse_param,
)
from bot.fa import backprop as words
from bot.labdata.backprop import BackpropRequest, BackpropResult, BackpropSummary, Overflow
from bot.render.network import Highlight, render_losses, render_network, render_table

#: Beyond this many chain paths the working uses the layer-by-layer delta recursion.
MAX_LISTED_PATHS = 8


def run_backprop(request: BackpropRequest) -> BackpropResult:
    """Compute and draw; raises :class:`Overflow` when the numbers blow up."""
    network = make_network(request.weights, request.biases, request.activations)
    try:
        trace = _step(network, request)
    except ValueError as error:
        raise Overflow() from error
    summary = _summary(trace, request)
    png = render_network(network.sizes, _highlight(summary), words.network_labels(summary))
    table = render_table(words.table(summary))
    curve = render_losses(summary.losses, words.curve_labels(summary)) if request.steps > 1 else None
    return BackpropResult(summary, png, table, curve)


def _summary(trace: Trace, request: BackpropRequest) -> BackpropSummary:
    sizes = trace.network.sizes
    _, layer, _, _ = parse_param(request.wrt, sizes)
    count = count_paths(sizes, layer, full_jacobian=_full_jacobian(trace))
    paths = chain_paths(trace, request.wrt)
    own = paths[0].factors[-2:] if layer < len(sizes) - 2 else ()
    losses, diverged = _losses(trace, request) if request.steps > 1 else ((), False)
    return BackpropSummary(
        trace=trace,
        wrt=request.wrt,
        gradient=param_gradient(trace, request.wrt),
        path_count=count,
        paths=paths if count <= MAX_LISTED_PATHS else (),
        own_factors=own,
        losses=losses,
        steps=request.steps,
        diverged=diverged,
    )


def _step(network: Network, request: BackpropRequest) -> Trace:
    """One backprop step; numbers that overflow raise ValueError (the engine checks), so
    numpy's own overflow warnings are silenced: a blow-up is an outcome to report."""
    with np.errstate(all="ignore"):
        return backprop(network, request.x, request.y, request.loss, request.lr)


def _losses(first: Trace, request: BackpropRequest) -> tuple[tuple[float, ...], bool]:
    """The loss before step 1 and after each of ``steps`` SGD steps on the same sample;
    a step whose numbers overflow ends the list (the run diverged)."""
    losses, network = [first.loss], first.updated
    for _ in range(request.steps):
        try:
            trace = _step(network, request)
        except ValueError:
            return tuple(losses), True
        losses.append(trace.loss)
        network = trace.updated
    return tuple(losses), False


def _full_jacobian(trace: Trace) -> bool:
    """A softmax output without cross-entropy: every output depends on every output
    pre-activation, so each ŷk adds its own path (with ce the two factors merge)."""
    return trace.network.activations[-1] == "softmax" and trace.loss_name != "ce"


def _highlight(summary: BackpropSummary) -> Highlight:
    """The target parameter and everything downstream of its neuron: every later edge
    lies on one of its chain paths."""
    kind, layer, j, i = summary.target
    sizes = summary.trace.network.sizes
    last = len(sizes) - 2
    edges = {(layer + 1, k, j) for k in range(sizes[layer + 2])} if layer < last else set()
    for later in range(layer + 2, last + 1):
        edges |= {(later, k, n) for k in range(sizes[later + 1]) for n in range(sizes[later])}
    nodes = {(layer + 1, j)} | {(c, n) for c in range(layer + 2, last + 2) for n in range(sizes[c])}
    if layer == last and _full_jacobian(summary.trace):
        nodes |= {(last + 1, n) for n in range(sizes[-1])}
    if kind == "W":
        assert i is not None  # a weight names its input neuron
        nodes.add((layer, i))
        return Highlight(frozenset(edges), frozenset(nodes), (layer, j, i), None)
    return Highlight(frozenset(edges), frozenset(nodes), None, (layer + 1, j))
