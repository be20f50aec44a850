"""What the teacher's dashboard reads: counts over all learners (no one's answers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.tables import Answer, MemoryCard, Preference


@dataclass(frozen=True)
class Overview:
    active: list[tuple[date, int]]  # learners who answered something, per local day, oldest first
    reviews_due: int  # memory cards due now, over all learners
    learners_with_reviews_due: int
    reminder_opt_ins: int  # daily reminders on (and the bot not blocked)


class OverviewRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def summary(self, now: datetime, days: int = 14, zone: tzinfo = UTC) -> Overview:
        """``active``: the last ``days`` days in ``zone`` (the teacher's), today last."""
        now = now.astimezone(UTC)
        since = now - timedelta(days=days + 1)
        rows = (await self.session.execute(
            select(Answer.user_id, Answer.answered_at).where(Answer.answered_at >= since))).all()
        per_day: dict[date, set[int]] = {}
        for user_id, moment in rows:
            per_day.setdefault(_day(moment, zone), set()).add(user_id)
        first = now.astimezone(zone).date() - timedelta(days=days - 1)
        active = [(first + timedelta(days=k), len(per_day.get(first + timedelta(days=k), ())))
                  for k in range(days)]
        due = (await self.session.execute(
            select(func.count(), func.count(func.distinct(MemoryCard.user_id)))
            .where(MemoryCard.due_at <= now))).one()
        opted = await self.session.scalar(
            select(func.count()).select_from(Preference)
            .where(Preference.reminder.is_(True), Preference.blocked.is_(False)))
        return Overview(active=active, reviews_due=int(due[0]), learners_with_reviews_due=int(due[1]),
                        reminder_opt_ins=int(opted or 0))


def _day(moment: datetime, zone: tzinfo) -> date:
    """The day in ``zone`` of a stored moment (SQLite returns naive datetimes; all are UTC)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(zone).date()
