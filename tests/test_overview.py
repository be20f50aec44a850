"""The dashboard's counts: learners active per day are counted in the teacher's days."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.storage.practice import PollInfo


async def test_an_answer_after_midnight_in_tehran_counts_for_the_next_day(storage):
    late = datetime(2026, 12, 1, 22, 0, tzinfo=UTC)  # 01:30 on 2 December in Tehran
    async with storage.transaction() as db:
        await db.learners.touch(5, "Sara", late)
        poll = PollInfo("p1", "q1", 5, 1, "practice", None)
        await db.polls.add(poll, late)
        await db.answers.add(5, poll, 0, True, late)
    now = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    async with storage.transaction() as db:
        tehran = await db.overview.summary(now, days=2, zone=ZoneInfo("Asia/Tehran"))
        utc = await db.overview.summary(now, days=2)
    assert tehran.active == [(date(2026, 12, 1), 0), (date(2026, 12, 2), 1)]
    assert utc.active == [(date(2026, 12, 1), 1), (date(2026, 12, 2), 0)]
