"""``python -m bot try``: the offline door. Messages go through exactly the pipeline a
Telegram message takes; images land in a folder and replies print to the terminal."""

from __future__ import annotations

import asyncio
import json
import re
import sys
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from bot.commands.base import Animation, Button, Context, Photo, Poll, Reply, Response, Text
from bot.commands.options import whole_number
from bot.commands.quiz import answer_poll
from bot.commands.reminders import Reminders
from bot.commands.router import handle_button, handle_text
from bot.config import Settings
from bot.fa import sessions as poll_words
from bot.fa.dates import when
from bot.fa.html import plain_text
from bot.fa.numbers import normalize_input
from bot.services import DoorParts, open_services

PROMPT = "شما › "
#: ``@2026-11-24 19:00``: the offline clock moves to that moment (in the bot's time zone)
#: and the reminders due by then are sent, as the Telegram door's minute job would.
CLOCK = re.compile(r"@\s*(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2})")


class OfflineClock:
    """The offline door's clock. In the interactive chat it is the real time until a
    ``@…`` line moves it; in a scripted run it starts at the real time. Once set, each
    message takes ``STEP`` (the time to read and answer), so a script answers at a
    learner's pace rather than instantly (which FSRS would rate Easy)."""

    STEP = timedelta(seconds=30)

    def __init__(self) -> None:
        self.now: datetime | None = None

    def __call__(self) -> datetime:
        return self.now or datetime.now(UTC)

    def tick(self) -> None:
        if self.now is not None:
            self.now += self.STEP


class Inbox:
    """The reminders' offline door: what would reach the learner, kept to print."""

    def __init__(self) -> None:
        self.replies: list[Reply] = []

    async def send(self, chat_id: int, reply: Reply) -> None:
        self.replies.append(reply)


async def _no_wait(seconds: float) -> None:
    return None


@dataclass
class Session:
    """One offline learner: where files go, the last keyboard to press by number, and
    the last quiz poll to answer by option number."""

    ctx: Context
    out: Path
    files: int = 0
    buttons: list[Button] = field(default_factory=list)
    polls: int = 0
    open_poll: tuple[str, Poll] | None = None
    #: The clock the door lent the services (``@…`` moves it); a fresh one reads real time.
    clock: OfflineClock = field(default_factory=OfflineClock)
    inbox: Inbox = field(default_factory=Inbox)
    reminders: Reminders | None = None
    #: What Telegram's quiz poll shows once answered (right or wrong, the explanation).
    verdict: str = ""
    last_text: str = ""  # the last message printed, to tell an edit of its buttons only

    def __post_init__(self) -> None:
        self.reminders = Reminders(self.ctx.services, self.inbox, owner="offline", sleep=_no_wait)

    async def move_clock(self, day: str, time: str) -> Response:
        """``@day time``: the clock moves there; the reminders due then are delivered."""
        zone = self.ctx.services.settings.zone
        self.clock.now = datetime.fromisoformat(f"{day}T{time.zfill(5)}").replace(tzinfo=zone)
        assert self.reminders is not None
        await self.reminders.tick()
        replies, self.inbox.replies = self.inbox.replies, []
        return Response([Text(f"🕒 {when(self.clock.now, zone)}"), *replies])

    async def send_poll(self, poll: Poll) -> None:
        """What sending a poll means offline: remember it so answers can be recorded."""
        self.polls += 1
        # unique across sessions: the database (and its polls) outlives one `try` run
        poll_id = f"offline-{self.ctx.user_id}-{uuid.uuid4().hex}"
        if poll.on_sent is not None:
            await poll.on_sent(poll_id, self.ctx.chat_id, self.polls)
        self.open_poll = (poll_id, poll)

    def save(self, reply: Photo | Animation) -> Path:
        self.out.mkdir(parents=True, exist_ok=True)
        self.files += 1
        path = self.out / f"{self.files:02d}-{reply.media.filename}"
        path.write_bytes(reply.media.data)
        return path

    def remember_buttons(self, response: Response) -> None:
        keyboards = [r.keyboard for r in response.replies if not isinstance(r, Poll) and r.keyboard]
        if keyboards:
            self.buttons = [button for row in keyboards[-1] for button in row]


def _button_json(button: Button) -> dict[str, str]:
    """A button as ``try --json`` shows it: its text and what pressing it does."""
    if button.start:
        return {"text": button.text, "start": button.start}
    if button.share:
        return {"text": button.text, "share": button.share}
    if button.web_app:
        return {"text": button.text, "web_app": button.web_app}
    return {"text": button.text, "callback": button.callback}


def press(button: Button) -> tuple[str, str]:
    """What pressing a button means offline: ("button", data) for a callback, or
    ("text", message) for a deep link (its /start) or a share (its query, run here)."""
    if button.start:
        return "text", f"/start {button.start}"
    if button.share:
        return "text", button.share
    return "button", button.callback


def reply_json(reply: Reply, session: Session) -> dict[str, Any]:
    """The ``try --json`` form of one reply (documented in the README)."""
    if isinstance(reply, Poll):
        return {
            "type": "poll",
            "poll": {
                "question": reply.question,
                "options": list(reply.options),
                "correct_option_ids": [reply.correct_option],  # as the Bot API 10.0 field
                "explanation": reply.explanation,
                "is_anonymous": reply.is_anonymous,
            },
        }
    keyboard = [[_button_json(b) for b in row] for row in reply.keyboard]
    if isinstance(reply, Text):
        return {"type": "text", "text": reply.text, "keyboard": keyboard}
    kind = "photo" if isinstance(reply, Photo) else "animation"
    return {"type": kind, "caption": reply.caption, "file": str(session.save(reply)),
            "keyboard": keyboard}


def print_human(response: Response, session: Session, stream: TextIO) -> None:
    if response.notice and not response.replies:
        print(f"🔔 {response.notice}", file=stream)
    if session.verdict:
        print(session.verdict, file=stream)
        session.verdict = ""
    for reply in response.replies:
        if response.edit and isinstance(reply, Text) and reply.text == session.last_text:
            print(poll_words.BUTTONS_CHANGED, file=stream)
            continue
        if isinstance(reply, Text):
            session.last_text = reply.text
        if isinstance(reply, Poll):
            print(f"📊 {reply.question}", file=stream)
            for number, option in enumerate(reply.options, 1):
                print(f"  {number}) {option}", file=stream)
            print("(برای جواب دادن شمارهٔ گزینه را بفرستید)", file=stream)
            continue
        if isinstance(reply, Text):
            print(plain_text(reply.text), file=stream)
        else:
            label = "تصویر" if isinstance(reply, Photo) else "انیمیشن"
            print(f"[{label}: {session.save(reply)}]", file=stream)
            print(plain_text(reply.caption), file=stream)
    if session.buttons and any(not isinstance(r, Poll) and r.keyboard for r in response.replies):
        labels = "  ".join(f"[{i}] {b.text}" for i, b in enumerate(session.buttons, 1))
        print(f"دکمه‌ها (شماره را بفرستید): {labels}", file=stream)
    print(file=stream)


async def answer(text: str, session: Session) -> Response:
    """A message through the shared command layer. A bare number answers the open quiz
    poll (by option number) or presses a button of the last keyboard; ``@2026-11-24 19:00``
    moves the offline clock (and sends the reminders due); any other text, including a
    number that picks nothing (², ①, 0, 5000 digits), is what a Telegram message would be."""
    stripped = normalize_input(text).strip()
    moved = CLOCK.fullmatch(stripped)
    if moved:
        response = await session.move_clock(*moved.groups())
        session.remember_buttons(response)
        return response
    session.clock.tick()
    poll = session.open_poll
    number = whole_number(stripped, digits=3)
    if number is not None and poll is not None and 1 <= number <= len(poll[1].options):
        session.open_poll = None
        chosen = number - 1
        session.verdict = plain_text(poll_words.poll_verdict(
            chosen == poll[1].correct_option, poll[1].options[poll[1].correct_option],
            poll[1].explanation))
        response = await answer_poll(session.ctx.services, poll[0], session.ctx.user_id,
                                     session.ctx.user_name, [chosen])
    elif number is not None and 1 <= number <= len(session.buttons):
        kind, data = press(session.buttons[number - 1])
        response = await (handle_button(data, session.ctx) if kind == "button"
                          else handle_text(data, session.ctx))
    else:
        response = await handle_text(text.strip(), session.ctx)
    for reply in response.replies:
        if isinstance(reply, Poll):
            await session.send_poll(reply)
    session.remember_buttons(response)
    return response


async def run_messages(messages: Iterable[str], out: Path, as_json: bool,
                       stream: TextIO = sys.stdout, settings: Settings | None = None) -> None:
    clock = OfflineClock()
    async with open_services(settings, DoorParts(clock=clock)) as services:
        session = Session(Context(services, user_id=1, chat_id=1), out, clock=clock)
        session.clock.now = datetime.now(UTC)  # scripted: each message takes a learner's pace
        for message in messages:
            response = await answer(message, session)
            if as_json:
                line: dict[str, object] = {"replies": [reply_json(r, session) for r in response.replies],
                        "data": response.data}
                if response.notice:
                    line["notice"] = response.notice
                print(json.dumps(line, ensure_ascii=False), file=stream)
            else:
                print(f"» {message}", file=stream)
                print_human(response, session, stream)


async def chat(out: Path, stream: TextIO = sys.stdout, settings: Settings | None = None) -> None:
    """An interactive chat in the terminal; an empty line or Ctrl-D ends it."""
    print("گفت‌وگوی آفلاین با ربات. دستوری مثل /help یا /gd 0.1x^2 بفرستید؛ "
          "برای خروج Ctrl-D.", file=stream)
    clock = OfflineClock()
    async with open_services(settings, DoorParts(clock=clock)) as services:
        session = Session(Context(services, user_id=1, chat_id=1), out, clock=clock)
        loop = asyncio.get_running_loop()
        while True:
            try:
                line = await loop.run_in_executor(None, input, PROMPT)
            except EOFError:
                break
            if line.strip():
                print_human(await answer(line, session), session, stream)
