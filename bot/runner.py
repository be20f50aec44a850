"""Running lab jobs off the event loop, fairly, with a time limit and a cache.

- Jobs run in a process pool (both cores); the event loop only awaits them.
- Each job has a hard time limit, enforced inside the worker with ``SIGALRM`` (a thread
  or an ``asyncio`` timeout could stop waiting but not stop the work).
- One user has at most one job in flight; the pool takes at most ``queue_limit`` jobs
  queued or running, and says so instead of growing a backlog. Given :class:`Leases`
  (:class:`StoredLeases`: the database), both rules hold across all replicas: a job
  holds a lease on its learner, and the live leases are the queue everywhere.
- Identical requests share one computation: a finished result is served from a byte-
  bounded LRU cache, and a request identical to one still running awaits that one.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import pickle
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from bot.cache import LRU
from bot.engine.expr import ring_again_if_swallowed

if TYPE_CHECKING:
    from bot.storage import Storage

log = logging.getLogger(__name__)

R = TypeVar("R")
T = TypeVar("T")


class Busy(Exception):
    """The user already has a job in flight, or the pool's queue is full."""

    def __init__(self, reason: Literal["user", "queue"]) -> None:
        super().__init__(reason)
        self.reason = reason


class Leases(Protocol):
    """Who may start a job: one per learner and ``queue_limit`` in all, wherever it runs."""

    async def take(self, user_id: int) -> Literal["ok", "user", "queue"]: ...

    async def give_back(self, user_id: int) -> None: ...


class StoredLeases:
    """:class:`Leases` in the database (``db.leases``), shared by every replica. A lease
    lasts as long as a job can (its time limit and the guard behind it), so one held by a
    replica that died runs out by itself; a replica that stops gives its leases back."""

    def __init__(self, storage: Storage, owner: str, seconds: float, limit: int,
                 clock: Callable[[], datetime]) -> None:
        self.storage, self.owner, self.limit, self.clock = storage, owner, limit, clock
        self.lease = timedelta(seconds=seconds)

    async def take(self, user_id: int) -> Literal["ok", "user", "queue"]:
        now = self.clock()
        async with self.storage.transaction() as db:
            return await db.leases.take(user_id, self.owner, now, now + self.lease, self.limit)

    async def give_back(self, user_id: int) -> None:
        try:
            async with self.storage.transaction() as db:
                await db.leases.give_back(user_id, self.owner)
        except Exception:  # noqa: BLE001 (the lease runs out by itself)
            log.warning("lab lease of %s not given back", user_id, exc_info=True)

    async def give_back_all(self) -> None:
        async with self.storage.transaction() as db:
            await db.leases.give_back_all(self.owner)


class LabTimeout(Exception):
    """A job ran past its time limit (or its worker died) and was stopped."""


#: Seconds past a job's time limit before the event loop stops waiting for a wedged worker.
GUARD = 10.0


def _on_alarm(signum: int, frame: object) -> None:
    raise LabTimeout()


def _arm() -> None:
    """A worker's time limit: the alarm stops the job, even one it lands awkwardly in
    (else that job would hold its worker until it ended by itself)."""
    signal.signal(signal.SIGALRM, _on_alarm)
    sys.unraisablehook = ring_again_if_swallowed(LabTimeout, sys.__unraisablehook__)


def _init_worker() -> None:
    """Load the heavy modules and the font once per worker, not per job."""
    from bot.render.fonts import register_fonts

    register_fonts()
    _arm()


def _call_with_deadline(job: Callable[[R], T], request: R, seconds: float) -> T:
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return job(request)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _timed_call(job: Callable[[R], T], request: R, seconds: float) -> tuple[T, float]:
    """The job's result and the seconds it took in the worker (its service time)."""
    started = time.perf_counter()
    result = _call_with_deadline(job, request, seconds)
    return result, time.perf_counter() - started


def _lab_name(job: Callable[..., object]) -> str:
    return getattr(job, "__name__", "lab").removeprefix("run_")


def _warm() -> int:
    return os.getpid()


def _pickled_size(value: object) -> int:
    return len(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


class LabRunner:
    """Runs lab jobs in worker processes; see the module docstring for the rules."""

    def __init__(
        self,
        workers: int = 2,
        queue_limit: int = 16,
        timeout: float = 20.0,
        cache_bytes: int = 64 << 20,
    ) -> None:
        self.workers = max(1, workers)
        self.queue_limit = queue_limit
        self.timeout = timeout
        self.results: LRU[str, Any] = LRU(cache_bytes, size=_pickled_size)
        self._pool: ProcessPoolExecutor | None = None
        self._in_flight = 0
        self._users: set[int] = set()
        self._pending: dict[str, asyncio.Future[Any]] = {}
        self._job_seconds = 0.1  # a moving average of how long a job takes
        #: How each run ended, by lab: ``(lab, outcome)`` → count, outcome one of
        #: cached, shared, rendered, busy, timeout, failed (read by /metrics); and of the
        #: busy refusals, those not sent: quiet (the learner had been told a moment
        #: before) and unsent (the bot was over Telegram's ceiling).
        self.outcomes: Counter[tuple[str, str]] = Counter()

    def expected_wait(self) -> float:
        """About how many seconds a new job would take from now to its result, behind
        the jobs already queued or running."""
        return max(self._in_flight + 1, self.workers) / self.workers * self._job_seconds

    @property
    def longest(self) -> float:
        """Seconds a job can last at most from the moment it is queued (its time limit,
        the guard behind it, and a margin): how long a lab lease lasts."""
        return self.timeout + GUARD + 5

    def is_pending(self, key: str) -> bool:
        """True when an identical job is running (a new request would share it)."""
        return key in self._pending

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
            )
        return self._pool

    async def start(self) -> None:
        """Start the workers now so the first learner does not wait for imports."""
        loop = asyncio.get_running_loop()
        pool = self._executor()
        await asyncio.gather(*(loop.run_in_executor(pool, _warm) for _ in range(self.workers)))

    def close(self) -> None:
        """Stop the workers and wait until the pool's manager thread has finished.

        Not waiting (``wait=False``) let the interpreter exit while that thread was still
        closing its wake-up pipe; Python 3.11's exit hook then writes to the pipe without
        the pool's lock and, once in a few runs, fails with ``OSError: Bad file
        descriptor``. Pending jobs are cancelled; a running one ends within its alarm."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def alive(self) -> bool:
        """The worker pool exists (it is rebuilt on demand after a worker dies)."""
        return self._pool is not None

    def is_ready(self, key: str) -> bool:
        """True when ``key`` would be answered without computing (cached)."""
        return key in self.results

    def count(self, job: Callable[..., object], outcome: str) -> None:
        """Count an outcome decided outside :meth:`run` (a refusal at admission)."""
        self.outcomes[_lab_name(job), outcome] += 1

    async def run(self, job: Callable[[R], T], request: R, *, key: str, user_id: int,
                  leases: Leases | None = None) -> T:
        """The result of ``job(request)``: cached, shared with an identical running job,
        or computed in a worker. Raises Busy, LabTimeout, or the job's own exception.
        With ``leases`` the learner's one job and the queue limit are theirs to decide
        (across replicas); without, this process's own count decides."""
        lab = _lab_name(job)
        cached = self.results.get(key)
        if cached is not None:
            self.outcomes[lab, "cached"] += 1
            return cached
        pending = self._pending.get(key)
        if pending is not None:
            self.outcomes[lab, "shared"] += 1
            return await asyncio.shield(pending)
        busy = ("user" if user_id in self._users and leases is None
                else "queue" if self._in_flight >= self.queue_limit
                else await leases.take(user_id) if leases is not None else "ok")
        if busy != "ok":
            self.outcomes[lab, "busy"] += 1
            raise Busy(busy)
        if leases is not None:
            pending = self._pending.get(key)  # started while the lease was being taken
            if pending is not None:
                await leases.give_back(user_id)
                self.outcomes[lab, "shared"] += 1
                return await asyncio.shield(pending)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        self._users.add(user_id)
        self._in_flight += 1
        try:
            result = await self._compute(job, request)
        except BaseException as error:
            self.outcomes[lab, "timeout" if isinstance(error, LabTimeout) else "failed"] += 1
            future.set_exception(error)
            future.exception()  # mark retrieved: waiters re-raise it themselves
            raise
        else:
            self.outcomes[lab, "rendered"] += 1
            self.results.put(key, result)
            future.set_result(result)
            return result
        finally:
            del self._pending[key]
            self._users.discard(user_id)
            self._in_flight -= 1
            if leases is not None:
                await leases.give_back(user_id)

    async def _compute(self, job: Callable[[R], T], request: R) -> T:
        loop = asyncio.get_running_loop()
        call = loop.run_in_executor(
            self._executor(), _timed_call, job, request, self.timeout
        )
        try:
            # The alarm in the worker fires first; this only guards a wedged worker.
            result, seconds = await asyncio.wait_for(call, self.timeout + GUARD)
            self._job_seconds += 0.2 * (seconds - self._job_seconds)
            return result
        except (TimeoutError, BrokenProcessPool) as error:
            log.warning("lab job stopped: %r", error)
            if isinstance(error, BrokenProcessPool):
                self._pool = None  # a dead worker breaks the pool; start a fresh one
            raise LabTimeout() from error
