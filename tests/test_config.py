"""Settings: every variable the README documents, from the environment or a .env file,
and a clear message (never a traceback) for a value the bot cannot use."""

from __future__ import annotations

import subprocess
import sys
from datetime import time
from pathlib import Path

import pytest

from bot.config import Settings, SettingsError

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_LESSONS = Path(__file__).parent / "fixtures" / "lessons" / "valid"


def load(tmp_path: Path, environ: dict[str, str], dotenv: str = "") -> Settings:
    path = tmp_path / ".env"
    path.write_text(dotenv, encoding="utf-8")
    return Settings.load(environ, path)


def test_defaults(tmp_path: Path) -> None:
    settings = load(tmp_path, {})
    assert (settings.token, settings.channel_id, settings.group_id) == ("", None, None)
    assert (settings.lesson_time, settings.quiz_time, settings.reveal_time) == (time(9), time(18), None)
    assert settings.timezone == "Asia/Tehran" and settings.admin_ids == frozenset()
    assert settings.database_url == f"sqlite+aiosqlite:///{Path('data') / 'bot.db'}"
    assert settings.lessons_dir is None


def test_every_variable_is_read(tmp_path: Path) -> None:
    settings = load(tmp_path, {
        "TELEGRAM_BOT_TOKEN": "1:abc", "BOT_API_BASE_URL": "http://127.0.0.1:8081/bot",
        "BOT_DATA_DIR": "/var/bot", "BOT_DB_URL": "postgresql://u:p@h/db",
        "BOT_CHANNEL_ID": "@dars_channel", "BOT_GROUP_ID": "-1001234567890",
        "BOT_LESSON_TIME": "۰۸:۳۰", "BOT_QUIZ_TIME": "20:15:30", "BOT_REVEAL_TIME": "07:00",
        "BOT_TIMEZONE": "Europe/Berlin", "BOT_ADMIN_IDS": "11, 22 33", "BOT_WORKERS": "3",
        "BOT_RENDER_TIMEOUT": "7.5", "BOT_QUEUE_LIMIT": "4", "BOT_CACHE_MB": "0",
        "BOT_LESSONS_DIR": "/srv/lessons", "BOT_LOG_LEVEL": "debug",
        "BOT_STORAGE_CHAT_ID": "-1009876543210",
    })
    assert settings.token == "1:abc" and settings.api_base_url == "http://127.0.0.1:8081/bot"
    assert settings.data_dir == Path("/var/bot") and settings.database_url == "postgresql://u:p@h/db"
    assert (settings.channel_id, settings.group_id) == ("@dars_channel", -1001234567890)
    assert (settings.lesson_time, settings.quiz_time, settings.reveal_time) == (
        time(8, 30), time(20, 15, 30), time(7))
    assert settings.timezone == "Europe/Berlin" and settings.admin_ids == {11, 22, 33}
    assert (settings.workers, settings.render_timeout, settings.queue_limit, settings.cache_mb) == (
        3, 7.5, 4, 0)
    assert settings.lessons_dir == Path("/srv/lessons") and settings.log_level == "DEBUG"
    assert settings.storage_chat_id == -1009876543210


def test_the_environment_wins_over_dotenv(tmp_path: Path) -> None:
    dotenv = "# a comment\nexport BOT_QUIZ_TIME='19:00'\nBOT_LESSON_TIME=\"10:00\"\n\nBOT_WORKERS=1\n"
    settings = load(tmp_path, {"BOT_WORKERS": "2"}, dotenv)
    assert (settings.quiz_time, settings.lesson_time, settings.workers) == (time(19), time(10), 2)


@pytest.mark.parametrize(("name", "value", "needle"), [
    ("BOT_LESSON_TIME", "9am", "HH:MM"),
    ("BOT_QUIZ_TIME", "25:00", "not a time of day"),
    ("BOT_TIMEZONE", "Tehran", "time zone"),
    ("BOT_ADMIN_IDS", "12,abc", "numeric Telegram ids"),
    ("BOT_CHANNEL_ID", "my channel", "@channelname"),
    ("BOT_STORAGE_CHAT_ID", "admin", "numeric chat id"),
    ("BOT_WORKERS", "two", "whole number"),
    ("BOT_WORKERS", "0", "at least 1"),
    ("BOT_RENDER_TIMEOUT", "nan", "at least"),
    ("BOT_CACHE_MB", "-5", "at least 0"),
])
def test_a_bad_value_names_the_variable(tmp_path: Path, name: str, value: str, needle: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load(tmp_path, {name: value})
    assert str(caught.value).startswith(f"{name}={value!r}") and needle in str(caught.value)


def _bot(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], check=False, cwd=cwd, capture_output=True,
                          text=True, timeout=120, env={"PATH": "", "PYTHONPATH": str(ROOT)})


def test_the_lessons_folder_can_come_from_dotenv(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"BOT_LESSONS_DIR={FIXTURE_LESSONS}\n", encoding="utf-8")
    result = _bot("lessons", "check", "--no-labs", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("2 lessons, 2 quizzes, 1 interview questions, 0 problems")


def test_a_bad_setting_stops_the_bot_with_a_message_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("BOT_QUIZ_TIME=18h\n", encoding="utf-8")
    result = _bot("lessons", "check", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "configuration error: BOT_QUIZ_TIME='18h': use HH:MM or HH:MM:SS, e.g. 09:00"
