"""The send budget the replicas share (``tables.SendPace``): each claim takes the next
send times off one row, under its row lock, so N replicas together keep one rate."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.rows import get_or_add
from bot.storage.tables import SendPace


@dataclass(frozen=True)
class Pace:
    """One send every ``interval`` seconds, up to ``burst`` at once after a quiet spell."""

    interval: float
    burst: int = 1


class PaceRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _row(self, name: str) -> SendPace:
        return await get_or_add(self.session, SendPace, name,
                                lambda: SendPace(name=name, next_at=0.0, paused_until=0.0),
                                lock=True)

    async def claim(self, name: str, pace: Pace, count: int, now: float, horizon: float,
                    wait: bool = True) -> list[float]:
        """Up to ``count`` send times, none before ``now`` or a pause, none later than
        ``now + horizon`` except the first when ``wait`` (without it, possibly none): the
        generic cell rate algorithm over the row, so that any window of T seconds holds at
        most ``T / interval + burst`` of the times handed out to all replicas together."""
        row = await self._row(name)
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
        """Telegram said 429: no replica's claim gets a time before ``until``."""
        row = await self._row(name)
        row.paused_until = max(row.paused_until, until)

    async def prune(self, before: float) -> int:
        """Forget rows idle since ``before`` (a fresh row is the same as an idle one)."""
        result = await self.session.execute(delete(SendPace).where(
            SendPace.name != "bot", SendPace.next_at < before, SendPace.paused_until < before))
        return int(result.rowcount)  # type: ignore[attr-defined]
