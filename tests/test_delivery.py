"""Transient Bot API failures: retried when a retry cannot send a message twice, otherwise
recorded where an admin sees it (/status, the log). The real Application against the
fake Bot API, which answers 500s and hangs up after carrying a request out."""

from __future__ import annotations

import httpx
import pytest
from telegram.error import NetworkError, TelegramError, TimedOut

from bot.commands.base import Services
from bot.doors.delivery import not_carried_out, repeatable
from tests.fake_telegram import FakeTelegram, eventually

ADMIN = 4242


def _texts_to(fake: FakeTelegram, chat_id: int) -> list[tuple[int, str]]:
    return [(c.status, c.params.get("text", "")) for c in fake.calls_to("sendMessage")
            if int(c.params["chat_id"]) == chat_id]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_a_reply_refused_with_a_server_error_is_sent_again(
        fake: FakeTelegram, telegram_app, services: Services, status: int) -> None:
    fake.fail("sendMessage", status, times=2)
    fake.push_message("/help", user_id=6001)
    await eventually(lambda: [s for s, _ in _texts_to(fake, 6001)] == [status, status, 200])
    assert "/gd" in _texts_to(fake, 6001)[-1][1]
    assert services.faults.count == 0


async def test_a_reply_that_may_have_arrived_is_not_sent_twice_and_is_reported(
        fake: FakeTelegram, telegram_app, services: Services) -> None:
    """Telegram carried the message out but the connection broke before its answer: a
    retry would give the learner the reply twice; the failure goes to /status."""
    fake.hang_up("sendMessage")
    fake.push_message("/help", user_id=6002)
    await eventually(lambda: services.faults.count == 1)
    assert len(_texts_to(fake, 6002)) == 1

    fake.push_message("/status", user_id=ADMIN)
    await eventually(lambda: len(_texts_to(fake, ADMIN)) == 1)
    status = _texts_to(fake, ADMIN)[0][1]
    assert "پاسخ‌های نافرستاده" in status and "۱" in status and "NetworkError" in status


async def test_a_reply_that_keeps_failing_is_given_up_and_reported(
        fake: FakeTelegram, telegram_app, services: Services) -> None:
    fake.fail("sendMessage", 500, times=10)
    fake.push_message("/help", user_id=6003)
    await eventually(lambda: services.faults.count == 1)
    assert [s for s, _ in _texts_to(fake, 6003)] == [500] * 4  # the first try and 3 more


async def test_an_edit_is_repeated_even_after_a_broken_connection(
        fake: FakeTelegram, telegram_app, services: Services) -> None:
    """Editing a message twice changes nothing more than once: any transient failure of
    an edit is retried, so a button press is never lost to a broken connection."""
    fake.push_message("/gd 0.1x^2 lr=0.4 steps=25", user_id=6004)
    sent = (await fake.wait_for("sendPhoto"))[0]
    double = next(b for row in sent.params["reply_markup"]["inline_keyboard"] for b in row
                  if "×" in b["text"])
    fake.hang_up("editMessageMedia")
    fake.push_button(sent.result, double["callback_data"], user_id=6004)
    edits = await fake.wait_for("editMessageMedia", 2)
    assert [e.status for e in edits] == [200, 200]
    await fake.wait_for("answerCallbackQuery")
    assert services.faults.count == 0


async def test_no_faults_means_the_status_says_so(fake: FakeTelegram, telegram_app) -> None:
    fake.push_message("/status", user_id=ADMIN)
    await eventually(lambda: len(_texts_to(fake, ADMIN)) == 1)
    assert "پاسخ‌های نافرستاده</b>: هیچ" in _texts_to(fake, ADMIN)[0][1]


def _raised(cause: BaseException | None) -> NetworkError:
    error = TimedOut() if isinstance(cause, httpx.TimeoutException) else NetworkError("x")
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(("cause", "proven"), [
    (None, True),  # the Bot API's own JSON error answer
    (httpx.ConnectError("refused"), True),
    (httpx.ConnectTimeout("slow"), True),
    (httpx.PoolTimeout("busy"), True),
    (httpx.ReadTimeout("no answer"), False),
    (httpx.WriteTimeout("half sent"), False),
    (httpx.RemoteProtocolError("hung up"), False),
    (httpx.ReadError("reset"), False),
    (TelegramError("Invalid server response"), False),  # a gateway's HTML page
])
def test_only_a_failure_that_proves_nothing_was_done_counts_as_not_carried_out(
        cause: BaseException | None, proven: bool) -> None:
    assert not_carried_out(_raised(cause)) is proven


@pytest.mark.parametrize(("endpoint", "safe"), [
    ("editMessageMedia", True), ("editMessageText", True), ("getMe", True),
    ("sendChatAction", True), ("setMyCommands", True),
    ("sendMessage", False), ("sendPhoto", False), ("sendPoll", False),
    ("sendAnimation", False), ("copyMessage", False), ("forwardMessage", False),
    ("stopPoll", False), ("answerCallbackQuery", False), ("deleteMessage", False),
])
def test_only_methods_without_a_further_effect_are_repeated_blindly(endpoint: str,
                                                                     safe: bool) -> None:
    assert repeatable(endpoint) is safe
