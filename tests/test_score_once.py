"""Nothing is scored twice, made impossible by the storage (``answers.score_key``, unique
per learner), on SQLite and PostgreSQL: a group's question once a day per member on
/top, a private question once per review in /stats; a duplicate is a no-op, never an
error; the answers stored before the key get theirs by the same rules."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.curriculum.loader import curriculum
from bot.practice import stats
from bot.storage import PollInfo, Recorded, Storage, normalize_url
from tests.db import record_answer, stored
from tests.test_storage import db_url, legacy_database, pg_url, store, twin  # noqa: F401 (fixtures)

TEHRAN = ZoneInfo("Asia/Tehran")
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
GROUP = -5005
SCORED, KEPT, REPEAT = Recorded.SCORED, Recorded.KEPT, Recorded.REPEAT
#: Tehran's midnight of 2026-11-24 is 20:30 UTC on the 23rd.
MIDNIGHT = datetime(2026, 11, 23, 20, 30, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def copy(number: int, quiz_id: str = "q1", chat_id: int = GROUP) -> PollInfo:
    """One poll of a question: a group's (by default) or, with ``chat_id`` the learner's
    own, a private one."""
    kind = "group" if chat_id < 0 else "practice"
    return PollInfo(f"copy-{chat_id}-{number}", quiz_id, chat_id, number, kind, None)


def leaderboard(storage: Storage, chat_id: int = GROUP):  # type: ignore[no-untyped-def]
    return stored(storage, lambda db: db.answers.leaderboard(chat_id))


@pytest.mark.parametrize(("moments", "expected"), [
    pytest.param([T0, T0 + timedelta(hours=1), T0 + timedelta(hours=2)], [SCORED, KEPT, KEPT],
                 id="three copies one morning"),
    pytest.param([MIDNIGHT - MINUTE, MIDNIGHT + MINUTE], [SCORED, SCORED],
                 id="either side of Tehran's midnight"),
    pytest.param([MIDNIGHT + MINUTE, MIDNIGHT + timedelta(hours=5)], [SCORED, KEPT],
                 id="one Tehran day across the UTC date"),
])
async def test_a_member_scores_a_groups_question_once_a_day(
        store: Storage, moments: list[datetime], expected: list[Recorded]) -> None:
    """Answering three members' copies of one question: the first answer (wrong here)
    is the one that counts; the right answers to the later copies rescue nothing."""
    results = [await record_answer(store, 7, "Sara", copy(n), 0 if n else 2, n > 0, moment)
               for n, moment in enumerate(moments)]
    assert results == expected
    [sara] = await leaderboard(store)
    assert (sara.correct, sara.answered) == (expected.count(SCORED) - 1, expected.count(SCORED))
    assert len(await stored(store, lambda db: db.answers.of_learner(7))) == len(moments)


async def test_others_and_other_groups_score_their_own(store: Storage) -> None:
    assert await record_answer(store, 7, "Sara", copy(1), 0, True, T0) == SCORED
    assert await record_answer(store, 8, "Ali", copy(1), 0, True, T0) == SCORED
    assert await record_answer(store, 7, "Sara", copy(2, chat_id=GROUP - 1), 0, True, T0) == SCORED
    assert await record_answer(store, 7, "Sara", copy(3, "q2"), 0, True, T0) == SCORED
    assert [(s.name, s.correct) for s in await leaderboard(store)] == [("Sara", 2), ("Ali", 1)]


async def test_a_private_question_counts_once_per_review(store: Storage) -> None:
    """A lesson's quiz button serving the same question again and again before it is
    due: one answer in /stats; once due, the next answer is a new review and counts."""
    mine = 7
    early = [await record_answer(store, mine, "Sara", copy(n, chat_id=mine), 0, True,
                                 T0 + n * MINUTE) for n in range(3)]
    assert early == [SCORED, KEPT, KEPT]
    card = await stored(store, lambda db: db.cards.get(mine, "q1"))
    assert card is not None and card.reviews == 1
    assert await record_answer(store, mine, "Sara", copy(3, chat_id=mine), 2, False,
                               card.due) == SCORED
    assert await record_answer(store, mine, "Sara", copy(4, chat_id=mine), 0, True,
                               card.due + MINUTE) == KEPT
    answers = await stored(store, lambda db: db.answers.of_learner(mine))
    result = stats(answers, curriculum(), TEHRAN, card.due + MINUTE)
    assert (result.answered, result.correct) == (2, 1)


async def test_a_copy_on_another_day_keeps_the_streak_without_scoring(store: Storage) -> None:
    """Practice on a day when nothing is due still makes that day count for the streak."""
    assert await record_answer(store, 7, "Sara", copy(1, chat_id=7), 0, True, T0) == SCORED
    next_day = T0 + timedelta(days=1)
    assert await record_answer(store, 7, "Sara", copy(2, chat_id=7), 0, True, next_day) == KEPT
    answers = await stored(store, lambda db: db.answers.of_learner(7))
    result = stats(answers, curriculum(), TEHRAN, next_day)
    assert (result.answered, result.current_streak) == (1, 2)


async def test_the_same_poll_twice_stores_nothing(store: Storage) -> None:
    assert await record_answer(store, 7, "Sara", copy(1), 2, False, T0) == SCORED
    assert await record_answer(store, 7, "Sara", copy(1), 0, True, T0 + MINUTE) == REPEAT
    assert [(a.correct, a.scored) for a in
            await stored(store, lambda db: db.answers.of_learner(7))] == [(False, True)]


async def test_a_duplicate_key_is_a_no_op_inside_one_transaction(store: Storage) -> None:
    """The repository itself: a taken key and a repeated poll are no errors, and the
    caller's transaction goes on to commit what else it did."""
    async with store.transaction() as db:
        await db.learners.touch(7, "Sara", T0)
        assert await db.answers.add(7, copy(1), 0, True, T0, "k") == SCORED
        assert await db.answers.add(7, copy(2), 0, True, T0, "k") == KEPT
        assert await db.answers.add(7, copy(2), 0, True, T0, "other") == REPEAT
        assert await db.answers.add(8 - 1, copy(3), 0, True, T0, None) == KEPT
        await db.learners.touch(8, "Ali", T0)
        assert await db.answers.add(8, copy(1), 0, True, T0, "k") == SCORED  # another learner
    assert [a.scored for a in await stored(store, lambda db: db.answers.of_learner(7))] == \
        [True, False, False]
    assert len(await stored(store, lambda db: db.answers.of_learner(8))) == 1


@pytest.mark.parametrize("chat_id", [GROUP, 7], ids=["group", "private"])
async def test_two_copies_answered_at_once_score_once(store: Storage, twin: Storage,
                                                      chat_id: int) -> None:
    """Two processes record two copies at the same moment: one scores, the other is
    kept, neither fails (PostgreSQL runs them truly at once)."""
    results = await asyncio.gather(
        record_answer(store, 7, "Sara", copy(1, chat_id=chat_id), 0, True, T0),
        record_answer(twin, 7, "Sara", copy(2, chat_id=chat_id), 0, True, T0 + MINUTE))
    assert sorted(results) == [KEPT, SCORED]
    card = await stored(store, lambda db: db.cards.get(7, "q1"))
    assert card is not None and card.reviews == 1


async def test_answers_stored_before_the_key_get_theirs(db_url: str) -> None:  # noqa: F811
    """The upgrade keys old answers by the same rules, oldest first: the copies a member
    answered again one day stop counting on /top; a private answer is its own review, so
    the same question answered again before it is due counts no more."""
    await legacy_database(db_url, 2)  # learner 7 answered q1 wrong, privately, 2026-11-20 10:00
    engine = create_async_engine(normalize_url(db_url))
    day = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)
    rows = [(7, "g1", True, day), (7, "g2", False, day + timedelta(hours=2)),
            (7, "g3", True, day + timedelta(days=1)), (8, "g4", False, day)]
    async with engine.begin() as connection:
        await connection.execute(text(
            "INSERT INTO users VALUES (8, 'Ali', 0, '2026-11-20 10:00:00+00:00')"))
        for user, poll_id, right, moment in rows:
            await connection.execute(text(
                "INSERT INTO answers (user_id, poll_id, quiz_id, chat_id, option, correct,"
                " answered_at) VALUES (:u, :p, 'q2', :c, 0, :ok, :at)"),
                {"u": user, "p": poll_id, "c": GROUP, "ok": right, "at": moment})
    await engine.dispose()
    storage = await Storage.open(db_url)
    try:
        assert [(s.name, s.correct, s.answered) for s in await leaderboard(storage)] == \
            [("Sara", 2, 2), ("Ali", 0, 1)]
        private = PollInfo("later", "q1", 7, 1, "practice", None)
        later = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # the miss is due a day after
        assert await record_answer(storage, 7, "Sara", private, 0, True, later) == KEPT
    finally:
        await storage.close()
