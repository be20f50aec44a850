"""Shared fixtures: one render pool per test session, a fake Bot API server, the real
PTB Application wired to it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.commands.base import Context, Services
from bot.config import Settings
from bot.curriculum.loader import curriculum
from bot.runner import LabRunner
from bot.storage import Storage
from tests.fake_telegram import TOKEN, FakeTelegram


@pytest.fixture(scope="session")
def runner() -> Iterator[LabRunner]:
    runner = LabRunner(workers=2, queue_limit=32, timeout=30.0)
    asyncio.run(runner.start())
    yield runner
    runner.close()


@pytest.fixture
def settings() -> Settings:
    return Settings(token=TOKEN, admin_ids=frozenset({4242}))


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    store = await Storage.open(f"sqlite:///{tmp_path / 'bot.db'}")
    yield store
    await store.close()


@pytest.fixture
def services(runner: LabRunner, storage: Storage, settings: Settings) -> Services:
    # Each test starts with empty caches: file ids (new with each Services) belong to one
    # (fake) Bot API server, and a result cached by an earlier test would hide this test's render.
    runner.results.clear()
    return Services(runner=runner, storage=storage, course=curriculum(),
                    settings=settings)


class Clock:
    """A clock the test moves by hand; the ``clock`` fixture installs it as services.clock."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> None:
        self.now = now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock(services: Services) -> Clock:
    """Monday 2026-11-23, 08:30 in Tehran: before the channel's default lesson time."""
    fake_clock = Clock(datetime(2026, 11, 23, 5, 0, tzinfo=UTC))
    services.clock = fake_clock
    return fake_clock


@pytest.fixture
def ctx(services: Services) -> Context:
    return Context(services, user_id=7, chat_id=7, user_name="Sara")


def lend_door(application: object, services: Services) -> None:
    """Give a test's services (made before the application, so the tests can share them)
    what the composition root gives the runtime's: the door's parts and the teacher
    built on them (:func:`bot.services.assemble`)."""
    from bot.doors.telegram import door_parts
    from bot.teacher import Teacher

    parts = door_parts(application)  # type: ignore[arg-type]
    assert parts.channel is not None
    services.teacher = Teacher(services, parts.channel(services))
    services.send_backlog = parts.send_backlog


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    server = FakeTelegram().start()
    yield server
    server.stop()


async def start_up_once(fake: FakeTelegram, services: Services) -> None:
    """The Telegram door's start-up alone (menus, profile, menu button) against the fake,
    then shut down: for tests of what a start publishes, with no polling."""
    from bot.doors.telegram import build_application, on_startup

    services.settings = replace(services.settings, api_base_url=fake.base_url)
    application = build_application(services.settings, services)
    await application.initialize()
    try:
        await on_startup(application)
    finally:
        await application.shutdown()


@pytest.fixture
async def telegram_app(fake: FakeTelegram, services: Services) -> AsyncIterator[object]:
    from bot.doors.telegram import build_application, on_startup

    services.settings = replace(services.settings, api_base_url=fake.base_url)
    application = build_application(services.settings, services)
    lend_door(application, services)
    # transient Bot API failures are still retried, without the production waits
    application.bot.rate_limiter.backoff = (0.0,) * len(application.bot.rate_limiter.backoff)
    await application.initialize()
    await on_startup(application)
    await application.start()
    await application.updater.start_polling(poll_interval=0.0, timeout=1)
    yield application
    await application.updater.stop()
    await application.stop()
    await application.shutdown()
