"""``python -m bot web``: the Mini App's offline door. The learner's lab on 127.0.0.1
for one local, anonymous user (no Telegram, no personal data, no dashboard), as
``try`` is the chat's."""

from __future__ import annotations

import asyncio
import webbrowser

import uvicorn

from bot.config import Settings
from bot.doors.web.app import build_web_app
from bot.services import open_services

HOST = "127.0.0.1"


async def serve_local(settings: Settings, port: int, *, open_browser: bool) -> None:
    async with open_services(settings) as services:
        app = build_web_app(services, settings, anonymous=True)
        server = uvicorn.Server(uvicorn.Config(app, host=HOST, port=port, log_level="warning"))
        url = f"http://{HOST}:{port}/"
        print(f"آزمایشگاه روی {url} باز است؛ برای پایان Ctrl-C.", flush=True)
        if open_browser:
            asyncio.get_running_loop().call_later(1.0, _open, url)
        await server.serve()


def _open(url: str) -> None:
    try:
        webbrowser.open(url)
    except webbrowser.Error:
        pass  # no browser here: the address is printed
