"""/lesson, /lessons and /interview — reading the course: next, by number, by topic word,
from a paged table of contents; and the interview questions."""

from __future__ import annotations

import math
import random
from collections.abc import Set as AbstractSet

from bot.commands import gd, lr, opt
from bot.commands.base import GROUP_CHATS, Button, Context, Keyboard, Response, Text, UserError
from bot.commands.lab import lab_row
from bot.commands.options import whole_number
from bot.curriculum.model import Curriculum, Lesson
from bot.fa import practice as words
from bot.fa.lessons import (
    ANOTHER_QUESTION,
    READ_IN_PRIVATE,
    RELATED_LESSON,
    SHOW_ANSWER,
    interview_message,
    lesson_message,
    lesson_summary,
)
from bot.fa.numbers import fa_int, normalize_input

EXAMPLE = "/lesson 17"
PAGE_SIZE = 8


def _fold(text: str) -> str:
    """Lowercase, Persian letters and digits normalised, «آ» as «ا», no ezafe mark and no
    (half-)spaces, so «ادام» finds «آدام» and «لایه پنهان» finds «لایهٔ پنهان»."""
    folded = normalize_input(text).lower().replace("آ", "ا").replace("\u0654", "")
    return folded.replace(" ", "").replace("\u200c", "")


def search(course: Curriculum, query: str) -> list[Lesson]:
    """Lessons matching a word, best first: id, then title, then keywords, then topic."""
    wanted = _fold(query)
    if not wanted:
        return []
    ranked = []
    for lesson in course.lessons:
        fields = [(0, lesson.id), (1, lesson.title), *((2, k) for k in lesson.keywords), (3, lesson.topic)]
        ranks = [rank for rank, value in fields if wanted in _fold(value)]
        if ranks:
            ranked.append((min(ranks), lesson.order, lesson))
    return [lesson for _, _, lesson in sorted(ranked, key=lambda item: item[:2])]


def lab_keyboard(lesson: Lesson, *, link: bool = False) -> Keyboard:
    """A button that runs the lesson's "try it" line (in a channel: in the bot's chat);
    ``link``: a deep link that runs it in the bot's chat (under an inline message, which
    has no chat of its own to answer in)."""
    if not lesson.lab:
        return ()
    label = words.LESSON_LAB.format(
        command=lesson.lab if len(lesson.lab) <= 40 else lesson.lab[:39] + "…")
    if link:
        return ((Button(label, start=f"lab-{lesson.order}"),),)
    return ((Button(label, f"lesson:lab:{lesson.order}"),),)


def app_row(ctx: Context, lesson: Lesson) -> tuple[Button, ...]:
    """The Mini App opened on the lesson's /gd, /lr or /opt lab (private chats, with
    BOT_WEBAPP_URL): the lab to drag, not only to run."""
    name, _, args = (lesson.lab or "").partition(" ")
    parsers = {"/gd": lambda: gd.lab_query(gd.parse(args)),
               "/lr": lambda: lr.lab_query(lr.parse(args)),
               "/opt": lambda: opt.lab_query(opt.parse(args))}
    if name not in parsers or not ctx.services.settings.webapp_url or ctx.chat_type != "private":
        return ()
    try:
        return lab_row(ctx, parsers[name]())
    except UserError:  # ``lessons check`` runs every lab line; a broken one only loses this button
        return ()


def neighbours(course: Curriculum, lesson: Lesson) -> tuple[Button, ...]:
    """«بعدی» (moves the reading position) and «قبلی» (only shows), right to left."""
    buttons = []
    if course.by_order(lesson.order + 1) is not None:
        buttons.append(Button(words.NEXT_LESSON, f"lesson:next:{lesson.order + 1}"))
    if course.by_order(lesson.order - 1) is not None:
        buttons.append(Button(words.PREVIOUS_LESSON, f"lesson:show:{lesson.order - 1}"))
    return tuple(buttons)


def lesson_reply(course: Curriculum, lesson: Lesson, chat_type: str = "private",
                 read: bool = False, app: tuple[Button, ...] = ()) -> Text:
    """A lesson with its buttons: the course either way, «✅ خواندم» (or that it was),
    its quiz and its lab (``app``: the Mini App on it, :func:`app_row`). The channel's hashtags are left out of a private chat, where
    they link nowhere. In a group, a summary whose button opens the whole lesson in the
    private chat (the group is not flooded with a screenful each time)."""
    if chat_type in GROUP_CHATS:
        read_it = Button(READ_IN_PRIVATE, start=f"lesson-{lesson.order}")
        summary = lesson_summary(lesson, len(course.lessons), hashtags=True)
        return Text(summary, ((read_it,), *lab_keyboard(lesson)))
    rows = [row for row in (neighbours(course, lesson),) if row]
    mark = Button(words.LESSON_WAS_READ if read else words.LESSON_READ, f"lesson:read:{lesson.order}")
    keyboard: Keyboard = (*rows, (mark, Button(words.LESSON_QUIZ, f"quiz:lesson:{lesson.id}")),
                          *lab_keyboard(lesson), *((app,) if app else ()))
    text = lesson_message(lesson, len(course.lessons), hashtags=chat_type != "private")
    return Text(text, keyboard)


def lesson_lab(course: Curriculum, order: int) -> str:
    """The lab line of lesson ``order``; a Persian UserError when there is none."""
    lesson = course.by_order(order)
    if lesson is None:
        raise UserError(words.lesson_out_of_range(order, len(course.lessons)))
    if not lesson.lab:
        raise UserError(words.NO_LAB)
    return lesson.lab


async def run(args: str, ctx: Context) -> Response:
    """``/lesson``: the next lesson (the reading position moves); ``/lesson 17`` or
    ``/lesson adam``: that lesson, to look at (the position stays)."""
    return await _show(args, ctx, advance=not normalize_input(args).strip())


async def _show(args: str, ctx: Context, *, advance: bool) -> Response:
    """Find the lesson ``args`` asks for; ``advance`` makes it the learner's position."""
    course = ctx.services.course
    storage = ctx.services.storage
    if not course.lessons:
        return Response([Text(words.NO_LESSONS)])
    query = normalize_input(args).strip()
    replies: list = []
    related: list[Lesson] = []
    if not query:
        async with storage.transaction() as db:
            position = await db.learners.lesson_position(ctx.user_id)
        lesson = course.by_order(position + 1)
        if lesson is None:
            replies.append(Text(words.COURSE_FINISHED))
            lesson = course.lessons[0]
    elif query.isdigit():
        number = whole_number(query)
        if number is None:  # «²», or a number longer than any course
            raise UserError(words.lesson_out_of_range_text(query[:12], len(course.lessons)))
        lesson = course.by_order(number)
        if lesson is None:
            raise UserError(words.lesson_out_of_range(number, len(course.lessons)))
    else:
        found = search(course, query)
        if not found:
            raise UserError(words.lesson_not_found(args.strip()))
        lesson, related = found[0], found[1:6]
    async with storage.transaction() as db:
        if advance:
            await db.learners.touch(ctx.user_id, ctx.user_name, ctx.services.clock())
            await db.learners.set_lesson_position(ctx.user_id, lesson.order)
        read = lesson.id in await db.reads.of_learner(ctx.user_id)
    replies.append(lesson_reply(course, lesson, ctx.chat_type, read=read and ctx.chat_type == "private",
                                app=app_row(ctx, lesson)))
    if related and ctx.chat_type not in GROUP_CHATS:
        buttons = tuple((Button(f"{fa_int(o.order)}. {o.title}", f"lesson:show:{o.order}"),)
                        for o in related)
        replies.append(Text(words.RELATED_LESSONS, buttons))
    return Response(replies, data={"lesson": lesson.id, "order": lesson.order})


def table_of_contents(course: Curriculum, page: int, read: AbstractSet[str] = frozenset()) -> Text:
    """One page of lessons, whole titles, ✅ on those the learner marked read."""
    pages = max(1, math.ceil(len(course.lessons) / PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = list(course.lessons[(page - 1) * PAGE_SIZE:page * PAGE_SIZE])
    rows = [(Button(words.toc_row(l, l.id in read), f"lesson:show:{l.order}"),) for l in shown]
    nav = []  # right to left: the next page on the left
    if page < pages:
        nav.append(Button(words.NEXT_PAGE, f"lesson:page:{page + 1}"))
    if page > 1:
        nav.append(Button(words.PREVIOUS_PAGE, f"lesson:page:{page - 1}"))
    keyboard = tuple(rows) + ((tuple(nav),) if nav else ())
    read_count = sum(lesson.id in read for lesson in course.lessons)
    text = words.toc_text(shown, page, pages, len(course.lessons), read, read_count)
    return Text(text, keyboard)


async def _read(ctx: Context) -> set[str]:
    """The lessons this learner marked read (a group's table of contents shows none)."""
    if ctx.chat_type != "private":
        return set()
    async with ctx.services.storage.transaction() as db:
        return await db.reads.of_learner(ctx.user_id)


async def run_toc(args: str, ctx: Context) -> Response:
    if not ctx.services.course.lessons:
        return Response([Text(words.NO_LESSONS)])
    page = whole_number(args) or 1
    return Response([table_of_contents(ctx.services.course, page, await _read(ctx))])


async def _mark_read(order: int, ctx: Context) -> Response:
    """«✅ خواندم»: the lesson counts as read (for /lessons, /stats and the quizzes a
    session picks); the pressed lesson's button says so."""
    lesson = ctx.services.course.by_order(order)
    if lesson is None:
        raise UserError(words.lesson_out_of_range(order, len(ctx.services.course.lessons)))
    now = ctx.services.clock()
    async with ctx.services.storage.transaction() as db:
        await db.learners.touch(ctx.user_id, ctx.user_name, now)
        await db.reads.mark(ctx.user_id, lesson.id, now)
    if ctx.chat_type != "private":
        return Response(notice=words.MARKED_READ)
    reply = lesson_reply(ctx.services.course, lesson, ctx.chat_type, read=True, app=app_row(ctx, lesson))
    return Response([reply], edit=True, notice=words.MARKED_READ,
                    data={"lesson": lesson.id, "read": True})


async def run_interview(args: str, ctx: Context) -> Response:
    """«💡 سؤال مصاحبه»: the interview question of lesson N, of the best lesson about a
    word (as /lesson finds it), or a random one."""
    course = ctx.services.course
    pairs = course.interviews
    if not pairs:
        return Response([Text(words.NO_LESSONS)])
    query = normalize_input(args).strip()
    if query.isdigit():
        number = whole_number(query)
        pair = next(((l, i) for l, i in pairs if l.order == number), None)
        if pair is None:
            orders = "، ".join(fa_int(l.order) for l, _ in pairs)
            shown = fa_int(number) if number is not None else query[:12]
            raise UserError(words.no_interview(shown, orders))
    elif query:
        with_interview = {lesson.id: (lesson, interview) for lesson, interview in pairs}
        found = [with_interview[l.id] for l in search(course, query) if l.id in with_interview]
        if not found:
            raise UserError(words.no_interview_about(args.strip()[:40]))
        pair = found[0]
    else:
        pair = random.choice(pairs)
    lesson, interview = pair
    return Response([interview_reply(lesson, ctx, answer=False)],
                    data={"lesson": lesson.id, "order": lesson.order})


def interview_reply(lesson: Lesson, ctx: Context, *, answer: bool) -> Text:
    """The question of ``lesson``; its model answer only once asked for (a button), and
    always a way to another question."""
    interview = next(i for l, i in ctx.services.course.interviews if l.id == lesson.id)
    text = interview_message(lesson, interview, hashtags=ctx.chat_type != "private",
                             answer=answer)
    another = Button(ANOTHER_QUESTION, "lesson:interview:0")
    related = (Button(RELATED_LESSON, f"lesson:show:{lesson.order}"),)
    if answer and not ctx.chat_id:  # under a card sent through inline mode (no chat):
        # nothing can follow in place; the lesson opens in the bot's chat
        return Text(text, ((Button(RELATED_LESSON, start=f"lesson-{lesson.order}"),),))
    if answer:
        return Text(text, ((another,), related))
    return Text(text, ((Button(SHOW_ANSWER, f"lesson:answer:{lesson.order}"), another), related))


async def on_button(payload: str, ctx: Context) -> Response:
    """``show:N`` sends lesson N to look at; ``next:N`` sends it as the next one to read
    (the reading position moves there); ``read:N`` marks it read; ``page:P`` turns the
    table of contents in place (the router runs ``lab:N``, a lesson's lab)."""
    action, _, value = payload.partition(":")
    if action == "interview":  # «سؤال دیگر»: a new random question, below
        return await run_interview("", ctx)
    number = whole_number(value)
    if number is None:
        raise UserError(words.lesson_not_found(value[:40]))
    if action == "answer":  # «پاسخ نمونه»: the same message, now with the answer
        lesson = ctx.services.course.by_order(number)
        if lesson is None or not any(l.id == lesson.id for l, _ in ctx.services.course.interviews):
            raise UserError(words.lesson_not_found(value[:40]))
        response = Response([interview_reply(lesson, ctx, answer=True)])
        response.edit = True
        return response
    if action == "page":
        return Response([table_of_contents(ctx.services.course, number, await _read(ctx))],
                        edit=True)
    if action == "read":
        return await _mark_read(number, ctx)
    return await _show(str(number), ctx, advance=action == "next")
