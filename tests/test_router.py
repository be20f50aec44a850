"""The command table's entry points: commands, plain text, unknown commands, buttons."""

from __future__ import annotations

import dataclasses

import pytest

from bot.commands.base import Context, Response
from bot.commands.router import _BY_NAME, handle_button, handle_text, split_command
from bot.fa.messages import INTERNAL_ERROR, STALE_BUTTON


@pytest.mark.parametrize(
    ("text", "expected"),
    [("/gd 0.1x^2", ("gd", "0.1x^2")), ("/GD@DarsBot  x^2 lr=1", ("gd", "x^2 lr=1")),
     ("/help", ("help", "")), ("hello", None)],
)
def test_split_command(text: str, expected: tuple[str, str] | None) -> None:
    assert split_command(text) == expected


@pytest.mark.parametrize("text", ["/gd\nx^2", "/gd\u00a0x^2", "/gd\tx^2"])
def test_any_space_separates_the_command(text: str) -> None:
    assert split_command(text) == ("gd", "x^2")


@pytest.mark.parametrize("text", ["/" + "a" * 4080, "/gd x^2 " + "a" * 4000 + "=1",
                                  "/lesson " + "b" * 3000, "x" * 5000])
async def test_an_overlong_message_gets_a_short_refusal(text: str, ctx: Context) -> None:
    response = await handle_text(text, ctx)
    assert response.error and len(response.replies[0].text) < 400


async def test_plain_function_text_is_offered_to_gd(ctx: Context) -> None:
    reply = (await handle_text("x^2+3y^2", ctx)).replies[0].text
    assert "<code>/gd x^2+3y^2</code>" in reply


async def test_plain_words_get_the_general_hint_with_escaped_nothing(ctx: Context) -> None:
    response = await handle_text("<b>سلام</b>", ctx)
    assert "<b>سلام</b>" not in response.replies[0].text
    assert "/help" in response.replies[0].text
    assert response.error == ""


async def test_unknown_command_is_a_short_error_pointing_to_help(ctx: Context) -> None:
    response = await handle_text("/nosuch", ctx)
    assert response.error and response.replies[0].text.endswith("فهرست دستورها با مثال: /help")
    assert "منظورتان" not in response.replies[0].text


@pytest.mark.parametrize(("typed", "meant"), [("/gdd", "/gd"), ("/lessom", "/lesson"),
                                              ("/backprob", "/backprop"), ("/STATS1", "/stats")])
async def test_a_mistyped_command_gets_the_closest_one(typed: str, meant: str, ctx: Context) -> None:
    text = (await handle_text(f"{typed} x", ctx)).replies[0].text
    assert f"منظورتان {meant} بود؟" in text


async def test_start_is_short_and_points_to_help(ctx: Context) -> None:
    (reply,) = (await handle_text("/start", ctx)).replies
    text = reply.text  # type: ignore[union-attr]
    assert text.count("\n•") == 4 and text.endswith("همهٔ دستورها با مثال: /help")
    # each first step is described once and run by its button, not shown as a command
    assert "<code>" not in text and "/gd" not in text and "/opt" not in text
    labels = [row[0].text for row in reply.keyboard]  # type: ignore[union-attr]
    assert labels[0] == "🧪 /gd 0.1x^2 lr=0.4 steps=25" and len(labels) == 4
    assert all(f"• {label.split()[0]} " in text for label in labels)  # line and button pair up


@pytest.mark.parametrize(("data", "outcome"), [
    ("", "stale"), ("gd", "stale"), ("gd::", "stale"), ("zz:1:2", "stale"), ("nosuch:1", "stale"),
    ("lesson:show:x", "refused"), ("quiz:lesson:nope", "answered"),
])
async def test_forged_button_data_is_stale_not_a_crash(data: str, outcome: str,
                                                       ctx: Context) -> None:
    """A press answers with a pop-up and no message when it fails, so "no replies" alone
    says nothing: each forged payload must get the specific outcome, never the crash one."""
    response = await handle_button(data, ctx)
    assert INTERNAL_ERROR not in (response.notice, response.error)
    if outcome == "stale":
        assert response.notice == STALE_BUTTON and response.replies == []
    elif outcome == "refused":
        assert response.error and response.notice == response.error and response.replies == []
        assert response.notice != STALE_BUTTON
    else:
        assert response.replies and response.error == "" and response.notice == ""


async def test_a_button_handler_that_crashes_is_told_apart(
        ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check above can fail: a crashing handler answers with the internal-error notice."""
    async def crash(payload: str, ctx: Context) -> Response:
        raise RuntimeError("boom")

    monkeypatch.setitem(_BY_NAME, "gd", dataclasses.replace(_BY_NAME["gd"], on_button=crash))
    response = await handle_button("gd:token:half", ctx)
    assert (response.notice, response.error, response.replies) == (INTERNAL_ERROR, INTERNAL_ERROR, [])

