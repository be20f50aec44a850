"""The channel teacher: the daily lesson, the numbered quiz and each quiz's answer reveal,
each posted exactly once.

Every post is a *slot* with a unique key (``2026-11-23:quiz``). A slot is claimed in the
database before anything is sent, so a restart or a second instance never posts it
twice; the claim moves through ``claimed → sending → sent`` with atomic transitions.
What a slot posts (which lesson, which quiz and its number) is decided in the claiming
transaction itself.

- **A reveal belongs to its quiz.** The transaction that marks a quiz ``sent`` also
  creates its reveal (``<quiz key>:reveal``, ``waiting``), due at the first reveal time
  after the quiz's own time, and never before the quiz has been open
  ``BOT_QUIZ_MIN_OPEN``: retries, restarts and a second instance cannot skip it, and a
  catch-up cannot close a quiz nobody saw.
- **Failures.** A send Telegram refused, or one that provably never reached it (no
  connection), is ``failed`` and retried with a growing pause. A send whose fate is
  unknown (the connection broke after the request went out), or a slot a dead process
  left in ``sending``, cannot be resent safely — Telegram offers no way to read a
  channel's history — so it is ``reported``: each admin is told once, privately, with the
  two commands that settle it (``/resend KEY``, ``/arrived KEY``), and ``/status`` counts
  it.

``tick(now)`` does whatever is due: the door calls it at each slot's exact second and
every ``TICK_SECONDS`` as the catch-up after a restart (a missed lesson or quiz is posted
once, on the same day; a missed reveal whenever the bot is back).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol

from bot.commands.base import Button, Reply, Services, Text
from bot.commands.channel import (
    LESSON_COUNTER,
    NUMBER_COUNTER,
    QUIZ_COUNTER,
    QUIZ_POSITION,
    Preview,
)
from bot.commands.lesson import lab_keyboard
from bot.commands.practice import quiz_poll
from bot.curriculum.model import Curriculum, Lesson, Quiz
from bot.fa import channel as words
from bot.fa.dates import header
from bot.fa.lessons import lesson_message
from bot.storage import Claim, SlotInfo

log = logging.getLogger(__name__)

#: The catch-up tick; each slot is also run at its own second (see the door).
TICK_SECONDS = 30
#: A slot in ``sending`` this long belongs to a process that died mid-send.
STUCK_AFTER = timedelta(minutes=2)
#: A reveal that keeps failing this long after it was due is reported to the admins.
GIVE_UP_AFTER = timedelta(days=1)
RETRYABLE = ("claimed", "failed")
PENDING_REVEAL = ("waiting", "claimed", "failed")
POST_NOW_MARK = ":now-"  # in the key of a slot an admin posted with /post_now
REVEAL_SUFFIX = ":reveal"
COUNTERS = {"lesson": (LESSON_COUNTER,), "quiz": (QUIZ_COUNTER, NUMBER_COUNTER, QUIZ_POSITION)}
REVEAL_OF = {"quiz": "reveal", "group_quiz": "group_reveal"}
#: What goes first when posts fall due at the same moment.
RANK = ("reveal", "group_reveal", "lesson", "quiz", "group_quiz")


class DeliveryUnknown(Exception):
    """The request reached Telegram but no answer came back: the post may exist."""


@dataclass(frozen=True)
class Sent:
    message_id: int | None
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
        """Today's lesson and quiz slots in posting order."""
        settings = self.services.settings
        slots = [Slot("lesson", settings.lesson_time, self._chat("lesson")),
                 Slot("quiz", settings.quiz_time, self._chat("quiz"))]
        if settings.group_id is not None:
            slots.append(Slot("group_quiz", settings.quiz_time, self._chat("group_quiz")))
        return sorted(slots, key=lambda s: (s.at, RANK.index(s.kind)))

    def local_day(self, now: datetime) -> tuple[date, time]:
        local = now.astimezone(self.services.settings.zone)
        return local.date(), local.time()

    def _chat(self, kind: str) -> int | str:
        settings = self.services.settings
        chat = settings.group_id if kind.startswith("group_") else settings.channel_id
        assert chat is not None
        return chat

    async def tick(self, now: datetime | None = None) -> list[str]:
        """Post whatever is due and nobody posted yet; report what is stuck."""
        if not self.enabled:
            return []
        now = now or self.services.clock()
        day, clock = self.local_day(now)
        zone = self.services.settings.zone
        await self.resolve_stuck(now)
        # in order of their times; at the same time a reveal goes before the next quiz
        due = [(datetime.combine(day, slot.at, zone), RANK.index(slot.kind),
                f"{day.isoformat()}:{slot.kind}", slot.kind)
               for slot in self.plan() if clock >= slot.at]
        due += [(when, RANK.index(kind), key, kind)
                for when, kind, key in await self._due_reveals(now)]
        posted = []
        for _, _, key, kind in sorted(due):
            if kind in REVEAL_OF.values():
                done = await self._attempt(key, now)
            else:
                done = await self.run(kind, key, now)
            if done:
                posted.append(key)
        for key in await self._unfinished_posts_now(day):
            if await self.run(key.split(":")[1], key, now):
                posted.append(key)
        return posted

    async def next_due(self, now: datetime) -> datetime | None:
        """The next moment a slot falls due after ``now`` (the door wakes up then)."""
        if not self.enabled:
            return None
        moments = [at for _, at, _ in self.upcoming_slots(now)]
        async with self.services.storage.transaction() as db:
            waiting = await db.slots.recent(statuses=("waiting",), limit=200)
            failed = await db.slots.recent(statuses=("failed",), limit=200)
        moments += [due for reveal in waiting if (due := self.reveal_due(reveal)) > now]
        # a failed post is retried when its pause ends, not at the next catch-up tick
        moments += [due for slot in failed
                    if (due := slot.updated_at + _backoff(slot.attempts)) > now]
        return min(moments, default=None)

    async def _unfinished_posts_now(self, day: date) -> list[str]:
        """Today's ``/post_now`` posts that failed: retried like scheduled ones, so the
        quiz number they claimed is used, not skipped."""
        prefix = f"{day.isoformat()}:"
        async with self.services.storage.transaction() as db:
            failed = await db.slots.recent(statuses=RETRYABLE, limit=200)
        return [s.key for s in reversed(failed) if s.key.startswith(prefix)
                and POST_NOW_MARK in s.key and not s.key.endswith(REVEAL_SUFFIX)]

    async def run(self, kind: str, key: str, now: datetime) -> bool:
        """Claim (or resume) one lesson or quiz slot and post it; True when this call
        posted it."""
        storage = self.services.storage
        async with storage.transaction() as db:
            existing = await db.slots.get(key)
        if existing is None:
            choose = await self._chooser(key, kind)
            async with storage.transaction() as db:
                claimed = await db.slots.claim(key, kind, self.owner, now,
                                               COUNTERS.get(kind, ()), choose)
            if claimed is None or claimed.status == "skipped":
                return False
        elif (existing.status not in RETRYABLE
              or now - existing.updated_at < _backoff(existing.attempts)):
            return False
        return await self._attempt(key, now)

    async def _attempt(self, key: str, now: datetime, statuses: tuple[str, ...] = PENDING_REVEAL,
                       ) -> bool:
        """Move a claimed slot to ``sending`` (if nobody else did) and post it."""
        storage = self.services.storage
        async with storage.transaction() as db:
            if not await db.slots.transition(key, statuses, "sending", now):
                return False
            current = await db.slots.get(key)
        assert current is not None
        try:
            sent = await self._send(current, now)
        except DeliveryUnknown as error:
            log.warning("posting %s: Telegram may have it (%r); asking the admins", key, error)
            async with storage.transaction() as db:
                await db.slots.update(key, now, status="unknown",
                                      error=repr(error.__cause__ or error)[:500])
            await self.resolve_stuck(now)
            return False
        except Exception as error:  # noqa: BLE001 (any failure leaves the slot for a retry)
            log.warning("posting %s failed: %r", key, error)
            async with storage.transaction() as db:
                await db.slots.update(key, now, status="failed", error=repr(error)[:500])
                failed = await db.slots.get(key)
            if isinstance(error, LookupError) and failed is not None:  # a lesson file broke
                await self._report(failed, now, why="broken")
            return False
        await self._mark_sent(current, now, sent)
        return True

    async def _mark_sent(self, slot: SlotInfo, now: datetime, sent: Sent) -> None:
        """The slot is posted; a quiz gets its reveal in the same transaction."""
        chat = self._chat(slot.kind)
        async with self.services.storage.transaction() as db:
            await db.slots.update(slot.key, now, status="sent", chat_id=_numeric(chat),
                                  message_id=sent.message_id, poll_id=sent.poll_id)
            reveal = REVEAL_OF.get(slot.kind)
            if reveal is not None:
                created = await db.slots.claim(slot.key + REVEAL_SUFFIX, reveal, self.owner, now,
                                               choose=lambda _: Claim(slot.key, slot.number))
                if created is not None:
                    await db.slots.update(created.key, now, status="waiting")

    async def _chooser(self, key: str, kind: str) -> Callable[[dict[str, int]], Claim]:
        """What a slot about to be claimed will post, as a function of the counters its
        claim advances (the lesson and quiz come round in course order)."""
        course = self.services.course
        if kind == "lesson":
            def lesson(c: dict[str, int]) -> Claim:
                chosen = _after(course.lessons, c[LESSON_COUNTER] - 1)  # the claim added 1
                return Claim(chosen.id, positions=((LESSON_COUNTER, chosen.order),))

            return lesson
        if kind == "quiz":
            def quiz(c: dict[str, int]) -> Claim:
                position, chosen = _next_quiz(course, c[QUIZ_POSITION] - 1, c[QUIZ_COUNTER] - 1)
                return Claim(chosen.id, c[NUMBER_COUNTER], positions=((QUIZ_POSITION, position),))

            return quiz
        # the group gets the channel's quiz, under its number
        async with self.services.storage.transaction() as db:
            source = await db.slots.get(key.replace("group_", "", 1))
        if source is None or not source.payload:
            return lambda _: Claim(skipped="no channel quiz today")
        return lambda _: Claim(source.payload, source.number)

    # --- reveals ---------------------------------------------------------------------------
    def reveal_due(self, reveal: SlotInfo) -> datetime:
        """When a waiting reveal is due: the first reveal time after its quiz's own time
        (the scheduled time, or the moment of a ``/post_now``), and no sooner than
        ``BOT_QUIZ_MIN_OPEN`` after the quiz was posted (the reveal's creation)."""
        settings = self.services.settings
        zone = settings.zone
        posted = reveal.updated_at
        day, _, rest = reveal.payload.partition(":")
        if POST_NOW_MARK in rest:
            base = posted.astimezone(zone)
        else:
            base = datetime.combine(date.fromisoformat(day), settings.quiz_time, zone)
        reveal_at = settings.reveal_time or settings.quiz_time
        due = datetime.combine(base.date(), reveal_at, zone)
        if due <= base:
            due = datetime.combine(base.date() + timedelta(days=1), reveal_at, zone)
        return max(due, posted + settings.quiz_min_open)

    async def _pending_reveals(self) -> list[SlotInfo]:
        async with self.services.storage.transaction() as db:
            pending = await db.slots.recent(statuses=PENDING_REVEAL, limit=200)
        return [s for s in pending if s.kind in REVEAL_OF.values()]

    async def _due_reveals(self, now: datetime) -> list[tuple[datetime, str, str]]:
        """Reveals whose time has come (failed ones once their pause is over) with that
        time; a reveal failing for a day is reported instead."""
        due = []
        for reveal in await self._pending_reveals():
            if reveal.status == "waiting":
                when = self.reveal_due(reveal)
            else:
                when = reveal.updated_at + _backoff(reveal.attempts)
                if reveal.status == "failed" and now - reveal.updated_at > GIVE_UP_AFTER:
                    await self._report(reveal, now)
                    continue
            if when <= now:
                due.append((when, reveal.kind, reveal.key))
        return due

    async def _send(self, slot: SlotInfo, now: datetime) -> Sent:
        chat = self._chat(slot.kind)
        if slot.kind == "lesson":
            return await self.door.post(chat, self.lesson_post(self._lesson(slot.payload), now))
        if slot.kind in ("quiz", "group_quiz"):
            kind = "channel" if slot.kind == "quiz" else "group"
            poll = self.quiz_post(self._quiz(slot.payload), slot.number, kind)
            return await self.door.post(chat, poll)  # the door records the poll for answers
        storage = self.services.storage
        async with storage.transaction() as db:
            quiz_slot = await db.slots.get(slot.payload)
        assert quiz_slot is not None
        message_id = quiz_slot.message_id
        votes = slot.votes
        if votes is None and message_id is not None:
            votes = await self.door.stop_poll(chat, message_id) or []
            async with storage.transaction() as db:
                await db.slots.save_votes(slot.key, votes)
        text = words.reveal_message(self._quiz(quiz_slot.payload), quiz_slot.number, votes or [],
                                    header(now, self.services.settings.zone))
        return await self.door.post(chat, Text(text), reply_to=message_id)

    # --- what a post looks like (the channel's, and /preview's) ------------------------------
    def lesson_post(self, lesson: Lesson, day: datetime) -> Text:
        text = lesson_message(lesson, len(self.services.course.lessons),
                              header(day, self.services.settings.zone))
        return Text(text, lab_keyboard(lesson))

    def quiz_post(self, quiz: Quiz, number: int | None, kind: str = "channel") -> Reply:
        return quiz_poll(quiz, self.services, kind=kind, number=number, anonymous=kind != "group")

    def _lesson(self, lesson_id: str) -> Lesson:
        lesson = self.services.course.by_id(lesson_id)
        if lesson is None:
            raise LookupError(f"lesson {lesson_id!r} is no longer in the course")
        return lesson

    def _quiz(self, quiz_id: str) -> Quiz:
        quiz = self.services.course.quiz(quiz_id)
        if quiz is None:
            raise LookupError(f"quiz {quiz_id!r} is no longer in the course")
        return quiz

    # --- stuck posts ---------------------------------------------------------------------------
    async def resolve_stuck(self, now: datetime) -> list[str]:
        """Report each post whose fate is unknown (its answer was lost, or a dead process
        left it in ``sending``) to the admins, once; returns their keys."""
        async with self.services.storage.transaction() as db:
            stuck = await db.slots.recent(statuses=("sending", "unknown"), limit=200)
        reported = []
        for slot in stuck:
            if slot.status == "sending" and now - slot.updated_at < STUCK_AFTER:
                continue  # still being sent, perhaps by another instance
            if await self._report(slot, now):
                reported.append(slot.key)
        return reported

    async def _report(self, slot: SlotInfo, now: datetime, why: str = "") -> bool:
        """Mark a slot ``reported`` (only one instance wins) and tell each admin once."""
        why = why or ("failing" if slot.status == "failed" else "unknown")
        async with self.services.storage.transaction() as db:
            if not await db.slots.transition(slot.key, (slot.status,), "reported", now):
                return False
            await db.slots.update(slot.key, now, error=f"{slot.status}: {slot.error}"[:500])
        log.warning("post %s needs an admin (%s, was %s: %s); admins told", slot.key, why,
                    slot.status, slot.error or "-")
        text = words.stuck_report(slot.key, words.KIND_NAMES.get(slot.kind, slot.kind), why)
        settle = ((Button(words.RESEND_BUTTON, f"resend:{slot.key}"),
                   Button(words.ARRIVED_BUTTON, f"arrived:{slot.key}")),)
        for admin in sorted(self.services.settings.admin_ids):
            try:
                await self.door.post(admin, Text(text, settle))
            except Exception as error:  # noqa: BLE001 (an admin who never opened the bot)
                log.warning("could not tell admin %s about %s: %r", admin, slot.key, error)
        return True

    # --- admin actions --------------------------------------------------------------------
    def upcoming_slots(self, now: datetime) -> list[tuple[str, datetime, str]]:
        """The next time of each lesson/quiz slot kind (today's if still ahead, else
        tomorrow's) and its key."""
        zone = self.services.settings.zone
        day, clock = self.local_day(now)
        rows = []
        for slot in self.plan():
            when_day = day if clock < slot.at else day + timedelta(days=1)
            rows.append((slot.kind, datetime.combine(when_day, slot.at, zone),
                         f"{when_day.isoformat()}:{slot.kind}"))
        return rows

    async def upcoming(self, now: datetime) -> list[tuple[str, datetime]]:
        """The next lesson and quiz, and each waiting reveal, soonest first."""
        rows = [(kind, at) for kind, at, _ in self.upcoming_slots(now)]
        rows += [(r.kind, self.reveal_due(r)) for r in await self._pending_reveals()
                 if r.status == "waiting"]
        return sorted(rows, key=lambda row: row[1])

    async def preview(self, now: datetime) -> Preview:
        """The next lesson and quiz exactly as the channel will get them: built by the
        posts' own code, dated with the day they will go out."""
        course = self.services.course
        async with self.services.storage.transaction() as db:
            lesson = _after(course.lessons, await db.counters.get(LESSON_COUNTER))
            _, quiz = _next_quiz(course, await db.counters.get(QUIZ_POSITION),
                                 await db.counters.get(QUIZ_COUNTER))
            number = await db.counters.get(NUMBER_COUNTER) + 1
        times = {kind: at for kind, at, _ in self.upcoming_slots(now)}
        return Preview(self.lesson_post(lesson, times["lesson"]),
                       self.quiz_post(quiz, number, kind="preview"), lesson.id, quiz.id, number)

    async def post_now(self, kind: str, now: datetime) -> bool:
        """Post the next lesson or quiz immediately, under a key of its own (a quiz goes
        to the group too, when there is one), or the oldest waiting reveal (with its
        group twin). True when the channel got it."""
        if kind == "reveal":
            return await self._reveal_now(now)
        day, _ = self.local_day(now)
        stamp = f"{POST_NOW_MARK}{now.strftime('%H%M%S%f')}"
        posted = await self.run(kind, f"{day.isoformat()}:{kind}{stamp}", now)
        if kind == "quiz" and self.services.settings.group_id is not None:
            await self.run("group_quiz", f"{day.isoformat()}:group_quiz{stamp}", now)
        return posted

    async def _reveal_now(self, now: datetime) -> bool:
        pending = sorted((r for r in await self._pending_reveals() if r.kind == "reveal"),
                         key=self.reveal_due)
        if not pending:
            raise LookupError("no quiz waits for its answer")
        key = pending[0].key
        twin = key.replace(":quiz", ":group_quiz", 1)
        posted = await self._attempt(key, now)
        await self._attempt(twin, now)
        return posted

    async def resend(self, key: str, now: datetime) -> bool:
        """``/resend KEY``: the admin saw the reported post is not in the chat."""
        async with self.services.storage.transaction() as db:
            if not await db.slots.transition(key, ("reported",), "claimed", now):
                raise LookupError(key)
        return await self._attempt(key, now, statuses=("claimed",))

    async def arrived(self, key: str, now: datetime) -> None:
        """``/arrived KEY``: the admin saw the reported post in the chat. Its message id
        stays unknown, so its reveal (a quiz's) will not quote or close it."""
        async with self.services.storage.transaction() as db:
            if not await db.slots.transition(key, ("reported",), "sending", now):
                raise LookupError(key)
            slot = await db.slots.get(key)
        assert slot is not None
        await self._mark_sent(slot, now, Sent(None))

    async def skip(self, now: datetime) -> str | None:
        """Mark the next pending post (today's lesson or quiz, or a waiting reveal) as
        skipped; returns its kind."""
        storage = self.services.storage
        day, _ = self.local_day(now)
        candidates = [(at, RANK.index(kind), key, kind) for kind, at, key in self.upcoming_slots(now)
                      if at.astimezone(self.services.settings.zone).date() == day]
        candidates += [(self.reveal_due(r), RANK.index(r.kind), r.key, r.kind)
                       for r in await self._pending_reveals() if r.status == "waiting"]
        for _, _, key, kind in sorted(candidates):
            async with storage.transaction() as db:
                if kind in REVEAL_OF.values():
                    if await db.slots.transition(key, ("waiting",), "skipped", now):
                        return kind
                    continue
                if await db.slots.claim(key, kind, self.owner, now,
                                        choose=_skipped_by_admin) is not None:
                    return kind
        return None


def _after(lessons: tuple[Lesson, ...], order: int) -> Lesson:
    """The lesson that follows lesson number ``order`` (the first after the last): the
    course position is a lesson's order, so a lesson removed or added elsewhere does not
    shift which one comes next."""
    return next((lesson for lesson in lessons if lesson.order > order), lessons[0])


def _next_quiz(course: Curriculum, position: int, posted: int) -> tuple[int, Quiz]:
    """The quiz after course position ``position`` (lesson order × 1000 + its index in the
    lesson) and that position; a database from before positions (0, with ``posted``
    quizzes posted) continues after the ``posted``-th quiz."""
    positions = [(lesson.order * 1000 + index, quiz) for lesson in course.lessons
                 for index, quiz in enumerate(lesson.quizzes)]
    if position == 0 and posted:
        position = positions[(posted - 1) % len(positions)][0]
    return next((row for row in positions if row[0] > position), positions[0])


def _skipped_by_admin(_: dict[str, int]) -> Claim:
    return Claim(skipped="skipped by an admin")


def _backoff(attempts: int) -> timedelta:
    """Wait before retrying a failed post: 30 s, 1 min, 2 min … up to 15 min."""
    return timedelta(seconds=min(TICK_SECONDS * 2 ** max(attempts - 1, 0), 900)) if attempts else timedelta(0)


def _numeric(chat: int | str) -> int | None:
    return chat if isinstance(chat, int) else None
