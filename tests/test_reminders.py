"""The daily reminder through the real Application and the fake Bot API: switched on in
/settings, sent once at the chosen hour, never in quiet hours, never after /stop, never
again to a learner who blocked the bot, and once across two replicas."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.commands.base import Services
from bot.commands.reminders import Reminders
from bot.doors.telegram import TelegramReminders
from bot.fa import settings as words
from tests.conftest import Clock
from tests.db import stored
from tests.fake_telegram import Call, FakeTelegram, eventually
from tests.test_quiz_sessions import answer, buttons, eventually_text, polls_to, texts_to

LEARNER = 1001
#: 19:00 in Tehran (the default reminder hour), the day after the first session.
SEVEN_PM = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)


def reminders_sent(fake: FakeTelegram, chat_id: int = LEARNER) -> list[Call]:
    return [c for c in texts_to(fake, chat_id) if c.params["text"].startswith("⏰")]


async def first_session_with_a_miss(fake: FakeTelegram, services: Services, clock: Clock,
                                    user_id: int = LEARNER) -> None:
    """Monday morning: one question, answered wrong (due again on Tuesday morning)."""
    fake.push_message("/quiz 1", user_id=user_id)
    await eventually(lambda: polls_to(fake, user_id))
    poll = polls_to(fake, user_id)[-1]
    await answer(fake, services, poll, correct=False, user_id=user_id)
    await eventually_text(fake, user_id, "🔔 می‌خواهید")


async def accept_offer(fake: FakeTelegram, user_id: int = LEARNER) -> None:
    offer = await eventually_text(fake, user_id, "🔔 می‌خواهید")
    fake.push_button(offer.result, "settings:offer:yes", user_id=user_id)
    await eventually(lambda: any(c.params.get("text", "").startswith("🔔 یادآوری روشن شد")
                                 and int(c.params["chat_id"]) == user_id
                                 for c in fake.calls_to("editMessageText")))


def reminders(telegram_app) -> Reminders:
    return telegram_app.bot_data["reminders"]


async def test_a_reminder_comes_once_at_the_chosen_hour_with_one_button(
        fake: FakeTelegram, telegram_app, services: Services, clock: Clock) -> None:
    await first_session_with_a_miss(fake, services, clock)
    assert await reminders(telegram_app).tick(SEVEN_PM - timedelta(days=1)) == []  # not asked yet
    await accept_offer(fake)

    assert await reminders(telegram_app).tick(SEVEN_PM - timedelta(minutes=1)) == []  # 18:59
    assert await reminders(telegram_app).tick(SEVEN_PM) == [LEARNER]
    assert await reminders(telegram_app).tick(SEVEN_PM + timedelta(minutes=30)) == []
    [sent] = reminders_sent(fake)
    assert "🔁 ۱ سؤال امروز برای مرور آماده است" in sent.params["text"]
    assert [b["callback_data"] for b in buttons(sent)] == ["quiz:session"]

    fake.push_button(sent.result, "quiz:session", user_id=LEARNER)
    review = (await fake.wait_for("sendPoll", 2))[1]
    assert review.params["question"].startswith("❓ سؤال ۱ از ")


async def test_the_streak_about_to_break_is_reason_enough_and_practice_today_is_not(
        fake: FakeTelegram, telegram_app, services: Services, clock: Clock) -> None:
    await first_session_with_a_miss(fake, services, clock)
    await accept_offer(fake)
    clock.set(SEVEN_PM - timedelta(hours=8))  # Tuesday morning: the review, answered right
    fake.push_message("/quiz 1", user_id=LEARNER)
    review = (await fake.wait_for("sendPoll", 2))[1]
    await answer(fake, services, review, correct=True)
    await eventually(lambda: len([c for c in texts_to(fake, LEARNER)
                                  if c.params["text"].startswith("🏁")]) == 2)
    assert await reminders(telegram_app).tick(SEVEN_PM) == []  # practised today, nothing due
    wednesday = SEVEN_PM + timedelta(days=1)
    assert await reminders(telegram_app).tick(wednesday) == [LEARNER]
    assert "پیوستگی ۲ روزه‌تان امشب می‌شکند" in reminders_sent(fake)[-1].params["text"]


async def test_no_reminder_in_quiet_hours_or_after_stop(
        fake: FakeTelegram, telegram_app, services: Services, clock: Clock) -> None:
    await first_session_with_a_miss(fake, services, clock)
    fake.push_message("/settings", user_id=LEARNER)
    panel = await eventually_text(fake, LEARNER, "⚙️")
    assert "خاموش" in panel.params["text"]
    for press in ("settings:remind:on", "settings:quiet:22-7", "settings:hour:22"):
        edits = len(fake.calls_to("editMessageText"))
        fake.push_button(panel.result, press, user_id=LEARNER)
        await eventually(lambda: len(fake.calls_to("editMessageText")) > edits)
    shown = fake.calls_to("editMessageText")[-1].params["text"]
    assert "ساعت یادآوری در ساعت‌های سکوت است" in shown
    ten_pm = SEVEN_PM + timedelta(hours=3)
    assert await reminders(telegram_app).tick(ten_pm) == []

    fake.push_button(panel.result, "settings:hour:21", user_id=LEARNER)
    await eventually(lambda: len(fake.calls_to("editMessageText")) == 4)
    assert "یادآوری بعدی" in fake.calls_to("editMessageText")[-1].params["text"]
    fake.push_message("/stop", user_id=LEARNER)
    stopped = await eventually_text(fake, LEARNER, "🔕")
    assert stopped.params["text"] == words.STOPPED
    for day in range(3):
        assert await reminders(telegram_app).tick(ten_pm - timedelta(hours=1, days=-day)) == []
    assert reminders_sent(fake) == []


async def test_a_learner_who_blocked_the_bot_is_marked_and_not_tried_again(
        fake: FakeTelegram, telegram_app, services: Services, clock: Clock) -> None:
    await first_session_with_a_miss(fake, services, clock)
    await accept_offer(fake)
    fake.block(LEARNER)
    assert await reminders(telegram_app).tick(SEVEN_PM) == []
    tries = len([c for c in fake.calls if int(c.params.get("chat_id", 0) or 0) == LEARNER])
    prefs = await stored(services.storage, lambda db: db.prefs.get(LEARNER, None))
    assert prefs.blocked and prefs.reminder
    assert await reminders(telegram_app).tick(SEVEN_PM + timedelta(days=1)) == []
    assert len([c for c in fake.calls if int(c.params.get("chat_id", 0) or 0) == LEARNER]) == tries


async def test_two_replicas_send_each_reminder_once(
        fake: FakeTelegram, telegram_app, services: Services, clock: Clock) -> None:
    learners = [1001, 1002, 1003]
    for user in learners:
        await first_session_with_a_miss(fake, services, clock, user)
        await accept_offer(fake, user)
    door = TelegramReminders(telegram_app.bot, services)
    replicas = [Reminders(services, door, owner=name) for name in ("a", "b")]
    sent = await asyncio.gather(*(r.tick(SEVEN_PM) for r in replicas))
    assert sorted(sent[0] + sent[1]) == learners
    for user in learners:
        assert len(reminders_sent(fake, user)) == 1


async def test_reminders_are_paced_under_the_rate_limit(services: Services) -> None:
    """Sends are spaced by 1/SEND_RATE seconds, however many are due at once."""
    from fsrs import Rating

    from bot.engine.memory import review
    from bot.reminders import SEND_RATE, Preferences

    waits: list[float] = []

    class Door:
        async def send(self, chat_id: int, reply: object) -> None:
            return None

    async def wait(seconds: float) -> None:
        waits.append(seconds)

    async with services.storage.transaction() as db:
        for user in range(1, 21):
            await db.learners.touch(user, "x", SEVEN_PM)
            await db.prefs.put(user, Preferences(reminder=True))
            await db.cards.put(user, "q", review(None, Rating.Again, SEVEN_PM - timedelta(days=2)))
    sent = await Reminders(services, Door(), sleep=wait).tick(SEVEN_PM)
    assert len(sent) == 20 and waits == [1 / SEND_RATE] * 20 and SEND_RATE <= 10
