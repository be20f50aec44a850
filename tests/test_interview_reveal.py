"""/interview: the model answer waits behind a button (think first); «سؤال دیگر» asks
another question."""

from __future__ import annotations

from bot.commands.base import Context
from bot.commands.router import handle_button, handle_text
from bot.fa.lessons import ANOTHER_QUESTION, RELATED_LESSON, SHOW_ANSWER, THINK_FIRST
from bot.fa.html import plain_text


async def test_the_answer_is_hidden_until_asked_for(ctx: Context) -> None:
    lesson, interview = ctx.services.course.interviews[0]
    asked = (await handle_text(f"/interview {lesson.order}", ctx)).replies[0]
    shown = plain_text(asked.text)
    assert interview.question in shown and THINK_FIRST in shown
    assert plain_text(interview.answer)[:40] not in shown
    (show, another), (related,) = asked.keyboard
    assert related.callback == f"lesson:show:{lesson.order}"  # the lesson, one press away
    assert (show.text, another.text) == (SHOW_ANSWER, ANOTHER_QUESTION)

    revealed = await handle_button(show.callback, ctx)
    assert revealed.edit  # the same message, now with the answer
    text = revealed.replies[0].text
    assert "<blockquote expandable>" in text and THINK_FIRST not in plain_text(text)
    assert [b.text for row in revealed.replies[0].keyboard for b in row] == [
        ANOTHER_QUESTION, RELATED_LESSON]

    other = await handle_button(another.callback, ctx)
    assert not other.edit and other.data and "lesson" in other.data
    assert SHOW_ANSWER in [b.text for row in other.replies[0].keyboard for b in row]


async def test_a_forged_answer_button_is_refused_politely(ctx: Context) -> None:
    response = await handle_button("lesson:answer:99999", ctx)
    assert response.error and response.replies == []
