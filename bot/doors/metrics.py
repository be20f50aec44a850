"""Prometheus metrics (``GET /metrics``), through ``prometheus-client``.

Counters the doors increment as things happen (updates, Bot API calls), and gauges read
at scrape time from what the process already knows (render workers, caches) or from the
last database snapshot the runtime took (inbox depth, channel slots by status): a scrape
never waits for the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

UPDATES_RECEIVED = Counter("bot_updates_received", "Updates stored in the inbox", ["type"])
UPDATES_HANDLED = Counter("bot_updates_handled", "Updates handled to the end", ["type"])
UPDATES_FAILED = Counter("bot_updates_failed", "Update handling attempts that failed", ["type"])
UPDATES_QUARANTINED = Counter("bot_updates_quarantined", "Updates given up on", ["type"])
HANDLER_SECONDS = Histogram("bot_handler_seconds", "Time to handle one update", ["type"],
                            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30))
API_CALLS = Counter("bot_api_calls", "Bot API calls made", ["method"])
API_ERRORS = Counter("bot_api_errors", "Bot API calls that failed", ["method"])
API_429 = Counter("bot_api_429", "Bot API calls answered 429 Too Many Requests", ["method"])

#: Gauges' current values: ``{name: (help, {label tuple: value})}``.
Snapshot = Mapping[str, tuple[str, Mapping[tuple[str, ...], float]]]
LABELS = {"bot_inbox_rows": ["status"], "bot_channel_slots": ["status"]}


class Gauges(Collector):
    """Gauges read at scrape time from ``sources`` (callables returning a Snapshot)."""

    def __init__(self) -> None:
        self.sources: list[Callable[[], Snapshot]] = []

    def collect(self) -> Iterable[GaugeMetricFamily]:
        for source in list(self.sources):
            for name, (doc, values) in source().items():
                family = GaugeMetricFamily(name, doc, labels=LABELS.get(name, []))
                for labels, value in values.items():
                    family.add_metric(list(labels), value)
                yield family


GAUGES = Gauges()
REGISTRY.register(GAUGES)


def exposition() -> tuple[bytes, str]:
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def update_type(data: Mapping[str, object]) -> str:
    """An update's kind: its one field besides ``update_id`` (``message``, ``poll_answer``…)."""
    return next((key for key in data if key != "update_id"), "empty")
