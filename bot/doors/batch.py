"""Group commit: many small writes that arrive together share one transaction.

Under load every update costs several tiny transactions (stored, its replies journalled,
marked done); on SQLite each one takes the database's write lock and a disk sync, so the
webhook's POSTs and the handlers queue behind each other. :class:`GroupCommit` lets a
caller await its own write as before, while writes that arrive while a flush is running
wait for the next flush and all go in it: under no load a write goes alone at once, under
load the transactions per second stay few and the batches grow instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class GroupCommit(Generic[T, R]):
    """``await commit(item)`` runs ``flush`` over every item waiting at that moment and
    returns this item's result (``flush`` answers one result per item, in order). A
    failed flush fails every call in it (each caller handles its own error as before)."""

    def __init__(self, flush: Callable[[Sequence[T]], Awaitable[Sequence[R]]],
                 most: int = 500) -> None:
        self._flush = flush
        self._most = most
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._runner: asyncio.Task[None] | None = None

    async def __call__(self, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._run())
        return await future

    async def _run(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[:self._most], self._waiting[self._most:]
            try:
                results = await self._flush([item for item, _ in batch])
            except Exception as error:  # noqa: BLE001 (each caller gets it)
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            except BaseException:  # cancelled (a shutdown): nobody is left waiting forever
                for _, future in batch + self._waiting:
                    future.cancel()
                self._waiting = []
                raise
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():  # a caller cancelled meanwhile
                    future.set_result(result)
