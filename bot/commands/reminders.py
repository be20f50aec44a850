"""Sending the daily reminders: who gets one now, claimed once across replicas, paced.

The Telegram door runs :meth:`Reminders.tick` every minute (the offline door whenever
its clock moves). A learner gets a reminder when :func:`bot.reminders.reminder_day`
says it is their hour, when it is worth it (:func:`bot.reminders.reason`), and when this
process wins the claim of (learner, local day) in storage, so two replicas or two ticks
never send it twice. Sends are paced at ``SEND_RATE`` a second and go through the bot's
own rate limiter. A learner who blocked the bot (Telegram's 403) is marked and skipped
from then on; any other failure loses that day's reminder rather than risk a second.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol

from bot.commands.base import Button, Reply, Services, Text
from bot.fa import sessions as words
from bot.practice import streak_of
from bot.reminders import SEND_RATE, reason, reminder_day

log = logging.getLogger(__name__)


class Blocked(Exception):
    """Telegram refuses to deliver: the learner blocked the bot (or deleted the chat)."""


class ReminderDoor(Protocol):
    async def send(self, chat_id: int, reply: Reply) -> None:
        """Deliver one reply; raise :class:`Blocked` on a 403."""


def reminder_reply(reviews_due: int, streak_at_risk: int) -> Text:
    """The reminder, and its one button: a session starts."""
    return Text(words.reminder(reviews_due, streak_at_risk),
                ((Button(words.START_SESSION, "quiz:session"),),))


class Reminders:
    def __init__(self, services: Services, door: ReminderDoor, owner: str | None = None,
                 rate: float = SEND_RATE,
                 sleep: Callable[[float], Awaitable[object]] = asyncio.sleep) -> None:
        self.services = services
        self.door = door
        self.owner = owner or uuid.uuid4().hex[:12]
        self.pause = 1 / rate
        self.sleep = sleep

    async def tick(self, now: datetime | None = None) -> list[int]:
        """Send every reminder due at ``now``; returns the learners reached."""
        now = now or self.services.clock()
        async with self.services.storage.transaction() as db:
            candidates = [(user_id, prefs) for user_id, prefs in await db.prefs.with_reminder()
                          if reminder_day(prefs, now) is not None]
        sent: list[int] = []
        for user_id, prefs in candidates:
            day = reminder_day(prefs, now)
            assert day is not None
            async with self.services.storage.transaction() as db:
                if await db.reminders.claimed(user_id, day):
                    continue
                answers = await db.answers.of_learner(user_id)
                why = reason(await db.cards.count_due(user_id, now),
                             await streak_of(db, user_id, prefs.tz, now),
                             any(a.answered_at.astimezone(prefs.tz).date() == day for a in answers))
                if not why or not await db.reminders.claim(user_id, day, self.owner, now):
                    continue
            status = await self._send(user_id, reminder_reply(why.reviews_due, why.streak_at_risk))
            async with self.services.storage.transaction() as db:
                await db.reminders.finish(user_id, day, status, now)
                if status == "blocked":
                    await db.prefs.mark_blocked(user_id)
            if status == "sent":
                sent.append(user_id)
            await self.sleep(self.pause)
        return sent

    async def _send(self, user_id: int, reply: Reply) -> str:
        try:
            await self.door.send(user_id, reply)
        except Blocked:
            log.info("learner %s blocked the bot: no more reminders", user_id)
            return "blocked"
        except Exception:  # noqa: BLE001 (one learner's failure must not stop the others)
            log.exception("reminder to %s failed", user_id)
            return "failed"
        return "sent"
