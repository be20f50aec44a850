"""The data of the backprop lab: its request, summary and result (plain, picklable), shared
by the lab job (:mod:`bot.labs.backprop`) and its wording (:mod:`bot.fa.backprop`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.engine.mlp import (
    ChainPath,
    Factor,
    Network,
    Trace,
    parse_param,
)

Vector = tuple[float, ...]


Matrix = tuple[Vector, ...]


@dataclass(frozen=True)
class BackpropRequest:
    """A complete /backprop request: every number is resolved (no seed left to draw)."""

    x: Vector
    y: Vector
    weights: tuple[Matrix, ...]  # per layer, row j = the weights into neuron j
    biases: tuple[Vector, ...]  # per layer, one per neuron
    activations: tuple[str, ...]
    loss: str
    lr: float
    wrt: str  # canonical parameter name, e.g. "w1_11"
    steps: int = 1

    @property
    def sizes(self) -> tuple[int, ...]:
        return (len(self.x), *(len(w) for w in self.weights))

    @property
    def key(self) -> str:
        numbers = repr((self.x, self.y, self.weights, self.biases))
        activations = ",".join(self.activations)
        return f"backprop|{activations}|{self.loss}|{self.lr!r}|{self.wrt}|{self.steps}|{numbers}"


class Overflow(ValueError):
    """The first forward or backward pass left the floating-point range."""


@dataclass(frozen=True)
class BackpropSummary:
    """What the working text, the pictures and ``try --json`` need."""

    trace: Trace  # the first step
    wrt: str
    gradient: float
    path_count: int
    paths: tuple[ChainPath, ...]  # empty when the delta recursion explains instead
    own_factors: tuple[Factor, ...]  # act' of the target's neuron and ∂In/∂θ (hidden target)
    losses: tuple[float, ...]  # loss before step 1 and after each step (steps > 1)
    steps: int
    diverged: bool  # a later step overflowed; ``losses`` stops before it

    @property
    def target(self) -> tuple[str, int, int, int | None]:
        """(kind, layer, j, i), 0-based: see :func:`bot.engine.mlp.parse_param`."""
        return parse_param(self.wrt, self.trace.network.sizes)

    def to_data(self) -> dict[str, object]:
        trace = self.trace
        data: dict[str, object] = {
            "x": trace.x.tolist(),
            "y": trace.y.tolist(),
            "sizes": list(trace.network.sizes),
            "activations": list(trace.network.activations),
            "loss_name": trace.loss_name,
            "lr": trace.lr,
            "params": _params(trace.network),
            "forward": [{"pre": t.pre.tolist(), "out": t.out.tolist()} for t in trace.layers],
            "loss": trace.loss,
            "grads": _named({"W": [t.grad_W for t in trace.layers],
                             "b": [t.grad_b for t in trace.layers]}),
            "updated": _params(trace.updated),
            "wrt": self.wrt,
            "gradient": self.gradient,
            "path_count": self.path_count,
            "method": "paths" if self.paths else "delta",
        }
        if self.steps > 1:
            data["steps"] = self.steps
            data["losses"] = list(self.losses)
            data["diverged"] = self.diverged
        return data


def _named(arrays: dict[str, list[np.ndarray]]) -> dict[str, object]:
    """{"W": [...], "b": [...]} per layer → {"W1": ..., "b1": ..., "W2": ...} as lists."""
    out: dict[str, object] = {}
    for layer in range(len(arrays["W"])):
        for kind in ("W", "b"):
            out[f"{kind}{layer + 1}"] = arrays[kind][layer].tolist()
    return out


def _params(network: Network) -> dict[str, object]:
    return _named({"W": list(network.weights), "b": list(network.biases)})


@dataclass(frozen=True)
class BackpropResult:
    summary: BackpropSummary
    network_png: bytes
    table_png: bytes
    losses_png: bytes | None
