"""bot.doors.batch.GroupCommit: writes that arrive together share one flush."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from bot.doors.batch import GroupCommit


class Flushes:
    def __init__(self, fail_on: int | None = None) -> None:
        self.batches: list[list[int]] = []
        self.fail_on = fail_on

    async def __call__(self, items: Sequence[int]) -> list[int]:
        self.batches.append(list(items))
        await asyncio.sleep(0.01)  # a transaction takes a moment
        if self.fail_on in items:
            raise OSError("disk full")
        return [item * 10 for item in items]


async def test_a_lone_write_goes_at_once_and_gets_its_own_result() -> None:
    flushes = Flushes()
    commit = GroupCommit(flushes)
    assert await commit(3) == 30
    assert flushes.batches == [[3]]


async def test_writes_arriving_during_a_flush_share_the_next_one() -> None:
    flushes = Flushes()
    commit = GroupCommit(flushes)
    results = await asyncio.gather(*(commit(i) for i in range(1, 8)))
    assert results == [10, 20, 30, 40, 50, 60, 70]
    assert flushes.batches == [[1, 2, 3, 4, 5, 6, 7]]


async def test_writes_arriving_while_a_flush_runs_wait_for_the_next_one() -> None:
    flushes = Flushes()
    commit = GroupCommit(flushes)
    first = asyncio.ensure_future(commit(1))
    await asyncio.sleep(0.005)  # the first flush is under way
    assert await asyncio.gather(first, commit(2), commit(3)) == [10, 20, 30]
    assert flushes.batches == [[1], [2, 3]]


async def test_batches_are_capped() -> None:
    flushes = Flushes()
    commit = GroupCommit(flushes, most=3)
    await asyncio.gather(*(commit(i) for i in range(7)))
    assert [len(batch) for batch in flushes.batches] == [3, 3, 1]


async def test_a_failed_flush_fails_its_callers_and_not_the_next_batch() -> None:
    flushes = Flushes(fail_on=2)
    commit = GroupCommit(flushes, most=2)
    results = await asyncio.gather(*(commit(i) for i in (1, 2, 3, 4)), return_exceptions=True)
    assert isinstance(results[0], OSError) and isinstance(results[1], OSError)
    assert results[2:] == [30, 40]


async def test_a_cancelled_flush_leaves_nobody_waiting() -> None:
    started = asyncio.Event()

    async def slow(items: Sequence[int]) -> list[int]:
        started.set()
        await asyncio.sleep(60)
        return list(items)

    commit: GroupCommit[int, int] = GroupCommit(slow)
    first = asyncio.ensure_future(commit(1))
    await started.wait()
    second = asyncio.ensure_future(commit(2))  # waiting for the next flush
    await asyncio.sleep(0)
    assert commit._runner is not None
    commit._runner.cancel()
    for call in (first, second):
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(call, 1)
