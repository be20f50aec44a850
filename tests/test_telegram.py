"""The real PTB Application against the fake Bot API server on 127.0.0.1."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.commands import lab
from bot.commands.base import Services
from bot.commands.gd import parse as gd_parse
from bot.doors.telegram import for_another_bot
from bot.fa.messages import BUSY_QUEUE, STALE_BUTTON
from tests.fake_telegram import FakeTelegram, eventually


def _buttons(call_params: dict) -> list[dict]:
    markup = call_params["reply_markup"]
    return [button for row in markup["inline_keyboard"] for button in row]


async def test_start_and_help_answer_in_persian_and_menu_is_registered(fake: FakeTelegram, telegram_app) -> None:
    commands = (await fake.wait_for("setMyCommands"))[0].params["commands"]
    names = {c["command"] for c in commands}
    assert {"start", "help", "gd"} <= names
    assert all(any("\u0600" <= ch <= "\u06ff" for ch in c["description"]) for c in commands)

    fake.push_message("/start", name="Sara")
    fake.push_message("/help")
    sent = await fake.wait_for("sendMessage", 2)
    texts = [c.params["text"] for c in sent]
    assert any("سلام Sara" in t for t in texts)
    # /help teaches the syntax in words; /start's first steps are buttons, not commands to copy
    start = next(c.params for c in sent if "سلام Sara" in c.params["text"])
    help_text = next(t for t in texts if "سلام Sara" not in t)
    assert "/gd" in help_text and "<code>/gd" not in start["text"]
    assert any(b["text"].startswith("🧪") for b in _buttons(start))
    assert all(c.params["parse_mode"] == "HTML" for c in sent)


async def test_gd_sends_a_photo_with_caption_keyboard_and_upload_action(
        fake: FakeTelegram, telegram_app, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lab, "PROGRESS_AFTER", 0.0)  # as if the render took a while
    fake.push_message("/gd 0.1x^2 lr=0.4 steps=25")
    call = (await fake.wait_for("sendPhoto"))[0]
    actions = [c.params["action"] for c in fake.calls_to("sendChatAction")]
    assert actions == ["upload_photo"]
    image = Image.open(io.BytesIO(call.files["photo"]))
    assert image.format == "PNG" and image.size == (780, 680)
    caption = call.params["caption"]
    assert "0.2x" in caption and "lr = 0.4" in caption and "0.2487" in caption
    buttons = _buttons(call.params)
    pressed = [b for b in buttons if "callback_data" in b]
    assert len(pressed) == 5  # ÷2, ×2, more steps, animation, «توضیح بیشتر»
    assert all(len(b["callback_data"].encode()) <= 64 for b in pressed)
    shares = [b["switch_inline_query"] for b in buttons if "switch_inline_query" in b]
    assert shares == ["/gd 0.1x^2 x0=2 lr=0.4 steps=25"]


async def test_a_quick_render_spends_no_budget_on_a_chat_action(
        fake: FakeTelegram, telegram_app, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lab, "PROGRESS_AFTER", 60.0)
    fake.push_message("/gd 0.3x^2 lr=0.4 steps=25", user_id=2003)
    await fake.wait_for("sendPhoto")
    assert fake.calls_to("sendChatAction") == []


async def test_a_render_that_could_not_be_sent_soon_is_refused_at_once(
        fake: FakeTelegram, telegram_app, services: Services) -> None:
    """Admission: with the render queue (or the send budget) seconds behind, a new
    picture is refused politely and immediately; a cached one is still sent."""
    fake.push_message("/gd 0.1x^2 lr=0.4 steps=25", user_id=2004)
    await fake.wait_for("sendPhoto")
    services.send_backlog = lambda pending=0, known=False: 0.0 if known else lab.ADMIT_SECONDS + 1
    fake.push_message("/gd 0.7x^2 lr=0.4 steps=25", user_id=2005)
    fake.push_message("/gd 0.1x^2 lr=0.4 steps=25", user_id=2006)
    await fake.wait_for("sendPhoto", 2)
    refusal = (await fake.wait_for("sendMessage"))[0]
    assert int(refusal.params["chat_id"]) == 2005 and refusal.params["text"] == BUSY_QUEUE
    assert {int(c.params["chat_id"]) for c in fake.calls_to("sendPhoto")} == {2004, 2006}


async def test_an_answer_of_two_pictures_waits_for_the_budget_twice(
        fake: FakeTelegram, telegram_app, services: Services) -> None:
    """/backprop sends two pictures, one after the other, each waiting for the send
    budget in turn: with the budget a little over half the admission limit behind, a /gd
    (one picture) is still rendered and a /backprop refused."""
    services.send_backlog = lambda pending=0, known=False: (
        0.0 if known else 0.55 * lab.ADMIT_SECONDS)
    fake.push_message("/backprop lr=0.0123", user_id=2012)
    refusal = (await fake.wait_for("sendMessage"))[0]
    assert int(refusal.params["chat_id"]) == 2012 and refusal.params["text"] == BUSY_QUEUE
    fake.push_message("/gd 0.74x^2 lr=0.4 steps=25", user_id=2013)
    assert int((await fake.wait_for("sendPhoto"))[0].params["chat_id"]) == 2013


async def test_over_telegrams_ceiling_a_refusal_is_not_sent(
        fake: FakeTelegram, telegram_app, services: Services) -> None:
    """When even pictures Telegram already has wait seconds for the send budget, every
    message is one an answer waits for: the refusal goes unsent (counted), a cached
    answer and /help still go, and refusals are sent again once the budget recovers."""
    fake.push_message("/gd 0.1x^2 lr=0.4 steps=25", user_id=2014)
    await fake.wait_for("sendPhoto")
    over = {"known": lab.OVER_CEILING + 1}
    services.send_backlog = lambda pending=0, known=False: over["known"] if known else 60.0
    before = services.runner.outcomes["gd", "unsent"]
    fake.push_message("/gd 0.75x^2 lr=0.4 steps=25", user_id=2015)
    fake.push_message("/gd 0.1x^2 lr=0.4 steps=25", user_id=2016)
    await fake.wait_for("sendPhoto", 2)
    fake.push_message("/help", user_id=2017)
    await fake.wait_for("sendMessage")
    assert services.runner.outcomes["gd", "unsent"] == before + 1
    over["known"] = 0.0
    fake.push_message("/gd 0.76x^2 lr=0.4 steps=25", user_id=2018)
    await fake.wait_for("sendMessage", 2)
    told = [int(c.params["chat_id"]) for c in fake.calls_to("sendMessage")
            if c.params["text"] == BUSY_QUEUE]
    assert told == [2018]


async def test_a_learner_refused_as_busy_is_told_once_then_not_again_for_a_while(
        fake: FakeTelegram, telegram_app, services: Services) -> None:
    """Over the ceiling each refusal costs a message the admitted pictures wait for: a
    learner is told once; asking again within QUIET_SECONDS gets nothing (counted);
    another learner is still told."""
    services.send_backlog = lambda pending=0, known=False: 0.0 if known else lab.ADMIT_SECONDS + 1
    before = dict(services.runner.outcomes)
    fake.push_message("/gd 0.71x^2 lr=0.4 steps=25", user_id=2007)
    await fake.wait_for("sendMessage")
    fake.push_message("/gd 0.72x^2 lr=0.4 steps=25", user_id=2007)
    fake.push_message("/gd 0.73x^2 lr=0.4 steps=25", user_id=2008)
    await fake.wait_for("sendMessage", 2)
    fake.push_message("/help", user_id=2007)  # the quiet one was handled before this answer
    await fake.wait_for("sendMessage", 3)
    refusals = [int(c.params["chat_id"]) for c in fake.calls_to("sendMessage")
                if c.params["text"] == BUSY_QUEUE]
    assert refusals == [2007, 2008]
    counted = {outcome: services.runner.outcomes[lab_name, outcome] - before.get((lab_name, outcome), 0)
               for lab_name, outcome in (("gd", "quiet"), ("gd", "busy"))}
    assert counted == {"quiet": 1, "busy": 3}


async def test_buttons_edit_the_photo_in_place(fake: FakeTelegram, telegram_app) -> None:
    fake.push_message("/gd 0.1x^2 lr=0.4 steps=25", user_id=2002)
    await fake.wait_for("sendPhoto")
    message = next(m for m in fake.messages.values() if "photo" in m)
    double = next(b for b in message["reply_markup"]["inline_keyboard"][0] if "×" in b["text"])
    fake.push_button(message, double["callback_data"], user_id=2002)
    edit = (await fake.wait_for("editMessageMedia"))[0]
    assert edit.params["media"]["type"] == "photo"
    assert "lr = 0.8" in edit.params["media"]["caption"]
    assert int(edit.params["message_id"]) == message["message_id"]
    await fake.wait_for("answerCallbackQuery")

    anim = message["reply_markup"]["inline_keyboard"][1][0]
    fake.push_button(message, anim["callback_data"], user_id=2002)
    edits = await fake.wait_for("editMessageMedia", 2)
    assert edits[1].params["media"]["type"] == "animation"
    gif = next(iter(edits[1].files.values()))
    assert Image.open(io.BytesIO(gif)).format == "GIF"


async def test_stale_or_forged_button_gets_a_polite_answer(fake: FakeTelegram, telegram_app) -> None:
    message = {"message_id": 5, "date": 0, "chat": FakeTelegram.chat(1001)}
    fake.push_button(message, "gd:AAAAAAAAAAA:double")
    fake.push_button(message, "nonsense")
    answers = await fake.wait_for("answerCallbackQuery", 2)
    assert all(a.params.get("text") == STALE_BUTTON for a in answers)
    assert fake.calls_to("editMessageMedia") == []


async def test_repeated_request_reuses_the_uploaded_file_id(
    fake: FakeTelegram, telegram_app, services: Services
) -> None:
    fake.push_message("/gd x^2+10y^2 x0=2,1 lr=0.05", user_id=3003)
    first = (await fake.wait_for("sendPhoto"))[0]
    assert "photo" in first.files
    await eventually(lambda: len(services.file_ids) == 1)
    fake.push_message("/gd x^2 + 10y^2 x0 = 2, 1 lr=۰٫۰۵", user_id=3004)
    second = (await fake.wait_for("sendPhoto", 2))[1]
    assert second.files == {}
    assert second.params["photo"].startswith("file-")


async def test_a_stale_file_id_falls_back_to_uploading_the_picture(
    fake: FakeTelegram, telegram_app, services: Services
) -> None:
    """Telegram forgot a file (or the cache outlived a bot token change): sending and
    editing with its id fail, and the bot uploads the bytes instead, once."""
    request = gd_parse("0.1x^2 lr=0.4 steps=25")
    await services.file_ids.put(request.key + "|png", "file-gone", "photo", services.clock())
    fake.push_message("/gd 0.1x^2 lr=0.4 steps=25", user_id=3005)
    refused, sent = await fake.wait_for("sendPhoto", 2)
    assert (refused.status, refused.params["photo"]) == (400, "file-gone")
    assert sent.status == 200 and "photo" in sent.files

    doubled = gd_parse("0.1x^2 lr=0.8 steps=25")
    await services.file_ids.put(doubled.key + "|png", "file-gone-too", "photo",
                                services.clock())
    button = next(b for b in sent.params["reply_markup"]["inline_keyboard"][0] if "×" in b["text"])
    fake.push_button(sent.result, button["callback_data"], user_id=3005)
    refused, edited = await fake.wait_for("editMessageMedia", 2)
    assert refused.status == 400 and edited.status == 200 and edited.files
    await fake.wait_for("answerCallbackQuery")


async def test_bad_input_gets_a_persian_message_not_a_crash(fake: FakeTelegram, telegram_app) -> None:
    fake.push_message("/gd __import__('os')")
    fake.push_message("/nosuchcommand")
    fake.push_message("سلام")
    sent = await fake.wait_for("sendMessage", 3)
    texts = [c.params["text"] for c in sent]
    assert any("مجاز نیست" in t and "مثال درست" in t for t in texts)
    assert any("نمی‌شناسم" in t for t in texts)
    assert any("/help" in t for t in texts)


async def test_plain_text_in_groups_is_ignored_but_commands_work(fake: FakeTelegram, telegram_app) -> None:
    fake.push_message("just chatting", chat_id=-500, chat_type="group")
    fake.push_message("/gd@other_bot x^2", chat_id=-500, chat_type="group")  # not ours
    fake.push_message("/help@dars_test_bot", chat_id=-500, chat_type="group")
    sent = await fake.wait_for("sendMessage", 1)
    assert len(sent) == 1 and "راهنما" in sent[0].params["text"]
    assert fake.calls_to("sendPhoto") == []


@pytest.mark.parametrize(("text", "theirs"), [
    ("/gd@other_bot x^2", True), ("/gd@Dars_Test_Bot x^2", False), ("/gd x^2", False),
    ("/help@other_bot", True), ("hello @other_bot", False), ("/@", False), ("/gd@ x", False),
])
def test_a_commandfor_another_bot_is_left_to_it(text: str, theirs: bool) -> None:
    assert for_another_bot(text, "dars_test_bot") is theirs
