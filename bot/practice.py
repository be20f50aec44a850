"""The practice loop's logic: recording an answer as a review, streaks, and a
learner's statistics.

Functions over the course and a learner's answers and memory cards; commands and the
channel teacher call them, the storage repositories keep the data.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from fsrs import Rating

from bot.curriculum.model import Curriculum, Lesson
from bot.engine.memory import DEFAULT_RETENTION, Memory, rating, recall, review
from bot.storage import AnswerInfo, PollInfo, Recorded, Repos


async def record_answer(db: Repos, user_id: int, name: str, poll: PollInfo, option: int,
                        correct: bool, now: datetime, *, zone: tzinfo,
                        grade: Rating | None = None,
                        retention: float = DEFAULT_RETENTION) -> Recorded:
    """Store a learner's answer and, when the question is new to them or due, review
    their memory of it (FSRS; ``grade`` by default from ``correct`` alone, as for a
    group's poll); in the caller's transaction. REPEAT (false) if this learner already
    answered this poll: nothing changes. An answer to a question not yet due (a second
    copy the same day, a question repeated at once) does not move the card, and a copy
    of a question already scored (:func:`score_key`; days in ``zone``) is kept without
    scoring: a question counts once per review, and once a day on a group's /top."""
    await db.learners.touch(user_id, name, now)
    if await db.answers.answered(user_id, poll.poll_id):
        return Recorded.REPEAT
    grade = grade if grade is not None else rating(correct)
    memory = await _reviewed(db, user_id, poll.quiz_id, grade, now, retention)
    key = score_key(poll, user_id, memory, now.astimezone(zone).date())
    return await db.answers.add(user_id, poll, option, correct, now, key)


async def _reviewed(db: Repos, user_id: int, quiz_id: str, grade: Rating, now: datetime,
                    retention: float) -> Memory:
    """The learner's memory of the question after this answer: reviewed when new or due,
    else as it was. The card stays locked to the end of the transaction, so of two copies
    answered at once the second sees the first's review."""
    card = await db.cards.get(user_id, quiz_id, lock=True)
    if card is None:
        fresh = review(None, grade, now, retention)
        if await db.cards.add(user_id, quiz_id, fresh):
            return fresh
        card = await db.cards.get(user_id, quiz_id, lock=True)  # made meanwhile
        assert card is not None
    if card.due > now:
        return card
    card = review(card, grade, now, retention)
    await db.cards.put(user_id, quiz_id, card)
    return card


def score_key(poll: PollInfo, user_id: int, memory: Memory, day: date) -> str:
    """What an answer scores, unique per learner (``answers.score_key``). In a group (or
    the channel): the chat's question of that local day, so members answering each
    other's copies of one question score once on /top. In private: the question's review
    the answer belongs to, named by that review's moment, so a question served again
    before it is due counts once in /stats."""
    if poll.chat_id != user_id:
        return group_key(poll.chat_id, poll.quiz_id, day)
    return review_key(poll.quiz_id, memory.last_review)


def group_key(chat_id: int, quiz_id: str, day: date) -> str:
    return f"g:{chat_id}:{quiz_id}:{day.isoformat()}"


def review_key(quiz_id: str, reviewed: datetime | None) -> str:
    stamp = reviewed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") if reviewed else "new"
    return f"r:{quiz_id}:{stamp}"


async def streak_of(db: Repos, user_id: int, zone: ZoneInfo, now: datetime) -> int:
    """The learner's current run of days with an answer (days in ``zone``)."""
    days = {a.answered_at.astimezone(zone).date() for a in await db.answers.of_learner(user_id)}
    return streaks(days, now.astimezone(zone).date())[0]


@dataclass(frozen=True)
class TopicScore:
    topic: str
    correct: int
    answered: int
    lesson: Lesson | None  # the lesson to read again

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0


@dataclass(frozen=True)
class Stats:
    answered: int
    correct: int
    current_streak: int
    best_streak: int
    weakest: tuple[TopicScore, ...]
    due_today: int = 0  # reviews due by the end of the learner's day
    retention: float | None = None  # the mean predicted recall of reviewed questions
    lessons_read: int = 0
    lessons: int = 0

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0


def streaks(days: set[date], today: date) -> tuple[int, int]:
    """(current, best) runs of consecutive days with an answer. The current run counts
    to today, or to yesterday while today's answer is still to come."""
    best = run = 0
    previous: date | None = None
    for day in sorted(days):
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        best = max(best, run)
        previous = day
    current = 0
    day = today if today in days else today - timedelta(days=1)
    while day in days:
        current += 1
        day -= timedelta(days=1)
    return current, best


def memory_summary(cards: list[Memory], zone: ZoneInfo, now: datetime,
                   retention: float = DEFAULT_RETENTION) -> tuple[int, float | None]:
    """(reviews due by the end of today in ``zone``, the estimated retention now: the mean
    of FSRS's predicted recall over the questions reviewed; None before any)."""
    local = now.astimezone(zone)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    due = sum(card.due < midnight for card in cards)
    reviewed = [card for card in cards if card.last_review is not None]
    if not reviewed:
        return due, None
    return due, sum(recall(card, now, retention) for card in reviewed) / len(reviewed)


def stats(answers: list[AnswerInfo], course: Curriculum, zone: ZoneInfo, now: datetime,
          weakest: int = 3, *, cards: list[Memory] | None = None, read: int = 0) -> Stats:
    """Totals, streaks (days in the bot's time zone), the weakest topics, reviews due
    today, the estimated retention and the lessons read. Every answer makes its day a
    practice day; only scored answers count (a question once per review)."""
    days = {a.answered_at.astimezone(zone).date() for a in answers}
    current, best = streaks(days, now.astimezone(zone).date())
    answers = [a for a in answers if a.scored]
    per_topic: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    missed_lesson: dict[str, Lesson] = {}
    for answer in answers:
        quiz = course.quiz(answer.quiz_id)
        if quiz is None:
            continue
        score = per_topic[quiz.topic]
        score[0] += int(answer.correct)
        score[1] += 1
        if not answer.correct and quiz.topic not in missed_lesson:
            lesson = course.by_id(quiz.lesson_id)
            if lesson is not None:
                missed_lesson[quiz.topic] = lesson
    scores = [TopicScore(topic, c, n, missed_lesson.get(topic)) for topic, (c, n) in per_topic.items()]
    weak = sorted((s for s in scores if s.correct < s.answered), key=lambda s: (s.accuracy, -s.answered))
    due_today, retention = memory_summary(cards or [], zone, now)
    return Stats(
        answered=len(answers),
        correct=sum(a.correct for a in answers),
        current_streak=current,
        best_streak=best,
        weakest=tuple(weak[:weakest]),
        due_today=due_today,
        retention=retention,
        lessons_read=read,
        lessons=len(course.lessons),
    )


def week_start(now: datetime, zone: ZoneInfo) -> datetime:
    """Saturday 00:00 of the current week in the bot's time zone (the Persian week)."""
    local = now.astimezone(zone)
    days_since_saturday = (local.weekday() - 5) % 7
    start = (local - timedelta(days=days_since_saturday)).replace(hour=0, minute=0, second=0,
                                                                   microsecond=0)
    return start
