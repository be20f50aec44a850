"""The send budget the replicas share (``tables.SendPace``): each claim takes the next
send times off one row, under its row lock, so N replicas together keep one rate.

Times are the database server's (``clock_timestamp()``, seconds since the epoch), never a
replica's: a replica whose clock is off cannot push the row into the others' future."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.rows import get_or_add
from bot.storage.tables import SendPace

log = logging.getLogger(__name__)

#: A row further ahead than this many sends (beyond its burst and horizon) is corrupt: no
#: queue of waiting senders is that deep (the bot's row: 2 minutes). It is reset.
MAX_QUEUE = 3600
#: A pause longer than this is no 429's retry_after: corrupt, reset.
MAX_PAUSE = 3600.0


@dataclass(frozen=True)
class Pace:
    """One send every ``interval`` seconds, up to ``burst`` at once after a quiet spell."""

    interval: float
    burst: int = 1


class PaceRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _postgres(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    async def now(self) -> float:
        """The database server's time (PostgreSQL's ``clock_timestamp()``); on SQLite (one
        process) this process's own."""
        if not self._postgres():
            return time.time()
        result = await self.session.execute(text("SELECT extract(epoch FROM clock_timestamp())"))
        return float(result.scalar_one())

    async def bound(self, lock_ms: int, statement_ms: int) -> None:
        """This transaction waits at most ``lock_ms`` for a row lock and ``statement_ms``
        for any statement (PostgreSQL; then it raises)."""
        if self._postgres():
            await self.session.execute(text(f"SET LOCAL lock_timeout = {int(lock_ms)}"))
            await self.session.execute(text(f"SET LOCAL statement_timeout = {int(statement_ms)}"))

    async def _row(self, name: str, nowait: bool = False) -> SendPace:
        return await get_or_add(self.session, SendPace, name,
                                lambda: SendPace(name=name, next_at=0.0, paused_until=0.0),
                                lock=True, nowait=nowait)

    @staticmethod
    def _sane(row: SendPace, pace: Pace, now: float, horizon: float) -> None:
        """Reset a row absurdly far in the future (written by a skewed clock, by hand, by a
        bug): otherwise every replica would wait it out."""
        if row.next_at > now + horizon + (pace.burst + MAX_QUEUE) * pace.interval:
            log.warning("send pace %r was %.0f s ahead: reset", row.name, row.next_at - now)
            row.next_at = now
        if row.paused_until > now + MAX_PAUSE:
            log.warning("send pace %r was paused %.0f s ahead: reset", row.name,
                        row.paused_until - now)
            row.paused_until = 0.0

    async def claim(self, name: str, pace: Pace, count: int, now: float, horizon: float,
                    wait: bool = True, nowait: bool = False) -> list[float]:
        """Up to ``count`` send times, none before ``now`` or a pause, none later than
        ``now + horizon`` except the first when ``wait`` (without it, possibly none): the
        generic cell rate algorithm over the row, so that any window of T seconds holds at
        most ``T / interval + burst`` of the times handed out to all replicas together.
        ``now`` is the database's (:meth:`now`); ``nowait``: the row's lock at once or an
        error."""
        row = await self._row(name, nowait)
        self._sane(row, pace, now, horizon)
        tolerance = (pace.burst - 1) * pace.interval
        due, times = row.next_at, list[float]()
        while len(times) < count:
            at = max(now, due - tolerance, row.paused_until)
            if at > now + horizon and (times or not wait):
                break
            times.append(at)
            due = max(due, at) + pace.interval
        row.next_at = due
        return times

    async def pause(self, name: str, until: float) -> None:
        """Telegram said 429: no replica's claim gets a time before ``until`` (the
        database's time)."""
        row = await self._row(name)
        row.paused_until = max(row.paused_until, until)

    async def prune(self, before: float) -> int:
        """Forget rows idle since ``before`` (a fresh row is the same as an idle one)."""
        result = await self.session.execute(delete(SendPace).where(
            SendPace.name != "bot", SendPace.next_at < before, SendPace.paused_until < before))
        return int(result.rowcount)  # type: ignore[attr-defined]
