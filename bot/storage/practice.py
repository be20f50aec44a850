"""Practice: the quiz polls the bot sent, learners' answers and spaced repetition."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.rows import get_or_add, inserted, utc
from bot.storage.tables import Answer, Review, SentPoll, User

#: Days until a question answered wrong comes back: after a miss, then after each
#: correct review; a third correct review retires it.
REVIEW_DAYS = (1, 3, 7)


@dataclass(frozen=True)
class PollInfo:
    poll_id: str
    quiz_id: str
    chat_id: int
    message_id: int
    kind: str
    number: int | None


@dataclass(frozen=True)
class AnswerInfo:
    quiz_id: str
    chat_id: int
    correct: bool
    answered_at: datetime


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
                        poll.number)


class AnswerRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, user_id: int, poll: PollInfo, option: int, correct: bool,
                  now: datetime) -> bool:
        """Store an answer; False if this learner already answered this poll (a repeated
        update is harmless). The learner must exist (``learners.touch`` first)."""
        await self.session.flush()
        return await inserted(self.session, Answer(
            user_id=user_id, poll_id=poll.poll_id, quiz_id=poll.quiz_id, chat_id=poll.chat_id,
            option=option, correct=correct, answered_at=now))

    async def of_learner(self, user_id: int) -> list[AnswerInfo]:
        rows = await self.session.execute(
            select(Answer.quiz_id, Answer.chat_id, Answer.correct, Answer.answered_at)
            .where(Answer.user_id == user_id).order_by(Answer.answered_at)
        )
        return [AnswerInfo(q, c, bool(ok), utc(at)) for q, c, ok, at in rows]  # type: ignore[arg-type]

    async def leaderboard(self, chat_id: int, since: datetime | None = None,
                          limit: int = 10) -> list[Standing]:
        """Learners of one group by correct answers to that group's polls."""
        correct = func.sum(case((Answer.correct, 1), else_=0))
        query = (select(Answer.user_id, User.name, correct, func.count(Answer.id))
                 .join(User, User.id == Answer.user_id)
                 .where(Answer.chat_id == chat_id)
                 .group_by(Answer.user_id, User.name)
                 .order_by(correct.desc(), func.count(Answer.id).asc(), Answer.user_id)
                 .limit(limit))
        if since is not None:
            query = query.where(Answer.answered_at >= since)
        rows = await self.session.execute(query)
        return [Standing(u, n, int(c or 0), int(t)) for u, n, c, t in rows]


class ReviewRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def after_answer(self, user_id: int, quiz_id: str, correct: bool,
                           now: datetime) -> None:
        """A miss brings the question back in a day; each correct review moves it further
        (``REVIEW_DAYS``) until it retires."""
        if not correct:
            review = await get_or_add(self.session, Review, (user_id, quiz_id), lambda: Review(
                user_id=user_id, quiz_id=quiz_id, stage=0, due_at=None))
            review.stage, review.due_at = 0, now + timedelta(days=REVIEW_DAYS[0])
            return
        found = await self.session.get(Review, (user_id, quiz_id))
        if found is not None and found.due_at is not None:
            found.stage += 1
            found.due_at = (now + timedelta(days=REVIEW_DAYS[found.stage])
                            if found.stage < len(REVIEW_DAYS) else None)

    async def due(self, user_id: int, now: datetime) -> list[str]:
        """Quiz ids whose review is due, the longest-waiting first."""
        rows = await self.session.execute(
            select(Review.quiz_id).where(Review.user_id == user_id, Review.due_at.is_not(None),
                                         Review.due_at <= now).order_by(Review.due_at)
        )
        return list(rows.scalars())

    async def next_due(self, user_id: int) -> datetime | None:
        value = await self.session.scalar(
            select(func.min(Review.due_at)).where(Review.user_id == user_id,
                                                  Review.due_at.is_not(None))
        )
        return utc(value)
