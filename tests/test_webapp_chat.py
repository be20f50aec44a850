"""The Mini App's ways into the chat, through the real PTB Application and the fake Bot
API: «ارسال در گفت‌وگو» from a keyboard button (``sendData`` → a ``web_app_data``
message) and from an inline or menu button (``POST /api/send``), and the bot's menu
button, which opens the lab only when BOT_WEBAPP_URL is set; and the whole bot
(``python -m bot run``, polling) serving the Mini App beside its poller."""

from __future__ import annotations

import asyncio
import io
import json
import time
from dataclasses import replace

import httpx
import pytest
from PIL import Image

from bot.commands.base import Services
from bot.config import Settings
from bot.doors.server import ServerParts, build_asgi
from bot.doors.telegram import chat_sender
from bot.doors.web import app as web
from bot.doors.web.auth import sign
from bot.fa.web import MENU_BUTTON
from tests.conftest import start_up_once
from tests.fake_telegram import TOKEN, FakeTelegram
from tests.replicas import Replica, free_port

URL = "https://bot.example.com/app/"
LAB = "/gd 0.1x^2 x0=2 lr=5 steps=25"


@pytest.fixture
def settings(request: pytest.FixtureRequest) -> Settings:
    """The conftest's settings with the Mini App's address (``indirect`` may give another)."""
    return Settings(token=TOKEN, admin_ids=frozenset({4242}),
                    webapp_url=getattr(request, "param", URL))


def init_data(user_id: int, token: str = TOKEN) -> dict[str, str]:
    signed = sign({"auth_date": str(int(time.time())), "query_id": "AAQ1",
                   "user": json.dumps({"id": user_id, "first_name": "Sara"})}, token)
    return {"Authorization": f"tma {signed}"}


def sends(fake: FakeTelegram) -> list:
    return [c for c in fake.calls if c.method.startswith("send") and c.method != "sendChatAction"]


async def test_send_data_from_the_lab_gets_the_usual_picture_and_caption(
        fake: FakeTelegram, telegram_app) -> None:
    fake.push_web_app_data("hello")  # not a lab: a tampered client, nothing to answer
    fake.push_web_app_data(LAB, user_id=3001)
    (sent,) = await fake.wait_for("sendPhoto")
    assert int(sent.params["chat_id"]) == 3001
    assert Image.open(io.BytesIO(sent.files["photo"])).format == "PNG"
    fake.push_message(LAB, user_id=3002)  # the same lab typed in the chat
    typed = (await fake.wait_for("sendPhoto", 2))[1]
    assert int(typed.params["chat_id"]) == 3002
    assert sent.params["caption"] == typed.params["caption"]
    assert "lr = 5" in sent.params["caption"]
    labels = lambda call: [b["text"] for row in call.params["reply_markup"]["inline_keyboard"]
                           for b in row]
    assert labels(sent) == labels(typed)
    await asyncio.sleep(0.3)
    assert {int(c.params["chat_id"]) for c in sends(fake)} == {3001, 3002}


async def test_the_menu_button_opens_the_lab(fake: FakeTelegram, telegram_app) -> None:
    assert fake.menu_buttons == {None: {"type": "web_app", "text": MENU_BUTTON,
                                        "web_app": {"url": URL}}}


@pytest.mark.parametrize("settings", [""], indirect=True)
async def test_no_menu_button_without_the_address(fake: FakeTelegram, telegram_app) -> None:
    assert fake.calls_to("setChatMenuButton") == [] and fake.menu_buttons == {}


async def test_a_lab_menu_button_left_by_an_earlier_run_is_taken_back(
        fake: FakeTelegram, services: Services) -> None:
    """BOT_WEBAPP_URL removed since the last run: the lab's address may be gone."""
    fake.menu_buttons[None] = {"type": "web_app", "text": MENU_BUTTON, "web_app": {"url": URL}}
    services.settings = replace(services.settings, webapp_url="")
    await start_up_once(fake, services)
    assert fake.menu_buttons == {None: {"type": "default"}}


async def test_api_send_posts_only_to_the_validated_users_private_chat(
        fake: FakeTelegram, telegram_app, services: Services) -> None:
    """As the runtime serves it: the bot's ASGI app with the Mini App under /app."""
    sender = chat_sender(telegram_app.bot, services)
    server = build_asgi(ServerParts(extra=[web.mount(services, services.settings, sender)]))
    body = {"command": LAB}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=server),
                                 base_url="https://bot.example.com") as client:
        assert (await client.post("/app/api/send", json=body)).status_code == 401
        forged = await client.post("/app/api/send", json=body,
                                   headers=init_data(3101, token="654321:ANOTHER-bot"))
        assert forged.status_code == 401
        other = await client.post("/app/api/send", json={"command": "/settings"},
                                  headers=init_data(3101))
        assert other.status_code == 400
        assert sends(fake) == []
        sent = await client.post("/app/api/send", json=body, headers=init_data(3101))
    assert sent.status_code == 200 and sent.json()["sent"] is True
    (photo,) = sends(fake)
    assert photo.method == "sendPhoto" and int(photo.params["chat_id"]) == 3101
    assert "lr = 5" in photo.params["caption"]


async def test_in_polling_mode_the_mini_app_is_served_beside_the_poller(
        fake: FakeTelegram, tmp_path) -> None:
    """``python -m bot run`` with BOT_WEBAPP_URL and no webhook: the poller answers the
    chat, and the same process serves the lab and /api/send under /app."""
    port = free_port()
    replica = Replica(fake, f"sqlite:///{tmp_path / 'bot.db'}", tmp_path, "polling")
    replica.env.update(BOT_WEBAPP_URL=URL, BOT_WEBHOOK_LISTEN="127.0.0.1",
                       BOT_WEBHOOK_PORT=str(port))
    replica.start()
    try:
        base = f"http://127.0.0.1:{port}/app"
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            for _ in range(300):
                try:
                    if (await client.get("/")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            else:
                pytest.fail(f"no Mini App on :{port}: {replica.log.read_text()[-2000:]}")
            page = await client.get("/")
            assert 'dir="rtl"' in page.text
            assert (await client.post("/api/send", json={"command": LAB})).status_code == 401
            sent = await client.post("/api/send", json={"command": LAB}, headers=init_data(3201))
            assert sent.status_code == 200, sent.text
        fake.push_web_app_data(LAB, user_id=3202)  # and the poller answers the chat meanwhile
        photos = await fake.wait_for("sendPhoto", 2, timeout=60)
        assert sorted(int(c.params["chat_id"]) for c in photos) == [3201, 3202]
        assert fake.menu_buttons[None]["web_app"] == {"url": URL}
    finally:
        assert replica.terminate() == 0
