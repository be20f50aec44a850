"""The Telegram door: python-telegram-bot handlers that only translate.

Updates become command calls (:mod:`bot.commands.router`); reply objects become Bot API
calls. Uploaded files are remembered by ``file_id`` so a picture many learners ask for
is uploaded once.
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import httpx
from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButtonWebApp,
    WebAppInfo,
    InlineQueryResultArticle,
    InlineQueryResultCachedPhoto,
    InlineQueryResultsButton,
    InputTextMessageContent,
    InputFile,
    InputMediaAnimation,
    InputMediaPhoto,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
    Update,
)
from telegram import Poll as TelegramPoll
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    PollAnswerHandler,
    PollHandler,
    filters,
)

from bot.commands.base import (
    Animation,
    Backlog,
    Button,
    Context,
    Keyboard,
    Media,
    Photo,
    Poll,
    Reply,
    Response,
    Services,
    Text,
    no_backlog,
)
from bot.commands import inline
from bot.commands.quiz import answer_poll, poll_closed
from bot.commands.reminders import Blocked, Reminders
from bot.commands.router import (
    GROUP_CHATS,
    added_to_group,
    bot_profile,
    command_menu,
    handle_button,
    handle_text,
)
from bot.config import Settings
from bot.doors.budget import Priority, PriorityRateLimiter, SendBudget
from bot.doors.delivery import NEVER_SENT, RetryingRateLimiter
from bot.doors.shared_budget import shared_budget_for
from bot.doors.polling_errors import polling_failed
from bot.doors.storage_chat import stored
from bot.doors.inbox import ARRIVED, FAILURES
from bot.doors.updates import TolerantUpdatesRequest
from bot.fa import web as web_words
from bot.fa.messages import INLINE_ONLY
from bot.services import DoorParts
from bot.teacher import TICK_SECONDS, DeliveryUnknown, Sent, Teacher

# PTB 22.2+ returns time periods (RetryAfter.retry_after …) as timedelta only when asked;
# the int form is deprecated and warns on every 429. The bot reads none of them itself.
os.environ.setdefault("PTB_TIMEDELTA", "1")

log = logging.getLogger(__name__)
T = TypeVar("T")

HTML = ParseMode.HTML
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def _services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data["services"]


def _button(button: Button, username: str | None) -> InlineKeyboardButton:
    if button.start:
        return InlineKeyboardButton(button.text, url=f"https://t.me/{username}?start={button.start}")
    if button.share:
        return InlineKeyboardButton(button.text, switch_inline_query=button.share)
    if button.web_app:
        return InlineKeyboardButton(button.text, web_app=WebAppInfo(button.web_app))
    return InlineKeyboardButton(button.text, callback_data=button.callback)


def _markup(keyboard: Keyboard, username: str | None) -> InlineKeyboardMarkup | None:
    """Reply objects' buttons as Telegram's (a deep link needs the bot's username)."""
    if not keyboard:
        return None
    return InlineKeyboardMarkup([[_button(b, username) for b in row] for row in keyboard])


def _upload(media: Media, known: str | None, attach: bool = False) -> str | InputFile:
    """A known file id, or the bytes to upload (``attach`` inside an InputMedia*)."""
    return known or InputFile(media.data, filename=media.filename, attach=attach)


async def _remember_file(message: Message, media: Media, services: Services) -> None:
    """Keep the file id Telegram gave the picture, for every replica."""
    if message.photo:
        file_id, kind = message.photo[-1].file_id, "photo"
    elif message.animation:
        file_id, kind = message.animation.file_id, "animation"
    elif message.document:
        file_id, kind = message.document.file_id, "document"
    else:
        return
    await services.file_ids.put(media.key, file_id, kind, services.clock())


async def send_replies(bot: Any, chat_id: int | str, replies: Sequence[Reply],
                       services: Services, reply_to: int | None = None) -> None:
    """A response's replies, in order. Once its first message is out, the rest continue
    the answer: they go at text priority (bot.doors.budget) instead of queueing again
    behind every picture asked for meanwhile (a /backprop's table waited a second full
    turn after its network picture)."""
    for n, reply in enumerate(replies):
        await send_reply(bot, chat_id, reply, services, reply_to=reply_to,
                         priority=Priority.TEXT if n else None)


async def send_reply(bot: Any, chat_id: int | str, reply: Reply, services: Services,
                     reply_to: int | None = None, priority: Priority | None = None) -> Message:
    """Send one reply object, threaded under message ``reply_to`` when given; a stale
    cached file id falls back to uploading the bytes. ``priority``: the send budget's
    (None: read from the call)."""
    answer_to = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
    if isinstance(reply, Text):
        return await bot.send_message(chat_id, reply.text, parse_mode=HTML,
                                      reply_markup=_markup(reply.keyboard, bot.username),
                                      link_preview_options=NO_PREVIEW,
                                      reply_parameters=answer_to, rate_limit_args=priority)
    if isinstance(reply, Poll):
        message = await bot.send_poll(
            chat_id, reply.question, list(reply.options), type=TelegramPoll.QUIZ,
            correct_option_ids=[reply.correct_option], explanation=reply.explanation,
            is_anonymous=reply.is_anonymous, open_period=reply.open_period,
            reply_markup=_markup(reply.keyboard, bot.username), reply_parameters=answer_to,
            rate_limit_args=priority,
        )
        if message.poll is not None and reply.on_sent is not None:
            await reply.on_sent(message.poll.id, message.chat_id, message.message_id)
        return message
    send = bot.send_photo if isinstance(reply, Photo) else bot.send_animation
    message = await _by_file_id_or_bytes(reply.media, services, lambda known: send(
        chat_id, _upload(reply.media, known), caption=reply.caption, parse_mode=HTML,
        reply_markup=_markup(reply.keyboard, bot.username), reply_parameters=answer_to,
        rate_limit_args=priority))
    await _remember_file(message, reply.media, services)
    return message


async def _by_file_id_or_bytes(media: Media, services: Services,
                               attempt: Callable[[str | None], Awaitable[T]]) -> T:
    """Run ``attempt`` with the picture's file id (known to any replica) or None (upload
    the bytes); if Telegram refuses a stale id, forget it and upload."""
    known = await services.file_ids.get(media.key)
    try:
        return await attempt(known)
    except BadRequest as error:
        if "not modified" in str(error).lower() or known is None:
            raise
        await services.file_ids.forget(media.key, known)
        return await attempt(None)


async def edit_reply(bot: Any, target: dict[str, Any], reply: Reply, services: Services) -> None:
    """Replace a message's picture (or text) and keyboard in place; ``target`` is
    ``{"chat_id", "message_id"}`` or ``{"inline_message_id"}``. A stale cached file id
    falls back to uploading the bytes, as when sending."""
    markup = _markup(reply.keyboard, bot.username) if not isinstance(reply, Poll) else None
    try:
        if isinstance(reply, (Photo, Animation)):
            kind = InputMediaPhoto if isinstance(reply, Photo) else InputMediaAnimation
            edited = await _by_file_id_or_bytes(
                reply.media, services, lambda known: bot.edit_message_media(
                    kind(_upload(reply.media, known, attach=True), caption=reply.caption,
                         parse_mode=HTML), reply_markup=markup, **target))
            if isinstance(edited, Message):  # an inline message's edit answers True
                await _remember_file(edited, reply.media, services)
        elif isinstance(reply, Text):
            await bot.edit_message_text(reply.text, parse_mode=HTML, reply_markup=markup,
                                        link_preview_options=NO_PREVIEW, **target)
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            raise


def _context(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Context:
    chat = update.effective_chat
    user = update.effective_user
    chat_id = chat.id if chat else 0

    async def progress(action: str) -> None:
        if chat is None:  # an inline message's press: no chat to show it in
            return
        try:
            await context.bot.send_chat_action(chat_id, action)
        except TelegramError:
            log.debug("chat action failed", exc_info=True)

    return Context(
        services=_services(context),
        user_id=user.id if user else chat_id,
        chat_id=chat_id,
        chat_type=chat.type if chat else "private",
        user_name=user.first_name if user else "",
        progress=progress,
        arrived=ARRIVED.get(),
    )


async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A text message: commands everywhere, plain text answered only in private chats."""
    message = update.effective_message
    if message is None or not message.text or message.chat is None:
        return
    if message.chat.type != "private" and not message.text.startswith("/"):
        return
    if for_another_bot(message.text, context.bot.username):
        return
    ctx = _context(update, context)
    response = await handle_text(message.text, ctx)
    # In a group each answer is threaded under the message that asked for it.
    reply_to = message.message_id if message.chat.type in GROUP_CHATS else None
    await send_replies(context.bot, message.chat_id, response.replies, ctx.services,
                       reply_to=reply_to)


def chat_sender(bot: Any, services: Services) -> Callable[[int, Response], Awaitable[None]]:
    """Sends a command's replies to a private chat: the Mini App's «ارسال در گفت‌وگو»
    (``bot.doors.web.app.mount``'s sender)."""
    async def send(chat_id: int, response: Response) -> None:
        await send_replies(bot, chat_id, response.replies, services)
    return send


async def on_web_app_data(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """«ارسال در گفت‌وگو» in a Mini App opened from a keyboard button: its data is the
    lab's command, answered as if typed (only lab commands)."""
    message = update.effective_message
    if message is None or message.web_app_data is None or message.chat is None:
        return
    command = message.web_app_data.data.strip()
    if not command.startswith(("/gd ", "/lr ", "/opt ")):
        return
    ctx = _context(update, context)
    response = await handle_text(command, ctx)
    await send_replies(context.bot, message.chat_id, response.replies, ctx.services)


def for_another_bot(text: str, username: str | None) -> bool:
    """``/gd@other_bot …``: in a group another bot's command is not ours to answer."""
    head = text.split(maxsplit=1)[0] if text.startswith("/") else ""
    _, at, target = head.partition("@")
    return bool(at and target) and username is not None and target.lower() != username.lower()


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A keyboard press: edit the message it belongs to, and answer the press. A press
    under an inline message (sent through inline mode: no chat, only an
    ``inline_message_id``) can only edit that message; anything else is said in the
    press's pop-up instead of being sent nowhere."""
    query = update.callback_query
    if query is None:
        return
    ctx = _context(update, context)
    response = await handle_button(query.data or "", ctx)
    if response.start_link:
        await query.answer(url=f"https://t.me/{context.bot.username}?start={response.start_link}")
        return
    message = query.message
    target: dict[str, Any] | None = None
    if isinstance(message, Message):
        target = {"chat_id": message.chat_id, "message_id": message.message_id}
    elif query.inline_message_id:
        target = {"inline_message_id": query.inline_message_id}
    if response.edit and response.replies and target is not None:
        try:
            await edit_reply(context.bot, target, response.replies[0], ctx.services)
        except BadRequest:
            if message is not None:
                raise
            # Telegram takes no new upload into an inline message: only a picture it
            # already has (a cached file id) can replace the old one.
            log.info("inline message not edited", exc_info=True)
            response.notice = response.notice or INLINE_ONLY
        finally:  # the button stops spinning whatever happened to the edit
            await query.answer(response.notice or None)
        return
    if message is None:  # an inline message: no chat to send new messages to
        await query.answer(response.notice or (INLINE_ONLY if response.replies else None))
        return
    await query.answer(response.notice or None)
    reply_to = (message.message_id if isinstance(message, Message)
                and message.chat.type in GROUP_CHATS else None)
    await send_replies(context.bot, ctx.chat_id, response.replies, ctx.services,
                       reply_to=reply_to)


async def on_inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``@bot …`` typed in any chat: lesson, interview and lab cards to send there, and a
    button above them that opens the bot's private chat."""
    query = update.inline_query
    if query is None:
        return
    ctx = Context(services=_services(context), user_id=query.from_user.id, chat_type="inline",
                  user_name=query.from_user.first_name, sequence=update.update_id)
    found = await inline.answer(query.query, ctx)
    username = context.bot.username
    cards = [await stored(card, context.bot, ctx.services) for card in found.cards]
    results = [_inline_result(card, username) for card in cards]
    button = InlineQueryResultsButton(found.start_text, start_parameter=found.start)
    try:
        await query.answer(results, cache_time=found.cache_seconds, button=button)
    except BadRequest:  # typically "query is too old": the learner typed on
        log.info("inline query not answered", exc_info=True)


def _inline_result(card: inline.Card,
                   username: str | None) -> InlineQueryResultArticle | InlineQueryResultCachedPhoto:
    markup = _markup(card.keyboard, username)
    if card.file_id:
        return InlineQueryResultCachedPhoto(card.id, card.file_id, title=card.title,
                                            description=card.description, caption=card.text,
                                            parse_mode=HTML, reply_markup=markup)
    content = InputTextMessageContent(card.text, parse_mode=HTML, link_preview_options=NO_PREVIEW)
    return InlineQueryResultArticle(card.id, card.title, content, reply_markup=markup,
                                    description=card.description)


async def on_my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bot's own membership changed: when it has just joined a group, say hello."""
    change = update.my_chat_member
    if change is None or change.chat.type not in GROUP_CHATS:
        return
    joined = (change.new_chat_member.status in (ChatMember.MEMBER, ChatMember.ADMINISTRATOR)
              and change.old_chat_member.status in (ChatMember.LEFT, ChatMember.BANNED))
    if not joined:
        return
    services = _services(context)
    await send_replies(context.bot, change.chat.id, added_to_group().replies, services)


async def on_poll_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A learner answered a non-anonymous quiz poll: record it, reply in private."""
    answer = update.poll_answer
    if answer is None or answer.user is None:
        return
    services = _services(context)
    response = await answer_poll(services, answer.poll_id, answer.user.id,
                                 answer.user.first_name, list(answer.option_ids))
    await send_replies(context.bot, answer.user.id, response.replies, services)


async def on_poll(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A poll the bot sent changed; when a session's timer closed it unanswered, the
    session moves on."""
    poll = update.poll
    if poll is None or not poll.is_closed:
        return
    services = _services(context)
    moved = await poll_closed(services, poll.id)
    if moved is not None:
        chat_id, response = moved
        await send_replies(context.bot, chat_id, response.replies, services)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An update whose answer failed (after the rate limiter's retries): logged, and
    counted for the admins' /status. A failed ``getUpdates`` (no update) is one line."""
    if update is None and context.error is not None:
        polling_failed(context.application, context.error)
        return
    log.error("update failed: %r", update, exc_info=context.error)
    services = context.application.bot_data.get("services")
    error = context.error
    if isinstance(update, Update):  # the inbox tries it again later (bot.doors.inbox)
        context.application.bot_data.setdefault(FAILURES, {})[update.update_id] = (
            f"{type(error).__name__}: {error}")
    if services is not None and isinstance(update, Update):
        services.faults.record(services.clock(), f"{type(error).__name__}: {error}"[:200])


def door_parts(application: Application) -> DoorParts:
    """What this door lends the services (:mod:`bot.services` builds them): the channel
    teacher's door on this application's bot, and the send budget's backlog."""
    limiter = application.bot.rate_limiter
    backlog = (_backlog(limiter.budget) if isinstance(limiter, PriorityRateLimiter)
               else no_backlog)
    return DoorParts(channel=lambda services: TelegramChannel(application.bot, services),
                     send_backlog=backlog)


def _backlog(budget: SendBudget) -> Backlog:
    """The send budget's backlog as the commands ask for it (bot.commands.base.Backlog)."""
    def backlog(pending: int = 0, known: bool = False) -> float:
        return budget.backlog_seconds(Priority.KNOWN if known else Priority.UPLOAD, pending)
    return backlog


async def on_startup(application: Application) -> None:
    """Publish the command menu (Persian descriptions); schedule the channel teacher and
    the reminders. The services are the composition root's, given to the application."""
    services: Services = application.bot_data["services"]
    limiter = application.bot.rate_limiter
    if isinstance(limiter, PriorityRateLimiter):
        limiter.budget.shared = shared_budget_for(services.storage)  # replicas on PostgreSQL
    await publish_profile(application.bot, services.settings.admin_ids)
    await publish_menu_button(application.bot, services.settings.webapp_url)
    teacher = services.teacher
    if isinstance(teacher, Teacher):
        application.bot_data["teacher"] = teacher
        if teacher.enabled and application.job_queue is not None:
            # the catch-up: every TICK_SECONDS (and at once); each tick also wakes the
            # teacher at the exact second of the next slot (_tick)
            application.job_queue.run_repeating(_tick, interval=TICK_SECONDS, first=1,
                                                name="channel-teacher")
    if application.job_queue is not None:
        application.bot_data["reminders"] = Reminders(services, TelegramReminders(application.bot,
                                                                                  services))
        application.job_queue.run_repeating(_remind, interval=REMINDER_SECONDS, first=5,
                                            name="reminders")


async def publish_profile(bot: Any, admin_ids: frozenset[int]) -> None:
    """The command menus (private chats, groups, and each admin's private chat with the
    admin commands) and the Persian descriptions shown before the first /start."""
    def commands(where: str, admin: bool = False) -> list[BotCommand]:
        return [BotCommand(name, summary) for name, summary in command_menu(where, admin)]

    await bot.set_my_commands(commands("private"))  # the default scope
    await bot.set_my_commands(commands("private"), scope=BotCommandScopeAllPrivateChats())
    await bot.set_my_commands(commands("group"), scope=BotCommandScopeAllGroupChats())
    for admin_id in sorted(admin_ids):
        try:
            await bot.set_my_commands(commands("private", admin=True),
                                      scope=BotCommandScopeChat(admin_id))
        except BadRequest:  # an admin who has never opened the bot's chat: no such chat yet
            log.warning("no admin command menu for %s (chat not found)", admin_id)
    description, short = bot_profile()
    await bot.set_my_description(description)
    await bot.set_my_short_description(short)


async def publish_menu_button(bot: Any, webapp_url: str) -> None:
    """With BOT_WEBAPP_URL, the bot's menu button opens the lab (one press away, beside the
    message field). Without it, a lab button an earlier run left behind (its address may
    be gone) goes back to Telegram's default, the command list; otherwise nothing is sent."""
    if webapp_url:
        await bot.set_chat_menu_button(menu_button=MenuButtonWebApp(
            web_words.MENU_BUTTON, WebAppInfo(webapp_url)))
    elif isinstance(await bot.get_chat_menu_button(), MenuButtonWebApp):
        await bot.set_chat_menu_button()


async def _tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Run whatever is due, then be woken at the next slot's own second."""
    teacher: Teacher | None = context.bot_data.get("teacher")
    if teacher is None:
        return
    await teacher.tick()
    queue = context.job_queue
    if queue is None:
        return
    for job in queue.get_jobs_by_name(EXACT_JOB):
        job.schedule_removal()
    due = await teacher.next_due(teacher.services.clock())
    if due is not None:
        queue.run_once(_tick, when=due + EXACT_SLACK, name=EXACT_JOB)


#: The one-off job that wakes the teacher at the next slot's second; the slack keeps the
#: scheduler from firing a hair before it.
EXACT_JOB = "channel-teacher-exact"
EXACT_SLACK = timedelta(milliseconds=50)


#: How often the reminder job looks for learners whose hour has come.
REMINDER_SECONDS = 60


async def _remind(context: ContextTypes.DEFAULT_TYPE) -> None:
    await context.application.bot_data["reminders"].tick()


class TelegramReminders:
    """The reminders' door: a 403 (the learner blocked the bot) becomes :class:`Blocked`."""

    def __init__(self, bot: Any, services: Services) -> None:
        self.bot = bot
        self.services = services

    async def send(self, chat_id: int, reply: Reply) -> None:
        try:
            await send_reply(self.bot, chat_id, reply, self.services)
        except Forbidden as error:
            raise Blocked(str(error)) from error


class TelegramChannel:
    """The teacher's door to a channel or group."""

    def __init__(self, bot: Any, services: Services) -> None:
        self.bot = bot
        self.services = services

    async def post(self, chat_id: int | str, reply: Reply, reply_to: int | None = None) -> Sent:
        try:
            message = await send_reply(self.bot, chat_id, reply, self.services, reply_to=reply_to)
        except NetworkError as error:
            if may_have_arrived(error):
                raise DeliveryUnknown(str(error)) from error
            raise
        return Sent(message.message_id, message.poll.id if message.poll else None)

    async def stop_poll(self, chat_id: int | str, message_id: int) -> list[int] | None:
        try:
            poll = await self.bot.stop_poll(chat_id, message_id)
        except BadRequest as error:
            if any(reason in error.message.lower() for reason in POLL_ALREADY_CLOSED):
                return None
            raise
        return [option.voter_count for option in poll.options]


#: How the Bot API words its refusal to stop a poll that is already closed.
POLL_ALREADY_CLOSED = ("already been closed", "already closed", "can't be stopped")

def may_have_arrived(error: NetworkError) -> bool:
    """True when a failed request may still have been carried out by Telegram: the
    connection broke or timed out after the request was on its way. An error answer
    from Telegram (a status code) or a failure to connect means it was not."""
    cause = error.__cause__
    return isinstance(cause, httpx.TransportError) and not isinstance(cause, NEVER_SENT)


def build_application(settings: Settings, services: Services | None = None) -> Application:
    """The PTB application with every handler wired; nothing else happens here. The
    services (built with this application's :func:`door_parts`) go in ``bot_data``
    before it starts."""
    application = (
        Application.builder()
        .token(settings.token)
        .base_url(settings.api_base_url)
        .base_file_url(settings.api_base_url.replace("/bot", "/file/bot"))
        .get_updates_request(TolerantUpdatesRequest(connection_pool_size=1))
        .concurrent_updates(64)
        .rate_limiter(RetryingRateLimiter(max_retries=5))
        .post_init(on_startup)
        .build()
    )
    application.bot_data["settings"] = settings
    if services is not None:
        application.bot_data["services"] = services
    # New messages only: an edit is not a new request, and a channel post that starts with
    # «/» is the channel's text, not a command to answer inside the channel.
    application.add_handler(MessageHandler(filters.TEXT & filters.UpdateType.MESSAGE, on_message))
    application.add_handler(MessageHandler(filters.StatusUpdate.WEB_APP_DATA, on_web_app_data))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(InlineQueryHandler(on_inline_query))
    application.add_handler(ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(PollAnswerHandler(on_poll_answer))
    application.add_handler(PollHandler(on_poll))
    application.add_error_handler(on_error)
    return application
