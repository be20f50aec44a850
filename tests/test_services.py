"""The composition root (bot.services): the doors get complete services from one place."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.doors.budget import Priority
from bot.doors.cli import OfflineClock
from bot.doors.telegram import TelegramChannel, build_application, door_parts
from bot.services import DoorParts, open_services
from bot.teacher import Teacher
from tests.fake_telegram import TOKEN, FakeTelegram


async def test_the_telegram_door_gets_services_with_their_teacher_built(
        fake: FakeTelegram, tmp_path: Path) -> None:
    settings = Settings(token=TOKEN, api_base_url=fake.base_url, workers=1, channel_id=-100,
                        db_url=f"sqlite:///{tmp_path / 'bot.db'}")
    application = build_application(settings)
    async with open_services(settings, door_parts(application)) as services:
        teacher = services.teacher
        assert isinstance(teacher, Teacher) and teacher.enabled
        assert teacher.services is services  # it posts with the services it serves
        assert isinstance(teacher.door, TelegramChannel)
        assert teacher.door.bot is application.bot and teacher.door.services is services
        # the door's send budget: nothing queued, so a picture would not wait
        budget = application.bot.rate_limiter.budget
        assert services.send_backlog(3) == budget.backlog_seconds(Priority.UPLOAD, 3) < 1
        assert services.runner.alive() and services.course.lessons
    assert not services.runner.alive()  # closed with the context


async def test_an_offline_door_gets_no_teacher_and_its_own_clock(tmp_path: Path) -> None:
    clock = OfflineClock()
    settings = Settings(workers=1, db_url=f"sqlite:///{tmp_path / 'bot.db'}", channel_id=-100)
    async with open_services(settings, DoorParts(clock=clock)) as services:
        assert services.teacher is None  # no door to a channel, no teacher
        assert services.clock is clock and services.send_backlog(3) == 0.0
