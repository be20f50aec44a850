"""Telegram manners through the fake Bot API: threaded answers in groups, long answers
moved to the private chat, a welcome when added, scoped command menus, the profile."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from bot.commands.base import Services
from bot.commands.router import COMMANDS, command_menu
from bot.fa import help as help_words
from tests.conftest import start_up_once
from tests.fake_telegram import FakeTelegram, Refused

GROUP = -500


def _buttons(params: dict) -> list[dict]:
    markup = params.get("reply_markup") or {"inline_keyboard": []}
    return [button for row in markup["inline_keyboard"] for button in row]


def _persian(text: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in text)


@pytest.mark.parametrize(("text", "method"), [
    ("/gd 0.1x^2 lr=0.4", "sendPhoto"),
    ("/help", "sendMessage"),
    ("/quiz", "sendPoll"),
    ("/gd __import__('os')", "sendMessage"),  # a refusal is threaded too
])
async def test_every_answer_in_a_group_is_threaded_to_the_asker(
        fake: FakeTelegram, telegram_app, text: str, method: str) -> None:
    asked = fake.push_message(text, user_id=1101, chat_id=GROUP, chat_type="supergroup")
    sent = (await fake.wait_for(method, timeout=60))[0]
    assert int(sent.params["chat_id"]) == GROUP
    assert sent.params["reply_parameters"]["message_id"] == asked["message"]["message_id"]


async def test_answers_in_a_private_chat_are_not_threaded(fake: FakeTelegram, telegram_app) -> None:
    fake.push_message("/help", user_id=1102)
    sent = (await fake.wait_for("sendMessage"))[0]
    assert "reply_parameters" not in sent.params


async def test_backprop_in_a_group_is_one_short_note_that_continues_in_private(
        fake: FakeTelegram, telegram_app) -> None:
    """/backprop sends four messages: in a group, one short note with a deep link; the
    link, opened by the learner, delivers the whole answer in the private chat."""
    fake.push_message("/backprop lr=0.5", user_id=1103, chat_id=GROUP, chat_type="group")
    note = (await fake.wait_for("sendMessage"))[0]
    assert len(fake.calls_to("sendMessage")) == 1 and fake.calls_to("sendPhoto") == []
    assert len(note.params["text"]) < 300 and "/backprop" in note.params["text"]
    (button,) = _buttons(note.params)
    link = urlparse(button["url"])
    assert (link.netloc, link.path) == ("t.me", "/dars_test_bot")
    payload = parse_qs(link.query)["start"][0]
    assert payload.startswith("do-") and len(payload) <= 64  # the command itself: no memory

    fake.push_message(f"/start {payload}", user_id=1103)
    texts = [c.params["text"] for c in (await fake.wait_for("sendMessage", 2, timeout=60))[1:]]
    assert any("0.5" in t for t in texts), texts  # the learner's own option, not the default
    photos = await fake.wait_for("sendPhoto", timeout=60)
    assert all(int(p.params["chat_id"]) == 1103 for p in photos)


async def test_an_expired_continue_link_says_so(fake: FakeTelegram, telegram_app) -> None:
    fake.push_message("/start run-AAAAAAAAAAA", user_id=1104)
    sent = (await fake.wait_for("sendMessage"))[0]
    assert sent.params["text"] == help_words.LINK_EXPIRED


@pytest.mark.parametrize(("link", "expected"), [
    ("lesson-3", "۳"), ("help", "راهنما"),
])
async def test_deep_links_open_lessons_and_commands(
        fake: FakeTelegram, telegram_app, link: str, expected: str) -> None:
    fake.push_message(f"/start {link}", user_id=1105)
    sent = (await fake.wait_for("sendMessage"))[0]
    assert expected in sent.params["text"]
    assert "سلام" not in sent.params["text"]  # not the plain /start greeting


async def test_being_added_to_a_group_gets_one_welcome(fake: FakeTelegram, telegram_app) -> None:
    fake.push_my_chat_member(GROUP, "left", "member")
    welcome = (await fake.wait_for("sendMessage"))[0]
    assert int(welcome.params["chat_id"]) == GROUP
    assert welcome.params["text"] == help_words.GROUP_WELCOME
    assert "حریم خصوصی" in welcome.params["text"]
    # a promotion, a removal and a private chat are not joins: no second welcome
    fake.push_my_chat_member(GROUP, "member", "administrator")
    fake.push_my_chat_member(GROUP, "member", "left")
    fake.push_my_chat_member(1106, "kicked", "member", chat_type="private")
    fake.push_message("/help", user_id=1106)
    await fake.wait_for("sendMessage", 2)
    assert [int(c.params["chat_id"]) for c in fake.calls_to("sendMessage")] == [GROUP, 1106]


def _menus(fake: FakeTelegram) -> dict[str, set[str]]:
    menus = {}
    for call in fake.calls_to("setMyCommands"):
        scope = call.params.get("scope") or {"type": "default"}
        key = scope["type"] + (f":{scope['chat_id']}" if "chat_id" in scope else "")
        menus[key] = {c["command"] for c in call.params["commands"]}
        assert all(_persian(c["description"]) for c in call.params["commands"])
    return menus


async def test_command_menus_are_scoped(fake: FakeTelegram, telegram_app) -> None:
    await fake.wait_for("setMyShortDescription")
    menus = _menus(fake)
    admin_only = {c.name for c in COMMANDS if c.admin}
    assert set(menus) == {"default", "all_private_chats", "all_group_chats", "chat:4242"}
    assert "top" in menus["all_group_chats"] and "top" not in menus["all_private_chats"]
    assert "start" not in menus["all_group_chats"] and "stats" not in menus["all_group_chats"]
    assert {"gd", "quiz", "help"} <= menus["all_group_chats"] & menus["all_private_chats"]
    assert admin_only and admin_only <= menus["chat:4242"]
    assert not admin_only & (menus["all_private_chats"] | menus["all_group_chats"] | menus["default"])
    assert menus["chat:4242"] - admin_only == menus["all_private_chats"]


@pytest.mark.parametrize("where", ["private", "group"])
def test_every_command_is_in_some_menu_and_menus_fit_telegram(where: str) -> None:
    menu = command_menu(where) + command_menu(where, admin=True)
    assert all(1 <= len(summary) <= 256 and len(name) <= 32 for name, summary in menu)
    listed = {name for w in ("private", "group") for name, _ in command_menu(w, admin=True)}
    assert listed == {c.name for c in COMMANDS}


async def test_the_profile_is_persian_and_fits_telegrams_limits(
        fake: FakeTelegram, telegram_app) -> None:
    description = (await fake.wait_for("setMyDescription"))[0].params["description"]
    short = (await fake.wait_for("setMyShortDescription"))[0].params["short_description"]
    assert _persian(description) and len(description) <= 512
    assert _persian(short) and len(short) <= 120


async def test_an_admin_who_never_opened_the_chat_does_not_stop_startup(
        fake: FakeTelegram, services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    """Telegram refuses a chat scope for someone who never opened the bot's chat; the
    other menus and the profile are still published."""
    answer = fake._answer

    def refuse_chat_scopes(method: str, params: dict, files: dict) -> object:
        if method == "setMyCommands" and (params.get("scope") or {}).get("type") == "chat":
            raise Refused("chat not found")
        return answer(method, params, files)

    monkeypatch.setattr(fake, "_answer", refuse_chat_scopes)
    await start_up_once(fake, services)
    assert [c.status for c in fake.calls_to("setMyCommands")] == [200, 200, 200, 400]
    assert fake.calls_to("setMyShortDescription")


async def test_a_lesson_in_a_group_is_a_summary_whose_button_opens_the_whole_lesson(
        fake: FakeTelegram, telegram_app) -> None:
    fake.push_message("/lesson 17", user_id=1120, chat_id=GROUP, chat_type="supergroup")
    summary = (await fake.wait_for("sendMessage"))[0]
    assert len(fake.calls_to("sendMessage")) == 1  # no «related lessons» either
    text = summary.params["text"]
    assert "۱۷" in text and len(text) < 700
    read = next(b for b in _buttons(summary.params) if "url" in b)
    payload = parse_qs(urlparse(read["url"]).query)["start"][0]
    assert payload == "lesson-17"

    fake.push_message(f"/start {payload}", user_id=1120)
    whole = (await fake.wait_for("sendMessage", 2))[1]
    assert int(whole.params["chat_id"]) == 1120 and len(whole.params["text"]) > 2 * len(text)


async def test_help_in_a_group_is_a_short_note_that_opens_help_in_private(
        fake: FakeTelegram, telegram_app) -> None:
    fake.push_message("/help", user_id=1121, chat_id=GROUP, chat_type="group")
    note = (await fake.wait_for("sendMessage"))[0]
    assert len(note.params["text"]) < 300
    (button,) = _buttons(note.params)
    assert parse_qs(urlparse(button["url"]).query)["start"] == ["help"]


async def test_start_offers_its_first_steps_as_buttons(fake: FakeTelegram, telegram_app) -> None:
    fake.push_message("/start", user_id=1122)
    greeting = (await fake.wait_for("sendMessage"))[0]
    first = _buttons(greeting.params)[0]
    assert first["text"].endswith(help_words.FIRST_STEPS[0][0])
    message = fake.messages[(1122, greeting.result["message_id"])]
    fake.push_button(message, first["callback_data"], user_id=1122)
    photo = (await fake.wait_for("sendPhoto", timeout=60))[0]
    assert int(photo.params["chat_id"]) == 1122
