"""Telegram's send budget spent by priority (bot.doors.budget), on a fake clock."""

from __future__ import annotations

import pytest

import asyncio

from telegram import InputFile

from bot.doors.budget import URGENT_WINDOW, Priority, SendBudget, priority_of


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_the_most_urgent_waiter_goes_first_and_the_rate_holds() -> None:
    budget = SendBudget(rate=30, burst=1)
    order: list[str] = []

    async def send(name: str, priority: Priority) -> None:
        await budget.take(priority)
        order.append(name)

    started = asyncio.get_running_loop().time()
    uploads = [asyncio.create_task(send(f"photo{i}", Priority.UPLOAD)) for i in range(6)]
    await asyncio.sleep(0)  # the photos are queued first…
    texts = [asyncio.create_task(send(f"text{i}", Priority.TEXT)) for i in range(2)]
    await asyncio.gather(*uploads, *texts)
    # the first photo took the free unit; both texts overtook every waiting photo
    assert order[:3] == ["photo0", "text0", "text1"]
    assert order[3:] == [f"photo{i}" for i in range(1, 6)]
    assert asyncio.get_running_loop().time() - started >= 7 / 30 - 0.01


def test_backlog_counts_only_the_waiters_ahead() -> None:
    clock = Clock()
    budget = SendBudget(rate=10, burst=1, clock=clock)
    assert budget.try_take()
    assert not budget.try_take()  # nothing left until the bucket refills
    assert budget.backlog_seconds(Priority.TEXT) == 0.1
    clock.now = 1.0
    assert budget.backlog_seconds(Priority.UPLOAD) == 0.0
    budget.pause(2.0)  # a 429
    assert budget.backlog_seconds(Priority.TEXT) >= 2.0 and not budget.try_take()


def test_pictures_still_rendering_count_in_an_uploads_backlog() -> None:
    """Admission asks for the backlog behind the renders in flight: their pictures reach
    the budget before the new one."""
    clock = Clock()
    budget = SendBudget(rate=10, burst=1, clock=clock)
    assert budget.backlog_seconds(Priority.UPLOAD) == 0.0
    assert budget.backlog_seconds(Priority.UPLOAD, pending=20) == 2.0


def test_priority_is_read_from_the_call() -> None:
    upload = InputFile(b"png", filename="a.png")
    assert priority_of("sendMessage", {"chat_id": 1, "text": "hi"}) is Priority.TEXT
    assert priority_of("sendPhoto", {"chat_id": 1, "photo": "file-1"}) is Priority.KNOWN
    assert priority_of("sendPhoto", {"chat_id": 1, "photo": upload}) is Priority.UPLOAD
    assert priority_of("sendChatAction", {"chat_id": 1, "action": "typing"}) is Priority.ACTION


async def test_a_burst_of_answers_stays_within_telegrams_limits(fake, telegram_app) -> None:
    """The fake refuses with 429 above 30 sends a second, as Telegram does; the bot's
    budget keeps it below, so a burst is answered without one refusal."""
    from tests.fake_telegram import SendLimits, eventually

    fake.limits = SendLimits()
    for user in range(45):
        fake.push_message("/help", user_id=8000 + user)
    await eventually(lambda: len(fake.calls_to("sendMessage")) >= 45)
    assert fake.limits.refused == 0
    assert all(c.status == 200 for c in fake.calls_to("sendMessage"))


async def test_an_upload_expects_to_wait_longer_while_answers_keep_overtaking_it() -> None:
    clock = Clock()
    budget = SendBudget(rate=30, burst=30, clock=clock)
    for _ in range(25):  # 25 answers in the last second take the budget first
        await budget.take(Priority.KNOWN)
    clock.now = 1.0
    assert budget.backlog_seconds(Priority.TEXT) == 0.0
    calm = SendBudget(rate=30, burst=30, clock=clock)
    assert budget.backlog_seconds(Priority.UPLOAD) == calm.backlog_seconds(Priority.UPLOAD) == 0.0
    budget.pause(0.0)  # the bucket is empty now: one unit ahead of a new upload
    assert budget.backlog_seconds(Priority.UPLOAD) > budget.backlog_seconds(Priority.TEXT) > 0


async def test_known_pictures_overtake_an_upload_only_for_a_while(monkeypatch) -> None:
    """Strict priority would starve uploads when cached pictures fill the budget; text
    still goes first whatever waits."""
    from bot.doors import budget as module

    monkeypatch.setattr(module, "AGE_SECONDS", 0.05)
    budget = SendBudget(rate=2, burst=1)
    order: list[str] = []

    async def send(name: str, priority: Priority) -> None:
        await budget.take(priority)
        order.append(name)

    await send("first", Priority.TEXT)
    upload = asyncio.create_task(send("photo", Priority.UPLOAD))
    await asyncio.sleep(0.2)  # longer than the photo's 0.05 s handicap over a known picture
    later = [asyncio.create_task(send(f"known{i}", Priority.KNOWN)) for i in range(2)]
    text = asyncio.create_task(send("text", Priority.TEXT))
    await asyncio.gather(upload, text, *later)
    assert order == ["first", "text", "photo", "known0", "known1"]


async def test_a_known_picture_counts_only_text_as_overtaking_it() -> None:
    """A picture sent by file id waits behind text only; an upload behind both. Counting
    the known pictures themselves as overtaking them would refuse cached answers the
    budget can still send."""
    clock = Clock()
    budget = SendBudget(rate=30, burst=60, clock=clock)
    for _ in range(30):  # cached pictures
        await budget.take(Priority.KNOWN)
    clock.now = 0.5
    for _ in range(30):  # and refusals
        await budget.take(Priority.TEXT)
    clock.now = 1.0
    budget.backlog_seconds(Priority.TEXT)  # the bucket refilled up to now…
    budget.pause(0.0)  # …and emptied: the new call is the 10th in line
    known, upload = budget.backlog_seconds(Priority.KNOWN, 9), budget.backlog_seconds(
        Priority.UPLOAD, 9)
    assert known == pytest.approx(10 / (30 - 30 / 3))  # 30 texts in 3 s: 20/s left
    assert upload == pytest.approx(10 / (30 - 60 / 3))  # and 30 pictures: 10/s left


async def test_refusals_and_cached_pictures_at_the_ceiling_leave_uploads_their_share() -> None:
    """At Telegram's ceiling with half the budget spent on refusals (text) and half on
    cached pictures: the dispatcher serves text first, then pictures by their turn, so a
    new upload waits for the ones ahead of it and the cached pictures of its one second of
    lead, at the 15/s text leaves. Counting every cached picture as overtaking it for good
    estimated twice that, refused the upload, and the refusal made it worse."""
    clock = Clock()
    budget = SendBudget(rate=30, burst=90, clock=clock)
    for _ in range(45):  # three seconds of cached pictures…
        await budget.take(Priority.KNOWN)
    for _ in range(45):  # …and of refusals
        await budget.take(Priority.TEXT)
    budget.pause(0.0)  # the bucket is empty: the new upload is the 10th in line
    assert budget.backlog_seconds(Priority.UPLOAD, 9) == pytest.approx((10 + 15) / 15)


async def test_an_upload_expects_at_least_what_the_last_uploads_waited() -> None:
    """What the estimate cannot see (a machine short of CPU) shows in what happened: a
    new upload expects the average wait of the uploads of the last few seconds."""
    clock = Clock()
    budget = SendBudget(rate=1, burst=1, clock=clock)
    await budget.take(Priority.UPLOAD)  # the bucket's one unit
    waiting = asyncio.ensure_future(budget.take(Priority.UPLOAD))
    await asyncio.sleep(0)
    clock.now = 2.5  # the dispatcher was late: the unit was there after 1 s
    await asyncio.wait_for(waiting, 5)
    clock.now = 3.0
    assert budget.backlog_seconds(Priority.UPLOAD) == pytest.approx(2.5)
    assert budget.backlog_seconds(Priority.KNOWN) == pytest.approx(0.5)  # half a unit to come
    clock.now = 2.5 + URGENT_WINDOW + 0.1  # forgotten after a while
    assert budget.backlog_seconds(Priority.UPLOAD) == 0.0


async def test_an_answer_once_started_is_finished_at_text_priority(
        fake, telegram_app, monkeypatch) -> None:
    """/backprop's network picture queues like any upload; its worked step and its table
    then continue the answer at text priority instead of queueing behind every picture
    asked for meanwhile."""
    budget = telegram_app.bot.rate_limiter.budget
    taken: list[Priority] = []
    real = budget.take

    async def spy(priority: Priority) -> None:
        taken.append(priority)
        await real(priority)

    monkeypatch.setattr(budget, "take", spy)
    fake.push_message("/backprop lr=0.0321", user_id=2020)
    await fake.wait_for("sendPhoto", 2)
    assert taken[0] is Priority.UPLOAD and len(taken) >= 4
    assert set(taken[1:]) == {Priority.TEXT}, taken
