"""Telegram's send budget, spent in order of priority rather than first come first served.

Telegram lets a bot send about 30 messages a second (chat actions and edits included) and
20 a minute into one group; above that it answers 429. PTB's ``AIORateLimiter`` queues
every call in one first-in-first-out line, so a ``/help`` waits behind hundreds of photos
and nothing is ever refused. :class:`PriorityRateLimiter` instead:

- hands out the budget (a token bucket) to the most urgent waiting call first: text
  answers, then pictures Telegram already has (sent by ``file_id``), then new uploads;
  text always goes first (it is short, and a refusal must arrive at once); between
  pictures a call's lead is worth :data:`AGE_SECONDS` per priority step, not forever,
  so an admitted upload is not starved by a stream of cached pictures;
- sends a chat action only when the budget is free right now (an action is a courtesy;
  it never delays an answer);
- tells how long a new call of a given priority would wait (:meth:`backlog_seconds`), so
  the bot can refuse work at once that it could not send within seconds.

A call's priority is read from what it sends, unless the caller passes one as PTB's
``rate_limit_args``.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from enum import IntEnum
from typing import Any, Protocol

from aiolimiter import AsyncLimiter
from telegram import InputFile
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

JSON = bool | dict[str, Any] | list[dict[str, Any]]


#: How much earlier a call of one priority step more urgent counts as having come.
AGE_SECONDS = 1.0
#: Seconds over which the rate of calls that overtake uploads is measured.
URGENT_WINDOW = 3.0


class Priority(IntEnum):
    """Lower goes first. From 1: PTB drops a falsy ``rate_limit_args``."""

    TEXT = 1  # answers in words, polls, edits of text
    KNOWN = 2  # a picture Telegram already has (by file_id)
    UPLOAD = 3  # a new picture's bytes
    ACTION = 4  # "sending a photo…": only when the budget is free


def _uploads(value: Any) -> bool:
    return isinstance(value, InputFile) or isinstance(getattr(value, "media", None), InputFile)


def priority_of(endpoint: str, data: dict[str, Any]) -> Priority:
    """What a call is, from its endpoint and parameters."""
    if endpoint == "sendChatAction":
        return Priority.ACTION
    values = data.values()
    if any(_uploads(v) or (isinstance(v, list) and any(map(_uploads, v))) for v in values):
        return Priority.UPLOAD
    if endpoint in ("sendPhoto", "sendAnimation", "sendDocument", "sendMediaGroup",
                    "editMessageMedia"):
        return Priority.KNOWN
    return Priority.TEXT


class Shared(Protocol):
    """The budget every replica spends together (:mod:`bot.doors.shared_budget`), taken
    after this replica's own, in the order this one granted."""

    async def take(self) -> None: ...

    async def take_now(self) -> bool: ...

    async def take_chat(self, chat_id: int | str) -> None: ...

    def pause(self, seconds: float) -> None: ...


class SendBudget:
    """A token bucket of ``rate`` calls a second (at most ``burst`` at once, so that the
    calls reach Telegram evenly), handed out to waiters in priority order; then, when
    replicas share the bot, the ``shared`` budget."""

    def __init__(self, rate: float = 30.0, burst: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = burst
        self._last = clock()
        self._waiting: list[tuple[bool, float, int, asyncio.Future[None], Priority]] = []
        self._order = itertools.count()
        self._dispatcher: asyncio.Task[None] | None = None
        self._paused_until = 0.0
        #: when recent calls ahead of uploads went out, and their priority
        self._urgent: deque[tuple[float, Priority]] = deque()
        #: when recent uploads that had to wait were sent, and how long they waited
        self._waited: deque[tuple[float, float]] = deque()
        self.shared: Shared | None = None

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now

    def waiting(self, up_to: Priority = Priority.ACTION) -> int:
        return sum(1 for *_, f, p in self._waiting if p <= up_to and not f.done())

    def backlog_seconds(self, priority: Priority, pending: int = 0) -> float:
        """About how long a call of ``priority`` made now would wait for the budget: the
        waiters ahead of it (and ``pending`` calls the caller knows will come first), and
        the calls still to come that will overtake it, at the rates of the last
        :data:`URGENT_WINDOW` seconds: every text while it waits (refusals included), and
        the more urgent pictures arriving within their lead (:data:`AGE_SECONDS` a step).
        Counting every picture as overtaking it for good made a busy budget look full:
        uploads were refused, the refusals (text) made it look fuller still."""
        self._refill()
        now = self._clock()
        pause = max(0.0, self._paused_until - now)
        ahead = max(0.0, self.waiting(priority) + pending + 1 - self._tokens)
        if priority <= Priority.TEXT or ahead == 0:  # (a free unit is taken at once)
            return pause + ahead / self.rate
        while self._urgent and self._urgent[0][0] < now - URGENT_WINDOW:
            self._urgent.popleft()
        texts = sum(1 for _, p in self._urgent if p is Priority.TEXT) / URGENT_WINDOW
        leading = sum(AGE_SECONDS * (priority - p) for _, p in self._urgent
                      if Priority.TEXT < p < priority) / URGENT_WINDOW
        left = max(self.rate - texts, self.rate / 10)
        return pause + max((ahead + leading) / left, self._waited_lately(priority, now))

    def _waited_lately(self, priority: Priority, now: float) -> float:
        """How long the uploads sent in the last :data:`URGENT_WINDOW` seconds waited, on
        average (0 for other priorities, or none sent): what the estimate above cannot see
        (a machine short of CPU, calls still being made) shows in what really happened."""
        while self._waited and self._waited[0][0] < now - URGENT_WINDOW:
            self._waited.popleft()
        if priority is not Priority.UPLOAD or not self._waited:
            return 0.0
        return sum(wait for _, wait in self._waited) / len(self._waited)

    def _spent(self, priority: Priority) -> None:
        if priority < Priority.UPLOAD:
            self._urgent.append((self._clock(), priority))

    def try_take(self) -> bool:
        """Take one unit now if nobody waits and the bucket has it (else take nothing)."""
        self._refill()
        if self._waiting or self._tokens < 1 or self._clock() < self._paused_until:
            return False
        self._tokens -= 1
        return True

    async def take(self, priority: Priority) -> None:
        """Wait for one unit of the budget, behind every more urgent waiter."""
        self._spent(priority)
        if not self.try_take():
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            came = self._clock()
            heapq.heappush(self._waiting, (priority > Priority.TEXT, came + AGE_SECONDS * priority,
                                           next(self._order), future, priority))
            if self._dispatcher is None or self._dispatcher.done():
                self._dispatcher = asyncio.create_task(self._dispatch())
            await future
            if priority is Priority.UPLOAD:
                sent = self._clock()
                self._waited.append((sent, sent - came))
        if self.shared is not None:
            await self.shared.take()

    async def take_now(self) -> bool:
        """One unit now or none (a chat action): this replica's budget, then the shared one."""
        return self.try_take() and (self.shared is None or await self.shared.take_now())

    def pause(self, seconds: float) -> None:
        """Telegram said 429: nothing goes out for ``seconds``."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)
        self._tokens = 0.0
        if self.shared is not None:
            self.shared.pause(seconds)

    async def _dispatch(self) -> None:
        while self._waiting:
            self._refill()
            wait = max(self._paused_until - self._clock(), (1 - self._tokens) / self.rate)
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            *_, future, _ = heapq.heappop(self._waiting)
            if not future.done():  # a cancelled waiter takes nothing
                self._tokens -= 1
                future.set_result(None)


class PriorityRateLimiter(BaseRateLimiter[int]):
    """PTB's rate limiter interface over a :class:`SendBudget` (see the module); a 429 is
    waited out (``max_retries`` times) with the whole budget paused."""

    def __init__(self, budget: SendBudget | None = None, group_max_rate: float = 20,
                 group_time_period: float = 60, max_retries: int = 0) -> None:
        self.budget = budget or SendBudget()
        self._group_rate = (group_max_rate, group_time_period)
        self._groups: dict[int | str, AsyncLimiter] = {}
        self._max_retries = max_retries

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    def _group(self, chat_id: Any) -> AsyncLimiter | None:
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)
        if not ((isinstance(chat_id, int) and chat_id < 0) or isinstance(chat_id, str)):
            return None
        if len(self._groups) > 512:  # forget groups whose minute has passed
            for key, limiter in list(self._groups.items()):
                if limiter.has_capacity(limiter.max_rate):
                    del self._groups[key]
        if chat_id not in self._groups:
            self._groups[chat_id] = AsyncLimiter(*self._group_rate)
        return self._groups[chat_id]

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSON:
        chat_id = data.get("chat_id")
        if chat_id is None:  # not a message into a chat (answers to presses, lookups)
            return await callback(*args, **kwargs)
        priority = Priority(rate_limit_args) if rate_limit_args is not None else priority_of(endpoint, data)
        if priority is Priority.ACTION and not await self.budget.take_now():
            return True  # skipped: the budget is better spent on answers
        group = self._group(chat_id)
        for attempt in range(self._max_retries + 1):
            if group is not None:
                await group.acquire()
                if self.budget.shared is not None:
                    await self.budget.shared.take_chat(chat_id)
            if priority is not Priority.ACTION or attempt:
                await self.budget.take(priority)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                if attempt == self._max_retries:
                    raise
                seconds = error.retry_after
                wait = seconds.total_seconds() if hasattr(seconds, "total_seconds") else float(seconds)
                log.info("Telegram asked to wait %.1f s (429)", wait)
                self.budget.pause(wait + 0.1)
        raise AssertionError("unreachable")
