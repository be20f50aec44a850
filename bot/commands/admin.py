"""/preview, /post_now, /skip, /status — the channel's admins steer the teacher."""

from __future__ import annotations

from bot.commands.base import Context, Response, Text, UserError
from bot.commands.channel import LESSON_COUNTER, NUMBER_COUNTER, QUIZ_COUNTER, ChannelTeacher
from bot.commands.practice import quiz_poll
from bot.fa import channel as words
from bot.fa.dates import header
from bot.fa.errors import unknown_choice
from bot.fa.lessons import lesson_message


def _teacher(ctx: Context) -> ChannelTeacher:
    if ctx.user_id not in ctx.services.settings.admin_ids:
        raise UserError(words.NOT_ADMIN)
    teacher = ctx.services.teacher
    if teacher is None or not teacher.enabled:
        raise UserError(words.NO_CHANNEL)
    return teacher


async def run_preview(args: str, ctx: Context) -> Response:
    """The next lesson and quiz exactly as the channel will get them."""
    teacher = _teacher(ctx)
    storage, course = ctx.services.storage, ctx.services.course
    async with storage.transaction() as db:
        lesson = course.lessons[await db.counters.get(LESSON_COUNTER) % len(course.lessons)]
        quiz = course.quizzes[await db.counters.get(QUIZ_COUNTER) % len(course.quizzes)]
        number = await db.counters.get(NUMBER_COUNTER) + 1
    now = ctx.services.clock()
    return Response([
        Text(lesson_message(lesson, len(course.lessons), header(now, ctx.services.settings.zone))),
        quiz_poll(quiz, ctx.services, number=number, anonymous=True, kind="preview"),
    ], data={"lesson": lesson.id, "quiz": quiz.id, "number": number, "owner": teacher.owner})


async def run_post_now(args: str, ctx: Context) -> Response:
    teacher = _teacher(ctx)
    kind = args.strip().lower()
    if kind not in ("lesson", "quiz"):
        raise UserError(unknown_choice("post_now", kind or "—", ("lesson", "quiz"), "/post_now quiz"))
    if not await teacher.post_now(kind, ctx.services.clock()):
        raise UserError(words.POST_FAILED.format(kind=words.KIND_NAMES[kind]))
    return Response([Text(words.POSTED.format(kind=words.KIND_NAMES[kind]))])


async def run_skip(args: str, ctx: Context) -> Response:
    teacher = _teacher(ctx)
    kind = await teacher.skip(ctx.services.clock())
    if kind is None:
        return Response([Text(words.NOTHING_TO_SKIP)])
    return Response([Text(words.SKIPPED.format(kind=words.KIND_NAMES[kind]))], data={"skipped": kind})


async def run_status(args: str, ctx: Context) -> Response:
    """The channel's schedule and recent posts, and the answers the bot failed to send;
    without a channel, the failures alone."""
    if ctx.user_id not in ctx.services.settings.admin_ids:
        raise UserError(words.NOT_ADMIN)
    faults = ctx.services.faults
    failures = words.faults_section(faults.count, list(faults.recent), ctx.services.settings.zone)
    if ctx.services.teacher is None or not ctx.services.teacher.enabled:
        return Response([Text(f"{words.NO_CHANNEL}\n\n{failures}")])
    teacher = _teacher(ctx)
    storage = ctx.services.storage
    async with storage.transaction() as db:
        positions = {name: await db.counters.get(name) for name in (LESSON_COUNTER, NUMBER_COUNTER)}
        recent = [words.recent_line(s.key, s.status, s.message_id)
                  for s in await db.slots.recent(limit=8)]
    text = words.status_message(teacher.upcoming(ctx.services.clock()), positions,
                                len(ctx.services.course.lessons), recent, ctx.services.settings.zone)
    return Response([Text(f"{text}\n\n{failures}")])
