"""The channel teacher: the daily lesson, the numbered quiz and the answer reveal,
each posted exactly once.

Every post is a *slot* with a unique key (``2026-11-23:quiz``). A slot is claimed in the
database before anything is sent, so a restart or a second instance never posts it
twice; the claim moves through ``claimed → sending → sent`` with atomic transitions.
What a slot posts (which lesson, which quiz and its number) is decided in the claiming
transaction itself. A send that fails marks the slot ``failed`` and a later tick retries
it; a send whose fate is unknown (the answer timed out after the request went out) is
marked ``unknown``, and a slot found in ``sending`` (the process died mid-send) is left
alone: Telegram may have either, and a duplicate post is worse than a missing one, which
an admin sees in /status and can replace with /post_now. ``tick(now)`` posts every slot of today whose time has come: PTB's JobQueue
calls it every ``TICK_SECONDS``, which also catches up after a restart (a missed slot
is posted once, on the same day).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol

from bot.commands.base import Reply, Services, Text
from bot.commands.channel import LESSON_COUNTER, NUMBER_COUNTER, QUIZ_COUNTER
from bot.commands.lesson import lab_keyboard
from bot.commands.practice import quiz_poll
from bot.curriculum.model import Quiz
from bot.fa import channel as words
from bot.fa.dates import header
from bot.fa.lessons import lesson_message
from bot.storage import Claim, SlotInfo

log = logging.getLogger(__name__)

TICK_SECONDS = 30
RETRYABLE = ("claimed", "failed")
POST_NOW_MARK = ":now-"  # in the key of a slot an admin posted with /post_now
COUNTERS = {"lesson": (LESSON_COUNTER,), "quiz": (QUIZ_COUNTER, NUMBER_COUNTER)}


class DeliveryUnknown(Exception):
    """The request reached Telegram but no answer came back: the post may exist."""


@dataclass(frozen=True)
class Sent:
    message_id: int
    poll_id: str | None = None


class ChannelDoor(Protocol):
    """What the teacher needs from Telegram (the PTB adapter implements it)."""

    async def post(self, chat_id: int | str, reply: Reply, reply_to: int | None = None) -> Sent: ...

    async def stop_poll(self, chat_id: int | str, message_id: int) -> list[int] | None:
        """Close a poll and return its vote counts; None when it was already closed."""


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

    def _chat(self, kind: str) -> int | str:
        settings = self.services.settings
        chat = settings.group_id if kind.startswith("group_") else settings.channel_id
        assert chat is not None
        return chat

    async def _unfinished_posts_now(self, day: date) -> list[tuple[str, Slot]]:
        """Today's ``/post_now`` posts that failed: retried like scheduled ones, so the
        quiz number they claimed is used, not skipped."""
        prefix = f"{day.isoformat()}:"
        async with self.services.storage.transaction() as db:
            failed = await db.slots.recent(statuses=("failed",), limit=200)
        return [(s.key, Slot(s.kind, time(0), self._chat(s.kind))) for s in reversed(failed)
                if s.key.startswith(prefix) and POST_NOW_MARK in s.key]

    async def run(self, slot: Slot, day: date, now: datetime, key: str | None = None) -> bool:
        """Claim (or resume) one slot and post it; True when this call posted it."""
        storage = self.services.storage
        key = key or f"{day.isoformat()}:{slot.kind}"
        async with storage.transaction() as db:
            existing = await db.slots.get(key)
        if existing is None:
            choose = await self._chooser(key, slot.kind)
            async with storage.transaction() as db:
                claimed = await db.slots.claim(key, slot.kind, self.owner, now,
                                               COUNTERS.get(slot.kind, ()), choose)
            if claimed is None or claimed.status == "skipped":
                return False
        elif (existing.status not in RETRYABLE
              or now - existing.updated_at < _backoff(existing.attempts)):
            return False
        async with storage.transaction() as db:
            if not await db.slots.transition(key, RETRYABLE, "sending", now):
                return False
            current = await db.slots.get(key)
        assert current is not None
        try:
            sent = await self._send(current, slot.chat, now)
        except DeliveryUnknown as error:
            log.warning("posting %s: Telegram may have it (%r); not resending", key, error)
            async with storage.transaction() as db:
                await db.slots.update(key, now, status="unknown", error=repr(error.__cause__)[:500])
            return False
        except Exception as error:  # noqa: BLE001 (any failure leaves the slot for a retry)
            log.warning("posting %s failed: %r", key, error)
            async with storage.transaction() as db:
                await db.slots.update(key, now, status="failed", error=repr(error)[:500])
            return False
        async with storage.transaction() as db:
            await db.slots.update(key, now, status="sent", chat_id=_numeric(slot.chat),
                                  message_id=sent.message_id, poll_id=sent.poll_id)
        return True

    async def _chooser(self, key: str, kind: str) -> Callable[[dict[str, int]], Claim]:
        """What a slot about to be claimed will post, as a function of the counters its
        claim advances (the lesson and quiz come round in course order)."""
        course = self.services.course
        if kind == "lesson":
            return lambda c: Claim(course.lessons[(c[LESSON_COUNTER] - 1) % len(course.lessons)].id)
        if kind == "quiz":
            return lambda c: Claim(course.quizzes[(c[QUIZ_COUNTER] - 1) % len(course.quizzes)].id,
                                   c[NUMBER_COUNTER])
        if kind == "group_quiz":  # the group gets the channel's quiz, under its number
            async with self.services.storage.transaction() as db:
                source = await db.slots.get(key.replace("group_", "", 1))
            if source is None or not source.payload:
                return lambda _: Claim(skipped="no channel quiz today")
            return lambda _: Claim(source.payload, source.number)
        target = await self._unrevealed(kind)
        if target is None:
            return lambda _: Claim(skipped="no quiz to reveal")
        return lambda _: Claim(target.key, target.number)

    async def _unrevealed(self, kind: str) -> SlotInfo | None:
        """The latest posted quiz in this reveal's chat that no reveal has answered."""
        quiz_kind = "group_quiz" if kind == "group_reveal" else "quiz"
        async with self.services.storage.transaction() as db:
            slots = await db.slots.recent(limit=200)
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
            text = lesson_message(lesson, len(course.lessons), header(now, zone))
            return await self.door.post(chat, Text(text, lab_keyboard(lesson)))
        if slot.kind in ("quiz", "group_quiz"):
            quiz = self._quiz(slot.payload)
            poll = quiz_poll(quiz, self.services, kind="channel" if slot.kind == "quiz" else "group",
                             number=slot.number, anonymous=slot.kind == "quiz")
            return await self.door.post(chat, poll)  # the door records the poll for answers
        storage = self.services.storage
        async with storage.transaction() as db:
            target = await db.slots.get(slot.payload)
        assert target is not None and target.message_id is not None
        votes = slot.votes
        if votes is None:
            votes = await self.door.stop_poll(chat, target.message_id) or []
            async with storage.transaction() as db:
                await db.slots.save_votes(slot.key, votes)
        text = words.reveal_message(self._quiz(target.payload), target.number, votes,
                                    header(now, zone))
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
        """Post the next lesson or quiz immediately, under a key of its own; a quiz goes
        to the group too, when there is one. True when the channel got it."""
        day, _ = self.local_day(now)
        stamp = f"{POST_NOW_MARK}{now.strftime('%H%M%S%f')}"
        posted = await self.run(Slot(kind, time(0), self._chat(kind)), day, now,
                                key=f"{day.isoformat()}:{kind}{stamp}")
        if kind == "quiz" and self.services.settings.group_id is not None:
            await self.run(Slot("group_quiz", time(0), self._chat("group_quiz")), day, now,
                           key=f"{day.isoformat()}:group_quiz{stamp}")
        return posted

    async def skip(self, now: datetime) -> str | None:
        """Mark today's next pending post as skipped; returns its kind. A reveal with no
        quiz to answer is passed over: it would post nothing anyway."""
        storage = self.services.storage
        day, clock = self.local_day(now)
        for slot in self.plan():
            key = f"{day.isoformat()}:{slot.kind}"
            if slot.at <= clock:
                continue
            async with storage.transaction() as db:
                if await db.slots.get(key) is not None:
                    continue
            if slot.kind.endswith("reveal") and await self._unrevealed(slot.kind) is None:
                continue
            async with storage.transaction() as db:
                claimed = await db.slots.claim(key, slot.kind, self.owner, now,
                                               choose=_skipped_by_admin)
            if claimed is not None:
                return slot.kind
        return None


def _skipped_by_admin(_: dict[str, int]) -> Claim:
    return Claim(skipped="skipped by an admin")


def _backoff(attempts: int) -> timedelta:
    """Wait before retrying a failed post: 30 s, 1 min, 2 min … up to 15 min."""
    return timedelta(seconds=min(TICK_SECONDS * 2 ** max(attempts - 1, 0), 900)) if attempts else timedelta(0)


def _numeric(chat: int | str) -> int | None:
    return chat if isinstance(chat, int) else None
