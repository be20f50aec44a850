"""All persistent state: SQLAlchemy 2 (async), SQLite under the data folder by default,
PostgreSQL by URL; the schema migrated by Alembic; one repository per concern, handed
out by ``Storage.transaction()`` (the caller owns the transaction, see ``database``).
"""

from bot.storage.channel import Claim, CounterRepo, SlotInfo, SlotRepo
from bot.storage.database import Clock, Repos, Storage, default_url, normalize_url, utc_now
from bot.storage.learners import LearnerRepo
from bot.storage.practice import (
    AnswerInfo,
    AnswerRepo,
    PollInfo,
    PollRepo,
    Recorded,
    Standing,
)

__all__ = [
    "AnswerInfo", "AnswerRepo", "Claim", "Clock", "CounterRepo", "LearnerRepo",
    "PollInfo", "PollRepo", "Recorded", "Repos", "SlotInfo", "SlotRepo", "Standing", "Storage",
    "default_url", "normalize_url", "utc_now",
]
