"""Hostile and odd updates through the real PTB Application and the fake Bot API: none
stops the bot, none is answered where it must not be, none leaves an error in the log."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from bot.commands.base import Services
from bot.commands.quiz import answer_poll
from bot.doors.updates import UnparsableUpdate, parse_update, readable_batch
from bot.fa.messages import INLINE_ONLY
from bot.storage import AnswerInfo, PollInfo
from tests.fake_telegram import FakeTelegram, eventually

SARA = FakeTelegram.user(1001)
CHANNEL = {"id": -1009, "type": "channel", "title": "Dars"}
GROUP = {"id": -500, "type": "group", "title": "Group"}


def _message(text: str | None = None, chat: dict[str, Any] | None = None, **extra: Any) -> dict:
    message: dict[str, Any] = {"message_id": 77, "date": int(time.time()),
                               "chat": chat or FakeTelegram.chat(1001), **extra}
    if chat is None or chat.get("type") != "channel":
        message["from"] = SARA
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": len(text.split()[0])}]
    return message


#: Updates python-telegram-bot 22.8 refuses to parse (each would block the batch forever).
UNPARSABLE = {
    "poll_answer without option_persistent_ids (Bot API < 9.6)": {
        "poll_answer": {"poll_id": "p1", "user": SARA, "option_ids": [0]}},
    "message whose date is a word": {"message": {**_message("/start"), "date": "today"}},
    "command entity without its place": {"message": {
        **_message("/start"), "entities": [{"type": "bot_command"}]}},
    "callback query whose sender is a string": {"callback_query": {
        "id": "q", "from": "me", "chat_instance": "ci", "data": "gd:x"}},
    "message that is a string": {"message": "/start"},
    "sender without a first name": {"message": {**_message("/start"), "from": {"id": 5}}},
    "poll without its options": {"poll": {"id": "p2", "question": "?"}},
}


async def _answered(fake: FakeTelegram, user_id: int) -> None:
    """A /start from ``user_id`` is pushed and answered: the updates before it were read."""
    fake.push_message("/start", user_id=user_id)
    await eventually(lambda: any(int(c.params["chat_id"]) == user_id
                                 for c in fake.calls_to("sendMessage")))


@pytest.mark.parametrize("update", UNPARSABLE.values(), ids=UNPARSABLE.keys())
async def test_an_unparsable_update_is_logged_once_and_skipped(
        fake: FakeTelegram, telegram_app, caplog, update: dict) -> None:
    caplog.set_level(logging.WARNING)
    bad = fake.push_raw(dict(update))
    await _answered(fake, 2001)  # the update right behind it gets its answer
    await _answered(fake, 2002)  # and so does a later batch
    skipped = [r for r in caplog.records if "cannot read" in r.getMessage()]
    assert len(skipped) == 1 and f"update {bad['update_id']}:" in skipped[0].getMessage()
    offsets = [int(c.params.get("offset") or 0) for c in fake.calls_to("getUpdates")]
    assert offsets == sorted(offsets) and offsets.count(bad["update_id"]) <= 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_batch_keeps_every_readable_update_and_the_ids_of_the_others(caplog) -> None:
    good = {"update_id": 3, "message": _message("/start")}
    batch = [{"update_id": 1, **UNPARSABLE["message that is a string"]}, {"no_id": True},
             "not even a mapping", good]
    assert readable_batch(batch) == [{"update_id": 1}, good]
    assert len([r for r in caplog.records if "cannot read" in r.getMessage()]) == 3
    assert parse_update(good).effective_message.text == "/start"


@pytest.mark.parametrize("data", [{}, {"update_id": "7"}, {"update_id": True}, [], None])
def test_an_update_without_a_whole_number_id_is_unparsable(data: object) -> None:
    with pytest.raises(UnparsableUpdate) as raised:
        parse_update(data)
    assert raised.value.update_id is None


#: Updates that parse but must get no answer: an edit is not a new request; a channel
#: post that starts with «/» is the channel's text; stickers, photos, polls and kinds the
#: bot does not handle are not commands.
IGNORED = {
    "edited message": {"edited_message": _message("/gd x^2", edit_date=int(time.time()))},
    "channel post /gd": {"channel_post": _message("/gd 0.1x^2", CHANNEL)},
    "channel post /quiz": {"channel_post": _message("/quiz", CHANNEL)},
    "channel post /post_now": {"channel_post": _message("/post_now quiz", CHANNEL)},
    "edited channel post": {"edited_channel_post": _message("/help", CHANNEL,
                                                            edit_date=int(time.time()))},
    "sticker": {"message": _message(sticker={
        "file_id": "s", "file_unique_id": "su", "type": "regular", "width": 512,
        "height": 512, "is_animated": False, "is_video": False})},
    "photo with a command caption": {"message": _message(
        caption="/gd x^2", photo=[{"file_id": "ph", "file_unique_id": "u", "width": 9,
                                   "height": 9}])},
    "a poll's new state": {"poll": {
        "id": "unknown-poll", "question": "?", "total_voter_count": 1, "is_closed": False,
        "is_anonymous": True, "type": "regular", "allows_multiple_answers": False,
        "allows_revoting": False, "members_only": False,
        "options": [{"text": "a", "voter_count": 1, "persistent_id": "0"}]}},
    "an answer to an unknown poll": {"poll_answer": {
        "poll_id": "unknown-poll", "user": SARA, "option_ids": [0],
        "option_persistent_ids": ["0"]}},
    "a retracted vote": {"poll_answer": {"poll_id": "unknown-poll", "user": SARA,
                                         "option_ids": [], "option_persistent_ids": []}},
    "an anonymous admin's vote (no user)": {"poll_answer": {
        "poll_id": "unknown-poll", "voter_chat": GROUP, "option_ids": [0],
        "option_persistent_ids": ["0"]}},
    "a kind of update from a newer Bot API": {"future_kind": {"whatever": [1, 2, 3]}},
    "an empty message": {"message": _message()},
    "a message without a chat": {"message": {"message_id": 1, "date": 0, "text": "/start"}},
    "a press without its sender or message": {"callback_query": {
        "id": "q", "chat_instance": "ci", "data": "gd:x"}},
    "a service message in a group": {"message": _message(
        chat=GROUP, new_chat_members=[FakeTelegram.user(5, "New")])},
}


@pytest.mark.parametrize("update", IGNORED.values(), ids=IGNORED.keys())
async def test_an_update_that_is_not_a_request_gets_no_answer_and_no_error(
        fake: FakeTelegram, telegram_app, caplog, update: dict) -> None:
    caplog.set_level(logging.WARNING)
    fake.push_raw(dict(update))
    await _answered(fake, 2003)
    sent = [c for c in fake.calls if c.method.startswith("send") and c.method != "sendChatAction"]
    assert [int(c.params["chat_id"]) for c in sent] == [2003]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def _practice_poll(fake: FakeTelegram, user_id: int) -> tuple[str, int]:
    """/quiz in private: the poll id the fake gave it and its correct option."""
    fake.push_message("/quiz", user_id=user_id)
    call = (await fake.wait_for("sendPoll"))[0]
    return call.result["poll"]["id"], int(call.params["correct_option_ids"][0])


@pytest.mark.parametrize("forged", [[99], [-1], ["end"], [0, 1], [True]],
                         ids=["option 99", "negative", "one past the end", "two options",
                              "a boolean"])
async def test_a_forged_poll_answer_is_ignored_and_the_real_one_counts(
        fake: FakeTelegram, telegram_app, services: Services, caplog, forged: list) -> None:
    poll_id, correct = await _practice_poll(fake, 3001)
    if forged == ["end"]:
        forged = [len(fake.calls_to("sendPoll")[0].params["options"])]
    fake.push_raw({"poll_answer": {"poll_id": poll_id, "user": FakeTelegram.user(3001),
                                   "option_ids": forged,
                                   "option_persistent_ids": [str(o) for o in forged]}})
    await _answered(fake, 3002)
    assert await _answers(services, 3001) == []
    fake.push_poll_answer(poll_id, [correct], user_id=3001)
    await eventually(lambda: _answers(services, 3001))
    [stored] = await _answers(services, 3001)
    assert stored.correct
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("forged", [[4], [-2], [0, 0], []])
async def test_the_command_layer_records_only_one_of_the_polls_options(
        services: Services, forged: list) -> None:
    async with services.storage.transaction() as db:
        await db.polls.add(PollInfo("p", services.course.quizzes[0].id, 7, 1, "practice", None),
                           services.clock())
    response = await answer_poll(services, "p", 7, "Sara", forged)
    assert (response.replies, response.data) == ([], None)
    assert await _answers(services, 7) == []


async def _answers(services: Services, user_id: int) -> list[AnswerInfo]:
    async with services.storage.transaction() as db:
        return await db.answers.of_learner(user_id)


async def test_an_inline_message_press_edits_that_message_or_answers_politely(
        fake: FakeTelegram, telegram_app, services: Services, caplog) -> None:
    """A press under a message shared through inline mode carries no chat: the lab's
    buttons edit the inline message when Telegram already has the new picture (it takes
    no upload there), otherwise the press is answered in words; a press whose answer is
    a new message is answered in words too; nothing goes to a made-up chat."""
    caplog.set_level(logging.WARNING)
    fake.push_message("/gd 0.1x^2 lr=0.4 steps=25", user_id=4001)
    sent = (await fake.wait_for("sendPhoto"))[0]
    buttons = [b for row in sent.params["reply_markup"]["inline_keyboard"] for b in row]
    double = next(b for b in buttons if "×" in b["text"])["callback_data"]

    fake.push_inline_button(double, user_id=4001)
    first = (await fake.wait_for("answerCallbackQuery"))[0]
    assert first.params.get("text") == INLINE_ONLY
    assert [c.status for c in fake.calls_to("editMessageMedia")] == [400]

    fake.push_message("/gd 0.1x^2 lr=0.8 steps=25", user_id=4001)  # Telegram gets the picture
    await fake.wait_for("sendPhoto", 2)
    await eventually(lambda: len(services.file_ids) == 2)
    fake.push_inline_button(double, user_id=4001)
    second = (await fake.wait_for("answerCallbackQuery", 2))[1]
    edit = fake.calls_to("editMessageMedia")[-1]
    assert (edit.status, edit.params["inline_message_id"], edit.files) == (200, "inline-1", {})
    assert second.params.get("text") is None

    fake.push_inline_button("quiz:next", user_id=4001)
    third = (await fake.wait_for("answerCallbackQuery", 3))[2]
    assert third.params.get("text") == INLINE_ONLY
    assert fake.calls_to("sendPoll") == []
    assert all(str(c.params.get("chat_id", "4001")) != "0" for c in fake.calls)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
