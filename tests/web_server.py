"""The Mini App served with Telegram's checks on (not anonymous), for the browser tests:
``python -m tests.web_server PORT`` with TELEGRAM_BOT_TOKEN and BOT_ADMIN_IDS set. A
process of its own, as in production: its event loop runs in its main thread (where the
parser's deadline works) and its render pool is its own."""

from __future__ import annotations

import asyncio
import sys

import uvicorn

from bot.config import Settings
from bot.doors.web.app import build_web_app
from bot.services import open_services


async def serve(port: int) -> None:
    settings = Settings.load()
    async with open_services(settings) as services:
        app = build_web_app(services, settings)
        await uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                            log_level="warning")).serve()


if __name__ == "__main__":
    try:
        asyncio.run(serve(int(sys.argv[1])))
    except KeyboardInterrupt:  # how the tests stop it, once everything is closed
        pass
