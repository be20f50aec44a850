"""Updates in, handled once: the stored inbox between Telegram and the handlers.

Ingress (the webhook's ``POST /telegram``, or :class:`Poller`'s ``getUpdates``) stores an
update before acknowledging it. :class:`Inbox` workers claim stored updates under a
lease, feed them to ``Application.process_update`` and mark them done; a replica killed
mid-update leaves its lease to run out, and another replica (or itself, restarted)
handles the update again. Handling again is harmless: storage changes are keyed (a poll
answer counts once per learner and poll), and every Bot API call that sends something is
journalled with Telegram's answer (``inbox_calls``), so the second run replays the
answers instead of replying twice. The remaining window: a crash after Telegram took a
reply and before its journal row committed (milliseconds) sends that reply again.

An update that cannot be parsed, or whose handler fails ``max_attempts`` times (or kills
its replica that often), is quarantined: logged once, counted for the admins' /status,
and never in the way of the updates behind it.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from telegram import Update
from telegram.ext import Application

from bot.doors import metrics
from bot.doors.batch import GroupCommit
from bot.doors.delivery import JOURNAL, Result
from bot.doors.updates import UnparsableUpdate, log_unparsable, parse_update, update_id_of
from bot.storage import Storage
from bot.storage.inbox import Call, Claimed, Incoming, Quarantined
from bot.storage.leases import replica_name

log = logging.getLogger(__name__)

#: ``bot_data`` key under which ``on_error`` notes the updates whose handler failed.
FAILURES = "inbox_failures"
#: When the update being handled arrived (``time.monotonic()``; None outside an inbox
#: worker): the handlers' admission control counts the time it has already waited.
ARRIVED: ContextVar[float | None] = ContextVar("arrived", default=None)


@dataclass
class InboxOptions:
    concurrency: int = 256  # updates handled at once by one replica
    lease: float = 60.0  # seconds before another replica may take a claimed update
    max_attempts: int = 5
    retry_after: float = 5.0  # seconds before a failed update is tried again
    idle_wait: float = 0.5  # seconds between looks at an empty inbox
    keep_done: float = 2 * 86400.0  # Telegram redelivers for a day at most


class StoredJournal:
    """The Bot API calls made for one update, numbered in order (see the module)."""

    def __init__(self, record: Callable[[Call], Awaitable[None]], update_id: int,
                 recorded: Mapping[int, tuple[str, str]]) -> None:
        self._record = record
        self.update_id = update_id
        self.recorded = recorded
        self.seq = 0

    async def replay(self, endpoint: str) -> Result | None:
        found = self.recorded.get(self.seq)
        if found is None or found[0] != endpoint:
            return None
        self.seq += 1
        result: Result = json.loads(found[1])
        return result

    async def record(self, endpoint: str, result: Result) -> None:
        seq, self.seq = self.seq, self.seq + 1
        await self._record(Call(self.update_id, seq, endpoint, json.dumps(result)))


def incoming(data: Mapping[str, Any]) -> Incoming:
    update_id = update_id_of(data)
    assert update_id is not None
    return Incoming(update_id, metrics.update_type(data)[:32],
                    json.dumps(data, ensure_ascii=False, separators=(",", ":")))


class Inbox:
    def __init__(self, application: Application, storage: Storage,
                 options: InboxOptions | None = None, owner: str | None = None) -> None:
        self.application = application
        self.storage = storage
        self.options = options or InboxOptions()
        self.owner = owner or replica_name()
        self._slots = asyncio.Semaphore(self.options.concurrency)
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self.quarantined_seen = 0
        # Under load the small writes of many updates share transactions (bot.doors.batch).
        self._stored = GroupCommit(self._store_many)
        self._journalled = GroupCommit(self._record_many)
        self._done = GroupCommit(self._done_many)

    # --- ingress ---------------------------------------------------------------------
    async def store(self, data: dict[str, Any]) -> None:
        """One update (the webhook): committed before this returns; the POSTs that arrive
        together are committed together."""
        await self._stored(data)

    async def _store_many(self, batch: Sequence[Mapping[str, Any]]) -> list[None]:
        await self.store_batch(batch)
        return [None] * len(batch)

    async def store_batch(self, batch: Sequence[Mapping[str, Any]]) -> list[int]:
        """Updates (a getUpdates batch), committed before this returns; returns the ids
        not stored before."""
        updates = [incoming(data) for data in batch if update_id_of(data) is not None]
        room = 0 if self._stopping.is_set() else self._free_slots()
        now = self.storage.clock()
        async with self.storage.transaction() as db:
            new = await db.inbox.add(updates, now)
            # handled here at once, as many as there are free slots (the rest are claimed)
            mine = await db.inbox.take_new(self.owner, sorted(new)[:room], now,
                                           timedelta(seconds=self.options.lease))
        for update in updates:
            if update.update_id in new:
                metrics.UPDATES_RECEIVED.labels(update.kind).inc()
        for item in mine:
            await self._slots.acquire()
            self._start(item)
        if len(mine) < len(new):
            self._wake.set()
        return new

    async def _record_many(self, calls: Sequence[Call]) -> list[None]:
        async with self.storage.transaction() as db:
            await db.inbox.record_calls(calls)
        return [None] * len(calls)

    async def _done_many(self, update_ids: Sequence[int]) -> list[bool]:
        async with self.storage.transaction() as db:
            kept = await db.inbox.done_many(update_ids, self.owner, self.storage.clock())
        return [update_id in kept for update_id in update_ids]

    # --- workers ---------------------------------------------------------------------
    async def run(self) -> None:
        """Claim and handle updates until :meth:`stop`."""
        renewer = asyncio.create_task(self._renew_leases())
        try:
            while not self._stopping.is_set():
                claimed = await self._claim()
                if not claimed:
                    self._wake.clear()
                    try:
                        await asyncio.wait_for(self._wake.wait(), self.options.idle_wait)
                    except TimeoutError:
                        pass
                    continue
                for item in claimed:
                    await self._slots.acquire()
                    self._start(item)
                # wait for at least one free slot before claiming more
                await self._slots.acquire()
                self._slots.release()
        finally:
            renewer.cancel()

    def _free_slots(self) -> int:
        return self.options.concurrency - len(self._tasks)

    def _start(self, item: Claimed) -> None:
        """Handle ``item`` in a task of its own (its slot already taken)."""
        task = asyncio.create_task(self._handle(item))
        self._tasks[item.update_id] = task
        task.add_done_callback(functools.partial(self._finished, item.update_id))

    def _finished(self, update_id: int, task: asyncio.Task[None]) -> None:
        self._tasks.pop(update_id, None)
        self._slots.release()

    async def _claim(self) -> list[Claimed]:
        free = max(1, self._free_slots())
        try:
            async with self.storage.transaction() as db:
                claimed, given_up = await db.inbox.claim(
                    self.owner, self.storage.clock(), timedelta(seconds=self.options.lease),
                    free, self.options.max_attempts)
        except Exception:  # noqa: BLE001 (a database hiccup must not end the worker)
            log.warning("claiming updates failed", exc_info=True)
            await asyncio.sleep(1.0)
            return []
        for row in given_up:
            self._quarantined(row)
        return claimed

    async def _handle(self, item: Claimed) -> None:
        data = json.loads(item.payload)
        started = time.perf_counter()
        try:
            update = parse_update(data, self.application.bot)
        except UnparsableUpdate as error:
            log_unparsable(error, data)
            await self._failed(item, str(error), final=True)
            return
        token = JOURNAL.set(StoredJournal(self._journalled, item.update_id, item.recorded))
        arrived = ARRIVED.set(time.monotonic()
                              - max(0.0, (self.storage.clock() - item.received_at).total_seconds()))
        failures: dict[int, str] = self.application.bot_data.setdefault(FAILURES, {})
        try:
            await self.application.process_update(update)
        except Exception as error:  # noqa: BLE001 (process_update reports most itself)
            failures[item.update_id] = f"{type(error).__name__}: {error}"
        finally:
            JOURNAL.reset(token)
            ARRIVED.reset(arrived)
        metrics.HANDLER_SECONDS.labels(item.kind).observe(time.perf_counter() - started)
        failure = failures.pop(item.update_id, None)
        if failure is not None:
            await self._failed(item, failure)
            return
        metrics.UPDATES_HANDLED.labels(item.kind).inc()
        if not await self._done(item.update_id):
            log.warning("update %s was handled after its lease ran out", item.update_id)

    async def _failed(self, item: Claimed, error: str, final: bool = False) -> None:
        metrics.UPDATES_FAILED.labels(item.kind).inc()
        now = self.storage.clock()
        async with self.storage.transaction() as db:
            row = await db.inbox.failed(
                item.update_id, self.owner, error, now,
                now + timedelta(seconds=self.options.retry_after * item.attempts),
                item.attempts if final else self.options.max_attempts)
        if row is not None:
            self._quarantined(row)

    def _quarantined(self, row: Quarantined) -> None:
        self.quarantined_seen += 1
        metrics.UPDATES_QUARANTINED.labels(row.kind).inc()
        log.error("update %s (%s) quarantined after %s attempts: %s",
                  row.update_id, row.kind, row.attempts, row.error)

    async def _renew_leases(self) -> None:
        every = self.options.lease / 3
        while True:
            await asyncio.sleep(every)
            try:
                async with self.storage.transaction() as db:
                    await db.inbox.renew(self.owner, list(self._tasks),
                                         self.storage.clock() + timedelta(seconds=self.options.lease))
                    await db.inbox.prune(self.storage.clock()
                                         - timedelta(seconds=self.options.keep_done))
            except Exception:  # noqa: BLE001
                log.warning("renewing leases failed", exc_info=True)

    async def stop(self, bound: float = 20.0) -> None:
        """Stop claiming, give in-flight updates ``bound`` seconds, give back the rest."""
        self._stopping.set()
        self._wake.set()
        pending = list(self._tasks.values())
        if pending:
            _, late = await asyncio.wait(pending, timeout=bound)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        async with self.storage.transaction() as db:
            released = await db.inbox.release(self.owner, self.storage.clock())
        if released:
            log.info("gave back %s updates for another replica", released)


class Poller:
    """Long polling that stores before it confirms: ``getUpdates`` with the next offset
    (which tells Telegram the earlier updates arrived) is only asked once the batch
    before it is committed to the inbox. Two pollers on one token are harmless: an
    update both fetch is stored once."""

    def __init__(self, inbox: Inbox, base_url: str, token: str,
                 allowed_updates: Sequence[str], timeout: int = 25,
                 on_conflict: Callable[[], None] = lambda: None) -> None:
        self.inbox = inbox
        self.on_conflict = on_conflict
        self.url = f"{base_url}{token}/getUpdates"
        self.allowed_updates = list(allowed_updates)
        self.timeout = timeout
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        offset: int | None = None
        failures = 0
        async with httpx.AsyncClient(timeout=self.timeout + 10) as client:
            while not self._stopping.is_set():
                try:
                    batch = await self._fetch(client, offset)
                except (httpx.HTTPError, ValueError) as error:
                    failures += 1
                    if failures == 1:  # once per streak of failures
                        log.warning("getUpdates failed (%s); retrying with a growing pause", error)
                    await self._pause(min(30.0, 0.5 * 2 ** min(failures, 6)))
                    continue
                failures = 0
                if not batch:
                    continue
                try:
                    await self.inbox.store_batch(batch)
                except Exception:  # noqa: BLE001 (not stored: not confirmed, fetched again)
                    log.warning("storing updates failed", exc_info=True)
                    await self._pause(1.0)
                    continue
                ids = [i for data in batch if (i := update_id_of(data)) is not None]
                if ids:
                    offset = max(ids) + 1

    async def _fetch(self, client: httpx.AsyncClient, offset: int | None) -> list[Any]:
        body: dict[str, Any] = {"timeout": self.timeout, "allowed_updates": self.allowed_updates}
        if offset is not None:
            body["offset"] = offset
        answer = await client.post(self.url, json=body)
        if answer.status_code == 409:  # another poller (or a webhook) on this token
            self.on_conflict()
            raise ValueError("409 Conflict: another getUpdates or a webhook on this token")
        data = answer.json()
        if not data.get("ok"):
            raise ValueError(f"{answer.status_code} {data.get('description', '')}")
        result = data.get("result")
        return result if isinstance(result, list) else []

    async def _pause(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._stopping.wait(), seconds)
        except TimeoutError:
            pass

    def stop(self) -> None:
        self._stopping.set()
