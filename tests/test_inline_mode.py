"""Inline mode end to end: ``@bot …`` queries through the real Application and the fake
Bot API (which refuses what Telegram refuses in answerInlineQuery)."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from urllib.parse import parse_qs, urlparse

import pytest

from bot.commands import inline
from bot.commands.base import Context, Services
from bot.commands.inline import answer
from bot.commands.router import start_link
from bot.doors import storage_chat as storage_chat_module
from bot.fa import help as help_words
from tests.fake_telegram import FakeTelegram, eventually


def _buttons(result: dict) -> list[dict]:
    markup = result.get("reply_markup") or {"inline_keyboard": []}
    return [button for row in markup["inline_keyboard"] for button in row]


def _start_of(button: dict) -> str:
    link = urlparse(button["url"])
    assert (link.netloc, link.path) == ("t.me", "/dars_test_bot")
    return parse_qs(link.query)["start"][0]


async def _answered(fake: FakeTelegram, count: int = 1) -> dict:
    call = (await fake.wait_for("answerInlineQuery", count, timeout=30))[count - 1]
    assert call.status == 200, call.result
    return call.params


async def test_a_word_offers_its_lessons_and_interview_questions(
        fake: FakeTelegram, telegram_app) -> None:
    fake.push_inline_query("adam")
    params = await _answered(fake)
    results = params["results"]
    assert results and all(r["type"] == "article" for r in results)
    lesson = next(r for r in results if r["id"].startswith("lesson-"))
    assert "Adam" in lesson["title"] or "آدام" in lesson["title"]
    text = lesson["input_message_content"]["message_text"]
    assert text.startswith("📘") and len(text) < 900  # a summary, not the whole lesson
    read, *lab = _buttons(lesson)
    assert _start_of(read) == lesson["id"]  # lesson-N opens lesson N in the bot
    # its lab is a button that runs it in the bot (lab-N), not a command to copy
    assert [_start_of(b) for b in lab] == [lesson["id"].replace("lesson-", "lab-")]
    assert "<code>/" not in text
    assert any(r["id"].startswith("interview-") for r in results)
    assert params["button"]["start_parameter"] == "lessons"


async def test_a_shared_lab_is_offered_as_its_picture_by_file_id(
        fake: FakeTelegram, services: Services, telegram_app) -> None:
    """The lab's «ارسال برای دوستان» types its query after the bot's name: the answer is
    the picture Telegram already has (no new upload), with the caption."""
    fake.push_message("/gd 0.1x^2 lr=0.4", user_id=3001)
    sent = (await fake.wait_for("sendPhoto", timeout=60))[0]
    file_id = sent.result["photo"][-1]["file_id"]
    (share,) = [b["switch_inline_query"] for b in _buttons(sent.params) if "switch_inline_query" in b]
    await eventually(lambda: len(services.file_ids))  # the bot has read Telegram's answer
    for query in (share, "/gd 0.1x^2 lr=0.4", "/gd ۰٫۱x^2   lr=۰٫۴"):
        fake.push_inline_query(query, user_id=3002)  # a friend, or the learner elsewhere
    for count in (1, 2, 3):
        (result,) = (await _answered(fake, count))["results"]
        assert result["type"] == "photo" and result["photo_file_id"] == file_id
        assert result["caption"] == sent.params["caption"] and result["parse_mode"] == "HTML"
        try_it, again = _buttons(result)
        assert again["switch_inline_query"] == share
        assert _start_of(try_it).startswith("do-")


STORAGE_CHAT = -1009876543210


@pytest.fixture
def storage_chat(services: Services) -> int:
    """BOT_STORAGE_CHAT_ID set: inline mode may upload a new lab's picture there."""
    services.settings = replace(services.settings, storage_chat_id=STORAGE_CHAT)
    return STORAGE_CHAT


async def test_a_lab_never_rendered_is_uploaded_once_to_the_storage_chat_and_offered_as_its_picture(
        fake: FakeTelegram, storage_chat: int, telegram_app) -> None:
    fake.push_inline_query("/gd 0.1x^2 lr=0.4", user_id=3101)
    (result,) = (await _answered(fake))["results"]
    (upload,) = fake.calls_to("sendPhoto")  # the only picture sent: to the storage chat
    assert int(upload.params["chat_id"]) == storage_chat
    assert upload.params["disable_notification"] is True
    file_id = upload.result["photo"][-1]["file_id"]
    assert result["type"] == "photo" and result["photo_file_id"] == file_id
    assert "0.4" in result["caption"] and result["parse_mode"] == "HTML"
    assert len(result["caption"].split("\n")) <= 6  # the short caption, as in a chat
    try_it, share = _buttons(result)
    assert _start_of(try_it).startswith("do-")
    assert share["switch_inline_query"].startswith("/gd 0.1x^2") and "lr=0.4" in share["switch_inline_query"]
    # A friend asks again (Persian digits, other spacing): the same file id, no upload.
    fake.push_inline_query("/gd ۰٫۱x^2   lr=۰٫۴", user_id=3102)
    (again,) = (await _answered(fake, 2))["results"]
    assert again["type"] == "photo" and again["photo_file_id"] == file_id
    # Run in the bot's chat, it is sent by that file id too.
    fake.push_message("/gd 0.1x^2 lr=0.4", user_id=3103)
    sent = (await fake.wait_for("sendPhoto", 2, timeout=60))[1]
    assert int(sent.params["chat_id"]) == 3103 and sent.params["photo"] == file_id
    assert len([c for c in fake.calls_to("sendPhoto") if c.params["chat_id"] == str(storage_chat)]) == 1


async def test_a_render_slower_than_the_query_is_a_card_then_the_picture(
        fake: FakeTelegram, storage_chat: int, telegram_app, monkeypatch) -> None:
    """Telegram drops an inline answer after a few seconds: a lab not ready in time is
    offered as its card; the render goes on, and the query asked again gets the picture."""
    monkeypatch.setattr(inline, "RENDER_SECONDS", 0.0)
    fake.push_inline_query("/gd 0.2x^2 lr=0.3", user_id=3111)
    (card,) = (await _answered(fake))["results"]
    assert card["type"] == "article" and not fake.calls_to("sendPhoto")
    monkeypatch.setattr(inline, "RENDER_SECONDS", 30.0)
    fake.push_inline_query("/gd 0.2x^2 lr=0.3", user_id=3111)
    (result,) = (await _answered(fake, 2))["results"]
    assert result["type"] == "photo"
    assert result["photo_file_id"] == fake.calls_to("sendPhoto")[0].result["photo"][-1]["file_id"]


async def test_only_the_query_the_learner_stopped_at_is_rendered(
        fake: FakeTelegram, storage_chat: int, telegram_app, monkeypatch) -> None:
    """Telegram sends a query at each pause in typing: the prefixes on the way (each a lab
    that would run) get the card; only the last is made and posted to the storage chat."""
    monkeypatch.setattr(inline, "SETTLE_SECONDS", 3.0)  # a busy test machine's "at once"
    typed = ("/gd 0.6x^2 lr=0.1", "/gd 0.6x^2 lr=0.15", "/gd 0.6x^2 lr=0.15 steps=9")
    ids = [fake.push_inline_query(text, user_id=3141)["inline_query"]["id"] for text in typed]
    calls = await fake.wait_for("answerInlineQuery", 3, timeout=30)
    kinds = {c.params["inline_query_id"]: [r["type"] for r in c.params["results"]] for c in calls}
    assert [kinds[i] for i in ids] == [["article"], ["article"], ["photo"]]
    (upload,) = fake.calls_to("sendPhoto")
    assert "steps=9" in upload.params["caption"]


async def test_an_upload_slower_than_the_query_is_kept_for_the_next_one(
        fake: FakeTelegram, services: Services, storage_chat: int, telegram_app,
        monkeypatch) -> None:
    """The query's time runs out while Telegram takes the picture: the card now, and the
    upload is not abandoned (no orphan in the storage chat): its file id serves the query
    asked again, with no second upload."""
    monkeypatch.setattr(storage_chat_module, "UPLOAD_SECONDS", 0.2)
    fake.delay("sendPhoto", 1.0)
    fake.push_inline_query("/gd 0.7x^2 lr=0.2", user_id=3151)
    (card,) = (await _answered(fake))["results"]
    assert card["type"] == "article"
    (upload,) = await fake.wait_for("sendPhoto")
    await eventually(lambda: len(services.file_ids))
    fake.push_inline_query("/gd 0.7x^2 lr=0.2", user_id=3151)
    (result,) = (await _answered(fake, 2))["results"]
    assert result["type"] == "photo"
    assert result["photo_file_id"] == upload.result["photo"][-1]["file_id"]
    assert len(fake.calls_to("sendPhoto")) == 1


async def test_the_newest_query_is_telegrams_newest_not_the_first_handler_there(
        services: Services, monkeypatch) -> None:
    """Handlers run concurrently: the last query typed may reach the settle point first
    (CI saw the middle one rendered instead). Telegram's order decides."""
    monkeypatch.setattr(inline, "SETTLE_SECONDS", 0.05)
    last = asyncio.create_task(inline._settled("/gd x^2 lr=0.15 steps=9",
                                               Context(services, user_id=77, sequence=3)))
    await asyncio.sleep(0)  # the last one gets there first
    middle = asyncio.create_task(inline._settled("/gd x^2 lr=0.15",
                                                 Context(services, user_id=77, sequence=2)))
    assert await last is True and await middle is False


async def test_a_storage_chat_that_refuses_leaves_the_card(
        fake: FakeTelegram, storage_chat: int, telegram_app, caplog) -> None:
    fake.fail("sendPhoto", 400, times=2)
    for number, query in enumerate(("/gd 0.4x^2 lr=0.1", "/gd 0.5x^2 lr=0.1"), 1):
        fake.push_inline_query(query, user_id=3120 + number)
        (card,) = (await _answered(fake, number))["results"]
        assert card["type"] == "article"
        assert query in card["input_message_content"]["message_text"]
    said = [r for r in caplog.records if "BOT_STORAGE_CHAT_ID" in r.getMessage()]
    assert sum(r.levelname == "WARNING" for r in said) <= 1  # a wrong chat is said once


async def test_a_refused_lab_is_not_uploaded(
        fake: FakeTelegram, storage_chat: int, telegram_app) -> None:
    fake.push_inline_query("/gd x^2 lr=abc", user_id=3131)
    (card,) = (await _answered(fake))["results"]
    assert card["type"] == "article" and not fake.calls_to("sendPhoto")


async def test_a_lab_without_a_picture_yet_opens_the_bot_and_runs_there(
        fake: FakeTelegram, telegram_app) -> None:
    fake.push_inline_query("/gd 0.3x^2 lr=0.2")
    params = await _answered(fake)
    (card,) = params["results"]
    assert card["type"] == "article"
    assert "/gd 0.3x^2 lr=0.2" in card["input_message_content"]["message_text"]
    start = params["button"]["start_parameter"]
    (button,) = _buttons(card)
    assert _start_of(button) == start and re.fullmatch(r"do-[A-Za-z0-9_-]{1,61}", start)
    fake.push_message(f"/start {start}", user_id=3003)  # the button above the results
    photo = (await fake.wait_for("sendPhoto", timeout=60))[0]
    assert int(photo.params["chat_id"]) == 3003 and "0.2" in photo.params["caption"]


async def test_a_function_typed_inline_is_offered_as_a_gd_lab(
        fake: FakeTelegram, telegram_app) -> None:
    fake.push_inline_query("x^4-3x^2+x")
    params = await _answered(fake)
    assert "/gd x^4-3x^2+x" in params["results"][0]["input_message_content"]["message_text"]


async def test_an_interview_card_reveals_its_answer_in_place(
        fake: FakeTelegram, telegram_app) -> None:
    fake.push_inline_query("/interview 27")
    (card,) = (await _answered(fake))["results"]
    reveal, lesson = _buttons(card)
    assert _start_of(lesson) == "lesson-27"
    assert "<code>/" not in card["input_message_content"]["message_text"]
    fake.push_inline_button(reveal["callback_data"], user_id=3004)
    edit = (await fake.wait_for("editMessageText"))[0]
    assert edit.params["inline_message_id"] == "inline-1"
    assert "blockquote" in edit.params["text"]
    # «سؤال دیگر» could not arrive anywhere; the related lesson opens in the bot
    (related,) = _buttons(edit.params)
    assert _start_of(related) == "lesson-27"


@pytest.mark.parametrize("query", [
    "", "/", "/gd", "/gd " + "x" * 250, "/start", "/forget", "<b>&amp;", "0", "۱۷", "/lesson 99999",
    "/backprop " + "w=1 " * 60, "\u200c\u200f", "/opt rosenbrock",
])
async def test_any_query_gets_a_valid_answer(fake: FakeTelegram, telegram_app, query: str) -> None:
    fake.push_inline_query(query)
    params = await _answered(fake)  # the fake refuses what Telegram would
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", params["button"]["start_parameter"])


async def test_the_empty_query_offers_first_steps(ctx: Context) -> None:
    found = await answer("", ctx)
    assert [card.id for card in found.cards][:2] == [
        "lab-" + start_link(example, ctx)[-40:] for example in help_words.HELP_EXAMPLES[:2]]
    assert any(card.id == "lesson-1" for card in found.cards)


async def test_a_do_link_runs_only_labs(ctx: Context) -> None:
    from bot.commands.router import handle_text

    forget = start_link("/forget", ctx)
    response = await handle_text(f"/start {forget}", ctx)
    assert response.replies[0].text == help_words.LINK_EXPIRED  # type: ignore[union-attr]
    broken = await handle_text("/start do-%%%", ctx)
    assert "سلام" in broken.replies[0].text  # type: ignore[union-attr]
