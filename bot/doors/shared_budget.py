"""Telegram's send budget shared by every replica on one PostgreSQL.

Telegram counts a bot's messages (about 30 a second) and each group's (20 a minute) over
all its replicas together. Each replica keeps its local priority budget
(:class:`bot.doors.budget.SendBudget`: text before pictures, chat actions only when free)
in front; a call it lets through then takes its send time from one row in the database
(:class:`bot.storage.pace.PaceRepo`, the generic cell rate algorithm under the row's lock)
and waits until that time. Times are claimed a few at a time (as many as calls wait here,
at most :data:`BATCH`, none further than :data:`HORIZON` ahead), so at 30 messages a
second a replica makes a handful of small transactions a second; any window of T seconds
then holds at most ``30·T + burst`` sends from all replicas (plus the lateness of a send
after its time, at most :data:`LATE`). A 429 seen by one replica is written to the row,
and every replica's next claim waits it out.

On SQLite the bot is one process and the local budget is the whole budget; this module is
used when the database is PostgreSQL (:func:`shared_budget_for`). The clocks of the
replicas are wall clocks (keep them in sync with NTP; a skewed one only sends later).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable

from bot.storage import Storage
from bot.storage.pace import Pace

log = logging.getLogger(__name__)

BOT = "bot"
#: The bot in all chats: 30 a second, 5 at once (as the local budget).
BOT_PACE = Pace(1 / 30, 5)
#: One group: at most 20 in any minute (17 a minute, 3 at once).
GROUP_PACE = Pace(60 / 17, 3)
#: At most this many send times claimed in one transaction.
BATCH = 4
#: No send time claimed further ahead than this (the first of a claim excepted).
HORIZON = 0.2
#: A claimed time missed by more than this is dropped (sent later, it would bunch).
LATE = 0.05
#: Group rows idle this long are deleted (an idle row is the same as none).
PRUNE_AFTER = 3600.0


class SharedBudget:
    """The replicas' common send budget (see the module)."""

    def __init__(self, storage: Storage, pace: Pace = BOT_PACE, group: Pace = GROUP_PACE,
                 clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.storage = storage
        self.pace = pace
        self.group = group
        self._clock = clock
        self._sleep = sleep
        self._times: deque[float] = deque()  # claimed, not yet used
        self._lock = asyncio.Lock()  # first come first served: the local budget ordered them
        self._wanted = 0
        self._pruned = clock()
        self._pausing: set[asyncio.Task[None]] = set()

    async def take(self) -> None:
        """Wait for this replica's next send time."""
        self._wanted += 1
        try:
            async with self._lock:
                at = await self._next()
        finally:
            self._wanted -= 1
        await self._until(at)

    async def take_now(self) -> bool:
        """A send time now, or False (a chat action: never worth waiting for)."""
        if self._lock.locked():
            return False
        now = self._clock()
        self._drop_missed(now)
        if self._times:
            if self._times[0] > now + LATE:
                return False
            self._times.popleft()
            return True
        async with self.storage.transaction() as db:
            return bool(await db.pace.claim(BOT, self.pace, 1, now, LATE, wait=False))

    async def take_chat(self, chat_id: int | str) -> None:
        """Wait for the group's next send time (one claim per message: groups are slow)."""
        now = self._clock()
        async with self.storage.transaction() as db:
            [at] = await db.pace.claim(f"chat:{chat_id}", self.group, 1, now, 0.0)
            if now - self._pruned > PRUNE_AFTER:
                self._pruned = now
                await db.pace.prune(now - PRUNE_AFTER)
        await self._until(at)

    def pause(self, seconds: float) -> None:
        """Telegram said 429: this replica drops its claimed times, and the row makes the
        others wait too (written in the background: the caller is waiting it out)."""
        self._times.clear()
        until = self._clock() + seconds
        task = asyncio.get_running_loop().create_task(self._pause(until))
        self._pausing.add(task)
        task.add_done_callback(self._pausing.discard)

    async def _pause(self, until: float) -> None:
        try:
            async with self.storage.transaction() as db:
                await db.pace.pause(BOT, until)
        except Exception:  # noqa: BLE001 (the local pause still holds)
            log.warning("could not share a 429's pause with the other replicas", exc_info=True)

    async def _next(self) -> float:
        self._drop_missed(self._clock())
        if not self._times:
            async with self.storage.transaction() as db:
                self._times.extend(await db.pace.claim(
                    BOT, self.pace, max(1, min(BATCH, self._wanted)), self._clock(), HORIZON))
        return self._times.popleft()

    def _drop_missed(self, now: float) -> None:
        while self._times and self._times[0] < now - LATE:
            self._times.popleft()

    async def _until(self, at: float) -> None:
        delay = at - self._clock()
        if delay > 0:
            await self._sleep(delay)


def shared_budget_for(storage: Storage) -> SharedBudget | None:
    """The shared budget when replicas may share the database (PostgreSQL), else None."""
    return SharedBudget(storage) if storage.engine.dialect.name == "postgresql" else None
