"""Inputs that used to get a wrong or generic answer: malformed numbers, starts too large
to work with, learning-rate buttons past their range, parameters echoed too roundly, a
race in which nobody took a step."""

from __future__ import annotations

import re

import pytest

from bot.commands.base import Context, Photo, Response, Text
from bot.commands.gd import MAX_LR, MIN_LR
from bot.commands.router import handle_button, handle_text
from bot.engine.expr import ExpressionError, parse_function
from bot.fa import help as help_words
from bot.fa.html import plain_text
from bot.fa.numbers import ascii_exact, ascii_number


def _shown(response: Response) -> str:
    first = response.replies[0]
    return plain_text(first.text if isinstance(first, Text) else first.caption)  # type: ignore[union-attr]


@pytest.mark.parametrize("text", ["1.2.3x", "1..2x", "x^2.5.1", "x + 0.1.2", "1.2.3",
                                  "sin(1.5.5x)"])
def test_a_number_with_two_decimal_points_is_refused(text: str) -> None:
    with pytest.raises(ExpressionError) as raised:
        parse_function(text)
    assert raised.value.code == "bad_number"


@pytest.mark.parametrize("text", ["2.5x", "x.5", "0.5x^2", ".5x", "1e3x", "2 .5x"])
def test_numbers_with_one_decimal_point_still_read(text: str) -> None:
    assert parse_function(text).expr.free_symbols


@pytest.mark.parametrize("command", ["/gd 1.2.3x", "/lr 1..2x^2", "/opt x^2+1.2.3y^2"])
async def test_every_function_lab_names_the_malformed_number(ctx: Context, command: str) -> None:
    response = await handle_text(command, ctx)
    shown = _shown(response)
    assert response.error and "ممیز" in shown
    assert re.search(r"\d\.+\d*\.\d", shown)  # the number as typed is quoted


#: The issue's inputs: f(x0) is finite but far past what a step or a picture can hold.
TOO_LARGE = ["/gd exp(x) x0=700", "/gd 10^x x0=300", "/gd x^64 x0=60000",
             "/lr exp(x) x0=700 lrs=0.1,0.2", "/opt exp(x)+y^2 x0=700,0"]


@pytest.mark.parametrize("command", TOO_LARGE)
async def test_a_start_too_large_to_draw_is_explained_with_a_start_that_works(
        ctx: Context, command: str) -> None:
    response = await handle_text(command, ctx)
    shown = _shown(response)
    assert response.error and "1e200" in shown and "مشکلی پیش آمد" not in shown
    suggestion = re.search(r"مثلاً با (x0=\S+) شروع کنید", shown)
    assert suggestion is not None
    fixed = re.sub(r"x0=\S+", suggestion.group(1), command)
    worked = await handle_text(fixed, ctx)
    assert not worked.error and isinstance(worked.replies[0], Photo)


@pytest.mark.parametrize("command", ["/gd exp(x) x0=460 steps=3", "/gd 10^x x0=199 steps=3"])
async def test_a_start_just_below_the_limit_is_drawn(ctx: Context, command: str) -> None:
    """f(x0) ≈ 6e199 and 1e199: under LARGEST_START_VALUE, and the picture copes."""
    response = await handle_text(command, ctx)
    assert not response.error and isinstance(response.replies[0], Photo)


def _press(response: Response, symbol: str) -> str:
    first = response.replies[0]
    return next(b.callback for row in first.keyboard for b in row if symbol in b.text)  # type: ignore[union-attr]


@pytest.mark.parametrize(("lr", "symbol", "reached", "limit"), [
    (2e-6, "÷", MIN_LR, MIN_LR), (6e5, "×", MAX_LR, MAX_LR)])
async def test_the_rate_buttons_stop_at_the_allowed_range_and_say_so(
        ctx: Context, lr: float, symbol: str, reached: float, limit: float) -> None:
    response = await handle_text(f"/gd 0.1x^2 lr={lr} steps=3", ctx)
    pressed = await handle_button(_press(response, symbol), ctx)
    assert pressed.data is not None and pressed.data["lr"] == reached
    again = await handle_button(_press(pressed, symbol), ctx)
    assert again.replies == [] and ascii_number(limit) in again.notice
    typed = await handle_text(f"/gd 0.1x^2 lr={limit / 2 if limit == MIN_LR else limit * 2}", ctx)
    assert typed.error  # what a button refuses to reach, typing is refused too


@pytest.mark.parametrize(("value", "shown"), [
    (0.999999999, "0.999999999"), (0.9, "0.9"), (0.0, "0"), (1.0, "1"),
    (0.1 + 0.2, "0.30000000000000004"), (1e-7, "1e-7"), (2.5e20, "2.5e20")])
def test_an_echoed_parameter_keeps_the_digits_that_tell_it_apart(value: float,
                                                                 shown: str) -> None:
    assert ascii_exact(value) == shown
    assert float(shown) == value


async def test_the_race_caption_shows_beta_as_typed(ctx: Context) -> None:
    """The short caption may leave the settings out; the whole explanation behind
    «توضیح بیشتر» must echo beta with every digit typed."""
    response = await handle_text("/opt beta=0.999999999 steps=5", ctx)
    picture = response.replies[0]
    more = next(b for row in picture.keyboard for b in row  # type: ignore[union-attr]
                if b.text == help_words.MORE)
    full = (await handle_button(more.callback, ctx)).replies[0]
    assert isinstance(full, Text)
    assert "beta=0.999999999" in plain_text(full.text)


async def test_a_race_where_nobody_steps_still_gets_its_picture(ctx: Context) -> None:
    """Every optimizer's first step overflows: the picture is drawn (its progress panel
    says why it is empty, bot.fa.opt.NO_STEPS) and the caption says they all stopped."""
    response = await handle_text("/opt exp(x^2)+y^2 x0=21,0 opt=sgd,momentum", ctx)
    assert not response.error and isinstance(response.replies[0], Photo)
    assert _shown(response).count("واگرا") == 2  # both runs named as stopped at once


@pytest.mark.parametrize("args", ["0", "-1", "31", "99999999999999999999", "abc", "۵x",
                                  "<b>ده</b>", "²", "5 6"])
async def test_quiz_with_anything_but_a_length_is_refused(ctx: Context, args: str) -> None:
    """/quiz N takes 1–30 questions; anything else used to start a 10-question session
    silently. Now it is named, with an example (user text escaped)."""
    response = await handle_text(f"/quiz {args}", ctx)
    assert response.error and not any(getattr(reply, "question", None)
                                      for reply in response.replies)
    shown = _shown(response)
    assert "/quiz 5" in shown and "۳۰" in shown
    html = "".join(r.text for r in response.replies if isinstance(r, Text))
    assert "<b>ده" not in html  # the learner's text is escaped


@pytest.mark.parametrize(("args", "asked"), [("۵", 5), ("1", 1), (" 30 ", 30)])
async def test_quiz_lengths_in_any_digits_still_start(ctx: Context, args: str, asked: int) -> None:
    response = await handle_text(f"/quiz {args}", ctx)
    assert not response.error and len(response.data["quizzes"]) == asked
