"""``python -m bot run``: one replica of the bot, in either ingress mode.

- Long polling (the default): :class:`~bot.doors.inbox.Poller` stores each batch before
  confirming it.
- Webhooks (``BOT_WEBHOOK_URL`` set): the ASGI server (:mod:`bot.doors.server`) stores
  each update before its 200; the first replica to start sets the webhook, the others
  find it set and leave it alone.

Either way the replica's :class:`~bot.doors.inbox.Inbox` workers handle stored updates.
SIGTERM (or Ctrl-C) stops intake first (the server or the poller), then gives in-flight
updates ``BOT_SHUTDOWN_SECONDS`` to finish and hands the rest back to the other replicas.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Sequence

import uvicorn
from sqlalchemy import text
from starlette.routing import BaseRoute
from telegram import Update
from telegram.ext import Application

from bot.commands.base import Services
from bot.config import Settings
from bot.doors import metrics
from bot.doors.inbox import Inbox, InboxOptions, Poller
from bot.doors.polling_errors import CONFLICT_EXIT, CONFLICT_LINE
from bot.doors.server import Check, ServerParts, build_asgi
from bot.doors.telegram import build_application, chat_sender, door_parts, on_startup
from bot.doors.web import app as web
from bot.services import open_services

log = logging.getLogger(__name__)

ALLOWED_UPDATES: Sequence[str] = Update.ALL_TYPES


def run(settings: Settings, extra: Sequence[BaseRoute] = ()) -> int:
    """Serve until SIGTERM; returns the exit status."""
    return asyncio.run(serve(settings, extra))


async def serve(settings: Settings, extra: Sequence[BaseRoute] = ()) -> int:
    application = build_application(settings)
    async with open_services(settings, door_parts(application)) as services:
        application.bot_data["services"] = services
        return await _serve(application, services, settings, extra)


async def _serve(application: Application, services: Services, settings: Settings,
                 extra: Sequence[BaseRoute]) -> int:
    exit_code = 0
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await application.initialize()
    await on_startup(application)
    await application.start()  # the job queue (channel teacher, reminders)
    scraped = metrics.Replica(services.runner, services.storage,
                              {"bytes": services.runner.results, "file_id": services.file_ids.memory})
    metrics.GAUGES.sources.append(scraped)
    inbox = Inbox(application, services.storage,
                  InboxOptions(concurrency=settings.concurrency))
    workers = asyncio.create_task(inbox.run(), name="inbox")
    if settings.webapp_url:  # the Mini App, served beside the bot in either mode
        extra = [*extra, web.mount(services, settings, chat_sender(application.bot, services))]
    intake: asyncio.Task[None]
    poller: Poller | None = None
    server: uvicorn.Server | None = None
    if settings.webhook_url or extra:
        parts = ServerParts(store=inbox.store if settings.webhook_url else None,
                            secret=settings.webhook_secret, checks=readiness(services),
                            extra=extra)
        server = uvicorn.Server(uvicorn.Config(build_asgi(parts), host=settings.webhook_listen,
                                               port=settings.webhook_port, log_level="warning",
                                               lifespan="off"))
        http = asyncio.create_task(server.serve(), name="http")
    if settings.webhook_url:
        intake = http
        await set_webhook(application, settings)
        log.info("webhook replica %s listening on %s:%s", inbox.owner,
                 settings.webhook_listen, settings.webhook_port)
    else:
        await application.bot.delete_webhook()
        conflicts = 0

        def conflict() -> None:
            """Another poller on this token: harmless here (an update both fetch is stored
            once), but not what the operator meant; said once, or exit when asked."""
            nonlocal conflicts, exit_code
            conflicts += 1
            exiting = settings.on_conflict == "exit"
            if conflicts == 1:
                log.error(CONFLICT_LINE.format(action="exiting" if exiting else
                                               "both keep polling; updates are stored once"))
            if exiting:
                exit_code = CONFLICT_EXIT
                stop.set()

        poller = Poller(inbox, settings.api_base_url, settings.token, ALLOWED_UPDATES,
                        on_conflict=conflict)
        intake = asyncio.create_task(poller.run(), name="poller")
        log.info("polling replica %s started", inbox.owner)
    try:
        await _first(stop, intake, workers)
    finally:
        log.info("stopping: no new updates; in-flight ones get %.0f s", settings.shutdown_seconds)
        if server is not None:
            server.should_exit = True
        if poller is not None:
            poller.stop()
            intake.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await intake
        if server is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await http
        await inbox.stop(settings.shutdown_seconds)
        workers.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await workers
        metrics.GAUGES.sources.remove(scraped)
        await application.stop()
        await application.shutdown()
    return exit_code


async def _first(stop: asyncio.Event, *tasks: asyncio.Task[None]) -> None:
    """Until a signal, or until a task ends (a crash: it is logged and the replica stops)."""
    waiter = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait([waiter, *tasks], return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    for task in done:
        if task is not waiter and not task.cancelled() and task.exception() is not None:
            log.error("%s stopped", task.get_name(), exc_info=task.exception())


async def set_webhook(application: Application, settings: Settings) -> None:
    """Set the webhook unless it is set as wanted already (another replica did it): N
    replicas starting together do not each replace it and drop Telegram's connections."""
    bot = application.bot
    info = await bot.get_webhook_info()
    wanted = sorted(ALLOWED_UPDATES)
    if (info.url == settings.webhook_url and sorted(info.allowed_updates or []) == wanted
            and info.max_connections == settings.webhook_max_connections):
        log.info("webhook already set by another replica")
        return
    await bot.set_webhook(settings.webhook_url, secret_token=settings.webhook_secret,
                          allowed_updates=list(ALLOWED_UPDATES),
                          max_connections=settings.webhook_max_connections)


def readiness(services: Services) -> dict[str, Check]:
    """``/readyz``: the database answers and its schema is the code's, the render
    workers are up."""
    async def database() -> bool:
        from bot.storage.migrate import current, head

        async with services.storage.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            return await connection.run_sync(current) == head()

    async def workers() -> bool:
        return services.runner.alive()

    return {"database": database, "render_workers": workers}
