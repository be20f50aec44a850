"""Failures of the ``getUpdates`` loop itself, said in one line instead of a traceback.

The commonest is a second instance polling the same token: Telegram answers one of the
two with 409 Conflict, again and again. The instance that gets it says so once and keeps
waiting (it takes over when the other stops), or exits (``BOT_ON_CONFLICT=exit``).
"""

from __future__ import annotations

import logging
from typing import Any

from telegram.error import Conflict, NetworkError, TelegramError

log = logging.getLogger(__name__)

CONFLICT_LINE = ("another instance is polling this bot token (Telegram answered 409 Conflict); "
                 "{action}. Run one poller per token (BOT_ON_CONFLICT=wait|exit).")
#: The process's exit status when it stops because of another poller.
CONFLICT_EXIT = 3


def polling_failed(application: Any, error: BaseException) -> None:
    """Log a failed ``getUpdates`` once per kind of failure, and stop on a conflict when
    so configured."""
    seen: set[str] = application.bot_data.setdefault("polling_errors_seen", set())
    if isinstance(error, Conflict):
        exit_ = application.bot_data["settings"].on_conflict == "exit"
        if "conflict" not in seen:
            seen.add("conflict")
            log.error(CONFLICT_LINE.format(action="exiting" if exit_ else
                                           "waiting until it stops"))
        if exit_:
            application.bot_data["exit_code"] = CONFLICT_EXIT
            stop = application.bot_data.get("stop")  # set by the door's run_polling
            if stop is not None:
                stop()
        return
    kind = type(error).__name__
    if isinstance(error, (NetworkError, TelegramError)) and kind in seen:
        log.debug("getUpdates failed again: %s", error)
        return
    seen.add(kind)
    log.warning("getUpdates failed (%s: %s); retrying with a growing pause", kind, error)
