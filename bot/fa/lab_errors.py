"""Persian messages for input mistakes that several labs share (beyond bot.fa.errors)."""

from __future__ import annotations

from bot.fa.errors import with_example
from bot.fa.html import code


def unexpected_text(text: str, example: str) -> str:
    """Words a command without positional input cannot place (options need ``name=``)."""
    return with_example(
        f"{code(text)} را نفهمیدم. این دستور فقط گزینه‌های {code('name=value')} می‌گیرد.",
        example)
