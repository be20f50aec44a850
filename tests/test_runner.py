"""Tests for bot.runner.LabRunner: worker processes, cache, per-user and queue
limits, coalescing of identical requests, the time limit and error propagation.

Jobs live in tests/lab_jobs.py (workers import them by name). How many times a job
really ran is counted from the lines it appends to a file, so "served from the cache"
and "ran once" are proved, not inferred from timing.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import sys
import time
import weakref
from pathlib import Path

import pytest
import pytest_asyncio

from bot import runner
from bot.runner import Busy, LabRunner, LabTimeout
from tests.lab_jobs import fail, record, sleep_for, slow_fail, square, worker_pid

pytestmark = pytest.mark.asyncio(loop_scope="module")

_ids = itertools.count()


def fresh_key(label: str) -> str:
    return f"test|{label}|{next(_ids)}"


def runs(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def lab_runner():
    runner = LabRunner(workers=2, queue_limit=16, timeout=5.0)
    await runner.start()
    try:
        yield runner
    finally:
        runner.close()


async def started(coro) -> asyncio.Task:
    """Schedule ``coro`` and let it run up to its first real wait (it is then in flight)."""
    task = asyncio.ensure_future(coro)
    await asyncio.sleep(0)
    return task


async def test_job_returns_its_value_from_a_worker_process(lab_runner):
    assert await lab_runner.run(square, 7, key=fresh_key("square"), user_id=1) == 49
    pid = await lab_runner.run(worker_pid, None, key=fresh_key("pid"), user_id=1)
    assert isinstance(pid, int) and pid != os.getpid()
    assert lab_runner.in_flight == 0


async def test_identical_second_call_is_served_from_the_cache(lab_runner, tmp_path):
    counter = tmp_path / "runs.txt"
    key = fresh_key("cache")
    assert not lab_runner.is_ready(key)
    first = await lab_runner.run(record, (str(counter), "first", 0.0), key=key, user_id=2)
    assert first[0] == "first"
    assert len(runs(counter)) == 1
    assert lab_runner.is_ready(key)
    # Same key, a request that would write "second" if it ran: the cached answer comes back
    again = await lab_runner.run(record, (str(counter), "second", 0.0), key=key, user_id=3)
    assert again == first
    assert runs(counter) == [f"first {first[1]}"]


async def test_different_keys_are_computed_separately(lab_runner, tmp_path):
    counter = tmp_path / "runs.txt"
    a = await lab_runner.run(record, (str(counter), "a", 0.0), key=fresh_key("a"), user_id=4)
    b = await lab_runner.run(record, (str(counter), "b", 0.0), key=fresh_key("b"), user_id=4)
    assert (a[0], b[0]) == ("a", "b")
    assert [line.split()[0] for line in runs(counter)] == ["a", "b"]


async def test_same_user_second_concurrent_request_is_busy_user(lab_runner):
    first = await started(lab_runner.run(sleep_for, 0.4, key=fresh_key("slow"), user_id=10))
    with pytest.raises(Busy) as info:
        await lab_runner.run(square, 3, key=fresh_key("other"), user_id=10)
    assert info.value.reason == "user"
    assert await first == 0.4
    # the slot is given back once the first job is done
    assert await lab_runner.run(square, 3, key=fresh_key("after"), user_id=10) == 9


async def test_full_queue_refuses_another_user_with_busy_queue(lab_runner, monkeypatch):
    monkeypatch.setattr(lab_runner, "queue_limit", 1)
    first = await started(lab_runner.run(sleep_for, 0.4, key=fresh_key("slow"), user_id=20))
    with pytest.raises(Busy) as info:
        await lab_runner.run(square, 4, key=fresh_key("other"), user_id=21)
    assert info.value.reason == "queue"
    assert await first == 0.4
    assert await lab_runner.run(square, 4, key=fresh_key("after"), user_id=21) == 16


async def test_identical_concurrent_requests_from_two_users_run_once(lab_runner, tmp_path):
    counter = tmp_path / "runs.txt"
    key = fresh_key("shared")
    request = (str(counter), "shared", 0.4)
    first = await started(lab_runner.run(record, request, key=key, user_id=30))
    second = await started(lab_runner.run(record, request, key=key, user_id=31))
    a, b = await asyncio.gather(first, second)
    assert a == b
    assert len(runs(counter)) == 1
    # a third user afterwards gets the cached result, still without a run
    assert await lab_runner.run(record, request, key=key, user_id=32) == a
    assert len(runs(counter)) == 1


async def test_coalesced_waiter_is_not_refused_even_when_the_queue_is_full(
        lab_runner, tmp_path, monkeypatch):
    monkeypatch.setattr(lab_runner, "queue_limit", 1)
    counter = tmp_path / "runs.txt"
    key = fresh_key("shared-full")
    request = (str(counter), "x", 0.3)
    first = await started(lab_runner.run(record, request, key=key, user_id=33))
    second = await started(lab_runner.run(record, request, key=key, user_id=34))
    assert await first == await second
    assert len(runs(counter)) == 1


async def test_job_past_the_time_limit_raises_lab_timeout_and_runner_recovers(
        lab_runner, monkeypatch):
    monkeypatch.setattr(lab_runner, "timeout", 0.5)
    key = fresh_key("too-slow")
    # If the alarm did not stop it, this job would return 5.0 instead of raising.
    with pytest.raises(LabTimeout):
        await lab_runner.run(sleep_for, 5.0, key=key, user_id=40)
    assert not lab_runner.is_ready(key)
    assert lab_runner.in_flight == 0
    # both workers still answer, and no stale alarm hits a job that fits the limit
    results = await asyncio.gather(
        lab_runner.run(square, 5, key=fresh_key("after-a"), user_id=40),
        lab_runner.run(sleep_for, 0.2, key=fresh_key("after-b"), user_id=41),
    )
    assert results == [25, 0.2]


async def test_job_exception_propagates_and_is_not_cached(lab_runner):
    key = fresh_key("fail")
    with pytest.raises(ValueError, match="boom"):
        await lab_runner.run(fail, "boom", key=key, user_id=50)
    assert not lab_runner.is_ready(key)
    with pytest.raises(ValueError, match="boom"):  # computed again, fails again
        await lab_runner.run(fail, "boom", key=key, user_id=50)
    # the user's slot was released both times
    assert await lab_runner.run(square, 6, key=fresh_key("after"), user_id=50) == 36
    assert lab_runner.in_flight == 0


async def test_coalesced_waiters_all_see_the_job_exception(lab_runner):
    key = fresh_key("fail-shared")
    request = ("shared boom", 0.3)
    first = await started(lab_runner.run(slow_fail, request, key=key, user_id=60))
    second = await started(lab_runner.run(slow_fail, request, key=key, user_id=61))
    outcomes = await asyncio.gather(first, second, return_exceptions=True)
    assert all(isinstance(o, ValueError) and str(o) == "shared boom" for o in outcomes)
    assert not lab_runner.is_ready(key)
    assert lab_runner.in_flight == 0


def _swallowed_alarm_job(_: object) -> None:
    """The alarm lands in a weakref callback (Python reports the exception there and
    carries on), then the job would run on for 5 s."""

    class Thing:
        pass

    def callback(_: object) -> None:
        time.sleep(0.5)

    thing = Thing()
    ref = weakref.ref(thing, callback)
    del thing
    assert ref() is None
    time.sleep(5)


async def test_a_job_whose_alarm_was_swallowed_is_still_stopped() -> None:
    """As in a worker (``_arm``): the alarm rings again, so the job stops instead of
    holding its worker until it ends by itself; nothing reaches the default hook."""
    handler, hook = signal.getsignal(signal.SIGALRM), sys.unraisablehook
    reported: list[object] = []
    default, sys.__unraisablehook__ = sys.__unraisablehook__, reported.append
    started = time.monotonic()
    try:
        runner._arm()
        with pytest.raises(LabTimeout):
            runner._call_with_deadline(_swallowed_alarm_job, None, 0.05)
    finally:
        signal.signal(signal.SIGALRM, handler)
        sys.unraisablehook, sys.__unraisablehook__ = hook, default
    assert time.monotonic() - started < 4 and reported == []
