"""The channel teacher's state: post slots, claimed exclusively by key, and counters."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.rows import get_or_add, utc
from bot.storage.tables import Counter, Slot


@dataclass(frozen=True)
class SlotInfo:
    key: str
    kind: str
    status: str
    owner: str
    payload: str
    number: int | None
    chat_id: int | None
    message_id: int | None
    poll_id: str | None
    attempts: int
    error: str
    updated_at: datetime
    votes: list[int] | None = None  # a reveal's counts, once its poll is closed


@dataclass(frozen=True)
class Claim:
    """What a slot will post, decided in the transaction that claims it (so no crash can
    leave a claim that says nothing): a lesson or quiz id and the quiz number, or why
    there is nothing to post (the slot is then ``skipped``)."""

    payload: str = ""
    number: int | None = None
    skipped: str = ""
    #: counters the claim sets to a value of its choosing (a course position)
    positions: tuple[tuple[str, int], ...] = ()


def _slot_info(slot: Slot) -> SlotInfo:
    updated_at = utc(slot.updated_at)
    assert updated_at is not None
    return SlotInfo(
        key=slot.key, kind=slot.kind, status=slot.status, owner=slot.owner, payload=slot.payload,
        number=slot.number, chat_id=slot.chat_id, message_id=slot.message_id, poll_id=slot.poll_id,
        attempts=slot.attempts, error=slot.error, updated_at=updated_at,
        votes=json.loads(slot.votes) if slot.votes is not None else None,
    )


class CounterRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, name: str) -> int:
        counter = await self.session.get(Counter, name)
        return counter.value if counter else 0

    async def set(self, name: str, value: int) -> None:
        counter = await get_or_add(self.session, Counter, name, lambda: Counter(name=name, value=0))
        counter.value = value

    async def increment(self, name: str) -> int:
        """Advance a counter under a row lock and return its new value."""
        counter = await get_or_add(self.session, Counter, name,
                                   lambda: Counter(name=name, value=0), lock=True)
        counter.value += 1
        await self.session.flush()
        return counter.value


class SlotRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(self, key: str, kind: str, owner: str, now: datetime,
                    counters: Sequence[str] = (),
                    choose: Callable[[dict[str, int]], Claim] = lambda _: Claim(),
                    ) -> SlotInfo | None:
        """Claim a post slot by its unique key; None if anyone claimed it already. The
        named counters advance, and ``choose`` turns their new values into what the slot
        posts, under one savepoint: a lost claim burns no number, and a claim never
        exists without its choice (an exception from ``choose`` undoes both)."""
        counter_repo = CounterRepo(self.session)
        try:
            async with self.session.begin_nested():
                slot = Slot(key=key, kind=kind, status="claimed", owner=owner, payload="",
                            attempts=0, error="", updated_at=now)
                self.session.add(slot)
                await self.session.flush()
                claim = choose({name: await counter_repo.increment(name) for name in counters})
                slot.payload, slot.number = claim.payload, claim.number
                for name, value in claim.positions:
                    await counter_repo.set(name, value)
                if claim.skipped:
                    slot.status, slot.error = "skipped", claim.skipped
        except IntegrityError:
            return None
        return _slot_info(slot)

    async def transition(self, key: str, from_statuses: Sequence[str], to_status: str,
                         now: datetime) -> bool:
        """Move a slot between states atomically; False if it was not in ``from_statuses``
        (another instance got there first). ``now`` is the caller's clock, the one its
        retry backoff is measured with."""
        result = await self.session.execute(
            update(Slot).where(Slot.key == key, Slot.status.in_(from_statuses))
            .values(status=to_status, updated_at=now,
                    attempts=Slot.attempts + (1 if to_status == "sending" else 0))
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1  # type: ignore[attr-defined]

    async def update(self, key: str, now: datetime, **values: Any) -> None:
        await self.session.execute(update(Slot).where(Slot.key == key)
                                   .values(updated_at=now, **values)
                                   .execution_options(synchronize_session=False))

    async def save_votes(self, key: str, votes: list[int]) -> None:
        """A reveal's vote counts, kept once its poll is closed: a retried reveal must not
        ask Telegram to close the poll again (it refuses a closed poll)."""
        await self.session.execute(update(Slot).where(Slot.key == key)
                                   .values(votes=json.dumps(votes))
                                   .execution_options(synchronize_session=False))

    async def get(self, key: str) -> SlotInfo | None:
        slot = await self.session.get(Slot, key, populate_existing=True)
        return _slot_info(slot) if slot else None

    async def counts(self) -> dict[str, int]:
        """How many slots are in each status (one grouped count)."""
        rows = await self.session.execute(select(Slot.status, func.count()).group_by(Slot.status))
        return {status: int(count) for status, count in rows.all()}

    async def recent(self, statuses: Sequence[str] = (), limit: int = 50) -> list[SlotInfo]:
        """The latest slots (optionally only in some states), newest first."""
        query = select(Slot).order_by(Slot.updated_at.desc()).limit(limit)
        if statuses:
            query = query.where(Slot.status.in_(statuses))
        rows = await self.session.execute(query.execution_options(populate_existing=True))
        return [_slot_info(s) for s in rows.scalars()]
