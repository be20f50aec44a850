"""Reading updates one by one, so one the library cannot parse never blocks the rest.

python-telegram-bot parses a ``getUpdates`` batch as a whole: a single update it refuses
(a ``poll_answer`` without ``option_persistent_ids`` from a Bot API server older than 9.6,
a field of the wrong type) fails the batch, the offset never moves past it, and the same
batch is fetched and refused forever while nobody gets an answer.

:func:`parse_update` is the one place an update's JSON becomes an :class:`Update`: it
raises :class:`UnparsableUpdate` (with the update id, when there is one) instead of the
library's assorted errors, so a caller can skip or quarantine it. Long polling plugs it in
through :class:`TolerantUpdatesRequest`: each unparsable update of a batch is logged once
and replaced by an empty update with the same id, which no handler answers and which
moves the offset past it. A stored inbox (webhook or polling) calls :func:`parse_update`
on each raw update it claims.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from telegram import Update
from telegram.request import HTTPXRequest

log = logging.getLogger(__name__)

#: How much of an unparsable update goes into the log (it is logged once, not per fetch).
LOGGED_CHARS = 600


class UnparsableUpdate(ValueError):
    """An update python-telegram-bot cannot read; ``update_id`` is None when even that is
    missing or not a whole number."""

    def __init__(self, update_id: int | None, reason: str) -> None:
        super().__init__(f"update {update_id}: {reason}")
        self.update_id = update_id
        self.reason = reason


def update_id_of(data: object) -> int | None:
    value = data.get("update_id") if isinstance(data, Mapping) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def parse_update(data: object, bot: Any = None) -> Update:
    """The update this JSON describes, or :class:`UnparsableUpdate`."""
    update_id = update_id_of(data)
    if update_id is None:
        raise UnparsableUpdate(None, "no whole-number update_id")
    try:
        update = Update.de_json(dict(data), bot)  # type: ignore[call-overload]
    except Exception as error:  # noqa: BLE001 (the library raises TypeError, KeyError, …)
        raise UnparsableUpdate(update_id, f"{type(error).__name__}: {error}") from error
    if update is None:
        raise UnparsableUpdate(update_id, "empty update")
    return update


def log_unparsable(error: UnparsableUpdate, data: object) -> None:
    """One warning per skipped update, with its kinds and a bounded excerpt."""
    kinds = sorted(k for k in data if k != "update_id") if isinstance(data, Mapping) else []
    log.warning("skipping an update the bot cannot read (%s; fields %s): %.*s",
                error, kinds, LOGGED_CHARS, repr(data))


def readable_batch(batch: list[Any]) -> list[dict[str, Any]]:
    """``batch`` with every unparsable update logged and replaced by ``{"update_id": n}``
    (an empty update: the offset passes it, no handler answers it); one without an id is
    dropped (the ids around it move the offset)."""
    readable: list[dict[str, Any]] = []
    for data in batch:
        try:
            parse_update(data)
        except UnparsableUpdate as error:
            log_unparsable(error, data)
            if error.update_id is not None:
                readable.append({"update_id": error.update_id})
            continue
        readable.append(data)
    return readable


class TolerantUpdatesRequest(HTTPXRequest):
    """The request object for ``getUpdates`` (``ApplicationBuilder.get_updates_request``):
    the answer's batch is made readable before the library parses it (PTB documents
    ``parse_json_payload`` as the hook for reading answers)."""

    __slots__ = ()

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        answer = HTTPXRequest.parse_json_payload(payload)
        if isinstance(answer.get("result"), list):
            answer["result"] = readable_batch(answer["result"])
        return answer
