"""Practice: the quiz polls the bot sent and learners' answers (their memory of each
question: :mod:`bot.storage.learning`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.rows import inserted, utc
from bot.storage.tables import Answer, SentPoll, User


class Recorded(IntEnum):
    """What storing an answer did; false only for a repeat, so ``if recorded:`` reads
    "the answer is new"."""

    REPEAT = 0  # this learner had answered this poll: nothing stored
    KEPT = 1  # stored, but its question was scored already (same day's group, same review)
    SCORED = 2


@dataclass(frozen=True)
class PollInfo:
    poll_id: str
    quiz_id: str
    chat_id: int
    message_id: int
    kind: str
    number: int | None
    sent_at: datetime | None = None  # when the bot sent it (known once stored)


@dataclass(frozen=True)
class AnswerInfo:
    quiz_id: str
    chat_id: int
    correct: bool
    answered_at: datetime
    scored: bool = True  # False: a copy of a question already scored (see Answer.score_key)


@dataclass(frozen=True)
class Standing:
    user_id: int
    name: str
    correct: int
    answered: int


class PollRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, poll: PollInfo, now: datetime) -> None:
        self.session.add(SentPoll(poll_id=poll.poll_id, quiz_id=poll.quiz_id,
                                  chat_id=poll.chat_id, message_id=poll.message_id,
                                  kind=poll.kind, number=poll.number, created_at=now))

    async def find(self, poll_id: str) -> PollInfo | None:
        poll = await self.session.get(SentPoll, poll_id)
        if poll is None:
            return None
        return PollInfo(poll.poll_id, poll.quiz_id, poll.chat_id, poll.message_id, poll.kind,
                        poll.number, utc(poll.created_at))


class AnswerRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def answered(self, user_id: int, poll_id: str) -> bool:
        return await self.session.scalar(select(Answer.id).where(
            Answer.user_id == user_id, Answer.poll_id == poll_id)) is not None

    async def add(self, user_id: int, poll: PollInfo, option: int, correct: bool,
                  now: datetime, score_key: str | None = None) -> Recorded:
        """Store an answer scoring ``score_key``. A key this learner scored already is
        no error: the answer is kept without it (KEPT). A second answer to the same poll
        (a repeated update) stores nothing (REPEAT). The learner must exist
        (``learners.touch`` first)."""
        await self.session.flush()
        keys = (score_key, None) if score_key is not None else (None,)
        for key in keys:
            if await inserted(self.session, Answer(
                    user_id=user_id, poll_id=poll.poll_id, quiz_id=poll.quiz_id,
                    chat_id=poll.chat_id, option=option, correct=correct, answered_at=now,
                    score_key=key)):
                return Recorded.SCORED if key is not None else Recorded.KEPT
        return Recorded.REPEAT

    async def of_learner(self, user_id: int) -> list[AnswerInfo]:
        rows = await self.session.execute(
            select(Answer.quiz_id, Answer.chat_id, Answer.correct, Answer.answered_at,
                   Answer.score_key)
            .where(Answer.user_id == user_id).order_by(Answer.answered_at, Answer.id)
        )
        return [AnswerInfo(q, c, bool(ok), utc(at), key is not None)  # type: ignore[arg-type]
                for q, c, ok, at, key in rows]

    async def leaderboard(self, chat_id: int, since: datetime | None = None,
                          limit: int = 10) -> list[Standing]:
        """Learners of one group by correct answers to that group's polls, each question
        once a day (the copies a learner answered again score nothing)."""
        correct = func.sum(case((Answer.correct, 1), else_=0))
        query = (select(Answer.user_id, User.name, correct, func.count(Answer.id))
                 .join(User, User.id == Answer.user_id)
                 .where(Answer.chat_id == chat_id, Answer.score_key.is_not(None))
                 .group_by(Answer.user_id, User.name)
                 .order_by(correct.desc(), func.count(Answer.id).asc(), Answer.user_id)
                 .limit(limit))
        if since is not None:
            query = query.where(Answer.answered_at >= since)
        rows = await self.session.execute(query)
        return [Standing(u, n, int(c or 0), int(t)) for u, n, c, t in rows]
