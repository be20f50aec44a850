"""What keyboard buttons stand for (``tables.ButtonRequest``): a token in the callback
data, the request here, so a press is answered by any replica and after a restart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.rows import dialect_insert, utc
from bot.storage.tables import ButtonRequest


@dataclass(frozen=True)
class Stored:
    """A request as stored: ``kind`` names what the JSON ``payload`` decodes to."""

    token: str
    kind: str
    payload: str
    created_at: datetime


class ButtonRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def put(self, requests: Sequence[Stored]) -> None:
        """Store the requests (one statement); one stored before is replaced, and its
        ``created_at`` refreshed: a button offered again lives on."""
        if not requests:
            return
        insert = dialect_insert(self.session, ButtonRequest).values([
            {"token": r.token, "kind": r.kind, "payload": r.payload, "created_at": r.created_at}
            for r in requests])
        await self.session.execute(insert.on_conflict_do_update(
            index_elements=["token"],
            set_={"kind": insert.excluded.kind, "payload": insert.excluded.payload,
                  "created_at": insert.excluded.created_at}))

    async def get(self, token: str) -> Stored | None:
        row = await self.session.get(ButtonRequest, token)
        if row is None:
            return None
        return Stored(row.token, row.kind, row.payload, utc(row.created_at) or row.created_at)

    async def prune(self, before: datetime) -> int:
        """Forget requests made before ``before`` (their buttons then say they are old)."""
        result = await self.session.execute(
            delete(ButtonRequest).where(ButtonRequest.created_at < before))
        return int(result.rowcount)  # type: ignore[attr-defined]
