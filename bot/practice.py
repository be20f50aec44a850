"""The practice loop's logic: which question comes next, and a learner's statistics.

Pure functions over the course and a learner's answers; commands and the channel
teacher call them, the storage module keeps the data.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.curriculum.model import Curriculum, Lesson, Quiz
from bot.storage import AnswerInfo, PollInfo, Repos


@dataclass(frozen=True)
class NextQuiz:
    quiz: Quiz | None
    review: bool  # True when it is a question answered wrong before, come back
    next_review: datetime | None = None  # when nothing is left now


async def next_quiz(db: Repos, course: Curriculum, user_id: int, now: datetime) -> NextQuiz:
    """Due reviews first (spaced repetition), then the first question not yet answered
    in course order; None when everything is answered and nothing is due."""
    for quiz_id in await db.reviews.due(user_id, now):
        quiz = course.quiz(quiz_id)
        if quiz is not None:
            return NextQuiz(quiz, review=True)
    answered = {a.quiz_id for a in await db.answers.of_learner(user_id)}
    for quiz in course.quizzes:
        if quiz.id not in answered:
            return NextQuiz(quiz, review=False)
    return NextQuiz(None, review=False, next_review=await db.reviews.next_due(user_id))


async def record_answer(db: Repos, user_id: int, name: str, poll: PollInfo, option: int,
                        correct: bool, now: datetime) -> bool:
    """Store a learner's answer and move the question's review date, in the caller's
    transaction; False if this learner already answered this poll (nothing changes)."""
    await db.learners.touch(user_id, name, now)
    if not await db.answers.add(user_id, poll, option, correct, now):
        return False
    await db.reviews.after_answer(user_id, poll.quiz_id, correct, now)
    return True


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


def stats(answers: list[AnswerInfo], course: Curriculum, zone: ZoneInfo, now: datetime,
          weakest: int = 3) -> Stats:
    """Totals, streaks (days in the bot's time zone) and the weakest topics."""
    days = {a.answered_at.astimezone(zone).date() for a in answers}
    current, best = streaks(days, now.astimezone(zone).date())
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
    return Stats(
        answered=len(answers),
        correct=sum(a.correct for a in answers),
        current_streak=current,
        best_streak=best,
        weakest=tuple(weak[:weakest]),
    )


def week_start(now: datetime, zone: ZoneInfo) -> datetime:
    """Saturday 00:00 of the current week in the bot's time zone (the Persian week)."""
    local = now.astimezone(zone)
    days_since_saturday = (local.weekday() - 5) % 7
    start = (local - timedelta(days=days_since_saturday)).replace(hour=0, minute=0, second=0,
                                                                   microsecond=0)
    return start
