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
used when the database is PostgreSQL (:func:`shared_budget_for`).

Send times are the database server's clock (read in the claim's transaction); a replica
turns them into delays and sleeps on its own monotonic clock, so the replicas' wall clocks
need not agree (a row left absurdly far ahead is reset: :mod:`bot.storage.pace`). A claim
waits at most :data:`LOCK_MS` for the row's lock (a replica frozen inside its claim holds
it) and a chat action not at all; when the database cannot answer in time (locked, down,
unreachable) each replica sends on its own local budget for :data:`FALLBACK` seconds and
then asks again, with one warning per outage.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable

from bot.storage import Repos, Storage
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
#: The longest a claim waits for the row's lock, and for any one statement (ms).
LOCK_MS = 500
STATEMENT_MS = 2000
#: The longest a whole claim may take (connecting included), seconds.
CLAIM_TIMEOUT = 3.0
#: After a failed claim, this replica uses its local budget alone this long (seconds).
FALLBACK = 5.0
#: PostgreSQL's "lock not available" (NOWAIT, lock_timeout).
LOCK_NOT_AVAILABLE = "55P03"


async def database_time(db: Repos) -> float:
    """The database's clock, the one all replicas' send times are in."""
    return await db.pace.now()


def _sqlstate(error: BaseException) -> str | None:
    """The PostgreSQL error code behind a driver/SQLAlchemy error, if any."""
    seen: BaseException | None = error
    while seen is not None:
        for candidate in (seen, getattr(seen, "orig", None)):
            code = getattr(candidate, "sqlstate", None)
            if isinstance(code, str):
                return code
        seen = seen.__cause__ or getattr(seen, "orig", None)
        if seen is error:
            break
    return None


class SharedBudget:
    """The replicas' common send budget (see the module). ``clock`` is this replica's
    monotonic clock (delays only), ``db_clock`` reads the database's time in a claim's
    transaction (a seam for tests)."""

    def __init__(self, storage: Storage, pace: Pace = BOT_PACE, group: Pace = GROUP_PACE,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 db_clock: Callable[[Repos], Awaitable[float]] = database_time) -> None:
        self.storage = storage
        self.pace = pace
        self.group = group
        self._clock = clock
        self._sleep = sleep
        self._db_clock = db_clock
        self._times: deque[float] = deque()  # claimed, not yet used (this replica's clock)
        self._lock = asyncio.Lock()  # first come first served: the local budget ordered them
        self._wanted = 0
        self._pruned: float | None = None  # the database's time of the last prune
        self._pausing: set[asyncio.Task[None]] = set()
        self._alone_until = float("-inf")  # this replica's clock: local budget alone till then
        self._outage = False

    @property
    def alone(self) -> bool:
        """True while the shared budget failed lately and the local one decides alone."""
        return self._clock() < self._alone_until

    async def take(self) -> None:
        """Wait for this replica's next send time."""
        self._wanted += 1
        try:
            async with self._lock:
                at = await self._next()
        finally:
            self._wanted -= 1
        if at is not None:
            await self._until(at)

    async def take_now(self) -> bool:
        """A send time now, or False (a chat action: never worth waiting for, not even for
        the row's lock)."""
        if self._lock.locked():
            return False
        if self.alone:
            return True  # the local budget already said yes
        now = self._clock()
        self._drop_missed(now)
        if self._times:
            if self._times[0] > now + LATE:
                return False
            self._times.popleft()
            return True
        return bool(await self._claim(BOT, self.pace, 1, LATE, wait=False))

    async def take_chat(self, chat_id: int | str) -> None:
        """Wait for the group's next send time (one claim per message: groups are slow)."""
        times = await self._claim(f"chat:{chat_id}", self.group, 1, 0.0, prune=True)
        if times:
            await self._until(times[0])

    def pause(self, seconds: float) -> None:
        """Telegram said 429: this replica drops its claimed times, and the row makes the
        others wait too (written in the background: the caller is waiting it out)."""
        self._times.clear()
        if self.alone:
            return
        task = asyncio.get_running_loop().create_task(self._pause(seconds))
        self._pausing.add(task)
        task.add_done_callback(self._pausing.discard)

    async def _pause(self, seconds: float) -> None:
        try:
            async with asyncio.timeout(CLAIM_TIMEOUT):
                async with self.storage.transaction() as db:
                    await db.pace.bound(LOCK_MS, STATEMENT_MS)
                    await db.pace.pause(BOT, await self._db_clock(db) + seconds)
        except Exception:  # noqa: BLE001 (the local pause still holds)
            log.warning("could not share a 429's pause with the other replicas", exc_info=True)

    async def _claim(self, name: str, pace: Pace, count: int, horizon: float,
                     wait: bool = True, prune: bool = False) -> list[float] | None:
        """Send times from the row, on this replica's clock; [] when none is free now
        (``wait`` False, or its lock is held then); None when the database failed (the
        local budget decides alone for a while)."""
        if self.alone:
            return None
        try:
            async with asyncio.timeout(CLAIM_TIMEOUT):
                async with self.storage.transaction() as db:
                    await db.pace.bound(LOCK_MS, STATEMENT_MS)
                    now = await self._db_clock(db)
                    local = self._clock()
                    times = await db.pace.claim(name, pace, count, now, horizon, wait=wait,
                                                nowait=not wait)
                    if prune and now - (self._pruned or 0.0) > PRUNE_AFTER:
                        self._pruned = now
                        await db.pace.prune(now - PRUNE_AFTER)
        except Exception as error:  # noqa: BLE001 (any failure: the local budget goes on)
            if not wait and _sqlstate(error) == LOCK_NOT_AVAILABLE:
                return []  # another replica is claiming: nothing free at once
            self._alone(error)
            return None
        if self._outage:
            self._outage = False
            log.warning("the shared send budget answers again")
        return [local + (at - now) for at in times]

    def _alone(self, error: BaseException) -> None:
        self._alone_until = self._clock() + FALLBACK
        self._times.clear()
        if not self._outage:
            self._outage = True
            first = (str(error).splitlines() or [""])[0][:200]
            log.warning("the shared send budget failed (%s: %s): this replica keeps its own "
                        "budget alone for now", type(error).__name__, first)

    async def _next(self) -> float | None:
        self._drop_missed(self._clock())
        if not self._times:
            times = await self._claim(BOT, self.pace, max(1, min(BATCH, self._wanted)), HORIZON)
            if not times:
                return None
            self._times.extend(times)
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
