"""The offline door (``python -m bot try``) answers exactly as the Telegram door does:
the same hostile and odd inputs through both, the same replies out; and the offline
door's own process never ends in a traceback."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.commands.base import Context, Photo, Poll, Services, Text
from bot.doors.cli import Session, answer
from tests.fake_telegram import FakeTelegram, eventually

ROOT = Path(__file__).resolve().parent.parent

#: Inputs found to crash or mislead one door, and their relatives.
HOSTILE = {
    "superscript two": "²",
    "circled one": "①",
    "5000 digits": "9" * 5000,
    "4000 digits": "7" * 4000,
    "zero": "0",
    "Persian one": "۱",
    "Arabic-Indic digits": "٣٤",
    "negative": "-1",
    "exponent": "1e3",
    "fullwidth digits": "１２",
    "lesson ①": "/lesson ①",
    "lesson ²": "/lesson ²",
    "lesson 10^7": "/lesson 10000000",
    "interview ²": "/interview ²",
    "start with a huge lab link": "/start lab-99999",
    "start with a lab link of ①": "/start lab-①",
    "a lone slash": "/",
    "two slashes": "//",
    "slash and at": "/@",
    "unknown command in Persian digits": "/۱۲۳",
    "gd of ²": "/gd ²",
    "gd malformed number": "/gd 1.2.3x",
    "gd nested parentheses": "/gd " + "(" * 300 + "x" + ")" * 300,
    "gd unbalanced": "/gd ((x)",
    "gd tower of powers": "/gd x^x^x^x^x^x",
    "gd huge constant": "/gd 1e999*x",
    "gd lr of ①": "/gd x^2 lr=①",
    "opt beta out of range": "/opt beta=2",
    "fit negative noise": "/fit noise=-1",
    "act unknown": "/act nosuch",
    "backprop garbage": "/backprop ²²²",
    "stats in private": "/stats",
    "top in private": "/top",
    "admin command by a learner": "/status",
    "zero-width joiners": "\u200d/help\u200d",
    "right-to-left mark": "\u200f/help",
}

_users = itertools.count(5001)


def _shown(reply: object) -> tuple[str, str]:
    if isinstance(reply, Text):
        return "text", reply.text
    if isinstance(reply, Poll):
        return "poll", reply.question
    kind = "photo" if isinstance(reply, Photo) else "animation"
    return kind, reply.caption  # type: ignore[attr-defined]


def _sent(call_method: str, params: dict) -> tuple[str, str]:
    kind = call_method.removeprefix("send").lower()
    field = {"message": "text", "poll": "question"}.get(kind, "caption")
    return ("text" if kind == "message" else kind), params[field]


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
async def test_both_doors_answer_the_same(
        fake: FakeTelegram, telegram_app, services: Services, tmp_path: Path, text: str) -> None:
    user_id = next(_users)
    session = Session(Context(services, user_id=user_id, chat_id=user_id, user_name="Sara"),
                      tmp_path)
    offline = [_shown(reply) for reply in (await answer(text, session)).replies]
    assert offline, "every message gets an answer"

    fake.push_message(text, user_id=user_id)
    await eventually(lambda: len(_sent_to(fake, user_id)) >= len(offline))
    assert _sent_to(fake, user_id) == offline


def _sent_to(fake: FakeTelegram, user_id: int) -> list[tuple[str, str]]:
    return [_sent(c.method, c.params) for c in fake.calls
            if c.method.startswith("send") and c.method != "sendChatAction"
            and int(c.params["chat_id"]) == user_id]


def test_the_offline_door_ends_cleanly_on_odd_numbers(tmp_path: Path) -> None:
    """The three inputs that used to end ``try`` with a traceback, through the real
    process: an answer for each, no traceback, exit status 0."""
    env = {**os.environ, "BOT_DATA_DIR": str(tmp_path / "data"), "BOT_WORKERS": "1"}
    env.pop("BOT_DB_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "try", "--out", str(tmp_path / "out"), "²", "①",
         "9" * 5000], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "Error" not in done.stderr
    assert done.stdout.count("/help") >= 3


#: The process pool's exit race made visible: Python 3.11's exit hook checks that a
#: pool's wake-up pipe is open, then writes to it without the pool's lock; a pool shut
#: down without waiting closes that pipe from its own thread at the same moment. The
#: sleep widens the gap between the check and the write from nanoseconds to 0.3 s.
_EXIT_RACE = textwrap.dedent("""
    import asyncio, time
    import concurrent.futures.process as pool_module

    def slow_wakeup(self):
        if not self._closed:
            time.sleep(0.3)
            self._writer.send_bytes(b"")

    pool_module._ThreadWakeup.wakeup = slow_wakeup

    from bot.runner import LabRunner

    async def main():
        runner = LabRunner(workers=2)
        await runner.start()
        runner.close()

    if __name__ == "__main__":
        asyncio.run(main())
""")


def test_closing_the_render_pool_leaves_nothing_to_race_at_exit(tmp_path: Path) -> None:
    script = tmp_path / "exit_race.py"
    script.write_text(_EXIT_RACE)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stderr == "", done.stderr


def test_a_reader_that_goes_away_ends_the_offline_door_quietly(tmp_path: Path) -> None:
    env = {**os.environ, "BOT_DATA_DIR": str(tmp_path / "data"), "BOT_WORKERS": "1"}
    env.pop("BOT_DB_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "try", "--out", str(tmp_path / "out"),
         *["/help"] * 40], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.readline()
    process.stdout.close()  # as `| head -1` does
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=300) == 1
    assert "Traceback" not in stderr, stderr
