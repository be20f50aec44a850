"""A fake Telegram Bot API server on 127.0.0.1 for driving the real PTB Application.

It speaks enough of the Bot API (HTTP POST ``/bot<token>/<method>``, url-encoded or
multipart bodies, JSON answers) for the bot's handlers: updates are queued by the test
and served through ``getUpdates`` long polling; every call is recorded with its answer;
sent messages get ids; a sent poll's voter counts can be set (``stopPoll`` returns them,
and refuses a poll already closed, as Telegram does); faults (429 with ``retry_after``,
500) can be injected per method; a call can be carried out but left unanswered (the
connection hangs up, :meth:`FakeTelegram.hang_up`), dropped before it is carried out
(:meth:`FakeTelegram.drop`) or answered late (:meth:`FakeTelegram.delay`); two pollers of
the token get 409 Conflict as from Telegram. The menu button is kept per chat
(``setChatMenuButton``/``getChatMenuButton``); ``web_app`` buttons are refused outside
private chats and without an https address, as Telegram refuses them.
With ``limits`` (:class:`SendLimits`) it refuses sends over Telegram's rates with 429,
as Telegram does; every call records when it was answered (for the load benchmark).
"""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import inspect
import itertools
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

TOKEN = "123456:TEST-TOKEN"
class Refused(Exception):
    """A request Telegram refuses with 400 and this description."""


class PollingConflict(Exception):
    """Another getUpdates took over (Telegram's 409)."""


CONFLICT = ("Conflict: terminated by other getUpdates request; make sure that only one bot "
            "instance is running")


async def eventually(check: Callable[[], object], timeout: float = 20.0) -> None:
    """Wait until something the bot does in the background has had its effect.

    The server records a call before the bot reads the answer, so what the bot does with
    the answer (store a message id, remember a file_id) lands a moment later.
    """
    deadline = time.monotonic() + timeout
    while True:
        done = check()
        if inspect.isawaitable(done):
            done = await done
        if done:
            return
        assert time.monotonic() < deadline, "the bot did not get there in time"
        await asyncio.sleep(0.02)


BOT_USER = {"id": 123456, "is_bot": True, "first_name": "DarsBot", "username": "dars_test_bot",
            "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": False}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    status: int = 200
    result: Any = None  # what a successful call answered (the sent message, …)
    at: float = field(default_factory=time.monotonic)  # when it was answered


class SendLimits:
    """Telegram's send limits (Bot API FAQ): about ``per_second`` messages a second in
    all (a token bucket holding one second's worth), and ``per_group_minute`` a minute
    in one group. Chat actions and edits spend the same budget as messages."""

    def __init__(self, per_second: int = 30, per_group_minute: int = 20) -> None:
        self.per_second = per_second
        self.per_group_minute = per_group_minute
        self._tokens = float(per_second)
        self._last = time.monotonic()
        self._groups: dict[int, deque[float]] = {}
        self.refused = 0

    @staticmethod
    def counts(method: str) -> bool:
        return method.startswith(("send", "edit", "copy", "forward")) or method == "stopPoll"

    def retry_after(self, method: str, chat: int | None) -> int | None:
        """None when the call may go ahead (and spend the budget); else seconds to wait."""
        if not self.counts(method):
            return None
        now = time.monotonic()
        self._tokens = min(self.per_second, self._tokens + (now - self._last) * self.per_second)
        self._last = now
        group = self._groups.setdefault(chat, deque()) if chat is not None and chat < 0 else None
        while group and group[0] <= now - 60:
            group.popleft()
        if self._tokens < 1:
            self.refused += 1
            return 1
        if group is not None and len(group) >= self.per_group_minute:
            self.refused += 1
            return max(1, int(group[0] + 60 - now) + 1)
        self._tokens -= 1
        if group is not None:
            group.append(now)
        return None


class FakeTelegram:
    """Start with ``start()``; ``base_url`` goes to the Application builder."""

    def __init__(self, limits: SendLimits | None = None) -> None:
        self.limits = limits
        self.calls: list[Call] = []
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(100)
        self._file_ids = itertools.count(1)
        self._poll_ids = itertools.count(1)
        self._faults: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        self._hang_ups: dict[str, int] = {}
        self._drops: dict[str, int] = {}  # close the connection without carrying the call out
        self._delays: dict[str, list[float]] = {}  # answer late (seconds)
        self._poll_generation = 0  # a newer getUpdates ends the older one with 409
        self.conflicts = 0
        self.received: list[str] = []  # every call's method, as it arrives
        self.blocked: set[int] = set()  # chats whose user blocked the bot: sends get 403
        self.webhook: dict[str, Any] = {}  # what setWebhook was last given
        self.files: dict[str, bytes] = {}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._chat_types: dict[int, str] = {}  # chats seen in pushed updates
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}  # None: the default one
        self._lock = threading.Condition()
        self._server: ThreadingHTTPServer | None = None

    # --- lifecycle -------------------------------------------------------------------
    def start(self) -> FakeTelegram:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            # keep-alive, as Telegram's servers: a bot reuses its connections (HTTP/1.0
            # made every call a new TCP connection, a cost the real bot does not pay)
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                fake._handle(self)

            def log_message(self, *args: object) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    # --- what tests do ---------------------------------------------------------------
    def _push(self, update: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            update["update_id"] = next(self._update_ids)
            self._updates.append(update)
            self._lock.notify_all()
        return update

    @staticmethod
    def user(user_id: int, name: str = "Sara") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": name}

    @staticmethod
    def chat(chat_id: int, chat_type: str = "private") -> dict[str, Any]:
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type != "private":
            chat["title"] = "Group"
        return chat

    def push_message(self, text: str, *, user_id: int = 1001, chat_id: int | None = None,
                     chat_type: str = "private", name: str = "Sara") -> dict[str, Any]:
        return self._push(self.message_update(text, user_id=user_id, chat_id=chat_id,
                                              chat_type=chat_type, name=name))

    def message_update(self, text: str, *, user_id: int = 1001, chat_id: int | None = None,
                       chat_type: str = "private", name: str = "Sara") -> dict[str, Any]:
        """An update carrying a message, not queued and without its ``update_id`` (a
        webhook sender numbers and posts it itself)."""
        chat_id = user_id if chat_id is None else chat_id
        self._chat_types[chat_id] = chat_type
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self.chat(chat_id, chat_type),
            "from": self.user(user_id, name),
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return {"message": message}

    def push_button(self, message: dict[str, Any], data: str, *, user_id: int = 1001) -> dict[str, Any]:
        query = {
            "id": f"cb{next(self._update_ids)}",
            "from": self.user(user_id),
            "chat_instance": "ci",
            "data": data,
            "message": message,
        }
        return self._push({"callback_query": query})

    def push_poll_answer(self, poll_id: str, option_ids: list[int], *, user_id: int = 1001,
                         name: str = "Sara") -> dict[str, Any]:
        answer = {"poll_id": poll_id, "user": self.user(user_id, name), "option_ids": option_ids,
                  "option_persistent_ids": [str(index) for index in option_ids]}
        return self._push({"poll_answer": answer})

    def push_my_chat_member(self, chat_id: int, old: str, new: str, *, chat_type: str = "group",
                            user_id: int = 1001) -> dict[str, Any]:
        """The bot's own membership in a chat changed from status ``old`` to ``new``
        ("left", "member", "administrator", "kicked"), as when it is added to a group."""
        self._chat_types[chat_id] = chat_type

        def member(status: str) -> dict[str, Any]:
            fields: dict[str, Any] = {"status": status, "user": BOT_USER}
            if status == "administrator":
                fields.update({flag: True for flag in _ADMIN_RIGHTS})
            if status == "kicked":
                fields["until_date"] = 0
            return fields

        change = {"chat": self.chat(chat_id, chat_type), "from": self.user(user_id),
                  "date": int(time.time()), "old_chat_member": member(old),
                  "new_chat_member": member(new)}
        return self._push({"my_chat_member": change})

    def push_inline_query(self, query: str, *, user_id: int = 1001) -> dict[str, Any]:
        """``@bot <query>`` typed in any chat (inline mode)."""
        inline = {"id": f"iq{next(self._update_ids)}", "from": self.user(user_id),
                  "query": query, "offset": ""}
        return self._push({"inline_query": inline})

    def push_web_app_data(self, data: str, *, user_id: int = 1001,
                          button_text: str = "🎛") -> dict[str, Any]:
        """What a Mini App opened from a keyboard button sends with ``sendData``: a
        service message in the user's private chat carrying ``data``."""
        self._chat_types[user_id] = "private"
        message = {"message_id": next(self._message_ids), "date": int(time.time()),
                   "chat": self.chat(user_id), "from": self.user(user_id),
                   "web_app_data": {"data": data, "button_text": button_text}}
        return self._push({"message": message})

    def push_raw(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue any update as given (its ``update_id`` added): malformed ones, updates
        from an older Bot API server, kinds the bot does not handle."""
        return self._push(update)

    def push_inline_button(self, data: str, *, user_id: int = 1001,
                           inline_message_id: str = "inline-1") -> dict[str, Any]:
        """A press under a message sent through inline mode: no ``message``, no chat."""
        query = {"id": f"cb{next(self._update_ids)}", "from": self.user(user_id),
                 "chat_instance": "ci", "data": data, "inline_message_id": inline_message_id}
        return self._push({"callback_query": query})

    def fail(self, method: str, status: int, times: int = 1, retry_after: int | None = None) -> None:
        """Answer the next ``times`` calls of ``method`` with an error."""
        body: dict[str, Any] = {"ok": False, "error_code": status,
                                "description": "Too Many Requests" if status == 429 else "Internal"}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        with self._lock:
            self._faults.setdefault(method, []).extend([(status, body)] * times)

    def block(self, chat_id: int) -> None:
        """The user of this private chat blocks the bot: every send to it gets 403."""
        with self._lock:
            self.blocked.add(chat_id)

    def push_poll_closed(self, poll_id: str) -> dict[str, Any]:
        """Telegram's update when a poll the bot sent closes (its ``open_period`` ran out)."""
        with self._lock:
            poll = next(m["poll"] for m in self.messages.values()
                        if m.get("poll", {}).get("id") == poll_id)
            poll["is_closed"] = True
            closed = json.loads(json.dumps(poll))
        return self._push({"poll": closed})

    def hang_up(self, method: str, times: int = 1) -> None:
        """Carry out the next ``times`` calls of ``method`` but close the connection
        instead of answering: the message exists, the bot never hears so."""
        with self._lock:
            self._hang_ups[method] = self._hang_ups.get(method, 0) + times

    def drop(self, method: str, times: int = 1) -> None:
        """Close the connection of the next ``times`` calls of ``method`` before carrying
        them out: nothing happens, and the bot cannot tell that from :meth:`hang_up`."""
        with self._lock:
            self._drops[method] = self._drops.get(method, 0) + times

    def delay(self, method: str, seconds: float, times: int = 1) -> None:
        """Carry out the next ``times`` calls of ``method`` and answer ``seconds`` late."""
        with self._lock:
            self._delays.setdefault(method, []).extend([seconds] * times)

    def set_votes(self, chat_id: int, message_id: int, counts: list[int]) -> None:
        """Give a sent poll these voter counts, one per option (``stopPoll`` returns them)."""
        with self._lock:
            poll = self.messages[(chat_id, message_id)]["poll"]
            for option, count in zip(poll["options"], counts, strict=True):
                option["voter_count"] = count
            poll["total_voter_count"] = sum(counts)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 20.0) -> list[Call]:
        """Wait until ``method`` has been called at least ``count`` times."""
        deadline = time.monotonic() + timeout
        while True:
            calls = self.calls_to(method)
            if len(calls) >= count:
                return calls
            if time.monotonic() > deadline:
                seen = [c.method for c in self.calls]
                raise AssertionError(f"{method} called {len(calls)}/{count} times; calls: {seen}")
            await asyncio.sleep(0.02)

    # --- the server side -------------------------------------------------------------
    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        method = request.path.rsplit("/", 1)[-1]
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length)
        params, files = _parse_body(request.headers.get("Content-Type", ""), body)
        with self._lock:
            self.received.append(method)  # before it is carried out or answered
            if self._drops.get(method, 0) > 0:
                self._drops[method] -= 1
                self.calls.append(Call(method, params, files, 0))
                request.close_connection = True  # no status line: the client sees a disconnect
                return
            delays = self._delays.get(method)
            delay = delays.pop(0) if delays else 0.0
            faults = self._faults.get(method)
            fault = faults.pop(0) if faults else None
            if fault is None and method.startswith("send") and _chat(params) in self.blocked:
                fault = (403, {"ok": False, "error_code": 403,
                               "description": "Forbidden: bot was blocked by the user"})
            if fault is None and self.limits is not None:
                wait = self.limits.retry_after(method, _chat(params))
                if wait is not None:
                    fault = (429, {"ok": False, "error_code": 429, "parameters": {"retry_after": wait},
                                   "description": f"Too Many Requests: retry after {wait}"})
        if fault is not None:
            status, answer = fault
        else:
            try:
                status, answer = 200, {"ok": True, "result": self._answer(method, params, files)}
            except PollingConflict:
                status = 409
                answer = {"ok": False, "error_code": 409, "description": CONFLICT}
            except Refused as error:
                status = 400
                answer = {"ok": False, "error_code": 400, "description": f"Bad Request: {error}"}
            except (KeyError, ValueError, TypeError) as error:  # what Telegram calls a bad request
                status = 400
                answer = {"ok": False, "error_code": 400, "description": f"Bad Request: {error!r}"}
        with self._lock:  # recorded once answered, so a waiting test sees the stored state
            self.calls.append(Call(method, params, files, status, answer.get("result")))
            hang_up = self._hang_ups.get(method, 0) > 0
            if hang_up:
                self._hang_ups[method] -= 1
        if hang_up:
            request.close_connection = True  # no status line: the client sees a disconnect
            return
        if delay:
            time.sleep(delay)
        payload = json.dumps(answer).encode()
        try:
            request.send_response(status)
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(payload)))
            request.end_headers()
            request.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (e.g. a long poll cancelled at shutdown)

    def _answer(self, method: str, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method == "getUpdates":
            return self._get_updates(params)
        if method == "getWebhookInfo":
            return {"url": self.webhook.get("url", ""), "has_custom_certificate": False,
                    "pending_update_count": 0,
                    "max_connections": int(self.webhook.get("max_connections", 40)),
                    "allowed_updates": self.webhook.get("allowed_updates", [])}
        if method == "setWebhook":
            self.webhook = dict(params)
            return True
        if method in ("deleteWebhook", "setMyCommands", "sendChatAction", "answerCallbackQuery",
                      "close", "logOut"):
            return True
        if method == "setChatMenuButton":
            button = params.get("menu_button") or {"type": "default"}
            if button["type"] == "web_app":
                _check_web_app(button["web_app"])
                if not button.get("text"):
                    raise Refused("BUTTON_TEXT_EMPTY")
            self.menu_buttons[_chat(params)] = button
            return True
        if method == "getChatMenuButton":
            chat = _chat(params)
            return self.menu_buttons.get(chat, self.menu_buttons.get(None, {"type": "default"}))
        if method.startswith("send"):
            return self._store(self._new_message(params), params, files, method)
        if method in ("editMessageMedia", "editMessageText", "editMessageCaption"):
            if "inline_message_id" in params:  # Telegram answers True, and no new upload
                if files:
                    raise Refused("can't upload a file to an inline message")
                return True
            key = (int(params["chat_id"]), int(params["message_id"]))
            message = dict(self.messages.get(key) or self._new_message(params, key[1]))
            for field_name in ("photo", "animation", "text", "caption"):
                message.pop(field_name, None)
            return self._store(message, params, files, method)
        if method == "answerInlineQuery":
            self._check_inline_answer(params)
            return True
        if method == "stopPoll":
            key = (int(params["chat_id"]), int(params["message_id"]))
            with self._lock:
                poll = self.messages.get(key, {}).get("poll", {})
                if poll.get("is_closed"):
                    raise Refused("poll has already been closed")
                poll["is_closed"] = True
                return dict(poll)
        return True

    def _check_inline_answer(self, params: dict[str, Any]) -> None:
        """Refuse what Telegram refuses in ``answerInlineQuery``: more than 50 results,
        ids repeated or over 64 bytes, an unknown file id, a message or caption too long,
        a deep-link parameter outside ``[A-Za-z0-9_-]{1,64}``, callback data over 64 bytes."""
        results = params["results"]
        ids = [result["id"] for result in results]
        if len(results) > 50 or len(set(ids)) != len(ids):
            raise Refused("RESULTS_TOO_MUCH or RESULT_ID_DUPLICATE")
        for result in results:
            if len(result["id"].encode()) > 64:
                raise Refused("RESULT_ID_INVALID")
            if result["type"] == "photo" and result["photo_file_id"] not in self.files:
                raise Refused("wrong file identifier/HTTP URL specified")
            if len(result.get("caption", "")) > 1024:
                raise Refused("MEDIA_CAPTION_TOO_LONG")
            content = result.get("input_message_content")
            if content is not None and not 0 < len(content["message_text"]) <= 4096:
                raise Refused("MESSAGE_TOO_LONG")
            for row in (result.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if len(button.get("callback_data", "").encode()) > 64:
                        raise Refused("BUTTON_DATA_INVALID")
        start = (params.get("button") or {}).get("start_parameter")
        if start is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", start):
            raise Refused("START_PARAM_INVALID")

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Long polling; as Telegram does, a getUpdates that arrives while another is
        waiting ends the waiting one with 409 Conflict (two pollers of one token)."""
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 1.0)
        with self._lock:
            self._poll_generation += 1
            generation = self._poll_generation
            self._lock.notify_all()
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            if not self._updates and timeout > 0:
                self._lock.wait(timeout)
            if self._poll_generation != generation:
                self.conflicts += 1
                raise PollingConflict()
            return list(self._updates)

    def _new_message(self, params: dict[str, Any], message_id: int | None = None) -> dict[str, Any]:
        chat_id = int(params["chat_id"]) if str(params.get("chat_id", "")).lstrip("-").isdigit() else -100
        chat_type = self._chat_types.get(chat_id, "private" if chat_id > 0 else "channel")
        return {
            "message_id": message_id or next(self._message_ids),
            "date": int(time.time()),
            "chat": self.chat(chat_id, chat_type),
            "from": BOT_USER,
        }

    def _media_field(self, params: dict[str, Any], files: dict[str, bytes], name: str) -> str:
        """The file id for an uploaded attachment or a reused id."""
        value = params.get(name, name)  # an upload arrives as a file part named after the field
        if isinstance(value, str) and value.startswith("attach://"):
            value = value[len("attach://"):]
        if value in files:
            data = files[value]
            file_id = f"file-{next(self._file_ids)}"
            self.files[file_id] = data
            return file_id
        if isinstance(value, str) and value.startswith("file-") and value not in self.files:
            raise Refused("wrong file identifier/HTTP URL specified")
        return str(value)

    def _store(self, message: dict[str, Any], params: dict[str, Any], files: dict[str, bytes],
               method: str = "") -> dict[str, Any]:
        if "text" in params:
            message["text"] = params["text"]
        if "caption" in params:
            message["caption"] = params["caption"]
        media = params.get("media")
        if isinstance(media, dict):  # editMessageMedia: the new media's own fields
            params = {**params, media["type"]: media["media"]}
            if "caption" in media:
                message["caption"] = media["caption"]
            method = "sendPhoto" if media["type"] == "photo" else "sendAnimation"
        if "photo" in params or method == "sendPhoto":
            file_id = self._media_field(params, files, "photo")
            message["photo"] = [{"file_id": file_id, "file_unique_id": f"u{file_id}",
                                 "width": 800, "height": 560}]
        if "animation" in params or method == "sendAnimation":
            file_id = self._media_field(params, files, "animation")
            message["animation"] = {"file_id": file_id, "file_unique_id": f"u{file_id}",
                                    "width": 560, "height": 400, "duration": 5}
        if "question" in params:
            options = params.get("options") or []
            message["poll"] = {  # the fields Bot API 10 requires (PTB 22.8 checks them)
                "id": f"poll-{next(self._poll_ids)}",
                "question": params["question"],
                "options": [{"text": o if isinstance(o, str) else o["text"], "voter_count": 0,
                             "persistent_id": str(index)} for index, o in enumerate(options)],
                "total_voter_count": 0,
                "is_closed": False,
                "is_anonymous": params.get("is_anonymous", True),
                "type": params.get("type", "regular"),
                "allows_multiple_answers": False,
                "allows_revoting": False,
                "members_only": False,
            }
            if "correct_option_ids" in params:
                message["poll"]["correct_option_ids"] = params["correct_option_ids"]
        if "reply_markup" in params:
            for row in params["reply_markup"].get("inline_keyboard", []):
                for button in row:
                    if "web_app" in button:
                        if message["chat"]["type"] != "private":
                            raise Refused("BUTTON_TYPE_INVALID")  # private chats only
                        _check_web_app(button["web_app"])
            message["reply_markup"] = params["reply_markup"]
        key = (message["chat"]["id"], message["message_id"])
        self.messages[key] = message
        return message


def _check_web_app(info: dict[str, Any]) -> None:
    if not str(info.get("url", "")).startswith("https://"):
        raise Refused("BUTTON_URL_INVALID")  # a Mini App is served over https only


def _chat(params: dict[str, Any]) -> int | None:
    value = str(params.get("chat_id", ""))
    return int(value) if value.lstrip("-").isdigit() else None


#: Parameters PTB sends JSON-encoded; everything else stays the string it was.
JSON_FIELDS = {"reply_markup", "media", "options", "correct_option_ids", "link_preview_options",
               "commands", "allowed_updates", "reply_parameters", "explanation_entities",
               "scope", "results", "button", "menu_button"}
#: The rights an administrator's ChatMemberAdministrator must carry (PTB requires them).
_ADMIN_RIGHTS = ("can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages",
                 "can_manage_video_chats", "can_restrict_members", "can_promote_members",
                 "can_change_info", "can_invite_users", "can_post_stories",
                 "can_edit_stories", "can_delete_stories")


def _decode(name: str, value: str) -> Any:
    if name in JSON_FIELDS or value in ("true", "false"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _parse_body(content_type: str, body: bytes) -> tuple[dict[str, Any], dict[str, bytes]]:
    if content_type.startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body
        )
        params: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            data = part.get_payload(decode=True) or b""
            if part.get_filename():
                files[name] = data
            else:
                params[name] = _decode(name, data.decode())
        return params, files
    if content_type.startswith("application/json"):
        return json.loads(body or b"{}"), {}
    fields = parse_qs(body.decode(), keep_blank_values=True)
    return {k: _decode(k, v[-1]) for k, v in fields.items()}, {}
