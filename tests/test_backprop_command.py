"""/backprop end to end: options, the worked text, the pictures, ``try --json`` data and
the Telegram door. Every number is checked against plain numpy written out here (or
central finite differences), never against the engine."""

from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser
from itertools import pairwise

import numpy as np
import pytest
from PIL import Image

from bot.commands import backprop as command
from bot.commands.backprop import parse
from bot.commands.base import Context, Photo, Response, Text, UserError
from bot.commands.router import handle_text
from bot.fa.html import plain_text, visible_length
from bot.fa.pages import quote, split_messages
from bot.labs.backprop import BackpropRequest, Overflow, run_backprop
from tests.fake_telegram import FakeTelegram
from tests.lab_checks import assert_caption, assert_png

# --- the default example, by hand with numpy -------------------------------------------------

X = np.array([0.05, 0.10])
Y = np.array([0.01, 0.99])
W1 = np.array([[0.15, 0.20], [0.25, 0.30]])
B1 = np.array([0.35, 0.35])
W2 = np.array([[0.40, 0.45], [0.50, 0.55]])
B2 = np.array([0.60, 0.60])
LR = 0.01


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _default_step(w1, b1, w2, b2) -> dict[str, np.ndarray]:
    """Forward pass, MSE loss and every gradient of the 2-2-2 ReLU/sigmoid example."""
    in1 = w1 @ X + b1
    h = np.maximum(in1, 0.0)
    in2 = w2 @ h + b2
    y_hat = _sigmoid(in2)
    delta2 = (2.0 / 2.0) * (y_hat - Y) * y_hat * (1.0 - y_hat)
    delta1 = (w2.T @ delta2) * (in1 > 0)
    return {"In1": in1, "h": h, "In2": in2, "y_hat": y_hat,
            "loss": np.mean((Y - y_hat) ** 2),
            "W1": np.outer(delta1, X), "b1": delta1, "W2": np.outer(delta2, h), "b2": delta2}


HAND = _default_step(W1, B1, W2, B2)


@pytest.fixture
async def default_reply(ctx: Context) -> Response:
    """Plain /backprop (computed once in the session's render pool, then cached)."""
    return await command.run("", ctx)


def _texts(response: Response) -> str:
    return "\n".join(r.text for r in response.replies if isinstance(r, Text))


def test_default_numbers_in_the_text(default_reply: Response) -> None:
    text = plain_text(_texts(default_reply))
    numbers = [*HAND["In1"], *HAND["In2"], *HAND["y_hat"], HAND["loss"], HAND["W1"][0, 0]]
    for value in numbers:
        assert f"{value:.7g}" in text, value
    new = W1[0, 0] - LR * HAND["W1"][0, 0]
    assert round(new, 8) == 0.14998396
    assert "0.14998396" in text
    # the verified numbers of the brief, in their printed form
    for shown in ("0.3775", "0.3925", "0.927625", "1.004625", "0.7165932", "0.7319669",
                  "0.2829275", "0.0016044"):
        assert shown in text


def test_default_text_names_every_factor_and_the_update(default_reply: Response) -> None:
    text = plain_text(_texts(default_reply))
    for name in ("∂L/∂ŷ1", "∂ŷ1/∂In2_1", "∂In2_1/∂h1", "∂h1/∂In1_1", "∂In1_1/∂W1_11",
                 "∂L/∂ŷ2", "∂ŷ2/∂In2_2", "∂In2_2/∂h1"):
        assert name in text, name
    gradient = f"{HAND['W1'][0, 0]:.7g}"
    assert f"W1_11(new) = 0.15 − 0.01·{gradient} = 0.14998396" in text
    assert "b(a + c)" in text  # the common factors pulled out of the sum
    assert "σ'(z) ≤ 0.25" in text and "PyTorch" in text  # σ' bound, ReLU' at 0
    assert "پس‌انتشار" in text and "گذر رو به جلو" in text  # Persian prose
    y_hat = HAND["y_hat"]
    first_path = (y_hat[0] - Y[0]) * y_hat[0] * (1 - y_hat[0]) * W2[0, 0] * 1.0 * X[0]
    second_path = (y_hat[1] - Y[1]) * y_hat[1] * (1 - y_hat[1]) * W2[1, 0] * 1.0 * X[0]
    assert first_path + second_path == pytest.approx(HAND["W1"][0, 0], rel=1e-12)
    for value in (first_path, second_path):
        assert f"{value:.7g}" in text
    shown = re.search(r"b1_1\(new\) = 0\.35 − 0\.01·([-\d.e]+) = ([-\d.]+)", text)
    assert shown, "the bias update is shown too"
    assert float(shown.group(1)) == pytest.approx(HAND["b1"][0], rel=1e-6)
    assert float(shown.group(2)) == pytest.approx(B1[0] - LR * HAND["b1"][0], abs=1e-7)


def test_default_data_matches_numpy(default_reply: Response) -> None:
    data = default_reply.data
    assert data is not None
    assert json.loads(json.dumps(data)) == data  # plain JSON, full precision
    assert data["x"] == X.tolist() and data["y"] == Y.tolist()
    assert data["activations"] == ["relu", "sigmoid"] and data["loss_name"] == "mse"
    assert data["lr"] == LR and data["wrt"] == "w1_11"
    assert data["params"] == {"W1": W1.tolist(), "b1": B1.tolist(), "W2": W2.tolist(),
                              "b2": B2.tolist()}
    forward = data["forward"]
    np.testing.assert_allclose(forward[0]["pre"], HAND["In1"], rtol=1e-13)
    np.testing.assert_allclose(forward[0]["out"], HAND["h"], rtol=1e-13)
    np.testing.assert_allclose(forward[1]["pre"], HAND["In2"], rtol=1e-13)
    np.testing.assert_allclose(forward[1]["out"], HAND["y_hat"], rtol=1e-13)
    assert data["loss"] == pytest.approx(HAND["loss"], rel=1e-13)
    assert data["loss"] == pytest.approx(0.2829275069, abs=1e-10)
    old = {"W1": W1, "b1": B1, "W2": W2, "b2": B2}
    for name, value in old.items():
        np.testing.assert_allclose(data["grads"][name], HAND[name], rtol=1e-12)
        np.testing.assert_allclose(data["updated"][name], value - LR * HAND[name], rtol=1e-13)
    assert data["gradient"] == pytest.approx(0.0016044070, abs=1e-10)
    assert data["updated"]["W1"][0][0] == pytest.approx(0.14998396, abs=5e-9)
    assert "losses" not in data


def test_default_replies_pictures_and_captions(default_reply: Response) -> None:
    photos = [r for r in default_reply.replies if isinstance(r, Photo)]
    assert len(photos) == 2  # the network, the table of every gradient and update
    assert isinstance(default_reply.replies[0], Photo)
    network = assert_png(photos[0].media.data)  # phone-wide, rendered at 2×
    table = assert_png(photos[1].media.data)
    assert network.height > network.width and table.height > 600
    for photo in photos:
        assert "W1_11" in assert_caption(photo.caption)
    assert photos[0].media.key != photos[1].media.key


# --- options -----------------------------------------------------------------------------------


def test_default_request_is_the_classic_example() -> None:
    request = parse("")
    assert request.sizes == (2, 2, 2)
    assert request.weights == (((0.15, 0.20), (0.25, 0.30)), ((0.40, 0.45), (0.50, 0.55)))
    assert request.biases == ((0.35, 0.35), (0.60, 0.60))
    assert (request.x, request.y) == ((0.05, 0.10), (0.01, 0.99))
    assert request.activations == ("relu", "sigmoid")
    assert (request.loss, request.lr, request.wrt, request.steps) == ("mse", 0.01, "w1_11", 1)


@pytest.mark.parametrize(
    "args",
    [
        "w1=0.15,0.20,0.25,0.30",
        "w1=0.15,0.20;0.25,0.30",
        "w1 = 0.15, 0.20 ; 0.25, 0.30",
        "w1=۰٫۱۵،۰٫۲۰؛۰٫۲۵،۰٫۳۰",
        "W1=0.15,0.2;0.25,0.3 b1=0.35 b2=0.6,0.6",
    ],
)
def test_weight_and_bias_forms_mean_the_same_network(args: str) -> None:
    assert parse(args).key == parse("").key


def test_rows_and_flattened_weights_fill_rows_in_order() -> None:
    flat = parse("layers=3,2 w1=1,2,3,4,5,6")
    rows = parse("layers=3,2 w1=1,2,3;4,5,6")
    assert flat.weights == rows.weights == (((1.0, 2.0, 3.0), (4.0, 5.0, 6.0)),)


@pytest.mark.parametrize(
    ("args", "expected"),
    [("b1=0.1", ((0.1, 0.1), (0.6, 0.6))), ("b1=0.1,0.2 b2=-1", ((0.1, 0.2), (-1.0, -1.0)))],
)
def test_scalar_and_list_biases(args: str, expected) -> None:
    assert parse(args).biases == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("act=tanh", ("tanh", "tanh")),
        ("act=leaky_relu,linear", ("leaky_relu", "linear")),
        ("layers=2,3,3,2 act=relu,sigmoid", ("relu", "relu", "sigmoid")),
        ("layers=2,3,3,2 act=tanh", ("tanh", "tanh", "tanh")),
        ("layers=2,3,3,2 act=relu,tanh,sigmoid", ("relu", "tanh", "sigmoid")),
        ("loss=ce", ("relu", "softmax")),
        ("layers=3,2", ("sigmoid",)),
        ("layers=3,2 loss=ce", ("softmax",)),
    ],
)
def test_activation_forms(args: str, expected) -> None:
    assert parse(args).activations == expected


@pytest.mark.parametrize("loss", ["mse", "half_sse", "bce", "ce"])
def test_every_loss_parses(loss: str) -> None:
    request = parse(f"loss={loss}")
    assert request.loss == loss
    assert request.activations[-1] == ("softmax" if loss == "ce" else "sigmoid")


@pytest.mark.parametrize(("text", "canonical"),
                         [("w2_12", "w2_12"), ("b1_2", "b1_2"), ("W1_21", "w1_21"),
                          ("B2_1", "b2_1")])
def test_wrt_forms(text: str, canonical: str) -> None:
    assert parse(f"wrt={text}").wrt == canonical


def test_layers_and_seed_are_deterministic_and_give_valid_targets() -> None:
    first = parse("layers=3,4,2 seed=5")
    assert first == parse("layers = 3, 4, 2 seed=۵")
    assert first.sizes == (3, 4, 2) and first != parse("layers=3,4,2 seed=6")
    assert [len(w) for w in first.weights] == [4, 2] and len(first.weights[0][0]) == 3
    assert all(abs(v) <= 1 for w in first.weights for row in w for v in row)
    assert all(0 < v < 1 for v in first.y) and all(-1 <= v <= 1 for v in first.x)
    one_hot = parse("layers=3,4,5 seed=5 loss=ce").y
    assert sorted(one_hot) == [0, 0, 0, 0, 1]
    assert parse("seed=3").sizes == (2, 2, 2) and parse("seed=3") != parse("")
    assert parse("layers=3,4,2 seed=5 x=1,2,3").x == (1.0, 2.0, 3.0)


def test_lr_and_steps() -> None:
    request = parse("lr=0.5 steps=20")
    assert (request.lr, request.steps) == (0.5, 20)


# --- bad options: each its own Persian message with an example that works ---------------------

_EXAMPLE = re.compile(r"مثال درست: (/backprop[^\n]*)$")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        ("act=swish", "فعال‌سازی (activation) swish را نمی‌شناسم"),
        ("act=softmax,sigmoid", "softmax فقط برای لایهٔ خروجی"),
        ("act=softmax", "softmax فقط برای لایهٔ خروجی"),
        ("layers=2,3,3,2 act=relu,softmax,sigmoid", "softmax فقط برای لایهٔ خروجی"),
        ("act=relu,tanh,sigmoid", "۲ لایهٔ وزن‌دار دارد؛ برای act"),
        ("loss=bce act=relu,linear", "لایهٔ خروجی باید sigmoid باشد"),
        ("loss=ce act=relu,sigmoid", "لایهٔ خروجی باید softmax باشد"),
        ("layers=3,2 loss=ce act=sigmoid", "لایهٔ خروجی باید softmax باشد"),
        ("loss=bce y=2,0.5", "بین ۰ و ۱"),
        ("loss=ce y=0.5,0.6", "توزیع احتمال"),
        ("layers=3,2 loss=ce y=-1,2", "توزیع احتمال"),
        ("x=0.1,0.2,0.3", "x باید ۲ عدد"),
        ("layers=3,4,2 x=1,2", "x باید ۳ عدد"),
        ("y=0.5", "y باید ۲ عدد"),
        ("w1=0.1,0.2,0.3", "W1 باید ۲×۲"),
        ("w1=0.1,0.2;0.3", "W1 باید ۲×۲"),
        ("w1=0.1,0.2;0.3,0.4;0.5,0.6", "W1 باید ۲×۲"),
        ("layers=3,4,2 w2=1,2,3", "W2 باید ۲×۴"),
        ("b1=0.1,0.2,0.3", "b1 یک عدد"),
        ("w3=0.1", "w3 در آن نیست"),
        ("layers=3,2 b2=0.1", "b2 در آن نیست"),
        ("lr=abc", "عدد نیست"),
        ("w1=0.1,x,0.3,0.4", "عدد نیست"),
        ("x=nan,0.1", "nan"),
        ("w1=inf,0,0,0", "بی‌نهایت"),
        ("b2=-inf", "بی‌نهایت"),
        ("x=1e9,0", "حداکثر"),
        ("lr=0", "بزرگ‌تر از"),
        ("steps=21", "حداکثر ۲۰"),
        ("steps=2.5", "عدد صحیح"),
        ("layers=3,7,2", "حداکثر ۶ نورون"),
        ("layers=2,2,2,2,2,2", "حداکثر ۴ لایهٔ وزن‌دار"),
        ("layers=3", "دست‌کم دو عدد"),
        ("layers=3,0,2", "دست‌کم یک نورون"),
        ("layers=3,a,2", "عدد صحیح"),
        ("seed=-1", "دست‌کم"),
        ("wrt=w3_11", "پارامتر w3_11 در این شبکه"),
        ("wrt=w1_31", "پارامتر w1_31 در این شبکه"),
        ("wrt=b2_3", "پارامتر b2_3 در این شبکه"),
        ("layers=3,2 wrt=w2_11", "پارامتر w2_11 در این شبکه"),
        ("wrt=foo", "wrt"),
        ("loss=hinge", "مجاز نیست"),
        ("hello", "نفهمیدم"),
        ("depth=3", "نمی‌شناسم"),
        ("lr=0.1 lr=0.2", "دو بار"),
        ("loss=", "چیزی ننوشته‌اید"),
        ("loss=mse,bce", "فقط یک مقدار"),
    ],
)
def test_bad_option_gets_its_own_message_and_a_working_example(args: str, needle: str) -> None:
    with pytest.raises(UserError) as caught:
        parse(args)
    message = plain_text(caught.value.message)
    assert message.startswith("⚠️")
    assert needle in message, message
    example = _EXAMPLE.search(message)
    assert example, message
    parse(example.group(1).removeprefix("/backprop"))  # the example itself is accepted


@pytest.mark.parametrize("args", ["x=a,b", "y=0.1,q", "w1=0.1,x,0.3,0.4", "w2=inf,1;1,1",
                                  "b1=q", "loss=hinge", "loss="])
def test_a_bad_value_is_answered_with_an_example_of_that_option(args: str) -> None:
    name = args.split("=")[0]
    with pytest.raises(UserError) as caught:
        parse(args)
    example = _EXAMPLE.search(plain_text(caught.value.message))
    assert example and f" {name}=" in example.group(1), caught.value.message


async def test_bad_option_through_the_router_is_a_message_not_a_traceback(ctx: Context) -> None:
    response = await handle_text("/backprop act=softmax,relu", ctx)
    (reply,) = response.replies
    assert isinstance(reply, Text) and "softmax" in reply.text and "مثال درست" in reply.text


async def test_overflow_in_the_worker_becomes_a_persian_message(ctx: Context, monkeypatch) -> None:
    huge = BackpropRequest(x=(1e200,), y=(0.0,), weights=(((1e200,),),), biases=((0.0,),),
                           activations=("linear",), loss="mse", lr=0.1, wrt="w1_11")
    with pytest.raises(Overflow):
        run_backprop(huge)
    monkeypatch.setattr(command, "parse", lambda args: huge)
    response = await handle_text("/backprop", ctx)
    assert "سرریز" in response.replies[0].text and "مثال درست" in response.replies[0].text


# --- how numbers are printed -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("new", "step", "shown"),
    [
        (0.15 - 0.01 * 0.0016044069978288983, 0.01 * 0.0016044069978288983, "0.14998396"),
        (0.35 - 0.01 * 0.0320881, 0.01 * 0.0320881, "0.3496791"),
        (900000.0, 1e4, "900000"),
        (12.5, 0.5, "12.5"),
        (-0.48, 0.0, "-0.48"),
        (1e-5, 1e-7, "1e-5"),
    ],
)
def test_updated_values_show_the_step(new: float, step: float, shown: str) -> None:
    from bot.fa.backprop import new_value

    assert new_value(new, step) == shown
    assert float(shown) == pytest.approx(new, abs=abs(step) / 1000 + 1e-12)


# --- splitting into messages -------------------------------------------------------------------


class _TagChecker(HTMLParser):
    """Fails on a closing tag that does not match the open one; ``stack`` must end empty."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, (tag, self.stack)
        self.stack.pop()


def _assert_balanced(message: str) -> None:
    checker = _TagChecker()
    checker.feed(message)
    checker.close()
    assert checker.stack == [], checker.stack


def _assert_messages(messages: list[str], limit: int = 4096) -> None:
    for message in messages:
        assert 0 < visible_length(message) <= limit
        _assert_balanced(message)


def test_split_keeps_sections_whole_when_they_fit() -> None:
    sections = [["<b>one</b>", "a"], ["<b>two</b>", "<code>b</code>"]]
    assert split_messages(sections) == ["<b>one</b>\na\n\n<b>two</b>\n<code>b</code>"]
    assert visible_length(split_messages(sections)[0]) == 12
    assert split_messages(sections, limit=11) == ["<b>one</b>\na", "<b>two</b>\n<code>b</code>"]


def test_split_breaks_long_sections_and_quotes_between_lines() -> None:
    lines = [f"<code>line {n} {'x' * 60}</code>" for n in range(150)]
    sections = [["<b>head</b>", quote(lines)], ["<b>tail</b>", *lines[:80]]]
    messages = split_messages(sections)
    _assert_messages(messages)
    assert len(messages) >= 4
    assert all(m.count("<blockquote expandable>") == m.count("</blockquote>") for m in messages)
    joined = plain_text("\n".join(messages))
    assert all(plain_text(line) in joined for line in lines)


@pytest.mark.parametrize(
    "args",
    [
        "",
        "steps=20",
        "layers=6,6,6,6,6 seed=3 act=sigmoid,softmax wrt=w2_36 steps=20",
        "layers=6,6,6,6,6 seed=4 act=tanh,linear wrt=w3_65",
        "layers=2,6,6,2 seed=1 act=leaky_relu,softmax loss=mse wrt=w1_12",
        "layers=6,6,6,6 seed=2 act=relu,softmax loss=ce wrt=b1_6 steps=7",
        "layers=3,2 loss=bce wrt=b1_2",
    ],
)
def test_working_messages_fit_telegram_and_keep_tags_balanced(args: str) -> None:
    from bot.fa.backprop import working

    summary = run_backprop(parse(args)).summary
    messages = working(summary)
    _assert_messages(messages)
    text = plain_text("\n".join(messages))
    kind, rest = summary.wrt[0], summary.wrt[1:]
    assert f"∂L/∂{kind.upper() if kind == 'w' else kind}{rest}" in text
    if summary.path_count > 8:
        assert "δℓ = (W(ℓ+1))ᵀ·δ(ℓ+1) ⊙ act'(Inℓ)" in text and "مسیر ۱" not in text
    else:
        assert "مسیر ۱" in text


# --- gradients against finite differences ----------------------------------------------------


def _ce_loss(params: dict, x: np.ndarray, y: np.ndarray) -> float:
    """tanh hidden layer, softmax output, cross-entropy: written out with numpy."""
    h = np.tanh(np.array(params["W1"]) @ x + np.array(params["b1"]))
    z = np.array(params["W2"]) @ h + np.array(params["b2"])
    log_p = z - np.log(np.sum(np.exp(z)))
    return float(-np.sum(y * log_p))


async def test_json_gradients_match_finite_differences(ctx: Context) -> None:
    response = await handle_text("/backprop layers=3,4,2 seed=11 act=tanh,softmax loss=ce", ctx)
    data = response.data
    assert data["activations"] == ["tanh", "softmax"] and data["loss_name"] == "ce"
    x, y = np.array(data["x"]), np.array(data["y"])
    params = {k: np.array(v) for k, v in data["params"].items()}
    assert {k: v.shape for k, v in params.items()} == {"W1": (4, 3), "b1": (4,), "W2": (2, 4),
                                                       "b2": (2,)}
    assert data["loss"] == pytest.approx(_ce_loss(params, x, y), rel=1e-12)
    h = 1e-6
    for name, value in params.items():
        numeric = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            shifted = {k: v.copy() for k, v in params.items()}
            shifted[name][index] += h
            plus = _ce_loss(shifted, x, y)
            shifted[name][index] -= 2 * h
            numeric[index] = (plus - _ce_loss(shifted, x, y)) / (2 * h)
        np.testing.assert_allclose(data["grads"][name], numeric, rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(data["updated"][name], value - data["lr"] * numeric,
                                   rtol=1e-9, atol=1e-12)
    assert [len(layer["pre"]) for layer in data["forward"]] == [4, 2]
    assert sum(data["forward"][1]["out"]) == pytest.approx(1.0)


# --- several steps ---------------------------------------------------------------------------


async def test_five_steps_lower_the_loss_as_numpy_says(ctx: Context) -> None:
    response = await handle_text("/backprop steps=5", ctx)
    losses = response.data["losses"]
    w1, b1, w2, b2 = W1.copy(), B1.copy(), W2.copy(), B2.copy()
    expected = []
    for _ in range(6):
        step = _default_step(w1, b1, w2, b2)
        expected.append(step["loss"])
        w1, b1 = w1 - LR * step["W1"], b1 - LR * step["b1"]
        w2, b2 = w2 - LR * step["W2"], b2 - LR * step["b2"]
    np.testing.assert_allclose(losses, expected, rtol=1e-12)
    assert all(later < earlier for earlier, later in pairwise(losses))
    text = plain_text(_texts(response))
    assert "step  loss" in text and f"{expected[5]:.10g}" in text
    photos = [r for r in response.replies if isinstance(r, Photo)]
    assert len(photos) == 3  # network, table, loss curve
    curve = assert_png(photos[2].media.data)
    assert curve.width == 780  # phone-wide (the graph and the table are not yet)


def test_a_diverging_run_stops_and_says_so() -> None:
    request = parse("layers=6,6,6,6,6 seed=1 act=linear lr=10 steps=20 "
                    "x=100,100,100,100,100,100 b1=100")
    summary = run_backprop(request).summary
    assert summary.diverged and len(summary.losses) < 21
    assert np.all(np.isfinite(summary.losses))
    from bot.fa.backprop import working

    assert "واگرایی" in plain_text("\n".join(working(summary)))


# --- the Telegram door -------------------------------------------------------------------------


async def test_backprop_through_telegram(fake: FakeTelegram, telegram_app) -> None:
    fake.push_message("/backprop", user_id=5005)
    photos = await fake.wait_for("sendPhoto", 2, timeout=60)  # the table comes last
    texts = fake.calls_to("sendMessage")
    assert Image.open(io.BytesIO(photos[0].files["photo"])).format == "PNG"
    assert all(t.params["parse_mode"] == "HTML" for t in texts)
    text = "\n".join(plain_text(t.params["text"]) for t in texts)
    assert text.startswith("🧠 پس‌انتشار")
    assert "W1_11(new) = 0.15 − 0.01·0.001604407 = 0.14998396" in text
    assert "∂L/∂W1_11" in plain_text(photos[0].params["caption"])
