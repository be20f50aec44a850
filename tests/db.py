"""Reading and writing the storage from tests, one transaction per call."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from bot import practice
from bot.storage import PollInfo, Recorded, Repos, Storage

T = TypeVar("T")


async def stored(storage: Storage, read: Callable[[Repos], Awaitable[T]]) -> T:
    """``await stored(storage, lambda db: db.slots.get(key))``"""
    async with storage.transaction() as db:
        return await read(db)


async def record_answer(storage: Storage, user_id: int, name: str, poll: PollInfo, option: int,
                        correct: bool, now: datetime) -> Recorded:
    """One answer in its own transaction; days in Tehran (the bot's default zone)."""
    async with storage.transaction() as db:
        return await practice.record_answer(db, user_id, name, poll, option, correct, now,
                                            zone=ZoneInfo("Asia/Tehran"))
