"""Learners: who they are and where they are in the course."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.rows import get_or_add
from bot.storage.tables import User


class LearnerRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def touch(self, user_id: int, name: str, now: datetime) -> None:
        """Create the learner when new; keep their display name current."""
        user = await get_or_add(self.session, User, user_id, lambda: User(
            id=user_id, name=name[:256], lesson_position=0, created_at=now))
        if name and user.name != name:
            user.name = name[:256]

    async def lesson_position(self, user_id: int) -> int:
        user = await self.session.get(User, user_id)
        return user.lesson_position if user else 0

    async def set_lesson_position(self, user_id: int, order: int) -> None:
        """The learner must exist (``touch`` first, in the same transaction)."""
        await self.session.execute(update(User).where(User.id == user_id)
                                   .values(lesson_position=order))
