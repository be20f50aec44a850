"""A realistic database for the teacher's dashboard (its test and its screenshot): two
weeks of a channel (lessons, quizzes and their reveals with votes, a failed post, a
skipped group quiz, today's reveal still waiting), forty learners answering more each
day, memory cards due, reminder opt-ins. Written through the storage repositories, as
the bot writes them; deterministic for a given ``now``.

    python -m tests.dashboard_seed sqlite:///demo.db   # then serve it with BOT_DB_URL
"""

from __future__ import annotations

import asyncio
import random
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.curriculum.loader import curriculum
from bot.curriculum.model import Curriculum
from bot.engine.memory import Memory
from bot.storage import Storage
from bot.storage.channel import Claim
from bot.storage.learning import Preferences
from bot.storage.practice import PollInfo

CHANNEL = -1001234567890
TEHRAN = ZoneInfo("Asia/Tehran")
DAYS = 14
LEARNERS = 40
#: Share of a quiz's voters who pick the right answer, by how hard the quiz is.
RIGHT = (0.85, 0.7, 0.55, 0.35)


@dataclass(frozen=True)
class Seeded:
    """What was written, for the test to expect."""

    quizzes: dict[str, list[int]]  # reveal slot key → votes
    reviews_due: int
    learners_with_reviews_due: int
    reminder_opt_ins: int
    active: dict[str, int]  # ISO day (in Tehran) → learners who answered
    waiting: bool  # the last quiz's reveal waits for its time (always, once a quiz went out)


async def seed(storage: Storage, course: Curriculum, now: datetime) -> Seeded:
    rng = random.Random(17)
    now = now.astimezone(UTC)
    today = now.date()
    quizzes: dict[str, list[int]] = {}
    active: dict[str, int] = {}
    waiting: list[str] = []
    async with storage.transaction() as db:
        # the channel: a lesson at 05:00 UTC (08:30 in Tehran), a quiz at 14:30, its reveal
        # the next day, as the next quiz goes out
        for back in range(DAYS - 1, -1, -1):
            day = today - timedelta(days=back)
            morning = datetime.combine(day, time(5, 0), UTC)
            afternoon = datetime.combine(day, time(14, 30), UTC)
            lesson = course.lessons[(DAYS - back) % len(course.lessons)]
            quiz = course.quizzes[(3 * (DAYS - back)) % len(course.quizzes)]
            number = DAYS - back
            if morning <= now:
                await _slot(db, f"{day}:lesson", "lesson", morning, Claim(lesson.id),
                            "failed" if back == 3 else "sent",
                            error="TimedOut('Timed out')" if back == 3 else "")
            if afternoon > now:
                continue
            await _slot(db, f"{day}:quiz", "quiz", afternoon, Claim(quiz.id, number), "sent")
            await _slot(db, f"{day}:group_quiz", "group_quiz", afternoon,
                        Claim(skipped="no channel quiz today") if back == 2 else Claim(quiz.id, number),
                        "skipped" if back == 2 else "sent")
            reveal = f"{day}:quiz:reveal"
            if afternoon + timedelta(days=1) > now:  # revealed just before the next quiz
                await _slot(db, reveal, "reveal", afternoon, Claim(f"{day}:quiz", number), "waiting")
                waiting.append(reveal)
                continue
            votes = _votes(rng, len(quiz.options), quiz.correct, RIGHT[number % len(RIGHT)],
                           voters=12 + 3 * (DAYS - back))
            await _slot(db, reveal, "reveal", afternoon + timedelta(days=1) - timedelta(seconds=1),
                        Claim(f"{day}:quiz", number), "sent")
            await db.slots.save_votes(reveal, votes)
            quizzes[reveal] = votes
        # learners: more of them each day (fewer on Fridays), answering in private
        people = [(1000 + k, name) for k, name in enumerate(_NAMES * 4)][:LEARNERS]
        for user_id, name in people:
            await db.learners.touch(user_id, name, now - timedelta(days=DAYS))
        local_today = now.astimezone(TEHRAN).date()
        for back in range(DAYS - 1, -1, -1):
            day = local_today - timedelta(days=back)
            share = 0.25 + 0.45 * (DAYS - back) / DAYS
            if day.weekday() == 4:
                share *= 0.5
            answering = [p for p in people if rng.random() < share]
            moments = []
            for user_id, _ in answering:  # between 08:00 and 23:59 in Tehran
                moment = datetime.combine(day, time(rng.randrange(8, 24), rng.randrange(60)), TEHRAN)
                if moment > now:
                    continue
                quiz = rng.choice(course.quizzes)
                poll = PollInfo(f"p{user_id}-{day}", quiz.id, user_id, 1, "practice", None)
                await db.polls.add(poll, moment)
                option = quiz.correct if rng.random() < 0.7 else (quiz.correct + 1) % len(quiz.options)
                await db.answers.add(user_id, poll, option, option == quiz.correct, moment)
                moments.append(user_id)
            active[day.isoformat()] = len(set(moments))
        # memory cards: some due now, most later
        due_users: set[int] = set()
        due = 0
        for user_id, _ in people[:30]:
            for quiz in rng.sample(course.quizzes, 4):
                when = now + timedelta(hours=rng.randrange(-60, 200))
                await db.cards.add(user_id, quiz.id, Memory(
                    state=2, stability=3.0, difficulty=5.0, due=when,
                    last_review=when - timedelta(days=3), reviews=2))
                if when <= now:
                    due += 1
                    due_users.add(user_id)
        # daily reminders: a third said yes; one of them has since blocked the bot
        opted = [user_id for user_id, _ in people if user_id % 3 == 0]
        for user_id in opted:
            await db.prefs.put(user_id, Preferences(reminder=True, offered=True,
                                                    blocked=user_id == opted[-1]))
    return Seeded(quizzes, due, len(due_users), len(opted) - 1, active, bool(waiting))


async def _slot(db, key: str, kind: str, at: datetime, claim: Claim, status: str,
                error: str = "") -> None:
    await db.slots.claim(key, kind, "seed", at, choose=lambda _: claim)
    if status == "sent":
        await db.slots.update(key, at, status=status, chat_id=CHANNEL,
                              message_id=int(at.timestamp()) % 100_000)
    elif status != "skipped":
        await db.slots.update(key, at, status=status, error=error)


def _votes(rng: random.Random, options: int, correct: int, right: float, voters: int) -> list[int]:
    votes = [0] * options
    for _ in range(voters):
        pick = correct if rng.random() < right else rng.choice([i for i in range(options) if i != correct])
        votes[pick] += 1
    return votes


_NAMES = ["سارا", "علی", "مریم", "رضا", "نگار", "امید", "لیلا", "حسین", "زهرا", "کاوه"]


async def _main(url: str) -> None:
    storage = await Storage.open(url)
    try:
        print(await seed(storage, curriculum(), datetime.now(UTC)))
    finally:
        await storage.close()


if __name__ == "__main__":
    asyncio.run(_main(sys.argv[1]))
