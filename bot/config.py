"""Settings from the environment, or from a ``.env`` file in the working directory.

Every variable is documented in the README's configuration table.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping


def read_dotenv(path: Path) -> dict[str, str]:
    """``KEY=value`` lines; blank lines and ``#`` comments skipped, quotes stripped."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        values[key.strip()] = value.strip().strip("'\"")
    return values


@dataclass(frozen=True)
class Settings:
    token: str = ""
    api_base_url: str = "https://api.telegram.org/bot"
    data_dir: Path = Path("data")
    workers: int = 2
    render_timeout: float = 20.0
    queue_limit: int = 16
    cache_mb: int = 64
    log_level: str = "INFO"

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, dotenv: Path = Path(".env")) -> "Settings":
        """Environment variables win over ``.env`` entries."""
        env = {**read_dotenv(dotenv), **(os.environ if environ is None else environ)}

        def get(name: str, default: str) -> str:
            return env.get(name, "").strip() or default

        return cls(
            token=get("TELEGRAM_BOT_TOKEN", ""),
            api_base_url=get("BOT_API_BASE_URL", cls.api_base_url),
            data_dir=Path(get("BOT_DATA_DIR", str(cls.data_dir))),
            workers=int(get("BOT_WORKERS", str(min(os.cpu_count() or 2, 4)))),
            render_timeout=float(get("BOT_RENDER_TIMEOUT", str(cls.render_timeout))),
            queue_limit=int(get("BOT_QUEUE_LIMIT", str(cls.queue_limit))),
            cache_mb=int(get("BOT_CACHE_MB", str(cls.cache_mb))),
            log_level=get("BOT_LOG_LEVEL", cls.log_level).upper(),
        )
