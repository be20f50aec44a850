"""``python -m bot``: ``run`` (the Telegram bot) and ``try`` (the offline chat)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from bot.config import Settings, SettingsError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Persian deep-learning teaching bot")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="start the Telegram bot (long polling)")
    trial = commands.add_parser("try", help="send messages through the bot offline")
    trial.add_argument("messages", nargs="*", help="messages such as '/gd 0.1x^2 lr=0.4'")
    trial.add_argument("--out", type=Path, default=Path("out"), help="folder for images (default: out)")
    trial.add_argument("--json", action="store_true", help="one JSON object per message")
    lessons = commands.add_parser("lessons", help="work with the lesson files")
    lesson_commands = lessons.add_subparsers(dest="lessons_command", required=True)
    check = lesson_commands.add_parser("check", help="validate every lesson file")
    check.add_argument("--json", action="store_true", help="print a JSON summary")
    check.add_argument("--dir", type=Path, default=None, help="lessons folder (default: lessons/)")
    check.add_argument("--no-labs", action="store_true", help="skip running each lesson's lab")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.load()
    except SettingsError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    from bot.doors import cli

    if args.command == "run":
        if not settings.token:
            print("TELEGRAM_BOT_TOKEN is not set: starting the offline chat instead "
                  "(set it in the environment or in .env to run the Telegram bot).")
            asyncio.run(cli.chat(Path("out")))
            return 0
        from bot.doors.telegram import run_polling

        run_polling(settings)
        return 0
    if args.command == "lessons":
        return _check_lessons(args, settings)
    if args.messages:
        asyncio.run(cli.run_messages(args.messages, args.out, args.json))
    else:
        asyncio.run(cli.chat(args.out))
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


if __name__ == "__main__":
    sys.exit(main())
