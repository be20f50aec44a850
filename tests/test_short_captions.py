"""Captions a phone can take in at a glance: at most six lines, the verdict first; the
whole explanation behind «توضیح بیشتر»; with ``anim`` one message, not two."""

from __future__ import annotations

import pytest

from bot.commands.base import Animation, Context, Photo
from bot.commands.router import SHORT_CHARS, SHORT_LINES, handle_button, handle_text, short_caption
from bot.fa import help as help_words
from bot.fa.html import plain_text, visible_length
from tests.fake_telegram import FakeTelegram

LABS = ["/gd x^4-3x^2+x", "/gd x^2+10y^2 x0=2,1 lr=0.05", "/gd x^2 lr=1.1 steps=10",
        "/opt bumpy", "/opt rosenbrock opt=sgd,momentum,adam", "/lr 0.1x^2 lrs=1,4,6,11",
        "/act sigmoid depth=10", "/batch", "/scale", "/fit degree=9"]


def _media(response) -> list[Photo | Animation]:
    return [r for r in response.replies if isinstance(r, (Photo, Animation))]


@pytest.mark.parametrize("command", LABS)
async def test_a_lab_caption_is_short_and_the_rest_is_one_press_away(ctx: Context,
                                                                    command: str) -> None:
    response = await handle_text(command, ctx)
    assert response.error == ""
    (picture,) = _media(response)
    lines = [line for line in picture.caption.split("\n") if line.strip()]
    assert len(lines) <= SHORT_LINES and visible_length(picture.caption) <= SHORT_CHARS
    buttons = [b for row in picture.keyboard for b in row]
    more = [b for b in buttons if b.text == help_words.MORE]
    if not more:  # already short: nothing hidden
        return
    assert len(more[0].callback.encode()) <= 64
    full = (await handle_button(more[0].callback, ctx)).replies[0].text
    assert visible_length(full) > visible_length(picture.caption)
    shown = set(lines)
    assert shown <= set(full.split("\n"))  # the short caption is made of the full one's lines


@pytest.mark.parametrize("command", ["/gd x^4-3x^2+x", "/gd x^2+10y^2 x0=2,1 lr=0.05"])
async def test_the_verdict_comes_first(ctx: Context, command: str) -> None:
    (picture,) = _media(await handle_text(command, ctx))
    first = picture.caption.split("\n")[0]
    assert first.startswith("<b>") and "گرادیان کاهشی" not in plain_text(first), first


async def test_anim_is_one_message(ctx: Context) -> None:
    media = _media(await handle_text("/gd x^4-3x^2+x anim", ctx))
    assert [type(m) for m in media] == [Animation]
    media = _media(await handle_text("/opt bumpy anim", ctx))
    assert [type(m) for m in media] == [Animation]


@pytest.mark.parametrize(("caption", "expected"), [
    ("a\nb", "a\nb"),  # short: unchanged
    ("head\n" + "\n".join(f"n{i}" for i in range(8)) + "\n<b>verdict</b>",
     "<b>verdict</b>\nhead\nn0\nn1\nn2\nn3"),
    ("head\n" + "x" * 200 + "\n" + "\n".join(f"n{i}" for i in range(8)),
     "head\nn0\nn1\nn2\nn3\nn4"),  # an explanation line waits for «more»
])
def test_short_caption_rules(caption: str, expected: str) -> None:
    assert short_caption(caption) == expected


async def test_more_through_telegram_answers_under_the_picture(fake: FakeTelegram,
                                                               telegram_app) -> None:
    asked = fake.push_message("/gd x^4-3x^2+x", user_id=1201, chat_id=-700,
                              chat_type="supergroup")
    photo = (await fake.wait_for("sendPhoto", timeout=60))[0]
    assert photo.params["reply_parameters"]["message_id"] == asked["message"]["message_id"]
    rows = photo.params["reply_markup"]["inline_keyboard"]
    more = next(b for row in rows for b in row if b["text"] == help_words.MORE)
    fake.push_button(photo.result, more["callback_data"], user_id=1201)
    full = (await fake.wait_for("sendMessage"))[0]
    assert full.params["reply_parameters"]["message_id"] == photo.result["message_id"]
    assert visible_length(full.params["text"]) > visible_length(photo.params["caption"])


async def test_help_is_grouped_with_examples_as_buttons_that_run(ctx: Context) -> None:
    from bot.fa.help import HELP_EXAMPLES

    reply = (await handle_text("/help", ctx)).replies[0]
    text = plain_text(reply.text)
    assert text.index("آزمایشگاه‌ها") < text.index("دوره") < text.index("تمرین")
    assert len(text.split("\n")) <= 30  # one phone screen, not 39 lines
    assert "x^2+10y^2" not in text and "100(y-x^2)" not in text  # no first try that fails
    buttons = [b for row in reply.keyboard for b in row]
    assert [b.text for b in buttons] == ["▶️ " + e for e in HELP_EXAMPLES]
    ran = await handle_button(buttons[0].callback, ctx)
    assert ran.error == "" and _media(ran)
    verdict = plain_text(_media(ran)[0].caption.split("\n")[0])
    assert "واگرا" not in verdict
