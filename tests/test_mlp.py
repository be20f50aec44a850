"""The MLP engine: hand-checked example, finite differences, chain-rule paths, SGD, errors."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from bot.engine.mlp import (
    ChainPath,
    Factor,
    Network,
    Trace,
    backprop,
    chain_paths,
    count_paths,
    loss_value,
    make_network,
    param_gradient,
    parse_param,
    random_network,
    train,
)
from bot.fa.backprop import _Notation

# --- the default example, computed by hand here ---------------------------------------------

X = np.array([0.05, 0.10])
Y = np.array([0.01, 0.99])
W1 = np.array([[0.15, 0.20], [0.25, 0.30]])
B1 = np.array([0.35, 0.35])
W2 = np.array([[0.40, 0.45], [0.50, 0.55]])
B2 = np.array([0.60, 0.60])
LR = 0.01


def _hand_computed() -> dict[str, np.ndarray]:
    """Forward and backward pass of the default example, written out with plain numpy."""
    in1 = W1 @ X + B1
    h = np.maximum(in1, 0.0)
    in2 = W2 @ h + B2
    y_hat = 1.0 / (1.0 + np.exp(-in2))
    loss = np.mean((Y - y_hat) ** 2)
    dl_dyhat = (2.0 / 2.0) * (y_hat - Y)
    delta2 = dl_dyhat * y_hat * (1.0 - y_hat)
    delta1 = (W2.T @ delta2) * (in1 > 0)
    grad_w1 = np.outer(delta1, X)
    grad_w2 = np.outer(delta2, h)
    return {
        "In1": in1,
        "h": h,
        "In2": in2,
        "y_hat": y_hat,
        "loss": np.array(loss),
        "dL/dyhat": dl_dyhat,
        "delta2": delta2,
        "delta1": delta1,
        "grad_W1": grad_w1,
        "grad_W2": grad_w2,
        "grad_b1": delta1,
        "grad_b2": delta2,
        "new_W1": W1 - LR * grad_w1,
        "new_W2": W2 - LR * grad_w2,
        "new_b1": B1 - LR * delta1,
        "new_b2": B2 - LR * delta2,
    }


HAND = _hand_computed()


def _default_network() -> Network:
    return make_network([W1.tolist(), W2.tolist()], [0.35, 0.60], ["relu", "sigmoid"])


def _default_trace() -> Trace:
    return backprop(_default_network(), X, Y, "mse", LR)


def _engine_values(trace: Trace) -> dict[str, np.ndarray]:
    first, second = trace.layers
    return {
        "In1": first.pre,
        "h": first.out,
        "In2": second.pre,
        "y_hat": second.out,
        "loss": np.array(trace.loss),
        "dL/dyhat": trace.dloss_dout,
        "delta2": second.delta,
        "delta1": first.delta,
        "grad_W1": first.grad_W,
        "grad_W2": second.grad_W,
        "grad_b1": first.grad_b,
        "grad_b2": second.grad_b,
        "new_W1": trace.updated.weights[0],
        "new_W2": trace.updated.weights[1],
        "new_b1": trace.updated.biases[0],
        "new_b2": trace.updated.biases[1],
    }


@pytest.mark.parametrize("quantity", sorted(HAND))
def test_default_example_matches_hand_computation(quantity: str) -> None:
    np.testing.assert_allclose(
        _engine_values(_default_trace())[quantity], HAND[quantity], rtol=1e-12
    )


@pytest.mark.parametrize(
    ("quantity", "index", "expected", "tol"),
    [
        ("In1", 0, 0.3775, 1e-12),
        ("In1", 1, 0.3925, 1e-12),
        ("In2", 0, 0.927625, 1e-12),
        ("In2", 1, 1.004625, 1e-12),
        ("y_hat", 0, 0.7165932, 1e-7),
        ("y_hat", 1, 0.7319669, 1e-7),
        ("loss", (), 0.2829275069, 1e-10),
        ("grad_W1", (0, 0), 0.00160441, 1e-8),
        ("new_W1", (0, 0), 0.14998396, 1e-8),
    ],
)
def test_default_example_known_numbers(quantity: str, index, expected: float, tol: float) -> None:
    assert HAND[quantity][index] == pytest.approx(expected, abs=tol)
    assert _engine_values(_default_trace())[quantity][index] == pytest.approx(expected, abs=tol)


def test_default_example_chain_paths() -> None:
    trace = _default_trace()
    paths = chain_paths(trace, "w1_11")
    assert len(paths) == 2
    assert sum(p.value for p in paths) == pytest.approx(HAND["grad_W1"][0, 0], rel=1e-12)
    first, second = paths
    assert [f.value for f in first.factors] == pytest.approx(
        [0.7065932, 0.2030874, 0.40, 1.0, 0.05], abs=1e-7
    )
    # The engine hands over data: kind, layer, neuron, source (0-based), value.
    assert [(f.kind, f.layer, f.neuron, f.source) for f in first.factors] == [
        ("loss", 1, 0, None),
        ("activation", 1, 0, None),
        ("link", 1, 0, 0),
        ("activation", 0, 0, None),
        ("param", 0, 0, 0),
    ]
    assert [(f.kind, f.layer, f.neuron, f.source) for f in second.factors][:3] == [
        ("loss", 1, 1, None), ("activation", 1, 1, None), ("link", 1, 1, 0)]
    assert second.factors[2].value == 0.50


def test_default_example_bias_and_output_weight_paths() -> None:
    trace = _default_trace()
    (path,) = chain_paths(trace, "w2_12")
    assert path.factors[-1] == Factor("param", 1, 0, float(trace.layers[0].out[1]), source=1)
    assert path.value == pytest.approx(HAND["grad_W2"][0, 1], rel=1e-12)
    bias_paths = chain_paths(trace, "b1_2")
    assert [p.factors[-1] for p in bias_paths] == [Factor("param", 0, 1, 1.0)] * 2
    assert sum(p.value for p in bias_paths) == pytest.approx(HAND["grad_b1"][1], rel=1e-12)


# --- finite differences ------------------------------------------------------------------------

HIDDEN = ("relu", "sigmoid", "tanh", "linear", "leaky_relu")
OUTPUT_LOSS = (
    ("sigmoid", "mse"),
    ("sigmoid", "half_sse"),
    ("sigmoid", "bce"),
    ("linear", "mse"),
    ("linear", "half_sse"),
    ("tanh", "mse"),
    ("softmax", "ce"),
    ("softmax", "mse"),
)
SIZES = ((3, 4, 2), (2, 3, 3, 2))
SEEDS = (0, 1, 2)


def _sample(sizes: tuple[int, ...], loss: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1000 + seed)
    x = rng.uniform(-1.0, 1.0, sizes[0])
    if loss == "ce":
        y = rng.dirichlet(np.ones(sizes[-1]))
    elif loss == "bce":
        y = rng.uniform(0.0, 1.0, sizes[-1])
    else:
        y = rng.uniform(-1.0, 1.0, sizes[-1])
    return x, y


def _with_entry(network: Network, kind: str, layer: int, index: tuple[int, ...], shift: float):
    weights = [w.copy() for w in network.weights]
    biases = [b.copy() for b in network.biases]
    (weights if kind == "W" else biases)[layer][index] += shift
    return make_network(weights, biases, network.activations)


def _all_entries(network: Network):
    for layer, (w, b) in enumerate(zip(network.weights, network.biases)):
        for index in np.ndindex(w.shape):
            yield "W", layer, index
        for index in np.ndindex(b.shape):
            yield "b", layer, index


def _assert_matches_finite_differences(network: Network, x, y, loss: str, h: float = 1e-6):
    trace = backprop(network, x, y, loss, 0.1)
    for kind, layer, index in _all_entries(network):
        plus = backprop(_with_entry(network, kind, layer, index, h), x, y, loss, 0.1).loss
        minus = backprop(_with_entry(network, kind, layer, index, -h), x, y, loss, 0.1).loss
        numeric = (plus - minus) / (2 * h)
        grads = trace.layers[layer]
        analytic = (grads.grad_W if kind == "W" else grads.grad_b)[index]
        assert analytic == pytest.approx(numeric, rel=1e-5, abs=1e-8), (kind, layer, index)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("sizes", SIZES)
@pytest.mark.parametrize(("output", "loss"), OUTPUT_LOSS)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_gradients_match_finite_differences(hidden, output, loss, sizes, seed) -> None:
    activations = [hidden] * (len(sizes) - 2) + [output]
    network = random_network(sizes, activations, seed)
    x, y = _sample(sizes, loss, seed)
    _assert_matches_finite_differences(network, x, y, loss)


@pytest.mark.parametrize("y", [[0.3, 0.9, 0.0], [2.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
def test_ce_gradient_for_targets_not_summing_to_one(y: list[float]) -> None:
    network = random_network((2, 3, 3), ["tanh", "softmax"], seed=7)
    _assert_matches_finite_differences(network, [0.4, -0.7], y, "ce")
    trace = backprop(network, [0.4, -0.7], y, "ce", 0.1)
    np.testing.assert_allclose(trace.layers[-1].delta, trace.y_hat * sum(y) - np.array(y))


def test_single_layer_network_gradients() -> None:
    network = random_network((3, 2), ["linear"], seed=3)
    _assert_matches_finite_differences(network, [0.2, -0.5, 0.9], [1.0, -1.0], "half_sse")


# --- chain-rule paths ----------------------------------------------------------------------------


def _param_names(sizes: tuple[int, ...]) -> list[str]:
    names = []
    for layer in range(1, len(sizes)):
        for j in range(1, sizes[layer] + 1):
            names.append(f"b{layer}_{j}")
            names.extend(f"w{layer}_{j}{i}" for i in range(1, sizes[layer - 1] + 1))
    return names


PATH_CASES = [
    ((2, 2, 2), ["relu", "sigmoid"], "mse"),
    ((3, 2, 2), ["leaky_relu", "sigmoid"], "bce"),
    ((2, 3, 3), ["tanh", "softmax"], "ce"),
    ((2, 3, 2), ["sigmoid", "softmax"], "mse"),
    ((3, 2, 3, 2), ["tanh", "relu", "linear"], "half_sse"),
    ((2, 3, 2, 3), ["sigmoid", "leaky_relu", "softmax"], "mse"),
    ((2, 2, 2, 3), ["tanh", "sigmoid", "softmax"], "ce"),
    ((2, 2, 3, 2, 2), ["tanh", "sigmoid", "relu", "sigmoid"], "mse"),
    ((3, 2), ["linear"], "mse"),
]


@pytest.mark.parametrize(("sizes", "activations", "loss"), PATH_CASES)
def test_chain_paths_sum_to_gradient(sizes, activations, loss) -> None:
    network = random_network(sizes, activations, seed=5)
    x, y = _sample(sizes, loss, seed=5)
    trace = backprop(network, x, y, loss, 0.1)
    full_jacobian = activations[-1] == "softmax" and loss != "ce"
    for name in _param_names(sizes):
        paths = chain_paths(trace, name)
        _, layer, _, _ = parse_param(name, sizes)
        assert len(paths) == count_paths(sizes, layer, full_jacobian=full_jacobian), name
        total = sum(path.value for path in paths)
        assert total == pytest.approx(param_gradient(trace, name), rel=1e-9, abs=1e-14), name


def test_deep_network_factor_names() -> None:
    """Named and written by the wording layer from the engine's factor data."""
    network = random_network((2, 2, 2, 2), ["tanh", "sigmoid", "sigmoid"], seed=1)
    trace = backprop(network, [0.1, 0.2], [0.0, 1.0], "mse", 0.1)
    n = _Notation(trace)
    first = chain_paths(trace, "w1_21")[0]
    assert [n.name(f) for f in first.factors] == [
        "∂L/∂ŷ1",
        "∂ŷ1/∂In3_1",
        "∂In3_1/∂a2_1",
        "∂a2_1/∂In2_1",
        "∂In2_1/∂a1_2",
        "∂a1_2/∂In1_2",
        "∂In1_2/∂W1_21",
    ]
    assert n.formula(first.factors[4]) == "W2_12"
    assert n.formula(first.factors[5]) == "1 − tanh²(In1_2)"
    assert n.formula(chain_paths(trace, "w2_12")[0].factors[-1]) == "a1_2"


def test_softmax_paths_use_jacobian_entries() -> None:
    network = random_network((2, 2, 2), ["relu", "softmax"], seed=4)
    trace = backprop(network, [0.5, 0.5], [0.2, 0.7], "mse", 0.1)
    n = _Notation(trace)
    paths = chain_paths(trace, "w2_11")
    assert [[n.name(f) for f in p.factors[:2]] for p in paths] == [
        ["∂L/∂ŷ1", "∂ŷ1/∂In2_1"],
        ["∂L/∂ŷ2", "∂ŷ2/∂In2_1"],
    ]
    assert [n.formula(p.factors[1]) for p in paths] == ["ŷ1(1 − ŷ1)", "−ŷ2·ŷ1"]


def test_ce_softmax_merges_first_factor() -> None:
    network = random_network((2, 2, 2), ["relu", "softmax"], seed=4)
    trace = backprop(network, [0.5, 0.5], [0.0, 1.0], "ce", 0.1)
    n = _Notation(trace)
    first = chain_paths(trace, "w2_21")[0].factors[0]
    assert (n.name(first), n.formula(first)) == ("∂L/∂In2_2", "ŷ2 − y2")
    assert first.value == pytest.approx(trace.y_hat[1] - 1.0)


@pytest.mark.parametrize(
    ("sizes", "layer", "full", "expected"),
    [
        ((2, 2, 2), 0, False, 2),
        ((2, 2, 2), 1, False, 1),
        ((2, 2, 2), 0, True, 4),
        ((2, 2, 2), 1, True, 2),
        ((3, 4, 5, 2), 0, False, 10),
        ((3, 4, 5, 2), 1, False, 2),
        ((6, 6, 6, 6, 6), 0, False, 216),
    ],
)
def test_count_paths(sizes, layer, full, expected) -> None:
    assert count_paths(sizes, layer, full_jacobian=full) == expected


def test_chain_path_value_is_product() -> None:
    path = chain_paths(_default_trace(), "w1_11")[0]
    assert isinstance(path, ChainPath)
    assert path.value == pytest.approx(np.prod([f.value for f in path.factors]))


@pytest.mark.parametrize(
    ("param", "expected"),
    [
        ("w1_11", ("W", 0, 0, 0)),
        ("w2_12", ("W", 1, 0, 1)),
        ("W1_32", ("W", 0, 2, 1)),
        ("b1_3", ("b", 0, 2, None)),
        ("b2_2", ("b", 1, 1, None)),
    ],
)
def test_parse_param(param: str, expected) -> None:
    assert parse_param(param, (2, 3, 2)) == expected


# --- training --------------------------------------------------------------------------------


def test_train_decreases_loss_and_applies_sgd() -> None:
    traces = train(_default_network(), X, Y, "mse", LR, steps=20)
    losses = [t.loss for t in traces]
    assert len(traces) == 20
    assert all(later < earlier for earlier, later in itertools.pairwise(losses))
    assert traces[0].loss == pytest.approx(0.2829275069, abs=1e-10)
    for before, after in itertools.pairwise(traces):
        assert after.network is before.updated
    for trace in traces:
        for layer, grads in enumerate(trace.layers):
            np.testing.assert_allclose(
                trace.updated.weights[layer], trace.network.weights[layer] - LR * grads.grad_W
            )
            np.testing.assert_allclose(
                trace.updated.biases[layer], trace.network.biases[layer] - LR * grads.grad_b
            )


def test_train_zero_steps() -> None:
    assert train(_default_network(), X, Y, "mse", LR, steps=0) == []


# --- construction, losses, stability ---------------------------------------------------------


def test_random_network_is_deterministic_and_rounded() -> None:
    a = random_network((3, 4, 2), ["relu", "sigmoid"], seed=11)
    b = random_network((3, 4, 2), ["relu", "sigmoid"], seed=11)
    assert a.sizes == (3, 4, 2)
    for p, q in zip(a.weights + a.biases, b.weights + b.biases):
        np.testing.assert_array_equal(p, q)
        np.testing.assert_array_equal(p, np.round(p, 2))
        assert np.all(np.abs(p) <= 1.0)
    assert [w.shape for w in a.weights] == [(4, 3), (2, 4)]
    assert [b.shape for b in a.biases] == [(4,), (2,)]


@pytest.mark.parametrize("bias", [0.35, [0.35], np.array([0.35]), [0.35, 0.35]])
def test_bias_broadcasts(bias) -> None:
    network = make_network([W1, W2], [bias, 0.6], ["relu", "sigmoid"])
    np.testing.assert_array_equal(network.biases[0], [0.35, 0.35])


def test_network_arrays_are_read_only() -> None:
    network = _default_network()
    with pytest.raises(ValueError):
        network.weights[0][0, 0] = 1.0


@pytest.mark.parametrize(
    ("loss", "y", "y_hat", "expected"),
    [
        ("mse", [0.0, 1.0], [0.5, 0.5], 0.25),
        ("half_sse", [0.0, 1.0], [0.5, 0.5], 0.25),
        ("bce", [0.0, 1.0], [0.5, 0.5], np.log(2)),
        ("ce", [0.0, 1.0], [0.75, 0.25], np.log(4)),
    ],
)
def test_loss_value(loss: str, y, y_hat, expected: float) -> None:
    assert loss_value(loss, y, y_hat) == pytest.approx(expected)


@pytest.mark.parametrize(("output", "loss"), [("sigmoid", "bce"), ("softmax", "ce")])
def test_log_losses_agree_with_loss_value(output: str, loss: str) -> None:
    network = random_network((2, 3, 3), ["tanh", output], seed=2)
    x, y = _sample((2, 3, 3), loss, seed=2)
    trace = backprop(network, x, y, loss, 0.1)
    assert trace.loss == pytest.approx(loss_value(loss, y, trace.y_hat), rel=1e-12)


@pytest.mark.parametrize(("output", "loss"), [("sigmoid", "bce"), ("softmax", "ce")])
def test_log_losses_are_stable_when_saturated(output: str, loss: str) -> None:
    network = make_network([[[400.0, 0.0], [0.0, -400.0]]], [0.0], [output])
    trace = backprop(network, [2.0, 2.0], [0.0, 1.0], loss, 0.1)
    assert np.isfinite(trace.loss) and trace.loss > 100
    assert np.all(np.isfinite(trace.layers[0].grad_W))


# --- invalid input ---------------------------------------------------------------------------


def _net(activations=("relu", "sigmoid")) -> Network:
    return make_network([W1, W2], [B1, B2], list(activations))


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: _net(("softmax", "sigmoid")), id="softmax-hidden"),
        pytest.param(lambda: _net(("relu", "swish")), id="unknown-activation"),
        pytest.param(lambda: make_network([W1, W2], [B1], ["relu", "sigmoid"]), id="few-biases"),
        pytest.param(lambda: make_network([W1, W2], [B1, B2], ["relu"]), id="few-activations"),
        pytest.param(lambda: make_network([W1, W2], [B1, B2], "relu"), id="activation-str"),
        pytest.param(
            lambda: make_network([W1, W2[:, :1]], [B1, B2], ["relu", "sigmoid"]),
            id="chain-mismatch",
        ),
        pytest.param(
            lambda: make_network([W1, W2], [[1, 2, 3], B2], ["relu", "sigmoid"]), id="bias-length"
        ),
        pytest.param(lambda: make_network([[0.1, 0.2]], [0.0], ["linear"]), id="1d-weights"),
        pytest.param(lambda: make_network([[[0.1], [0.2, 0.3]]], [0.0], ["linear"]), id="ragged"),
        pytest.param(lambda: make_network([[["a"]]], [0.0], ["linear"]), id="non-numeric"),
        pytest.param(lambda: make_network([], [], []), id="empty"),
        pytest.param(lambda: make_network([[[np.nan]]], [0.0], ["linear"]), id="nan-weight"),
        pytest.param(lambda: make_network([[[1.0]]], [np.inf], ["linear"]), id="inf-bias"),
        pytest.param(lambda: backprop(_net(("relu", "linear")), X, Y, "bce", LR), id="bce-linear"),
        pytest.param(lambda: backprop(_net(), X, Y, "ce", LR), id="ce-sigmoid"),
        pytest.param(lambda: backprop(_net(), X, Y, "hinge", LR), id="unknown-loss"),
        pytest.param(lambda: backprop(_net(), [0.05, 0.1, 0.2], Y, "mse", LR), id="x-length"),
        pytest.param(lambda: backprop(_net(), [[0.05, 0.1]], Y, "mse", LR), id="x-2d"),
        pytest.param(lambda: backprop(_net(), X, [0.01], "mse", LR), id="y-length"),
        pytest.param(lambda: backprop(_net(), [np.nan, 0.1], Y, "mse", LR), id="x-nan"),
        pytest.param(lambda: backprop(_net(), X, [np.inf, 0.1], "mse", LR), id="y-inf"),
        pytest.param(lambda: backprop(_net(), X, Y, "mse", np.nan), id="lr-nan"),
        pytest.param(lambda: backprop(_net(), X, Y, "mse", -0.1), id="lr-negative"),
        pytest.param(lambda: train(_net(), X, Y, "mse", LR, steps=-1), id="steps-negative"),
        pytest.param(lambda: train(_net(), X, Y, "mse", LR, steps=2.5), id="steps-float"),
        pytest.param(lambda: random_network((2, 2), ["relu", "relu"], 0), id="random-acts"),
        pytest.param(lambda: random_network((2,), [], 0), id="random-sizes"),
        pytest.param(lambda: random_network((2, 0, 1), ["relu", "linear"], 0), id="zero-size"),
        pytest.param(lambda: loss_value("bce", [0.0], [1.0]), id="bce-value-range"),
        pytest.param(lambda: loss_value("ce", [1.0, 0.0], [0.0, 1.0]), id="ce-value-range"),
        pytest.param(lambda: loss_value("mse", [1.0, 0.0], [0.5]), id="loss-shape"),
        pytest.param(lambda: loss_value("l1", [1.0], [0.5]), id="loss-name"),
        pytest.param(lambda: count_paths((2, 2, 2), 2), id="count-layer"),
        pytest.param(lambda: backprop(_net(), X, Y, "mse", None), id="lr-none"),
        pytest.param(lambda: random_network(None, ["relu"], 0), id="sizes-none"),
        pytest.param(lambda: Network(([[1.0]],), ([0.0],), ("linear",)), id="raw-lists"),
    ],
)
def test_invalid_inputs_raise_value_error(make) -> None:
    with pytest.raises(ValueError):
        make()


@pytest.mark.parametrize(
    "param",
    ["w3_11", "w1_31", "w1_13", "w2_31", "b1_3", "b3_1", "w0_11", "foo", "w1_1", "", "w1_111"],
)
def test_bad_param_names_raise_value_error(param: str) -> None:
    trace = _default_trace()
    with pytest.raises(ValueError):
        chain_paths(trace, param)
    with pytest.raises(ValueError):
        param_gradient(trace, param)
    with pytest.raises(ValueError):
        parse_param(param, trace.network.sizes)


def test_error_messages_are_clear() -> None:
    with pytest.raises(ValueError, match="softmax is only allowed on the output layer"):
        _net(("softmax", "sigmoid"))
    with pytest.raises(ValueError, match="needs a sigmoid output"):
        backprop(_net(("relu", "linear")), X, Y, "bce", LR)
    with pytest.raises(ValueError, match="x must hold 2 values"):
        backprop(_net(), [1.0], Y, "mse", LR)
    with pytest.raises(ValueError, match="non-finite"):
        backprop(_net(), [np.nan, 0.1], Y, "mse", LR)
    with pytest.raises(ValueError, match="layers 1 to 2"):
        chain_paths(_default_trace(), "w3_11")
