"""Tests for bot.commands.gd.parse: /gd arguments to a GDRequest, mistakes to Persian
UserErrors that say what was wrong and show an example to copy."""

from __future__ import annotations

import dataclasses
import re

import pytest

from bot.commands.base import Context, UserError
from bot.commands.gd import EXAMPLE, parse
from bot.commands.router import handle_text
from bot.fa.html import plain_text
from bot.labs.gd import GDRequest

FIELDS = [f.name for f in dataclasses.fields(GDRequest)]


def fields(request: GDRequest) -> dict[str, object]:
    return {name: getattr(request, name) for name in FIELDS}


# -------------------------------------------------------------------------- defaults

@pytest.mark.parametrize(
    ("args", "function", "x0"),
    [("", "0.1x^2", (2.0,)), ("0.1x^2", "0.1x^2", (2.0,)), ("x^4-3x^2+x", "x^4-3x^2+x", (2.0,)),
     ("x^2+10y^2", "x^2+10y^2", (2.0, 2.0)), ("(1-x)^2+100(y-x^2)^2",
                                               "(1-x)^2+100(y-x^2)^2", (2.0, 2.0))],
)
def test_defaults(args, function, x0):
    request = parse(args)
    assert request.function == function
    assert request.x0 == x0
    assert request.lr == 0.1
    assert request.steps == 25
    assert request.anim is False
    assert all(isinstance(v, float) for v in request.x0)
    assert isinstance(request.lr, float) and isinstance(request.steps, int)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("0.1x^2 lr=0.4 steps=25", {"function": "0.1x^2", "x0": (2.0,), "lr": 0.4, "steps": 25}),
        ("x^2 x0=-3 lr=1e-3 steps=500 anim",
         {"function": "x^2", "x0": (-3.0,), "lr": 0.001, "steps": 500, "anim": True}),
        ("x^2+10y^2 x0=2,1", {"function": "x^2+10y^2", "x0": (2.0, 1.0)}),
        ("x^2+10y^2 x0 = 2, 1", {"function": "x^2+10y^2", "x0": (2.0, 1.0)}),
        ("x^2+10y^2 x0= 2 ,1 lr = 0.05", {"x0": (2.0, 1.0), "lr": 0.05}),
        ("x^2 + 10y^2 x0=2,1", {"function": "x^2 + 10y^2", "x0": (2.0, 1.0)}),
        ("anim x^2", {"function": "x^2", "anim": True}),
        ("x^2 LR=0.3 STEPS=7", {"lr": 0.3, "steps": 7}),
        ("x^2 lr=1e6", {"lr": 1e6}),
        ("x^2 steps=1", {"steps": 1}),
        ("x^2 x0=+1.5", {"x0": (1.5,)}),
        ("x^2 x0=.5", {"x0": (0.5,)}),
    ],
)
def test_options_are_read(args, expected):
    request = parse(args)
    for name, value in expected.items():
        assert getattr(request, name) == value, name


@pytest.mark.parametrize(
    ("persian", "ascii_args"),
    [
        ("۰٫۱x^۲ lr=۰٫۴ steps=۲۵", "0.1x^2 lr=0.4 steps=25"),
        ("٠٫١x^٢ lr=٠٫٤ steps=٢٥", "0.1x^2 lr=0.4 steps=25"),
        ("x^۲+۱۰y^۲ x0=۲،۱ lr=۰٫۰۵", "x^2+10y^2 x0=2,1 lr=0.05"),
        ("x^۲+۱۰y^۲ x0 = ۲ ، ۱", "x^2+10y^2 x0=2,1"),
        ("x^۴−۳x^۲+x steps=۱۰۰ anim", "x^4-3x^2+x steps=100 anim"),
    ],
)
def test_persian_digits_give_the_same_request_as_ascii(persian, ascii_args):
    a, b = parse(persian), parse(ascii_args)
    assert fields(a) == fields(b)
    assert a == b
    assert a.key == b.key


def test_key_tells_apart_what_matters_and_ignores_spelling():
    base = parse("0.1x^2 lr=0.4")
    assert parse("0.1*x**2 lr=0.4").key == base.key
    assert parse("x^2/10 lr=0.4").key == base.key
    for other in ("0.2x^2 lr=0.4", "0.1x^2 lr=0.5", "0.1x^2 lr=0.4 x0=3",
                  "0.1x^2 lr=0.4 steps=26", "0.1x^2 lr=0.4 anim"):
        assert parse(other).key != base.key, other


# ------------------------------------------------------------------------- mistakes

BAD_OPTIONS = [
    # (args, kind of mistake, distinctive words that must appear in the visible message)
    ("0.1x^2 lr=nan", "not_finite", ["nan", "lr"]),
    ("0.1x^2 lr=inf", "not_finite", ["inf", "lr"]),
    ("0.1x^2 lr=-inf", "not_finite", ["inf", "lr"]),
    ("0.1x^2 lr=1e999", "not_finite", ["inf", "lr"]),
    ("0.1x^2 lr=-1", "lr_range", ["دست‌کم ۱×۱۰⁻⁶", "lr"]),
    ("0.1x^2 lr=0", "lr_range", ["دست‌کم ۱×۱۰⁻⁶", "lr"]),
    ("0.1x^2 lr=1e-7", "lr_range", ["دست‌کم ۱×۱۰⁻⁶", "lr"]),
    ("0.1x^2 lr=2e6", "lr_range", ["حداکثر", "lr"]),
    ("0.1x^2 lr=abc", "not_a_number", ["عدد نیست", "lr=abc"]),
    ("0.1x^2 lr=0.1.2", "not_a_number", ["عدد نیست", "lr=0.1.2"]),
    ("0.1x^2 steps=-3", "steps_range", ["دست‌کم ۱", "steps"]),
    ("0.1x^2 steps=2.5", "not_integer", ["صحیح", "2.5"]),
    ("0.1x^2 steps=0", "steps_range", ["دست‌کم ۱", "steps"]),
    ("0.1x^2 steps=501", "steps_range", ["حداکثر ۵۰۰", "steps"]),
    ("0.1x^2 steps=ten", "not_integer", ["صحیح", "ten"]),
    ("0.1x^2 lr=0.1 lr=0.2", "repeated", ["دو بار", "lr"]),
    ("0.1x^2 anim anim", "repeated", ["دو بار", "anim"]),
    ("0.1x^2 speed=2", "unknown_option", ["نمی‌شناسم", "speed", "x0"]),
    ("x^2+10y^2 x0=1", "count_2", ["۲ عدد", "ویرگول", "x0"]),
    ("x^2+10y^2 x0=1,2,3", "count_2", ["۲ عدد", "x0"]),
    ("x^2 x0=1,2", "count_1", ["یک عدد", "x0"]),
    ("x^2 x0=2e6", "x0_range", ["حداکثر", "x0"]),
    ("x^2 x0=nan", "not_finite", ["nan", "x0"]),
    ("__import__('os')", "bad_character", ["نویسهٔ", "_"]),
    ("foo(x)", "unknown_name", ["نمی‌شناسم", "foo"]),
    ("x+y+z", "extra_variable", ["متغیر", "z"]),
    ("sinx", "needs_parentheses", ["پرانتز", "sin(x)"]),
    ("(x+1", "unbalanced", ["پرانتز"]),
    ("x^999", "exponent_too_large", ["توان"]),
    ("2+3", "no_variable", ["وابسته"]),
    ("1/0+x", "division_by_zero", ["تقسیم بر صفر"]),
]
#: Refused by SymPy in the render worker (the event loop reads only the grammar): the
#: same Persian message, as the lab's reply.
WORKER_REFUSALS = [("log(0)+x", ["تعریف‌نشده"]), ("tan(pi/2)+x", ["تعریف‌نشده"]),
                   ("sqrt(-1)*x", ["مختلط"])]


@pytest.mark.parametrize(("args", "words"), WORKER_REFUSALS, ids=[a for a, _ in WORKER_REFUSALS])
async def test_what_needs_values_is_refused_by_the_worker_with_the_same_message(args, words, ctx):
    parse(args)  # the grammar is fine
    response = await handle_text(f"/gd {args}", ctx)
    message = response.replies[0].text
    assert response.error and "مثال درست" in message and f"<code>{EXAMPLE}</code>" in message
    visible = plain_text(message)
    for word in words:
        assert word in visible, (word, visible)


#: What SymPy refuses stays refused where it is multiplied by 0, raised to 0 or cancelled:
#: (refused text, the valid text whose normal form it would otherwise share).
HIDDEN_REFUSALS = [("x^2 + 0*log(0)", "x^2"), ("x^2 + 0*sqrt(-1)", "x^2"),
                   ("x^2*(sqrt(-1))^0", "x^2"), ("x^2 + log(-1)*0", "x^2"),
                   ("-(x^0.5)^2((-1)^x)^0", "-(x^0.5)^2"), ("x^2+log(0)-log(0)", "x^2"),
                   ("x^2*log(0)/log(0)", "x^2")]


@pytest.mark.parametrize(("args", "valid"), HIDDEN_REFUSALS, ids=[a for a, _ in HIDDEN_REFUSALS])
@pytest.mark.parametrize("valid_first", [False, True], ids=["cold", "warm"])
async def test_a_refused_part_times_zero_is_refused_whether_or_not_its_value_was_drawn(
        args, valid, valid_first, ctx):
    if valid_first:
        assert not (await handle_text(f"/gd {valid}", ctx)).error
    other = Context(ctx.services, user_id=ctx.user_id + 1, chat_id=ctx.user_id + 1,
                    user_name="Reza")
    response = await handle_text(f"/gd {args}", other)
    assert response.error and "مثال درست" in response.replies[0].text, response.replies


@pytest.mark.parametrize(("args", "kind", "words"), BAD_OPTIONS,
                         ids=[a for a, _, _ in BAD_OPTIONS])
def test_bad_input_raises_specific_user_error_with_example(args, kind, words):
    with pytest.raises(UserError) as info:
        parse(args)
    message = info.value.message
    assert "مثال درست" in message
    assert f"<code>{EXAMPLE}</code>" in message
    visible = plain_text(message)
    for word in words:
        assert word in visible, (word, visible)


def test_different_kinds_of_mistake_get_different_messages():
    messages: dict[str, set[str]] = {}
    for args, kind, _ in BAD_OPTIONS:
        with pytest.raises(UserError) as info:
            parse(args)
        messages.setdefault(kind, set()).add(info.value.message)
    kinds = list(messages)
    for i, a in enumerate(kinds):
        for b in kinds[i + 1:]:
            assert not messages[a] & messages[b], (a, b)


def test_example_in_error_messages_is_itself_valid():
    request = parse(EXAMPLE.removeprefix("/gd "))
    assert (request.function, request.lr, request.steps) == ("0.1x^2", 0.4, 25)


@pytest.mark.parametrize(
    ("args", "injected"),
    [
        ("x^2 <b>hi</b>=1", "<b>hi</b>"),  # an unknown option name
        ("x^2 lr=<b>1</b>", "lr=<b>1</b>"),  # a value that is not a number
        ("x^2 steps=<b>", "<b>"),  # a value that is not an integer
        ("<b>x</b>", "<"),  # a character the function parser refuses
        ("x^2 x0=<i>1</i>", "x0=<i>1</i>"),
    ],
)
def test_user_text_in_messages_is_html_escaped(args, injected):
    with pytest.raises(UserError) as info:
        parse(args)
    message = info.value.message
    # the user's markup is not markup in the reply ...
    assert "<b>" not in message and "<i>" not in message and "</b>" not in message
    assert "&lt;" in message
    # ... but the user sees exactly what they typed
    assert injected in plain_text(message)
    # and the only tags left are the bot's own
    assert set(re.findall(r"</?([a-z]+)", message)) <= {"code"}


@pytest.mark.parametrize("args", ["1e-5000x", "((1e-12)^64)^6*x", "x+1e-4400"])
def test_tiny_constant_is_refused_or_usable(args):
    try:
        request = parse(args)
    except UserError as error:
        assert "مثال درست" in error.message
        return
    assert request.key.startswith("gd|")


@pytest.mark.parametrize("args", ["y = x^2", "f(x)=x^2", "F(x) = x^2", "y=x^2 lr=0.1"])
def test_a_function_written_as_an_equation_is_accepted(args: str) -> None:
    assert parse(args).function == "x^2"


@pytest.mark.parametrize(("args", "needle"), [
    ("x^2 lr 0.1", "را با = بنویسید"),
    ("x^2 steps 5", "را با = بنویسید"),
    ("x^2 anim=1", "مقدار نمی‌گیرد"),
])
def test_an_option_written_the_wrong_way_is_named(args: str, needle: str) -> None:
    with pytest.raises(UserError) as caught:
        parse(args)
    assert needle in plain_text(caught.value.message)
