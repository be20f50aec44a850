"""/settings, /stop, /privacy and /forget through the command layer: every choice a
button offers, nothing a button does not, the next reminder's Jalali date, and a
group kept out of anyone's settings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.commands.base import Context, Services
from bot.commands.router import handle_button, handle_text
from bot.commands.settings import next_reminder
from bot.fa import settings as words
from bot.reminders import HOURS, QUIET_CHOICES, TIMERS, Preferences
from bot.sessions import LENGTHS
from tests.db import stored
from tests.test_storage import db_url, pg_url, store, twin  # noqa: F401 (fixtures)


def callbacks(reply) -> list[str]:
    return [b.callback for row in reply.keyboard for b in row]


async def prefs_of(services: Services, user_id: int = 7) -> Preferences:
    return await stored(services.storage, lambda db: db.prefs.get(user_id, Preferences()))


async def test_settings_start_off_and_every_offered_choice_is_kept(ctx: Context,
                                                                   services: Services) -> None:
    panel = (await handle_text("/settings", ctx)).replies[0]
    assert "یادآوری روزانه: <b>خاموش</b>" in panel.text
    assert callbacks(panel)[0] == "settings:remind:on"
    for menu, values in (("hour", HOURS), ("length", LENGTHS), ("timer", TIMERS)):
        choices = (await handle_button(f"settings:menu:{menu}", ctx)).replies[0]
        offered = [c for c in callbacks(choices) if not c.endswith(":main")]
        assert offered == [f"settings:{menu}:{v}" for v in values]
        shown = await handle_button(offered[-1], ctx)
        assert shown.edit and getattr(await prefs_of(services), menu) == values[-1]
    zones = (await handle_button("settings:menu:zone", ctx)).replies[0]
    assert [b.text for row in zones.keyboard[:-1] for b in row][:2] == ["تهران", "کابل"]
    await handle_button("settings:zone:1", ctx)
    assert (await prefs_of(services)).zone == "Asia/Kabul"
    retention = (await handle_button("settings:menu:retention", ctx)).replies[0]
    assert [c for c in callbacks(retention) if not c.endswith(":main")] == [
        "settings:retention:85", "settings:retention:90", "settings:retention:95"]
    await handle_button("settings:retention:95", ctx)
    assert (await prefs_of(services)).retention == 0.95
    quiet = (await handle_button("settings:menu:quiet", ctx)).replies[0]
    assert [c for c in callbacks(quiet) if not c.endswith(":main")] == [
        f"settings:quiet:{f}-{t}" for f, t in QUIET_CHOICES]
    await handle_button("settings:quiet:0-0", ctx)
    assert ((await prefs_of(services)).quiet_from, (await prefs_of(services)).quiet_to) == (0, 0)
    assert not (await prefs_of(services)).reminder  # choosing an hour switches nothing on


@pytest.mark.parametrize("forged", ["settings:hour:3", "settings:hour:99", "settings:length:1000",
                                    "settings:timer:7", "settings:quiet:5-6", "settings:remind:x",
                                    "settings:hour:", "settings:zz:1", "settings:zone:8",
                                    "settings:zone:Asia/Tehran", "settings:retention:99"])
async def test_a_value_no_button_offers_changes_nothing(forged: str, ctx: Context,
                                                        services: Services) -> None:
    await handle_button(forged, ctx)
    assert await prefs_of(services) == Preferences()


async def test_the_panel_names_the_next_reminder_in_jalali(ctx: Context, services: Services) -> None:
    services.clock = lambda: datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # 19:30 Tehran, Monday
    panel = (await handle_button("settings:remind:on", ctx)).replies[0]
    assert "یادآوری بعدی" in panel.text and "سه‌شنبه ۳ آذر ۱۴۰۵، ساعت ۱۹:۰۰" in panel.text


@pytest.mark.parametrize(("utc_hour", "expected_day"), [(14, 23), (15, 24), (16, 24)])
def test_the_next_reminder_is_today_until_its_hour_begins(utc_hour: int, expected_day: int) -> None:
    prefs = Preferences(reminder=True, hour=19)
    moment = next_reminder(prefs, datetime(2026, 11, 23, utc_hour, 45, tzinfo=UTC))
    assert moment is not None and (moment.day, moment.hour) == (expected_day, 19)
    assert next_reminder(prefs.with_(quiet_from=18, quiet_to=7), datetime.now(UTC)) is None


async def test_stop_switches_every_reminder_off(ctx: Context, services: Services) -> None:
    await handle_button("settings:remind:on", ctx)
    assert (await prefs_of(services)).reminder
    assert (await handle_text("/stop", ctx)).replies[0].text == words.STOPPED
    assert not (await prefs_of(services)).reminder


@pytest.mark.parametrize("command", ["/settings", "/forget"])
async def test_a_group_gets_no_ones_settings_or_data(command: str, services: Services) -> None:
    group = Context(services, user_id=7, chat_id=-5, chat_type="supergroup")
    [reply] = (await handle_text(command, group)).replies
    assert reply.text == words.PRIVATE_ONLY and not reply.keyboard
    pressed = await handle_button("forget:yes", group)
    assert pressed.notice == words.PRIVATE_ONLY


async def test_privacy_says_what_why_and_how_long(ctx: Context) -> None:
    text = (await handle_text("/privacy", ctx)).replies[0].text
    for needle in ("پاسخ‌های شما", "کارت‌های مرور", "جدول امتیاز", "تا کی؟", "/forget", "/stop"):
        assert needle in text


async def test_forget_needs_the_button_and_no_keeps_everything(ctx: Context,
                                                               services: Services) -> None:
    await handle_button("settings:remind:on", ctx)
    confirm = (await handle_text("/forget", ctx)).replies[0]
    assert callbacks(confirm) == ["forget:yes", "forget:no"]
    kept = await handle_button("forget:no", ctx)
    assert kept.replies[0].text == words.FORGET_KEPT and (await prefs_of(services)).reminder
    gone = await handle_button("forget:yes", ctx)
    assert gone.replies[0].text == words.FORGOTTEN and not (await prefs_of(services)).reminder


async def test_the_desired_retention_chosen_schedules_the_next_review(
        ctx: Context, services: Services) -> None:
    from fsrs import Card, Rating, Scheduler

    from bot.commands.quiz import answer_poll

    services.clock = lambda: datetime(2026, 11, 23, 5, 0, tzinfo=UTC)
    await handle_button("settings:retention:95", ctx)
    [_, poll] = (await handle_text("/quiz 1", ctx)).replies
    assert poll.on_sent is not None
    await poll.on_sent("p-95", 7, 1)
    services.clock = lambda: datetime(2026, 11, 23, 5, 5, tzinfo=UTC)  # not a quick answer
    await answer_poll(services, "p-95", 7, "Sara", [poll.correct_option])
    card = await stored(services.storage, lambda db: db.cards.get(7, poll.quiz_id))
    strict = Scheduler(desired_retention=0.95, learning_steps=[], relearning_steps=[],
                       enable_fuzzing=False)
    expected, _ = strict.review_card(Card(card_id=1), Rating.Good, services.clock())
    assert card.due == expected.due and card.interval_days < 2  # 0.9 would wait 2 days


async def test_two_first_changes_of_a_learners_settings_at_once_both_count(
        store, twin) -> None:  # noqa: F811 (fixtures)
    """Two replicas (or two quick presses) change a new learner's settings together: the
    row is made once and locked, so neither change is lost nor fails."""
    import asyncio

    async def change(storage, **values) -> None:
        async with storage.transaction() as db:
            prefs = await db.prefs.lock(7, Preferences())
            await asyncio.sleep(0.05)  # both transactions are open at once
            await db.prefs.put(7, prefs.with_(**values))

    await asyncio.gather(change(store, hour=20), change(twin, length=5))
    prefs = await stored(store, lambda db: db.prefs.get(7, Preferences()))
    assert (prefs.hour, prefs.length) == (20, 5)
