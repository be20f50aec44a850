"""Getting a file id for a picture no chat has seen yet, so inline mode can offer it.

Telegram's inline results carry a photo by file id or by URL, never as bytes. A lab
asked for inline before anyone ran it in a chat is therefore posted once, silently, to
the storage chat (``BOT_STORAGE_CHAT_ID``: a private channel the bot posts in, or an
admin's chat); the file id Telegram gives back is remembered under the picture's key like
any other upload, so the next query (on any chat, by anyone) sends it without uploading.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from functools import partial
from typing import Any

from telegram import InputFile
from telegram.error import TelegramError

from bot.commands.base import Media, Services
from bot.commands.inline import Card

log = logging.getLogger(__name__)

#: Seconds the upload may take within the inline query's budget (the wait for typing
#: to settle and the render took theirs: ``inline.SETTLE_SECONDS``, ``RENDER_SECONDS``).
UPLOAD_SECONDS = 3.0

#: Uploads under way per picture key: two queries for one new lab upload it once.
_uploading: dict[str, asyncio.Task[str | None]] = {}
#: Kinds of refusal already logged at WARNING by this process.
_refused: set[str] = set()


async def stored(card: Card, bot: Any, services: Services) -> Card:
    """``card`` with its picture's file id, uploading it to the storage chat if needed;
    its fallback when there is no storage chat or Telegram did not take the picture."""
    media = card.upload
    if media is None:
        return card
    fallback = card.fallback or replace(card, upload=None)
    chat = services.settings.storage_chat_id
    if chat is None:
        return fallback
    file_id = await services.file_ids.get(media.key)
    if not file_id:
        task = _uploading.get(media.key)
        if task is None:
            task = asyncio.ensure_future(_upload(bot, chat, media, card.title, services))
            _uploading[media.key] = task
            task.add_done_callback(partial(_finished, media.key))
        try:
            # The upload is not cancelled when the query's time is up: a picture Telegram
            # took later still has its id stored, for the next query.
            file_id = await asyncio.wait_for(asyncio.shield(task), UPLOAD_SECONDS)
        except TimeoutError:
            log.debug("the storage chat's upload of %s outlasted the inline query", media.key)
            file_id = None
        except Exception:  # noqa: BLE001 (the query is still answered, with the card)
            file_id = None  # logged once by _finished
    if not file_id:
        return fallback
    return replace(card, file_id=file_id, upload=None, fallback=None)


def _finished(key: str, task: asyncio.Task[str | None]) -> None:
    """An upload ended: forget it, and log a failure nobody may be waiting for any more."""
    _uploading.pop(key, None)
    if not task.cancelled() and task.exception() is not None:
        log.error("a picture for inline mode could not be stored", exc_info=task.exception())


async def _upload(bot: Any, chat: int | str, media: Media, title: str,
                  services: Services) -> str | None:
    try:
        message = await bot.send_photo(
            chat, InputFile(media.data, filename=media.filename), caption=title,
            disable_notification=True)
    except TelegramError as error:
        # said once at WARNING (a wrong BOT_STORAGE_CHAT_ID fails every query alike)
        kind = type(error).__name__
        level = logging.DEBUG if kind in _refused else logging.WARNING
        _refused.add(kind)
        log.log(level, "storage chat %s did not take a picture (BOT_STORAGE_CHAT_ID): %s",
                chat, error)
        return None
    if not message.photo:
        return None
    file_id: str = message.photo[-1].file_id
    await services.file_ids.put(media.key, file_id, "photo", services.clock())
    return file_id
