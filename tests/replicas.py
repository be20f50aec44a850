"""Bot replicas as separate processes (``python -m bot run``) against the fake Bot API,
for the durability tests: killed with SIGKILL, started again, several on one database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from tests.fake_telegram import TOKEN, FakeTelegram

SECRET = "replica-test-secret-0123456789"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Replica:
    """One ``python -m bot run`` process; ``port`` set: webhook mode on that port."""

    def __init__(self, fake: FakeTelegram, db_url: str, folder: Path, name: str,
                 port: int | None = None) -> None:
        self.env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "BOT_API_BASE_URL": fake.base_url,
                    "BOT_DB_URL": db_url, "BOT_DATA_DIR": str(folder), "BOT_WORKERS": "1",
                    "BOT_LOG_LEVEL": "WARNING", "BOT_SHUTDOWN_SECONDS": "5",
                    # one update in flight: a kill can then catch at most one reply in the
                    # window between Telegram taking it and its journal row (bot.doors.inbox),
                    # so "answered twice" is bounded by the number of kills exactly
                    "BOT_CONCURRENCY": "1",
                    "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
        if port is not None:
            self.env.update(BOT_WEBHOOK_URL="https://bot.example/telegram",
                            BOT_WEBHOOK_SECRET=SECRET, BOT_WEBHOOK_LISTEN="127.0.0.1",
                            BOT_WEBHOOK_PORT=str(port))
        self.port = port
        self.log = folder / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Replica:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "bot", "run"], env=self.env,
                                            stdout=out, stderr=subprocess.STDOUT)
        return self

    def kill(self) -> None:
        """``kill -9``: no chance to finish or give anything back."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def terminate(self, timeout: float = 30.0) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None
