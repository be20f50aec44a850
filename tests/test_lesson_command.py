"""/lesson and /lessons: the next lesson per learner (kept in the database), a lesson by
number or by a word in Persian or English, the paged table of contents and its buttons."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.commands.base import Context, Photo, Poll, Response, Services, Text
from bot.commands.lesson import PAGE_SIZE
from bot.commands.router import handle_button, handle_text
from bot.fa import practice as words
from bot.fa.html import escape, visible_length
from bot.fa.numbers import fa_int
from bot.storage import Storage
from tests.db import stored


def lesson_texts(response: Response) -> list[str]:
    return [r.text for r in response.replies if isinstance(r, Text) and "📘" in r.text]


def lesson_replies(response: Response) -> list[Text]:
    return [r for r in response.replies if isinstance(r, Text) and "📘" in r.text]


def callbacks(reply: Text) -> list[str]:
    return [button.callback for row in reply.keyboard for button in row]


async def test_next_lesson_advances_per_learner_and_survives_a_restart(
        ctx: Context, services: Services) -> None:
    course = services.course
    assert (await handle_text("/lesson", ctx)).data["order"] == 1
    second = await handle_text("/lesson", ctx)
    assert second.data == {"lesson": course.lessons[1].id, "order": 2}
    assert "📘 <b>درس ۲ از ۴۶: " in lesson_texts(second)[0]

    other = Context(services, user_id=8, chat_id=8, user_name="Ali")
    assert (await handle_text("/lesson", other)).data["order"] == 1

    reopened = await Storage.open(services.storage.url)
    try:
        assert await stored(reopened, lambda db: db.learners.lesson_position(7)) == 2
        after_restart = Context(replace(services, storage=reopened), user_id=7, chat_id=7)
        assert (await handle_text("/lesson", after_restart)).data["order"] == 3
    finally:
        await reopened.close()


async def test_looking_at_a_lesson_does_not_move_the_reading_position(
        ctx: Context, services: Services) -> None:
    """Only «درس بعدی» and a bare /lesson move the position: browsing the table of
    contents, a lesson by number or by word, or «درس قبلی» skips nothing."""
    assert (await handle_text("/lesson", ctx)).data["order"] == 1
    assert (await handle_text("/lesson 17", ctx)).data["order"] == 17
    assert (await handle_text("/lesson ۵", ctx)).data["order"] == 5  # Persian digits
    assert (await handle_text("/lesson adam", ctx)).data["lesson"] == "adam"
    assert (await handle_button("lesson:show:30", ctx)).data["order"] == 30
    assert await stored(services.storage, lambda db: db.learners.lesson_position(7)) == 1
    assert (await handle_text("/lesson", ctx)).data["order"] == 2


async def test_the_next_lesson_button_moves_the_position_and_the_previous_one_does_not(
        ctx: Context, services: Services) -> None:
    seventeen = lesson_replies(await handle_text("/lesson 17", ctx))[0]
    assert callbacks(seventeen)[:2] == ["lesson:next:18", "lesson:show:16"]
    assert [b.text for b in seventeen.keyboard[0]] == [words.NEXT_LESSON, words.PREVIOUS_LESSON]
    assert (await handle_button("lesson:show:16", ctx)).data["order"] == 16
    assert await stored(services.storage, lambda db: db.learners.lesson_position(7)) == 0
    assert (await handle_button("lesson:next:18", ctx)).data["order"] == 18
    assert await stored(services.storage, lambda db: db.learners.lesson_position(7)) == 18
    assert (await handle_text("/lesson", ctx)).data["order"] == 19


@pytest.mark.parametrize(("order", "navigation"), [
    (1, ["lesson:next:2"]),
    (2, ["lesson:next:3", "lesson:show:1"]),
    (46, ["lesson:show:45"]),
])
async def test_every_lesson_carries_the_course_its_quiz_and_its_lab(
        order: int, navigation: list[str], ctx: Context, services: Services) -> None:
    lesson = services.course.by_order(order)
    reply = lesson_replies(await handle_text(f"/lesson {order}", ctx))[0]
    expected = [*navigation, f"lesson:read:{order}", f"quiz:lesson:{lesson.id}"]
    if lesson.lab:
        expected.append(f"lesson:lab:{order}")
    assert callbacks(reply) == expected


async def test_marking_a_lesson_read_shows_in_the_lesson_the_table_and_stats(
        ctx: Context, services: Services) -> None:
    pressed = await handle_button("lesson:read:3", ctx)
    assert pressed.edit and pressed.notice == words.MARKED_READ
    [lesson] = pressed.replies
    assert [b.text for b in lesson.keyboard[1]] == [words.LESSON_WAS_READ, words.LESSON_QUIZ]
    assert (await handle_button("lesson:read:3", ctx)).data == {"lesson": services.course.by_order(3).id,
                                                                 "read": True}  # twice: once
    await handle_button("lesson:read:10", ctx)
    again = lesson_replies(await handle_text("/lesson 3", ctx))[0]
    assert again.keyboard[1][0].text == words.LESSON_WAS_READ
    toc = (await handle_text("/lessons", ctx)).replies[0]
    titles = [b.text for row in toc.keyboard[:-1] for b in row]
    assert [t.startswith("✅ ") for t in titles] == [n == 3 for n in range(1, 9)]
    assert "✅ خوانده‌شده: ۲ از ۴۶" in toc.text
    stats = await handle_text("/stats", ctx)
    assert stats.data["lessons_read"] == 2
    other = Context(services, user_id=8, chat_id=8)
    assert not any(b.text.startswith("✅")
                   for row in (await handle_text("/lessons", other)).replies[0].keyboard for b in row)


@pytest.mark.parametrize(("chat_type", "shown"), [("private", False), ("group", True),
                                                  ("supergroup", True)])
async def test_channel_hashtags_are_left_out_of_private_chats(
        chat_type: str, shown: bool, services: Services) -> None:
    ctx = Context(services, user_id=7, chat_id=7 if chat_type == "private" else -5,
                  chat_type=chat_type)
    adam = next(lesson for lesson in services.course.lessons if lesson.id == "adam")
    assert adam.hashtags
    for command in ("/lesson adam", "/interview adam"):
        text = (await handle_text(command, ctx)).replies[0].text
        assert all((tag in text) is shown for tag in adam.hashtags), (command, text)


async def test_after_the_last_lesson_the_course_starts_again(ctx: Context,
                                                             services: Services) -> None:
    async with services.storage.transaction() as db:
        await db.learners.touch(7, "Sara", services.clock())
        await db.learners.set_lesson_position(7, len(services.course.lessons))
    response = await handle_text("/lesson", ctx)
    assert response.replies[0].text == words.COURSE_FINISHED
    assert response.data["order"] == 1


async def test_a_word_in_persian_or_english_finds_the_adam_lesson(ctx: Context,
                                                                  services: Services) -> None:
    adam = next(lesson for lesson in services.course.lessons if lesson.id == "adam")
    for query in ("آدام", "adam", "Adam", "ADAM"):
        response = await handle_text(f"/lesson {query}", ctx)
        assert response.data == {"lesson": "adam", "order": adam.order}, query
        first = response.replies[0]
        assert escape(adam.title) in first.text
        assert callbacks(first)[-2:] == ["quiz:lesson:adam", f"lesson:lab:{adam.order}"]
    # «adam» is also in AdamW's lesson: offered as a related lesson, with its button
    related = (await handle_text("/lesson adam", ctx)).replies[-1]
    assert related.text == words.RELATED_LESSONS
    assert "lesson:show:28" in callbacks(related)
    assert await stored(services.storage, lambda db: db.learners.lesson_position(7)) == 0  # looked at, not read in order


async def test_the_lab_button_runs_the_lessons_try_it_line(ctx: Context, services: Services) -> None:
    lesson = services.course.by_order(16)
    assert lesson is not None and lesson.lab == "/gd 0.1x^2 lr=0.4 steps=25"
    [row] = [r for r in (await handle_text("/lesson 16", ctx)).replies[0].keyboard
             if r[0].callback.startswith("lesson:lab:")]
    assert row[0].text == "🧪 اجرا: /gd 0.1x^2 lr=0.4 steps=25"
    pressed = await handle_button(row[0].callback, ctx)
    typed = await handle_text(lesson.lab, ctx)
    assert not pressed.error and pressed.data == typed.data
    assert isinstance(pressed.replies[0], Photo) and not pressed.edit


async def test_a_lab_button_under_a_channel_post_opens_the_bots_chat(services: Services) -> None:
    channel = Context(services, user_id=7, chat_id=-1001, chat_type="channel")
    pressed = await handle_button("lesson:lab:16", channel)
    assert pressed.start_link == "lab-16" and pressed.replies == []
    # the deep link arrives as /start lab-16 in the private chat, and runs the lab there
    private = Context(services, user_id=7, chat_id=7)
    started = await handle_text("/start lab-16", private)
    assert started.data == (await handle_text("/gd 0.1x^2 lr=0.4 steps=25", private)).data


@pytest.mark.parametrize(("data", "needle"), [("lesson:lab:1", "آزمایشگاهی ندارد"),
                                              ("lesson:lab:999", "۹۹۹")])
async def test_a_lab_button_without_a_lab_gets_a_polite_notice(data: str, needle: str,
                                                               ctx: Context) -> None:
    pressed = await handle_button(data, ctx)
    assert needle in pressed.notice and pressed.replies == []


@pytest.mark.parametrize(("query", "lesson_id"), [
    ("شبکه عصبی", "neural-network"), ("شبکهٔ عصبی", "neural-network"),
    ("کمینه محلی", "convexity"), ("کمینهٔ محلی", "convexity"),
])
async def test_a_search_ignores_the_ezafe_mark(query: str, lesson_id: str, ctx: Context) -> None:
    assert (await handle_text(f"/lesson {query}", ctx)).data["lesson"] == lesson_id


async def test_unknown_numbers_and_words_get_specific_persian_messages(ctx: Context,
                                                                       services: Services) -> None:
    total = len(services.course.lessons)
    for number in (999, 0):
        response = await handle_text(f"/lesson {number}", ctx)
        assert [r.text for r in response.replies] == [words.lesson_out_of_range(number, total)]
        assert response.error
    assert "۱ تا ۴۶" in words.lesson_out_of_range(999, total)

    response = await handle_text("/lesson zzz", ctx)
    assert [r.text for r in response.replies] == [words.lesson_not_found("zzz")]
    assert "«zzz»" in response.replies[0].text and "مثال درست" in response.replies[0].text
    assert await stored(services.storage, lambda db: db.learners.lesson_position(7)) == 0  # nothing was read


async def test_every_lesson_is_distinct_and_fits_one_message(ctx: Context,
                                                             services: Services) -> None:
    seen = set()
    for order in range(1, len(services.course.lessons) + 1):
        response = await handle_text(f"/lesson {order}", ctx)
        assert response.data["order"] == order
        [text] = lesson_texts(response)
        assert visible_length(text) <= 4096, order
        assert f"درس {order}".translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")) in text
        seen.add((response.data["lesson"], text))
    assert len(seen) == len(services.course.lessons)
    assert len({lesson_id for lesson_id, _ in seen}) == len(seen)


async def test_the_table_of_contents_pages_with_buttons(ctx: Context, services: Services) -> None:
    lessons = services.course.lessons
    pages = -(-len(lessons) // PAGE_SIZE)
    assert PAGE_SIZE == 8 and pages == 6

    first = (await handle_text("/lessons", ctx)).replies[0]
    assert "صفحهٔ ۱ از ۶" in first.text
    assert callbacks(first) == [f"lesson:show:{n}" for n in range(1, 9)] + ["lesson:page:2"]
    assert all(len(c.encode()) <= 64 for c in callbacks(first))
    assert first.keyboard[-1][0].text == words.NEXT_PAGE
    assert escape(lessons[7].title) in first.text and escape(lessons[8].title) not in first.text

    turned = await handle_button("lesson:page:2", ctx)
    assert turned.edit is True
    page = turned.replies[0]
    assert "صفحهٔ ۲ از ۶" in page.text
    assert callbacks(page) == ([f"lesson:show:{n}" for n in range(9, 17)]
                               + ["lesson:page:3", "lesson:page:1"])  # right to left
    assert [b.text for b in page.keyboard[-1]] == [words.NEXT_PAGE, words.PREVIOUS_PAGE]

    last = (await handle_button("lesson:page:6", ctx)).replies[0]
    assert callbacks(last) == [f"lesson:show:{n}" for n in range(41, 47)] + ["lesson:page:5"]
    assert "صفحهٔ ۶ از ۶" in (await handle_text("/lessons 99", ctx)).replies[0].text

    titles = [button.text for row in last.keyboard[:-1] for button in row]
    assert titles == [f"{fa_int(n)}. {lessons[n - 1].title}" for n in range(41, 47)]  # whole

    shown = await handle_button("lesson:show:9", ctx)
    assert shown.edit is False and shown.data["order"] == 9
    assert escape(lessons[8].title) in lesson_texts(shown)[0]


async def test_a_lessons_quiz_button_asks_a_question_of_that_lesson(ctx: Context,
                                                                    services: Services) -> None:
    adam = next(lesson for lesson in services.course.lessons if lesson.id == "adam")
    response = await handle_button("quiz:lesson:adam", ctx)
    intro, poll = response.replies
    assert isinstance(poll, Poll) and poll.quiz_id == adam.quizzes[0].id
    assert response.data["quizzes"] == [q.id for q in adam.quizzes]  # a session of that lesson
    assert poll.question.startswith(f"❓ سؤال ۱ از {fa_int(len(adam.quizzes))}: ")


@pytest.mark.parametrize(("query", "lesson_id"), [("adam", "adam"), ("آدام", "adam")])
async def test_an_interview_question_about_a_word(query: str, lesson_id: str, ctx: Context) -> None:
    assert (await handle_text(f"/interview {query}", ctx)).data["lesson"] == lesson_id


async def test_an_interview_word_with_no_question_is_said_so(ctx: Context) -> None:
    response = await handle_text("/interview abc", ctx)
    assert response.error and "abc" in response.replies[0].text
