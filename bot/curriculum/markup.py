"""The lessons' Markdown subset to Telegram HTML.

Paragraphs, ``**bold**``, `` `code` `` (left-to-right spans), ``- `` bullets and fenced
code blocks; everything else is text, escaped.
"""

from __future__ import annotations

import html
import re

_CODE = re.compile(r"`([^`\n]+)`")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_FENCE = re.compile(r"^```[^\n]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


_STASHED = re.compile("\ue000(\\d+)\ue001")


def _inline(text: str) -> str:
    """Escape, then mark up. Code spans are set aside first (so ``**`` inside code stays
    literal) and put back last (so bold may contain code: ``**a `b` c**``)."""
    spans: list[str] = []

    def stash(match: re.Match[str]) -> str:
        spans.append(f"<code>{html.escape(match.group(1), quote=False)}</code>")
        return f"\ue000{len(spans) - 1}\ue001"

    marked = _BOLD.sub(r"<b>\1</b>", html.escape(_CODE.sub(stash, text), quote=False))
    return _STASHED.sub(lambda match: spans[int(match.group(1))], marked)


def _lines(text: str) -> str:
    out = []
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith("- "):
            out.append("• " + _inline(stripped[2:]))
        else:
            out.append(_inline(line.rstrip()))
    return "\n".join(out)


def to_html(markdown: str) -> str:
    """Telegram HTML for a lesson body (or any text in the lessons' Markdown subset)."""
    parts = []
    last = 0
    for match in _FENCE.finditer(markdown):
        parts.append(_lines(markdown[last:match.start()]))
        parts.append(f"<pre>{html.escape(match.group(1).rstrip(), quote=False)}</pre>")
        last = match.end()
    parts.append(_lines(markdown[last:]))
    text = "".join(parts)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def prose(markdown: str) -> str:
    """The Persian prose of a text: code spans and blocks blanked out (for typography
    checks), each block's line breaks kept so later lines keep their numbers."""
    without_blocks = _FENCE.sub(lambda block: "\n" * block.group(0).count("\n"), markdown)
    return _CODE.sub(" ", without_blocks)
