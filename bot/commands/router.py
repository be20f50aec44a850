"""The command table and the two entry points every door calls: text and button presses."""

from __future__ import annotations

import base64
import binascii
import html
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from bot.commands import act, admin, backprop, batch, fit, gd, lesson, practice, privacy, quiz, scale
from bot.commands import settings as settings_command
from bot.commands import lr as lr_command
from bot.commands import opt as opt_command
from bot.commands.base import (
    GROUP_CHATS,
    Animation,
    Button,
    Context,
    Photo,
    Reply,
    Response,
    Text,
    UserError,
)
from bot.commands.lab import (
    SUGGEST,
    recall_as,
    remember,
    remember_shared,
    suggestion_button,
)
from bot.commands.options import whole_number
from bot.commands.shared import SharedPicture
from bot.engine.canonical import function_text
from bot.fa import help as help_words
from bot.fa.html import plain_text, visible_length
from bot.fa.messages import INTERNAL_ERROR, STALE_BUTTON
from bot.fa.numbers import normalize_input

log = logging.getLogger(__name__)

Handler = Callable[[str, Context], Awaitable[Response]]


@dataclass(frozen=True)
class Command:
    name: str
    summary: str  # Persian, shown in /help and Telegram's command menu
    example: str
    run: Handler
    on_button: Handler | None = None
    admin: bool = False  # listed only to the channel's admins
    #: Where the command is offered in Telegram's menu: "all", "private" or "group".
    where: str = "all"
    #: A lab: its picture gets a «ارسال برای دوستان» (share) button.
    lab: bool = False
    #: Its answer is long (several messages or a screenful): in a group it becomes a
    #: short note with a button that continues in the private chat.
    long: bool = False


#: Deep links (``t.me/<bot>?start=<payload>``): ``lab-16`` runs lesson 16's lab (a
#: channel's lab button), ``lesson-17`` opens lesson 17, ``run-<token>`` continues a
#: long answer asked for in a group, ``help`` and ``quiz`` open those commands.
_LAB_LINK = re.compile(r"lab-(\d{1,4})")
_LESSON_LINK = re.compile(r"lesson-(\d{1,4})")
_RUN_LINK = re.compile(r"run-([A-Za-z0-9_-]{1,20})")
#: A lab command carried in the link itself (``do-`` and its UTF-8 in URL-safe base64):
#: nothing to remember, so the link works after a restart and on any replica.
_DO_LINK = re.compile(r"do-([A-Za-z0-9_-]{1,61})")
_COMMAND_LINKS = {"help": "/help", "quiz": "/quiz", "lessons": "/lessons", "interview": "/interview"}


async def _start(args: str, ctx: Context) -> Response:
    payload = args.strip()
    if link := _LAB_LINK.fullmatch(payload):
        return await _run_lesson_lab(int(link.group(1)), ctx)
    if link := _LESSON_LINK.fullmatch(payload):
        return await handle_text(f"/lesson {int(link.group(1))}", ctx)
    if link := _RUN_LINK.fullmatch(payload):
        remembered = await recall_as(ctx, "run-" + link.group(1), str,
                                     Response([Text(help_words.LINK_EXPIRED)]), str)
        if isinstance(remembered, Response):
            return remembered
        return await handle_text(remembered, ctx)
    if link := _DO_LINK.fullmatch(payload):
        text = _linked_command(link.group(1))
        if text is None:
            return Response([Text(help_words.LINK_EXPIRED)])
        return await handle_text(text, ctx)
    if payload in _COMMAND_LINKS:
        return await handle_text(_COMMAND_LINKS[payload], ctx)
    first_steps = tuple((Button(help_words.first_step_label(example, what), f"help:first:{index}"),)
                        for index, (example, what) in enumerate(help_words.FIRST_STEPS))
    return Response([Text(help_words.start(ctx.user_name), first_steps)])


def start_link(text: str, ctx: Context) -> str:
    """A ``/start`` payload that runs ``text`` (a lab command) in the private chat: the
    command itself when it fits Telegram's 64 characters, else a remembered token."""
    encoded = base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
    if len(encoded) <= 61:
        return "do-" + encoded
    return remember(ctx, "run|" + text, text, prefix="run-")


def _linked_command(encoded: str) -> str | None:
    """The command a ``do-`` link carries; None unless it is a lab (anyone can write a
    link: it may only do what a lab button could)."""
    try:
        text = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    parts = split_command(text)
    command = _BY_NAME.get(parts[0]) if parts else None
    return text if command is not None and command.lab else None


def _continue_in_private(command: Command, args: str, ctx: Context) -> Response:
    """A long answer asked for in a group: a short note, and a button that opens the
    private chat where the whole answer arrives (the group stays readable)."""
    text = f"/{command.name} {args}".strip()
    link = command.name if text in _COMMAND_LINKS.values() else start_link(text, ctx)
    button = Button(help_words.CONTINUE_IN_PRIVATE, start=link)
    note = help_words.in_private(command.name, command.summary, ctx.user_name)
    return Response([Text(note, ((button,),))])


#: A caption longer than this (lines or visible characters) is cut to a short one and
#: the whole of it goes behind «توضیح بیشتر».
SHORT_LINES = 6
SHORT_CHARS = 420
#: A line longer than this is an explanation, not a key number: it waits for «more».
KEY_LINE_CHARS = 90
MORE = "more"


def short_caption(caption: str) -> str:
    """The verdict first (the caption's first line that is bold on its own, after its
    heading), then the heading (always) and the key numbers in order, skipping
    explanations, at most SHORT_LINES lines; the caption itself when already short."""
    lines = [line for line in caption.split("\n") if line.strip()]
    if len(lines) <= SHORT_LINES and visible_length(caption) <= SHORT_CHARS:
        return caption
    verdict = next((line for line in lines[1:] if _bold_line(line)), None)
    kept = [verdict] if verdict else []
    for line in lines:
        if len(kept) >= SHORT_LINES:
            break
        if line is not verdict and (line is lines[0] or visible_length(line) <= KEY_LINE_CHARS):
            kept.append(line)
    while len(kept) > 1 and visible_length("\n".join(kept)) > SHORT_CHARS:
        kept.pop()
    return "\n".join(kept)


def _bold_line(line: str) -> bool:
    """A heading line: one bold span, with at most an emoji beside it."""
    if line.count("<b>") != 1:
        return False
    inside = line[line.index("<b>") + 3:line.index("</b>")] if "</b>" in line else ""
    return len(plain_text(line).strip()) - len(plain_text(inside)) <= 3


def _with_more(response: Response, ctx: Context) -> Response:
    """Pictures answer with a short caption; the whole explanation is one press away."""
    replies = []
    for reply in response.replies:
        if isinstance(reply, (Photo, Animation)) and short_caption(reply.caption) != reply.caption:
            token = remember(ctx, "more|" + reply.caption, reply.caption)
            more = (Button(help_words.MORE, f"{MORE}:{token}"),)
            reply = replace(reply, caption=short_caption(reply.caption),
                            keyboard=(*reply.keyboard, more))
        replies.append(reply)
    response.replies = replies
    return response


async def _more(payload: str, ctx: Context) -> Response:
    """«توضیح بیشتر»: the whole caption, as a message of its own under the picture."""
    full = await recall_as(ctx, payload, str,
                           Response(notice=help_words.MORE_EXPIRED, error=help_words.MORE_EXPIRED))
    return full if isinstance(full, Response) else Response([Text(full)])


def _with_share(response: Response, command: Command, typed: str, ctx: Context) -> Response:
    """Give a lab's picture the «ارسال برای دوستان» button (inline mode in any chat); the
    picture is remembered under the button's query and the command as ``typed`` (empty
    for a press), so inline mode can send it by its file id."""
    if not command.lab or response.error:
        return response
    query = response.share or typed
    if not query or len(query) > SHARE_LIMIT:
        return response
    share = (Button(help_words.SHARE, share=query),)
    replies: list[Reply] = []
    for reply in response.replies:
        if isinstance(reply, (Photo, Animation)):
            if isinstance(reply, Photo):
                for asked in {query, typed} - {""}:
                    picture = SharedPicture(reply.media.key, reply.caption, query)
                    remember_shared(ctx, asked, picture)
            reply = replace(reply, keyboard=(*reply.keyboard, share))
        replies.append(reply)
    response.replies = replies
    return response


async def _lesson_button(payload: str, ctx: Context) -> Response:
    action, _, value = payload.partition(":")
    number = whole_number(value)
    if action == "lab" and number is not None:
        return await _run_lesson_lab(number, ctx)
    return await lesson.on_button(payload, ctx)


async def _run_lesson_lab(order: int, ctx: Context) -> Response:
    """A lesson's "try it" line, run as if the learner had typed it; pressed under a
    channel post it opens the bot's private chat instead (no lab lands in the channel)."""
    command = lesson.lesson_lab(ctx.services.course, order)
    if ctx.chat_type == "channel":
        return Response(start_link=f"lab-{order}")
    return await handle_text(command, ctx)


async def _help(args: str, ctx: Context) -> Response:
    """The grouped command list; the examples to try first are buttons."""
    examples = tuple((Button("▶️ " + example, f"help:run:{index}"),)
                     for index, example in enumerate(help_words.HELP_EXAMPLES))
    return Response([Text(help_words.help_text(_menu(ctx)), examples)])


async def _help_button(payload: str, ctx: Context) -> Response:
    """An example under /help (``run:N``) or a first step under /start (``first:N``),
    run as if typed."""
    kind, _, value = payload.partition(":")
    examples = ([example for example, _ in help_words.FIRST_STEPS] if kind == "first"
                else help_words.HELP_EXAMPLES)
    index = whole_number(value)
    if index is None or index >= len(examples):
        return Response(notice=STALE_BUTTON, error=STALE_BUTTON)
    return await handle_text(examples[index], ctx)


COMMANDS: tuple[Command, ...] = (
    Command("start", "شروع و معرفی ربات", "/start", _start, where="private"),
    Command("help", "راهنمای دستورها با مثال", "/help", _help, _help_button, long=True),
    Command("lesson", "درس بعدی، یا درس شمارهٔ N، یا درسی دربارهٔ یک کلمه", lesson.EXAMPLE,
            lesson.run, _lesson_button),
    Command("lessons", "فهرست همهٔ درس‌ها", "/lessons", lesson.run_toc),
    Command("interview", "سؤال مصاحبه با پاسخ نمونه (تصادفی، از درس N یا دربارهٔ یک کلمه)", "/interview 27",
            lesson.run_interview),
    Command("quiz", "جلسهٔ کوییز: مرورهای امروز و سؤال‌های تازه (پیش‌فرض ۱۰ سؤال)", "/quiz 5",
            quiz.run_quiz, quiz.on_button),
    Command("stats", "آمار شما: دقت، پیوستگی، مرورهای امروز، یادسپاری و درس‌های خوانده‌شده",
            "/stats", practice.run_stats, where="private"),
    Command("settings", "یادآوری روزانه، ساعت و ساعت‌های سکوت، طول جلسه و زمان هر سؤال",
            "/settings", settings_command.run, settings_command.on_button, where="private"),
    Command("stop", "خاموش کردن همهٔ یادآوری‌ها", "/stop", settings_command.run_stop,
            where="private"),
    Command("privacy", "چه چیزی از شما نگه می‌داریم، چرا و تا کی", "/privacy",
            privacy.run_privacy),
    Command("forget", "پاک کردن همهٔ داده‌های شما (با تأیید)", "/forget", privacy.run_forget,
            privacy.on_button, where="private"),
    Command("top", "جدول امتیازهای گروه (این هفته و از ابتدا)", "/top", practice.run_top,
            where="group"),
    Command("preview", "پیش‌نمایش درس و کوییز بعدی کانال", "/preview", admin.run_preview,
            admin=True, where="private"),
    Command("post_now", "فرستادن فوری درس یا کوییز بعدی، یا پاسخ کوییز قبلی، به کانال",
            "/post_now quiz", admin.run_post_now, admin=True, where="private"),
    Command("resend", "فرستادن دوبارهٔ پستی که معلوم نیست رسیده (اگر در کانال نیست)",
            "/resend 2026-11-23:quiz", admin.run_resend, admin.run_resend, admin=True,
            where="private"),
    Command("arrived", "علامت زدن پستی که معلوم نبود رسیده، به‌عنوان رسیده",
            "/arrived 2026-11-23:quiz", admin.run_arrived, admin.run_arrived, admin=True,
            where="private"),
    Command("skip", "رد کردن پست زمان‌بندی‌شدهٔ بعدی امروز", "/skip", admin.run_skip, admin=True,
            where="private"),
    Command("status", "وضعیت برنامهٔ کانال و آخرین پست‌ها", "/status", admin.run_status,
            admin=True, where="private"),
    Command("gd", "آزمایشگاه گرادیان کاهشی روی تابع دلخواه شما", gd.EXAMPLE, gd.run, gd.on_button,
            lab=True),
    Command("opt", "مسابقهٔ بهینه‌سازها (SGD، momentum، Adam، …) روی یک سطح",
            opt_command.EXAMPLE, opt_command.run, opt_command.on_button, lab=True),
    Command("lr", "یک تابع با چند نرخ یادگیری: یکنواخت، نوسانی یا واگرا", lr_command.EXAMPLE,
            lr_command.run, lab=True),
    Command("backprop", "پس‌انتشار گام‌به‌گام: هر عامل قاعدهٔ زنجیره‌ای با عددش", backprop.EXAMPLE,
            backprop.run, lab=True, long=True),
    Command("act", "تابع فعال‌سازی و مشتقش؛ محوشدگی و انفجار گرادیان در مسیر عمیق",
            act.EXAMPLE, act.run, lab=True),
    Command("batch", "گرادیان کاهشی دسته‌ای، مینی‌بچ و تصادفی (SGD) کنار هم", batch.EXAMPLE,
            batch.run, lab=True),
    Command("scale", "اثر مقیاس‌بندی ویژگی‌ها بر خطوط تراز و سرعت گرادیان کاهشی",
            scale.EXAMPLE, scale.run, lab=True),
    Command("fit", "کم‌برازش و بیش‌برازش با رگرسیون چندجمله‌ای", fit.EXAMPLE, fit.run, lab=True),
)
_BY_NAME = {command.name: command for command in COMMANDS}


def command_named(name: str) -> Command | None:
    return _BY_NAME.get(name)


def _menu(ctx: Context | None = None) -> list[tuple[str, str, str]]:
    """(name, summary, example) of the commands this person may use."""
    admin = ctx is not None and ctx.user_id in ctx.services.settings.admin_ids
    return [(c.name, c.summary, c.example) for c in COMMANDS if admin or not c.admin]


def command_menu(where: str, admin: bool = False) -> list[tuple[str, str]]:
    """(name, summary) for Telegram's command menu in ``where`` ("private" or "group");
    an admin's own private chat also lists the admin commands."""
    return [(c.name, c.summary) for c in COMMANDS
            if c.where in ("all", where) and (admin or not c.admin)]


def bot_profile() -> tuple[str, str]:
    """The bot's description (before the first /start) and its short description."""
    return help_words.DESCRIPTION, help_words.SHORT_DESCRIPTION


def added_to_group() -> Response:
    """The bot was added to a group: say what it does there and that it reads only
    commands (Telegram's privacy mode)."""
    return Response([Text(help_words.GROUP_WELCOME)])


def split_command(text: str) -> tuple[str, str] | None:
    """``/gd@DarsBot 0.1x^2`` → ``("gd", "0.1x^2")``; None when text is not a command."""
    text = text.strip()
    if not text.startswith("/"):
        return None
    head, *rest = re.split(r"\s+", text[1:], maxsplit=1)  # any space, newline or NBSP
    name = head.split("@", 1)[0].lower()
    return name, (rest[0] if rest else "").strip()


#: Telegram's limit on an inline query (what a share button types after the bot's name).
SHARE_LIMIT = 256

#: Longer messages are refused before anything reads them: no command needs more (the
#: longest, /backprop with every weight of a 6-6-6-6-6 network, is about 1000), and
#: error messages that quote a part of the text stay far below Telegram's 4096.
MAX_MESSAGE = 1500


async def handle_text(text: str, ctx: Context) -> Response:
    """Answer a message: run its command, or explain what the bot understands. The
    requests its buttons stand for are stored before it returns (any replica answers a
    press)."""
    response = await _answer_text(text, ctx)
    await ctx.services.requests.save()
    return response


async def _answer_text(text: str, ctx: Context) -> Response:
    if len(text) > MAX_MESSAGE:
        message = help_words.too_long(MAX_MESSAGE)
        return Response([Text(message)], error=_first_line(message))
    parts = split_command(text)
    if parts is None:
        return _with_suggestions(Response([Text(help_words.not_a_command(as_gd(text)))]), text, ctx)
    name, args = parts
    command = _BY_NAME.get(name)
    if command is None:
        message = help_words.unknown_command(name, _menu(ctx))
        return Response([Text(message)], error=_first_line(message))
    if command.long and ctx.chat_type in GROUP_CHATS:
        return _continue_in_private(command, args, ctx)
    typed = f"/{name} {args}".strip()
    response = await _guarded(command.run, args, ctx)
    if response.error:
        return _with_suggestions(response, text, ctx)
    return _with_share(_with_more(response, ctx), command, typed, ctx)


def as_gd(text: str) -> str:
    """``/gd <text>`` when a plain message reads as a function (its grammar, without
    SymPy: a constant SymPy refuses, such as log(0)x, is then refused by the lab)."""
    candidate = normalize_input(text).strip()
    try:
        function_text(candidate)
    except Exception:  # noqa: BLE001 (only a suggestion: anything unparsable gets none)
        return ""
    return f"/gd {candidate}"


#: A refusal's correct examples become buttons that run them: at most this many, each
#: a command of at most SUGGESTION_CHARS characters.
SUGGESTIONS = 2
SUGGESTION_CHARS = 200
_CODE_SPAN = re.compile(r"<code>(/[^<]{1,200})</code>")


def suggested_commands(message: str, typed: str) -> list[str]:
    """The commands a message suggests in ``<code>`` (a correct example, a /gd for a
    plain function): known, not for admins, not what was just typed, at most SUGGESTIONS."""
    found: list[str] = []
    for span in _CODE_SPAN.findall(message):
        text = html.unescape(span).strip()
        parts = split_command(text)
        command = _BY_NAME.get(parts[0]) if parts else None
        if (command is None or command.admin or len(text) > SUGGESTION_CHARS
                or " ".join(text.split()) == " ".join(typed.split()) or text in found):
            continue
        found.append(text)
    return found[:SUGGESTIONS]


def _with_suggestions(response: Response, typed: str, ctx: Context) -> Response:
    """Refusals and hints suggest commands as ``<code>``; each also gets a button that
    runs it (the command is kept server-side under a short token)."""
    replies: list[Reply] = []
    for reply in response.replies:
        if isinstance(reply, Text) and not reply.keyboard:
            rows = tuple(
                (suggestion_button(ctx, text),) for text in suggested_commands(reply.text, typed))
            reply = replace(reply, keyboard=rows)
        replies.append(reply)
    response.replies = replies
    return response


async def _suggestion(payload: str, ctx: Context) -> Response:
    """A suggestion's button: its command, run as if typed."""
    text = await recall_as(ctx, payload, str, Response(notice=STALE_BUTTON, error=STALE_BUTTON), str)
    return text if isinstance(text, Response) else await handle_text(text, ctx)


async def handle_button(data: str, ctx: Context) -> Response:
    """Answer a keyboard press; ``data`` is ``command:payload`` (the new buttons' requests
    stored before it returns, as for :func:`handle_text`)."""
    response = await _answer_button(data, ctx)
    await ctx.services.requests.save()
    return response


async def _answer_button(data: str, ctx: Context) -> Response:
    name, _, payload = data.partition(":")
    if name == MORE:
        return await _guarded(_more, payload, ctx)
    if name == SUGGEST:
        return await _suggestion(payload, ctx)
    command = _BY_NAME.get(name)
    if command is None or command.on_button is None:
        return Response(notice=STALE_BUTTON, error=STALE_BUTTON)
    response = await _guarded(command.on_button, payload, ctx)
    if response.error:  # a press answers with a short pop-up, not a new message
        response.replies = []
    elif response.share:
        response = _with_share(_with_more(response, ctx), command, "", ctx)
    return response


async def _guarded(handler: Handler, args: str, ctx: Context) -> Response:
    try:
        return await handler(args, ctx)
    except UserError as error:
        short = _first_line(error.message)
        return Response([] if error.quiet else [Text(error.message)], notice=short, error=short)
    except Exception:
        log.exception("command failed: %r", args)
        return Response([Text(INTERNAL_ERROR)], notice=INTERNAL_ERROR, error=INTERNAL_ERROR)


def _first_line(markup: str) -> str:
    """A short plain version of an error for a button's pop-up notice (≤ 200 chars)."""
    return plain_text(markup).split("\n", 1)[0][:200]
