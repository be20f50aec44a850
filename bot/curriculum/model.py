"""The course as data: lessons, their quiz questions and interview questions."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

TOPICS = (
    "basics",
    "activations",
    "loss",
    "calculus",
    "gradient-descent",
    "backprop",
    "optimizers",
    "training",
    "regularization",
    "tuning",
    "architectures",
)


def nearest_line(lines: dict[str, int], key: str) -> int:
    """The line of a dotted field path, or of its nearest enclosing field, or 1."""
    while key:
        if key in lines:
            return lines[key]
        key = key.rpartition(".")[0]
    return 1


@dataclass(frozen=True)
class Quiz:
    id: str
    question: str
    options: tuple[str, ...]
    correct: int
    explanation: str
    more: str = ""
    lesson_id: str = ""
    topic: str = ""


@dataclass(frozen=True)
class Interview:
    question: str
    answer: str


@dataclass(frozen=True)
class Lesson:
    id: str
    order: int
    title: str
    topic: str
    hashtags: tuple[str, ...]
    body: str
    quizzes: tuple[Quiz, ...]
    keywords: tuple[str, ...] = ()
    lab: str = ""
    #: What the lab shows, as statements over its data (bot/curriculum/claims.py).
    claims: tuple[str, ...] = ()
    interview: Interview | None = None
    path: Path = field(default=Path("."), compare=False)
    #: Line of each front-matter field (``"quizzes.0.question"`` → 12), for error reports.
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def line_of(self, key: str) -> int:
        return nearest_line(self.lines, key)


@dataclass(frozen=True)
class Curriculum:
    lessons: tuple[Lesson, ...]  # sorted by order

    @property
    def quizzes(self) -> tuple[Quiz, ...]:
        return tuple(q for lesson in self.lessons for q in lesson.quizzes)

    @property
    def interviews(self) -> tuple[tuple[Lesson, Interview], ...]:
        return tuple((lesson, lesson.interview) for lesson in self.lessons if lesson.interview)

    def by_order(self, order: int) -> Lesson | None:
        return next((lesson for lesson in self.lessons if lesson.order == order), None)

    def by_id(self, lesson_id: str) -> Lesson | None:
        return next((lesson for lesson in self.lessons if lesson.id == lesson_id), None)

    def quiz(self, quiz_id: str) -> Quiz | None:
        return next((q for q in self.quizzes if q.id == quiz_id), None)
