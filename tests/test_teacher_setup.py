"""Bad setup stops ``python -m bot run`` with one line naming what to fix (exit status 2),
not a traceback per restart; two instances starting at once on a fresh database both
start (the migration lock)."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.curriculum.loader import lessons_dir
from bot.storage import Storage
from tests.fake_telegram import TOKEN

ROOT = Path(__file__).resolve().parents[1]
LESSONS = lessons_dir()


def _lessons_with(tmp_path: Path, name: str, data: bytes) -> Path:
    folder = tmp_path / "lessons"
    shutil.copytree(LESSONS, folder)
    (folder / name).write_bytes(data)
    return folder


def _case(name: str, tmp_path: Path) -> tuple[dict[str, str], str]:
    """The environment of one bad setup, and what its line must name."""
    if name == "url":
        return {"BOT_DB_URL": "mysqlx://nowhere/db"}, "BOT_DB_URL"
    if name == "corrupt":
        (tmp_path / "bot.db").write_bytes(b"this is not a database" * 100)
        return {"BOT_DB_URL": f"sqlite:///{tmp_path / 'bot.db'}"}, "BOT_DB_URL"
    if name == "postgres down":
        return {"BOT_DB_URL": "postgresql://bot:x@127.0.0.1:9/bot"}, "BOT_DB_URL"
    if name == "no folder":
        return {"BOT_LESSONS_DIR": str(tmp_path / "nowhere")}, "BOT_LESSONS_DIR"
    if name == "empty folder":
        (tmp_path / "empty").mkdir()
        return {"BOT_LESSONS_DIR": str(tmp_path / "empty")}, "BOT_LESSONS_DIR"
    first = sorted(LESSONS.glob("*.md"))[0].name
    if name == "not utf-8":
        data = (LESSONS / first).read_bytes().replace("درس".encode(), b"\xff\xfe", 1)
        return {"BOT_LESSONS_DIR": str(_lessons_with(tmp_path, first, data))}, first
    assert name == "bad yaml"
    data = (LESSONS / first).read_bytes().replace(b"\n", b"\n  : [\n", 2)
    return {"BOT_LESSONS_DIR": str(_lessons_with(tmp_path, first, data))}, first


@pytest.mark.parametrize("name", ["url", "corrupt", "postgres down", "no folder", "empty folder",
                                  "not utf-8", "bad yaml"])
def test_bad_setup_stops_the_bot_with_one_line(name: str, tmp_path: Path) -> None:
    extra, named = _case(name, tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TELEGRAM_BOT_TOKEN": TOKEN,
           "BOT_API_BASE_URL": "http://127.0.0.1:9/bot",
           "BOT_DATA_DIR": str(tmp_path / "data"), **extra}
    done = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 2, done.stderr[-2000:]
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("setup error: "), done.stderr[-2000:]
    assert named in lines[0] and "Traceback" not in done.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes read-only files anyway")
def test_a_read_only_database_is_named(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"

    async def make() -> None:
        await (await Storage.open(url)).close()

    asyncio.run(make())
    (tmp_path / "bot.db").chmod(0o444)
    tmp_path.chmod(0o555)
    try:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "TELEGRAM_BOT_TOKEN": TOKEN, "BOT_DB_URL": url}
        done = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120, check=False)
    finally:
        tmp_path.chmod(0o755)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "BOT_DB_URL" in done.stderr


async def test_two_instances_starting_at_once_on_a_fresh_sqlite_database_both_start(
        tmp_path: Path) -> None:
    for round_ in range(5):
        url = f"sqlite:///{tmp_path / f'fresh{round_}.db'}"
        opened = await asyncio.gather(Storage.open(url), Storage.open(url), Storage.open(url))
        for storage in opened:
            async with storage.transaction() as db:
                assert await db.counters.get("channel_lesson") == 0
            await storage.close()


def test_two_processes_starting_at_once_on_a_fresh_database_both_migrate(tmp_path: Path) -> None:
    """Separate processes (replicas after a deploy), started together."""
    url = os.environ.get("BOT_TEST_PG_URL") or f"sqlite:///{tmp_path / 'fresh.db'}"
    if url.startswith("postgres"):
        pytest.skip("PostgreSQL: see test_storage's PostgreSQL tests for a fresh schema")
    script = ("import asyncio, sys\nfrom bot.storage import Storage\n"
              "async def main():\n    s = await Storage.open(sys.argv[1])\n"
              "    print(await s.upgrade())\n    await s.close()\nasyncio.run(main())\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = [subprocess.Popen([sys.executable, "-c", script, url], cwd=ROOT, text=True, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(3)]
    results = [run.communicate(timeout=120) + (run.returncode,) for run in runs]
    assert all(code == 0 for *_, code in results), results
    assert len({out.strip() for out, _, _ in results}) == 1
