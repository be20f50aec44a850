"""The practice loop: what /quiz says with nothing to ask, streaks, statistics and the
Persian week; a learner's session through the offline chat and its moving clock (the
Telegram door: tests/test_quiz_sessions.py)."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from persiantools.jdatetime import JalaliDate

from bot.fa.bidi import keep_formulas_ltr
from bot.commands.base import Context
from bot.commands.router import handle_text
from bot.curriculum.markup import to_html
from bot.curriculum.model import Curriculum, Lesson, Quiz
from bot.doors.cli import run_messages
from bot.fa import practice as words
from bot.fa.dates import when
from bot.practice import stats, streaks, week_start
from bot.storage import AnswerInfo, PollInfo, Storage
from tests.db import record_answer

TEHRAN = ZoneInfo("Asia/Tehran")
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # Monday, 13:30 in Tehran
DAY = timedelta(days=1)
TODAY = date(2026, 11, 23)


def tiny_course() -> Curriculum:
    """One lesson, two questions: small enough to answer everything."""
    quizzes = tuple(Quiz(f"one-{n}", f"question {n}?", ("a", "b", "c"), 0, "because",
                         lesson_id="one", topic="basics") for n in (1, 2))
    return Curriculum((Lesson("one", 1, "One", "basics", ("#one",), "body", quizzes),))


async def answer(storage: Storage, quiz: Quiz, correct: bool, when: datetime,
                 user_id: int = 7) -> None:
    poll_id = f"{quiz.id}@{when.isoformat()}"
    option = quiz.correct if correct else (quiz.correct + 1) % len(quiz.options)
    assert await record_answer(storage, user_id, "Sara",
                               PollInfo(poll_id, quiz.id, user_id, 1, "practice", None),
                               option, correct, when)


# --- what /quiz says when there is nothing to ask -------------------------------------------
async def test_when_everything_is_answered_it_says_when_the_next_review_is(
        storage: Storage, services) -> None:
    services.course = tiny_course()
    first, second = services.course.quizzes
    await answer(storage, first, True, T0)
    await answer(storage, second, False, T0 + timedelta(hours=1))
    services.clock = lambda: T0 + timedelta(hours=2)
    ctx = Context(services, user_id=7, chat_id=7)
    [done] = (await handle_text("/quiz", ctx)).replies
    assert done.text.startswith("🎉")
    assert when(T0 + timedelta(hours=1) + DAY, TEHRAN) in done.text  # the miss, tomorrow

    services.clock = lambda: T0 + timedelta(hours=1) + DAY
    response = await handle_text("/quiz", ctx)
    assert response.data["quizzes"] == [second.id] and response.data["reviews"] == 1


# --- streaks, statistics, the week ------------------------------------------------------
@pytest.mark.parametrize(("ago", "expected"), [
    ((), (0, 0)),
    ((0,), (1, 1)),
    ((1,), (1, 1)),  # today's answer may still come
    ((2,), (0, 1)),
    ((0, 1, 2), (3, 3)),
    ((0, 2), (1, 1)),
    ((1, 2, 4, 5, 6, 7), (2, 4)),
    ((10, 11, 12), (0, 3)),
])
def test_streaks_count_to_today_or_yesterday_and_keep_the_best_run(
        ago: tuple[int, ...], expected: tuple[int, int]) -> None:
    assert streaks({TODAY - timedelta(days=n) for n in ago}, TODAY) == expected


@pytest.mark.parametrize(("late_evening_utc", "current"), [
    (datetime(2026, 11, 22, 20, 0, tzinfo=UTC), 2),  # 23:30 Sunday in Tehran
    (datetime(2026, 11, 22, 21, 0, tzinfo=UTC), 1),  # 00:30 Monday in Tehran: same day
])
def test_streak_days_are_tehran_days(late_evening_utc: datetime, current: int, services) -> None:
    answers = [AnswerInfo("q", 7, True, late_evening_utc), AnswerInfo("q", 7, True, T0)]
    result = stats(answers, services.course, TEHRAN, T0)
    assert (result.current_streak, result.best_streak) == (current, current)


def test_stats_name_the_weakest_topics_and_the_lesson_to_read(services) -> None:
    course = services.course
    lesson = {item.order: item for item in course.lessons}
    assert [lesson[n].topic for n in (1, 2, 5, 6, 7, 8, 11)] == [
        "basics", "basics", "architectures", "activations", "activations", "activations", "loss"]
    plan = [(1, 0, False), (2, 0, True), (2, 1, True),  # basics 2/3, missed in lesson 1
            (5, 0, True),  # architectures 1/1: not weak
            (6, 0, True), (7, 0, False), (8, 0, False),  # activations 1/3, missed first in 7
            (11, 0, False)]  # loss 0/1
    answers = [AnswerInfo(lesson[order].quizzes[n].id, 7, ok, T0 + timedelta(minutes=i))
               for i, (order, n, ok) in enumerate(plan)]
    result = stats(answers, course, TEHRAN, T0 + DAY)
    assert (result.answered, result.correct) == (8, 4)
    assert [(s.topic, s.correct, s.answered, s.lesson.order) for s in result.weakest] == [
        ("loss", 0, 1, 11), ("activations", 1, 3, 7), ("basics", 2, 3, 1)]
    assert [s.topic for s in stats(answers, course, TEHRAN, T0, weakest=2).weakest] == [
        "loss", "activations"]
    text = words.stats_text("<Sara>", result)
    assert "&lt;Sara&gt;" in text
    assert "• توابع زیان: ۰ از ۱ — 📘 درس ۱۱" in text
    assert "• توابع فعال‌سازی: ۱ از ۳ — 📘 درس ۷" in text
    assert "<code>/" not in text  # the lessons are buttons under /stats


def test_equal_accuracy_puts_the_topic_with_more_answers_first(services) -> None:
    course = services.course
    basics = [q for q in course.quizzes if q.topic == "basics"]
    loss = [q for q in course.quizzes if q.topic == "loss"]
    answers = [AnswerInfo(basics[0].id, 7, True, T0), AnswerInfo(basics[1].id, 7, False, T0),
               AnswerInfo(loss[0].id, 7, True, T0), AnswerInfo(loss[1].id, 7, False, T0),
               AnswerInfo(loss[2].id, 7, True, T0), AnswerInfo(loss[3].id, 7, False, T0)]
    assert [s.topic for s in stats(answers, course, TEHRAN, T0).weakest] == ["loss", "basics"]


@pytest.mark.parametrize("moment", [
    datetime(2026, 11, 20, 20, 29, tzinfo=UTC),  # Friday 23:59 in Tehran
    datetime(2026, 11, 20, 20, 30, tzinfo=UTC),  # Saturday 00:00 in Tehran
    datetime(2026, 11, 21, 12, 0, tzinfo=UTC),
    datetime(2026, 11, 23, 10, 0, tzinfo=UTC),
    datetime(2026, 11, 27, 20, 29, 59, tzinfo=UTC),  # the last second of the week
    datetime(2026, 3, 20, 21, 0, tzinfo=UTC),  # Nowruz 1405, a Saturday
])
def test_the_week_starts_saturday_midnight_in_tehran(moment: datetime) -> None:
    local_day = moment.astimezone(TEHRAN).date()
    saturday = local_day - timedelta(days=JalaliDate(local_day).weekday())  # 0 = شنبه
    expected = datetime(saturday.year, saturday.month, saturday.day, tzinfo=TEHRAN)
    start = week_start(moment, TEHRAN)
    assert start == expected
    assert start.astimezone(TEHRAN).hour == 0 and start.utcoffset() == timedelta(hours=3.5)
    assert start <= moment < start + 7 * DAY


# --- through the offline chat -----------------------------------------------------------
@pytest.fixture
def offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``python -m bot try`` settings: a fresh data folder, no .env, one render worker."""
    monkeypatch.chdir(tmp_path)
    for name in ("BOT_DB_URL", "BOT_CHANNEL_ID", "BOT_GROUP_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BOT_WORKERS", "1")
    return tmp_path


async def chat_json(messages: list[str], out: Path) -> list[dict]:
    stream = io.StringIO()
    await run_messages(messages, out, as_json=True, stream=stream)
    return [json.loads(line) for line in stream.getvalue().splitlines()]


async def test_the_offline_chat_answers_a_quiz_by_option_number(offline: Path, services) -> None:
    first, second = services.course.quizzes[0], services.course.quizzes[1]
    wrong = (first.correct + 1) % len(first.options)
    lines = await chat_json(["/quiz 2", str(wrong + 1), str(second.correct + 1), "/stats"],
                            offline / "out")
    quiz, verdict, last, numbers = lines
    assert quiz["replies"][1]["poll"]["question"] == f"❓ سؤال ۱ از ۲: {first.question}"
    assert verdict["data"]["quiz"] == first.id and verdict["data"]["correct"] is False
    assert verdict["replies"][-1]["poll"]["question"] == f"❓ سؤال ۲ از ۲: {second.question}"
    assert last["data"]["correct"] is True and last["data"]["rating"] == "Good"
    assert any(r["text"].startswith("🏁") for r in last["replies"] if r["type"] == "text")
    assert numbers["data"]["answered"] == 2 and numbers["data"]["correct"] == 1
    # the weakest topic's lesson is a button under /stats, not a /lesson to copy
    (stats_reply,) = numbers["replies"]
    lesson = services.course.by_id(first.lesson_id)
    callbacks = [b["callback"] for row in stats_reply["keyboard"] for b in row]
    assert f"lesson:show:{lesson.order}" in callbacks
    assert all(c.startswith("lesson:show:") for c in callbacks)

    # a new run on the same data folder: the answers were kept, the next questions are new
    again = await chat_json(["/stats", "/quiz 1"], offline / "out")
    assert again[0]["data"]["answered"] == 2
    assert again[1]["data"]["quizzes"] == [services.course.quizzes[2].id]


async def test_the_offline_chat_in_words(offline: Path, services) -> None:
    first = services.course.quizzes[0]
    stream = io.StringIO()
    await run_messages(["/quiz 1", f"{first.correct + 1}"], offline / "out", as_json=False,
                       stream=stream)
    text = stream.getvalue()
    assert f"📊 ❓ سؤال ۱ از ۱: {first.question}" in text
    assert f"  {first.correct + 1}) {first.options[first.correct]}" in text
    assert "✅ درست: ۱ از ۱" in text


async def test_the_offline_chat_answers_a_quiz_asked_by_a_button(offline: Path, services) -> None:
    """/lesson 16, press its quiz button (4), answer the poll it asks by option number."""
    lesson = services.course.by_order(16)
    quiz = lesson.quizzes[0]
    lines = await chat_json(["/lesson 16", "4", str(quiz.correct + 1)], offline / "out")
    asked, verdict = lines[1], lines[2]
    assert asked["replies"][1]["poll"]["question"].endswith(keep_formulas_ltr(quiz.question))
    assert verdict["data"]["quiz"] == quiz.id and verdict["data"]["correct"] is True


async def test_the_offline_clock_moves_and_brings_the_reminder(offline: Path, services) -> None:
    """``@…`` lines move the offline clock; the reminder due then arrives, with its button."""
    first = services.course.quizzes[0]
    wrong = (first.correct + 1) % len(first.options)
    lines = await chat_json(["@2026-11-23 08:30", "/quiz 1", str(wrong + 1), "1",
                             "@2026-11-23 19:00", "@2026-11-24 19:00", "1"], offline / "out")
    monday, _, answered, accepted, evening, tuesday, pressed = lines
    assert monday["replies"][0]["text"] == "🕒 دوشنبه ۲ آذر ۱۴۰۵، ساعت ۰۸:۳۰"
    assert accepted["data"]["reminder"] is True
    assert len(evening["replies"]) == 1  # practised today, nothing due: no reminder
    assert tuesday["replies"][1]["text"].startswith("⏰")
    assert pressed["data"]["quizzes"][0] == first.id and pressed["data"]["reviews"] == 1


async def test_a_group_quiz_carries_its_longer_explanation_behind_a_spoiler(services) -> None:
    """In a group an answer gets no private follow-up, so the longer explanation comes
    with the question, hidden until tapped (in a private session it follows a miss)."""
    course = services.course
    first_with_more = next(i for i, q in enumerate(course.quizzes) if q.more)
    quiz = course.quizzes[first_with_more]
    group = Context(services, user_id=77, chat_id=-500, chat_type="group", user_name="Sara")
    async with services.storage.transaction() as db:  # the group has seen the ones before
        earlier = [q.id for q in course.quizzes[:first_with_more]]
        old = await db.sessions.start(-500, 0, earlier, services.clock())
        for asked in range(len(earlier)):
            await db.sessions.advance(old.id, asked, services.clock())
        await db.sessions.finish(old.id, services.clock())
    poll, spoiler = (await handle_text("/quiz", group)).replies
    assert poll.quiz_id == quiz.id and poll.kind == "group"
    assert spoiler.text.endswith(f"<tg-spoiler>{to_html(quiz.more)}</tg-spoiler>")
