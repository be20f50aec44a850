"""/preview, /post_now, /skip, /status, /resend, /arrived — the channel's admins steer the
teacher."""

from __future__ import annotations

from bot.commands.base import Context, Response, Text, UserError
from bot.commands.channel import LESSON_COUNTER, NUMBER_COUNTER, ChannelTeacher
from bot.fa import channel as words
from bot.fa.errors import unknown_choice
from bot.fa.html import code
from bot.storage.inbox import QUARANTINED

POST_NOW_KINDS = ("lesson", "quiz", "reveal")


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
    preview = await teacher.preview(ctx.services.clock())
    return Response([preview.lesson, preview.quiz],
                    data={"lesson": preview.lesson_id, "quiz": preview.quiz_id,
                          "number": preview.number, "owner": teacher.owner})


async def run_post_now(args: str, ctx: Context) -> Response:
    teacher = _teacher(ctx)
    kind = args.strip().lower()
    if kind not in POST_NOW_KINDS:
        raise UserError(unknown_choice("post_now", kind or "—", POST_NOW_KINDS, "/post_now quiz"))
    try:
        posted = await teacher.post_now(kind, ctx.services.clock())
    except LookupError:
        raise UserError(words.NOTHING_TO_REVEAL) from None
    if not posted:
        raise UserError(words.POST_FAILED.format(kind=words.KIND_NAMES[kind]))
    return Response([Text(words.POSTED.format(kind=words.KIND_NAMES[kind]))])


async def run_resend(args: str, ctx: Context) -> Response:
    """``/resend KEY``: a reported post is not in the chat; post it again."""
    teacher = _teacher(ctx)
    key = _key(args, "resend")
    try:
        posted = await teacher.resend(key, ctx.services.clock())
    except LookupError:
        raise UserError(words.NOT_REPORTED.format(key=code(key))) from None
    if not posted:
        raise UserError(words.RESEND_FAILED)
    return Response([Text(words.RESENT)])


async def run_arrived(args: str, ctx: Context) -> Response:
    """``/arrived KEY``: a reported post is in the chat; mark it posted."""
    teacher = _teacher(ctx)
    key = _key(args, "arrived")
    try:
        await teacher.arrived(key, ctx.services.clock())
    except LookupError:
        raise UserError(words.NOT_REPORTED.format(key=code(key))) from None
    return Response([Text(words.MARKED_ARRIVED)])


def _key(args: str, command: str) -> str:
    key = args.strip()
    if not key or len(key) > 64:
        raise UserError(words.KEY_NEEDED.format(command=command))
    return key


async def run_skip(args: str, ctx: Context) -> Response:
    teacher = _teacher(ctx)
    kind = await teacher.skip(ctx.services.clock())
    if kind is None:
        return Response([Text(words.NOTHING_TO_SKIP)])
    return Response([Text(words.SKIPPED.format(kind=words.KIND_NAMES[kind]))], data={"skipped": kind})


async def run_status(args: str, ctx: Context) -> Response:
    """The channel's schedule, recent posts and the posts awaiting an admin's decision,
    the answers the bot failed to send and the updates it gave up on (quarantined); without
    a channel, the failures alone."""
    if ctx.user_id not in ctx.services.settings.admin_ids:
        raise UserError(words.NOT_ADMIN)
    faults = ctx.services.faults
    zone = ctx.services.settings.zone
    storage = ctx.services.storage
    async with storage.transaction() as db:
        quarantined = (await db.inbox.counts()).get(QUARANTINED, 0)
        newest = await db.inbox.quarantined(limit=5) if quarantined else []
    failures = "\n\n".join((
        words.faults_section(faults.count, list(faults.recent), zone),
        words.quarantine_section(quarantined, [(q.update_id, q.kind, q.attempts, q.error,
                                                q.updated_at) for q in newest], zone)))
    data = {"quarantined": quarantined}
    if ctx.services.teacher is None or not ctx.services.teacher.enabled:
        return Response([Text(f"{words.NO_CHANNEL}\n\n{failures}")], data=data)
    teacher = _teacher(ctx)
    async with storage.transaction() as db:
        positions = {name: await db.counters.get(name) for name in (LESSON_COUNTER, NUMBER_COUNTER)}
        recent = [words.recent_line(s.key, s.status, s.message_id)
                  for s in await db.slots.recent(limit=8)]
        reported = [s.key for s in await db.slots.recent(statuses=("reported",), limit=50)]
    text = words.status_message(await teacher.upcoming(ctx.services.clock()), positions,
                                len(ctx.services.course.lessons), recent, zone)
    return Response([Text(f"{text}\n\n{words.reported_section(reported)}\n\n{failures}")],
                    data={"reported": len(reported), **data})
