"""The memory model against the ``fsrs`` package itself: each answer's rating, and the
intervals a history leads to, computed here by a scheduler built independently."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fsrs import Card, Rating, Scheduler

from bot.engine.memory import Memory, easy_within, rating, recall, replay, review

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def reference(retention: float = 0.9) -> Scheduler:
    """What the module promises: the package's defaults, no minute steps, no fuzz."""
    return Scheduler(desired_retention=retention, learning_steps=[], relearning_steps=[],
                     enable_fuzzing=False)


@pytest.mark.parametrize(("correct", "seconds", "limit", "expected"), [
    (False, 1.0, 10.0, Rating.Again),
    (False, None, None, Rating.Again),
    (True, None, 10.0, Rating.Good),   # a group's poll: no start to measure from
    (True, 3.0, None, Rating.Good),
    (True, 10.0, 10.0, Rating.Easy),
    (True, 10.5, 10.0, Rating.Good),
    (True, 0.0, 10.0, Rating.Easy),
    (True, -1.0, 10.0, Rating.Good),   # a clock step backwards is no evidence of speed
])
def test_an_answer_becomes_a_rating(correct: bool, seconds: float | None, limit: float | None,
                                    expected: Rating) -> None:
    assert rating(correct, seconds, limit) == expected


def test_fast_means_reading_the_question_once_at_200_words_a_minute_plus_a_tap() -> None:
    assert easy_within("one two three four five", ["a b", "c", "d e f"]) == pytest.approx(
        11 * 60 / 200 + 5)
    assert easy_within("", []) == 5


def walk(grades: list[Rating], gaps_days: list[float], retention: float = 0.9
         ) -> tuple[list[Memory], list[Card]]:
    """The same reviews through the module and through the package directly."""
    ours: list[Memory] = []
    theirs: list[Card] = []
    memory: Memory | None = None
    card = Card(card_id=1, due=T0)
    now = T0
    scheduler = reference(retention)
    for grade, gap in zip(grades, gaps_days, strict=True):
        now += timedelta(days=gap)
        memory = review(memory, grade, now, retention)
        card, _ = scheduler.review_card(card, grade, now)
        ours.append(memory)
        theirs.append(card)
    return ours, theirs


@pytest.mark.parametrize("retention", [0.8, 0.9, 0.95])
@pytest.mark.parametrize(("grades", "gaps"), [
    ([Rating.Good] * 5, [0, 2, 5, 12, 30]),
    ([Rating.Again, Rating.Good, Rating.Good, Rating.Again, Rating.Good], [0, 1, 3, 8, 1]),
    ([Rating.Easy, Rating.Good, Rating.Again, Rating.Again, Rating.Easy], [0, 8, 20, 1, 1]),
    ([Rating.Good, Rating.Good], [0, 0.1]),  # twice the same day: short-term stability
])
def test_due_dates_are_exactly_what_the_package_computes(
        grades: list[Rating], gaps: list[float], retention: float) -> None:
    ours, theirs = walk(grades, gaps, retention)
    for memory, card in zip(ours, theirs, strict=True):
        assert memory.due == card.due
        assert memory.stability == card.stability and memory.difficulty == card.difficulty
        assert memory.state == int(card.state)
    assert ours[-1].reviews == len(grades)
    assert ours[-1].lapses == grades.count(Rating.Again)


def test_intervals_grow_with_right_answers_and_shrink_after_a_lapse() -> None:
    grades = [Rating.Good, Rating.Good, Rating.Good, Rating.Again, Rating.Good]
    ours, _ = walk(grades, [0, 2, 5, 12, 30])
    days = [round(m.interval_days) for m in ours]
    assert days[:3] == sorted(days[:3]) and len(set(days[:3])) == 3  # growing
    assert days[3] < days[2]  # the lapse
    assert days[0] == 2  # FSRS-6's first stability for Good, 2.31 days, at 90 %
    first_wrong = review(None, Rating.Again, T0)
    assert first_wrong.due == T0 + DAY  # a first wrong answer comes back tomorrow
    assert round(review(None, Rating.Easy, T0).interval_days) == 8


def test_a_higher_retention_brings_questions_back_sooner() -> None:
    looser, _ = walk([Rating.Good] * 3, [0, 2, 6], retention=0.8)
    stricter, _ = walk([Rating.Good] * 3, [0, 2, 6], retention=0.95)
    assert stricter[-1].interval_days < looser[-1].interval_days


def test_a_replayed_history_is_the_same_as_answering_it_in_order() -> None:
    history = [(T0 + 3 * DAY, True), (T0, False), (T0 + DAY, True)]  # any order in
    expected = review(review(review(None, Rating.Again, T0), Rating.Good, T0 + DAY),
                      Rating.Good, T0 + 3 * DAY)
    assert replay(history) == expected
    assert replay([]) is None


def test_recall_is_certain_right_after_a_review_and_near_the_retention_when_due() -> None:
    memory = replay([(T0, True), (T0 + 2 * DAY, True)])
    assert memory is not None
    assert recall(memory, memory.last_review) == 1.0
    at_due = recall(memory, memory.due)
    assert 0.85 < at_due < 0.95
    assert recall(memory, memory.due + 30 * DAY) < at_due


def test_a_retention_outside_the_useful_range_is_refused() -> None:
    with pytest.raises(ValueError):
        review(None, Rating.Good, T0, retention=1.0)
