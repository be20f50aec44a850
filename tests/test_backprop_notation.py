"""The wording of the engine's chain-rule factors: names, formulas, and the formula with
numbers, which must evaluate back to the factor's value (the engine hands over data —
kind, layer, neuron, value — and only the wording writes it)."""

from __future__ import annotations

import ast
import itertools
import math
import operator

import numpy as np
import pytest

from bot.engine.mlp import backprop, chain_paths, make_network, random_network
from bot.fa.backprop import _Notation, factor_line

_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
        ast.Div: operator.truediv, ast.Pow: operator.pow}


def _evaluate(text: str, names: dict[str, float]) -> float:
    """Arithmetic as the working prints it (·, −, ², ReLU'(v)), without eval."""
    source = (text.replace("·", "*").replace("−", "-").replace("²", "**2")
              .replace("LeakyReLU'", "leaky").replace("ReLU'", "relu").replace("Σy", "sum_y"))
    functions = {"relu": lambda z: float(z > 0), "leaky": lambda z: 1.0 if z > 0 else 0.01}

    def walk(node: ast.AST) -> float:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return names[node.id]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -walk(node.operand)
        if isinstance(node, ast.BinOp):
            return _OPS[type(node.op)](walk(node.left), walk(node.right))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            return functions[node.func.id](walk(node.args[0]))
        raise AssertionError(f"unexpected {ast.dump(node)} in {text!r}")

    return walk(ast.parse(source, mode="eval"))


def _default_trace():
    network = make_network([[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45], [0.50, 0.55]]],
                           [[0.35], [0.60]], ["relu", "sigmoid"])
    return backprop(network, [0.05, 0.10], [0.01, 0.99], "mse", 0.01)


def test_default_example_factors_are_named_and_written_as_before() -> None:
    trace = _default_trace()
    notation = _Notation(trace)
    first, second = chain_paths(trace, "w1_11")
    assert [notation.name(f) for f in first.factors] == [
        "∂L/∂ŷ1", "∂ŷ1/∂In2_1", "∂In2_1/∂h1", "∂h1/∂In1_1", "∂In1_1/∂W1_11"]
    assert [notation.formula(f) for f in first.factors] == [
        "(2/m)(ŷ1 − y1)", "σ(In2_1)(1 − σ(In2_1))", "W2_11", "ReLU'(In1_1)", "x1"]
    assert [notation.name(f) for f in second.factors][:3] == ["∂L/∂ŷ2", "∂ŷ2/∂In2_2", "∂In2_2/∂h1"]
    assert notation.formula(second.factors[2]) == "W2_21"
    (output_weight,) = chain_paths(trace, "w2_12")
    assert notation.name(output_weight.factors[-1]) == "∂In2_1/∂W2_12"
    assert notation.formula(output_weight.factors[-1]) == "h2"
    bias = chain_paths(trace, "b1_2")
    assert {notation.name(p.factors[-1]) for p in bias} == {"∂In1_2/∂b1_2"}
    assert notation.formula(bias[0].factors[-1]) == "1"


def test_default_example_sigmoid_factor_line_shows_the_numbers() -> None:
    trace = _default_trace()
    factor = chain_paths(trace, "w1_11")[0].factors[1]
    out = float(trace.layers[1].out[0])
    assert factor_line(factor, _Notation(trace)) == (
        f"<code>∂ŷ1/∂In2_1 = σ(In2_1)(1 − σ(In2_1)) = {out:.7g}·(1 − {out:.7g}) = "
        f"{factor.value:.7g}</code>")


CASES = [
    (sizes, hidden, output, loss)
    for sizes in ((2, 2, 2), (3, 2, 2, 3))
    for hidden in ("relu", "sigmoid", "tanh", "linear", "leaky_relu")
    for output, loss in (("sigmoid", "mse"), ("sigmoid", "bce"), ("linear", "half_sse"),
                         ("tanh", "mse"), ("softmax", "ce"), ("softmax", "mse"))
]


@pytest.mark.parametrize(("sizes", "hidden", "output", "loss"), CASES)
def test_every_factor_written_with_numbers_evaluates_to_its_value(
        sizes: tuple[int, ...], hidden: str, output: str, loss: str) -> None:
    activations = [hidden] * (len(sizes) - 2) + [output]
    network = random_network(sizes, activations, seed=len(sizes) * 7 + len(loss))
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, sizes[0])
    y = rng.dirichlet(np.ones(sizes[-1])) if loss == "ce" else rng.uniform(0.05, 0.95, sizes[-1])
    if loss == "ce":
        y = y * 0.8  # a target that does not sum to 1: the ŷ·Σy − y form
    trace = backprop(network, x, y, loss, 0.1)
    notation = _Notation(trace)
    names = {"m": float(y.size), "sum_y": float(y.sum())}
    seen = 0
    for layer, j in itertools.product(range(len(sizes) - 1), range(2)):
        kind = "w" if layer % 2 else "b"
        param = f"w{layer + 1}_{j + 1}1" if kind == "w" else f"b{layer + 1}_{j + 1}"
        for path in chain_paths(trace, param):
            for factor in path.factors:
                text = notation.numbers(factor)
                assert math.isclose(_evaluate(text, names), factor.value,
                                    rel_tol=1e-5, abs_tol=1e-6), (factor, text)
                top, bottom = notation.ends(factor)
                assert notation.name(factor) == f"∂{top}/∂{bottom}"
                seen += 1
    assert seen > 0
