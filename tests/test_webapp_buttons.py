"""The Mini App's doors into the chat: a ``web_app`` button under /gd, /lr and /opt replies
in a private chat when BOT_WEBAPP_URL is set (none in groups, none without it), carrying
the lab's request; the setting itself."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

from pathlib import Path

import pytest

from bot.commands.base import Context
from bot.commands.router import handle_text
from bot.config import Settings, SettingsError

URL = "https://bot.example.com/app/"


def lab_buttons(response):
    return [b for reply in response.replies for row in reply.keyboard for b in row if b.web_app]


async def test_lab_replies_carry_the_mini_app_with_their_request(services):
    services.settings = replace(services.settings, webapp_url=URL)
    ctx = Context(services, user_id=5, chat_id=5)
    (button,) = lab_buttons(await handle_text("/gd 0.1x^2 lr=4 x0=3 steps=30", ctx))
    address = urlsplit(button.web_app)
    assert button.web_app.startswith(URL)
    assert parse_qs(address.query) == {"mode": ["gd"], "f": ["0.1x^2"], "x0": ["3"], "lr": ["4"],
                                       "steps": ["30"]}
    (race,) = lab_buttons(await handle_text("/opt rosenbrock opt=sgd,adam steps=50", ctx))
    assert parse_qs(urlsplit(race.web_app).query)["opt"] == ["sgd,adam"]
    (rates,) = lab_buttons(await handle_text("/lr 0.1x^2 lrs=1,4,6,11", ctx))
    assert parse_qs(urlsplit(rates.web_app).query)["lr"] == ["1"]
    group = Context(services, user_id=5, chat_id=-100, chat_type="supergroup")
    assert lab_buttons(await handle_text("/gd 0.1x^2", group)) == []


async def test_no_mini_app_button_without_its_address(services):
    ctx = Context(services, user_id=6, chat_id=6)
    assert lab_buttons(await handle_text("/gd 0.1x^2 lr=0.3", ctx)) == []


def test_the_address_must_be_https():
    assert Settings.load({"BOT_WEBAPP_URL": "https://x.example/app"}, dotenv=Path("/nonexistent")).webapp_url == \
        "https://x.example/app/"
    with pytest.raises(SettingsError, match="BOT_WEBAPP_URL"):
        Settings.load({"BOT_WEBAPP_URL": "http://x.example/app"}, dotenv=Path("/nonexistent"))


def query(button) -> dict[str, list[str]]:
    return parse_qs(urlsplit(button.web_app).query)


@pytest.mark.parametrize("order", [16, 17, 28])
async def test_a_lesson_opens_the_mini_app_on_its_lab_as_the_labs_reply_does(services, order):
    services.settings = replace(services.settings, webapp_url=URL)
    ctx = Context(services, user_id=5, chat_id=5)
    lab = services.course.by_order(order).lab
    (from_lesson,) = lab_buttons(await handle_text(f"/lesson {order}", ctx))
    (from_lab,) = lab_buttons(await handle_text(lab, ctx))
    assert from_lesson.web_app == from_lab.web_app
    if order == 28:  # the race keeps the lesson's weight decay (and its command says so)
        assert query(from_lesson)["wd"] == ["1"] and query(from_lesson)["opt"] == ["adam,adamw"]


async def test_no_lesson_mini_app_in_groups_for_other_labs_or_without_its_address(services):
    private = Context(services, user_id=5, chat_id=5)
    assert lab_buttons(await handle_text("/lesson 16", private)) == []  # no BOT_WEBAPP_URL
    services.settings = replace(services.settings, webapp_url=URL)
    group = Context(services, user_id=5, chat_id=-100, chat_type="supergroup")
    assert lab_buttons(await handle_text("/lesson 16", group)) == []
    assert lab_buttons(await handle_text("/lesson 20", private)) == []  # /backprop: nothing to drag
    assert lab_buttons(await handle_text("/lesson 1", private)) == []  # no lab at all
