"""Settings from the environment, or from a ``.env`` file in the working directory.

Every variable is documented in the README's configuration table.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class SettingsError(ValueError):
    """A variable has a value the bot cannot use; the message names it."""


def parse_time(name: str, value: str) -> time:
    """``HH:MM`` or ``HH:MM:SS`` (Persian digits accepted)."""
    from bot.fa.numbers import normalize_input

    match = re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", normalize_input(value.strip()))
    if not match:
        raise SettingsError(f"{name}={value!r}: use HH:MM or HH:MM:SS, e.g. 09:00")
    hour, minute, second = (int(g or 0) for g in match.groups())
    if hour > 23 or minute > 59 or second > 59:
        raise SettingsError(f"{name}={value!r}: not a time of day")
    return time(hour, minute, second)


def parse_ids(name: str, value: str) -> frozenset[int]:
    try:
        return frozenset(int(part) for part in re.split(r"[,\s]+", value.strip()) if part)
    except ValueError:
        raise SettingsError(f"{name}={value!r}: use numeric Telegram ids separated by commas") from None


def parse_chat(name: str, value: str) -> int | str | None:
    """A numeric chat id (-100…) or a public @channelname."""
    value = value.strip()
    if not value:
        return None
    if re.fullmatch(r"-?\d+", value):
        return int(value)
    if re.fullmatch(r"@[A-Za-z0-9_]{4,}", value):
        return value
    raise SettingsError(f"{name}={value!r}: use a numeric chat id such as -1001234567890 or @channelname")


Number = TypeVar("Number", int, float)


def parse_number(name: str, value: str, kind: type[Number], low: Number) -> Number:
    """A whole (``int``) or decimal (``float``) number of at least ``low``."""
    try:
        number = kind(value.strip())
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise SettingsError(f"{name}={value!r}: use {what}, e.g. {kind(max(low, 1))}") from None
    if not number >= low:  # also refuses nan
        raise SettingsError(f"{name}={value!r}: must be at least {kind(low)}")
    return number


def read_dotenv(path: Path) -> dict[str, str]:
    """``KEY=value`` lines; blank lines and ``#`` comments skipped, quotes stripped."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        values[key.strip()] = value.strip().strip("'\"")
    return values


@dataclass(frozen=True)
class Settings:
    token: str = ""
    api_base_url: str = "https://api.telegram.org/bot"
    data_dir: Path = Path("data")
    workers: int = 2
    render_timeout: float = 20.0
    queue_limit: int = 16
    cache_mb: int = 64
    button_days: int = 30  # a button works this long after it was last offered
    log_level: str = "INFO"
    db_url: str = ""
    timezone: str = "Asia/Tehran"
    channel_id: int | str | None = None
    group_id: int | str | None = None
    lesson_time: time = time(9, 0)
    quiz_time: time = time(18, 0)
    reveal_time: time | None = None  # None: at the next quiz time
    quiz_min_open: timedelta = timedelta(minutes=60)  # a quiz is never revealed sooner
    on_conflict: str = "wait"  # another instance polls the token: "wait" or "exit"
    admin_ids: frozenset[int] = field(default_factory=frozenset)
    lessons_dir: Path | None = None  # None: the lessons/ folder of the checkout
    webapp_url: str = ""  # the Mini App's public https address; empty: no lab buttons
    #: Where inline mode uploads a lab's new picture to get its file id (a private channel
    #: the bot posts in, or an admin's chat); None: such a lab is offered as a card.
    storage_chat_id: int | str | None = None
    webhook_url: str = ""  # set: webhook mode (https://host/telegram); empty: long polling
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8080
    webhook_secret: str = ""
    webhook_max_connections: int = 40
    concurrency: int = 256  # updates one replica handles at once
    shutdown_seconds: float = 20.0  # SIGTERM: how long in-flight updates may still take

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def database_url(self) -> str:
        from bot.storage import default_url

        return self.db_url or default_url(self.data_dir)

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, dotenv: Path = Path(".env")) -> Settings:
        """Environment variables win over ``.env`` entries."""
        env = {**read_dotenv(dotenv), **(os.environ if environ is None else environ)}

        def get(name: str, default: str) -> str:
            return env.get(name, "").strip() or default

        return cls(
            token=get("TELEGRAM_BOT_TOKEN", ""),
            api_base_url=get("BOT_API_BASE_URL", cls.api_base_url),
            data_dir=Path(get("BOT_DATA_DIR", str(cls.data_dir))),
            workers=parse_number("BOT_WORKERS", get("BOT_WORKERS", str(min(os.cpu_count() or 2, 4))), int, 1),
            render_timeout=parse_number("BOT_RENDER_TIMEOUT",
                                        get("BOT_RENDER_TIMEOUT", str(cls.render_timeout)), float, 1.0),
            queue_limit=parse_number("BOT_QUEUE_LIMIT", get("BOT_QUEUE_LIMIT", str(cls.queue_limit)), int, 1),
            cache_mb=parse_number("BOT_CACHE_MB", get("BOT_CACHE_MB", str(cls.cache_mb)), int, 0),
            button_days=parse_number("BOT_BUTTON_DAYS", get("BOT_BUTTON_DAYS", str(cls.button_days)),
                                     int, 1),
            log_level=get("BOT_LOG_LEVEL", cls.log_level).upper(),
            db_url=get("BOT_DB_URL", ""),
            timezone=_zone(get("BOT_TIMEZONE", cls.timezone)),
            channel_id=parse_chat("BOT_CHANNEL_ID", get("BOT_CHANNEL_ID", "")),
            group_id=parse_chat("BOT_GROUP_ID", get("BOT_GROUP_ID", "")),
            lesson_time=parse_time("BOT_LESSON_TIME", get("BOT_LESSON_TIME", "09:00")),
            quiz_time=parse_time("BOT_QUIZ_TIME", get("BOT_QUIZ_TIME", "18:00")),
            reveal_time=(parse_time("BOT_REVEAL_TIME", env["BOT_REVEAL_TIME"])
                         if env.get("BOT_REVEAL_TIME", "").strip() else None),
            quiz_min_open=timedelta(minutes=parse_number(
                "BOT_QUIZ_MIN_OPEN", get("BOT_QUIZ_MIN_OPEN", "60"), float, 0.0)),
            on_conflict=_choice("BOT_ON_CONFLICT", get("BOT_ON_CONFLICT", "wait"), ("wait", "exit")),
            admin_ids=parse_ids("BOT_ADMIN_IDS", get("BOT_ADMIN_IDS", "")),
            lessons_dir=Path(lessons) if (lessons := get("BOT_LESSONS_DIR", "")) else None,
            webapp_url=parse_webapp_url(get("BOT_WEBAPP_URL", "")),
            storage_chat_id=parse_chat("BOT_STORAGE_CHAT_ID", get("BOT_STORAGE_CHAT_ID", "")),
            **_runtime(get),
        )


def _choice(name: str, value: str, choices: tuple[str, ...]) -> str:
    if value.lower() not in choices:
        raise SettingsError(f"{name}={value!r}: use one of {', '.join(choices)}")
    return value.lower()


def parse_webapp_url(value: str) -> str:
    """Telegram opens Mini Apps only over https; the address ends with ``/`` so the
    page's relative links resolve under it."""
    if value and not re.fullmatch(r"https://[^\s?#]+", value):
        raise SettingsError(f"BOT_WEBAPP_URL={value!r}: use an https address, e.g. https://bot.example.com/app/")
    return value if not value or value.endswith("/") else value + "/"


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"BOT_TIMEZONE={name!r}: not a known time zone, e.g. Asia/Tehran") from None
    return name


def _runtime(get: Callable[[str, str], str]) -> dict[str, Any]:
    """The production runtime's variables (README, "Scaling out")."""
    url = get("BOT_WEBHOOK_URL", "")
    secret = get("BOT_WEBHOOK_SECRET", "")
    if url and not url.startswith("https://"):
        raise SettingsError(f"BOT_WEBHOOK_URL={url!r}: Telegram only calls https:// addresses")
    if url and not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", secret):
        raise SettingsError("BOT_WEBHOOK_SECRET: a webhook needs a secret of 16–256 letters, "
                            "digits, _ or - (e.g. from `openssl rand -hex 32`)")
    return {
        "webhook_url": url,
        "webhook_listen": get("BOT_WEBHOOK_LISTEN", "0.0.0.0"),
        "webhook_port": parse_number("BOT_WEBHOOK_PORT", get("BOT_WEBHOOK_PORT", "8080"), int, 1),
        "webhook_secret": secret,
        "webhook_max_connections": parse_number(
            "BOT_WEBHOOK_MAX_CONNECTIONS", get("BOT_WEBHOOK_MAX_CONNECTIONS", "40"), int, 1),
        "concurrency": parse_number("BOT_CONCURRENCY", get("BOT_CONCURRENCY", "256"), int, 1),
        "shutdown_seconds": parse_number("BOT_SHUTDOWN_SECONDS", get("BOT_SHUTDOWN_SECONDS", "20"),
                                         float, 0.0),
    }
