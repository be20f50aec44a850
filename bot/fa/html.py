"""Telegram HTML helpers: every piece of user or formula text is escaped here."""

from __future__ import annotations

import html
import re

_TAG = re.compile(r"<[^>]+>")


def code(text: str) -> str:
    """An LTR code span (formulas, commands, numbers in formulas)."""
    return f"<code>{html.escape(text, quote=False)}</code>"


def bold(text: str) -> str:
    return f"<b>{html.escape(text, quote=False)}</b>"


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def plain_text(markup: str) -> str:
    """What a reader sees of Telegram HTML: tags dropped, entities decoded."""
    return html.unescape(_TAG.sub("", markup))


def visible_length(markup: str) -> int:
    """Length Telegram checks against its limits: UTF-16 code units of the text left
    after the HTML tags are parsed away (an emoji counts as two)."""
    return len(plain_text(markup).encode("utf-16-le")) // 2


CAPTION_LIMIT = 1024  # Telegram's limit for a photo or animation caption


def fit_caption(bodies: list[list[str]], notes: list[str]) -> str:
    """The first body (most detailed first) with as many notes as fit in a caption."""
    text = ""
    for body in bodies:
        for kept in range(len(notes), -1, -1):
            text = "\n".join(body + notes[:kept])
            if visible_length(text) <= CAPTION_LIMIT:
                return text
    return text
