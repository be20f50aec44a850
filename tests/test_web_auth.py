"""Telegram Mini App init data: the documented HMAC-SHA-256 check, checked against a
signature computed here independently of bot.doors.web.auth."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import urlencode

import pytest

from bot.doors.web.auth import AuthError, sign, validate

TOKEN = "123456:TEST-token"


def independent(fields: dict[str, str], token: str) -> str:
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    check = "\n".join(f"{k}={fields[k]}" for k in sorted(fields))
    return urlencode({**fields, "hash": hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()})


def fields(user_id: int = 77, age: float = 10, **extra: str) -> dict[str, str]:
    return {"auth_date": str(int(time.time() - age)), "query_id": "AAHdF6IQ",
            "user": json.dumps({"id": user_id, "first_name": "سارا"}, ensure_ascii=False), **extra}


def test_valid_init_data_gives_its_user():
    data = independent(fields(), TOKEN)
    assert sign(fields(), TOKEN).split("hash=")[1] == data.split("hash=")[1]
    user = validate(data, TOKEN)
    assert (user.id, user.first_name, user.query_id) == (77, "سارا", "AAHdF6IQ")


@pytest.mark.parametrize("tamper", ["other token", "changed user", "no hash", "empty",
                                    "stale", "future", "repeated", "garbage"])
def test_forged_stale_or_missing_init_data_is_refused(tamper):
    good = fields()
    data = {
        "other token": independent(good, "654321:OTHER"),
        "changed user": independent(good, TOKEN).replace("%3A+77", "%3A+78"),
        "no hash": urlencode(good),
        "empty": "",
        "stale": independent(fields(age=24 * 3600 + 5), TOKEN),
        "future": independent(fields(age=-3600), TOKEN),
        "repeated": independent(good, TOKEN) + "&user=%7B%22id%22%3A1%7D",
        "garbage": "%%%&&&==",
    }[tamper]
    with pytest.raises(AuthError):
        validate(data, TOKEN)


def test_a_day_old_is_still_accepted_and_the_signature_covers_every_field():
    assert validate(independent(fields(age=24 * 3600 - 60), TOKEN), TOKEN).id == 77
    signed = independent(fields(start_param="gd"), TOKEN)
    with pytest.raises(AuthError):
        validate(signed.replace("start_param=gd", "start_param=opt"), TOKEN)
