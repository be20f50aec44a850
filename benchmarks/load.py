"""End-to-end load: the real bot (``python -m bot run`` with its render workers) against
the fake Bot API of ``tests/`` on 127.0.0.1, at a fixed rate of requests from many learners.

    python -m benchmarks.load                         # 12, 20, 25, 30 requests/s; 1 and 2 workers
    python -m benchmarks.load --rates 20 --seconds 60 --workers 2
    python -m benchmarks.load --mode webhook          # updates POSTed to the bot's /telegram
    python -m benchmarks.load --mode polling,webhook  # both ingresses, one after the other
    python -m benchmarks.load --code /path/to/other/checkout   # the same load on another version

Two ingresses, as in production (``bot.doors.runtime``): ``polling`` (the fake answers the
bot's getUpdates) and ``webhook`` (``BOT_WEBHOOK_URL`` set: the bot serves POST /telegram
and this process posts each update with the secret header from a few concurrent
connections, as Telegram does; the update counts as offered when its POST starts).

The mix (issue #14): 50 % a popular ``/gd`` already cached, 40 % a new ``/gd`` still, 10 % a
new ``/backprop``; besides, a bystander sends ``/help`` once a second. Every learner is a new
private chat, so a request's latency is the time from its update being offered to the last
message the bot sent into that chat. The fake enforces Telegram's send limits and answers
429 above them (:class:`tests.fake_telegram.SendLimits`).

Printed per run: p50/p95/p99 per kind (answered requests), shed (refused with the "busy"
message, and how fast), no message (never answered: over Telegram's ceiling the bot sends
no refusal, see the README), messages and chat actions out per second
while the load lasted, 429s, CPU seconds per request for the bot process, its workers and
this process (the fake server and the load generator, so a slow fake cannot hide in the
result), and the peak memory of the bot and its workers.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.fake_telegram import TOKEN, FakeTelegram, SendLimits
from tests.replicas import SECRET, free_port

ROOT = Path(__file__).resolve().parent.parent
POPULAR = "/gd 0.1x^2 lr=0.4 steps=25"
#: One cycle of ten learners' requests: 5 cached /gd, 4 new /gd, 1 new /backprop.
CYCLE = ("cached", "gd", "cached", "gd", "cached", "gd", "cached", "gd", "cached", "backprop")
KINDS = ("cached", "gd", "backprop", "help")
BYSTANDER = 7_000_000
CLOCK_TICK = os.sysconf("SC_CLK_TCK")


def request_text(kind: str, n: int) -> str:
    """The text of the ``n``-th request of ``kind``; new ones never repeat within a run."""
    if kind == "cached":
        return POPULAR
    if kind == "gd":
        return f"/gd {1 + n / 1000:g}x^2+sin(x) lr=0.05 steps=40"
    if kind == "backprop":
        return f"/backprop lr={0.01 + n / 100000:g}"
    return "/help"


# --- the processes' CPU and memory, from /proc ---------------------------------------
def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICK  # utime, stime


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if parent == pid:
                found.append(int(entry.name))
    return found


def _peak_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Usage:
    bot: float
    workers: float
    here: float

    @classmethod
    def now(cls, pid: int) -> Usage:
        mine = os.times()
        return cls(_cpu_seconds(pid), sum(_cpu_seconds(c) for c in _children(pid)),
                   mine.user + mine.system)

    def __sub__(self, other: Usage) -> Usage:
        return Usage(self.bot - other.bot, self.workers - other.workers, self.here - other.here)


# --- one run ----------------------------------------------------------------------------
@dataclass
class Sent:
    kind: str
    chat: int
    at: float


class Ingress:
    """How an update reaches the bot: queued for its getUpdates, or POSTed to its webhook."""

    def __init__(self, fake: FakeTelegram, port: int | None) -> None:
        self.fake = fake
        self.port = port
        self._ids = itertools.count(1)
        self._client = httpx.Client(timeout=60, limits=httpx.Limits(max_connections=40))
        self._senders = ThreadPoolExecutor(max_workers=16, thread_name_prefix="webhook")
        self.failed = 0

    def wait_ready(self, bot: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + 90
        while not self._ready():
            if time.monotonic() > deadline or bot.poll() is not None:
                raise SystemExit("the bot did not start; see its log")
            time.sleep(0.1)

    def _ready(self) -> bool:
        if self.port is None:
            return bool(self.fake.calls_to("getUpdates"))
        try:
            return self._client.get(f"http://127.0.0.1:{self.port}/healthz").status_code == 200
        except httpx.HTTPError:
            return False

    def offer(self, text: str, user_id: int) -> None:
        if self.port is None:
            self.fake.push_message(text, user_id=user_id)
            return
        update = self.fake.message_update(text, user_id=user_id)
        update["update_id"] = next(self._ids)
        self._senders.submit(self._post, update)

    def _post(self, update: dict[str, Any]) -> None:
        try:
            answer = self._client.post(
                f"http://127.0.0.1:{self.port}/telegram", content=json.dumps(update),
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET,
                         "Content-Type": "application/json"})
            self.failed += answer.status_code != 200
        except httpx.HTTPError:
            self.failed += 1

    def close(self) -> None:
        self._senders.shutdown(wait=True)
        self._client.close()


@dataclass
class Result:
    mode: str
    rate: float
    seconds: float
    workers: int
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    shed: list[float] = field(default_factory=list)
    lost: int = 0  # requests that got no message
    offered: int = 0
    messages_per_s: float = 0.0
    actions_per_s: float = 0.0
    refused_429: int = 0
    usage: Usage = field(default_factory=lambda: Usage(0, 0, 0))
    peak_mb: float = 0.0
    refused_posts: int = 0  # webhook POSTs the bot did not answer with 200


def start_bot(fake: FakeTelegram, workers: int, code: Path, data: Path,
              port: int | None, db: str | None = None) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "BOT_API_BASE_URL": fake.base_url,
           "BOT_WORKERS": str(workers), "BOT_DATA_DIR": str(data), "BOT_LOG_LEVEL": "WARNING",
           "PYTHONPATH": str(code)}
    for name in ("BOT_DB_URL", "BOT_WEBHOOK_URL", "BOT_WEBHOOK_SECRET", "BOT_WEBAPP_URL"):
        env.pop(name, None)
    if db:
        env["BOT_DB_URL"] = db
    if port is not None:
        env.update(BOT_WEBHOOK_URL="https://bot.example/telegram", BOT_WEBHOOK_SECRET=SECRET,
                   BOT_WEBHOOK_LISTEN="127.0.0.1", BOT_WEBHOOK_PORT=str(port))
    return subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=code, env=env,
                            stdout=subprocess.DEVNULL, stderr=open(data / "bot.log", "wb"))


def _answers(fake: FakeTelegram) -> dict[int, list[tuple[float, str]]]:
    """Per chat, the messages the bot sent into it: (when, text or caption)."""
    chats: dict[int, list[tuple[float, str]]] = defaultdict(list)
    with fake._lock:
        calls = list(fake.calls)
    for call in calls:
        if call.status == 200 and call.method.startswith("send") and call.method != "sendChatAction":
            text = str(call.params.get("text") or call.params.get("caption") or "")
            chats[int(call.params["chat_id"])].append((call.at, text))
    return chats


def _wait_quiet(fake: FakeTelegram, quiet: float, limit: float) -> None:
    """Wait until the bot has sent nothing for ``quiet`` seconds (at most ``limit``)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        with fake._lock:
            last = next((c.at for c in reversed(fake.calls) if c.method != "getUpdates"), 0.0)
        if time.monotonic() - last > quiet:
            return
        time.sleep(0.2)


def empty(db: str) -> None:
    """Drop every table of ``db``: each run starts on a fresh database (the fake numbers
    its updates from 1 again, and the inbox would take them for ones already handled)."""
    from tests.test_storage import empty_database

    asyncio.run(empty_database(db))


def run_once(mode: str, rate: float, seconds: float, workers: int, code: Path,
             db: str | None = None) -> Result:
    limits = SendLimits()
    fake = FakeTelegram(limits).start()
    port = free_port() if mode == "webhook" else None
    ingress = Ingress(fake, port)
    if db:
        empty(db)
    with tempfile.TemporaryDirectory(prefix="load-") as folder:
        bot = start_bot(fake, workers, code, Path(folder), port, db)
        try:
            result = _drive(fake, ingress, bot, Result(mode, rate, seconds, workers))
            result.refused_posts = ingress.failed
            return result
        finally:
            ingress.close()
            bot.send_signal(signal.SIGINT)
            try:
                bot.wait(20)
            except subprocess.TimeoutExpired:
                bot.kill()
            fake.stop()


def _drive(fake: FakeTelegram, ingress: Ingress, bot: subprocess.Popen[bytes],
           result: Result) -> Result:
    # Ready once it polls (or serves); then the popular picture is made once ("cached").
    ingress.wait_ready(bot)
    ingress.offer(POPULAR, BYSTANDER - 1)
    while not any(c.method == "sendPhoto" for c in fake.calls_to("sendPhoto")):
        if bot.poll() is not None:
            raise SystemExit("the bot stopped; see its log")
        time.sleep(0.05)
    time.sleep(1.0)

    rate, seconds = result.rate, result.seconds
    sent: list[Sent] = []
    counters: dict[str, int] = defaultdict(int)
    before = Usage.now(bot.pid)
    start = time.monotonic()
    total = int(rate * seconds)
    helps = int(seconds)
    due = sorted([(i / rate, CYCLE[i % len(CYCLE)]) for i in range(total)]
                 + [(j + 0.5, "help") for j in range(helps)])
    for n, (offset, kind) in enumerate(due):
        pause = start + offset - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        chat = BYSTANDER + n if kind == "help" else 10_000_000 + n
        ingress.offer(request_text(kind, counters[kind]), chat)
        counters[kind] += 1
        sent.append(Sent(kind, chat, time.monotonic()))
    end = time.monotonic()
    _wait_quiet(fake, quiet=5.0, limit=120.0)
    result.usage = Usage.now(bot.pid) - before
    result.peak_mb = (_peak_kb(bot.pid) + sum(_peak_kb(c) for c in _children(bot.pid))) / 1024

    answers = _answers(fake)
    for request in sent:
        replies = answers.get(request.chat)
        if not replies:
            result.lost += 1
            continue
        last = max(at for at, _ in replies) - request.at
        if any(text.startswith("⏳") for _, text in replies):
            result.shed.append(last)
        else:
            result.latencies[request.kind].append(last)
    result.offered = len(sent)
    window = end - start
    with fake._lock:
        during = [c for c in fake.calls if start <= c.at <= end and c.status == 200]
    result.messages_per_s = sum(c.method.startswith("send") and c.method != "sendChatAction"
                                for c in during) / window
    result.actions_per_s = sum(c.method == "sendChatAction" for c in during) / window
    result.refused_429 = fake.limits.refused if fake.limits else 0
    return result


# --- the report -------------------------------------------------------------------------
def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def report(result: Result) -> None:
    served = sum(len(v) for v in result.latencies.values())
    print(f"\n{result.mode}, {result.rate:g} requests/s for {result.seconds:g} s, "
          f"{result.workers} worker(s): "
          f"offered {result.offered}, answered {served} ({served / result.seconds:.1f}/s), "
          f"shed {len(result.shed)} (p95 {_percentile(result.shed, 0.95):.2f} s), "
          f"no message {result.lost}")
    print(f"  {'kind':<9} {'n':>5} {'p50 s':>7} {'p95 s':>7} {'p99 s':>7}")
    for kind in KINDS:
        values = result.latencies.get(kind, [])
        print(f"  {kind:<9} {len(values):>5} {_percentile(values, 0.5):7.2f} "
              f"{_percentile(values, 0.95):7.2f} {_percentile(values, 0.99):7.2f}")
    per = max(result.offered, 1)
    usage = result.usage
    print(f"  messages out {result.messages_per_s:.1f}/s, chat actions {result.actions_per_s:.1f}/s, "
          f"429s {result.refused_429}"
          + (f", webhook POSTs refused {result.refused_posts}" if result.mode == "webhook" else ""))
    print(f"  CPU ms per request: bot {1000 * usage.bot / per:.1f}, workers "
          f"{1000 * usage.workers / per:.1f}, fake server + generator {1000 * usage.here / per:.1f}"
          f" (cores busy: bot {usage.bot / result.seconds:.2f}, workers "
          f"{usage.workers / result.seconds:.2f}, fake {usage.here / result.seconds:.2f});"
          f" peak memory {result.peak_mb:.0f} MB")


def summary_row(result: Result) -> str:
    served = sum(len(v) for v in result.latencies.values())
    p95 = {kind: _percentile(result.latencies.get(kind, []), 0.95) for kind in KINDS}
    return (f"| {result.mode} | {result.rate:g}/s × {result.seconds:g} s | {result.workers} | "
            f"{served / result.seconds:.1f}/s | {len(result.shed)} | {result.lost} | "
            f"{p95['gd']:.2f} s | {p95['backprop']:.2f} s | {p95['cached']:.2f} s | "
            f"{p95['help']:.2f} s | {result.messages_per_s:.1f}/s | {result.refused_429} | "
            f"{result.peak_mb:.0f} MB |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", default="12,20,25,30", help="requests per second, comma-separated")
    parser.add_argument("--seconds", type=float, default=40.0, help="how long each rate is offered")
    parser.add_argument("--workers", default="1,2", help="render workers, comma-separated")
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout whose bot is run")
    parser.add_argument("--mode", default="polling",
                        help="polling, webhook, or both comma-separated (how updates arrive)")
    parser.add_argument("--db", help="a PostgreSQL URL for the bot (emptied before each run); "
                                     "default: a fresh SQLite file per run")
    args = parser.parse_args(argv)
    modes = args.mode.split(",")
    if not set(modes) <= {"polling", "webhook"}:
        parser.error(f"--mode {args.mode}: polling, webhook or polling,webhook")
    rows = []
    for mode in modes:
        for workers in (int(w) for w in args.workers.split(",")):
            for rate in (float(r) for r in args.rates.split(",")):
                result = run_once(mode, rate, args.seconds, workers, args.code.resolve(), args.db)
                report(result)
                rows.append(summary_row(result))
    print("\n| ingress | offered | workers | answered | shed | no message | p95 new /gd | p95 /backprop | "
          "p95 cached | p95 /help | messages out | 429s | peak memory |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
