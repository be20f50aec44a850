"""Building (and closing) the long-lived services both doors share."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.commands.base import Services
from bot.config import Settings
from bot.curriculum.loader import curriculum
from bot.runner import LabRunner
from bot.storage import Storage

async def create_services(settings: Settings) -> Services:
    """Start the render workers, open (and migrate) the database, load the course."""
    runner = LabRunner(
        workers=settings.workers,
        queue_limit=settings.queue_limit,
        timeout=settings.render_timeout,
        cache_bytes=settings.cache_mb << 20,
    )
    await runner.start()
    storage = await Storage.open(settings.database_url)
    return Services(runner=runner, storage=storage,
                    course=curriculum(settings.lessons_dir), settings=settings)


async def close_services(services: Services) -> None:
    await asyncio.to_thread(services.runner.close)  # waits for the workers, off the loop
    await services.leases.give_back_all()
    await services.storage.close()


@asynccontextmanager
async def open_services(settings: Settings | None = None) -> AsyncIterator[Services]:
    services = await create_services(settings or Settings.load())
    try:
        yield services
    finally:
        await close_services(services)
