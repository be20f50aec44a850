"""Which questions a session asks, its score card, and when a reminder is due: the pure
parts of sessions and reminders, against hand-built courses and clocks."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.curriculum.model import Curriculum, Lesson, Quiz
from bot.reminders import Preferences, quiet, reason, reminder_day
from bot.sessions import Outcome, plan, score


def course(lessons: int = 4, per_lesson: int = 3) -> Curriculum:
    built = []
    for order in range(1, lessons + 1):
        quizzes = tuple(Quiz(f"l{order}-{n}", f"q{order}.{n}?", ("a", "b"), 0, "why",
                             lesson_id=f"l{order}", topic="basics") for n in range(1, per_lesson + 1))
        built.append(Lesson(f"l{order}", order, f"Lesson {order}", "basics", (), "body", quizzes))
    return Curriculum(tuple(built))


def ids(quizzes: list[Quiz]) -> list[str]:
    return [q.id for q in quizzes]


def test_due_reviews_come_first_in_their_order_then_read_lessons_then_the_next_ones() -> None:
    c = course()
    chosen = plan(c, 8, due=["l4-1", "l1-2"], answered={"l1-1", "l1-2", "l4-1"}, read={"l3"})
    assert ids(chosen) == ["l4-1", "l1-2",          # reviews, longest waiting first
                           "l3-1", "l3-2", "l3-3",  # the lesson read
                           "l4-2", "l4-3",          # the lessons after it
                           "l1-3"]                  # then anything never answered


def test_the_reading_position_orders_what_comes_next_without_counting_as_read() -> None:
    c = course()
    assert ids(plan(c, 3, position=2)) == ["l3-1", "l3-2", "l3-3"]
    assert ids(plan(c, 4, read={"l1"}, position=2)) == ["l1-1", "l1-2", "l1-3", "l3-1"]


@pytest.mark.parametrize("length", [1, 5, 12, 30])
def test_a_session_never_repeats_a_question_nor_exceeds_its_length(length: int) -> None:
    c = course()
    chosen = plan(c, length, due=["l2-1", "l2-1", "gone"], answered={"l2-1"}, read={"l2"})
    assert len(chosen) == min(length, 12)
    assert len(set(ids(chosen))) == len(chosen)
    assert chosen[0].id == "l2-1"  # a question that left the course ("gone") is skipped


def test_nothing_to_ask_when_all_is_answered_and_nothing_is_due() -> None:
    c = course(1, 2)
    assert plan(c, 10, answered={"l1-1", "l1-2"}) == []


def test_the_score_card_counts_right_answers_and_names_the_lessons_to_reread() -> None:
    c = course()
    q = {quiz.id: quiz for quiz in c.quizzes}
    card = score(c, [Outcome(q["l3-1"], False), Outcome(q["l1-1"], True),
                     Outcome(q["l1-2"], None), Outcome(q["l3-2"], False)], 95.0, 4)
    assert (card.asked, card.correct, card.seconds, card.streak) == (4, 1, 95.0, 4)
    assert [quiz.id for quiz in card.wrong] == ["l3-1", "l1-2", "l3-2"]  # unanswered counts
    assert [lesson.id for lesson in card.reread] == ["l1", "l3"]  # course order, once each


@pytest.mark.parametrize(("hour", "start", "end", "expected"), [
    (23, 23, 8, True), (3, 23, 8, True), (8, 23, 8, False), (22, 23, 8, False),
    (12, 9, 17, True), (17, 9, 17, False), (5, 0, 0, False), (0, 0, 9, True),
])
def test_quiet_hours_may_wrap_past_midnight(hour: int, start: int, end: int, expected: bool) -> None:
    assert quiet(hour, start, end) is expected


ON = Preferences(reminder=True, hour=19)


@pytest.mark.parametrize(("prefs", "utc", "expected"), [
    (ON, datetime(2026, 11, 23, 15, 30, tzinfo=UTC), date(2026, 11, 23)),   # 19:00 Tehran
    (ON, datetime(2026, 11, 23, 16, 29, tzinfo=UTC), date(2026, 11, 23)),   # 19:59
    (ON, datetime(2026, 11, 23, 16, 30, tzinfo=UTC), None),                 # 20:00
    (ON, datetime(2026, 11, 23, 15, 29, tzinfo=UTC), None),                 # 18:59
    (Preferences(hour=19), datetime(2026, 11, 23, 15, 30, tzinfo=UTC), None),  # never asked
    (ON.with_(blocked=True), datetime(2026, 11, 23, 15, 30, tzinfo=UTC), None),
    (ON.with_(quiet_from=18, quiet_to=7), datetime(2026, 11, 23, 15, 30, tzinfo=UTC), None),
    (ON.with_(hour=23, quiet_from=0, quiet_to=7), datetime(2026, 11, 23, 19, 45, tzinfo=UTC),
     date(2026, 11, 23)),                                                   # 23:15 Tehran
    (ON.with_(zone="Europe/Berlin"), datetime(2026, 11, 23, 18, 0, tzinfo=UTC),
     date(2026, 11, 23)),                                                   # 19:00 in Berlin
])
def test_a_reminder_falls_in_the_learners_hour_in_their_zone_outside_quiet_hours(
        prefs: Preferences, utc: datetime, expected: date | None) -> None:
    assert reminder_day(prefs, utc) == expected


@pytest.mark.parametrize(("due", "streak", "today", "worth", "at_risk"), [
    (0, 0, False, False, 0),
    (3, 0, False, True, 0),
    (0, 5, False, True, 5),   # practised until yesterday: tonight the run breaks
    (0, 5, True, False, 0),   # already practised today
    (2, 5, True, True, 0),
])
def test_a_reminder_is_worth_sending_for_due_reviews_or_a_streak_about_to_break(
        due: int, streak: int, today: bool, worth: bool, at_risk: int) -> None:
    why = reason(due, streak, today)
    assert bool(why) is worth and why.streak_at_risk == at_risk
