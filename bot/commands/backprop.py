"""/backprop — one training step of a small network, worked out like on a whiteboard."""

from __future__ import annotations

import math
import re

import numpy as np

from bot.commands.base import Context, Media, Photo, Reply, Response, Text, UserError
from bot.commands.lab import run_lab
from bot.commands.options import Options
from bot.engine.mlp import ACTIVATIONS, LOSSES, REQUIRED_OUTPUT, parse_param, random_network
from bot.fa import backprop as words
from bot.fa import errors
from bot.labdata.backprop import BackpropRequest, BackpropResult, Matrix, Overflow, Vector
from bot.labs.backprop import run_backprop

EXAMPLE = "/backprop"
#: The example a general option error shows (one that exercises options).
OPTIONS_EXAMPLE = "/backprop wrt=w2_12 lr=0.5 steps=5"
MAX_LAYERS = 4  # weight layers
MAX_WIDTH = 6  # neurons per layer
MAX_STEPS = 20
MAX_LR = 10.0
MAX_SEED = 1_000_000
#: Inputs, targets, weights and biases stay within ±BOUND.
BOUND = 100.0

# The classic hand-worked example (its numbers are checked in tests/test_mlp.py).
DEFAULT_SIZES = (2, 2, 2)
DEFAULT_X = (0.05, 0.10)
DEFAULT_Y = (0.01, 0.99)
DEFAULT_WEIGHTS = (((0.15, 0.20), (0.25, 0.30)), ((0.40, 0.45), (0.50, 0.55)))
DEFAULT_BIASES = ((0.35, 0.35), (0.60, 0.60))

_LAYER_OPTIONS = tuple(f"{kind}{n}" for n in range(1, MAX_LAYERS + 1) for kind in "wb")
ALLOWED = ("x", "y", *_LAYER_OPTIONS, "act", "loss", "lr", "wrt", "layers", "seed", "steps")
_SEMICOLON = re.compile(r"\s*[;؛]\s*")


def parse(args: str) -> BackpropRequest:
    """Read ``/backprop`` options into a complete request; mistakes raise a Persian UserError."""
    options = Options(_SEMICOLON.sub(";", args), allowed=ALLOWED, example=OPTIONS_EXAMPLE)
    if options.positional:
        raise UserError(words.stray_text(options.positional, OPTIONS_EXAMPLE))
    loss = options.choice("loss", "mse", allowed=LOSSES)
    random = "layers" in options.values or "seed" in options.values
    sizes = _sizes(options) if random else DEFAULT_SIZES
    example = _example(sizes)
    activations = _activations(options, len(sizes) - 1, loss, example)
    weights, biases, x, y = (_seeded(options, sizes, activations) if random else
                             (DEFAULT_WEIGHTS, DEFAULT_BIASES, DEFAULT_X, DEFAULT_Y))
    _check_layer_options(options, len(sizes) - 1, example)
    weights = tuple(_weights(options, layer, sizes, w, example) for layer, w in enumerate(weights, 1))
    biases = tuple(_bias(options, layer, sizes[layer], b, example) for layer, b in enumerate(biases, 1))
    x = _vector(options, "x", sizes[0], x, example)
    y = _vector(options, "y", sizes[-1], y, example)
    _check_target(loss, y, len(sizes) - 1, example)
    return BackpropRequest(
        x=x, y=y, weights=weights, biases=biases, activations=activations, loss=loss,
        lr=options.number("lr", 0.01, low=0, high=MAX_LR, low_open=True),
        wrt=_wrt(options, sizes, example),
        steps=options.integer("steps", 1, low=1, high=MAX_STEPS),
    )


def _example(sizes: tuple[int, ...]) -> str:
    """The start of a correct command for a network of these sizes (error messages add
    the option they are about)."""
    if sizes == DEFAULT_SIZES:
        return "/backprop"
    return f"/backprop layers={','.join(map(str, sizes))} seed=1"


def _acts(n_layers: int, output: str, hidden: str = "relu") -> str:
    """An ``act=`` value that fits the network: one name when there is no hidden layer."""
    return output if n_layers == 1 else f"{hidden},{output}"


def _sizes(options: Options) -> tuple[int, ...]:
    raw = options.values.get("layers", ",".join(map(str, DEFAULT_SIZES)))
    parts = raw.split(",")
    example = "/backprop layers=3,4,2 seed=1"
    for part in parts:
        if not re.fullmatch(r"\+?[0-9]{1,3}", part):
            raise UserError(errors.not_integer("layers", part, example))
    sizes = tuple(int(part) for part in parts)
    if not 2 <= len(sizes) <= MAX_LAYERS + 1:
        raise UserError(words.layer_count(len(sizes), MAX_LAYERS, example))
    for size in sizes:
        if not 1 <= size <= MAX_WIDTH:
            raise UserError(words.layer_width(size, MAX_WIDTH, example))
    return sizes


def _activations(options: Options, n_layers: int, loss: str, example: str) -> tuple[str, ...]:
    """``act=sigmoid`` (every layer), ``act=relu,sigmoid`` (hidden, output) or one per layer;
    the default output suits the loss (softmax for ce, sigmoid otherwise)."""
    output = REQUIRED_OUTPUT.get(loss, "sigmoid")
    default = _acts(n_layers, output)
    names = [n.strip().lower() for n in options.values.get("act", default).split(",")]
    act_example = f"{example} act={_acts(n_layers, output, 'tanh')} loss={loss}"
    for name in names:
        if name not in ACTIVATIONS:
            raise UserError(words.unknown_activation(name, act_example))
    if len(names) == 1:
        chosen = tuple(names * n_layers)
    elif len(names) == 2 and n_layers >= 2:
        chosen = (names[0],) * (n_layers - 1) + (names[1],)
    elif len(names) == n_layers:
        chosen = tuple(names)
    else:
        raise UserError(words.activation_count(len(names), n_layers, act_example))
    if "softmax" in chosen[:-1]:
        raise UserError(words.softmax_hidden(f"{example} act={_acts(n_layers, 'softmax')} loss=ce"))
    needed = REQUIRED_OUTPUT.get(loss)
    if needed is not None and chosen[-1] != needed:
        raise UserError(words.loss_needs_output(
            loss, needed, chosen[-1], f"{example} act={_acts(n_layers, needed)} loss={loss}"))
    return chosen


def _seeded(options: Options, sizes: tuple[int, ...], activations: tuple[str, ...]
            ) -> tuple[tuple[Matrix, ...], tuple[Vector, ...], Vector, Vector]:
    """A random network (``random_network``) and sample, both fixed by ``seed=``."""
    seed = options.integer("seed", 0, low=0, high=MAX_SEED)
    network = random_network(sizes, activations, seed)
    weights = tuple(tuple(tuple(row) for row in w.tolist()) for w in network.weights)
    biases = tuple(tuple(b.tolist()) for b in network.biases)
    return (weights, biases, *_random_sample(sizes, activations[-1], seed))


def _random_sample(sizes: tuple[int, ...], output: str, seed: int) -> tuple[Vector, Vector]:
    """A seeded input in [-1, 1] and a target the output layer can reach: one-hot for
    softmax, inside (0, 1) for sigmoid, (-1, 1) for tanh, [0, 1] for ReLU."""
    rng = np.random.default_rng([seed, 1])
    x = np.round(rng.uniform(-1.0, 1.0, sizes[0]), 2)
    n_out = sizes[-1]
    if output == "softmax":
        y = np.eye(n_out)[rng.integers(n_out)]
    else:
        low, high = {"sigmoid": (0.05, 0.95), "tanh": (-0.9, 0.9), "relu": (0.0, 1.0)}.get(
            output, (-1.0, 1.0))
        y = np.round(rng.uniform(low, high, n_out), 2)
    return tuple(x.tolist()), tuple(y.tolist())


def _check_layer_options(options: Options, n_layers: int, example: str) -> None:
    """``w3=`` or ``b3=`` on a network with two weight layers."""
    for name in options.values:
        if name in _LAYER_OPTIONS and int(name[1:]) > n_layers:
            raise UserError(words.missing_layer(name, n_layers, example))


def _numbers(name: str, text: str, example: str) -> Vector:
    """Comma-separated finite numbers within ±BOUND, read with the shared option reader."""
    reader = Options(f"{name}={text}", allowed=(name,), example=example)
    count = len(text.split(","))
    return reader.numbers(name, (), lengths=(count,), low=-BOUND, high=BOUND)


def _vector(options: Options, name: str, size: int, default: Vector, example: str) -> Vector:
    raw = options.values.get(name)
    if raw is None:
        return default
    count = len(raw.split(","))
    correct = f"{example} {name}={','.join(['0.5'] * size)}"
    if count != size:
        raise UserError(words.vector_size(name, size, count, correct))
    return _numbers(name, raw, correct)


def _weights(options: Options, layer: int, sizes: tuple[int, ...], default: Matrix,
             example: str) -> Matrix:
    """``w1=0.15,0.20,0.25,0.30`` (row-major) or ``w1=0.15,0.20;0.25,0.30`` (rows)."""
    name = f"w{layer}"
    raw = options.values.get(name)
    if raw is None:
        return default
    n_out, n_in = sizes[layer], sizes[layer - 1]
    rows = raw.split(";")
    shaped = len(rows) == n_out and all(len(r.split(",")) == n_in for r in rows)
    correct = f"{example} {name}={';'.join([','.join(['0.1'] * n_in)] * n_out)}"
    if not (shaped if len(rows) > 1 else len(raw.split(",")) == n_out * n_in):
        raise UserError(words.weight_shape(layer, n_out, n_in, correct))
    flat = _numbers(name, raw.replace(";", ","), correct)
    return tuple(flat[j * n_in:(j + 1) * n_in] for j in range(n_out))


def _bias(options: Options, layer: int, n_out: int, default: Vector, example: str) -> Vector:
    """One value for the whole layer, or one per neuron."""
    name = f"b{layer}"
    raw = options.values.get(name)
    if raw is None:
        return default
    count = len(raw.split(","))
    if count not in (1, n_out):
        raise UserError(words.bias_size(layer, n_out, count, f"{example} {name}=0.1"))
    values = _numbers(name, raw, f"{example} {name}=0.1")
    return values * n_out if count == 1 else values


def _check_target(loss: str, y: Vector, n_layers: int, example: str) -> None:
    if loss == "bce" and not all(0.0 <= v <= 1.0 for v in y):
        halves = ",".join(["0.5"] * len(y))
        raise UserError(words.bad_target(loss, f"{example} loss=bce y={halves}"))
    if loss == "ce" and (min(y) < 0 or not math.isclose(sum(y), 1.0, abs_tol=1e-9)):
        one_hot = ",".join(["1"] + ["0"] * (len(y) - 1))
        raise UserError(words.bad_target(
            loss, f"{example} act={_acts(n_layers, 'softmax')} loss=ce y={one_hot}"))


def _wrt(options: Options, sizes: tuple[int, ...], example: str) -> str:
    text = options.values.get("wrt", "w1_11").strip().lower()
    try:
        parse_param(text, sizes)
    except ValueError:
        last = len(sizes) - 1
        raise UserError(words.bad_wrt(text, sizes, f"{example} wrt=w{last}_11")) from None
    return text


async def run(args: str, ctx: Context) -> Response:
    """The network picture, the worked step as text, the table of every parameter and,
    for several steps, the loss curve."""
    request = parse(args)
    try:
        # two pictures (the network, the table) besides the worked step in words
        result: BackpropResult = await run_lab(ctx, run_backprop, request, key=request.key,
                                               example=OPTIONS_EXAMPLE, pictures=2)
    except Overflow:
        raise UserError(words.overflow(OPTIONS_EXAMPLE)) from None
    summary = result.summary
    replies: list[Reply] = [Photo(Media(request.key + "|net", result.network_png, "backprop.png"),
                           words.caption(summary))]
    replies.extend(Text(message) for message in words.working(summary))
    replies.append(Photo(Media(request.key + "|table", result.table_png, "gradients.png"),
                         words.table_caption(summary)))
    if result.losses_png is not None:
        replies.append(Photo(Media(request.key + "|loss", result.losses_png, "loss.png"),
                             words.curve_caption(summary)))
    return Response(replies=replies, data=summary.to_data())
