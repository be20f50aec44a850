"""State the replicas share through the database, each with a per-process memory in front:
what a button stands for (:class:`ButtonRequests`) and the Telegram file id of each
uploaded picture (:class:`FileIds`).

A button's callback data carries a short token; the request it stands for is kept here
and in ``button_requests`` (as JSON, see :func:`encode`), so a press is answered by any
replica and after a restart. Tokens are remembered synchronously while a response is
built and written in one statement by :meth:`ButtonRequests.save` before the response is
sent; a press reads the memory first and the database (one indexed read) only on a miss.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.cache import LRU
from bot.labdata.gd import GDRequest
from bot.labdata.opt import OptRequest
from bot.storage.buttons import Stored

if TYPE_CHECKING:
    from bot.storage import Storage

log = logging.getLogger(__name__)

#: Requests kept in each process's memory (the database keeps all of them).
REMEMBERED_REQUESTS = 20_000
#: Picture keys whose Telegram file id each process keeps in memory.
FILE_IDS = 10_000
#: A request offered again is written again (its age starts anew) at most this often.
REFRESH = timedelta(days=1)
#: How often a process forgets requests that expired long ago, file ids as old, and
#: leases whose replica died (see ``save``).
PRUNE_EVERY = timedelta(hours=1)


@dataclass(frozen=True)
class SharedPicture:
    """A lab's picture offered by «ارسال برای دوستان»: inline mode sends it again by its
    Telegram file id (known once the picture was uploaded under ``media_key``)."""

    media_key: str
    caption: str
    query: str  # the lab's whole command, as its share button offers it


@dataclass(frozen=True)
class Expired:
    """A button whose request is older than ``BOT_BUTTON_DAYS``: ``request`` says what it
    ran, so the learner can be told how to run it again."""

    request: Any


#: What a stored request may decode to, by the name stored with it.
_KINDS: dict[str, type[Any]] = {cls.__name__: cls for cls in (GDRequest, OptRequest, SharedPicture)}


def encode(request: Any) -> tuple[str, str]:
    """``(kind, JSON)`` of a request: a text, or one of the dataclasses in ``_KINDS``."""
    if isinstance(request, str):
        return "text", json.dumps(request, ensure_ascii=False)
    kind = type(request).__name__
    if _KINDS.get(kind) is not type(request):
        raise TypeError(f"a button cannot carry a {kind}")
    return kind, json.dumps(dataclasses.asdict(request), ensure_ascii=False)


def decode(kind: str, payload: str) -> Any | None:
    """The request back (lists become tuples again); None when it no longer fits its
    class (stored by an older version of the bot)."""
    try:
        value = json.loads(payload)
        if kind == "text":
            return value if isinstance(value, str) else None
        return _KINDS[kind](**{name: _tuples(item) for name, item in value.items()})
    except (KeyError, TypeError, ValueError):
        return None


def _tuples(value: Any) -> Any:
    return tuple(_tuples(item) for item in value) if isinstance(value, list) else value


class ButtonRequests:
    """Tokens → requests: memory in front of ``db.buttons``; see the module docstring."""

    def __init__(self, storage: Storage | None = None, keep: timedelta = timedelta(days=30),
                 memory: int = REMEMBERED_REQUESTS) -> None:
        self.storage = storage
        #: A request lives this long after it was last offered; then its buttons say they
        #: expired (and how to run them again) for as long again, then it is forgotten.
        self.keep = keep
        self._memory: LRU[str, tuple[Any, datetime]] = LRU(memory)
        self._unsaved: dict[str, tuple[Any, Stored]] = {}
        self._saving = asyncio.Lock()
        self._pruned: datetime | None = None

    def remember(self, token: str, request: Any, now: datetime) -> None:
        """Keep ``request`` under ``token``: at once in memory, in the database at the next
        :meth:`save` (unless this process wrote it less than ``REFRESH`` ago)."""
        known = self._memory.get(token)
        if known is not None and known[1] > now - REFRESH:
            return
        self._memory.put(token, (request, now))
        if self.storage is not None:
            kind, payload = encode(request)
            self._unsaved[token] = (request, Stored(token, kind, payload, now))

    async def save(self) -> None:
        """Write what :meth:`remember` kept since the last save, before the buttons that
        carry it are sent. A save already under way may be writing this caller's tokens:
        waiting for the lock waits for it to commit."""
        if self.storage is None or (not self._unsaved and not self._saving.locked()):
            return
        async with self._saving:
            if not self._unsaved:
                return
            batch, self._unsaved = list(self._unsaved.values()), {}
            now = batch[-1][1].created_at
            try:
                async with self.storage.transaction() as db:
                    await db.buttons.put([stored for _, stored in batch])
                    if self._pruned is None or now - self._pruned > PRUNE_EVERY:
                        self._pruned = now
                        await db.buttons.prune(now - 2 * self.keep)
                        # the shared state's other tables are tidied on the same beat
                        await db.file_ids.prune(now - 2 * self.keep)
                        await db.leases.prune(now)
            except Exception:  # noqa: BLE001 (the buttons still work on this replica)
                log.warning("button requests not stored", exc_info=True)
                for request, stored in batch:  # offered again, they are written again
                    self._memory.put(stored.token, (request, stored.created_at - REFRESH))

    async def recall(self, token: str, now: datetime) -> Any | Expired | None:
        """The request under ``token``; :class:`Expired` when it is too old; None when no
        replica knows it (never made, or forgotten)."""
        known = self._memory.get(token)
        if known is not None and known[1] > now - self.keep:
            return known[0]
        if self.storage is None:
            return None if known is None else Expired(known[0])
        async with self.storage.transaction() as db:
            found = await db.buttons.get(token)
        request = None if found is None else decode(found.kind, found.payload)
        if found is None or request is None:
            return None
        if found.created_at <= now - self.keep:
            return Expired(request)
        self._memory.put(token, (request, found.created_at))
        return request


def file_key(key: str) -> str:
    """The database's key of a rendered picture: a digest (picture keys hold the learner's
    whole function)."""
    return base64.urlsafe_b64encode(hashlib.blake2b(key.encode(), digest_size=18).digest()).decode()


class FileIds:
    """Telegram file ids by picture key: memory in front of ``db.file_ids``. A picture one
    replica uploaded is sent by id by every replica (a hit in memory costs no query)."""

    def __init__(self, storage: Storage | None = None, memory: int = FILE_IDS) -> None:
        self.storage = storage
        #: This process's file ids (its hits and misses are the metrics' "file_id" cache).
        self.memory: LRU[str, str] = LRU(memory)

    def __len__(self) -> int:
        return len(self.memory)

    async def get(self, key: str) -> str | None:
        known = self.memory.get(key)
        if known is not None or self.storage is None:
            return known
        async with self.storage.transaction() as db:
            found = await db.file_ids.get(file_key(key))
        if found is None:
            return None
        self.memory.put(key, found[0])
        return found[0]

    async def put(self, key: str, file_id: str, kind: str, now: datetime) -> None:
        if self.memory.peek(key) == file_id:
            return
        self.memory.put(key, file_id)
        if self.storage is not None:
            async with self.storage.transaction() as db:
                await db.file_ids.put(file_key(key), file_id, kind, now)

    async def forget(self, key: str, file_id: str) -> None:
        """Telegram refused ``file_id``: nobody should send it again."""
        if self.memory.peek(key) == file_id:
            self.memory.discard(key)
        if self.storage is not None:
            async with self.storage.transaction() as db:
                await db.file_ids.forget(file_key(key), file_id)
