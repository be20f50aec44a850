"""Labs in flight (``tables.LabLease``): one per learner across the replicas, and at most
a limit of them everywhere (the global render queue), each under a lease that runs out
by itself when its replica dies.

Taking a lease reads the learner's row and counts the live ones before inserting, so
two replicas must not do it at once: on PostgreSQL a transaction-scoped advisory lock
serializes the takers (held for one short transaction); on SQLite every transaction
holds the write lock already.
"""

from __future__ import annotations

import os
import secrets
import socket
from datetime import datetime
from typing import Literal

from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.rows import dialect_insert, is_postgres
from bot.storage.tables import LabLease

#: pg_advisory_xact_lock key for taking leases: "labs" in ASCII.
LOCK_KEY = 0x6C616273

Taken = Literal["ok", "user", "queue"]


def replica_name() -> str:
    """Who holds a lease: host and process, unique among live replicas."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


def holder_name() -> str:
    """A replica's name with a random tail: unique even for two services in one process."""
    return f"{replica_name()}:{secrets.token_hex(3)}"


class LabLeaseRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def take(self, user_id: int, owner: str, now: datetime, until: datetime,
                   limit: int) -> Taken:
        """Lease a lab to ``user_id`` until ``until``: "ok"; "user" when the learner
        has a live lease already (a lab in flight anywhere); "queue" when ``limit``
        leases are live (the render queue is full everywhere)."""
        if is_postgres(self.session):
            await self.session.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                       {"key": LOCK_KEY})
        live, mine = (await self.session.execute(  # one read, over the live leases only
            select(func.count(), func.count().filter(LabLease.user_id == user_id))
            .where(LabLease.until > now))).one()
        if mine:
            return "user"
        if live >= limit:
            return "queue"
        insert = dialect_insert(self.session, LabLease).values(
            user_id=user_id, owner=owner, until=until)
        await self.session.execute(insert.on_conflict_do_update(
            index_elements=["user_id"], set_={"owner": owner, "until": until}))
        return "ok"

    async def give_back(self, user_id: int, owner: str) -> None:
        """The lab ended: the learner may start another (only ``owner``'s lease goes)."""
        await self.session.execute(
            delete(LabLease).where(LabLease.user_id == user_id, LabLease.owner == owner))

    async def give_back_all(self, owner: str) -> int:
        """Every lease ``owner`` holds (its replica stops)."""
        result = await self.session.execute(delete(LabLease).where(LabLease.owner == owner))
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def live(self, now: datetime) -> int:
        """Leases not run out: the labs queued or running on every replica."""
        return int((await self.session.execute(
            select(func.count()).select_from(LabLease).where(LabLease.until > now))).scalar_one())

    async def prune(self, now: datetime) -> int:
        """Forget leases that ran out (their replica died)."""
        result = await self.session.execute(delete(LabLease).where(LabLease.until <= now))
        return int(result.rowcount)  # type: ignore[attr-defined]
