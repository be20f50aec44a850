"""Formulas inside plain Persian text (quiz polls), kept in their left-to-right order.

A poll has no HTML, so a formula cannot sit in a ``<code>`` span. In a right-to-left
paragraph the bidi algorithm then gives a formula's leading or trailing neutral characters
(a minus sign, ∇, brackets, a comma) the paragraph's direction: «−∇f» shows as «f∇−» and
«(−4, −20)» loses its signs. A left-to-right mark (U+200E) on each side of the formula makes
those neutrals sit between strong left-to-right characters, so they keep the formula's order.
LRM rather than the newer isolates: every Telegram client knows it, and the bot's own input
reader ignores it (:mod:`bot.fa.numbers`), so a formula copied from a poll still parses.
"""

from __future__ import annotations

import re

LRM = "\u200e"

# A run of characters that are not Arabic script (Persian digits and the decimal
# separator count as part of a formula), words joined by single spaces.
_CHAR = r"[^\s\u0600-\u06ef\u06fa-\u06ff\u200c«»]"
_RUN = re.compile(rf"{_CHAR}+(?: {_CHAR}+)*")
# What makes a word part of a formula: a Latin or Greek letter, an ASCII digit, a
# mathematical sign or a minus sign (Persian digits alone are the sentence's numbers).
_LATIN = re.compile(r"[A-Za-z0-9\u0370-\u03ff∇∂√∑∏∞−]")
# A formula that starts with a letter and ends in a letter or digit keeps its order
# without marks: its neutrals already sit between left-to-right characters.
_SAFE = re.compile(r"[A-Za-z\u0370-\u03ff].*[A-Za-z0-9\u0370-\u03ff²³]|[A-Za-z\u0370-\u03ff]", re.S)
_SENTENCE_END = ".,:;!?"
_OPERATORS = "−-+=×·/^<>≤≥≈"
_PAIRS = {")": "(", "]": "[", "}": "{"}
_OPENING = {opening: closing for closing, opening in _PAIRS.items()}


def _trimmed(run: str) -> tuple[str, str, str]:
    """``run`` split into what precedes the formula, the formula, and what follows:
    sentence punctuation after it, and a bracket opened or closed by the Persian text
    around it (``(یعنی x)``), stay outside."""
    head, tail = "", ""
    while run and (run[-1] in _SENTENCE_END
                   or (run[-1] in _PAIRS and run.count(run[-1]) > run.count(_PAIRS[run[-1]]))):
        run, tail = run[:-1], run[-1] + tail
    while run and run[0] in _OPENING and run.count(run[0]) > run.count(_OPENING[run[0]]):
        run, head = run[1:], head + run[0]
    return head, run, tail


def _mark(match: re.Match[str]) -> str:
    # words of Persian digits alone («۱۰:» in «سؤال ۷ از ۱۰: W = …») belong to the sentence
    # unless an operator ties them to the formula («۳x² − ۲»)
    words = match.group().split(" ")
    while words and not _LATIN.search(words[0]) and not (len(words) > 1 and words[1][:1] in _OPERATORS):
        words.pop(0)
    while words and not _LATIN.search(words[-1]) and not (len(words) > 1 and words[-2][-1:] in _OPERATORS):
        words.pop()
    run = " ".join(words)
    if not run:
        return match.group()
    start = match.group().index(run)
    before, after = match.group()[:start], match.group()[start + len(run):]
    head, formula, tail = _trimmed(run)
    if not formula or formula.isdigit() or _SAFE.fullmatch(formula):
        return match.group()
    return f"{before}{head}{LRM}{formula}{LRM}{tail}{after}"


def keep_formulas_ltr(text: str) -> str:
    """``text`` with each formula in it wrapped in left-to-right marks (idempotent)."""
    return _RUN.sub(_mark, text.replace(LRM, ""))
