"""Bot API calls that fail for a moment are tried again, when trying again cannot send a
message twice.

Every call goes through the application's rate limiter, so the retry lives there:
:class:`RetryingRateLimiter` is the priority limiter of :mod:`bot.doors.budget` (which
waits out a 429 by itself) plus a short backoff for transient failures:

- any method, when the failure proves the request was not carried out: the Bot API
  answered with an error status and its own JSON description (``"ok": false`` means the
  request failed), or no connection was made at all;
- a method whose repetition has no further effect (edits, chat actions, lookups), on any
  transient failure, including a connection that broke after the request left.

A ``send…`` whose connection broke after the request left may have been delivered: it
is not repeated (a learner would get the reply twice, a channel the post twice). Such a
failure reaches the application's error handler, which records it in ``Services.faults`` for
``/status`` and logs it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Sequence
from contextvars import ContextVar
from typing import Any, Protocol

import httpx
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError

from bot.doors import metrics
from bot.doors.budget import PriorityRateLimiter

log = logging.getLogger(__name__)

#: Transport failures before the request left this machine.
NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
#: Methods whose repetition changes nothing more than the first call did.
_REPEATABLE_PREFIXES = ("get", "edit")
_REPEATABLE = frozenset({"sendChatAction", "setMyCommands", "deleteMyCommands",
                         "setChatMenuButton", "setWebhook", "deleteWebhook"})
#: Seconds to wait before each further attempt.
BACKOFF = (0.5, 1.0, 2.0)


def not_carried_out(error: NetworkError) -> bool:
    """True when ``error`` proves Telegram did not carry the request out. PTB raises an
    error answer whose JSON it could read without a cause; a gateway's HTML page (its
    cause is the failed parse) or a broken connection leave the outcome unknown."""
    cause = error.__cause__
    return cause is None or isinstance(cause, NEVER_SENT)


def transient(error: NetworkError, endpoint: str) -> bool:
    """Worth another try: not a refusal of the request itself (PTB's BadRequest is a
    NetworkError too), and either proven not carried out or harmless to repeat."""
    if isinstance(error, BadRequest):
        return False
    return not_carried_out(error) or repeatable(endpoint)


def repeatable(endpoint: str) -> bool:
    return endpoint.startswith(_REPEATABLE_PREFIXES) or endpoint in _REPEATABLE


Result = bool | dict[str, Any] | list[dict[str, Any]]


class Journal(Protocol):
    """The calls already made for the update being handled (:mod:`bot.doors.inbox`):
    handling it again replays their results instead of sending the replies twice."""

    async def replay(self, endpoint: str) -> Result | None: ...

    async def record(self, endpoint: str, result: Result) -> None: ...


#: The journal of the update the current task handles (None outside an inbox worker).
JOURNAL: ContextVar[Journal | None] = ContextVar("journal", default=None)


class RetryingRateLimiter(PriorityRateLimiter):
    """:class:`PriorityRateLimiter` that also retries transient failures (see the module)."""

    def __init__(self, *args: Any, backoff: Sequence[float] = BACKOFF, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.backoff = tuple(backoff)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        journal = JOURNAL.get() if not repeatable(endpoint) else None
        if journal is None:
            return await self._retrying(callback, args, kwargs, endpoint, data, rate_limit_args)
        done = await journal.replay(endpoint)
        if done is not None:
            log.info("%s already made for this update: its answer replayed", endpoint)
            return done
        result = await self._retrying(callback, args, kwargs, endpoint, data, rate_limit_args)
        await journal.record(endpoint, result)
        return result

    async def _retrying(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        async def counted(*call_args: Any, **call_kwargs: Any) -> Result:
            metrics.API_CALLS.labels(endpoint).inc()
            try:
                return await callback(*call_args, **call_kwargs)
            except RetryAfter:
                metrics.API_429.labels(endpoint).inc()
                raise
            except TelegramError:
                metrics.API_ERRORS.labels(endpoint).inc()
                raise

        call = (counted, args, kwargs, endpoint, data, rate_limit_args)
        for delay in self.backoff:
            try:
                return await super().process_request(*call)
            except NetworkError as error:
                if not transient(error, endpoint):
                    raise
                log.info("%s failed (%s); trying again in %.1f s", endpoint, error, delay)
                await asyncio.sleep(delay)
        return await super().process_request(*call)
