"""Building the long-lived services both doors share."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator

from bot.commands.base import Services
from bot.config import Settings
from bot.labs.cache import LRU
from bot.labs.runner import LabRunner

#: Requests kept for keyboard buttons; older buttons answer "stale".
REMEMBERED_REQUESTS = 20_000


def make_services(settings: Settings) -> Services:
    runner = LabRunner(
        workers=settings.workers,
        queue_limit=settings.queue_limit,
        timeout=settings.render_timeout,
        cache_bytes=settings.cache_mb << 20,
    )
    return Services(runner=runner, requests=LRU(REMEMBERED_REQUESTS))


@asynccontextmanager
async def open_services(settings: Settings | None = None) -> AsyncIterator[Services]:
    services = make_services(settings or Settings.load())
    await services.runner.start()
    try:
        yield services
    finally:
        services.runner.close()
