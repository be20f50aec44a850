"""Persian wording of the backprop lab: the worked step as Telegram HTML, captions, the
labels of the pictures, and the messages for bad options.

Names follow the engine (:mod:`bot.engine.mlp`): ``Inℓ_j`` is the pre-activation of
neuron j of layer ℓ, ``Wℓ_ji`` the weight from input i into it, ``bℓ_j`` its bias, ``x``
the inputs, ``h`` the hidden outputs of a one-hidden-layer net (``aℓ_j`` in deeper nets)
and ``ŷ`` the outputs. Formulas are ASCII-digit code spans; prose uses Persian digits.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from bot.engine.activations import LEAKY_SLOPE
from bot.engine.mlp import ChainPath, Factor, Network, Trace
from bot.fa.errors import with_example
from bot.fa.html import code, escape, visible_length
from bot.fa.numbers import ascii_number, fa_int, fa_number
from bot.fa.pages import quote, split_messages
from bot.fa.picture import ltr
from bot.render.network import CurveLabels, NetworkLabels, Table

if TYPE_CHECKING:
    from bot.labdata.backprop import BackpropSummary

#: Significant digits of numbers in the working (the classic example's 0.7165932).
DIGITS = 7
#: A section body longer than this (visible characters) is folded into expandable quotes.
FOLD_FROM = 1500

ACT_LABELS = {
    "relu": "ReLU",
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "linear": "linear",
    "leaky_relu": "Leaky ReLU",
    "softmax": "softmax",
}
_ACT_CALL = {"relu": "ReLU", "sigmoid": "σ", "tanh": "tanh", "leaky_relu": "LeakyReLU"}

LOSS_LABELS = {
    "mse": "میانگین مربع خطا (MSE)",
    "half_sse": "نصف مجموع مربع خطا (½SSE)",
    "bce": "آنتروپی متقاطع دودویی (binary cross-entropy)",
    "ce": "آنتروپی متقاطع (cross-entropy)",
}
_LOSS_SHORT = {"mse": "MSE", "half_sse": "½SSE", "bce": "BCE", "ce": "CE"}
_LOSS_FORMULA = {
    "mse": "L = (1/m)·Σ(yᵢ − ŷᵢ)²",
    "half_sse": "L = ½·Σ(yᵢ − ŷᵢ)²",
    "bce": "L = −(1/m)·Σ[yᵢ·log(ŷᵢ) + (1 − yᵢ)·log(1 − ŷᵢ)]",
    "ce": "L = −Σ yᵢ·log(ŷᵢ)",
}


# --- names and numbers -----------------------------------------------------------------------


def pre_name(layer: int, n: int) -> str:
    return f"In{layer + 1}_{n + 1}"


def out_name(n_layers: int, layer: int, n: int) -> str:
    if layer == n_layers - 1:
        return f"ŷ{n + 1}"
    return f"h{n + 1}" if n_layers == 2 else f"a{layer + 1}_{n + 1}"


def input_name(n_layers: int, layer: int, i: int) -> str:
    return f"x{i + 1}" if layer == 0 else out_name(n_layers, layer - 1, i)


def param_name(kind: str, layer: int, j: int, i: int | None) -> str:
    """``W1_11`` or ``b1_2`` (0-based indices in)."""
    return f"b{layer + 1}_{j + 1}" if i is None else f"{kind}{layer + 1}_{j + 1}{i + 1}"


def num(value: float, digits: int = DIGITS) -> str:
    return ascii_number(float(value), digits)


def term(value: float) -> str:
    """A number as a term of a formula: negative numbers in parentheses."""
    text = num(value)
    return f"({text})" if value < 0 else text


def vector(values: Sequence[float] | np.ndarray) -> str:
    return "(" + ", ".join(num(v) for v in values) + ")"


def new_value(new: float, step: float) -> str:
    """An updated parameter with enough decimals that the step ``old − new`` shows
    (0.15 − 0.0000160441 is 0.14998396, not 0.15)."""
    if step == 0 or new == 0 or not 1e-4 <= abs(new) < 1e6:
        return num(new)
    decimals = max(DIGITS - 1 - math.floor(math.log10(abs(new))),
                   3 - math.floor(math.log10(abs(step))), 0)
    text = f"{new:.{min(decimals, 15)}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def sizes_text(sizes: Sequence[int]) -> str:
    """``2-2-2`` (for formulas and code)."""
    return "-".join(str(n) for n in sizes)


def fa_sizes(sizes: Sequence[int]) -> str:
    """``۲-۲-۲`` (for Persian prose and pictures)."""
    return "-".join(fa_int(n) for n in sizes)


# --- writing the engine's factors ------------------------------------------------------------

_DERIVATIVE_FORMULA = {
    "relu": "ReLU'({z})",
    "sigmoid": "σ({z})(1 − σ({z}))",
    "tanh": "1 − tanh²({z})",
    "linear": "1",
    "leaky_relu": "LeakyReLU'({z})",
}
#: The piecewise derivatives, written as a call on the number: ReLU'(0.35).
_DERIVATIVE_CALL = {"relu": "ReLU'", "leaky_relu": "LeakyReLU'"}
_DLOSS_FORMULA = {
    "mse": "(2/m)(ŷ{k} − y{k})",
    "half_sse": "ŷ{k} − y{k}",
    "bce": "(ŷ{k} − y{k})/(m·ŷ{k}(1 − ŷ{k}))",
    "ce": "−y{k}/ŷ{k}",
}


class _Notation:
    """How the working writes the engine's factors (data: kind, layer, neuron, source,
    value): ``∂top/∂bottom``, the formula, and the formula with the trace's numbers."""

    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        self.n_layers = len(trace.layers)
        self.last = self.n_layers - 1

    def ends(self, factor: Factor) -> tuple[str, str]:
        """(top, bottom) of ∂top/∂bottom."""
        kind, layer, n, source = factor.kind, factor.layer, factor.neuron, factor.source
        if kind == "loss":
            return "L", out_name(self.n_layers, self.last, n)
        if kind == "merged":
            return "L", pre_name(self.last, n)
        if kind == "softmax":
            assert source is not None
            return out_name(self.n_layers, self.last, n), pre_name(self.last, source)
        if kind == "activation":
            return out_name(self.n_layers, layer, n), pre_name(layer, n)
        if kind == "link":
            assert source is not None
            return pre_name(layer, n), out_name(self.n_layers, layer - 1, source)
        return pre_name(layer, n), param_name("W", layer, n, source)

    def name(self, factor: Factor) -> str:
        top, bottom = self.ends(factor)
        return f"∂{top}/∂{bottom}"

    def formula(self, factor: Factor) -> str:
        kind, layer, n, source = factor.kind, factor.layer, factor.neuron, factor.source
        if kind == "loss":
            return _DLOSS_FORMULA[self.trace.loss_name].format(k=n + 1)
        if kind == "merged":
            sums_to_one = bool(np.isclose(self.trace.y.sum(), 1.0))
            return f"ŷ{n + 1} − y{n + 1}" if sums_to_one else f"ŷ{n + 1}·Σy − y{n + 1}"
        if kind == "softmax":
            assert source is not None
            return f"ŷ{n + 1}(1 − ŷ{n + 1})" if n == source else f"−ŷ{n + 1}·ŷ{source + 1}"
        if kind == "activation":
            activation = self.trace.network.activations[layer]
            return _DERIVATIVE_FORMULA[activation].format(z=pre_name(layer, n))
        if kind == "link":
            return param_name("W", layer, n, source)
        return "1" if source is None else input_name(self.n_layers, layer, source)

    def numbers(self, factor: Factor) -> str:
        """The formula with numbers: ``σ(In2_1)(1 − σ(In2_1))`` → ``0.7165932·(1 − 0.7165932)``."""
        trace, kind, n = self.trace, factor.kind, factor.neuron
        if kind in ("loss", "merged", "softmax"):
            y_hat, y = term(trace.y_hat[n]), term(trace.y[n])
        if kind == "loss":
            m = term(float(trace.y.size))
            return {"mse": f"(2/{m})·({y_hat} − {y})", "half_sse": f"{y_hat} − {y}",
                    "bce": f"({y_hat} − {y})/({m}·{y_hat}·(1 − {y_hat}))",
                    "ce": f"−{y}/{y_hat}"}[trace.loss_name]
        if kind == "merged":
            sums_to_one = bool(np.isclose(trace.y.sum(), 1.0))
            return f"{y_hat} − {y}" if sums_to_one else f"{y_hat}·Σy − {y}"
        if kind == "softmax":
            assert factor.source is not None
            other = term(trace.y_hat[factor.source])
            return f"{y_hat}·(1 − {y_hat})" if n == factor.source else f"−{y_hat}·{other}"
        if kind == "activation":
            step = trace.layers[factor.layer]
            activation = trace.network.activations[factor.layer]
            out = term(step.out[n])
            if activation == "sigmoid":
                return f"{out}·(1 − {out})"
            if activation == "tanh":
                return f"1 − {out}²"
            if activation == "linear":
                return "1"
            return f"{_DERIVATIVE_CALL[activation]}({num(step.pre[n])})"
        return "1" if kind == "param" and factor.source is None else term(factor.value)


def factor_line(factor: Factor, notation: _Notation) -> str:
    """``name = formula = numbers = value``, without repeating equal parts."""
    formula = notation.formula(factor)
    parts = [notation.name(factor), formula]
    numbers = notation.numbers(factor)
    if numbers not in (formula, term(factor.value)):
        parts.append(numbers)
    if parts[-1] != num(factor.value):
        parts.append(num(factor.value))
    return code(" = ".join(parts))


# --- what each kind of factor means ----------------------------------------------------------


_SIGMOID_PRIME = "σ'(z) = σ(z)(1 − σ(z))"
_SIGMOID_BOUND = "σ'(z) ≤ 0.25"
_TANH_PRIME = "tanh'(z) = 1 − tanh²(z)"
_BCE_SIGMOID = "σ' = ŷk(1 − ŷk)"


def _relu_case(pre: str, z: float) -> str:
    if z > 0:
        return f"این‌جا {code(f'{pre} = {num(z)} > 0')}، پس مشتق ۱ است."
    return (f"این‌جا {code(f'{pre} = {num(z)} ≤ 0')}، پس مشتق ۰ است و این مسیر هیچ "
            "گرادیانی نمی‌برد (نورون خاموش، dead ReLU).")


def _activation_note(activation: str, at: tuple[str, float] | None = None) -> str:
    """Why act' is what it is; ``at`` (name, z) adds the case of one neuron for ReLU."""
    if activation == "relu":
        case = f" {_relu_case(*at)}" if at else ""
        return (f"مشتق ReLU برای {code('z > 0')} برابر ۱ و برای {code('z < 0')} برابر ۰ است؛ "
                f"در {code('z = 0')} مشتق تعریف نشده و مثل PyTorch آن را ۰ می‌گیریم.{case}")
    if activation == "sigmoid":
        return (f"مشتق سیگموید (sigmoid): {code(_SIGMOID_PRIME)}. حاصل‌ضرب "
                f"{code('σ(1 − σ)')} وقتی {code('σ = 0.5')} است بیشینه می‌شود، پس "
                f"{code(_SIGMOID_BOUND)}: گذر از هر لایهٔ سیگموید گرادیان را در عاملی حداکثر "
                "۰٫۲۵ ضرب می‌کند (جدا از وزن‌ها، که می‌توانند بزرگش کنند)؛ در شبکهٔ عمیق این "
                "ضرب‌ها گرادیان لایه‌های اول را محو می‌کنند (محوشدگی گرادیان، vanishing gradient).")
    if activation == "tanh":
        return (f"مشتق tanh: {code(_TANH_PRIME)}؛ چون {code('|tanh(z)| < 1')} "
                f"است، این مشتق حداکثر ۱ است (در {code('z = 0')}).")
    if activation == "leaky_relu":
        return (f"مشتق Leaky ReLU برای {code('z > 0')} برابر ۱ و برای {code('z ≤ 0')} برابر "
                f"{code(str(LEAKY_SLOPE))} است (در صفر هم مثل PyTorch)؛ برخلاف ReLU گرادیان "
                "هیچ‌وقت کاملاً صفر نمی‌شود.")
    return f"تابع خطی (linear) خودِ ورودی را برمی‌گرداند، پس مشتقش همیشه {code('1')} است."


_SOFTMAX_NOTE = (
    f"softmax هر خروجی را به همهٔ ورودی‌های خالص لایه وابسته می‌کند؛ ماتریس ژاکوبی "
    f"(Jacobian) آن {code('∂ŷk/∂Inq = ŷk·(δkq − ŷq)')} است: روی قطر {code('ŷk(1 − ŷk)')} و "
    f"بیرون قطر {code('−ŷk·ŷq')}. برای همین از هر ŷ به هر In لایهٔ خروجی یک مسیر هست."
)
_MERGED_NOTE = (
    f"با softmax در خروجی و cross-entropy، ضرب {code('∂L/∂ŷ')} در ژاکوبی softmax ساده "
    f"می‌شود: {code('∂L/∂Inq = ŷq − yq')} (چون جمع yها ۱ است)؛ پس این دو عامل یکی شده‌اند."
)


def _loss_note(loss: str) -> str:
    if loss == "mse":
        return (f"از {code(_LOSS_FORMULA['mse'])} فقط جملهٔ {code('(yk − ŷk)²')} به ŷk وابسته "
                f"است؛ مشتقش {code('2(ŷk − yk)')} است و ضریب {code('1/m')} هم می‌ماند.")
    if loss == "half_sse":
        return (f"ضریب ½ در {code(_LOSS_FORMULA['half_sse'])} برای همین است که با ۲ِ مشتقِ "
                f"توان دو ساده شود: {code('∂L/∂ŷk = ŷk − yk')}.")
    if loss == "bce":
        return (f"مشتق {code(_LOSS_FORMULA['bce'])} نسبت به ŷk است؛ در عامل بعدی "
                f"{code(_BCE_SIGMOID)} مخرج را حذف می‌کند و حاصل‌ضرب این دو "
                f"{code('(ŷk − yk)/m')} می‌شود. برای همین bce را با sigmoid جفت می‌کنند.")
    return f"مشتق {code(_LOSS_FORMULA['ce'])} نسبت به ŷk."


_KINDS = {"loss": "loss", "merged": "merged", "softmax": "softmax", "link": "link",
          "param": "tail"}


def _factor_kind(factor: Factor, trace: Trace) -> str:
    """loss | merged | softmax | act:<name> | link | tail — which note explains it."""
    if factor.kind == "activation":
        return f"act:{trace.network.activations[factor.layer]}"
    return _KINDS[factor.kind]


def _pre_formula(trace: Trace, layer: int, j: int) -> tuple[str, str]:
    """``W1_11·x1 + W1_12·x2 + b1_1`` and the same with numbers."""
    inputs = trace.x if layer == 0 else trace.layers[layer - 1].out
    weights, n_layers = trace.network.weights[layer][j], len(trace.layers)
    names = [f"{param_name('W', layer, j, i)}·{input_name(n_layers, layer, i)}"
             for i in range(len(inputs))]
    numbers = [f"{term(w)}·{term(a)}" for w, a in zip(weights, inputs)]
    bias = trace.network.biases[layer][j]
    return (" + ".join([*names, param_name("b", layer, j, None)]),
            " + ".join([*numbers, term(bias)]))


def _factor_note(factor: Factor, kind: str, notation: _Notation) -> str:
    trace = notation.trace
    if kind == "loss":
        return _loss_note(trace.loss_name)
    if kind == "merged":
        return _MERGED_NOTE
    if kind == "softmax":
        return _SOFTMAX_NOTE
    top, bottom = notation.ends(factor)
    layer, n = factor.layer, factor.neuron
    if kind.startswith("act:"):
        return _activation_note(kind[4:], (bottom, float(trace.layers[layer].pre[n])))
    formula = code(f"{top} = {_pre_formula(trace, layer, n)[0]}")
    written = notation.formula(factor)
    if kind == "link":
        return (f"{formula}؛ از این جمع فقط جملهٔ {code(f'{written}·{bottom}')} به "
                f"{code(bottom)} بستگی دارد، پس مشتق همان وزن {code(written)} است.")
    if factor.source is None:
        return f"{formula}؛ بایاس (bias) با ضریب ۱ در این جمع آمده است، پس مشتق ۱ است."
    return (f"{formula}؛ فقط جملهٔ {code(f'{bottom}·{written}')} به {code(bottom)} "
            f"بستگی دارد، پس مشتق، ورودیِ ضرب‌شده در این وزن یعنی {code(written)} است.")


# --- the working: sections -------------------------------------------------------------------


def _heading(text: str) -> str:
    return f"<b>{text}</b>"


def _fold(blocks: list[str]) -> list[str]:
    """A long body becomes expandable quotes (one per block), so the chat stays short."""
    if visible_length("\n".join(blocks)) <= FOLD_FROM:
        return blocks
    return [quote(block.split("\n")) for block in blocks]


def _target(summary: BackpropSummary) -> str:
    return param_name(*summary.target)


def _setup(summary: BackpropSummary) -> list[str]:
    trace = summary.trace
    network, n_layers = trace.network, len(trace.layers)
    hidden = sorted({ACT_LABELS[a] for a in network.activations[:-1]})
    acts = f"خروجی {ACT_LABELS[network.activations[-1]]}"
    if hidden:
        layers = "لایهٔ پنهان" if n_layers == 2 else "لایه‌های پنهان"
        acts = f"{layers} {'، '.join(hidden)} و {acts}"
    lines = [
        _heading("🧠 پس‌انتشار (backpropagation) گام‌به‌گام"),
        (f"شبکهٔ {code(sizes_text(network.sizes))} با {acts}؛ تابع هزینه "
         f"{LOSS_LABELS[trace.loss_name]} و نرخ یادگیری (learning rate) "
         f"{code(f'α = {num(trace.lr)}')}. هدف: مشتق {code('L')} نسبت به "
         f"{code(_target(summary))} و به‌روزرسانی همهٔ پارامترها با SGD."),
        f"{code(f'x = {vector(trace.x)}')}   {code(f'y = {vector(trace.y)}')}",
    ]
    for layer, (w, b) in enumerate(zip(network.weights, network.biases), 1):
        rows = ", ".join(vector(row).replace("(", "[").replace(")", "]") for row in w)
        lines.append(f"{code(f'W{layer} = [{rows}]')}   {code(f'b{layer} = {vector(b)}')}")
    outputs = "h" if n_layers == 2 else "aℓ_j"
    lines.append(
        f"نام‌ها: {code('Wℓ_ji')} وزنی است که ورودی i را به نورون j از لایهٔ ℓ می‌برد (سطر j "
        f"ماتریس)، {code('Inℓ_j')} ورودی خالص (pre-activation) آن نورون، "
        + (f"{code(outputs)} خروجی لایهٔ پنهان، " if n_layers > 1 else "")
        + f"{code('ŷ')} خروجی شبکه و {code('L')} هزینه."
    )
    return lines


def _activation_line(trace: Trace, layer: int, n: int) -> str:
    activation = trace.network.activations[layer]
    pre, out = pre_name(layer, n), out_name(len(trace.layers), layer, n)
    step = trace.layers[layer]
    value = num(step.out[n])
    if activation == "softmax":
        return code(f"{out} = exp({pre})/Σq exp(In{layer + 1}_q) = {value}")
    if activation == "linear":
        return code(f"{out} = {pre} = {value}")
    call = _ACT_CALL[activation]
    return code(f"{out} = {call}({pre}) = {call}({num(step.pre[n])}) = {value}")


def _forward(summary: BackpropSummary) -> list[str]:
    trace = summary.trace
    n_layers = len(trace.layers)
    blocks = []
    for layer, step in enumerate(trace.layers):
        role = "خروجی" if layer == n_layers - 1 else "پنهان"
        activation = ACT_LABELS[trace.network.activations[layer]]
        lines = [f"لایهٔ {fa_int(layer + 1)} ({role}، {activation}):"]
        small = trace.network.sizes[layer] <= 3
        for n in range(len(step.pre)):
            names, numbers = _pre_formula(trace, layer, n)
            shown = f"{names} = {numbers}" if small else numbers
            lines.append(code(f"{pre_name(layer, n)} = {shown} = {num(step.pre[n])}"))
            lines.append(_activation_line(trace, layer, n))
        blocks.append("\n".join(lines))
    header = [_heading("۱) گذر رو به جلو (forward pass)"),
              ("هر نورون جمع وزن‌دار ورودی‌هایش به‌اضافهٔ بایاس را حساب می‌کند "
               f"({code('In')}) و تابع فعال‌سازی (activation) را رویش اعمال می‌کند.")]
    sizes = trace.network.sizes
    if sizes[0] >= 2 and sizes[1] >= 2:
        header.append(
            f"نکته: سطر j ماتریس وزن‌ها مال نورون j است؛ پس {code(pre_name(0, 1))} از "
            f"{code(param_name('W', 0, 1, 0))} و {code(param_name('W', 0, 1, 1))} ساخته "
            f"می‌شود، نه از {code(param_name('W', 0, 0, 1))}.")
    return header + _fold(blocks)


def _loss_section(trace: Trace) -> list[str]:
    name, y, y_hat = trace.loss_name, trace.y, trace.y_hat
    m = y.size
    if name in ("mse", "half_sse"):
        squares = " + ".join(f"({term(a)} − {term(b)})²" for a, b in zip(y, y_hat))
        scale = f"(1/{m})" if name == "mse" else "½"
        numbers = f"{scale}·[{squares}]"
    elif name == "bce":
        terms = " + ".join(f"{term(a)}·log({num(b)}) + (1 − {term(a)})·log(1 − {num(b)})"
                           for a, b in zip(y, y_hat))
        numbers = f"−(1/{m})·[{terms}]"
    else:
        numbers = "−[" + " + ".join(f"{term(a)}·log({num(b)})" for a, b in zip(y, y_hat)) + "]"
    return [
        _heading("۲) تابع هزینه (loss)"),
        f"{LOSS_LABELS[name]} روی {code(f'm = {m}')} خروجی: {code(_LOSS_FORMULA[name])}",
        code(f"L = {numbers} = {num(trace.loss)}"),
    ]


def _via(path: ChainPath, notation: _Notation) -> str:
    """The output a path leaves the loss through: ŷk, or Inq for a merged ce head."""
    return notation.ends(path.factors[0])[1]


def _common_tail(paths: Sequence[ChainPath]) -> int:
    """How many trailing factors every path shares, leaving each a head."""
    shortest = min(len(p.factors) for p in paths)
    count = 0
    while count < shortest - 1 and len({p.factors[-1 - count] for p in paths}) == 1:
        count += 1
    return count


def _path_block(number: int, path: ChainPath, notation: _Notation,
                seen: dict[str, int], explained: set[str]) -> str:
    lines = [f"<b>مسیر {fa_int(number)}</b> (از راه {code(_via(path, notation))}):"]
    repeated = []
    for factor in path.factors:
        name = notation.name(factor)
        if name in seen:
            repeated.append(code(f"{name} = {num(factor.value)}"))
            continue
        seen[name] = number
        lines.append(factor_line(factor, notation))
        kind = _factor_kind(factor, notation.trace)
        if kind not in explained:
            explained.add(kind)
            lines.append("↳ " + _factor_note(factor, kind, notation))
    if repeated:
        lines.append(f"{'، '.join(repeated)} (همان عامل‌های بالا)")
    product = " · ".join(term(f.value) for f in path.factors)
    lines.append(f"حاصل‌ضرب مسیر {fa_int(number)}: {code(f'{product} = {num(path.value)}')}")
    return "\n".join(lines)


def _factoring(summary: BackpropSummary) -> list[str]:
    paths, target = summary.paths, _target(summary)
    name = _Notation(summary.trace).name
    shared = _common_tail(paths)
    heads = [p.factors[: len(p.factors) - shared] for p in paths]
    tail = paths[0].factors[len(paths[0].factors) - shared:]
    tail_names = "·".join(name(f) for f in tail)
    tail_value = math.prod(f.value for f in tail)
    head_values = [math.prod(f.value for f in head) for head in heads]
    names = "، ".join(code(name(f)) for f in tail)
    lines = [
        (f"<b>فاکتورگیری</b>: {names} در هر {fa_int(len(paths))} مسیر مشترک‌اند؛ مثل "
         f"{code('b·a + b·c = b(a + c)')} آن‌ها را از جمع بیرون می‌کشیم:"),
    ]
    if len(paths) <= 3:
        symbolic = " + ".join("·".join(name(f) for f in head) for head in heads)
        lines.append(code(f"∂L/∂{target} = ({symbolic})·{tail_names}"))
        expanded = " + ".join("·".join(term(f.value) for f in head) for head in heads)
        tail_terms = "·".join(term(f.value) for f in tail)
        lines.append(code(f"= ({expanded})·" + (f"({tail_terms})" if len(tail) > 1 else tail_terms)))
    summed = " + ".join(term(v) for v in head_values)
    lines.append(code(f"= ({summed})·{term(tail_value)} = {num(summary.gradient)}"))
    return lines


def _paths_section(summary: BackpropSummary) -> list[str]:
    trace, paths, target = summary.trace, summary.paths, _target(summary)
    notation = _Notation(trace)
    count = len(paths)
    if count == 1:
        intro = (f"{code(target)} فقط از یک مسیر روی {code('L')} اثر می‌گذارد؛ طبق قاعدهٔ "
                 "زنجیره‌ای (chain rule) مشتق، حاصل‌ضرب مشتق‌های جزئی در طول این مسیر است:")
    else:
        intro = (f"{code(target)} از {fa_int(count)} مسیر روی {code('L')} اثر می‌گذارد؛ طبق "
                 "قاعدهٔ زنجیره‌ای (chain rule) مشتق، جمعِ حاصل‌ضرب مشتق‌های جزئی در طول "
                 "هر مسیر است:")
    blocks = [_heading(f"۳) پس‌انتشار (backpropagation): مشتق L نسبت به {escape(target)}"),
              intro]
    if count <= 3:
        products = " + ".join("·".join(notation.name(f) for f in p.factors) for p in paths)
        blocks.append(code(f"∂L/∂{target} = {products}"))
    seen: dict[str, int] = {}
    explained: set[str] = set()
    path_blocks = [_path_block(n, p, notation, seen, explained)
                   for n, p in enumerate(paths, 1)]
    blocks.extend(_fold(path_blocks))
    if count > 1:
        blocks.append("\n".join(_factoring(summary)))
    blocks.append(f"{code(f'∂L/∂{target} = {num(summary.gradient)}')} ✅")
    return blocks


def _output_delta(trace: Trace) -> list[str]:
    last = len(trace.layers) - 1
    step, activation = trace.layers[last], trace.network.activations[last]
    label = f"δ{last + 1}"
    if trace.loss_name == "ce":
        return [code(f"{label} = ŷ − y = {vector(step.delta)}"), "↳ " + _MERGED_NOTE]
    lines = [code(f"∂L/∂ŷ = {vector(trace.dloss_dout)}"), "↳ " + _loss_note(trace.loss_name)]
    if activation == "softmax":
        lines += [code(f"{label} = J·∂L/∂ŷ = {vector(step.delta)}"), "↳ " + _SOFTMAX_NOTE]
        return lines
    lines.append(code(f"{label} = ∂L/∂ŷ ⊙ act'(In{last + 1}) = {vector(trace.dloss_dout)} ⊙ "
                      f"{vector(step.act_grad)} = {vector(step.delta)}"))
    lines.append("↳ " + _activation_note(activation))
    return lines


def _delta_section(summary: BackpropSummary) -> list[str]:
    trace, target = summary.trace, _target(summary)
    _, layer, j, i = summary.target
    n_layers = len(trace.layers)
    blocks = [
        _heading(f"۳) پس‌انتشار (backpropagation): مشتق L نسبت به {escape(target)}"),
        (f"{code(target)} از {fa_int(summary.path_count)} مسیر روی {code('L')} اثر می‌گذارد؛ "
         "نوشتن تک‌تک آن‌ها طولانی و پر از تکرار است. همان جمع را لایه به لایه از خروجی به "
         f"عقب حساب می‌کنیم: {code('δℓ = ∂L/∂Inℓ')} خطای نورون‌های لایهٔ ℓ است و"),
        code("δℓ = (W(ℓ+1))ᵀ·δ(ℓ+1) ⊙ act'(Inℓ)"),
        ("یعنی هر نورون، خطای لایهٔ بعد را با همان وزن‌هایی که به آن وصلش می‌کنند جمع می‌زند "
         "و در مشتق تابع فعال‌سازی خودش ضرب می‌کند. این دقیقاً جمع همهٔ مسیرهاست، فقط "
         "عامل‌های مشترک یک بار حساب می‌شوند."),
        "\n".join(_output_delta(trace)),
    ]
    explained = {trace.network.activations[-1]}
    for m in range(n_layers - 2, layer, -1):
        step = trace.layers[m]
        lines = [code(f"δ{m + 1} = (W{m + 2})ᵀ·δ{m + 2} ⊙ act'(In{m + 1}) = "
                      f"{vector(trace.network.weights[m + 1].T @ trace.layers[m + 1].delta)} ⊙ "
                      f"{vector(step.act_grad)} = {vector(step.delta)}")]
        if trace.network.activations[m] not in explained:
            explained.add(trace.network.activations[m])
            lines.append("↳ " + _activation_note(trace.network.activations[m]))
        blocks.append("\n".join(lines))
    blocks.append("\n".join(_target_factors(summary, layer, j, i)))
    return blocks


def _target_factors(summary: BackpropSummary, layer: int, j: int, i: int | None) -> list[str]:
    """The factors of the target itself: the sum arriving from the next layer, its own
    act' and ∂In/∂θ (the engine's factors), and their product."""
    trace, target = summary.trace, _target(summary)
    out, pre = out_name(len(trace.layers), layer, j), pre_name(layer, j)
    upper = trace.layers[layer + 1].delta
    column = trace.network.weights[layer + 1][:, j]
    incoming = float(column @ upper)
    sum_terms = " + ".join(f"{term(w)}·{term(d)}" for w, d in zip(column, upper))
    activation, tail = summary.own_factors
    delta = float(trace.layers[layer].delta[j])
    notation = _Notation(trace)
    source = "1" if i is None else notation.formula(tail)
    return [
        f"<b>عامل‌های {escape(target)}</b>:",
        code(f"∂L/∂{out} = Σk W{layer + 2}_k{j + 1}·δ{layer + 2}_k = {sum_terms} = {num(incoming)}"),
        factor_line(activation, notation),
        "↳ " + _factor_note(activation, _factor_kind(activation, trace), notation),
        code(f"δ{layer + 1}_{j + 1} = ∂L/∂{pre} = {term(incoming)}·{term(activation.value)} = "
             f"{num(delta)}"),
        factor_line(tail, notation),
        code(f"∂L/∂{target} = δ{layer + 1}_{j + 1}·{source} = {term(delta)}·{term(tail.value)} = "
             f"{num(summary.gradient)}") + " ✅",
    ]


def _update_section(summary: BackpropSummary) -> list[str]:
    trace, target = summary.trace, _target(summary)
    kind, layer, j, i = summary.target
    lr = trace.lr

    def update_line(name: str, old: float, grad: float, new: float) -> str:
        return code(f"{name}(new) = {num(old)} − {num(lr)}·{term(grad)} = "
                    f"{new_value(new, lr * grad)}")

    def values_of(network: Network, k: int, jj: int, ii: int | None) -> float:
        return float(network.biases[k][jj] if ii is None else network.weights[k][jj, ii])

    old, new = values_of(trace.network, layer, j, i), values_of(trace.updated, layer, j, i)
    if summary.gradient > 0:
        direction = f"گرادیان مثبت است، پس {code(target)} کمی کم می‌شود تا L پایین بیاید."
    elif summary.gradient < 0:
        direction = f"گرادیان منفی است، پس {code(target)} کمی زیاد می‌شود تا L پایین بیاید."
    else:
        direction = f"گرادیان صفر است، پس {code(target)} در این گام تغییری نمی‌کند."
    lines = [
        _heading("۴) به‌روزرسانی با SGD"),
        ("گرادیان کاهشی تصادفی (SGD): هر پارامتر گامی کوچک خلاف جهت گرادیانش برمی‌دارد "
         f"(علامت منفی) و اندازهٔ گام را نرخ یادگیری {code(f'α = {num(lr)}')} تعیین می‌کند:"),
        code(f"{kind}_new = {kind}_old − α·∂L/∂{kind}"),
        update_line(target, old, summary.gradient, new),
        direction,
    ]
    if kind == "W":
        bias = param_name("b", layer, j, None)
        grad_b = float(trace.layers[layer].grad_b[j])
        lines.append("بایاس‌ها هم پارامترند و همین‌طور به‌روز می‌شوند (مثال‌های کلاسیک اغلب "
                     "این را جا می‌اندازند):")
        lines.append(update_line(bias, values_of(trace.network, layer, j, None), grad_b,
                                 values_of(trace.updated, layer, j, None)))
    lines.append("جدول همهٔ گرادیان‌ها و مقدارهای جدید وزن‌ها و بایاس‌ها در تصویر آخر آمده "
                 "است تا کل گام را خودتان وارسی کنید.")
    return lines


def _steps_section(summary: BackpropSummary) -> list[str]:
    losses = summary.losses
    rows = "\n".join(f"{k:>4}  {num(v, 10)}" for k, v in enumerate(losses))
    lines = [
        _heading(f"۵) چند گام پشت سر هم ({fa_int(summary.steps)} گام)"),
        (f"همان نمونه را {fa_int(summary.steps)} بار با SGD به‌روز کردیم؛ هزینه قبل از گام "
         "اول (۰) و بعد از هر گام:"),
        f"<pre>step  loss\n{rows}</pre>",
    ]
    if summary.diverged:
        lines.append(f"💥 در گام {fa_int(len(losses))} عددها سرریز شدند (واگرایی، divergence)؛ "
                     "نرخ یادگیری را کوچک‌تر کنید.")
    elif all(b < a for a, b in pairwise(losses)):
        lines.append(f"✅ هزینه در هر گام کم شد: از {fa_number(losses[0], DIGITS)} به "
                     f"{fa_number(losses[-1], DIGITS)}.")
    elif losses[-1] < losses[0]:
        lines.append("↔️ هزینه در کل کم شد ولی نه در همهٔ گام‌ها (نوسان)؛ نرخ یادگیری کمی بزرگ است.")
    else:
        lines.append("⚠️ هزینه کم نشد: نرخ یادگیری برای این شبکه بزرگ است یا گرادیان صفر است.")
    return lines


def working(summary: BackpropSummary) -> list[str]:
    """The whole worked step as Telegram messages (each within the 4096 limit)."""
    backward = _paths_section(summary) if summary.paths else _delta_section(summary)
    sections = [_setup(summary), _forward(summary), _loss_section(summary.trace), backward,
                _update_section(summary)]
    if summary.steps > 1:
        sections.append(_steps_section(summary))
    return split_messages(sections)


# --- captions and pictures -----------------------------------------------------------------


def caption(summary: BackpropSummary) -> str:
    target = _target(summary)
    sizes = sizes_text(summary.trace.network.sizes)
    what = "وزن" if summary.target[0] == "W" else "بایاس"
    return (
        f"🧠 <b>شبکهٔ {code(sizes)}</b> · مشتق L نسبت به {code(target)}\n"
        f"روی هر نورون ورودی خالص {code('In')} و خروجی‌اش و روی یال‌ها وزن {code('w')} و "
        f"گرادیانش {code('∇ = ∂L/∂w')} آمده است. {what} هدف قرمز و مسیرهای زنجیره‌ای‌اش "
        f"نارنجی‌اند.\n{code(f'∂L/∂{target} = {num(summary.gradient)}')}"
    )


def table_caption(summary: BackpropSummary) -> str:
    return (f"📋 همهٔ گرادیان‌ها و مقدارهای جدید (وزن‌ها و بایاس‌ها) بعد از یک گام SGD با "
            f"{code(f'α = {num(summary.trace.lr)}')}؛ ردیف قرمز {code(_target(summary))} است.")


def curve_caption(summary: BackpropSummary) -> str:
    losses = summary.losses
    return (f"📉 هزینه در {fa_int(len(losses) - 1)} گام: از {code(num(losses[0]))} به "
            f"{code(num(losses[-1]))}.")


def network_labels(summary: BackpropSummary) -> NetworkLabels:
    trace = summary.trace
    network, n_layers = trace.network, len(trace.layers)
    kind, layer_t, j_t, _ = summary.target
    short = ascii_number
    columns = ["ورودی\nx"]
    for layer, activation in enumerate(network.activations):
        role = "خروجی" if layer == n_layers - 1 else f"پنهان {fa_int(layer + 1)}"
        columns.append(f"{role}\n{ACT_LABELS[activation]}")
    columns.append("هزینه")
    names = [tuple(f"x{i + 1}" for i in range(network.sizes[0]))]
    notes = [tuple(short(float(v)) for v in trace.x)]
    for layer, step in enumerate(trace.layers):
        names.append(tuple(out_name(n_layers, layer, n) for n in range(len(step.pre))))
        notes.append(tuple(f"In = {short(float(pre))}\nout = {short(float(out))}"
                           for pre, out in zip(step.pre, step.out)))
    edges = tuple(
        tuple(tuple(f"w = {short(float(w))}\n∇ = {short(float(g))}" for w, g in zip(wr, gr))
              for wr, gr in zip(weights, step.grad_W))
        for weights, step in zip(network.weights, trace.layers)
    )
    target = _target(summary)
    if kind == "W":
        legend = f"وزن هدف {ltr(target)}"
    else:
        value = short(float(network.biases[layer_t][j_t]))
        legend = f"بایاس هدف {ltr(f'{target} = {value}, ∇ = {short(summary.gradient)}')}"
    return NetworkLabels(
        title=f"پس‌انتشار در شبکهٔ {fa_sizes(network.sizes)}: مشتق L نسبت به {ltr(target)}",
        columns=tuple(columns),
        names=tuple(names),
        notes=tuple(notes),
        edges=edges,
        loss=f"L = {short(trace.loss)}\n{_LOSS_SHORT[trace.loss_name]}",
        legend=(legend, "مسیرهای زنجیره‌ای",
                f"روی هر یال: وزن {ltr('w')} و گرادیانش {ltr('∇ = ∂L/∂w')}"),
    )


def table(summary: BackpropSummary) -> Table:
    trace = summary.trace
    lr = trace.lr
    rows: list[tuple[str, ...]] = []
    groups = []
    target = _target(summary)
    for layer, (step, w, w_new, b, b_new) in enumerate(zip(
        trace.layers, trace.network.weights, trace.updated.weights,
        trace.network.biases, trace.updated.biases,
    )):
        groups.append(len(rows))
        for j, i in ((j, i) for j in range(w.shape[0]) for i in range(w.shape[1])):
            grad = float(step.grad_W[j, i])
            rows.append((param_name("W", layer, j, i), num(w[j, i]), num(grad),
                         new_value(float(w_new[j, i]), lr * grad)))
        for j in range(b.shape[0]):
            grad = float(step.grad_b[j])
            rows.append((param_name("b", layer, j, None), num(b[j]), num(grad),
                         new_value(float(b_new[j]), lr * grad)))
    highlight = next(n for n, row in enumerate(rows) if row[0] == target)
    return Table(
        title=f"همهٔ پارامترها بعد از یک گام SGD (نرخ یادگیری {fa_number(lr)})",
        header=("پارامتر", "مقدار فعلی", f"گرادیان {ltr('∂L/∂θ')}", "مقدار جدید"),
        rows=tuple(rows),
        groups=tuple(groups),
        highlight=highlight,
    )


def curve_labels(summary: BackpropSummary) -> CurveLabels:
    return CurveLabels(
        title=f"هزینه بعد از هر گام SGD روی همان نمونه (نرخ یادگیری {fa_number(summary.trace.lr)})",
        x_label="گام",
        y_label="هزینه L",
    )


# --- bad options ---------------------------------------------------------------------------


def stray_text(text: str, example: str) -> str:
    return with_example(
        f"بخش {code(text)} را نفهمیدم. گزینه‌ها را به شکل {code('نام=مقدار')} بنویسید، "
        f"مثل {code('lr=0.1')} یا {code('wrt=w2_12')}.", example)


def layer_count(count: int, most: int, example: str) -> str:
    if count < 2:
        problem = (f"{code('layers')} دست‌کم دو عدد لازم دارد: تعداد ورودی‌ها و تعداد "
                   "خروجی‌ها (و بینشان لایه‌های پنهان).")
    else:
        problem = (f"حداکثر {fa_int(most)} لایهٔ وزن‌دار ({fa_int(most + 1)} عدد در "
                   f"{code('layers')}) را گام‌به‌گام نشان می‌دهم؛ با {fa_int(count - 1)} لایه "
                   "متن و شکل آن‌قدر بزرگ می‌شوند که دنبال کردنشان سخت است.")
    return with_example(problem, example)


def layer_width(size: int, most: int, example: str) -> str:
    if size < 1:
        problem = "هر لایه دست‌کم یک نورون لازم دارد."
    else:
        problem = (f"هر لایه حداکثر {fa_int(most)} نورون می‌تواند داشته باشد؛ با "
                   f"{fa_int(size)} نورون شکل شبکه شلوغ و ناخوانا می‌شود.")
    return with_example(problem, example)


def unknown_activation(name: str, example: str) -> str:
    return with_example(
        f"تابع فعال‌سازی (activation) {code(name)} را نمی‌شناسم. مجازها: {code('relu')}، "
        f"{code('sigmoid')}، {code('tanh')}، {code('linear')}، {code('leaky_relu')} و برای "
        f"لایهٔ خروجی {code('softmax')}.", example)


def activation_count(count: int, n_layers: int, example: str) -> str:
    forms = "یک نام (برای همهٔ لایه‌ها)"
    if n_layers >= 2:
        forms += "، دو نام (لایه‌های پنهان، خروجی)"
    if n_layers >= 3:
        forms += f" یا {fa_int(n_layers)} نام (یکی برای هر لایه)"
    return with_example(
        f"این شبکه {fa_int(n_layers)} لایهٔ وزن‌دار دارد؛ برای {code('act')} {forms} بدهید، "
        f"نه {fa_int(count)} نام.", example)


def softmax_hidden(example: str) -> str:
    return with_example(
        f"{code('softmax')} فقط برای لایهٔ خروجی است: خروجی‌ها را به احتمال‌هایی با جمع ۱ "
        "تبدیل می‌کند. برای لایه‌های پنهان relu، tanh، sigmoid، leaky_relu یا linear را "
        "انتخاب کنید.", example)


def loss_needs_output(loss: str, needed: str, got: str, example: str) -> str:
    why = ("احتمال هر خروجی را جدا لازم دارد (عددی بین ۰ و ۱)" if loss == "bce" else
           "یک توزیع احتمال روی خروجی‌ها لازم دارد (نامنفی با جمع ۱)")
    return with_example(
        f"تابع هزینهٔ {code(loss)} {why}، پس لایهٔ خروجی باید {code(needed)} باشد، نه "
        f"{code(got)}.", example)


def bad_target(loss: str, example: str) -> str:
    if loss == "bce":
        problem = f"برای {code('bce')} هر هدف {code('y')} باید بین ۰ و ۱ باشد (یک احتمال)."
    else:
        problem = (f"برای {code('ce')} هدف {code('y')} باید توزیع احتمال باشد: هیچ عدد منفی "
                   f"نداشته باشد و جمعش ۱ شود، مثل one-hot {code('0,1,0')}.")
    return with_example(problem, example)


def vector_size(name: str, needed: int, got: int, example: str) -> str:
    what = "ورودی" if name == "x" else "خروجی"
    return with_example(
        f"شبکه {fa_int(needed)} {what} دارد، پس {code(name)} باید {fa_int(needed)} عدد داشته "
        f"باشد، نه {fa_int(got)} عدد. (اندازهٔ لایه‌ها را با {code('layers=')} عوض کنید.)",
        example)


def weight_shape(layer: int, n_out: int, n_in: int, example: str) -> str:
    return with_example(
        f"ماتریس {code(f'W{layer}')} باید {fa_int(n_out)}×{fa_int(n_in)} باشد: "
        f"{fa_int(n_out)} سطر (یکی برای هر نورون لایهٔ {fa_int(layer)}) و در هر سطر "
        f"{fa_int(n_in)} عدد (یکی برای هر ورودی آن)؛ یعنی {fa_int(n_out * n_in)} عدد پشت سر "
        f"هم، یا سطرها جدا با {code(';')}.", example)


def bias_size(layer: int, n_out: int, got: int, example: str) -> str:
    return with_example(
        f"{code(f'b{layer}')} یک عدد (برای همهٔ نورون‌های لایه) یا {fa_int(n_out)} عدد "
        f"(یکی برای هر نورون) می‌گیرد، نه {fa_int(got)} عدد.", example)


def missing_layer(name: str, n_layers: int, example: str) -> str:
    return with_example(
        f"این شبکه {fa_int(n_layers)} لایهٔ وزن‌دار دارد، پس {code(name)} در آن نیست. برای "
        f"شبکهٔ عمیق‌تر اندازهٔ لایه‌ها را با {code('layers=')} بدهید.", example)


def bad_wrt(text: str, sizes: Sequence[int], example: str) -> str:
    n_layers = len(sizes) - 1
    return with_example(
        f"پارامتر {code(text)} در این شبکه ({code(sizes_text(sizes))}) نیست. {code('wrt')} "
        f"یک وزن به شکل {code('wℓ_ji')} (وزنی که ورودی i را به نورون j از لایهٔ ℓ می‌برد) یا "
        f"یک بایاس به شکل {code('bℓ_j')} است؛ این‌جا ℓ از ۱ تا {fa_int(n_layers)} است و "
        "j و i از ۱ تا اندازهٔ همان لایه‌ها.", example)


def overflow(example: str) -> str:
    return with_example(
        "عددهای شبکه آن‌قدر بزرگ شدند که از برد اعداد بیرون زدند (سرریز، overflow). "
        "وزن‌ها یا ورودی‌های کوچک‌تری بدهید.", example)
