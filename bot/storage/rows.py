"""Helpers every repository shares."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.tables import Base

Model = TypeVar("Model", bound=Base)


def utc(moment: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; everything stored is UTC."""
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def get_or_add(session: AsyncSession, model: type[Model], key: Any,
                     make: Callable[[], Model], lock: bool = False,
                     nowait: bool = False) -> Model:
    """The row with this primary key, inserted by ``make`` when missing. Another
    transaction may insert the same row at the same moment (two updates of a new learner,
    two claims sharing a new counter): its row is used, rather than failing this one.
    ``nowait``: the row's lock is taken at once or the database raises (55P03)."""
    for_update: bool | dict[str, bool] = {"nowait": True} if lock and nowait else lock
    row = await session.get(model, key, with_for_update=for_update)
    if row is None:
        try:
            async with session.begin_nested():
                session.add(make())
        except IntegrityError:
            pass
        row = await session.get(model, key, with_for_update=for_update)
    assert row is not None
    return row


async def inserted(session: AsyncSession, row: Base) -> bool:
    """Insert ``row`` under a savepoint; False (and the caller's transaction intact) when
    a unique key says it exists already."""
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


def is_postgres(session: AsyncSession) -> bool:
    return session.bind is not None and session.bind.dialect.name == "postgresql"


def dialect_insert(session: AsyncSession, model: type[Base]) -> sqlite.Insert | postgresql.Insert:
    """An INSERT that knows ``ON CONFLICT`` (both dialects spell it the same way)."""
    return (postgresql.insert if is_postgres(session) else sqlite.insert)(model)
