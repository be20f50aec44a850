"""Telegram's ``file_id`` of each uploaded picture (``tables.FileId``), shared by the
replicas: a picture one of them uploaded is sent by id by all of them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.rows import dialect_insert
from bot.storage.tables import FileId


class FileIdRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, key: str) -> tuple[str, str] | None:
        """``(file_id, kind)`` of the picture stored under ``key`` (a digest)."""
        row = await self.session.get(FileId, key)
        return None if row is None else (row.file_id, row.kind)

    async def put(self, key: str, file_id: str, kind: str, now: datetime) -> None:
        insert = dialect_insert(self.session, FileId).values(
            key=key, file_id=file_id, kind=kind, created_at=now)
        await self.session.execute(insert.on_conflict_do_update(
            index_elements=["key"], set_={"file_id": file_id, "kind": kind, "created_at": now}))

    async def forget(self, key: str, file_id: str) -> None:
        """Drop ``file_id`` (Telegram refused it); a newer one stored meanwhile stays."""
        await self.session.execute(
            delete(FileId).where(FileId.key == key, FileId.file_id == file_id))

    async def prune(self, before: datetime) -> int:
        """Forget ids stored before ``before``: the table would otherwise grow with every
        picture ever drawn (a picture still asked for is uploaded once more)."""
        result = await self.session.execute(delete(FileId).where(FileId.created_at < before))
        return int(result.rowcount)  # type: ignore[attr-defined]
