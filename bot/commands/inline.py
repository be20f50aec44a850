"""Inline mode: ``@bot adam`` or ``@bot /gd 0.1x^2 lr=0.4`` typed in any chat offers
cards to send there: lessons (a summary, the whole lesson one press away in the bot),
interview questions (the answer behind a button) and labs (the picture Telegram already
has, by file id; a new picture made now, when the door can upload it to its storage chat
(BOT_STORAGE_CHAT_ID) and the render fits the query's few seconds; else an invitation
that runs the lab in the bot's private chat)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field, replace

from bot.cache import LRU
from bot.commands import router
from bot.commands.base import Button, Context, Keyboard, Media, Photo, Response
from bot.commands.lab import shared_picture
from bot.commands.lesson import lab_keyboard, search
from bot.curriculum.model import Lesson
from bot.fa import help as help_words
from bot.fa import inline as words
from bot.fa.lessons import (
    READ_IN_PRIVATE,
    RELATED_LESSON,
    SHOW_ANSWER,
    interview_message,
    lesson_opening,
    lesson_summary,
)
from bot.fa.numbers import normalize_input

#: Telegram shows at most 50 results; a phone screen shows about six.
MAX_CARDS = 8
#: Seconds Telegram may reuse an answer: lessons do not change; a lab's picture may
#: appear (uploaded) a moment after its invitation was offered.
LESSON_CACHE = 300
LAB_CACHE = 5
#: Seconds an inline query waits for a new lab picture (Telegram drops an answer after
#: about ten; the upload to the storage chat follows). A longer render goes on and fills
#: the cache, so the query Telegram sends again a moment later finds it.
RENDER_SECONDS = 3.0
#: Telegram sends a new query at each pause in typing: a lab is made only for a query
#: still the learner's newest after this long, not for each prefix on the way (each
#: would be rendered and posted to the storage chat).
SETTLE_SECONDS = 0.5

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Card:
    """One result: what the list shows (title, description) and what is sent when it is
    chosen: ``text`` (Telegram HTML), or a picture Telegram already has (``file_id``)
    with ``text`` as its caption."""

    id: str  # at most 64 bytes, unique in one answer
    title: str
    description: str
    text: str
    keyboard: Keyboard = ()
    file_id: str = ""
    #: A picture Telegram does not have yet: the door uploads it to the storage chat and
    #: sends it by the file id it gets, or sends ``fallback`` when it cannot.
    upload: Media | None = None
    fallback: Card | None = None


@dataclass
class InlineAnswer:
    cards: list[Card] = field(default_factory=list)
    #: The button above the results: opens the private chat with ``/start <start>``.
    start: str = "help"
    start_text: str = words.OPEN_BOT
    cache_seconds: int = LESSON_CACHE


async def answer(query: str, ctx: Context) -> InlineAnswer:
    """The cards for an inline query (at most 256 characters, any text); the requests its
    links stand for are stored before it returns (any replica follows them)."""
    found = await _answer(" ".join(normalize_input(query).split()), ctx)
    await ctx.services.requests.save()
    return found


async def _answer(text: str, ctx: Context) -> InlineAnswer:
    if text.startswith("/"):
        return await _command(text, ctx)
    if not text:
        return await _first_steps(ctx)
    return await _about(text, ctx)


async def _command(text: str, ctx: Context) -> InlineAnswer:
    parts = router.split_command(text)
    name, args = parts if parts else ("", "")
    command = router.command_named(name)
    if command is not None and command.lab:
        return await _lab(f"/{name} {args}".strip(), command, ctx)
    if name in ("lesson", "interview") and args:
        return await _about(args, ctx, interviews_only=name == "interview")
    return InlineAnswer()


async def _first_steps(ctx: Context) -> InlineAnswer:
    """An empty query: the labs /help suggests, then the first lessons."""
    cards = [await _lab_card(example, command, ctx) for example in help_words.HELP_EXAMPLES
             if (command := router.command_named(example.split()[0][1:])) and command.lab]
    course = ctx.services.course
    cards += [_lesson_card(lesson, len(course.lessons)) for lesson in course.lessons[:3]]
    return InlineAnswer(cards[:MAX_CARDS])


async def _about(text: str, ctx: Context, *, interviews_only: bool = False) -> InlineAnswer:
    """Lessons about a word (or lesson N), each followed by its interview question."""
    course = ctx.services.course
    if text.isdigit():
        found = [lesson for lesson in course.lessons if str(lesson.order) == text.lstrip("0")]
    else:
        found = search(course, text)
    interviews = {lesson.id: interview for lesson, interview in course.interviews}
    cards: list[Card] = []
    for lesson in found:
        if not interviews_only:
            cards.append(_lesson_card(lesson, len(course.lessons)))
        if lesson.id in interviews:
            cards.append(_interview_card(lesson, ctx))
    gd = router.command_named("gd")
    if not cards and gd is not None and (suggestion := router.as_gd(text)):
        return await _lab(suggestion, gd, ctx)
    if interviews_only:
        return InlineAnswer(cards[:MAX_CARDS], "interview", words.INTERVIEW_IN_BOT)
    return InlineAnswer(cards[:MAX_CARDS], "lessons", words.LESSONS_IN_BOT)


def _lesson_card(lesson: Lesson, total: int) -> Card:
    read = Button(READ_IN_PRIVATE, start=f"lesson-{lesson.order}")
    return Card(f"lesson-{lesson.order}", words.lesson_title(lesson.order, lesson.title),
                words.description(lesson_opening(lesson, 120)),
                lesson_summary(lesson, total), ((read,), *lab_keyboard(lesson, link=True)))


def _interview_card(lesson: Lesson, ctx: Context) -> Card:
    interview = next(i for l, i in ctx.services.course.interviews if l.id == lesson.id)
    text = interview_message(lesson, interview, hashtags=False, answer=False)
    reveal = Button(SHOW_ANSWER, f"lesson:answer:{lesson.order}")
    related = Button(RELATED_LESSON, start=f"lesson-{lesson.order}")
    return Card(f"interview-{lesson.order}", words.interview_title(interview.question),
                words.interview_description(lesson.order, lesson.title), text,
                ((reveal, related),))


async def _lab(command_text: str, command: router.Command, ctx: Context) -> InlineAnswer:
    card = await _lab_card(command_text, command, ctx)
    if (not card.file_id and ctx.services.settings.storage_chat_id is not None
            and await _settled(command_text, ctx)):
        card = await _rendered(command_text, card, ctx)
    return InlineAnswer([card],
                        start=router.start_link(command_text, ctx), start_text=words.RUN_IN_BOT,
                        cache_seconds=LAB_CACHE)


async def _lab_card(command_text: str, command: router.Command, ctx: Context) -> Card:
    """The lab's picture when Telegram has it (it was shared from a chat with the bot);
    else an invitation whose button runs the lab in the bot's private chat."""
    link = router.start_link(command_text, ctx)
    try_it = Button(words.TRY_IT_YOURSELF, start=link)
    card_id = "lab-" + link[-40:]
    picture = await shared_picture(ctx, command_text)
    file_id = await ctx.services.file_ids.get(picture.media_key) if picture is not None else None
    if picture is not None and file_id:
        share = Button(help_words.SHARE, share=picture.query)
        return Card(card_id, words.lab_title(command_text), words.LAB_WITH_PICTURE,
                    picture.caption, ((try_it, share),), file_id)
    return Card(card_id, words.lab_title(command_text), words.LAB_WITHOUT_PICTURE,
                words.lab_invitation(command_text, command.summary), ((try_it,),))


#: Each learner's newest lab query (this process's; a replica that sees only some of a
#: learner's queries renders a prefix now and then, nothing worse).
_newest: LRU[int, tuple[int, str]] = LRU(10_000)


async def _settled(command_text: str, ctx: Context) -> bool:
    """Whether ``command_text`` is still the learner's newest query after SETTLE_SECONDS,
    newest by Telegram's order (``ctx.sequence``), not by which handler got here first."""
    mine = (ctx.sequence, command_text)
    known = _newest.get(ctx.user_id)
    if known is None or known[0] <= mine[0]:
        _newest.put(ctx.user_id, mine)
    await asyncio.sleep(SETTLE_SECONDS)
    return _newest.get(ctx.user_id) == mine


async def _rendered(command_text: str, invitation: Card, ctx: Context) -> Card:
    """The lab run now, as if typed in the bot (the same runner, cache, admission and
    one-lab-per-learner rules): its picture to be uploaded by the door, or ``invitation``
    when it is refused or not ready within RENDER_SECONDS."""
    run = asyncio.ensure_future(router.handle_text(command_text, ctx))
    done, _ = await asyncio.wait({run}, timeout=RENDER_SECONDS)
    if not done:
        run.add_done_callback(_finished_late)
        return invitation
    response: Response = run.result()
    photo = next((r for r in response.replies if isinstance(r, Photo)), None)
    if response.error or photo is None:
        return invitation
    try_it = invitation.keyboard[0][0]
    share = Button(help_words.SHARE, share=response.share or command_text)
    card = replace(invitation, description=words.LAB_WITH_PICTURE, text=photo.caption,
                   keyboard=((try_it, share),), fallback=invitation)
    known = await ctx.services.file_ids.get(photo.media.key)
    return replace(card, file_id=known) if known else replace(card, upload=photo.media)


def _finished_late(run: asyncio.Future[Response]) -> None:
    """A render that outlived its query: its picture waits in the cache for the next one."""
    if not run.cancelled() and run.exception() is not None:
        log.warning("inline lab failed", exc_info=run.exception())
