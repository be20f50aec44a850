"""The memory model: when a question should come back to a learner, by FSRS.

FSRS (the scheduler Anki ships, through the maintained ``fsrs`` package) keeps two
numbers per learner and question: *stability* (days until the chance of recalling it
falls to 90 %) and *difficulty* (1–10). Each answer is a review that updates both, and
the next due date is when the predicted recall falls to the learner's desired retention.

How an answer becomes a rating (the package's four grades):

- wrong → ``Again`` (a lapse: stability drops, the question comes back soon);
- right → ``Good``; or ``Easy`` when it came fast: within :func:`easy_within` seconds of
  the poll reaching the learner, which is the time to read the question and its options
  once at a brisk 200 words a minute, plus 5 seconds to tap. Only a poll sent to the
  learner's own chat has a meaningful start; an answer to a group's or the channel's
  poll (read whenever the learner opened the chat) is never ``Easy``.

The scheduler is configured for a bot a learner opens about once a day: no learning
steps of minutes (a question answered wrong comes back the next day, as FSRS's first
interval for ``Again`` is one day; repeating it at once is the score card's «تکرار
غلط‌ها»), and no fuzz, so every due date is exactly what the package computes for the
same history (the tests compare with it).

Pure: no storage, no Telegram, no wording. :class:`Memory` is the record storage keeps.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from fsrs import Card, Rating, Scheduler, State

DEFAULT_RETENTION = 0.9
#: Brisk reading, in words a second (200 words a minute), and the time to tap.
READING_WORDS_PER_SECOND = 200 / 60
TAP_SECONDS = 5.0


@dataclass(frozen=True)
class Memory:
    """One learner's memory of one question: what storage keeps between reviews."""

    state: int  # fsrs.State: 1 learning (never reviewed), 2 review, 3 relearning
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None
    reviews: int = 0
    lapses: int = 0  # answers that were wrong

    @property
    def interval_days(self) -> float:
        """Days from the last review to the due date (0 before the first review)."""
        if self.last_review is None:
            return 0.0
        return (self.due - self.last_review).total_seconds() / 86400


@lru_cache(maxsize=8)
def scheduler(retention: float = DEFAULT_RETENTION) -> Scheduler:
    """The package's scheduler as this bot uses it (see the module's docstring)."""
    if not 0.7 <= retention <= 0.99:
        raise ValueError(f"desired retention {retention} is outside 0.7–0.99")
    return Scheduler(desired_retention=retention, learning_steps=(), relearning_steps=(),
                     enable_fuzzing=False)


def easy_within(question: str, options: Iterable[str]) -> float:
    """Seconds within which a right answer counts as ``Easy``."""
    words = len(question.split()) + sum(len(option.split()) for option in options)
    return words / READING_WORDS_PER_SECOND + TAP_SECONDS


def rating(correct: bool, seconds: float | None = None, easy_limit: float | None = None) -> Rating:
    """An answer as an FSRS rating; ``seconds`` from the poll reaching the learner, None
    when unknown (a group's or the channel's poll)."""
    if not correct:
        return Rating.Again
    if seconds is not None and easy_limit is not None and 0 <= seconds <= easy_limit:
        return Rating.Easy
    return Rating.Good


def _card(memory: Memory | None) -> Card:
    if memory is None:
        return Card(card_id=0, due=datetime.fromtimestamp(0, UTC))
    return Card(card_id=0, state=State(memory.state), step=None if memory.state != 1 else 0,
                stability=memory.stability, difficulty=memory.difficulty, due=memory.due,
                last_review=memory.last_review)


def review(memory: Memory | None, grade: Rating, now: datetime,
           retention: float = DEFAULT_RETENTION) -> Memory:
    """The memory after one more review at ``now`` (None: the question's first answer)."""
    card, _ = scheduler(retention).review_card(_card(memory), grade, now.astimezone(UTC))
    reviews = memory.reviews if memory else 0
    lapses = memory.lapses if memory else 0
    return Memory(state=int(card.state), stability=card.stability, difficulty=card.difficulty,
                  due=card.due, last_review=card.last_review, reviews=reviews + 1,
                  lapses=lapses + (grade == Rating.Again))


def replay(history: Iterable[tuple[datetime, bool]],
           retention: float = DEFAULT_RETENTION) -> Memory | None:
    """The memory a history of (moment, right?) answers leads to, oldest first; how the
    ladder's review rows become FSRS cards (their timings are unknown: never ``Easy``)."""
    memory: Memory | None = None
    for moment, correct in sorted(history):
        memory = review(memory, rating(correct), moment, retention)
    return memory


def recall(memory: Memory, now: datetime, retention: float = DEFAULT_RETENTION) -> float:
    """The predicted chance (0–1) that the learner recalls this question now."""
    return float(scheduler(retention).get_card_retrievability(_card(memory), now.astimezone(UTC)))
