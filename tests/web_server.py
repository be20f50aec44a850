"""The Mini App served with Telegram's checks on (not anonymous), for the browser tests:
``python -m tests.web_server PORT`` with TELEGRAM_BOT_TOKEN and BOT_ADMIN_IDS set. A
process of its own, as in production: its event loop runs in its main thread (where the
parser's deadline works) and its render pool is its own. With BOT_CHANNEL_ID, the
channel teacher is there (for the dashboard's next posts) but never posts: nothing ticks."""

from __future__ import annotations

import asyncio
import sys

import uvicorn

from bot.config import Settings
from bot.doors.web.app import build_web_app
from bot.services import DoorParts, open_services


class NoChannel:
    """A channel door for a server that never posts (no tick runs here)."""

    async def post(self, chat_id, reply, reply_to=None):
        raise AssertionError("the web server posts nothing to a channel")

    async def stop_poll(self, chat_id, message_id):
        raise AssertionError("the web server closes no poll")


async def serve(port: int) -> None:
    settings = Settings.load()
    async with open_services(settings, DoorParts(channel=lambda _: NoChannel())) as services:
        app = build_web_app(services, settings)
        await uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                            log_level="warning")).serve()


if __name__ == "__main__":
    try:
        asyncio.run(serve(int(sys.argv[1])))
    except KeyboardInterrupt:  # how the tests stop it, once everything is closed
        pass
