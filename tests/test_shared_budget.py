"""Telegram's send budget shared by replicas: two budgets on one database (as two
replicas would open it) together keep the bot's rate and a group's, honour a 429 one of
them saw, and give chat actions only what is free. Time is virtual (an injected clock and
sleep), so the bounds are exact and nothing is timed."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from bot.doors.shared_budget import BOT_PACE, GROUP_PACE, LATE, SharedBudget
from bot.storage import Storage
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
    yield time, *(SharedBudget(s, clock=time.clock, sleep=time.sleep) for s in stores)
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
