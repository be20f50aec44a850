"""The teacher's dashboard (admins only, BOT_ADMIN_IDS, checked from the signed init data):
the channel's schedule and slot statuses, each channel quiz's votes and share correct,
the hardest questions, learners active per day, reviews due and reminder opt-ins.

A channel quiz's votes are kept on its reveal slot (``<quiz key>:reveal``, saved when the
poll is closed), whose payload is the quiz slot's key; the quiz slot's payload is the
question's id."""

from __future__ import annotations

from typing import Any

from bot.commands.base import Services
from bot.fa.channel import KIND_NAMES
from bot.fa.dates import jalali, when

#: Slots listed, newest first.
SLOTS = 30
HARDEST = 5


async def dashboard(services: Services) -> dict[str, Any]:
    now = services.clock()
    zone = services.settings.zone
    async with services.storage.transaction() as db:
        slots = await db.slots.recent(limit=SLOTS)
        overview = await db.overview.summary(now, zone=zone)
        # a reveal keeps its poll's votes; what was asked is its quiz slot's (its payload)
        revealed = {slot.key: await db.slots.get(slot.payload) for slot in slots
                    if slot.kind == "reveal" and slot.votes}
    quizzes: list[dict[str, Any]] = []
    for slot in slots:
        asked = revealed.get(slot.key)
        quiz = services.course.quiz(asked.payload) if asked is not None else None
        if quiz is None or not slot.votes:
            continue
        total = sum(slot.votes)
        quizzes.append({"key": slot.key, "number": slot.number, "question": quiz.question,
                        "options": list(quiz.options), "votes": slot.votes, "correct": quiz.correct,
                        "share_correct": slot.votes[quiz.correct] / total if total else None})
    answered = [q for q in quizzes if q["share_correct"] is not None]
    teacher = services.teacher
    upcoming = await teacher.upcoming(now) if teacher is not None and teacher.enabled else []
    return {
        "now": when(now, zone),
        # the next lesson and quiz, and each reveal waiting for its time (none without a channel)
        "upcoming": [{"kind": kind, "name": KIND_NAMES.get(kind, kind), "when": when(at, zone)}
                     for kind, at in upcoming],
        "schedule": [{"key": s.key, "kind": s.kind, "name": KIND_NAMES.get(s.kind, s.kind),
                      "status": s.status, "number": s.number, "what": s.payload,
                      "updated": when(s.updated_at, zone), "error": s.error}
                     for s in slots],
        "quizzes": quizzes,
        "hardest": sorted(answered, key=lambda q: q["share_correct"])[:HARDEST],
        "active": [{"day": jalali(day), "learners": count} for day, count in overview.active],
        "reviews_due": overview.reviews_due,
        "learners_with_reviews_due": overview.learners_with_reviews_due,
        "reminder_opt_ins": overview.reminder_opt_ins,
    }
