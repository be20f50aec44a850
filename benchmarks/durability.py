"""No update lost or handled twice, at scale: the figures of issue #13's "Done means".

    nice -n 19 python -m benchmarks.durability --pg postgresql://… [--scale 1.0] [--only abcd]

Real replicas (``python -m bot run`` processes, :mod:`tests.replicas`) against the fake
Bot API on 127.0.0.1, each handling one update at a time (so a kill catches at most one
reply in its window, see :mod:`bot.doors.inbox`):

a. polling on SQLite, ``kill -9`` and a restart every ~150 updates (≥ 3,000 poll answers
   and 300 learner messages at scale 1): answers lost and doubled, messages unanswered
   and answered twice;
b. the same stream through three webhook replicas on PostgreSQL, the benchmark as the
   load balancer (a random replica, another when one fails, as Telegram retries), one
   replica killed and restarted every ~150 updates;
c. two polling replicas on one token (Telegram answers 409 to one of them now and then),
   on SQLite and on PostgreSQL, no kills: learner messages answered twice; then buttons
   made on one webhook replica pressed on another and after both restarted;
d. three webhook replicas on PostgreSQL under a steady 25 messages a second, the fake
   enforcing Telegram's limits (30 a second per bot): 429s seen;
e. the same replicas given 600 messages within 3 s: each replica alone would send its
   share at 30 a second (90 together); the shared budget keeps them to 30: 429s seen.

Correctness counts, not timings: a loaded machine only makes it slower.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from bot.storage import Storage
from bot.storage.tables import Answer, InboxUpdate
from tests.fake_telegram import FakeTelegram, SendLimits
from tests.replicas import Replica, all_listening, free_port, post, seed_polls, settled
from tests.test_storage import empty_database

#: Updates between kills.
KILL_EVERY = 150
LEARNERS = 9000  # learner ids (and their private chats) from here
STALE = "این دکمه قدیمی است"


def _plan(polls: list[str], users: int, messages: int, seed: int) -> list[tuple[str, int, str]]:
    plan = [("answer", 3000 + u, p) for u in range(users) for p in polls]
    plan += [("message", LEARNERS + m, "") for m in range(messages)]
    random.Random(seed).shuffle(plan)
    return plan


def _push(fake: FakeTelegram, kind: str, user: int, poll: str) -> dict[str, Any]:
    if kind == "answer":
        return fake.push_poll_answer(poll, [0], user_id=user)
    return fake.push_message("/help", user_id=user, chat_id=user)


async def _figures(url: str, fake: FakeTelegram, users: int, polls: list[str],
                   messages: int) -> dict[str, int]:
    storage = Storage(url)
    async with storage.transaction() as db:
        rows = (await db.session.execute(select(Answer.user_id, Answer.poll_id))).all()
        inbox = await db.inbox.counts()
        again = (await db.session.execute(select(func.count()).select_from(InboxUpdate)
                                          .where(InboxUpdate.attempts > 1))).scalar_one()
    await storage.close()
    per_answer = Counter(rows)
    expected = {(3000 + u, p) for u in range(users) for p in polls}
    replies = Counter(int(c.params["chat_id"]) for c in fake.calls_to("sendMessage")
                      if int(c.params["chat_id"]) >= LEARNERS and c.status == 200)
    return {"answers": len(expected), "answers lost": len(expected - set(per_answer)),
            "answers doubled": sum(1 for n in per_answer.values() if n > 1),
            "messages": messages,
            "messages unanswered": sum(1 for m in range(messages) if LEARNERS + m not in replies),
            "messages answered twice": sum(1 for n in replies.values() if n > 1),
            "updates handled again (a kill caught them)": int(again),
            "quarantined": inbox.get("quarantined", 0)}


async def sqlite_polling(folder: Path, users: int, polls: int, messages: int) -> dict[str, int]:
    url = f"sqlite:///{folder / 'polling.db'}"
    poll_ids = await seed_polls(url, polls)
    plan = _plan(poll_ids, users, messages, seed=13)
    fake = FakeTelegram().start()
    replica = Replica(fake, url, folder, "polling").start()
    rng, kills, handled = random.Random(1), 0, 0
    try:
        for n, (kind, user, poll) in enumerate(plan, 1):
            _push(fake, kind, user, poll)
            await asyncio.sleep(0.004)
            if n % KILL_EVERY == 0 and n < len(plan):
                # mid-stream: once the restarted replica handles updates again, at a
                # random moment of its backlog (one update in flight)
                await _handling(url, handled)
                await asyncio.sleep(rng.uniform(0.0, 0.5))
                replica.kill()
                kills += 1
                handled = await _done(url)
                replica.start()
        await settled(url, len(plan), timeout=1800)
        if replica.running:
            replica.terminate()
        return {"kills": kills, **await _figures(url, fake, users, poll_ids, messages)}
    finally:
        if replica.running:
            replica.kill()
        fake.stop()


async def _done(url: str) -> int:
    storage = Storage(url)
    try:
        async with storage.transaction() as db:
            return (await db.inbox.counts()).get("done", 0)
    finally:
        await storage.close()


async def _handling(url: str, before: int, timeout: float = 300) -> None:
    """Until more than ``before`` updates are done (a restarted replica is at work)."""
    deadline = time.monotonic() + timeout
    while await _done(url) <= before and time.monotonic() < deadline:
        await asyncio.sleep(0.1)


async def _webhooks(fake: FakeTelegram, url: str, folder: Path, count: int, name: str,
                    **env: str) -> list[Replica]:
    replicas = [Replica(fake, url, folder, f"{name}{n}", port=free_port()) for n in range(count)]
    for replica in replicas:
        replica.env.update(env)
        replica.start()
    async with httpx.AsyncClient(timeout=10) as client:
        await all_listening(client, replicas)
    return replicas


def _stop(replicas: list[Replica]) -> None:
    for replica in replicas:
        if replica.running:
            replica.terminate()


async def pg_webhooks(url: str, folder: Path, users: int, polls: int,
                      messages: int) -> dict[str, int]:
    await empty_database(url)
    poll_ids = await seed_polls(url, polls)
    plan = _plan(poll_ids, users, messages, seed=7)
    fake = FakeTelegram().start()
    replicas = await _webhooks(fake, url, folder, 3, "webhook")
    rng, kills = random.Random(7), 0
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            for n, (kind, user, poll) in enumerate(plan, 1):
                await post(client, replicas, _push(fake, kind, user, poll), rng)
                if n % KILL_EVERY == 0 and n < len(plan):
                    victim = rng.choice(replicas)
                    await all_listening(client, [victim])  # up (and handling) again
                    victim.kill()
                    kills += 1
                    victim.start()
        await settled(url, len(plan), timeout=1800)
        _stop(replicas)
        return {"kills": kills, **await _figures(url, fake, users, poll_ids, messages)}
    finally:
        for replica in replicas:
            if replica.running:
                replica.kill()
        fake.stop()


async def _fresh(url: str) -> None:
    """An empty database at the newest revision (the replicas' schema, before they start)."""
    if not url.startswith("sqlite"):
        await empty_database(url)
    await (await Storage.open(url)).close()


async def two_pollers(url: str, folder: Path, messages: int) -> dict[str, int]:
    await _fresh(url)
    fake = FakeTelegram().start()
    replicas = [Replica(fake, url, folder, f"poller{n}").start() for n in range(2)]
    try:
        for m in range(messages):
            fake.push_message("/help", user_id=LEARNERS + m, chat_id=LEARNERS + m)
            await asyncio.sleep(0.01)
        await settled(url, messages, timeout=1800)
        _stop(replicas)
        figures = await _figures(url, fake, 0, [], messages)
        return {"messages": messages, "conflicts (409)": fake.conflicts,
                **{k: figures[k] for k in ("messages unanswered", "messages answered twice")}}
    finally:
        for replica in replicas:
            if replica.running:
                replica.kill()
        fake.stop()


async def _until(check: Callable[[], bool], timeout: float = 180) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        await asyncio.sleep(0.1)
    return False


async def buttons(url: str, folder: Path, count: int) -> dict[str, int]:
    """A /gd picture made through replica A, its «×2» button pressed through B; then both
    restarted and the button pressed again."""
    await _fresh(url)
    fake = FakeTelegram().start()
    a, b = replicas = await _webhooks(fake, url, folder, 2, "buttons")
    results: Counter[str] = Counter()
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            pictures: list[tuple[int, dict[str, Any], str]] = []
            for n in range(count):
                chat = LEARNERS + 500 + n
                update = fake.push_message(f"/gd 0.{n + 1}x^2 lr=0.4 steps=25", user_id=chat)
                await post(client, [a], update, random.Random(n))
                if not await _until(lambda: any(int(c.params["chat_id"]) == chat
                                                for c in fake.calls_to("sendPhoto"))):
                    results["pictures missing"] += 1
                    continue
                sent = next(c for c in fake.calls_to("sendPhoto") if int(c.params["chat_id"]) == chat)
                pictures.append((chat, sent.result, _double(sent.params)))
            for round_name, target in (("across replicas", b), ("after a restart", a)):
                if round_name == "after a restart":  # the buttons of B's edits, pressed on A
                    for replica in replicas:
                        replica.kill()
                        replica.start()
                    await all_listening(client, replicas)
                    pictures = [(chat, edit.result, _double(edit.params))
                                for chat, _, _ in pictures for edit in _edits(fake, chat)[-1:]]
                for chat, message, data in pictures:
                    edits = len(_edits(fake, chat))
                    press = fake.push_button(message, data, user_id=chat)
                    await post(client, [target], press, random.Random(chat))
                    query = press["callback_query"]["id"]
                    await _until(lambda: len(_edits(fake, chat)) > edits
                                 or _stale(fake, query), timeout=120)
                    ok = len(_edits(fake, chat)) > edits and not _stale(fake, query)
                    results[f"buttons working {round_name}"] += ok
                    results[f"buttons failing {round_name}"] += not ok
        _stop(replicas)
        return {"buttons": len(pictures), **results}
    finally:
        for replica in replicas:
            if replica.running:
                replica.kill()
        fake.stop()


def _double(params: dict[str, Any]) -> str:
    """The callback data of a /gd picture's «×2» (double the learning rate) button."""
    return str(next(button["callback_data"] for row in params["reply_markup"]["inline_keyboard"]
                    for button in row if "×" in button["text"]))


def _edits(fake: FakeTelegram, chat: int) -> list[Any]:
    return [c for c in fake.calls_to("editMessageMedia") if int(c.params["chat_id"]) == chat]


def _stale(fake: FakeTelegram, query: str) -> bool:
    """The press was answered «this button is old»."""
    return any(STALE in str(c.params.get("text", "")) for c in fake.calls_to("answerCallbackQuery")
               if c.params.get("callback_query_id") == query)


async def steady_load(url: str, folder: Path, rate: float, seconds: float) -> dict[str, int]:
    """Three webhook replicas, ``rate`` learner messages a second for ``seconds``."""
    await _fresh(url)
    limits = SendLimits()
    fake = FakeTelegram(limits).start()
    replicas = await _webhooks(fake, url, folder, 3, "steady", BOT_CONCURRENCY="32")
    total = int(rate * seconds)
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            rng = random.Random(25)
            started = time.monotonic()
            posts: list[asyncio.Task[None]] = []
            for m in range(total):
                await asyncio.sleep(max(0.0, started + m / rate - time.monotonic()))
                update = fake.push_message("/help", user_id=LEARNERS + m, chat_id=LEARNERS + m)
                posts.append(asyncio.create_task(post(client, replicas, update, rng)))
            await asyncio.gather(*posts)
            late = time.monotonic() - started - seconds
        await settled(url, total, timeout=1800)
        await _until(lambda: len(fake.calls_to("sendMessage")) >= total, timeout=120)
        _stop(replicas)
        figures = await _figures(url, fake, 0, [], total)
        return {"messages": total, "429s": limits.refused,
                "posting fell behind (s)": round(max(0.0, late)),
                **{k: figures[k] for k in ("messages unanswered", "messages answered twice")}}
    finally:
        for replica in replicas:
            if replica.running:
                replica.kill()
        fake.stop()


async def main(pg: str | None, scale: float, only: str) -> None:
    users, polls, messages = max(1, round(125 * scale)), 24, max(1, round(300 * scale))
    trials: dict[str, Callable[[Path], Awaitable[dict[str, int]]]] = {
        "a. SQLite, polling, kill -9": lambda f: sqlite_polling(f, users, polls, messages),
        "c. two pollers, SQLite": lambda f: two_pollers(f"sqlite:///{f / 'two.db'}", f,
                                                       max(1, round(400 * scale))),
    }
    if pg:
        trials["b. PostgreSQL, 3 webhook replicas, kill -9"] = (
            lambda f: pg_webhooks(pg, f, users, polls, messages))
        trials["c. two pollers, PostgreSQL"] = lambda f: two_pollers(pg, f, max(1, round(400 * scale)))
        trials["c. buttons, PostgreSQL webhook replicas"] = (
            lambda f: buttons(pg, f, max(1, round(20 * scale))))
        trials["d. 3 webhook replicas, 25 messages/s"] = (
            lambda f: steady_load(pg, f, 25.0, max(4.0, 60 * scale)))
        trials["e. 3 webhook replicas, a burst of 200 messages/s"] = (
            lambda f: steady_load(pg, f, 200.0, max(1.0, 3 * scale)))
    for name, trial in trials.items():
        if name[0] not in only:
            continue
        with tempfile.TemporaryDirectory() as folder:
            started = time.monotonic()
            figures = await trial(Path(folder))
        print(f"{name} ({time.monotonic() - started:.0f} s): "
              + ", ".join(f"{key} {value}" for key, value in figures.items()), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg", help="PostgreSQL URL (trials b, c on PostgreSQL, d)")
    parser.add_argument("--scale", type=float, default=1.0, help="1: ≥ 3,000 answers a trial")
    parser.add_argument("--only", default="abcde", help="which trials, e.g. 'ab'")
    args = parser.parse_args()
    asyncio.run(main(args.pg, args.scale, args.only))
    sys.exit(0)
