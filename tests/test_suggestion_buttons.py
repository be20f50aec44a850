"""A refusal's correct example (and the /gd a plain function suggests) is also a button
that runs it: through the router and through the real Application."""

from __future__ import annotations

import pytest

from bot.commands.base import Context, Photo, Text
from bot.commands.router import handle_button, handle_text, suggested_commands
from bot.fa.messages import STALE_BUTTON
from tests.fake_telegram import FakeTelegram


def _suggestions(reply: Text) -> list[str]:
    return [b.callback for row in reply.keyboard for b in row if b.callback.startswith("suggest:")]


@pytest.mark.parametrize("typed", [
    "/gd 0.1x^2 lr=abc", "/gd x^2 steps=100000", "/gd sin(", "x^2+3y^2", "/opt nosuch",
    "/backprop lr=-1", "/lr 0.1x^2 lrs=a",
])
async def test_a_refusal_offers_its_correct_example_as_a_button_that_works(
        ctx: Context, typed: str) -> None:
    reply = (await handle_text(typed, ctx)).replies[0]
    assert isinstance(reply, Text)
    buttons = _suggestions(reply)
    assert 1 <= len(buttons) <= 2 and all(len(b.encode()) <= 64 for b in buttons)
    pressed = await handle_button(buttons[0], ctx)
    assert not pressed.error, pressed.error
    assert any(isinstance(r, Photo) for r in pressed.replies), pressed.replies  # the lab ran


def test_suggestions_are_known_commands_not_the_one_typed_nor_admin_ones() -> None:
    message = ("<code>/gd x^2</code> <code>/gd x^2 lr=0.1</code> <code>/gd x^2 lr=0.1</code> "
               "<code>/nosuch</code> <code>/post_now quiz</code> <code>/lr 0.1x^2</code> "
               "<code>x0=2</code> <code>/fit</code>")
    assert suggested_commands(message, "/gd   x^2") == ["/gd x^2 lr=0.1", "/lr 0.1x^2"]


async def test_a_forgotten_suggestion_says_so(ctx: Context) -> None:
    response = await handle_button("suggest:AAAAAAAAAAA", ctx)
    assert response.error == STALE_BUTTON and not response.replies


async def test_the_button_runs_the_example_through_telegram(fake: FakeTelegram, telegram_app) -> None:
    fake.push_message("/gd 0.1x^2 lr=abc", user_id=4101)
    refusal = (await fake.wait_for("sendMessage"))[0]
    (row,) = refusal.params["reply_markup"]["inline_keyboard"]
    message = fake.messages[(4101, refusal.result["message_id"])]
    fake.push_button(message, row[0]["callback_data"], user_id=4101)
    photo = (await fake.wait_for("sendPhoto", timeout=60))[0]
    assert int(photo.params["chat_id"]) == 4101


#: Answers whose next steps are buttons: none may also show a command to copy
#: (``<code>/…</code>``). Refusals keep their correct example as code (it teaches what
#: to type, with its button beside it), and so does /help, the syntax reference.
NEXT_STEPS = ["/start", "/lesson 5", "/lesson adam", "/lessons", "/interview 27",
              "/act sigmoid depth=10", "/act tanh depth=10", "/act relu depth=10",
              "/fit degree=1", "/fit degree=12 n=20"]


@pytest.mark.parametrize("typed", NEXT_STEPS)
@pytest.mark.parametrize("chat_type", ["private", "group"])
async def test_next_steps_are_buttons_never_commands_to_copy(
        ctx: Context, typed: str, chat_type: str) -> None:
    ctx.chat_type = chat_type
    response = await handle_text(typed, ctx)
    assert not response.error, response.error
    for reply in response.replies:
        text = reply.text if isinstance(reply, Text) else getattr(reply, "caption", "")
        assert "<code>/" not in text, text
        assert "/lesson " not in text and "امتحان کنید: " not in text


@pytest.mark.parametrize(("typed", "step"), [
    ("/act sigmoid depth=10", "/act relu depth=10"),
    ("/act relu depth=10", "/act relu depth=10 w=1.5"),
    ("/fit degree=1", "/fit degree="),
    ("/fit degree=12 n=20", "/fit degree=12 n=200"),
])
async def test_a_labs_next_step_is_a_button_that_runs_it(ctx: Context, typed: str, step: str) -> None:
    (photo,) = (await handle_text(typed, ctx)).replies
    assert isinstance(photo, Photo)
    (button,) = _suggestions(photo)  # type: ignore[arg-type]
    label = next(b.text for row in photo.keyboard for b in row if b.callback == button)
    assert step in label
    pressed = await handle_button(button, ctx)
    (picture,) = pressed.replies
    assert isinstance(picture, Photo) and picture.media.key != photo.media.key


async def test_a_lessons_lab_is_its_button(ctx: Context) -> None:
    lesson = next(l for l in ctx.services.course.lessons if l.lab)
    (reply,) = (await handle_text(f"/lesson {lesson.order}", ctx)).replies
    assert isinstance(reply, Text) and lesson.lab not in reply.text
    (lab,) = [b for row in reply.keyboard for b in row if b.callback == f"lesson:lab:{lesson.order}"]
    assert lesson.lab.split()[0] in lab.text
