"""/act: activation derivatives against SymPy and finite differences, the peaks, the
chain products, the picture and caption, every refused option, and the Telegram door."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from bot.commands import act
from bot.commands.act import EXAMPLE, parse
from bot.commands.router import handle_text
from bot.engine.activations import ACTIVATIONS, NAMES, activation, derivative_at
from bot.fa.html import plain_text
from bot.labs.act import ActRequest, run_act
from tests.fake_telegram import FakeTelegram
from tests.lab_checks import assert_caption, assert_png, assert_refused

Z = sp.Symbol("z", real=True)
#: The formulas as the PyTorch docs write them, independently of the engine.
FORMULAS = {
    "sigmoid": 1 / (1 + sp.exp(-Z)),
    "tanh": sp.tanh(Z),
    "relu": sp.Piecewise((Z, Z > 0), (0, True)),
    "leaky_relu": sp.Piecewise((Z, Z > 0), (sp.Rational(1, 100) * Z, True)),
    "elu": sp.Piecewise((Z, Z > 0), (sp.exp(Z) - 1, True)),
    "softplus": sp.log(1 + sp.exp(Z)),
    "gelu": Z * (1 + sp.erf(Z / sp.sqrt(2))) / 2,
    "linear": Z,
}
#: Away from the kink at 0, where the one-sided derivatives differ.
POINTS = (-4.0, -2.2, -0.7, -0.05, 0.3, 1.1, 2.0, 3.7)


def test_every_activation_has_a_reference_formula():
    assert set(NAMES) == set(FORMULAS) == set(ACTIVATIONS)


@pytest.mark.parametrize("name", NAMES)
def test_values_and_derivatives_match_sympy(name):
    formula = FORMULAS[name]
    derivative = sp.diff(formula, Z)
    engine = activation(name)
    z = np.array(POINTS)
    expected_values = [float(formula.subs(Z, p).evalf(30)) for p in POINTS]
    expected_slopes = [float(derivative.subs(Z, p).evalf(30)) for p in POINTS]
    np.testing.assert_allclose(engine.value(z), expected_values, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(engine.derivative(z), expected_slopes, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", NAMES)
def test_derivatives_match_central_differences(name):
    engine = activation(name)
    z = np.array(POINTS)
    h = 1e-6
    numeric = (engine.value(z + h) - engine.value(z - h)) / (2 * h)
    np.testing.assert_allclose(engine.derivative(z), numeric, rtol=1e-7, atol=1e-8)


def test_kinks_use_the_autograd_convention():
    # PyTorch: relu'(0) = 0, leaky_relu'(0) = slope, elu'(0) = alpha·e^0 = 1.
    assert derivative_at("relu", 0.0) == 0.0
    assert derivative_at("leaky_relu", 0.0) == 0.01
    assert derivative_at("elu", 0.0) == 1.0
    assert derivative_at("relu", 1e-9) == 1.0 and derivative_at("relu", 37.0) == 1.0
    assert derivative_at("leaky_relu", -5.0) == 0.01


def test_sigmoid_derivative_peaks_at_exactly_a_quarter_at_zero():
    peak = activation("sigmoid").peak
    assert peak.value == 0.25 and peak.where == "point" and peak.at == 0.0
    assert derivative_at("sigmoid", 0.0) == 0.25
    z = np.linspace(-6, 6, 12001)
    slopes = activation("sigmoid").derivative(z)
    assert slopes.max() == 0.25 and z[np.argmax(slopes)] == 0.0


def test_tanh_derivative_peaks_at_one_at_zero():
    peak = activation("tanh").peak
    assert (peak.value, peak.where, peak.at) == (1.0, "point", 0.0)
    assert np.all(activation("tanh").derivative(np.linspace(-6, 6, 1001)) <= 1.0)


def test_gelu_derivative_peaks_at_root_two():
    # GELU'' = 0 solved by SymPy, then GELU' evaluated there.
    slope = sp.diff(FORMULAS["gelu"], Z)
    roots = [r for r in sp.solve(sp.diff(slope, Z), Z) if r.is_positive]
    assert roots == [sp.sqrt(2)]
    peak = activation("gelu").peak
    assert peak.at == pytest.approx(math.sqrt(2), abs=1e-15)
    assert peak.value == pytest.approx(float(slope.subs(Z, sp.sqrt(2)).evalf(30)), rel=1e-14)
    assert peak.value == pytest.approx(1.1289, abs=1e-4)


@pytest.mark.parametrize(("name", "where", "value"), [
    ("relu", "positive", 1.0), ("leaky_relu", "positive", 1.0), ("elu", "nonnegative", 1.0),
    ("softplus", "infinity", 1.0), ("linear", "everywhere", 1.0)])
def test_peaks_that_are_not_a_single_point(name, where, value):
    peak = activation(name).peak
    assert (peak.where, peak.value) == (where, value)
    z = np.linspace(-8, 8, 4001)
    slopes = activation(name).derivative(z)
    assert slopes.max() <= value
    if where == "infinity":
        assert slopes.max() < value and derivative_at(name, 30.0) == pytest.approx(1.0, abs=1e-12)


def test_sigmoid_chain_of_ten_is_a_quarter_to_the_tenth():
    summary = run_act(ActRequest("sigmoid", depth=10)).summary
    assert summary.products == tuple(0.25 ** k for k in range(1, 11))
    assert summary.products[-1] == pytest.approx(9.5367431640625e-07, rel=1e-15)
    assert summary.regime == "vanishing"
    sigma2 = float(sp.diff(FORMULAS["sigmoid"], Z).subs(Z, 2).evalf(30))
    np.testing.assert_allclose(summary.side_products, [sigma2 ** k for k in range(1, 11)],
                               rtol=1e-12)


def test_tanh_with_weight_two_explodes_to_1024():
    summary = run_act(ActRequest("tanh", depth=10, w=2.0)).summary
    assert summary.factor == 2.0 and summary.products[-1] == 1024.0
    assert summary.regime == "exploding"


@pytest.mark.parametrize(("name", "w", "regime"), [
    ("relu", 1.0, "steady"), ("linear", 1.0, "steady"), ("softplus", 1.0, "vanishing"),
    ("relu", 0.5, "vanishing"), ("gelu", 1.0, "exploding"), ("sigmoid", 5.0, "exploding")])
def test_regimes(name, w, regime):
    assert run_act(ActRequest(name, depth=5, w=w)).summary.regime == regime


def test_data_has_the_documented_fields():
    data = run_act(ActRequest("relu", depth=3, w=1.5)).summary.to_data()
    assert data["name"] == "relu" and data["depth"] == 3 and data["w"] == 1.5
    assert data["max_derivative"] == 1.0 and data["argmax"] == "z>0"
    assert data["products"] == [1.5, 2.25, 3.375]
    assert run_act(ActRequest("sigmoid", depth=1)).summary.to_data()["argmax"] == 0.0


@pytest.mark.parametrize("name", NAMES)
def test_every_picture_is_a_small_png_and_every_caption_fits(name):
    result = run_act(ActRequest(name, depth=50, w=10.0))
    assert_png(result.png)
    assert_caption(act.words.caption(result.summary))


def test_sigmoid_caption_says_where_the_peak_is_and_gives_the_numbers():
    text = assert_caption(act.words.caption(run_act(ActRequest("sigmoid", depth=10)).summary))
    assert "σ'(0) = 0.25" in text and "z = 0" in text
    assert "0.25^10 ≈ 9.537e-7" in text and "۹٫۵۳۷×۱۰⁻⁷" in text
    assert "محوشدگی گرادیان (vanishing gradient)" in text


def test_relu_caption_names_the_half_line():
    text = plain_text(act.words.caption(run_act(ActRequest("relu")).summary))
    assert "ReLU'(z) = 1" in text and "z > 0" in text


# ---------------------------------------------------------------------- parsing

def test_defaults_and_normalisation():
    assert parse("") == ActRequest("sigmoid", 10, 1.0)
    assert parse("Leaky-ReLU depth=۵ w=۱٫۵") == ActRequest("leaky_relu", 5, 1.5)
    assert parse(EXAMPLE.partition(" ")[2]) == ActRequest("sigmoid", 10, 1.0)


@pytest.mark.parametrize(("args", "needles"), [
    ("swish", ("swish", "نمی‌شناسم", "sigmoid", "gelu")),
    ("sigmoid tanh", ("فقط یک تابع",)),
    ("sigmoid depth=0", ("depth", "۱", "۵۰")),
    ("sigmoid depth=51", ("depth", "۵۰")),
    ("sigmoid depth=2.5", ("depth", "عدد صحیح", "2.5")),
    ("sigmoid depth=ten", ("depth", "ten")),
    ("sigmoid w=0", ("w", "بزرگ‌تر از ۰")),
    ("sigmoid w=-1", ("w", "بزرگ‌تر از ۰")),
    ("sigmoid w=11", ("w", "۱۰")),
    ("sigmoid w=abc", ("w=abc", "عدد نیست")),
    ("sigmoid w=nan", ("w", "nan")),
    ("sigmoid w=inf", ("w", "inf")),
    ("sigmoid alpha=2", ("alpha", "نمی‌شناسم", "depth")),
    ("sigmoid depth=3 depth=4", ("depth", "دو بار")),
])
def test_every_bad_option_gets_its_own_message(args, needles):
    assert_refused(parse, args, EXAMPLE, *needles)


async def test_bad_input_through_the_router_is_a_persian_text_reply(ctx):
    response = await handle_text("/act swish", ctx)
    assert "swish" in plain_text(response.replies[0].text)


async def test_run_in_the_render_pool(ctx):
    response = await act.run("tanh depth=10 w=2", ctx)
    assert response.data["products"][-1] == 1024.0
    assert_png(response.replies[0].media.data)


async def test_telegram_door(fake: FakeTelegram, telegram_app) -> None:
    fake.push_message("/act sigmoid depth=10", user_id=4101)
    call = (await fake.wait_for("sendPhoto"))[0]
    assert_png(call.files["photo"])
    caption = call.params["caption"]
    assert call.params["parse_mode"] == "HTML"
    assert "0.25^10 ≈ 9.537e-7" in caption and "σ'(0) = 0.25" in caption


# ------------------------------------------------------------ the real forward pass

def _composed(name: str, w: float, depth: int, a0: float) -> float:
    """a_N as a function of a_0, from the reference formula (SymPy, not the engine)."""
    f = sp.lambdify(Z, FORMULAS[name], "mpmath")
    a = a0
    for _ in range(depth):
        a = float(f(w * a))
    return a


@pytest.mark.parametrize(("name", "w", "a0"), [
    ("tanh", 1.5, 1.0), ("tanh", 1.5, 0.3), ("sigmoid", 1.0, 1.0), ("sigmoid", 4.0, -0.5),
    ("relu", 1.5, 1.0), ("leaky_relu", 1.2, -1.0), ("elu", 1.3, -0.4), ("softplus", 0.9, 2.0),
    ("gelu", 1.1, 0.8), ("linear", 1.5, 1.0)])
def test_forward_products_are_the_derivative_of_the_composed_layers(name, w, a0):
    """∂a_N/∂a_0 by central differences of the composed reference formula, layer by layer."""
    summary = run_act(ActRequest(name, depth=6, w=w, a0=a0)).summary
    h = 1e-6
    for depth in range(1, 7):
        numeric = (_composed(name, w, depth, a0 + h) - _composed(name, w, depth, a0 - h)) / (2 * h)
        assert summary.forward_products[depth - 1] == pytest.approx(numeric, rel=1e-6, abs=1e-9)
    z, a = [], a0
    for _ in range(6):
        z.append(w * a)
        a = _composed(name, w, 1, a)
    np.testing.assert_allclose(summary.forward_z, z, rtol=1e-12, atol=1e-15)


def test_tanh_at_one_and_a_half_explodes_only_in_the_best_case():
    """The best case 1.5^10 ≈ 57.7 needs every pre-activation at 0; a real pass from
    a0 = 1 saturates (the fixed point a = tanh(1.5a) ≈ 0.858 has factor ≈ 0.40)."""
    summary = run_act(ActRequest("tanh", depth=10, w=1.5)).summary
    assert summary.regime == "exploding" and summary.products[-1] == pytest.approx(1.5 ** 10)
    assert summary.forward_regime == "vanishing" and summary.forward_products[-1] < 1e-3
    fixed = 0.858
    assert math.tanh(1.5 * fixed) == pytest.approx(fixed, abs=1e-3)
    assert 1.5 * (1 - fixed ** 2) == pytest.approx(0.396, abs=1e-3)
    text = plain_text(act.words.caption(summary))
    assert "محوشدگی گرادیان" in text and "اشباع" in text and "≈ 5.144e-5" in text
    # the next step no longer sends a learner to a tanh that vanishes
    assert "ReLU" in text and act.words.next_step(summary)[1] == "/act relu depth=10"


def test_relu_at_one_and_a_half_explodes_in_a_real_pass():
    summary = run_act(ActRequest("relu", depth=10, w=1.5)).summary
    assert summary.forward_products == tuple(1.5 ** k for k in range(1, 11))
    assert summary.forward_regime == "exploding"
    assert "انفجار گرادیان" in plain_text(act.words.caption(summary))


def test_a_dead_relu_passes_no_gradient_and_still_draws():
    result = run_act(ActRequest("relu", depth=5, w=1.5, a0=-1.0))
    assert result.summary.forward_products == (0.0,) * 5
    assert result.summary.forward_regime == "vanishing"
    assert_png(result.png)
    assert result.summary.to_data()["forward"] == {
        "a0": -1.0, "z": [-1.5, 0.0, 0.0, 0.0, 0.0], "products": [0.0] * 5, "regime": "vanishing"}


def test_a0_is_read_with_persian_digits():
    assert parse("tanh w=1.5 a0=-۰٫۵") == ActRequest("tanh", 10, 1.5, -0.5)


@pytest.mark.parametrize(("args", "needles"), [
    ("tanh a0=abc", ("a0=abc", "عدد نیست")),
    ("tanh a0=101", ("a0", "۱۰۰")),
    ("tanh a0=nan", ("a0", "nan")),
])
def test_bad_a0_gets_an_example_that_uses_it(args, needles):
    assert_refused(parse, args, act.INPUT_EXAMPLE, *needles)
