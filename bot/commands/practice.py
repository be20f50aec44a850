"""/stats and /top, and a quiz as a poll (sessions and answers: :mod:`bot.commands.quiz`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.commands.base import Button, Context, Keyboard, Poll, Response, Services, Text
from bot.curriculum.model import Lesson, Quiz
from bot.fa import practice as words
from bot.fa.bidi import keep_formulas_ltr
from bot.fa.lessons import quiz_question
from bot.practice import stats, week_start
from bot.reminders import Preferences
from bot.storage import PollInfo


def tracked(services: Services, poll: Poll) -> Poll:
    """The poll as sent (its formulas kept left to right: a poll has no HTML) with its
    bookkeeping attached: once sent, it is recorded, so its answers can be traced to the
    quiz (and to its session)."""

    async def record(poll_id: str, chat_id: int, message_id: int) -> None:
        async with services.storage.transaction() as db:
            await db.polls.add(PollInfo(poll_id, poll.quiz_id, chat_id, message_id, poll.kind,
                                        poll.number), services.clock())
            if poll.session_id is not None and poll.position is not None:
                await db.sessions.add_poll(poll_id, poll.session_id, poll.position)

    return replace(poll, question=keep_formulas_ltr(poll.question),
                   options=tuple(keep_formulas_ltr(option) for option in poll.options),
                   explanation=keep_formulas_ltr(poll.explanation), on_sent=record)


def quiz_poll(quiz: Quiz, services: Services, *, kind: str = "practice",
              number: int | None = None, anonymous: bool = False) -> Poll:
    """A quiz as a Telegram quiz poll (the short explanation rides inside the poll)."""
    return tracked(services, Poll(
        question=quiz_question(quiz, number),
        options=quiz.options,
        correct_option=quiz.correct,
        explanation=quiz.explanation,
        is_anonymous=anonymous,
        quiz_id=quiz.id,
        kind=kind,
        number=number,
    ))


async def run_stats(args: str, ctx: Context) -> Response:
    """Accuracy, streaks, weakest topics; reviews due today, the estimated retention, and
    the lessons read out of the course's."""
    services = ctx.services
    async with services.storage.transaction() as db:
        answers = await db.answers.of_learner(ctx.user_id)
        cards = await db.cards.of_learner(ctx.user_id)
        read = await db.reads.of_learner(ctx.user_id)
        zone = (await db.prefs.get(ctx.user_id, Preferences(zone=services.settings.timezone))).tz
    result = stats(answers, services.course, zone, services.clock(), cards=cards,
                   read=len(read & {lesson.id for lesson in services.course.lessons}))
    data = {"answered": result.answered, "correct": result.correct,
            "current_streak": result.current_streak, "best_streak": result.best_streak,
            "weakest": [s.topic for s in result.weakest], "due_today": result.due_today,
            "retention": result.retention, "lessons_read": result.lessons_read}
    lessons = [s.lesson for s in result.weakest if s.lesson is not None]
    return Response([Text(words.stats_text(ctx.user_name, result), lesson_rows(lessons))],
                    data=data)


#: Lessons offered as buttons under one message (a session's score card, /stats).
LESSON_ROWS = 5


def lesson_rows(lessons: Sequence[Lesson]) -> Keyboard:
    """A button per lesson to reread, opening it in place of a ``/lesson N`` to copy."""
    return tuple((Button(words.lesson_button(lesson.order, lesson.title),
                         f"lesson:show:{lesson.order}"),) for lesson in lessons[:LESSON_ROWS])


async def run_top(args: str, ctx: Context) -> Response:
    if ctx.chat_type == "private":
        return Response([Text(words.NO_GROUP_TOP)])
    services = ctx.services
    since = week_start(services.clock(), services.settings.zone)
    async with services.storage.transaction() as db:
        week = await db.answers.leaderboard(ctx.chat_id, since)
        all_time = await db.answers.leaderboard(ctx.chat_id)
    return Response([Text(words.top_text(week, all_time))])
