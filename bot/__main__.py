"""``python -m bot``: ``run`` (the Telegram bot), ``try`` (the offline chat) and ``web``
(the Mini App's lab, offline)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from bot.config import Settings, SettingsError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Persian deep-learning teaching bot")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="start the Telegram bot (long polling)")
    trial = commands.add_parser("try", help="send messages through the bot offline")
    trial.add_argument("messages", nargs="*", help="messages such as '/gd 0.1x^2 lr=0.4'")
    trial.add_argument("--out", type=Path, default=Path("out"), help="folder for images (default: out)")
    trial.add_argument("--json", action="store_true", help="one JSON object per message")
    web = commands.add_parser("web", help="the Mini App's lab in your browser (local, no Telegram)")
    web.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (default: 8765)")
    web.add_argument("--no-browser", action="store_true", help="do not open a browser")
    lessons = commands.add_parser("lessons", help="work with the lesson files")
    lesson_commands = lessons.add_subparsers(dest="lessons_command", required=True)
    check = lesson_commands.add_parser("check", help="validate every lesson file")
    check.add_argument("--json", action="store_true", help="print a JSON summary")
    check.add_argument("--dir", type=Path, default=None, help="lessons folder (default: lessons/)")
    check.add_argument("--no-labs", action="store_true", help="skip running each lesson's lab")
    database = commands.add_parser("db", help="the database schema (Alembic migrations)")
    db_commands = database.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="migrate BOT_DB_URL to the newest revision (also done at start)")
    db_commands.add_parser("current", help="print the revision BOT_DB_URL is at")
    db_commands.add_parser("check", help="fail if the models have changes no migration describes")
    revision = db_commands.add_parser("revision", help="write a new migration from the models' changes")
    revision.add_argument("-m", "--message", required=True, help="what the migration does")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.load()
    except SettingsError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for chatty in ("httpx", "alembic"):  # a request or migration step per line is noise here
        logging.getLogger(chatty).setLevel(logging.WARNING)
    from bot.doors import cli

    if args.command == "run":
        if not settings.token:
            print("TELEGRAM_BOT_TOKEN is not set: starting the offline chat instead "
                  "(set it in the environment or in .env to run the Telegram bot).")
            return _offline(cli.chat(Path("out"), settings=settings))
        from bot.setup_check import setup_problem

        problem = asyncio.run(setup_problem(settings))
        if problem is not None:
            print(f"setup error: {problem}", file=sys.stderr)
            return 2
        from bot.doors.runtime import run

        return run(settings)
    if args.command == "lessons":
        return _check_lessons(args, settings)
    if args.command == "web":
        from bot.doors.web.local import serve_local

        return _offline(serve_local(settings, args.port, open_browser=not args.no_browser))
    if args.command == "db":
        return _database(args, settings)
    if args.messages:
        return _offline(cli.run_messages(args.messages, args.out, args.json,
                                        settings=settings))
    return _offline(cli.chat(args.out, settings=settings))


def _offline(chat: Coroutine[Any, Any, None]) -> int:
    """Run the offline door; a reader that goes away (``try … | head``) ends it quietly,
    as it ends any Unix tool, instead of with a traceback."""
    try:
        asyncio.run(chat)
    except BrokenPipeError:
        # Python flushes stdout once more at exit: point it at /dev/null first.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return 0


def _check_lessons(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from bot.curriculum.loader import lessons_dir
    from bot.lessons_check import check

    report = check(args.dir or lessons_dir(settings.lessons_dir), run_labs=not args.no_labs)
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False))
    else:
        for problem in report.problems:
            print(problem)
        print(f"{report.lessons} lessons, {report.quizzes} quizzes, "
              f"{report.interview} interview questions, {len(report.problems)} problems")
    return 1 if report.problems else 0


def _database(args: argparse.Namespace, settings: Settings) -> int:
    from alembic.util import AutogenerateDiffsDetected

    from bot.storage.cli import run

    try:
        result = asyncio.run(run(settings.database_url, args.db_command,
                                 message=getattr(args, "message", "")))
    except AutogenerateDiffsDetected as drift:
        print(f"the models and the migrations disagree; add a revision:\n{drift}", file=sys.stderr)
        return 1
    if result is not None:
        print(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
