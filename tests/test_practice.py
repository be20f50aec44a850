"""The practice loop: which question comes next, streaks, statistics and the Persian
week; a learner's quiz through the real Telegram door and through the offline chat."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from persiantools.jdatetime import JalaliDate

from bot.commands.base import Context
from bot.commands.router import handle_text
from bot.curriculum.markup import to_html
from bot.curriculum.model import Curriculum, Lesson, Quiz
from bot.doors.cli import run_messages
from bot.fa import practice as words
from bot.fa.html import escape
from bot.practice import next_quiz, stats, streaks, week_start
from bot.storage import AnswerInfo, PollInfo, Storage
from tests.conftest import Clock
from tests.db import record_answer, stored
from tests.fake_telegram import Call, FakeTelegram, eventually

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


async def pick_next(storage: Storage, course: Curriculum, user_id: int, now: datetime):
    async with storage.transaction() as db:
        return await next_quiz(db, course, user_id, now)


# --- which question comes next ---------------------------------------------------------
async def test_questions_come_in_course_order_then_due_reviews_first(
        storage: Storage, services) -> None:
    course = services.course
    q = course.quizzes
    pick = await pick_next(storage, course, 7, T0)
    assert (pick.quiz, pick.review) == (q[0], False)

    await answer(storage, q[0], True, T0)
    await answer(storage, q[1], False, T0)
    await answer(storage, q[2], False, T0 + timedelta(hours=2))
    pick = await pick_next(storage, course, 7, T0 + DAY - timedelta(seconds=1))
    assert (pick.quiz, pick.review) == (q[3], False)  # the miss is not due yet

    pick = await pick_next(storage, course, 7, T0 + 2 * DAY)
    assert (pick.quiz, pick.review) == (q[1], True)  # waited longest
    await answer(storage, q[1], True, T0 + 2 * DAY)
    pick = await pick_next(storage, course, 7, T0 + 2 * DAY)
    assert (pick.quiz, pick.review) == (q[2], True)
    await answer(storage, q[2], True, T0 + 2 * DAY)
    pick = await pick_next(storage, course, 7, T0 + 2 * DAY)
    assert (pick.quiz, pick.review) == (q[3], False)

    other = await pick_next(storage, course, 8, T0 + 2 * DAY)
    assert (other.quiz, other.review) == (q[0], False)  # reviews are per learner


async def test_when_everything_is_answered_it_says_when_the_next_review_is(
        storage: Storage) -> None:
    course = tiny_course()
    first, second = course.quizzes
    await answer(storage, first, True, T0)
    await answer(storage, second, False, T0 + timedelta(hours=1))
    pick = await pick_next(storage, course, 7, T0 + timedelta(hours=2))
    assert pick.quiz is None and pick.next_review == T0 + timedelta(hours=1) + DAY

    await answer(storage, second, True, T0 + timedelta(hours=1) + DAY)
    await answer(storage, second, True, T0 + timedelta(hours=1) + 4 * DAY)
    await answer(storage, second, True, T0 + timedelta(hours=1) + 11 * DAY)
    pick = await pick_next(storage, course, 7, T0 + 12 * DAY)
    assert pick.quiz is None and pick.next_review is None  # retired: nothing left at all


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
    assert "• توابع زیان: ۰ از ۱ — بخوانید: <code>/lesson 11</code>" in text
    assert "• توابع فعال‌سازی: ۱ از ۳ — بخوانید: <code>/lesson 7</code>" in text


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


# --- through the Telegram door ----------------------------------------------------------
async def answer_sent_poll(fake: FakeTelegram, storage: Storage, sent_poll: Call, option: int,
                 user_id: int) -> None:
    """Answer a poll the bot sent, once the bot has stored it (it does so after Telegram
    confirms the send, a moment after the fake server has recorded the call)."""
    poll_id = sent_poll.result["poll"]["id"]
    await eventually(lambda: stored(storage, lambda db: db.polls.find(poll_id)))
    fake.push_poll_answer(poll_id, [option], user_id=user_id)


async def test_a_private_quiz_answered_wrong_comes_back_after_a_day(
        fake: FakeTelegram, telegram_app, services, clock: Clock) -> None:
    course = services.course
    first, second = course.quizzes[0], course.quizzes[1]
    start = clock()

    fake.push_message("/quiz", user_id=1001)
    [poll] = await fake.wait_for("sendPoll")
    assert int(poll.params["chat_id"]) == 1001
    assert poll.params["question"] == f"❓ {first.question}"
    assert poll.params["is_anonymous"] is False and poll.params["type"] == "quiz"
    assert poll.params["correct_option_ids"] == [first.correct]

    wrong = (first.correct + 1) % len(first.options)
    await answer_sent_poll(fake, services.storage, poll, wrong, user_id=1001)
    [feedback] = await fake.wait_for("sendMessage")
    assert int(feedback.params["chat_id"]) == 1001
    assert feedback.params["text"].startswith(
        f"❌ جواب درست: <b>{escape(first.options[first.correct])}</b>")
    buttons = feedback.params["reply_markup"]["inline_keyboard"]
    assert [b["callback_data"] for row in buttons for b in row] == ["quiz:next"]

    fake.push_message("/stats", user_id=1001)
    stats_message = (await fake.wait_for("sendMessage", 2))[1]
    assert "پاسخ‌ها: ۱ · درست: ۰" in stats_message.params["text"]

    clock.set(start + DAY - timedelta(minutes=1))
    fake.push_message("/quiz", user_id=1001)
    not_yet = (await fake.wait_for("sendPoll", 2))[1]
    assert not_yet.params["question"] == f"❓ {second.question}"
    assert len(fake.calls_to("sendMessage")) == 2  # no review note

    clock.set(start + DAY)
    fake.push_message("/quiz", user_id=1001)
    review = (await fake.wait_for("sendPoll", 3))[2]
    assert review.params["question"] == f"❓ {first.question}"
    note = (await fake.wait_for("sendMessage", 3))[2]
    assert note.params["text"] == words.REVIEW_NOTE

    await answer_sent_poll(fake, services.storage, review, first.correct, user_id=1001)
    praise = (await fake.wait_for("sendMessage", 4))[3]
    assert praise.params["text"].startswith("✅ آفرین، درست بود!")
    assert await stored(services.storage, lambda db: db.reviews.next_due(1001)) == start + 4 * DAY


async def test_the_next_question_button_under_feedback_asks_the_next_one(
        fake: FakeTelegram, telegram_app, services, clock: Clock) -> None:
    first, second = services.course.quizzes[0], services.course.quizzes[1]
    fake.push_message("/quiz", user_id=1002)
    [poll] = await fake.wait_for("sendPoll")
    await answer_sent_poll(fake, services.storage, poll, first.correct, user_id=1002)
    [feedback] = await fake.wait_for("sendMessage")
    fake.push_button(feedback.result, "quiz:next", user_id=1002)
    following = (await fake.wait_for("sendPoll", 2))[1]
    assert following.params["question"] == f"❓ {second.question}"
    assert int(following.params["chat_id"]) == 1002


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
    lines = await chat_json(["/quiz", str(wrong + 1), "/stats"], offline / "out")
    quiz, verdict, numbers = lines
    assert quiz["replies"][0]["type"] == "poll"
    assert quiz["replies"][0]["poll"]["question"] == f"❓ {first.question}"
    assert verdict["data"] == {"quiz": first.id, "correct": False, "recorded": True}
    assert verdict["replies"][0]["text"].startswith("❌")
    assert numbers["data"]["answered"] == 1 and numbers["data"]["correct"] == 0

    # a new session on the same data folder: the answer was kept, the next question is new
    again = await chat_json(["/stats", "/quiz", f"{second.correct + 1}", "/stats"], offline / "out")
    assert again[0]["data"]["answered"] == 1
    assert again[1]["replies"][-1]["poll"]["question"] == f"❓ {second.question}"
    assert again[2]["data"] == {"quiz": second.id, "correct": True, "recorded": True}
    assert (again[3]["data"]["answered"], again[3]["data"]["correct"]) == (2, 1)


async def test_the_offline_chat_in_words(offline: Path, services) -> None:
    first = services.course.quizzes[0]
    stream = io.StringIO()
    await run_messages(["/quiz", f"{first.correct + 1}"], offline / "out", as_json=False,
                       stream=stream)
    text = stream.getvalue()
    assert f"📊 ❓ {first.question}" in text
    assert f"  {first.correct + 1}) {first.options[first.correct]}" in text
    assert "✅ آفرین، درست بود!" in text


async def test_the_offline_chat_answers_a_quiz_asked_by_a_button(offline: Path, services) -> None:
    """/lesson 16, press its quiz button (3), answer the poll it asks by option number."""
    lesson = services.course.by_order(16)
    quiz = lesson.quizzes[0]
    lines = await chat_json(["/lesson 16", "3", str(quiz.correct + 1)], offline / "out")
    asked, verdict = lines[1], lines[2]
    assert asked["replies"][0]["poll"]["question"] == f"❓ {quiz.question}"
    assert verdict["data"] == {"quiz": quiz.id, "correct": True, "recorded": True}


async def test_a_group_quiz_carries_its_longer_explanation_behind_a_spoiler(services) -> None:
    """In a group an answer gets no private follow-up, so the longer explanation comes
    with the question, hidden until tapped; in a private chat it follows the answer."""
    course = services.course
    first_with_more = next(i for i, q in enumerate(course.quizzes) if q.more)
    for quiz in course.quizzes[:first_with_more]:  # answered right: no reviews due
        await answer(services.storage, quiz, True, services.clock(), user_id=77)
    quiz = course.quizzes[first_with_more]
    group = Context(services, user_id=77, chat_id=-500, chat_type="group", user_name="Sara")
    poll, spoiler = (await handle_text("/quiz", group)).replies
    assert poll.quiz_id == quiz.id
    assert spoiler.text.endswith(f"<tg-spoiler>{to_html(quiz.more)}</tg-spoiler>")
    private = Context(services, user_id=77, chat_id=77)
    assert [type(r).__name__ for r in (await handle_text("/quiz", private)).replies] == ["Poll"]
