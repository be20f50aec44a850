"""What the channel's admin commands need of the channel teacher (:mod:`bot.teacher`),
which sits above the commands: it builds its posts with them, so they may not import it."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

#: Storage counters behind the channel: the next lesson, the next quiz, the quiz number.
LESSON_COUNTER = "channel_lesson"
QUIZ_COUNTER = "channel_quiz"
NUMBER_COUNTER = "channel_quiz_number"


class ChannelTeacher(Protocol):
    """The teacher as ``/post_now``, ``/skip``, ``/status`` and ``/preview`` see it."""

    owner: str

    @property
    def enabled(self) -> bool: ...

    def upcoming(self, now: datetime) -> list[tuple[str, datetime]]: ...

    async def post_now(self, kind: str, now: datetime) -> bool: ...

    async def skip(self, now: datetime) -> str | None: ...
