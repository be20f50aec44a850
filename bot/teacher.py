"""The channel teacher: the daily lesson, the numbered quiz and the answer reveal,
each posted exactly once.

Every post is a *slot* with a unique key (``2026-11-23:quiz``). A slot is claimed in the
database before anything is sent, so a restart or a second instance never posts it
twice; the claim moves through ``claimed → sending → sent`` with atomic transitions.
A send that fails marks the slot ``failed`` and a later tick retries it; a slot found
in ``sending`` (the process died mid-send, so Telegram may or may not have it) is never
resent. ``tick(now)`` posts every slot of today whose time has come: PTB's JobQueue
calls it every ``TICK_SECONDS``, which also catches up after a restart (a missed slot
is posted once, on the same day).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol

from bot.commands.base import Reply, Services, Text
from bot.commands.practice import quiz_poll
from bot.curriculum.model import Quiz
from bot.fa import channel as words
from bot.fa.dates import header
from bot.fa.lessons import lesson_message
from bot.storage import SlotInfo

log = logging.getLogger(__name__)

TICK_SECONDS = 30
LESSON_COUNTER = "channel_lesson"
QUIZ_COUNTER = "channel_quiz"
NUMBER_COUNTER = "channel_quiz_number"
RETRYABLE = ("claimed", "failed")
POST_NOW_MARK = ":now-"  # in the key of a slot an admin posted with /post_now


@dataclass(frozen=True)
class Sent:
    message_id: int
    poll_id: str | None = None


class ChannelDoor(Protocol):
    """What the teacher needs from Telegram (the PTB adapter implements it)."""

    async def post(self, chat_id: int | str, reply: Reply, reply_to: int | None = None) -> Sent: ...

    async def stop_poll(self, chat_id: int | str, message_id: int) -> list[int]: ...


@dataclass(frozen=True)
class Slot:
    kind: str
    at: time
    chat: int | str


class Teacher:
    def __init__(self, services: Services, door: ChannelDoor, owner: str | None = None) -> None:
        self.services = services
        self.door = door
        self.owner = owner or uuid.uuid4().hex[:12]

    @property
    def enabled(self) -> bool:
        return self.services.settings.channel_id is not None and bool(self.services.course.lessons)

    def plan(self) -> list[Slot]:
        """Today's slots in posting order (a reveal goes before a quiz at the same time)."""
        settings = self.services.settings
        reveal_at = settings.reveal_time or settings.quiz_time
        channel = settings.channel_id
        assert channel is not None
        slots = [Slot("lesson", settings.lesson_time, channel),
                 Slot("reveal", reveal_at, channel),
                 Slot("quiz", settings.quiz_time, channel)]
        if settings.group_id is not None:
            slots += [Slot("group_reveal", reveal_at, settings.group_id),
                      Slot("group_quiz", settings.quiz_time, settings.group_id)]
        order = ["lesson", "reveal", "group_reveal", "quiz", "group_quiz"]
        return sorted(slots, key=lambda s: (s.at, order.index(s.kind)))

    def local_day(self, now: datetime) -> tuple[date, time]:
        local = now.astimezone(self.services.settings.zone)
        return local.date(), local.time()

    async def tick(self, now: datetime | None = None) -> list[str]:
        """Post every slot of today whose time has come and that nobody posted yet."""
        if not self.enabled:
            return []
        now = now or self.services.clock()
        day, clock = self.local_day(now)
        posted = []
        for slot in self.plan():
            if clock >= slot.at and await self.run(slot, day, now):
                posted.append(f"{day.isoformat()}:{slot.kind}")
        for key, slot in await self._unfinished_posts_now(day):
            if await self.run(slot, day, now, key=key):
                posted.append(key)
        return posted

    async def _unfinished_posts_now(self, day: date) -> list[tuple[str, Slot]]:
        """Today's ``/post_now`` posts that failed: retried like scheduled ones, so the
        quiz number they claimed is used, not skipped."""
        channel = self.services.settings.channel_id
        assert channel is not None
        prefix = f"{day.isoformat()}:"
        failed = await self.services.storage.slots(statuses=("failed",), limit=200)
        return [(s.key, Slot(s.kind, time(0), channel)) for s in reversed(failed)
                if s.key.startswith(prefix) and POST_NOW_MARK in s.key]

    async def run(self, slot: Slot, day: date, now: datetime, key: str | None = None) -> bool:
        """Claim (or resume) one slot and post it; True when this call posted it."""
        storage = self.services.storage
        key = key or f"{day.isoformat()}:{slot.kind}"
        existing = await storage.slot(key)
        if existing is None:
            if slot.kind == "group_quiz" and await self._quiz_unprepared(day):
                return False  # the channel's quiz is still being chosen: next tick
            counters = {"lesson": (LESSON_COUNTER,), "quiz": (QUIZ_COUNTER, NUMBER_COUNTER)}
            claimed = await storage.claim_slot(key, slot.kind, self.owner, now,
                                               counters.get(slot.kind, ()))
            if claimed is None:
                return False
            if not await self._prepare(key, slot.kind, day, claimed):
                return False
        elif (existing.status not in RETRYABLE or not existing.payload  # still being prepared
              or now - existing.updated_at < _backoff(existing.attempts)):
            return False
        if not await storage.transition(key, RETRYABLE, "sending", now):
            return False
        current = await storage.slot(key)
        assert current is not None
        try:
            sent = await self._send(current, slot.chat, now)
        except Exception as error:  # noqa: BLE001 (any failure leaves the slot for a retry)
            log.warning("posting %s failed: %r", key, error)
            await storage.update_slot(key, status="failed", error=repr(error)[:500],
                                      updated_at=now)
            return False
        await storage.update_slot(key, status="sent", chat_id=_numeric(slot.chat),
                                  message_id=sent.message_id, poll_id=sent.poll_id, updated_at=now)
        return True

    async def _quiz_unprepared(self, day: date) -> bool:
        """True while another instance has claimed today's channel quiz but not yet
        written which quiz it is (the group's quiz copies that choice)."""
        source = await self.services.storage.slot(f"{day.isoformat()}:quiz")
        return source is not None and source.status == "claimed" and not source.payload

    async def _prepare(self, key: str, kind: str, day: date, counters: dict[str, int]) -> bool:
        """Decide what a freshly claimed slot posts and write it into the slot."""
        storage = self.services.storage
        course = self.services.course
        if kind == "lesson":
            lesson = course.lessons[(counters[LESSON_COUNTER] - 1) % len(course.lessons)]
            await storage.update_slot(key, payload=lesson.id)
            return True
        if kind == "quiz":
            quizzes = course.quizzes
            quiz = quizzes[(counters[QUIZ_COUNTER] - 1) % len(quizzes)]
            await storage.update_slot(key, payload=quiz.id, number=counters[NUMBER_COUNTER])
            return True
        if kind == "group_quiz":
            source = await storage.slot(f"{day.isoformat()}:quiz")
            if source is None or not source.payload:
                await storage.update_slot(key, status="skipped", error="no channel quiz today")
                return False
            await storage.update_slot(key, payload=source.payload, number=source.number)
            return True
        target = await self._unrevealed(kind)
        if target is None:
            await storage.update_slot(key, status="skipped", error="no quiz to reveal")
            return False
        await storage.update_slot(key, payload=target.key, number=target.number)
        return True

    async def _unrevealed(self, kind: str) -> SlotInfo | None:
        """The latest posted quiz in this reveal's chat that no reveal has answered."""
        quiz_kind = "group_quiz" if kind == "group_reveal" else "quiz"
        slots = await self.services.storage.slots(limit=200)
        revealed = {s.payload for s in slots if s.kind == kind}
        # latest by sending time, not by key: a /post_now quiz's key sorts after the
        # scheduled quiz of the same day
        latest = max((s for s in slots if s.kind == quiz_kind and s.status == "sent"),
                     key=lambda s: s.updated_at, default=None)
        return latest if latest is not None and latest.key not in revealed else None

    async def _send(self, slot: SlotInfo, chat: int | str, now: datetime) -> Sent:
        course = self.services.course
        zone = self.services.settings.zone
        if slot.kind == "lesson":
            lesson = course.by_id(slot.payload)
            assert lesson is not None
            return await self.door.post(chat, Text(lesson_message(lesson, len(course.lessons),
                                                                  header(now, zone))))
        if slot.kind in ("quiz", "group_quiz"):
            quiz = self._quiz(slot.payload)
            poll = quiz_poll(quiz, kind="channel" if slot.kind == "quiz" else "group",
                             number=slot.number, anonymous=slot.kind == "quiz")
            return await self.door.post(chat, poll)  # the door records the poll for answers
        target = await self.services.storage.slot(slot.payload)
        assert target is not None and target.message_id is not None
        votes = await self.door.stop_poll(chat, target.message_id)
        text = words.reveal_message(self._quiz(target.payload), target.number, votes)
        return await self.door.post(chat, Text(text), reply_to=target.message_id)

    def _quiz(self, quiz_id: str) -> Quiz:
        quiz = self.services.course.quiz(quiz_id)
        if quiz is None:
            raise LookupError(f"quiz {quiz_id!r} is no longer in the course")
        return quiz

    # --- admin actions --------------------------------------------------------------------
    def upcoming(self, now: datetime) -> list[tuple[str, datetime]]:
        """The next time of each slot kind (today's if still ahead, else tomorrow's)."""
        zone = self.services.settings.zone
        day, clock = self.local_day(now)
        rows = []
        for slot in self.plan():
            when_day = day if clock < slot.at else day + timedelta(days=1)
            rows.append((slot.kind, datetime.combine(when_day, slot.at, zone)))
        return sorted(rows, key=lambda row: row[1])

    async def post_now(self, kind: str, now: datetime) -> bool:
        """Post the next lesson or quiz immediately, under a key of its own."""
        channel = self.services.settings.channel_id
        assert channel is not None
        day, _ = self.local_day(now)
        key = f"{day.isoformat()}:{kind}{POST_NOW_MARK}{now.strftime('%H%M%S%f')}"
        return await self.run(Slot(kind, time(0), channel), day, now, key=key)

    async def skip(self, now: datetime) -> str | None:
        """Mark today's next pending post as skipped; returns its kind. A reveal with no
        quiz to answer is passed over: it would post nothing anyway."""
        storage = self.services.storage
        day, clock = self.local_day(now)
        for slot in self.plan():
            key = f"{day.isoformat()}:{slot.kind}"
            if slot.at <= clock or await storage.slot(key) is not None:
                continue
            if slot.kind.endswith("reveal") and await self._unrevealed(slot.kind) is None:
                continue
            if await storage.claim_slot(key, slot.kind, self.owner, now) is not None:
                await storage.update_slot(key, status="skipped", error="skipped by an admin")
                return slot.kind
        return None


def _backoff(attempts: int) -> timedelta:
    """Wait before retrying a failed post: 30 s, 1 min, 2 min … up to 15 min."""
    return timedelta(seconds=min(TICK_SECONDS * 2 ** max(attempts - 1, 0), 900)) if attempts else timedelta(0)


def _numeric(chat: int | str) -> int | None:
    return chat if isinstance(chat, int) else None
