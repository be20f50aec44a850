"""Checks the /act, /batch, /scale and /fit lab tests share: a picture is a small valid
PNG, a caption fits Telegram, a bad option gets its own Persian message."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from PIL import Image

from bot.commands.base import UserError
from bot.fa.html import plain_text, visible_length

#: The issue's budget for slow connections (#16); pictures are phone-wide (390 px at 2×).
MAX_PNG_BYTES = 120 * 1024
PHONE_WIDTH = 780
CAPTION_LIMIT = 1024


def assert_png(data: bytes) -> Image.Image:
    """Opens with Pillow as a phone-wide PNG no bigger than MAX_PNG_BYTES."""
    assert len(data) <= MAX_PNG_BYTES
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    assert image.width == PHONE_WIDTH
    image.load()
    return image


def assert_caption(caption: str) -> str:
    """Within the photo-caption limit; returns what the reader sees."""
    assert visible_length(caption) <= CAPTION_LIMIT
    return plain_text(caption)


def assert_refused(parse: Callable[[str], object], args: str, example: str,
                   *needles: str) -> str:
    """``parse(args)`` raises a UserError whose text names the problem (every needle) and
    ends with a correct example; returns the plain message."""
    with pytest.raises(UserError) as caught:
        parse(args)
    message = plain_text(caught.value.message)
    assert message.startswith("⚠️")
    assert f"مثال درست: {example}" in message
    for needle in needles:
        assert needle in message, (needle, message)
    return message
