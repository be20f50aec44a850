"""Quiz sessions, @QuizBot style: which questions a session asks, and its score card.

Pure functions over the course and what storage knows about a learner (or a group);
the commands in :mod:`bot.commands.practice` call them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.curriculum.model import Curriculum, Lesson, Quiz
from bot.storage.learning import DEFAULT_LENGTH

__all__ = ["DEFAULT_LENGTH", "GROUP_COOLDOWN_SECONDS", "LENGTHS", "MAX_LENGTH", "Outcome",
           "ScoreCard", "plan", "score"]

LENGTHS = (5, 10, 15, 20)
MAX_LENGTH = 30
#: A group sees one poll at a time: «سؤال بعدی» works once this many seconds have passed
#: since the last poll, so everyone has time to read and answer.
GROUP_COOLDOWN_SECONDS = 30


def plan(course: Curriculum, length: int, *, due: Sequence[str] = (),
         answered: Iterable[str] = (), read: Iterable[str] = (), position: int = 0) -> list[Quiz]:
    """The questions of a session, at most ``length``: the reviews due (longest waiting
    first), then questions never answered from the lessons marked read (``read``: lesson
    ids), then from the lessons after the furthest one read or reached in order (the
    reading ``position``), then any other question never answered."""
    chosen: list[Quiz] = []
    seen: set[str] = set()

    def take(quizzes: Iterable[Quiz]) -> None:
        for quiz in quizzes:
            if len(chosen) < length and quiz.id not in seen:
                chosen.append(quiz)
                seen.add(quiz.id)

    take(q for q in (course.quiz(quiz_id) for quiz_id in due) if q is not None)
    done = set(answered) | seen
    fresh = [q for q in course.quizzes if q.id not in done]
    order = {lesson.id: lesson.order for lesson in course.lessons}
    marked = set(read)
    furthest = max([order[i] for i in marked if i in order] + [position])
    take(q for q in fresh if q.lesson_id in marked)
    take(q for q in fresh if order.get(q.lesson_id, 0) > furthest)
    take(fresh)
    return chosen


@dataclass(frozen=True)
class Outcome:
    """One question of a finished session, as the score card needs it."""

    quiz: Quiz
    correct: bool | None  # None: not answered (the timer ran out, or skipped)


@dataclass(frozen=True)
class ScoreCard:
    asked: int
    correct: int
    seconds: float
    wrong: tuple[Quiz, ...]
    reread: tuple[Lesson, ...]  # the lessons of the questions missed, in course order
    streak: int


def score(course: Curriculum, outcomes: Sequence[Outcome], seconds: float,
          streak: int) -> ScoreCard:
    wrong = tuple(o.quiz for o in outcomes if o.correct is not True)
    lessons = {q.lesson_id for q in wrong}
    reread = tuple(lesson for lesson in course.lessons if lesson.id in lessons)
    return ScoreCard(asked=len(outcomes), correct=sum(o.correct is True for o in outcomes),
                     seconds=seconds, wrong=wrong, reread=reread, streak=streak)
