"""``kill -9`` of the real bot process at each step of the channel's day, then a restart:
every slot ends ``sent`` or reported to the admins, and nothing is posted twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.commands.base import Services
from bot.doors.telegram import TelegramChannel
from bot.storage import Storage
from bot.teacher import STUCK_AFTER, Teacher
from tests.fake_telegram import TOKEN, FakeTelegram

ROOT = Path(__file__).resolve().parents[1]
TEHRAN = ZoneInfo("Asia/Tehran")
CHANNEL, ADMIN = -1001, 4242


@pytest.mark.parametrize(("method", "nth"), [
    ("sendMessage", 1),  # the lesson, in flight
    ("sendPoll", 1),  # the quiz, in flight
    ("stopPoll", 1),  # the reveal, closing the poll
    ("sendMessage", 2),  # the reveal's message, in flight
])
async def test_a_killed_bot_leaves_every_slot_sent_or_reported(
        method: str, nth: int, fake: FakeTelegram, telegram_app, services: Services,
        tmp_path: Path) -> None:
    for job in telegram_app.job_queue.get_jobs_by_name("channel-teacher"):
        job.schedule_removal()
    start = datetime.now(TEHRAN).replace(microsecond=0) + timedelta(seconds=3)
    times = {"BOT_LESSON_TIME": start, "BOT_QUIZ_TIME": start + timedelta(seconds=2),
             "BOT_REVEAL_TIME": start + timedelta(seconds=4)}
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TELEGRAM_BOT_TOKEN": TOKEN,
           "BOT_API_BASE_URL": fake.base_url, "BOT_DB_URL": url, "BOT_CHANNEL_ID": str(CHANNEL),
           "BOT_ADMIN_IDS": str(ADMIN), "BOT_QUIZ_MIN_OPEN": "0", "BOT_WORKERS": "1",
           **{name: at.strftime("%H:%M:%S") for name, at in times.items()}}
    fake.delay(method, 30.0, times=nth)  # the nth call hangs in flight until the kill
    bot = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while fake.received.count(method) < nth:
            assert time.monotonic() < deadline and bot.poll() is None, "the bot never got there"
            time.sleep(0.05)
    finally:
        bot.send_signal(signal.SIGKILL)
        bot.wait()

    storage = await Storage.open(url)
    settings = replace(services.settings, channel_id=CHANNEL, admin_ids=frozenset({ADMIN}),
                       lesson_time=times["BOT_LESSON_TIME"].time(),
                       quiz_time=times["BOT_QUIZ_TIME"].time(),
                       reveal_time=times["BOT_REVEAL_TIME"].time(), quiz_min_open=timedelta(0))
    restarted = replace(services, storage=storage, settings=settings, teacher=None)
    try:
        teacher = Teacher(restarted, TelegramChannel(telegram_app.bot, restarted), owner="restarted")
        later = datetime.now(TEHRAN) + STUCK_AFTER + timedelta(seconds=10)
        for moment in (later, later + timedelta(seconds=1)):
            await teacher.tick(moment)
        async with storage.transaction() as db:
            slots = {s.key: s.status for s in await db.slots.recent()}
    finally:
        await storage.close()
    day = start.date().isoformat()
    # a quiz reported as maybe-posted gets its reveal once an admin settles it
    expected = {f"{day}:lesson", f"{day}:quiz"}
    if slots.get(f"{day}:quiz") == "sent":
        expected.add(f"{day}:quiz:reveal")
    assert set(slots) == expected, slots
    assert set(slots.values()) <= {"sent", "reported"}, slots
    reported = [key for key, status in slots.items() if status == "reported"]
    assert len(reported) == 1  # the one in flight when the process died
    reports = [c for c in fake.calls_to("sendMessage") if int(c.params["chat_id"]) == ADMIN]
    assert len(reports) == 1 and f"<code>{reported[0]}</code>" in reports[0].params["text"]
    resend, _ = reports[0].params["reply_markup"]["inline_keyboard"][0]
    assert resend["callback_data"] == f"resend:{reported[0]}"
    channel = [c for c in fake.calls if c.method in ("sendMessage", "sendPoll")
               and str(c.params.get("chat_id")) == str(CHANNEL)]
    assert len(channel) <= 3  # nothing posted twice
