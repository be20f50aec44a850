"""Telegram Mini App init data, checked as Telegram documents it
(core.telegram.org/bots/webapps, "Validating data received via the Mini App"):

    secret = HMAC_SHA256(key="WebAppData", msg=bot_token)
    hash   = hex(HMAC_SHA256(key=secret, msg=data_check_string))

where ``data_check_string`` is every received field but ``hash``, as ``key=value``
(values URL-decoded), sorted by key and joined with line feeds. The hash is compared in
constant time and ``auth_date`` may be at most a day old: only then is the user id in
the data believed."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

#: Init data older than this is refused (Telegram signs it when the app is opened).
MAX_AGE = 24 * 3600
#: Longest init data accepted (Telegram's is a few hundred bytes).
MAX_LENGTH = 4096


class AuthError(Exception):
    """Missing, forged, malformed or stale init data; the message says which (for logs)."""


@dataclass(frozen=True)
class WebAppUser:
    id: int
    first_name: str = ""
    query_id: str = ""  # present when opened from an inline or menu button


def _secret(token: str) -> bytes:
    return hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()


def _check_string(fields: dict[str, str]) -> bytes:
    return "\n".join(f"{k}={v}" for k, v in sorted(fields.items()) if k != "hash").encode()


def validate(init_data: str, token: str, now: float | None = None,
             max_age: float = MAX_AGE) -> WebAppUser:
    """The signed user of ``init_data``, or AuthError."""
    if not init_data or not token:
        raise AuthError("missing")
    if len(init_data) > MAX_LENGTH:
        raise AuthError("too long")
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise AuthError("malformed") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise AuthError("repeated field")
    expected = hmac.new(_secret(token), _check_string(fields), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, fields.get("hash", "")):
        raise AuthError("bad signature")
    try:
        signed_at = int(fields["auth_date"])
        user = json.loads(fields["user"])
        user_id = int(user["id"])
    except (KeyError, ValueError, TypeError):
        raise AuthError("no user") from None
    age = (time.time() if now is None else now) - signed_at
    if not -60 <= age <= max_age:
        raise AuthError("stale")
    return WebAppUser(id=user_id, first_name=str(user.get("first_name", ""))[:64],
                      query_id=fields.get("query_id", ""))


def sign(fields: dict[str, str], token: str) -> str:
    """Init data as Telegram would send it (for tests and local trials)."""
    digest = hmac.new(_secret(token), _check_string(fields), hashlib.sha256).hexdigest()
    return urlencode({**fields, "hash": digest})
