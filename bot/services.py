"""The composition root: the one place that builds the long-lived parts every door shares
(render workers, storage, the course, the channel teacher) from the Settings, and closes
them again.

A door lends what only it has through :class:`DoorParts` (how to post to a channel, how
long a picture waits for its send budget, its clock) and gets back complete
:class:`~bot.commands.base.Services`: nothing is attached to them afterwards.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

from bot.commands.base import Backlog, Services, no_backlog, utc_now
from bot.config import Settings
from bot.curriculum.loader import curriculum
from bot.curriculum.model import Curriculum
from bot.runner import LabRunner
from bot.storage import Storage
from bot.teacher import ChannelDoor, Teacher


@dataclass(frozen=True)
class DoorParts:
    """What a door lends the services. ``channel`` builds the channel teacher's door to
    Telegram from the services it will serve (None: this door posts to no channel, so
    there is no teacher); ``send_backlog`` is the seconds a new picture would wait for the
    door's send budget (:class:`~bot.commands.base.Backlog`); ``clock`` is the door's
    idea of now (the offline door moves it)."""

    channel: Callable[[Services], ChannelDoor] | None = None
    send_backlog: Backlog = no_backlog
    clock: Callable[[], datetime] = utc_now


def assemble(settings: Settings, runner: LabRunner, storage: Storage, course: Curriculum,
             door: DoorParts = DoorParts()) -> Services:
    """Services from parts already started (tests and benchmarks start their own)."""
    channel = door.channel

    def teacher(services: Services) -> Teacher | None:
        return None if channel is None else Teacher(services, channel(services))

    return Services(runner=runner, storage=storage, course=course, settings=settings,
                    clock=door.clock, send_backlog=door.send_backlog, channel_teacher=teacher)


async def create_services(settings: Settings, door: DoorParts = DoorParts()) -> Services:
    """Start the render workers, open (and migrate) the database, load the course."""
    runner = LabRunner(
        workers=settings.workers,
        queue_limit=settings.queue_limit,
        timeout=settings.render_timeout,
        cache_bytes=settings.cache_mb << 20,
    )
    await runner.start()
    storage = await Storage.open(settings.database_url)
    return assemble(settings, runner, storage, curriculum(settings.lessons_dir), door)


async def close_services(services: Services) -> None:
    await asyncio.to_thread(services.runner.close)  # waits for the workers, off the loop
    await services.leases.give_back_all()
    await services.storage.close()


@asynccontextmanager
async def open_services(settings: Settings | None = None,
                        door: DoorParts = DoorParts()) -> AsyncIterator[Services]:
    services = await create_services(settings or Settings.load(), door)
    try:
        yield services
    finally:
        await close_services(services)
