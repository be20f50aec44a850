"""The channel teacher under faults, re-measured (issue #18's table).

    python -m benchmarks.teacher_faults [TRIALS] [--pg URL]

Each trial runs three channel days (lesson, quiz, reveal; channel and group) through the
real PTB Application against the fake Bot API on 127.0.0.1 with one random fault: a
500 ×1–3 or 429 on any posting call, an answer lost after Telegram carried the call out,
a call dropped before it was carried out, a late answer, on a random day. An admin
settles each post the bot reports as it would (looks at the chat: ``/arrived`` if the
post is there, ``/resend`` if not). Counted over all trials: quizzes posted, reveals lost
(a posted quiz whose answer never reached its chat), duplicates (a quiz or answer posted
twice), admin reports.
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
from dataclasses import replace
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.commands.base import Context, Services
from bot.commands.router import handle_text
from bot.config import Settings
from bot.curriculum.loader import curriculum
from bot.doors.telegram import build_application, door_parts, on_startup
from bot.runner import LabRunner
from bot.services import assemble
from bot.fa.html import escape
from bot.storage import SlotInfo, Storage
from bot.teacher import Teacher
from tests.fake_telegram import TOKEN, FakeTelegram

TEHRAN = ZoneInfo("Asia/Tehran")
CHANNEL, GROUP, ADMIN = -1001, -2002, 4242
METHODS = ("sendMessage", "sendPoll", "stopPoll")
FAULTS = ("500", "429", "hang_up", "drop", "late")
PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 11, 23 + day, hour, minute, second, tzinfo=TEHRAN)


def inject(fake: FakeTelegram, method: str, fault: str, rng: random.Random) -> None:
    if fault == "500":
        fake.fail(method, 500, times=rng.randint(1, 3))
    elif fault == "429":
        fake.fail(method, 429, times=2, retry_after=1)
    elif fault == "hang_up":
        fake.hang_up(method)
    elif fault == "drop":
        fake.drop(method)
    else:
        fake.delay(method, 1.0)


def count(fake: FakeTelegram, chat_id: int, needle: str) -> int:
    return sum(needle in (m.get("text") or m.get("poll", {}).get("question", ""))
               for (c, _), m in fake.messages.items() if c == chat_id)


async def trial(runner: LabRunner, url: str, rng: random.Random) -> dict[str, int]:
    fake = FakeTelegram().start()
    storage = await Storage.open(url)
    settings = Settings(token=TOKEN, api_base_url=fake.base_url, admin_ids=frozenset({ADMIN}),
                        channel_id=CHANNEL, group_id=GROUP, lesson_time=time(9),
                        quiz_time=time(18))
    application = build_application(settings)
    services = assemble(settings, runner, storage, curriculum(), door_parts(application))
    application.bot_data["services"] = services
    application.bot.rate_limiter.backoff = ()
    await application.initialize()
    await on_startup(application)
    assert application.job_queue is not None
    for job in application.job_queue.get_jobs_by_name("channel-teacher"):
        job.schedule_removal()
    teacher: Teacher = application.bot_data["teacher"]
    method, fault, fault_day = rng.choice(METHODS), rng.choice(FAULTS), rng.randint(0, 2)
    reports = 0
    try:
        for day in range(4):
            await teacher.tick(at(day, 9))
            if day == fault_day:
                inject(fake, method, fault, rng)
            for moment in (at(day, 18), at(day, 18, 0, 30), at(day, 18, 1, 30),
                           at(day, 18, 3, 30), at(day, 18, 8)):
                await teacher.tick(moment)
            async with storage.transaction() as db:
                reported = await db.slots.recent(statuses=("reported",))
            for slot in reported:
                reports += 1
                there = _in_chat(fake, services, slot)
                services.clock = lambda: at(day, 18, 10)
                await handle_text(f"/{'arrived' if there else 'resend'} {slot.key}",
                                  Context(services, user_id=ADMIN, chat_id=ADMIN))
            await teacher.tick(at(day, 19))
    finally:
        await application.shutdown()
        await storage.close()
        fake.stop()
    figures = {"quizzes": 0, "reveals lost": 0, "duplicates": 0, "admin reports": reports}
    for chat_id in (CHANNEL, GROUP):
        for number in range(1, 4):
            digits = str(number).translate(PERSIAN)
            quizzes = count(fake, chat_id, f"کوییز شماره {digits}:")
            answers = count(fake, chat_id, f"پاسخ کوییز شماره {digits}<")
            figures["quizzes"] += quizzes > 0
            figures["duplicates"] += max(quizzes - 1, 0) + max(answers - 1, 0)
            # quiz 3 (day three) is answered on day four; all earlier ones must be
            figures["reveals lost"] += quizzes > 0 and answers == 0
    return figures


def _in_chat(fake: FakeTelegram, services: Services, slot: SlotInfo) -> bool:
    """Whether a reported post reached its chat: what an admin sees by looking."""
    chat_id = GROUP if slot.kind.startswith("group_") else CHANNEL
    digits = str(slot.number).translate(PERSIAN)
    if slot.kind.endswith("reveal"):
        return count(fake, chat_id, f"پاسخ کوییز شماره {digits}<") > 0
    if slot.kind.endswith("quiz"):
        return count(fake, chat_id, f"کوییز شماره {digits}:") > 0
    lesson = services.course.by_id(slot.payload)
    return lesson is not None and count(fake, chat_id, escape(lesson.title)) > 0


async def main(trials: int, url: str | None) -> None:
    runner = LabRunner(workers=1, queue_limit=4, timeout=30)
    await runner.start()
    rng = random.Random(18)
    total = {"trials": 0, "quizzes": 0, "reveals lost": 0, "duplicates": 0, "admin reports": 0}
    try:
        with tempfile.TemporaryDirectory() as folder:
            for index in range(trials):
                db = url or f"sqlite:///{Path(folder) / f'bot{index}.db'}"
                figures = await trial(runner, db, rng)
                total["trials"] += 1
                for name, value in figures.items():
                    total[name] += value
    finally:
        runner.close()
    print(" | ".join(f"{name}: {value}" for name, value in total.items()))


if __name__ == "__main__":
    args = sys.argv[1:]
    pg = args[args.index("--pg") + 1] if "--pg" in args else None
    numbers = [a for a in args if a.isdigit()]
    asyncio.run(main(int(numbers[0]) if numbers else 30, pg))
