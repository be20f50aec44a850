"""Prometheus metrics (``GET /metrics``), through ``prometheus-client``.

Counters the doors increment as things happen (updates, Bot API calls), and metrics read
at scrape time (:class:`Replica`) from what the process already knows (lab renders by
outcome, cache hits, the render queue) or from two grouped counts in the database (channel
slots and inbox rows by status), each scrape waiting at most :data:`REFRESH_SECONDS` for
them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from bot.cache import LRU
from bot.runner import LabRunner
from bot.storage import Storage

log = logging.getLogger(__name__)

UPDATES_RECEIVED = Counter("bot_updates_received", "Updates stored in the inbox", ["type"])
UPDATES_HANDLED = Counter("bot_updates_handled", "Updates handled to the end", ["type"])
UPDATES_FAILED = Counter("bot_updates_failed", "Update handling attempts that failed", ["type"])
UPDATES_QUARANTINED = Counter("bot_updates_quarantined", "Updates given up on", ["type"])
HANDLER_SECONDS = Histogram("bot_handler_seconds", "Time to handle one update", ["type"],
                            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30))
API_CALLS = Counter("bot_api_calls", "Bot API calls made", ["method"])
API_ERRORS = Counter("bot_api_errors", "Bot API calls that failed", ["method"])
API_429 = Counter("bot_api_429", "Bot API calls answered 429 Too Many Requests", ["method"])

#: A scrape waits at most this long for the database's counts (else it shows the last ones).
REFRESH_SECONDS = 2.0


class Source(Protocol):
    """Something a replica knows that a scrape reads: ``refresh`` (awaited by ``/metrics``
    before each scrape) reads what must come from the database, ``families`` is called by
    the registry with no I/O."""

    async def refresh(self) -> None: ...

    def families(self) -> Iterable[Metric]: ...


class Gauges(Collector):
    """Metrics read at scrape time from ``sources``."""

    def __init__(self) -> None:
        self.sources: list[Source] = []

    def collect(self) -> Iterable[Metric]:
        for source in list(self.sources):
            yield from source.families()

    async def refresh(self) -> None:
        """Let every source read the database, each within :data:`REFRESH_SECONDS`; a
        source that fails or is slow keeps its last values (a scrape never fails on it)."""
        for source in list(self.sources):
            try:
                await asyncio.wait_for(source.refresh(), REFRESH_SECONDS)
            except Exception:  # noqa: BLE001 (metrics must not take the server down)
                log.warning("metrics: %s could not refresh", type(source).__name__, exc_info=True)


GAUGES = Gauges()
REGISTRY.register(GAUGES)


class Replica:
    """One replica's renders, caches and render queue (from memory) and its database's
    channel slots and inbox rows by status (two grouped counts per scrape)."""

    def __init__(self, runner: LabRunner, storage: Storage,
                 caches: Mapping[str, LRU[Any, Any]]) -> None:
        self.runner = runner
        self.storage = storage
        self.caches = caches  # {"bytes": runner.results, "file_id": services.file_ids}
        self.slots: dict[str, int] = {}
        self.inbox: dict[str, int] = {}

    async def refresh(self) -> None:
        async with self.storage.transaction() as db:
            self.slots = await db.slots.counts()
            self.inbox = await db.inbox.counts()

    def families(self) -> Iterable[Metric]:
        renders = CounterMetricFamily("bot_lab_renders", "Lab requests by how they ended "
                                      "(rendered, cached, shared, busy, timeout, failed)",
                                      labels=["lab", "outcome"])
        for (lab, outcome), count in sorted(self.runner.outcomes.items()):
            renders.add_metric([lab, outcome], count)
        lookups = CounterMetricFamily("bot_cache_lookups", "Cache lookups: rendered bytes, "
                                      "Telegram file_ids", labels=["cache", "outcome"])
        for name, cache in self.caches.items():
            lookups.add_metric([name, "hit"], cache.hits)
            lookups.add_metric([name, "miss"], cache.misses)
        queue = GaugeMetricFamily("bot_render_queue", "Lab jobs queued or running here")
        queue.add_metric([], self.runner.in_flight)
        slots = GaugeMetricFamily("bot_channel_slots", "Channel post slots by status",
                                  labels=["status"])
        for status, count in sorted(self.slots.items()):
            slots.add_metric([status], count)
        inbox = GaugeMetricFamily("bot_inbox_rows", "Stored updates by status", labels=["status"])
        for status, count in sorted(self.inbox.items()):
            inbox.add_metric([status], count)
        return [renders, lookups, queue, slots, inbox]


async def exposition() -> tuple[bytes, str]:
    await GAUGES.refresh()
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def update_type(data: Mapping[str, object]) -> str:
    """An update's kind: its one field besides ``update_id`` (``message``, ``poll_answer``…)."""
    return next((key for key in data if key != "update_id"), "empty")
