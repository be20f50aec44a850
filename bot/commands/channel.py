"""What the channel's admin commands need of the channel teacher (:mod:`bot.teacher`),
which sits above the commands: it builds its posts with them, so they may not import it."""

from __future__ import annotations

from datetime import datetime
from dataclasses import dataclass
from typing import Any, Protocol


#: Storage counters behind the channel: the last lesson posted (its order), how many
#: quizzes were posted, the quiz number, and the last quiz's course position.
LESSON_COUNTER = "channel_lesson"
QUIZ_COUNTER = "channel_quiz"
NUMBER_COUNTER = "channel_quiz_number"
QUIZ_POSITION = "channel_quiz_position"


@dataclass(frozen=True)
class Preview:
    """The next lesson and quiz posts, built by the code that will post them."""

    lesson: Any  # a Reply (bot.commands.base imports this module, not the other way)
    quiz: Any
    lesson_id: str
    quiz_id: str
    number: int


class ChannelTeacher(Protocol):
    """The teacher as the admins' commands see it."""

    owner: str

    @property
    def enabled(self) -> bool: ...

    async def upcoming(self, now: datetime) -> list[tuple[str, datetime]]: ...

    async def preview(self, now: datetime) -> Preview: ...

    async def post_now(self, kind: str, now: datetime) -> bool: ...

    async def resend(self, key: str, now: datetime) -> bool: ...

    async def arrived(self, key: str, now: datetime) -> None: ...

    async def skip(self, now: datetime) -> str | None: ...
