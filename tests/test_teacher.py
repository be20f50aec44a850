"""The channel teacher through the real PTB Application against the fake Bot API: the
daily lesson, the numbered quiz, the reveal, exactly once across restarts and two
instances, catch-up, faults; the admins' commands; the group quiz's leaderboard."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.fa.bidi import keep_formulas_ltr
from bot.commands.base import Context, Services
from bot.commands.router import handle_button, handle_text
from bot.config import Settings
from bot.curriculum.model import Quiz
from bot.doors.polling_errors import polling_failed
from bot.doors.telegram import (
    TelegramChannel,
    build_application,
    door_parts,
    may_have_arrived,
    on_startup,
)
from bot.fa import channel as words
from bot.services import assemble
from bot.fa.html import escape
from bot.storage import Claim, Storage
from bot.teacher import (
    LESSON_COUNTER,
    NUMBER_COUNTER,
    QUIZ_COUNTER,
    STUCK_AFTER,
    TICK_SECONDS,
    Teacher,
)
from tests.conftest import Clock
from tests.db import stored
from tests.fake_telegram import Call, FakeTelegram, eventually

CHANNEL, GROUP = -1001, -2002
TEHRAN = ZoneInfo("Asia/Tehran")
ADMIN = 4242
PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
#: What the channel sees of a day; everything else (getUpdates, …) is bookkeeping.
POSTING = ("sendMessage", "sendPoll", "stopPoll")


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """Day ``day`` after Monday 2026-11-23 (2 Azar 1405), at a Tehran time."""
    return datetime(2026, 11, 23 + day, hour, minute, second, tzinfo=TEHRAN)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, channel_id=CHANNEL, group_id=GROUP, lesson_time=time(9, 0),
                   quiz_time=time(18, 0), timezone="Asia/Tehran")


@pytest.fixture
async def teacher(clock: Clock, telegram_app, services: Services) -> Teacher:
    """The door's teacher, ticked by each test at chosen times (the app's own periodic
    tick is removed so real time never posts anything)."""
    for job in telegram_app.job_queue.get_jobs_by_name("channel-teacher"):
        job.schedule_removal()
    # each injected 500 is one failed attempt of the teacher: the door's own retries of
    # transient failures are switched off here (tests/test_delivery.py covers them)
    telegram_app.bot.rate_limiter.backoff = ()
    assert services.teacher is not None
    return services.teacher


def posts(fake: FakeTelegram, since: int = 0) -> list[Call]:
    """Successful posting calls, in order, from call number ``since`` on."""
    return [c for c in fake.calls[since:] if c.method in POSTING and c.status == 200]


def chat(call: Call) -> int:
    return int(call.params["chat_id"])


def summary(calls: list[Call]) -> list[tuple[str, int]]:
    return [(c.method, chat(c)) for c in calls]


def question(quiz: Quiz, number: int) -> str:
    """The channel's poll question, as sent (formulas kept left to right)."""
    return keep_formulas_ltr(f"❓کوییز شماره {str(number).translate(PERSIAN)}: {quiz.question}")


def share_line(quiz: Quiz, index: int, votes: list[int]) -> str:
    """A reveal line, from integer shares (the tests choose votes that divide evenly)."""
    share = 100 * votes[index] // sum(votes)
    assert 100 * votes[index] % sum(votes) == 0
    mark = "✅" if index == quiz.correct else "▫️"
    return f"{mark} {str(share).translate(PERSIAN)}٪ — {escape(quiz.options[index])}"


def admin(services: Services) -> Context:
    return Context(services, user_id=ADMIN, chat_id=ADMIN, user_name="Admin")


@asynccontextmanager
async def second_instance(services: Services) -> AsyncIterator[Teacher]:
    """Another bot process: its own PTB Application and its own Storage on the same
    SQLite file, talking to the same (fake) Telegram."""
    storage = await Storage.open(services.storage.url)
    application = build_application(services.settings)
    # as the runtime composes them (bot.services), on the test's clock
    twin = assemble(services.settings, services.runner, storage, services.course,
                    replace(door_parts(application), clock=services.clock))
    application.bot_data["services"] = twin
    await application.initialize()
    await on_startup(application)
    try:
        assert twin.teacher is not None and twin.teacher.owner != services.teacher.owner
        yield twin.teacher
    finally:
        await application.shutdown()
        await storage.close()


# --- wiring ----------------------------------------------------------------------------
async def test_the_door_schedules_the_teacher_on_its_job_queue(
        fake: FakeTelegram, clock: Clock, telegram_app, services: Services) -> None:
    jobs = telegram_app.job_queue.get_jobs_by_name("channel-teacher")
    for job in jobs:
        job.schedule_removal()
    assert len(jobs) == 1
    assert jobs[0].job.trigger.interval.total_seconds() == TICK_SECONDS
    assert isinstance(services.teacher.door, TelegramChannel)
    assert services.teacher.door.bot is telegram_app.bot
    # what the job does when it fires: a tick at the services' clock
    clock.set(at(0, 9, 0, 5))
    await jobs[0].run(telegram_app)
    [lesson] = posts(fake)
    assert chat(lesson) == CHANNEL and "درس ۱ از ۴۶" in lesson.params["text"]
    await jobs[0].run(telegram_app)
    assert len(posts(fake)) == 1


# --- a day of the channel --------------------------------------------------------------
async def test_lesson_at_nine_quiz_at_six_then_reveal_and_next_quiz(
        fake: FakeTelegram, teacher: Teacher, services: Services) -> None:
    course = services.course
    first, second = course.quizzes[0], course.quizzes[1]

    assert await teacher.tick(at(0, 8, 59, 59)) == []
    assert posts(fake) == []

    assert await teacher.tick(at(0, 9)) == ["2026-11-23:lesson"]
    [lesson] = posts(fake)
    assert chat(lesson) == CHANNEL and lesson.params["parse_mode"] == "HTML"
    assert lesson.params["text"].startswith("📅 دوشنبه ۲ آذر ۱۴۰۵\n\n📘 <b>درس ۱ از ۴۶: ")
    assert escape(course.lessons[0].title) in lesson.params["text"]

    assert await teacher.tick(at(0, 17, 59)) == []
    mark = len(fake.calls)
    assert await teacher.tick(at(0, 18)) == ["2026-11-23:quiz", "2026-11-23:group_quiz"]
    channel_poll, group_poll = posts(fake, mark)
    assert summary([channel_poll, group_poll]) == [("sendPoll", CHANNEL), ("sendPoll", GROUP)]
    for call, anonymous in ((channel_poll, True), (group_poll, False)):
        assert call.params["question"] == question(first, 1)
        assert call.params["type"] == "quiz"
        assert call.params["is_anonymous"] is anonymous
        assert call.params["correct_option_ids"] == [first.correct]
        assert [o["text"] for o in call.params["options"]] == [keep_formulas_ltr(o) for o in first.options]

    mark = len(fake.calls)
    assert await teacher.tick(at(0, 18, 0, 5)) == []
    assert await teacher.tick(at(0, 23, 59)) == []
    assert posts(fake, mark) == []

    votes = [3, 1] + [0] * (len(first.options) - 2)
    group_votes = [0, 1, 1] + [0] * (len(first.options) - 3)
    quiz_message = channel_poll.result["message_id"]
    group_message = group_poll.result["message_id"]
    fake.set_votes(CHANNEL, quiz_message, votes)
    fake.set_votes(GROUP, group_message, group_votes)

    assert await teacher.tick(at(1, 9)) == ["2026-11-24:lesson"]
    assert "📅 سه‌شنبه ۳ آذر ۱۴۰۵" in posts(fake)[-1].params["text"]
    assert "درس ۲ از ۴۶" in posts(fake)[-1].params["text"]

    mark = len(fake.calls)
    assert await teacher.tick(at(1, 18)) == ["2026-11-23:quiz:reveal",
                                             "2026-11-23:group_quiz:reveal",
                                             "2026-11-24:quiz", "2026-11-24:group_quiz"]
    calls = posts(fake, mark)
    assert summary(calls) == [("stopPoll", CHANNEL), ("sendMessage", CHANNEL),
                              ("stopPoll", GROUP), ("sendMessage", GROUP),
                              ("sendPoll", CHANNEL), ("sendPoll", GROUP)]
    stop, reveal, group_stop, group_reveal, next_quiz, _ = calls
    assert int(stop.params["message_id"]) == quiz_message
    assert reveal.params["reply_parameters"]["message_id"] == quiz_message
    assert int(group_stop.params["message_id"]) == group_message
    assert group_reveal.params["reply_parameters"]["message_id"] == group_message
    text = reveal.params["text"]
    assert text.startswith("📅 سه‌شنبه ۳ آذر ۱۴۰۵\n\n"
                           f"✅ <b>پاسخ کوییز شماره ۱</b>: {escape(first.options[first.correct])}")
    assert share_line(first, 0, votes) in text and share_line(first, 1, votes) in text
    assert "۷۵٪" in text and "۲۵٪" in text and "(۴ رأی)" in text
    assert all(share_line(first, i, group_votes) in group_reveal.params["text"]
               for i in range(len(first.options)))
    assert next_quiz.params["question"] == question(second, 2)


async def test_a_channel_lesson_carries_its_lab_as_a_button_that_opens_the_bot(
        fake: FakeTelegram, teacher: Teacher, services: Services) -> None:
    """A press under a channel post answers with a deep link to the bot's private chat,
    where /start lab-N runs the lab: nothing is posted to the channel."""
    await stored(services.storage, lambda db: db.counters.set(LESSON_COUNTER, 15))
    assert await teacher.tick(at(0, 9)) == ["2026-11-23:lesson"]
    [lesson] = posts(fake)
    [[button]] = lesson.params["reply_markup"]["inline_keyboard"]
    assert button == {"text": "🧪 اجرا: /gd 0.1x^2 lr=0.4 steps=25", "callback_data": "lesson:lab:16"}

    fake.push_button(lesson.result, button["callback_data"], user_id=4004)
    [answer] = await fake.wait_for("answerCallbackQuery")
    assert answer.params["url"] == "https://t.me/dars_test_bot?start=lab-16"
    fake.push_message("/start lab-16", user_id=4004)
    [photo] = await fake.wait_for("sendPhoto")
    assert chat(photo) == 4004 and "lr = 0.4" in photo.params["caption"]
    assert [chat(c) for c in posts(fake)] == [CHANNEL]  # the channel got the lesson only


async def test_a_restarted_teacher_posts_nothing_already_posted(
        fake: FakeTelegram, teacher: Teacher, telegram_app, services: Services) -> None:
    await teacher.tick(at(0, 18))
    before = len(posts(fake))
    assert before == 3  # the missed lesson, the quiz, the group quiz

    storage = await Storage.open(services.storage.url)
    restarted = replace(services, storage=storage)
    try:
        again = Teacher(restarted, TelegramChannel(telegram_app.bot, restarted), owner="restarted")
        assert again.owner != teacher.owner
        assert await again.tick(at(0, 18)) == []
        assert await again.tick(at(0, 22)) == []
    finally:
        await storage.close()
    assert len(posts(fake)) == before


async def test_two_instances_ticking_together_post_each_slot_once(
        fake: FakeTelegram, teacher: Teacher, services: Services) -> None:
    async with second_instance(services) as other:
        posted: list[str] = []
        for moment in (at(0, 18), at(0, 18, 0, 30), at(1, 9), at(1, 18), at(2, 18)):
            for keys in await asyncio.gather(teacher.tick(moment), other.tick(moment)):
                posted += keys
    expected = {f"2026-11-{23 + d}:{kind}" for d in range(3)
                for kind in ("lesson", "quiz", "group_quiz")}
    expected |= {f"2026-11-{23 + d}:{kind}:reveal" for d in (0, 1) for kind in ("quiz", "group_quiz")}
    assert sorted(posted) == sorted(expected)
    polls = [c for c in posts(fake) if c.method == "sendPoll"]
    course = services.course
    assert [c.params["question"] for c in polls if chat(c) == CHANNEL] == [
        question(course.quizzes[n], n + 1) for n in range(3)]
    assert len([c for c in polls if chat(c) == GROUP]) == 3
    assert len([c for c in posts(fake) if c.method == "stopPoll"]) == 4


async def test_missed_slots_are_caught_up_in_order_but_never_from_yesterday(
        fake: FakeTelegram, teacher: Teacher, services: Services) -> None:
    assert await teacher.tick(at(0, 20)) == ["2026-11-23:lesson", "2026-11-23:quiz",
                                             "2026-11-23:group_quiz"]
    assert summary(posts(fake)) == [("sendMessage", CHANNEL), ("sendPoll", CHANNEL),
                                    ("sendPoll", GROUP)]
    assert await teacher.tick(at(0, 20, 5)) == []

    # The bot is down all of Tuesday and comes back Wednesday morning: Monday's quiz gets
    # its answer at once; Tuesday's lesson and quiz are not posted late, and they burn no
    # lesson or quiz number.
    assert await teacher.tick(at(2, 8)) == ["2026-11-23:quiz:reveal", "2026-11-23:group_quiz:reveal"]
    mark = len(fake.calls)
    assert await teacher.tick(at(2, 10)) == ["2026-11-25:lesson"]
    [lesson] = posts(fake, mark)
    assert "درس ۲ از ۴۶" in lesson.params["text"]
    for kind in ("lesson", "quiz", "quiz:reveal", "group_quiz"):
        key = f"2026-11-24:{kind}"
        assert await stored(services.storage, lambda db, key=key: db.slots.get(key)) is None


async def test_a_reveal_retried_after_a_failed_answer_closes_the_poll_only_once(
        fake: FakeTelegram, teacher: Teacher, services: Services) -> None:
    """Telegram refuses to close a closed poll, so the counts are kept from the first try."""
    first = services.course.quizzes[0]
    await teacher.tick(at(0, 18))
    [channel_poll] = [c for c in fake.calls_to("sendPoll") if chat(c) == CHANNEL]
    votes = [1, 3] + [0] * (len(first.options) - 2)
    fake.set_votes(CHANNEL, channel_poll.result["message_id"], votes)
    await teacher.tick(at(1, 9))
    fake.fail("sendMessage", 500)
    assert "2026-11-23:quiz:reveal" not in await teacher.tick(at(1, 18))
    assert await teacher.tick(at(1, 18, 0, TICK_SECONDS)) == ["2026-11-23:quiz:reveal"]
    assert [chat(c) for c in fake.calls_to("stopPoll")] == [CHANNEL, GROUP]
    reveal = [c for c in posts(fake) if c.method == "sendMessage" and chat(c) == CHANNEL][-1]
    assert share_line(first, 1, votes) in reveal.params["text"] and "(۴ رأی)" in reveal.params["text"]


async def test_a_poll_someone_else_closed_is_revealed_without_shares(
        fake: FakeTelegram, teacher: Teacher, services: Services) -> None:
    first = services.course.quizzes[0]
    await teacher.tick(at(0, 18))
    [channel_poll] = [c for c in fake.calls_to("sendPoll") if chat(c) == CHANNEL]
    fake.messages[(CHANNEL, channel_poll.result["message_id"])]["poll"]["is_closed"] = True
    assert "2026-11-23:quiz:reveal" in await teacher.tick(at(1, 18))
    [refused] = [c for c in fake.calls_to("stopPoll") if chat(c) == CHANNEL]
    assert refused.status == 400
    reveal = [c for c in posts(fake) if c.method == "sendMessage" and chat(c) == CHANNEL][-1]
    assert f"پاسخ کوییز شماره ۱</b>: {escape(first.options[first.correct])}" in reveal.params["text"]
    assert escape(first.explanation) in reveal.params["text"] and "رأی" not in reveal.params["text"]


async def test_a_post_whose_answer_never_came_is_reported_to_each_admin_once(
        fake: FakeTelegram, teacher: Teacher, services: Services, clock: Clock) -> None:
    """The connection broke after Telegram got the lesson: resending could post it twice,
    so each admin is told once, with the commands that settle it."""
    fake.hang_up("sendMessage")
    assert await teacher.tick(at(0, 9)) == []
    for moment in (at(0, 9, 1), at(0, 12), at(0, 23)):
        assert "2026-11-23:lesson" not in await teacher.tick(moment)
    assert [chat(c) for c in fake.calls_to("sendMessage")] == [CHANNEL, ADMIN]
    report = fake.calls_to("sendMessage")[1].params
    assert "<code>2026-11-23:lesson</code>" in report["text"] and "<code>/" not in report["text"]
    resend, arrived = report["reply_markup"]["inline_keyboard"][0]
    assert (resend["callback_data"], arrived["callback_data"]) == (
        "resend:2026-11-23:lesson", "arrived:2026-11-23:lesson")
    assert (await stored(services.storage, lambda db: db.slots.get("2026-11-23:lesson"))).status == "reported"
    clock.set(at(0, 23))
    response = await handle_text("/status", admin(services))
    assert response.data["reported"] == 1
    assert "<code>/resend 2026-11-23:lesson</code>" in response.replies[0].text

    # a learner who got hold of the button can do nothing with it
    assert (await handle_button(resend["callback_data"], Context(services, user_id=5, chat_id=5))).error
    # the admin looked: the channel does not have it, and presses «دوباره بفرست»
    pressed = await handle_button(resend["callback_data"], admin(services))
    assert pressed.replies[0].text == words.RESENT
    assert [chat(c) for c in posts(fake) if c.method == "sendMessage"] == [CHANNEL, ADMIN, CHANNEL]
    assert (await stored(services.storage, lambda db: db.slots.get("2026-11-23:lesson"))).status == "sent"
    again = await handle_text("/resend 2026-11-23:lesson", admin(services))
    assert again.error and "منتظر تصمیم شما نیست" in again.replies[0].text
    assert (await handle_text("/status", admin(services))).data["reported"] == 0


@pytest.mark.parametrize(("error", "cause", "may_have"), [
    (NetworkError("Internal (500)"), None, False),  # Telegram answered, with an error
    (BadRequest("chat not found"), None, False),
    (NetworkError("httpx.ConnectError"), httpx.ConnectError("refused"), False),  # never left
    (TimedOut(), httpx.ConnectTimeout("connect"), False),
    (TimedOut(), httpx.ReadTimeout("read"), True),  # sent, no answer in time
    (NetworkError("httpx.RemoteProtocolError"), httpx.RemoteProtocolError("hung up"), True),
])
def test_only_a_request_that_may_have_arrived_is_left_unresent(
        error: NetworkError, cause: Exception | None, may_have: bool) -> None:
    error.__cause__ = cause
    assert may_have_arrived(error) is may_have


async def test_a_failed_post_is_retried_after_the_backoff_exactly_once(
        fake: FakeTelegram, teacher: Teacher, services: Services) -> None:
    await teacher.tick(at(0, 9))
    fake.fail("sendPoll", 500, times=2)
    assert await teacher.tick(at(0, 18)) == []
    quiz = await stored(services.storage, lambda db: db.slots.get("2026-11-23:quiz"))
    assert quiz is not None and (quiz.status, quiz.attempts) == ("failed", 1)
    assert (await stored(services.storage, lambda db: db.slots.get("2026-11-23:group_quiz"))).status == "failed"

    assert await teacher.tick(at(0, 18, 0, TICK_SECONDS - 1)) == []  # still backing off
    assert len(fake.calls_to("sendPoll")) == 2
    assert await teacher.tick(at(0, 18, 0, TICK_SECONDS)) == ["2026-11-23:quiz",
                                                              "2026-11-23:group_quiz"]
    assert await teacher.tick(at(0, 19)) == []
    polls = [c for c in fake.calls_to("sendPoll") if c.status == 200]
    assert [chat(c) for c in polls] == [CHANNEL, GROUP]
    assert polls[0].params["question"] == question(services.course.quizzes[0], 1)
    quiz = await stored(services.storage, lambda db: db.slots.get("2026-11-23:quiz"))
    assert (quiz.status, quiz.attempts) == ("sent", 2)


async def test_backoff_grows_with_each_failure(fake: FakeTelegram, teacher: Teacher) -> None:
    fake.fail("sendMessage", 500, times=2)
    assert await teacher.tick(at(0, 9)) == []  # attempt 1 fails: wait 30 s
    assert await teacher.next_due(at(0, 9, 0, 1)) == at(0, 9, 0, 30)  # woken then, exactly
    assert await teacher.tick(at(0, 9, 0, 30)) == []  # attempt 2 fails: wait 60 s
    assert await teacher.tick(at(0, 9, 1, 29)) == []
    assert [c.status for c in fake.calls_to("sendMessage")] == [500, 500]
    assert await teacher.tick(at(0, 9, 1, 30)) == ["2026-11-23:lesson"]
    assert [c.status for c in fake.calls_to("sendMessage")] == [500, 500, 200]


async def test_too_many_requests_is_retried_by_the_rate_limiter(
        fake: FakeTelegram, teacher: Teacher, services: Services) -> None:
    await teacher.tick(at(0, 9))
    fake.fail("sendPoll", 429, times=1, retry_after=1)
    assert await teacher.tick(at(0, 18)) == ["2026-11-23:quiz", "2026-11-23:group_quiz"]
    assert [(chat(c), c.status) for c in fake.calls_to("sendPoll")] == [
        (CHANNEL, 429), (CHANNEL, 200), (GROUP, 200)]
    quiz = await stored(services.storage, lambda db: db.slots.get("2026-11-23:quiz"))
    assert (quiz.status, quiz.attempts) == ("sent", 1)


async def test_a_slot_a_dead_process_left_in_sending_is_reported_not_resent(
        fake: FakeTelegram, teacher: Teacher, services: Services) -> None:
    """A process died mid-send: Telegram may have the lesson, so it is not sent again;
    once no live send can still be running, the admins are told, once."""
    storage = services.storage
    async with storage.transaction() as db:
        await db.slots.claim("2026-11-23:lesson", "lesson", "dead", at(0, 9), (LESSON_COUNTER,),
                             lambda _: Claim(services.course.lessons[0].id))
        assert await db.slots.transition("2026-11-23:lesson", ["claimed"], "sending", at(0, 9))
    assert await teacher.tick(at(0, 9, 1)) == []
    assert fake.calls_to("sendMessage") == []  # perhaps another instance is still sending
    for moment in (at(0, 9) + STUCK_AFTER, at(0, 12), at(0, 23, 59)):
        assert "2026-11-23:lesson" not in await teacher.tick(moment)
    assert [chat(c) for c in fake.calls_to("sendMessage")] == [ADMIN]
    assert (await stored(storage, lambda db: db.slots.get("2026-11-23:lesson"))).status == "reported"

    # the admin saw it in the channel
    response = await handle_text("/arrived 2026-11-23:lesson", admin(services))
    assert response.replies[0].text == words.MARKED_ARRIVED
    lesson = await stored(storage, lambda db: db.slots.get("2026-11-23:lesson"))
    assert (lesson.status, lesson.message_id) == ("sent", None)
    assert await teacher.tick(at(1, 9)) == ["2026-11-24:lesson"]
    assert "درس ۲ از ۴۶" in posts(fake)[-1].params["text"]


async def test_a_quiz_marked_arrived_still_gets_its_answer_without_quoting_the_poll(
        fake: FakeTelegram, teacher: Teacher, services: Services) -> None:
    first = services.course.quizzes[0]
    await teacher.tick(at(0, 9))
    fake.hang_up("sendPoll")
    assert await teacher.tick(at(0, 18)) == ["2026-11-23:group_quiz"]
    await handle_text("/arrived 2026-11-23:quiz", admin(services))
    await teacher.tick(at(1, 9))
    mark = len(fake.calls)
    assert await teacher.tick(at(1, 18)) == ["2026-11-23:quiz:reveal", "2026-11-23:group_quiz:reveal",
                                             "2026-11-24:quiz", "2026-11-24:group_quiz"]
    calls = posts(fake, mark)
    assert summary(calls[:3]) == [("sendMessage", CHANNEL), ("stopPoll", GROUP), ("sendMessage", GROUP)]
    reveal = calls[0]
    assert "reply_parameters" not in reveal.params
    assert f"پاسخ کوییز شماره ۱</b>: {escape(first.options[first.correct])}" in reveal.params["text"]
    assert escape(first.explanation) in reveal.params["text"]


async def test_a_quiz_whose_answer_was_lost_and_resent_is_revealed_once(
        fake: FakeTelegram, teacher: Teacher, services: Services, clock: Clock) -> None:
    await teacher.tick(at(0, 9))
    fake.hang_up("sendPoll")
    await teacher.tick(at(0, 18))
    clock.set(at(0, 18, 5))
    await handle_text("/resend 2026-11-23:quiz", admin(services))
    polls = [c for c in fake.calls_to("sendPoll") if chat(c) == CHANNEL]
    assert len(polls) == 2
    assert await teacher.tick(at(0, 23)) == []
    await teacher.tick(at(1, 9))
    mark = len(fake.calls)
    await teacher.tick(at(1, 18))
    channel = [c for c in posts(fake, mark) if chat(c) == CHANNEL]
    assert summary(channel[:2]) == [("stopPoll", CHANNEL), ("sendMessage", CHANNEL)]
    assert int(channel[0].params["message_id"]) == polls[1].result["message_id"]
    assert channel[1].params["reply_parameters"]["message_id"] == polls[1].result["message_id"]
    await teacher.tick(at(1, 18, 1))
    assert len([c for c in posts(fake) if c.method == "stopPoll" and chat(c) == CHANNEL]) == 1


async def test_a_prepared_claim_of_a_dead_instance_is_posted_once(
        fake: FakeTelegram, teacher: Teacher, services: Services) -> None:
    async with services.storage.transaction() as db:
        await db.slots.claim("2026-11-23:quiz", "quiz", "dead", at(0, 18),
                             (QUIZ_COUNTER, NUMBER_COUNTER),
                             lambda c: Claim(services.course.quizzes[0].id, c[NUMBER_COUNTER]))
    assert await teacher.tick(at(0, 18, 1)) == ["2026-11-23:lesson", "2026-11-23:quiz",
                                                "2026-11-23:group_quiz"]
    assert await teacher.tick(at(0, 18, 2)) == []
    polls = fake.calls_to("sendPoll")
    assert [chat(c) for c in polls] == [CHANNEL, GROUP]
    assert all(c.params["question"] == question(services.course.quizzes[0], 1) for c in polls)


# --- the admins ------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["/preview", "/post_now quiz", "/skip", "/status"])
async def test_admin_commands_refuse_other_people_politely(
        command: str, fake: FakeTelegram, teacher: Teacher, ctx: Context) -> None:
    response = await handle_text(command, ctx)
    assert [r.text for r in response.replies] == [words.NOT_ADMIN]
    assert posts(fake) == []
    assert await stored(ctx.services.storage, lambda db: db.slots.recent()) == []


async def test_skip_marks_todays_next_slot_and_burns_no_lesson(
        fake: FakeTelegram, teacher: Teacher, services: Services, clock: Clock) -> None:
    clock.set(at(0, 8))
    response = await handle_text("/skip", admin(services))
    assert response.data == {"skipped": "lesson"}
    assert response.replies[0].text == words.SKIPPED.format(kind="درس")
    assert await teacher.tick(at(0, 9, 30)) == []
    assert (await stored(services.storage, lambda db: db.slots.get("2026-11-23:lesson"))).status == "skipped"
    assert await teacher.tick(at(1, 9)) == ["2026-11-24:lesson"]
    assert "درس ۱ از ۴۶" in posts(fake)[-1].params["text"]


async def test_skip_takes_the_next_post_of_the_day_or_a_waiting_reveal(
        fake: FakeTelegram, teacher: Teacher, services: Services, clock: Clock) -> None:
    await teacher.tick(at(0, 9))
    clock.set(at(0, 12))  # day one: no quiz posted yet, so nothing to reveal
    assert (await handle_text("/skip", admin(services))).data == {"skipped": "quiz"}
    assert await teacher.tick(at(0, 18)) == []

    await teacher.tick(at(1, 18))
    await teacher.tick(at(2, 9))
    clock.set(at(2, 12))  # day three: day two's quiz awaits its reveal at 18:00, then comes a quiz
    assert (await handle_text("/skip", admin(services))).data == {"skipped": "reveal"}
    assert (await handle_text("/skip", admin(services))).data == {"skipped": "group_reveal"}
    assert (await handle_text("/skip", admin(services))).data == {"skipped": "quiz"}
    mark = len(fake.calls)
    assert await teacher.tick(at(2, 18)) == []
    assert posts(fake, mark) == []


async def test_post_now_posts_the_next_quiz_immediately(
        fake: FakeTelegram, teacher: Teacher, services: Services, clock: Clock) -> None:
    course = services.course
    clock.set(at(0, 10))
    response = await handle_text("/post_now quiz", admin(services))
    assert response.replies[0].text == words.POSTED.format(kind="کوییز")
    now_poll, group_poll = fake.calls_to("sendPoll")  # the group gets the same quiz
    assert chat(now_poll) == CHANNEL and now_poll.params["is_anonymous"] is True
    assert chat(group_poll) == GROUP and group_poll.params["is_anonymous"] is False
    assert {p.params["question"] for p in (now_poll, group_poll)} == {question(course.quizzes[0], 1)}

    # 18:00: the reveal answers the 10:00 quiz, then comes the scheduled quiz number 2
    await teacher.tick(at(0, 18))
    scheduled = [c for c in fake.calls_to("sendPoll") if chat(c) == CHANNEL][-1]
    assert scheduled.params["question"] == question(course.quizzes[1], 2)
    # a day later the reveal answers the 18:00 quiz: the latest sent, although the key
    # of the 10:00 one (2026-11-23:quiz:now-…) sorts after 2026-11-23:quiz
    await teacher.tick(at(1, 18))
    reveals = [c for c in posts(fake) if c.method == "sendMessage" and chat(c) == CHANNEL
               and "پاسخ کوییز" in c.params["text"]]
    assert len(reveals) == 2
    for reveal, number, poll in zip(reveals, ("۱", "۲"), (now_poll, scheduled), strict=True):
        assert f"\n\n✅ <b>پاسخ کوییز شماره {number}</b>:" in reveal.params["text"]
        assert reveal.params["reply_parameters"]["message_id"] == poll.result["message_id"]


async def test_a_refused_post_now_is_retried_by_the_tick_under_its_own_number(
        fake: FakeTelegram, teacher: Teacher, services: Services, clock: Clock) -> None:
    course = services.course
    clock.set(at(0, 10))
    fake.fail("sendPoll", 500)
    response = await handle_text("/post_now quiz", admin(services))
    assert [r.text for r in response.replies] == [words.POST_FAILED.format(kind="کوییز")]
    assert response.error

    assert await teacher.tick(at(0, 10, 0, 10)) == ["2026-11-23:lesson"]  # still backing off
    [key] = await teacher.tick(at(0, 10, 0, TICK_SECONDS))
    assert key.startswith("2026-11-23:quiz:now-")
    assert await teacher.tick(at(0, 11)) == []
    polls = [c for c in fake.calls_to("sendPoll") if c.status == 200]
    assert [chat(c) for c in polls] == [GROUP, CHANNEL]  # the group's copy went at once
    assert {p.params["question"] for p in polls} == {question(course.quizzes[0], 1)}
    await teacher.tick(at(0, 18))
    channel_polls = [c for c in fake.calls_to("sendPoll") if c.status == 200 and chat(c) == CHANNEL]
    assert channel_polls[-1].params["question"] == question(course.quizzes[1], 2)


async def test_a_refused_post_now_is_not_retried_the_next_day(
        fake: FakeTelegram, teacher: Teacher, services: Services, clock: Clock) -> None:
    clock.set(at(0, 23, 59))
    fake.fail("sendPoll", 500)
    await handle_text("/post_now quiz", admin(services))
    assert await teacher.tick(at(1, 8)) == []
    assert [c.status for c in fake.calls_to("sendPoll") if chat(c) == CHANNEL] == [500]


async def test_post_now_names_the_kinds_it_knows(teacher: Teacher, services: Services) -> None:
    response = await handle_text("/post_now video", admin(services))
    text = response.replies[0].text
    assert "lesson" in text and "quiz" in text and "/post_now quiz" in text
    assert await stored(services.storage, lambda db: db.slots.recent()) == []


async def test_status_lists_the_next_times_and_recent_posts(
        teacher: Teacher, services: Services, clock: Clock) -> None:
    await teacher.tick(at(0, 9))
    clock.set(at(0, 10))
    text = (await handle_text("/status", admin(services))).replies[0].text
    assert "• کوییز: دوشنبه ۲ آذر ۱۴۰۵، ساعت ۱۸:۰۰" in text
    assert "• درس: سه‌شنبه ۳ آذر ۱۴۰۵، ساعت ۰۹:۰۰" in text
    assert "آخرین درس ۱ از ۴۶" in text
    assert f"<code>2026-11-23:lesson</code> — {words.STATUS_NAMES['sent']}" in text
    assert text.index("• کوییز") < text.index("• درس")  # soonest first
    assert "پاسخ کوییز" not in text  # no quiz is waiting for its answer yet
    await teacher.tick(at(0, 18))
    clock.set(at(0, 19))
    text = (await handle_text("/status", admin(services))).replies[0].text
    assert "• پاسخ کوییز: سه‌شنبه ۳ آذر ۱۴۰۵، ساعت ۱۸:۰۰" in text


async def test_preview_is_exactly_what_the_channel_gets_next(
        fake: FakeTelegram, teacher: Teacher, services: Services, clock: Clock) -> None:
    await stored(services.storage, lambda db: db.counters.set(LESSON_COUNTER, 15))
    await teacher.tick(at(0, 18))
    clock.set(at(0, 19))
    response = await handle_text("/preview", admin(services))
    course = services.course
    assert response.data["lesson"] == course.lessons[16].id
    assert response.data["quiz"] == course.quizzes[1].id and response.data["number"] == 2
    text, poll = response.replies
    assert "📅 سه‌شنبه ۳ آذر ۱۴۰۵" in text.text  # the day it will be posted
    assert poll.question == question(course.quizzes[1], 2)
    assert await teacher.tick(at(0, 19)) == []  # a preview posts nothing
    await teacher.tick(at(1, 9))
    lesson = posts(fake)[-1]
    assert lesson.params["text"] == text.text
    assert lesson.params["reply_markup"]["inline_keyboard"] == [
        [{"text": b.text, "callback_data": b.callback} for b in row] for row in text.keyboard]
    assert text.keyboard  # the lab's button


# --- the group's quiz and leaderboard --------------------------------------------------
async def test_group_answers_make_the_weekly_leaderboard(
        fake: FakeTelegram, teacher: Teacher, services: Services, clock: Clock) -> None:
    course = services.course
    learners = [(11, "Ali", (True, True)), (12, "<b>x</b>", (False, True)),
                (13, "Sara", (False, False))]

    async def group_quiz_answered_by_everyone(day: int) -> None:
        await teacher.tick(at(day, 18))
        call = [c for c in fake.calls_to("sendPoll") if chat(c) == GROUP][-1]
        quiz = course.quizzes[day]
        clock.set(at(day, 18, 30))
        for user_id, name, rights in learners:
            option = quiz.correct if rights[day] else (quiz.correct + 1) % len(quiz.options)
            fake.push_poll_answer(call.result["poll"]["id"], [option], user_id=user_id, name=name)

        async def recorded() -> bool:
            counts = [len(await stored(services.storage, lambda db, u=u: db.answers.of_learner(u)))
                      for u, _, _ in learners]
            return counts == [day + 1] * len(learners)

        await eventually(recorded)

    await group_quiz_answered_by_everyone(0)
    await group_quiz_answered_by_everyone(1)
    clock.set(at(1, 20))
    sent = len(fake.calls_to("sendMessage"))
    fake.push_message("/top", user_id=13, chat_id=GROUP, chat_type="group")
    top = (await fake.wait_for("sendMessage", sent + 1))[sent]
    assert chat(top) == GROUP
    text = top.params["text"]
    week = text.split("<b>این هفته</b>")[1].split("<b>از ابتدا</b>")[0]
    assert week.index("Ali: ۲ درست از ۲") < week.index("&lt;b&gt;x&lt;/b&gt;: ۱ درست از ۲")
    assert week.index("&lt;b&gt;x&lt;/b&gt;") < week.index("Sara: ۰ درست از ۲")
    assert "<b>x</b>" not in text
    # group answers get no private feedback
    assert all(chat(c) < 0 for c in fake.calls_to("sendMessage"))


# --- every quiz gets its reveal ----------------------------------------------------------
async def test_a_reveal_waits_for_a_quiz_still_being_retried(
        fake: FakeTelegram, teacher: Teacher, services: Services) -> None:
    """The quiz is refused at 18:00 and posted by a retry: its reveal is not skipped."""
    await teacher.tick(at(0, 9))
    fake.fail("sendPoll", 500, times=3)
    await teacher.tick(at(0, 18))
    await teacher.tick(at(0, 18, 0, 30))
    assert "2026-11-23:quiz" in await teacher.tick(at(0, 18, 1, 30))
    await teacher.tick(at(1, 9))
    mark = len(fake.calls)
    assert await teacher.tick(at(1, 18)) == ["2026-11-23:quiz:reveal", "2026-11-23:group_quiz:reveal",
                                             "2026-11-24:quiz", "2026-11-24:group_quiz"]
    assert [c.method for c in posts(fake, mark)][:4] == ["stopPoll", "sendMessage"] * 2


async def test_a_quiz_posted_by_a_catch_up_stays_open_its_minimum_time(
        fake: FakeTelegram, teacher: Teacher, services: Services) -> None:
    """Down from before the quiz until after the reveal time: the quiz goes out late and
    is answered BOT_QUIZ_MIN_OPEN later, not in the same tick."""
    services.settings = replace(services.settings, reveal_time=time(21, 0))
    assert await teacher.tick(at(0, 22)) == ["2026-11-23:lesson", "2026-11-23:quiz",
                                             "2026-11-23:group_quiz"]
    assert await teacher.next_due(at(0, 22)) == at(0, 23)
    assert await teacher.tick(at(0, 22, 59, 59)) == []
    assert await teacher.tick(at(0, 23)) == ["2026-11-23:quiz:reveal", "2026-11-23:group_quiz:reveal"]
    # the next day's quiz is answered at the reveal time of its own day
    await teacher.tick(at(1, 18))
    assert await teacher.next_due(at(1, 18, 1)) == at(1, 21)


async def test_every_post_now_quiz_gets_its_own_reveal(
        fake: FakeTelegram, teacher: Teacher, services: Services, clock: Clock) -> None:
    for hour in (10, 11):
        clock.set(at(0, hour))
        await handle_text("/post_now quiz", admin(services))
    await teacher.tick(at(0, 18))
    reveals = [c for c in posts(fake) if c.method == "sendMessage" and chat(c) == CHANNEL
               and "پاسخ کوییز" in c.params["text"]]
    assert ["شماره ۱<" in r.params["text"] for r in reveals] == [True, False]
    assert ["شماره ۲<" in r.params["text"] for r in reveals] == [False, True]
    assert len([c for c in posts(fake) if c.method == "stopPoll"]) == 4  # channel and group, twice


async def test_post_now_reveal_answers_the_oldest_waiting_quiz_at_once(
        fake: FakeTelegram, teacher: Teacher, services: Services, clock: Clock) -> None:
    clock.set(at(0, 10))
    response = await handle_text("/post_now reveal", admin(services))
    assert response.error and response.replies[0].text == words.NOTHING_TO_REVEAL
    await handle_text("/post_now quiz", admin(services))
    clock.set(at(0, 10, 5))
    response = await handle_text("/post_now reveal", admin(services))
    assert response.replies[0].text == words.POSTED.format(kind="پاسخ کوییز")
    assert summary(posts(fake)[-4:]) == [("stopPoll", CHANNEL), ("sendMessage", CHANNEL),
                                         ("stopPoll", GROUP), ("sendMessage", GROUP)]
    mark = len(fake.calls)
    await teacher.tick(at(0, 18))  # the day's lesson (caught up) and quiz; no second reveal
    assert [c.method for c in posts(fake, mark)] == ["sendMessage", "sendPoll", "sendPoll"]


async def test_a_reveal_nobody_voted_in_says_so(
        fake: FakeTelegram, teacher: Teacher, services: Services) -> None:
    await teacher.tick(at(0, 18))
    await teacher.tick(at(1, 18))
    [reveal] = [c for c in posts(fake) if c.method == "sendMessage" and chat(c) == CHANNEL
                and "پاسخ کوییز" in c.params["text"]]
    assert words.NOBODY_ANSWERED in reveal.params["text"] and "٪" not in reveal.params["text"]


async def test_the_course_position_is_a_lesson_not_a_list_index(
        fake: FakeTelegram, teacher: Teacher, services: Services) -> None:
    """Lesson 2's file breaks after lesson 1 was posted: lesson 3 comes next, and when
    lesson 2 is back the course goes on with lesson 4, not back to 2 or 3 again."""
    course = services.course
    await teacher.tick(at(0, 9))
    services.course = replace(course, lessons=course.lessons[:1] + course.lessons[2:])
    await teacher.tick(at(1, 9))
    services.course = course
    await teacher.tick(at(2, 9))
    lessons = [c.params["text"] for c in posts(fake)]
    assert ["درس ۱ از" in lessons[0], "درس ۳ از" in lessons[1], "درس ۴ از" in lessons[2]] == [True] * 3


async def test_a_lesson_gone_from_the_course_is_reported_to_the_admins(
        fake: FakeTelegram, teacher: Teacher, services: Services) -> None:
    async with services.storage.transaction() as db:
        await db.slots.claim("2026-11-23:lesson", "lesson", "old", at(0, 8),
                             choose=lambda _: Claim("a-lesson-that-was-deleted"))
    await teacher.tick(at(0, 9))
    [report] = fake.calls_to("sendMessage")
    assert chat(report) == ADMIN and words.STUCK_REASONS["broken"] in report.params["text"]
    await teacher.tick(at(0, 10))
    assert len(fake.calls_to("sendMessage")) == 1


# --- posting at the configured second --------------------------------------------------------
async def test_the_door_wakes_the_teacher_at_the_next_slots_second(
        fake: FakeTelegram, clock: Clock, telegram_app, services: Services,
        monkeypatch: pytest.MonkeyPatch) -> None:
    [job] = telegram_app.job_queue.get_jobs_by_name("channel-teacher")
    job.schedule_removal()
    wakes: list[datetime] = []
    monkeypatch.setattr(type(telegram_app.job_queue), "run_once",
                        lambda self, callback, when, name: wakes.append(when))
    clock.set(at(0, 8, 30))
    await job.run(telegram_app)
    assert wakes == [at(0, 9) + timedelta(milliseconds=50)]
    clock.set(at(0, 9))
    await job.run(telegram_app)  # what the one-off job does when it fires
    assert [chat(c) for c in posts(fake)] == [CHANNEL]
    assert wakes[-1] == at(0, 18) + timedelta(milliseconds=50)


# --- faults: every quiz answered exactly once, nothing doubled ---------------------------------
def _in_chat(fake: FakeTelegram, chat_id: int, needle: str) -> int:
    """How many messages in the chat (what Telegram has, not what the bot was told)
    carry ``needle`` in their text or poll question."""
    return sum(needle in (m.get("text") or m.get("poll", {}).get("question", ""))
               for (c, _), m in fake.messages.items() if c == chat_id)


@pytest.mark.parametrize(("phase", "method", "fault", "admin_says"), [
    ("quiz", "sendPoll", "500x3", None),
    ("quiz", "sendPoll", "429", None),
    ("quiz", "sendPoll", "late", None),
    ("quiz", "sendPoll", "hang_up", "arrived"),  # carried out, answer lost
    ("quiz", "sendPoll", "drop", "resend"),  # dropped before Telegram carried it out
    ("reveal", "stopPoll", "500x3", None),
    ("reveal", "stopPoll", "hang_up", None),  # closed, answer lost: the retry is refused
    ("reveal", "sendMessage", "500x3", None),
    ("reveal", "sendMessage", "hang_up", "arrived"),
    ("reveal", "sendMessage", "drop", "resend"),
])
async def test_under_each_fault_every_quiz_is_answered_once_and_nothing_is_doubled(
        phase: str, method: str, fault: str, admin_says: str | None, fake: FakeTelegram,
        teacher: Teacher, services: Services, clock: Clock) -> None:
    def inject() -> None:
        if fault == "500x3":
            fake.fail(method, 500, times=3)
        elif fault == "429":
            fake.fail(method, 429, times=2, retry_after=1)
        elif fault == "late":
            fake.delay(method, 1.0)
        elif fault == "hang_up":
            fake.hang_up(method)
        else:
            fake.drop(method)

    async def day(number: int) -> None:
        await teacher.tick(at(number, 9))
        if phase == ("quiz" if number == 0 else "reveal") and number < 2:
            inject()
        for moment in (at(number, 18), at(number, 18, 0, 30), at(number, 18, 1, 30),
                       at(number, 18, 3, 30)):
            await teacher.tick(moment)
        async with services.storage.transaction() as db:
            reported = await db.slots.recent(statuses=("reported",))
        assert len(reported) == (1 if admin_says and phase == ("quiz" if number == 0 else "reveal")
                                 and number < 2 else 0)
        for slot in reported:
            clock.set(at(number, 18, 5))
            await handle_text(f"/{admin_says} {slot.key}", admin(services))
        await teacher.tick(at(number, 19))

    for number in range(3):
        await day(number)
    for chat_id in (CHANNEL, GROUP):
        for number in ("۱", "۲"):
            assert _in_chat(fake, chat_id, f"کوییز شماره {number}:") == 1
            assert _in_chat(fake, chat_id, f"پاسخ کوییز شماره {number}<") == 1
    assert len(fake.calls_to("getUpdates")) >= 0 and all(
        c.status == 200 for c in fake.calls_to("sendMessage") if chat(c) == ADMIN)


async def test_two_pollers_of_one_token_say_so_once_and_wait_or_exit(
        fake: FakeTelegram, telegram_app, services: Services, caplog: pytest.LogCaptureFixture) -> None:
    """Telegram answers 409 to one of two pollers, again and again: each says so in one
    log line, with no traceback, and waits; with BOT_ON_CONFLICT=exit it stops (status 3)."""
    await telegram_app.updater.stop()
    twins = []
    for on_conflict in ("wait", "exit"):
        twin = replace(services, teacher=None,
                       settings=replace(services.settings, on_conflict=on_conflict))
        application = build_application(twin.settings, twin)
        await application.initialize()
        await application.start()
        # Application.run_polling hands polling errors to on_error, which calls this
        await application.updater.start_polling(
            poll_interval=0.0, timeout=1,
            error_callback=lambda exc, app=application: polling_failed(app, exc))
        twins.append(application)
    try:
        await eventually(lambda: fake.conflicts >= 8, timeout=40)
    finally:
        for application in twins:
            await application.updater.stop()
            await application.stop()
            await application.shutdown()
        await telegram_app.updater.start_polling(poll_interval=0.0, timeout=1)
    lines = [r for r in caplog.records if "another instance is polling" in r.getMessage()]
    assert sorted(r.getMessage().split("; ")[1].split(".")[0] for r in lines) == [
        "exiting", "waiting until it stops"]
    assert not [r for r in caplog.records if r.exc_info is not None]
    assert twins[1].bot_data.get("exit_code") == 3 and "exit_code" not in twins[0].bot_data
