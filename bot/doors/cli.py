"""``python -m bot try``: the offline door. Messages go through exactly the pipeline a
Telegram message takes; images land in a folder and replies print to the terminal."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from bot.commands.base import Animation, Button, Context, Photo, Poll, Reply, Response, Text
from bot.commands.practice import answer_poll, record_sent_poll
from bot.commands.router import handle_button, handle_text
from bot.fa.html import plain_text
from bot.fa.numbers import normalize_input
from bot.services import open_services

PROMPT = "شما › "


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

    async def send_poll(self, poll: Poll) -> None:
        """What sending a poll means offline: remember it so answers can be recorded."""
        self.polls += 1
        # unique across sessions: the database (and its polls) outlives one `try` run
        poll_id = f"offline-{self.ctx.user_id}-{uuid.uuid4().hex}"
        await record_sent_poll(self.ctx.services, poll, poll_id, self.ctx.chat_id, self.polls)
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
    keyboard = [[{"text": b.text, "callback": b.callback} for b in row] for row in reply.keyboard]
    if isinstance(reply, Text):
        return {"type": "text", "text": reply.text, "keyboard": keyboard}
    kind = "photo" if isinstance(reply, Photo) else "animation"
    return {"type": kind, "caption": reply.caption, "file": str(session.save(reply)),
            "keyboard": keyboard}


def print_human(response: Response, session: Session, stream: TextIO) -> None:
    if response.notice and not response.replies:
        print(f"🔔 {response.notice}", file=stream)
    for reply in response.replies:
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
    poll (by option number) or presses a button of the last keyboard."""
    stripped = normalize_input(text).strip()
    if stripped.isdigit() and session.open_poll is not None:
        poll_id, poll = session.open_poll
        if 1 <= int(stripped) <= len(poll.options):
            session.open_poll = None
            return await answer_poll(session.ctx.services, poll_id, session.ctx.user_id,
                                     session.ctx.user_name, [int(stripped) - 1])
    if stripped.isdigit() and 1 <= int(stripped) <= len(session.buttons):
        response = await handle_button(session.buttons[int(stripped) - 1].callback, session.ctx)
    else:
        response = await handle_text(text.strip(), session.ctx)
    for reply in response.replies:
        if isinstance(reply, Poll):
            await session.send_poll(reply)
    session.remember_buttons(response)
    return response


async def run_messages(messages: Iterable[str], out: Path, as_json: bool,
                       stream: TextIO = sys.stdout) -> None:
    async with open_services() as services:
        session = Session(Context(services, user_id=1, chat_id=1), out)
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


async def chat(out: Path, stream: TextIO = sys.stdout) -> None:
    """An interactive chat in the terminal; an empty line or Ctrl-D ends it."""
    print("گفت‌وگوی آفلاین با ربات. دستوری مثل /help یا /gd 0.1x^2 بفرستید؛ "
          "برای خروج Ctrl-D.", file=stream)
    async with open_services() as services:
        session = Session(Context(services, user_id=1, chat_id=1), out)
        loop = asyncio.get_running_loop()
        while True:
            try:
                line = await loop.run_in_executor(None, input, PROMPT)
            except EOFError:
                break
            if line.strip():
                print_human(await answer(line, session), session, stream)
