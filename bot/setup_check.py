"""Before the Telegram bot starts: the database and the lessons folder are usable, or the
start stops with one line naming the variable or file and what to do (exit status 2),
instead of a traceback on every restart of a crash loop."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.curriculum.loader import load_all, lessons_dir
from bot.storage import Storage


async def setup_problem(settings: Settings) -> str | None:
    """What stops the bot from starting, in one line; None when nothing does."""
    return _lessons_problem(lessons_dir(settings.lessons_dir)) or await _database_problem(settings)


def _lessons_problem(folder: Path) -> str | None:
    where = f"BOT_LESSONS_DIR={str(folder)!r}"
    if not folder.is_dir():
        return f"{where}: no such folder; point it at the lessons/ folder of the checkout"
    try:
        course, problems = load_all(folder)
    except OSError as error:
        return f"{where}: cannot read it ({error.strerror or error}); check its permissions"
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return (f"lesson file {problems[0]}{more}; fix it "
                f"(python -m bot lessons check --dir {folder} lists every problem)")
    if not course.lessons:
        return f"{where}: no lesson files (*.md) in it; point it at the lessons/ folder"
    return None


async def _database_problem(settings: Settings) -> str | None:
    url = settings.database_url
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 (an unparsable URL is the problem itself)
        return f"BOT_DB_URL={url!r}: not a database URL; use sqlite:///path/bot.db or postgresql://user:pass@host/db"
    variable = "BOT_DB_URL" if settings.db_url else "BOT_DATA_DIR"
    try:
        storage = await Storage.open(url)
    except Exception as error:  # noqa: BLE001 (any failure to open is reported in one line)
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0][:200]
        return (f"{variable}: cannot open the database {shown} ({type(error).__name__}: {reason}); "
                "check the URL, that the server is up, and that the file is a database the "
                "bot may write")
    await storage.close()
    return None
