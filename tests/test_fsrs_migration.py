"""The migration from the 1/3/7-day review ladder to FSRS cards keeps every learner's
history: answers untouched, and each (learner, question) answered becomes the card the
``fsrs`` package computes by replaying those answers, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from fsrs import Card, Rating, Scheduler
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.storage import Storage, normalize_url
from tests.db import stored
from tests.test_storage import db_url, legacy_database, pg_url  # noqa: F401 (fixtures)

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
#: (learner, question, right?, days after T0): a few histories, including a lapse and a
#: question answered in a group and in private the same day.
HISTORY = [
    (7, "q2", False, 0), (7, "q2", True, 1), (7, "q2", True, 4),
    (7, "q3", True, 0.5),
    (8, "q2", True, 0), (8, "q2", False, 3), (8, "q2", True, 3.2),
    (8, "q4", False, 2),
]
#: The ladder's rows for the misses (as its code left them); a row with no answer behind.
LADDER = [(7, "q2", 2, T0 + timedelta(days=11)), (8, "q2", 1, T0 + timedelta(days=6.2)),
          (8, "q4", 0, T0 + timedelta(days=3)), (9, "orphan", 0, T0 + timedelta(days=5))]


def reference() -> Scheduler:
    return Scheduler(desired_retention=0.9, learning_steps=[], relearning_steps=[],
                     enable_fuzzing=False)


def expected_cards() -> dict[tuple[int, str], Card]:
    """Each history replayed through the package itself."""
    per_card: dict[tuple[int, str], list[tuple[datetime, bool]]] = defaultdict(list)
    for user, quiz, right, days in HISTORY:
        per_card[(user, quiz)].append((T0 + timedelta(days=days), right))
    cards = {}
    for key, answers in per_card.items():
        card = Card(card_id=1, due=T0)
        for moment, right in sorted(answers):
            card, _ = reference().review_card(card, Rating.Good if right else Rating.Again, moment)
        cards[key] = card
    return cards


async def fill_the_ladder(url: str) -> None:
    engine = create_async_engine(normalize_url(url))
    async with engine.begin() as connection:
        for user in (8, 9):
            await connection.execute(text(
                "INSERT INTO users VALUES (:u, 'L', 0, '2026-11-20 10:00:00+00:00')"), {"u": user})
        for number, (user, quiz, right, days) in enumerate(HISTORY):
            await connection.execute(text(
                "INSERT INTO answers (user_id, poll_id, quiz_id, chat_id, option, correct,"
                " answered_at) VALUES (:u, :p, :q, :c, 0, :ok, :at)"),
                {"u": user, "p": f"m{number}", "q": quiz, "c": user if number % 2 else -5,
                 "ok": right, "at": T0 + timedelta(days=days)})
        for user, quiz, stage, due in LADDER:
            await connection.execute(text(
                "INSERT INTO reviews (user_id, quiz_id, stage, due_at) VALUES (:u, :q, :s, :d)"),
                {"u": user, "q": quiz, "s": stage, "d": due})
    await engine.dispose()


async def test_the_ladder_becomes_fsrs_cards_and_every_answer_stays(db_url: str) -> None:  # noqa: F811
    await legacy_database(db_url, 2)  # learner 7 answered q1 wrong on 2026-11-20
    await fill_the_ladder(db_url)
    storage = await Storage.open(db_url)
    try:
        expected = expected_cards()
        first, _ = reference().review_card(Card(card_id=1, due=T0), Rating.Again, T0)
        expected[(7, "q1")] = first  # the legacy fixture's own answer
        for (user, quiz), card in expected.items():
            memory = await stored(storage, lambda db: db.cards.get(user, quiz))
            assert memory is not None, (user, quiz)
            assert memory.due == card.due and memory.stability == card.stability
            assert memory.difficulty == card.difficulty and memory.last_review == card.last_review
        orphan = await stored(storage, lambda db: db.cards.get(9, "orphan"))
        assert orphan is not None and orphan.due == T0 + timedelta(days=5)  # due as it was
        lapses = await stored(storage, lambda db: db.cards.get(8, "q2"))
        assert lapses.reviews == 3 and lapses.lapses == 1
        for user in (7, 8):
            answers = await stored(storage, lambda db: db.answers.of_learner(user))
            mine = [h for h in HISTORY if h[0] == user]
            assert len(answers) == len(mine) + (user == 7)
        async with storage.engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        assert "reviews" not in tables and "cards" in tables
    finally:
        await storage.close()
