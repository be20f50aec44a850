"""Long Telegram HTML split into messages at section boundaries, never inside a tag.

A text is a list of sections (the steps of a worked example); a section is a list of
blocks, each a piece of balanced HTML (a line, or a whole ``<blockquote>``). Sections are
packed whole into messages of at most ``limit`` visible characters; a section too long
for one message is split between its blocks, and a block too long for one message
between its lines (a blockquote's lines each go into a blockquote of their own part).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.fa.html import visible_length

TELEGRAM_TEXT_LIMIT = 4096
_QUOTE = re.compile(r"(<blockquote[^>]*>)(.*)</blockquote>", re.DOTALL)


def quote(lines: Sequence[str], *, expandable: bool = True) -> str:
    """Lines in a (collapsed, tap to open) blockquote: one block."""
    opening = "<blockquote expandable>" if expandable else "<blockquote>"
    return opening + "\n".join(lines) + "</blockquote>"


def _pack(pieces: Sequence[str], limit: int, separator: str) -> list[str]:
    """Greedy: join pieces while the result stays within ``limit``."""
    parts: list[str] = []
    for piece in pieces:
        candidate = parts[-1] + separator + piece if parts else piece
        if parts and visible_length(candidate) <= limit:
            parts[-1] = candidate
        else:
            parts.append(piece)
    return parts


def _split_block(block: str, limit: int) -> list[str]:
    """A block too long for one message, split between its lines."""
    match = _QUOTE.fullmatch(block)
    if match:
        opening, inner = match.groups()
        chunks = _pack(inner.split("\n"), limit, "\n")
        pieces = [f"{opening}{chunk}</blockquote>" for chunk in chunks]
    else:
        pieces = _pack(block.split("\n"), limit, "\n")
    for piece in pieces:
        if visible_length(piece) > limit:
            raise ValueError(f"a single line is longer than {limit} characters")
    return pieces


def split_messages(sections: Sequence[Sequence[str]],
                   limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """The messages to send, each at most ``limit`` visible characters."""
    units: list[str] = []
    for blocks in sections:
        whole = "\n".join(blocks)
        if visible_length(whole) <= limit:
            units.append(whole)
            continue
        pieces = [p for block in blocks for p in (
            [block] if visible_length(block) <= limit else _split_block(block, limit))]
        units.extend(_pack(pieces, limit, "\n"))
    return _pack(units, limit, "\n\n")
