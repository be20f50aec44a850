"""What commands return (reply objects) and what they are given (a context).

Commands turn text into replies; doors (Telegram, the offline CLI) send them. Nothing
here knows about Telegram's API.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import InitVar, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from bot.cache import LRU
from bot.commands.shared import ButtonRequests, FileIds
from bot.runner import LabRunner, StoredLeases
from bot.storage.leases import holder_name

if TYPE_CHECKING:
    from bot.commands.channel import ChannelTeacher
    from bot.config import Settings
    from bot.curriculum.model import Curriculum
    from bot.storage import Storage


@dataclass(frozen=True)
class Button:
    """A keyboard button: exactly one of a callback (pressed in place), a deep link into
    the bot's private chat (``/start <start>``), a share button that opens inline
    mode in a chat the learner picks with ``share`` typed after the bot's name, or the
    Mini App's lab (``web_app``)."""

    text: str
    callback: str = ""  # at most 64 bytes (Telegram's limit)
    start: str = ""  # at most 64 characters of A-Z, a-z, 0-9, _ and -
    share: str = ""  # the inline query, at most 256 characters
    web_app: str = ""  # an https URL opened as a Telegram Mini App (private chats only)


Keyboard = tuple[tuple[Button, ...], ...]

#: Chats where the bot is one voice among many people.
GROUP_CHATS = ("group", "supergroup")

#: What a door tells a poll once Telegram took it: the poll's id, its chat and message id.
PollSent = Callable[[str, int, int], Awaitable[None]]


@dataclass(frozen=True)
class Media:
    """Rendered bytes under a stable key, so a door can reuse an uploaded file id."""

    key: str
    data: bytes
    filename: str


@dataclass(frozen=True)
class Text:
    text: str  # Telegram HTML
    keyboard: Keyboard = ()


@dataclass(frozen=True)
class Photo:
    media: Media
    caption: str  # Telegram HTML, at most 1024 characters
    keyboard: Keyboard = ()


@dataclass(frozen=True)
class Animation:
    media: Media
    caption: str
    keyboard: Keyboard = ()


@dataclass(frozen=True)
class Poll:
    """A quiz poll: exactly one correct option."""

    question: str
    options: tuple[str, ...]
    correct_option: int
    explanation: str
    is_anonymous: bool = False
    quiz_id: str = ""  # what the poll asks, so answers can be recorded
    kind: str = "practice"  # practice | channel | group
    number: int | None = None  # the channel's quiz number
    session_id: int | None = None  # a /quiz session's poll: its session and place in it
    position: int | None = None
    open_period: int | None = None  # seconds until the poll closes (the session's timer)
    keyboard: Keyboard = ()  # a group session's «سؤال بعدی» rides on its poll
    #: The command layer's bookkeeping (recording the poll, so its answers can be traced to
    #: the quiz); a door calls it after sending and knows nothing of what it does.
    on_sent: PollSent | None = field(default=None, compare=False, repr=False)


Reply = Text | Photo | Animation | Poll


@dataclass
class Response:
    """Replies to send, ``data`` for ``try --json``, and for a button press whether the
    first reply replaces the pressed message and what short notice to show. ``error``
    holds the plain text of a refusal (bad input), empty when the command succeeded."""

    replies: list[Reply] = field(default_factory=list)
    data: dict[str, Any] | None = None
    edit: bool = False
    notice: str = ""
    error: str = ""
    #: For a press where the bot must not answer in place (a channel post): open the
    #: bot's private chat with ``/start <start_link>`` instead.
    start_link: str = ""
    #: The command that reproduces these replies (a lab's «ارسال برای دوستان» button
    #: offers it in inline mode); the router fills it in for typed commands.
    share: str = ""


class UserError(Exception):
    """Bad input, with the Persian message (Telegram HTML) that explains it. A ``quiet``
    refusal is answered with nothing (the learner was told the same a moment ago)."""

    def __init__(self, message: str, *, quiet: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.quiet = quiet


async def _no_progress(action: str) -> None:
    return None


#: Learners whose last "busy" refusal is remembered.
REFUSED_LEARNERS = 10_000


def utc_now() -> datetime:
    return datetime.now(UTC)


class Backlog(Protocol):
    """Seconds a new picture would now wait for a door's send budget, behind ``pending``
    pictures still being rendered; ``known``: Telegram already has it (it goes by file
    id, ahead of new uploads)."""

    def __call__(self, pending: int = 0, known: bool = False) -> float: ...


def no_backlog(pending: int = 0, known: bool = False) -> float:
    return 0.0


@dataclass
class Faults:
    """Updates the bot failed to answer since it started (a reply Telegram did not take,
    a handler that broke): how many, and the last few, for an admin's ``/status``."""

    count: int = 0
    recent: deque[tuple[datetime, str]] = field(default_factory=lambda: deque(maxlen=5))

    def record(self, moment: datetime, what: str) -> None:
        self.count += 1
        self.recent.append((moment, what))


@dataclass
class Services:
    """Long-lived objects shared by all commands."""

    runner: LabRunner
    storage: Storage
    course: Curriculum
    settings: Settings
    clock: Callable[[], datetime] = utc_now
    #: What each button stands for, shared with the other replicas (``bot.commands.shared``).
    requests: ButtonRequests = field(init=False)
    #: Telegram's file id per uploaded picture key, so a door sends a known picture by id.
    file_ids: FileIds = field(init=False)
    #: One lab in flight per learner and the render queue's limit, across replicas.
    leases: StoredLeases = field(init=False)
    #: The channel teacher, when the door can post to a channel (see ``channel_teacher``).
    teacher: ChannelTeacher | None = None
    faults: Faults = field(default_factory=Faults)
    #: The door's send budget's backlog (Telegram's 30 messages a second); the Telegram
    #: door lends it, other doors have no such limit.
    send_backlog: Backlog = no_backlog
    #: When each learner was last refused as "busy" (monotonic seconds): within
    #: ``bot.commands.lab.QUIET_SECONDS`` a refusal again is not sent (it would cost the
    #: send budget the admitted pictures need).
    refused: LRU[int, float] = field(default_factory=lambda: LRU(REFUSED_LEARNERS))
    #: Builds the teacher from these services once every other field is set (the teacher
    #: posts with them, and the admins' commands reach it through them): the composition
    #: root (:mod:`bot.services`) passes it, so the services are complete when built.
    channel_teacher: InitVar[Callable[[Services], ChannelTeacher | None] | None] = None

    def __post_init__(self, channel_teacher: Callable[[Services], ChannelTeacher | None] | None
                      ) -> None:
        self.requests = ButtonRequests(self.storage, timedelta(days=self.settings.button_days))
        self.file_ids = FileIds(self.storage)
        self.leases = StoredLeases(self.storage, holder_name(), self.runner.longest,
                                   self.runner.queue_limit, lambda: self.clock())
        if channel_teacher is not None:
            self.teacher = channel_teacher(self)


@dataclass
class Context:
    """Who is asking, where, and the services to answer with."""

    services: Services
    user_id: int = 0
    chat_id: int = 0
    chat_type: str = "private"
    user_name: str = ""
    progress: Callable[[str], Awaitable[None]] = _no_progress
    #: A batch run (``lessons check``) waits for the render pool instead of being refused
    #: by the chat's admission control, which on a loaded machine would fail the check.
    patient: bool = False
    #: Where this request stands among the learner's (Telegram's update id): handlers run
    #: concurrently, so the order they reach a point in is not the order they were sent in.
    sequence: int = 0
    #: When the request arrived (``time.monotonic()``), if it waited before its handler
    #: ran (the inbox): admission control counts that wait too.
    arrived: float | None = None

    def waited(self) -> float:
        """Seconds since the request arrived (0 when the door does not know)."""
        return 0.0 if self.arrived is None else max(0.0, time.monotonic() - self.arrived)
