"""The command table and the two entry points every door calls: text and button presses."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.commands import act, admin, backprop, batch, fit, gd, lesson, practice, privacy, quiz, scale
from bot.commands import settings as settings_command
from bot.commands import lr as lr_command
from bot.commands import opt as opt_command
from bot.commands.base import Context, Response, Text, UserError
from bot.commands.options import whole_number
from bot.engine.expr import parse_function
from bot.fa import help as help_words
from bot.fa.html import plain_text
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


#: ``/start lab-16``: a channel's lab button opened the bot's chat (a deep link).
_LAB_LINK = re.compile(r"lab-(\d{1,4})")


async def _start(args: str, ctx: Context) -> Response:
    link = _LAB_LINK.fullmatch(args.strip())
    if link:
        return await _run_lesson_lab(int(link.group(1)), ctx)
    return Response([Text(help_words.start(ctx.user_name))])


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
    return Response([Text(help_words.help_text(_menu(ctx)))])


COMMANDS: tuple[Command, ...] = (
    Command("start", "شروع و معرفی ربات", "/start", _start),
    Command("help", "راهنمای دستورها با مثال", "/help", _help),
    Command("lesson", "درس بعدی، یا درس شمارهٔ N، یا درسی دربارهٔ یک کلمه", lesson.EXAMPLE,
            lesson.run, _lesson_button),
    Command("lessons", "فهرست همهٔ درس‌ها", "/lessons", lesson.run_toc),
    Command("interview", "سؤال مصاحبه با پاسخ نمونه (تصادفی، از درس N یا دربارهٔ یک کلمه)", "/interview 27",
            lesson.run_interview),
    Command("quiz", "جلسهٔ کوییز: مرورهای امروز و سؤال‌های تازه (پیش‌فرض ۱۰ سؤال)", "/quiz 5",
            quiz.run_quiz, quiz.on_button),
    Command("stats", "آمار شما: دقت، پیوستگی، مرورهای امروز، یادسپاری و درس‌های خوانده‌شده",
            "/stats", practice.run_stats),
    Command("settings", "یادآوری روزانه، ساعت و ساعت‌های سکوت، طول جلسه و زمان هر سؤال",
            "/settings", settings_command.run, settings_command.on_button),
    Command("stop", "خاموش کردن همهٔ یادآوری‌ها", "/stop", settings_command.run_stop),
    Command("privacy", "چه چیزی از شما نگه می‌داریم، چرا و تا کی", "/privacy",
            privacy.run_privacy),
    Command("forget", "پاک کردن همهٔ داده‌های شما (با تأیید)", "/forget", privacy.run_forget,
            privacy.on_button),
    Command("top", "جدول امتیازهای گروه (این هفته و از ابتدا)", "/top", practice.run_top),
    Command("preview", "پیش‌نمایش درس و کوییز بعدی کانال", "/preview", admin.run_preview,
            admin=True),
    Command("post_now", "فرستادن فوری درس یا کوییز بعدی به کانال", "/post_now quiz",
            admin.run_post_now, admin=True),
    Command("skip", "رد کردن پست زمان‌بندی‌شدهٔ بعدی امروز", "/skip", admin.run_skip, admin=True),
    Command("status", "وضعیت برنامهٔ کانال و آخرین پست‌ها", "/status", admin.run_status,
            admin=True),
    Command("gd", "آزمایشگاه گرادیان کاهشی روی تابع دلخواه شما", gd.EXAMPLE, gd.run, gd.on_button),
    Command("opt", "مسابقهٔ بهینه‌سازها (SGD، momentum، Adam، …) روی یک سطح",
            opt_command.EXAMPLE, opt_command.run, opt_command.on_button),
    Command("lr", "یک تابع با چند نرخ یادگیری: یکنواخت، نوسانی یا واگرا", lr_command.EXAMPLE,
            lr_command.run),
    Command("backprop", "پس‌انتشار گام‌به‌گام: هر عامل قاعدهٔ زنجیره‌ای با عددش", backprop.EXAMPLE,
            backprop.run),
    Command("act", "تابع فعال‌سازی و مشتقش؛ محوشدگی و انفجار گرادیان در مسیر عمیق",
            act.EXAMPLE, act.run),
    Command("batch", "گرادیان کاهشی دسته‌ای، مینی‌بچ و تصادفی (SGD) کنار هم", batch.EXAMPLE,
            batch.run),
    Command("scale", "اثر مقیاس‌بندی ویژگی‌ها بر خطوط تراز و سرعت گرادیان کاهشی",
            scale.EXAMPLE, scale.run),
    Command("fit", "کم‌برازش و بیش‌برازش با رگرسیون چندجمله‌ای", fit.EXAMPLE, fit.run),
)
_BY_NAME = {command.name: command for command in COMMANDS}


def _menu(ctx: Context | None = None) -> list[tuple[str, str, str]]:
    """(name, summary, example) of the commands this person may use."""
    admin = ctx is not None and ctx.user_id in ctx.services.settings.admin_ids
    return [(c.name, c.summary, c.example) for c in COMMANDS if admin or not c.admin]


def split_command(text: str) -> tuple[str, str] | None:
    """``/gd@DarsBot 0.1x^2`` → ``("gd", "0.1x^2")``; None when text is not a command."""
    text = text.strip()
    if not text.startswith("/"):
        return None
    head, *rest = re.split(r"\s+", text[1:], maxsplit=1)  # any space, newline or NBSP
    name = head.split("@", 1)[0].lower()
    return name, (rest[0] if rest else "").strip()


#: Longer messages are refused before anything reads them: no command needs more (the
#: longest, /backprop with every weight of a 6-6-6-6-6 network, is about 1000), and
#: error messages that quote a part of the text stay far below Telegram's 4096.
MAX_MESSAGE = 1500


async def handle_text(text: str, ctx: Context) -> Response:
    """Answer a message: run its command, or explain what the bot understands."""
    if len(text) > MAX_MESSAGE:
        message = help_words.too_long(MAX_MESSAGE)
        return Response([Text(message)], error=_first_line(message))
    parts = split_command(text)
    if parts is None:
        return Response([Text(help_words.not_a_command(_as_gd(text)))])
    name, args = parts
    command = _BY_NAME.get(name)
    if command is None:
        message = help_words.unknown_command(name, _menu(ctx))
        return Response([Text(message)], error=_first_line(message))
    return await _guarded(command.run, args, ctx)


def _as_gd(text: str) -> str:
    """``/gd <text>`` when a plain message is a function the lab would accept."""
    candidate = normalize_input(text).strip()
    try:
        parse_function(candidate)
    except Exception:  # noqa: BLE001 (only a suggestion: anything unparsable gets none)
        return ""
    return f"/gd {candidate}"


async def handle_button(data: str, ctx: Context) -> Response:
    """Answer a keyboard press; ``data`` is ``command:payload``."""
    name, _, payload = data.partition(":")
    command = _BY_NAME.get(name)
    if command is None or command.on_button is None:
        return Response(notice=STALE_BUTTON, error=STALE_BUTTON)
    response = await _guarded(command.on_button, payload, ctx)
    if response.error:  # a press answers with a short pop-up, not a new message
        response.replies = []
    return response


async def _guarded(handler: Handler, args: str, ctx: Context) -> Response:
    try:
        return await handler(args, ctx)
    except UserError as error:
        short = _first_line(error.message)
        return Response([Text(error.message)], notice=short, error=short)
    except Exception:
        log.exception("command failed: %r", args)
        return Response([Text(INTERNAL_ERROR)], notice=INTERNAL_ERROR, error=INTERNAL_ERROR)


def _first_line(markup: str) -> str:
    """A short plain version of an error for a button's pop-up notice (≤ 200 chars)."""
    return plain_text(markup).split("\n", 1)[0][:200]
