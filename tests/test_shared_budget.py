"""Telegram's send budget shared by replicas: two budgets on one database (as two
replicas would open it) together keep the bot's rate and a group's, honour a 429 one of
them saw, and give chat actions only what is free. Time is virtual (an injected clock,
database clock and sleep), so the bounds are exact and nothing is timed. Then what goes
wrong between replicas: a skewed clock, a row lock held by a frozen replica, the database
down (PostgreSQL: the real database clock and locks, with only hang guards)."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from sqlalchemy import text

from bot.doors.shared_budget import BOT, BOT_PACE, GROUP_PACE, LATE, SharedBudget
from bot.storage import Repos, Storage
from tests.test_storage import db_url, empty_database, pg_url  # noqa: F401 (fixtures)

START = 1_800_000_000.0  # seconds since the epoch, as the replicas' wall clocks


class VirtualTime:
    """A clock that moves only when every worker sleeps: then to the earliest wake-up."""

    def __init__(self) -> None:
        self.now = START
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def clock(self) -> float:
        return self.now

    async def db_clock(self, db: Repos) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + seconds, next(self._order), future))
        await future

    async def run(self, *work: Awaitable[None]) -> None:
        tasks = [asyncio.ensure_future(w) for w in work]
        while not all(t.done() for t in tasks):
            live = sum(not t.done() for t in tasks)
            if self._sleepers and len(self._sleepers) == live:
                wake, _, future = heapq.heappop(self._sleepers)
                self.now = max(self.now, wake)
                future.set_result(None)
            await asyncio.sleep(0.001)  # the workers' database round trips are real
        for task in tasks:
            task.result()


@pytest.fixture
async def replicas(db_url: str) -> AsyncIterator[tuple[VirtualTime, SharedBudget, SharedBudget]]:
    time = VirtualTime()
    stores = [await Storage.open(db_url), await Storage.open(db_url)]
    yield time, *(SharedBudget(s, clock=time.clock, sleep=time.sleep, db_clock=time.db_clock)
                  for s in stores)
    for store in stores:
        await store.close()


def _worst(times: list[float], window: float) -> int:
    """The most sends in any window of ``window`` seconds."""
    times = sorted(times)
    return max(sum(1 for t in times[i:] if t < start + window) for i, start in enumerate(times))


def _sender(time: VirtualTime, take: Callable[[], Awaitable[None]], count: int,
            sent: list[float]) -> Awaitable[None]:
    async def send() -> None:
        for _ in range(count):
            await take()
            sent.append(time.now)
    return send()


async def test_two_replicas_together_keep_the_bots_rate(
        replicas: tuple[VirtualTime, SharedBudget, SharedBudget]) -> None:
    time, a, b = replicas
    sent: list[float] = []
    await time.run(*(_sender(time, budget.take, 40, sent) for budget in (a, b, a, b, a, b)))
    assert len(sent) == 240
    rate, burst = 1 / BOT_PACE.interval, BOT_PACE.burst
    # any window of T seconds: at most rate·(T + LATE) + burst, from both together
    for window in (0.1, 0.5, 1.0, 3.0):
        assert _worst(sent, window) <= rate * (window + LATE) + burst, window
    assert _worst(sent, 1.0) >= 30  # and the budget is used, not wasted
    assert max(sent) - min(sent) <= (240 - burst) / rate + 0.5


async def test_a_429_seen_by_one_replica_pauses_the_other(
        replicas: tuple[VirtualTime, SharedBudget, SharedBudget]) -> None:
    time, a, b = replicas
    sent: list[float] = []
    await time.run(_sender(time, b.take, 3, sent))
    time.now += 10  # b's unused claimed times are stale now
    paused_at = time.now
    a.pause(30.0)
    await asyncio.gather(*a._pausing)  # written to the database in the background
    assert not await b.take_now()  # paused: a chat action is skipped
    sent.clear()
    await time.run(_sender(time, b.take, 5, sent))
    assert min(sent) >= paused_at + 30.0


async def test_chat_actions_get_only_what_is_free(
        replicas: tuple[VirtualTime, SharedBudget, SharedBudget]) -> None:
    time, a, b = replicas
    assert await a.take_now()  # idle: an action goes at once
    sent: list[float] = []
    await time.run(_sender(time, b.take, 12, sent))  # b spends the burst and more
    time.now = max(sent)
    actions = [await a.take_now() for _ in range(5)]
    assert actions.count(True) <= 1  # at most the one send due now, never a wait
    # a skipped action took nothing: b's next send is due on the same pace
    before = max(sent)
    await time.run(_sender(time, b.take, 1, sent))
    assert max(sent) - before <= BOT_PACE.interval * 2 + 1e-9


async def test_two_replicas_together_keep_a_groups_rate(
        replicas: tuple[VirtualTime, SharedBudget, SharedBudget]) -> None:
    time, a, b = replicas
    sent: list[float] = []
    other: list[float] = []

    def group(budget: SharedBudget, chat: int) -> Callable[[], Awaitable[None]]:
        return lambda: budget.take_chat(chat)

    await time.run(_sender(time, group(a, -100), 15, sent), _sender(time, group(b, -100), 15, sent),
                   _sender(time, group(b, -200), 3, other))
    assert _worst(sent, 60.0) <= 20  # Telegram's 20 a minute in one group
    assert _worst(sent, 60.0) >= 17
    assert other == [START] * 3  # another group is not held up by this one
    assert GROUP_PACE.burst == 3


class Recorder:
    """A shared budget that only records what the local one asks of it."""

    def __init__(self, free: bool) -> None:
        self.free = free
        self.asked: list[str] = []

    async def take(self) -> None:
        self.asked.append("take")

    async def take_now(self) -> bool:
        self.asked.append("take_now")
        return self.free

    async def take_chat(self, chat_id: int | str) -> None:
        self.asked.append(f"chat {chat_id}")

    def pause(self, seconds: float) -> None:
        self.asked.append(f"pause {seconds:.1f}")


async def test_the_local_priority_budget_asks_the_shared_one_after_its_own() -> None:
    from bot.doors.budget import PriorityRateLimiter

    shared = Recorder(free=False)
    limiter = PriorityRateLimiter()
    limiter.budget.shared = shared
    sent: list[str] = []

    async def call(*args: object, **kwargs: object) -> bool:
        sent.append(str(kwargs["what"]))
        return True

    async def request(endpoint: str, chat_id: int, what: str) -> None:
        await limiter.process_request(call, (), {"what": what}, endpoint, {"chat_id": chat_id},
                                      None)

    await request("sendMessage", 7, "reply")
    await request("sendChatAction", 7, "typing")  # nothing free everywhere: skipped
    await request("sendMessage", -100, "group reply")
    assert sent == ["reply", "group reply"]
    assert shared.asked == ["take", "take_now", "chat -100", "take"]
    limiter.budget.pause(2.0)  # a 429 pauses every replica
    assert shared.asked[-1] == "pause 2.0"


class Slept:
    """A sleep that only adds up what it was asked to wait."""

    def __init__(self) -> None:
        self.total = 0.0

    async def __call__(self, seconds: float) -> None:
        self.total += seconds


@pytest.fixture
async def pg_store(pg_url: str) -> AsyncIterator[Storage]:  # noqa: F811
    await empty_database(pg_url)
    storage = await Storage.open(pg_url)
    yield storage
    await storage.close()


async def test_a_skewed_replica_does_not_delay_a_correct_one(pg_store: Storage) -> None:
    # the database's clock is the only one in the row: a replica an hour fast (its own
    # clock) sends on the same pace as the others, and pushes nobody into its future
    fast_sleep, good_sleep = Slept(), Slept()
    fast = SharedBudget(pg_store, clock=lambda: START + 3600.0, sleep=fast_sleep)
    good = SharedBudget(pg_store, clock=lambda: START, sleep=good_sleep)
    for _ in range(BOT_PACE.burst + 2):
        await fast.take()
    await good.take()
    assert fast_sleep.total <= 3 * BOT_PACE.interval
    assert good_sleep.total <= 4 * BOT_PACE.interval  # the next send on the pace, not an hour
    assert not fast.alone and not good.alone


async def test_a_row_far_in_the_future_is_reset(
        replicas: tuple[VirtualTime, SharedBudget, SharedBudget],
        caplog: pytest.LogCaptureFixture) -> None:
    time, a, b = replicas
    async with a.storage.transaction() as db:  # as an old replica with a skewed clock left it
        await db.pace.claim(BOT, BOT_PACE, 1, START + 3600.0, 0.0)
        await db.pace.pause(BOT, START + 86400.0)
    sent: list[float] = []
    with caplog.at_level(logging.WARNING):
        await time.run(_sender(time, b.take, 3, sent))
    assert sent == [START] * 3
    assert sum("reset" in r.getMessage() for r in caplog.records) == 2  # once each, logged
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        await time.run(_sender(time, a.take, 3, sent))
    assert not caplog.records
    assert _worst(sent, 0.1) <= BOT_PACE.burst + 0.1 / BOT_PACE.interval + 1


async def test_a_held_row_lock_neither_stalls_sends_nor_chat_actions(
        pg_store: Storage) -> None:
    budget = SharedBudget(pg_store, sleep=Slept())
    await budget.take()  # the row exists
    frozen = await Storage.open(str(pg_store.url))
    try:
        # another replica frozen inside its claim (SIGSTOP, a partition) holds the row
        async with frozen.transaction() as db:
            await db.session.execute(text("SELECT * FROM send_pace WHERE name = 'bot' FOR UPDATE"))
            action = SharedBudget(pg_store, sleep=Slept())
            # at once (NOWAIT), and a busy lock is no outage: the next action asks again
            assert await asyncio.wait_for(action.take_now(), 5.0) is False
            assert not action.alone
            budget._times.clear()
            await asyncio.wait_for(budget.take(), 5.0)  # the lock timeout, then on alone
            assert budget.alone
            assert await budget.take_now()  # alone: the local budget decides
    finally:
        await frozen.close()


async def test_a_database_down_makes_sends_go_on_the_local_budget(
        caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down = Storage(f"postgresql://dars:dars@127.0.0.1:{port}/none")
    now = [START]
    budget = SharedBudget(down, clock=lambda: now[0], sleep=Slept())
    with caplog.at_level(logging.WARNING):
        await budget.take()  # no ConnectionRefusedError: the send goes on
        await budget.take()
        await budget.take_chat(-100)
        assert await budget.take_now()
        budget.pause(2.0)  # nothing to share it with: no task
        assert not budget._pausing
        now[0] += 60.0  # later: asks the database again, still down
        await budget.take()
    assert budget.alone
    failed = [r for r in caplog.records if "failed" in r.getMessage()]
    assert len(failed) == 1  # one warning per outage
    await down.close()
