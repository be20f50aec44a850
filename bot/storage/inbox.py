"""The inbox: every update from Telegram, stored before it is acknowledged, claimed by one
replica at a time under a lease, marked done once handled (see ``tables.InboxUpdate``).

Claiming uses ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so replicas never wait for each
other's rows; on SQLite every transaction holds the database's write lock (``BEGIN
IMMEDIATE``), which makes claiming single-writer by construction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.rows import dialect_insert, is_postgres
from bot.storage.tables import InboxCall, InboxUpdate

NEW, WORKING, DONE, QUARANTINED = "new", "working", "done", "quarantined"


@dataclass(frozen=True)
class Incoming:
    update_id: int
    kind: str
    payload: str  # JSON


@dataclass(frozen=True)
class Claimed:
    update_id: int
    kind: str
    payload: str
    attempts: int  # including this one
    received_at: datetime  # when the ingress stored it (how long it has waited)
    #: the Bot API calls an earlier attempt made: ``{seq: (method, result JSON)}``
    recorded: Mapping[int, tuple[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Call:
    """One Bot API call made for an update, with Telegram's answer (JSON)."""

    update_id: int
    seq: int
    method: str
    result: str


@dataclass(frozen=True)
class Quarantined:
    update_id: int
    kind: str
    attempts: int
    error: str
    updated_at: datetime


class InboxRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, updates: Sequence[Incoming], now: datetime) -> list[int]:
        """Store the updates not stored before; returns the ids that are new."""
        if not updates:
            return []
        rows = [{"update_id": u.update_id, "kind": u.kind, "payload": u.payload, "status": NEW,
                 "attempts": 0, "error": "", "received_at": now, "updated_at": now}
                for u in updates]
        statement = (dialect_insert(self.session, InboxUpdate).values(rows)
                     .on_conflict_do_nothing(index_elements=["update_id"])
                     .returning(InboxUpdate.update_id))
        return list((await self.session.execute(statement)).scalars())

    async def take_new(self, owner: str, update_ids: Sequence[int], now: datetime,
                       lease: timedelta) -> list[Claimed]:
        """Lease to ``owner`` the just-stored updates among ``update_ids`` (the replica that
        stored them handles them at once, without a round of :meth:`claim`)."""
        if not update_ids:
            return []
        rows = await self.session.execute(
            update(InboxUpdate).where(InboxUpdate.update_id.in_(update_ids),
                                      InboxUpdate.status == NEW, InboxUpdate.attempts == 0)
            .values(status=WORKING, owner=owner, lease_until=now + lease, attempts=1,
                    updated_at=now)
            .returning(InboxUpdate.update_id, InboxUpdate.kind, InboxUpdate.payload,
                       InboxUpdate.received_at))
        return sorted((Claimed(update_id, kind, payload, 1, received_at)
                       for update_id, kind, payload, received_at in rows.all()),
                      key=lambda claimed: claimed.update_id)

    async def claim(self, owner: str, now: datetime, lease: timedelta, limit: int,
                    max_attempts: int) -> tuple[list[Claimed], list[Quarantined]]:
        """Up to ``limit`` updates nobody holds (new, retried after a backoff, or leased by
        a replica that died), oldest first, leased to ``owner``. One already tried
        ``max_attempts`` times (it may kill its replica) is quarantined instead."""
        free = and_(InboxUpdate.status.in_((NEW, WORKING)),
                    or_(InboxUpdate.lease_until.is_(None), InboxUpdate.lease_until <= now))
        rows = (await self.session.execute(
            select(InboxUpdate).where(free).order_by(InboxUpdate.update_id).limit(limit)
            .with_for_update(skip_locked=True))).scalars().all()
        claimed: list[InboxUpdate] = []
        given_up: list[Quarantined] = []
        for row in rows:
            row.updated_at = now
            if row.attempts >= max_attempts:
                row.status, row.owner, row.lease_until = QUARANTINED, None, None
                row.error = row.error or "the replica handling it stopped"
                given_up.append(_quarantined(row))
                continue
            row.status, row.owner, row.lease_until = WORKING, owner, now + lease
            row.attempts += 1
            claimed.append(row)
        await self.session.flush()
        recorded = await self._calls([row.update_id for row in claimed])
        return [Claimed(row.update_id, row.kind, row.payload, row.attempts, row.received_at,
                        recorded.get(row.update_id, {})) for row in claimed], given_up

    async def renew(self, owner: str, update_ids: Sequence[int], until: datetime) -> None:
        if update_ids:
            await self.session.execute(
                update(InboxUpdate).where(InboxUpdate.update_id.in_(update_ids),
                                          InboxUpdate.owner == owner,
                                          InboxUpdate.status == WORKING)
                .values(lease_until=until))

    async def done_many(self, update_ids: Sequence[int], owner: str, now: datetime) -> set[int]:
        """Mark handled; returns the ids ``owner`` still held (the others had lost the
        lease to another replica)."""
        rows = await self.session.execute(
            update(InboxUpdate).where(InboxUpdate.update_id.in_(update_ids),
                                      InboxUpdate.owner == owner, InboxUpdate.status == WORKING)
            .values(status=DONE, owner=None, lease_until=None, updated_at=now)
            .returning(InboxUpdate.update_id))
        return set(rows.scalars())

    async def failed(self, update_id: int, owner: str, error: str, now: datetime,
                     retry_at: datetime, max_attempts: int) -> Quarantined | None:
        """An attempt failed: try again at ``retry_at``, or quarantine after
        ``max_attempts``; returns the quarantined row, once, when that happens."""
        row = await self.session.get(InboxUpdate, update_id, with_for_update=True)
        if row is None or row.owner != owner or row.status != WORKING:
            return None
        row.error, row.updated_at, row.owner = error[:1000], now, None
        if row.attempts >= max_attempts:
            row.status, row.lease_until = QUARANTINED, None
            return _quarantined(row)
        row.status, row.lease_until = NEW, retry_at
        return None

    async def release(self, owner: str, now: datetime) -> int:
        """Give back every update ``owner`` holds (a graceful stop): the attempt it had
        started does not count."""
        result = await self.session.execute(
            update(InboxUpdate).where(InboxUpdate.owner == owner, InboxUpdate.status == WORKING)
            .values(status=NEW, owner=None, lease_until=None, updated_at=now,
                    attempts=(func.greatest if is_postgres(self.session) else func.max)(
                        InboxUpdate.attempts - 1, 0)))
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def counts(self) -> dict[str, int]:
        rows = await self.session.execute(
            select(InboxUpdate.status, func.count()).group_by(InboxUpdate.status))
        return {status: int(count) for status, count in rows.all()}

    async def quarantined(self, limit: int = 5) -> list[Quarantined]:
        rows = (await self.session.execute(
            select(InboxUpdate).where(InboxUpdate.status == QUARANTINED)
            .order_by(InboxUpdate.updated_at.desc()).limit(limit))).scalars()
        return [_quarantined(row) for row in rows]

    async def prune(self, before: datetime) -> int:
        """Forget updates handled before ``before`` (Telegram redelivers for a day at most)."""
        await self.session.execute(delete(InboxCall).where(InboxCall.update_id.in_(
            select(InboxUpdate.update_id).where(InboxUpdate.status == DONE,
                                                InboxUpdate.updated_at < before))))
        result = await self.session.execute(
            delete(InboxUpdate).where(InboxUpdate.status == DONE, InboxUpdate.updated_at < before))
        return int(result.rowcount)  # type: ignore[attr-defined]

    # --- the journal of Bot API calls made for an update -------------------------------
    async def _calls(self, update_ids: Sequence[int]) -> dict[int, dict[int, tuple[str, str]]]:
        """Per update, ``{seq: (method, result JSON)}`` of the calls already made for it
        (read with the claim: one query for the whole batch, not one per update)."""
        found: dict[int, dict[int, tuple[str, str]]] = defaultdict(dict)
        if update_ids:
            rows = await self.session.execute(
                select(InboxCall.update_id, InboxCall.seq, InboxCall.method, InboxCall.result)
                .where(InboxCall.update_id.in_(update_ids)))
            for update_id, seq, method, result in rows.all():
                found[update_id][seq] = (method, result)
        return found

    async def record_calls(self, calls: Sequence[Call]) -> None:
        if calls:
            statement = dialect_insert(self.session, InboxCall).values(
                [{"update_id": c.update_id, "seq": c.seq, "method": c.method,
                  "result": c.result} for c in calls])
            await self.session.execute(statement.on_conflict_do_nothing())


def _quarantined(row: InboxUpdate) -> Quarantined:
    return Quarantined(row.update_id, row.kind, row.attempts, row.error, row.updated_at)
