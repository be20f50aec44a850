"""A small fully-connected network with a complete backprop trace, for one sample.

Conventions: layer ℓ has a weight matrix ``W`` of shape ``(n_out, n_in)`` whose row ``j``
holds the weights *into* neuron ``j``, so ``z = W @ a_prev + b`` and ``a = act(z)``.
Parameter names are 1-based: ``w1_21`` is the weight from input 1 into neuron 2 of
layer 1 and ``b2_1`` the bias of neuron 1 of layer 2; Python tuples are 0-based.

Every invalid shape, name or value raises :class:`ValueError` with an English message
the caller translates. Arrays handed out (networks and traces) are read-only.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise, product
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from bot.engine.activations import activation

Array = NDArray[np.float64]

ACTIVATIONS = ("relu", "sigmoid", "tanh", "linear", "leaky_relu", "softmax")
LOSSES = ("mse", "half_sse", "bce", "ce")
#: Losses that only make sense on one output activation.
REQUIRED_OUTPUT = {"bce": "sigmoid", "ce": "softmax"}


# --- activations -------------------------------------------------------------------------


def _softmax(z: Array) -> Array:
    e = np.exp(z - z.max())
    return e / e.sum()


def _softmax_jacobian(s: Array) -> Array:
    """∂s_k/∂z_q = s_k(δ_kq − s_q); the matrix is symmetric."""
    return np.diag(s) - np.outer(s, s)


def _activate(name: str, z: Array) -> Array:
    """act(z); the elementwise activations are the ones /act draws."""
    return _softmax(z) if name == "softmax" else activation(name).value(z)


def _activation_derivative(name: str, z: Array, a: Array) -> Array:
    """Elementwise act'(z); for softmax the Jacobian's diagonal a(1 − a)."""
    return a * (1.0 - a) if name == "softmax" else activation(name).derivative(z)


# --- validation helpers --------------------------------------------------------------------


def _frozen(values: ArrayLike) -> Array:
    arr = np.array(values, dtype=float)
    arr.flags.writeable = False
    return arr


def _float_array(values: ArrayLike, name: str) -> Array:
    try:
        arr = np.array(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numbers in a regular shape ({exc})") from exc
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains non-finite values (nan or inf)")
    return arr


def _vector(values: ArrayLike, size: int, name: str) -> Array:
    arr = _float_array(values, name)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.shape != (size,):
        raise ValueError(f"{name} must hold {size} values, got shape {arr.shape}")
    arr.flags.writeable = False
    return arr


def _check_sizes(sizes: Sequence[int]) -> tuple[int, ...]:
    message = f"sizes must be at least two positive integers, got {sizes!r}"
    try:
        out = tuple(int(n) for n in sizes)
    except (TypeError, ValueError) as exc:
        raise ValueError(message) from exc
    if len(out) < 2 or any(n < 1 for n in out) or out != tuple(sizes):
        raise ValueError(message)
    return out


def _check_activations(activations: tuple[str, ...]) -> None:
    for layer, name in enumerate(activations, 1):
        if name not in ACTIVATIONS:
            raise ValueError(
                f"unknown activation {name!r} in layer {layer}; use one of {ACTIVATIONS}"
            )
        if name == "softmax" and layer != len(activations):
            raise ValueError(f"softmax is only allowed on the output layer, not layer {layer}")


def _check_loss(loss_name: str, output_activation: str | None = None) -> None:
    if loss_name not in LOSSES:
        raise ValueError(f"unknown loss {loss_name!r}; use one of {LOSSES}")
    required = REQUIRED_OUTPUT.get(loss_name)
    if output_activation is not None and required not in (None, output_activation):
        raise ValueError(
            f"loss {loss_name!r} needs a {required} output layer, not {output_activation!r}"
        )


def _check_lr(lr: float) -> float:
    message = f"the learning rate must be a finite number >= 0, got {lr!r}"
    try:
        value = float(lr)
    except (TypeError, ValueError) as exc:
        raise ValueError(message) from exc
    if not math.isfinite(value) or value < 0:
        raise ValueError(message)
    return value


# --- network -------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Network:
    """Weights, biases and activation names per layer; build it with :func:`make_network`."""

    weights: tuple[Array, ...]  # W per layer, shape (n_out, n_in)
    biases: tuple[Array, ...]  # b per layer, shape (n_out,)
    activations: tuple[str, ...]  # one per layer

    def __post_init__(self) -> None:
        if not self.weights or not len(self.weights) == len(self.biases) == len(self.activations):
            raise ValueError(
                "a network needs one weight matrix, bias vector and activation per layer"
            )
        if not all(isinstance(a, np.ndarray) for a in (*self.weights, *self.biases)):
            raise ValueError("weights and biases must be numpy arrays; build with make_network")
        _check_activations(self.activations)
        n_in = self.weights[0].shape[-1]
        for layer, (w, b) in enumerate(zip(self.weights, self.biases), 1):
            if w.ndim != 2 or w.shape[1] != n_in or b.shape != (w.shape[0],):
                raise ValueError(f"layer {layer}: W must be (n_out, {n_in}) and b (n_out,)")
            if not (np.all(np.isfinite(w)) and np.all(np.isfinite(b))):
                raise ValueError(f"layer {layer} contains non-finite weights or biases")
            n_in = w.shape[0]

    @property
    def sizes(self) -> tuple[int, ...]:
        """(n_in, n_hidden..., n_out)."""
        return (self.weights[0].shape[1], *(w.shape[0] for w in self.weights))


def _matrix(values: ArrayLike, layer: int) -> Array:
    arr = _float_array(values, f"W{layer}")
    if arr.ndim != 2 or 0 in arr.shape:
        raise ValueError(
            f"W{layer} must be a non-empty (n_out, n_in) matrix, got shape {arr.shape}"
        )
    return _frozen(arr)


def _bias(values: ArrayLike, n_out: int, layer: int) -> Array:
    arr = _float_array(values, f"b{layer}")
    if arr.size == 1:
        return _frozen(np.full(n_out, arr.item()))
    if arr.shape != (n_out,):
        raise ValueError(f"b{layer} must be one value or {n_out} values, got shape {arr.shape}")
    return _frozen(arr)


def make_network(
    weights: Sequence[ArrayLike], biases: Sequence[ArrayLike], activations: Sequence[str]
) -> Network:
    """Validate and convert to float arrays; a scalar or 1-element bias fills its layer."""
    if isinstance(activations, str):
        raise ValueError("activations must be a sequence of names, one per layer")  # noqa: TRY004
    mats = tuple(_matrix(w, layer) for layer, w in enumerate(weights, 1))
    if len(biases) != len(mats):
        raise ValueError(f"got {len(mats)} weight matrices but {len(biases)} biases")
    vecs = tuple(_bias(b, w.shape[0], layer) for layer, (b, w) in enumerate(zip(biases, mats), 1))
    return Network(mats, vecs, tuple(activations))


def random_network(sizes: Sequence[int], activations: Sequence[str], seed: int) -> Network:
    """Weights and biases uniform in [-1, 1], rounded to 2 decimals; deterministic in seed."""
    dims = _check_sizes(sizes)
    if len(activations) != len(dims) - 1:
        raise ValueError(f"sizes {dims} need {len(dims) - 1} activations, got {len(activations)}")
    rng = np.random.default_rng(seed)
    weights, biases = [], []
    for n_in, n_out in pairwise(dims):
        weights.append(np.round(rng.uniform(-1.0, 1.0, (n_out, n_in)), 2))
        biases.append(np.round(rng.uniform(-1.0, 1.0, n_out), 2))
    return make_network(weights, biases, activations)


# --- losses --------------------------------------------------------------------------------


def _bce(y: Array, log_p: Array, log_q: Array) -> float:
    return -float(np.mean(y * log_p + (1.0 - y) * log_q))


def _ce(y: Array, log_p: Array) -> float:
    return -float(np.sum(y * log_p))


def loss_value(loss_name: str, y: ArrayLike, y_hat: ArrayLike) -> float:
    """The loss of a prediction y_hat against target y (one sample, m outputs)."""
    _check_loss(loss_name)
    y_arr = _float_array(y, "y").reshape(-1)
    y_hat_arr = _vector(y_hat, y_arr.size, "y_hat")
    if loss_name == "mse":
        return float(np.mean((y_arr - y_hat_arr) ** 2))
    if loss_name == "half_sse":
        return 0.5 * float(np.sum((y_arr - y_hat_arr) ** 2))
    if loss_name == "bce":
        if not np.all((y_hat_arr > 0) & (y_hat_arr < 1)):
            raise ValueError("bce needs every prediction strictly between 0 and 1")
        return _bce(y_arr, np.log(y_hat_arr), np.log1p(-y_hat_arr))
    if not np.all(y_hat_arr > 0):
        raise ValueError("ce needs every prediction to be positive")
    return _ce(y_arr, np.log(y_hat_arr))


def _loss_from_logits(loss_name: str, y: Array, y_hat: Array, z: Array) -> float:
    """The loss, with log-losses computed from the output pre-activation z (stable)."""
    if loss_name == "bce":
        return _bce(y, -np.logaddexp(0.0, -z), -np.logaddexp(0.0, z))
    if loss_name == "ce":
        return _ce(y, z - (z.max() + np.log(np.sum(np.exp(z - z.max())))))
    return loss_value(loss_name, y, y_hat)


def _dloss_dout(loss_name: str, y: Array, y_hat: Array) -> Array:
    """∂L/∂ŷ (may be infinite where a log-loss prediction saturates)."""
    m = y.size
    if loss_name == "mse":
        return (2.0 / m) * (y_hat - y)
    if loss_name == "half_sse":
        return y_hat - y
    with np.errstate(divide="ignore", invalid="ignore"):
        if loss_name == "bce":
            return (y_hat - y) / (m * y_hat * (1.0 - y_hat))
        return np.where(y != 0, -y / y_hat, 0.0)


def _output_delta(
    loss_name: str, activation: str, y: Array, y_hat: Array, act_grad: Array, dloss: Array
) -> Array:
    """∂L/∂z of the output layer; the log-losses use their exact simplified forms."""
    if loss_name == "ce":  # softmax: ∂L/∂z_q = ŷ_q·Σy − y_q
        return y_hat * y.sum() - y
    if loss_name == "bce":  # sigmoid
        return (y_hat - y) / y.size
    if activation == "softmax":
        return _softmax_jacobian(y_hat) @ dloss
    return act_grad * dloss


# --- backprop ------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class LayerTrace:
    """Everything about one layer during one forward and backward pass."""

    pre: Array  # z
    out: Array  # a = act(z)
    act_grad: Array  # elementwise act'(z); for softmax the diagonal ŷ(1−ŷ)
    delta: Array  # ∂L/∂z
    grad_W: Array  # ∂L/∂W, same shape as W
    grad_b: Array  # ∂L/∂b


@dataclass(frozen=True, eq=False)
class Trace:
    """One sample through the network: forward values, gradients and the SGD step."""

    x: Array
    y: Array
    network: Network
    loss_name: str
    lr: float
    layers: tuple[LayerTrace, ...]
    loss: float
    dloss_dout: Array  # ∂L/∂ŷ
    updated: Network  # after one SGD step

    @property
    def y_hat(self) -> Array:
        """The network's output ŷ."""
        return self.layers[-1].out


def _forward(network: Network, x: Array) -> tuple[list[Array], list[Array]]:
    pres, outs, a = [], [], x
    for w, b, act in zip(network.weights, network.biases, network.activations):
        z = w @ a + b
        a = _activate(act, z)
        pres.append(z)
        outs.append(a)
    return pres, outs


def _deltas(network: Network, output_delta: Array, act_grads: list[Array]) -> list[Array]:
    deltas = [output_delta]
    for w_next, grad in zip(network.weights[:0:-1], act_grads[-2::-1]):
        deltas.append((w_next.T @ deltas[-1]) * grad)
    return deltas[::-1]


def backprop(network: Network, x: ArrayLike, y: ArrayLike, loss_name: str, lr: float) -> Trace:
    """Forward pass, loss, every gradient and one SGD step (W − lr·∂L/∂W, b − lr·∂L/∂b)."""
    sizes = network.sizes
    x_arr, y_arr = _vector(x, sizes[0], "x"), _vector(y, sizes[-1], "y")
    _check_loss(loss_name, network.activations[-1])
    rate = _check_lr(lr)
    pres, outs = _forward(network, x_arr)
    act_grads = [_activation_derivative(act, z, a) for act, z, a in zip(network.activations, pres, outs)]
    y_hat = outs[-1]
    dloss = _dloss_dout(loss_name, y_arr, y_hat)
    out_delta = _output_delta(
        loss_name, network.activations[-1], y_arr, y_hat, act_grads[-1], dloss
    )
    deltas = _deltas(network, out_delta, act_grads)
    inputs = [x_arr, *outs[:-1]]
    grads_w = [np.outer(d, a_in) for d, a_in in zip(deltas, inputs)]
    loss = _loss_from_logits(loss_name, y_arr, y_hat, pres[-1])
    if not (math.isfinite(loss) and all(np.all(np.isfinite(g)) for g in grads_w)):
        raise ValueError("the loss or a gradient overflowed; use smaller weights or learning rate")
    layers = tuple(
        LayerTrace(_frozen(z), _frozen(a), _frozen(g), _frozen(d), _frozen(gw), _frozen(d))
        for z, a, g, d, gw in zip(pres, outs, act_grads, deltas, grads_w)
    )
    updated = Network(
        tuple(_frozen(w - rate * t.grad_W) for w, t in zip(network.weights, layers)),
        tuple(_frozen(b - rate * t.grad_b) for b, t in zip(network.biases, layers)),
        network.activations,
    )
    return Trace(x_arr, y_arr, network, loss_name, rate, layers, loss, _frozen(dloss), updated)


def train(
    network: Network, x: ArrayLike, y: ArrayLike, loss_name: str, lr: float, steps: int
) -> list[Trace]:
    """``steps`` consecutive SGD updates on one sample; trace k holds the loss before update k."""
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be a non-negative integer, got {steps!r}")
    traces = []
    for _ in range(steps):
        traces.append(backprop(network, x, y, loss_name, lr))
        network = traces[-1].updated
    return traces


# --- parameters and chain-rule paths -------------------------------------------------------

_PARAM = re.compile(r"([wb])(\d+)_(\d+)")


def parse_param(param: str, sizes: Sequence[int]) -> tuple[str, int, int, int | None]:
    """``"w2_12"`` → ``("W", 1, 0, 1)``; ``"b1_2"`` → ``("b", 0, 1, None)`` (0-based)."""
    dims = _check_sizes(sizes)
    match = _PARAM.fullmatch(param.strip().lower()) if isinstance(param, str) else None
    if match is None:
        raise ValueError(f"unknown parameter {param!r}; expected a name like 'w1_21' or 'b2_1'")
    kind, layer_text, index = match.groups()
    layer = int(layer_text)
    if not 1 <= layer < len(dims):
        raise ValueError(f"{param!r}: the network has layers 1 to {len(dims) - 1}")
    if kind == "w" and len(index) != 2:
        raise ValueError(f"{param!r}: a weight takes two one-digit indices, e.g. 'w{layer}_21'")
    j = int(index[0] if kind == "w" else index)
    if not 1 <= j <= dims[layer]:
        raise ValueError(f"{param!r}: layer {layer} has neurons 1 to {dims[layer]}")
    if kind == "b":
        return "b", layer - 1, j - 1, None
    i = int(index[1])
    if not 1 <= i <= dims[layer - 1]:
        raise ValueError(f"{param!r}: layer {layer} has inputs 1 to {dims[layer - 1]}")
    return "W", layer - 1, j - 1, i - 1


def param_gradient(trace: Trace, param: str) -> float:
    """∂L/∂(param) from the trace."""
    _, layer, j, i = parse_param(param, trace.network.sizes)
    grads = trace.layers[layer]
    return float(grads.grad_b[j] if i is None else grads.grad_W[j, i])


def count_paths(sizes: Sequence[int], layer: int, *, full_jacobian: bool = False) -> int:
    """Chain-rule paths from the loss to one parameter of ``layer`` (0-based): one per route
    through the later layers; ``full_jacobian`` (softmax output without ce) adds a choice of
    ŷ_k for every output pre-activation."""
    dims = _check_sizes(sizes)
    if not 0 <= layer < len(dims) - 1:
        raise ValueError(f"layer must be between 0 and {len(dims) - 2}, got {layer}")
    return math.prod(dims[layer + 2 :]) * (dims[-1] if full_jacobian else 1)


FactorKind = Literal["loss", "merged", "softmax", "activation", "link", "param"]


@dataclass(frozen=True)
class Factor:
    """One partial derivative in a chain-rule product, as data (0-based indices; the
    wording layer names and explains it). By ``kind``:

    - ``loss``: ∂L/∂ŷ_neuron.
    - ``merged``: ∂L/∂z_neuron of the output layer (softmax with cross-entropy).
    - ``softmax``: ∂ŷ_neuron/∂z_source, one entry of the softmax Jacobian.
    - ``activation``: ∂a_neuron/∂z_neuron of ``layer``, the activation's derivative.
    - ``link``: ∂z_neuron of ``layer``/∂a_source of the layer below: the weight between.
    - ``param``: ∂z_neuron of ``layer``/∂W[neuron, source] (the input a_source), or
      ∂z_neuron/∂b_neuron (1) when ``source`` is None.
    """

    kind: FactorKind
    layer: int
    neuron: int
    value: float
    source: int | None = None


@dataclass(frozen=True)
class ChainPath:
    """One route from the loss to a parameter: the product of its factors."""

    factors: tuple[Factor, ...]

    @property
    def value(self) -> float:
        """The product of the factors."""
        return math.prod(f.value for f in self.factors)


def _activation_factor(trace: Trace, layer: int, n: int) -> Factor:
    """∂a_n/∂z_n for an elementwise activation."""
    return Factor("activation", layer, n, float(trace.layers[layer].act_grad[n]))


def _softmax_factor(trace: Trace, k: int, q: int) -> Factor:
    """∂ŷ_k/∂z_q, one entry of the softmax Jacobian."""
    y_hat = trace.y_hat
    value = y_hat[k] * ((k == q) - y_hat[q])
    return Factor("softmax", len(trace.layers) - 1, k, float(value), source=q)


def _dloss_factor(trace: Trace, k: int) -> Factor:
    return Factor("loss", len(trace.layers) - 1, k, float(trace.dloss_dout[k]))


def _output_heads(trace: Trace) -> list[tuple[tuple[Factor, ...], int]]:
    """The factors from L down to each output pre-activation z^L_q, with q."""
    last, n_out = len(trace.layers) - 1, trace.network.sizes[-1]
    if trace.loss_name == "ce":
        return [
            ((Factor("merged", last, q, float(trace.layers[last].delta[q])),), q)
            for q in range(n_out)
        ]
    if trace.network.activations[-1] == "softmax":
        return [
            ((_dloss_factor(trace, k), _softmax_factor(trace, k, q)), q)
            for k in range(n_out)
            for q in range(n_out)
        ]
    return [
        ((_dloss_factor(trace, k), _activation_factor(trace, last, k)), k) for k in range(n_out)
    ]


def _link(trace: Trace, upper: int, n_up: int, n_low: int) -> tuple[Factor, Factor]:
    """∂z^{upper}_{n_up}/∂a^{upper-1}_{n_low} (a weight) and that neuron's act'."""
    weight = Factor(
        "link", upper, n_up, float(trace.network.weights[upper][n_up, n_low]), source=n_low
    )
    return weight, _activation_factor(trace, upper - 1, n_low)


def _routes(trace: Trace, layer: int, j: int, q: int) -> list[tuple[Factor, ...]]:
    """Factor chains from z^L_q down to z^layer_j, one per choice of intermediate neurons."""
    last = len(trace.layers) - 1
    if layer == last:
        return [()] if q == j else []
    free = [range(trace.network.sizes[m + 1]) for m in range(last - 1, layer, -1)]
    routes = []
    for middle in product(*free):
        neurons = (q, *middle, j)
        chain: list[Factor] = []
        for step, (n_up, n_low) in enumerate(pairwise(neurons)):
            chain.extend(_link(trace, last - step, n_up, n_low))
        routes.append(tuple(chain))
    return routes


def _param_factor(trace: Trace, layer: int, j: int, i: int | None) -> Factor:
    """∂z^layer_j/∂param: the layer's input a_i for a weight, 1 for a bias."""
    if i is None:
        return Factor("param", layer, j, 1.0)
    source = trace.x if layer == 0 else trace.layers[layer - 1].out
    return Factor("param", layer, j, float(source[i]), source=i)


def chain_paths(trace: Trace, param: str) -> tuple[ChainPath, ...]:
    """Every chain-rule path from the loss to ``param``; their values sum to its gradient."""
    _, layer, j, i = parse_param(param, trace.network.sizes)
    tail = _param_factor(trace, layer, j, i)
    return tuple(
        ChainPath((*head, *route, tail))
        for head, q in _output_heads(trace)
        for route in _routes(trace, layer, j, q)
    )
