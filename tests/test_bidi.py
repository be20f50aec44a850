"""Formulas in quiz polls keep their left-to-right order (a poll has no HTML)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from bot.commands.practice import quiz_poll
from bot.curriculum.loader import load_all
from bot.engine.expr import parse_function
from bot.fa.bidi import LRM, keep_formulas_ltr
from bot.fa.numbers import normalize_input

M = LRM


@pytest.mark.parametrize("text, sent", [
    # a leading minus sign and ∇ would otherwise take the paragraph's direction: «f∇−»
    ("کدام جمله دربارهٔ −∇f درست است؟", f"کدام جمله دربارهٔ {M}−∇f{M} درست است؟"),
    ("−∇f = (−4, −20) است", f"{M}−∇f = (−4, −20){M} است"),
    ("مقدار −۴ است", f"مقدار {M}−۴{M} است"),
    # a Persian-digit operand tied by an operator stays inside the formula
    ("مشتق ۳x² − ۲ است", f"مشتق {M}۳x² − ۲{M} است"),
    ("مقدار ۲ − x است", f"مقدار {M}۲ − x{M} است"),
    ("(gradient descent) یعنی", f"{M}(gradient descent){M} یعنی"),
    ("در نقطهٔ (2, 1).", f"در نقطهٔ {M}(2, 1){M}."),
    # a bracket the Persian text opened stays with it; sentence punctuation stays outside
    ("(یعنی f(x))", f"(یعنی {M}f(x){M})"),
    # letters at both ends already keep their order: nothing added
    ("برای x² + 10y².", "برای x² + 10y²."),
    ("نرخ lr = 0.1 است.", "نرخ lr = 0.1 است."),
    ("Adam و RMSprop", "Adam و RMSprop"),
    ("زاویهٔ ۱۸۰ درجه", "زاویهٔ ۱۸۰ درجه"),
    ("۲۰۲۶", "۲۰۲۶"),
])
def test_a_formula_is_marked_only_where_its_order_would_break(text: str, sent: str) -> None:
    assert keep_formulas_ltr(text) == sent
    assert keep_formulas_ltr(sent) == sent  # idempotent


def test_marks_change_nothing_a_reader_or_the_parser_sees() -> None:
    text = "کمینهٔ −(x−1)² + 3 کجاست؟"
    sent = keep_formulas_ltr(text)
    assert sent != text and sent.replace(LRM, "") == text
    assert all(unicodedata.category(ch) != "Cf" or ch == LRM for ch in sent)
    formula = sent.split(" ", 1)[1].rsplit(" ", 1)[0]  # as a learner would copy it
    assert parse_function(normalize_input(formula)).expr == parse_function("-(x-1)^2+3").expr


def test_every_quiz_is_sent_with_its_formulas_marked_and_nothing_else_changed() -> None:
    course, _ = load_all(Path(__file__).resolve().parent.parent / "lessons")
    marked = 0
    for quiz in course.quizzes:
        poll = quiz_poll(quiz, services=None)  # type: ignore[arg-type]
        for original, sent in [(quiz.explanation, poll.explanation),
                               *zip(quiz.options, poll.options)]:
            assert sent.replace(LRM, "") == original
        marked += LRM in poll.question + poll.explanation + "".join(poll.options)
    assert marked > 0


def test_a_numbered_question_keeps_its_number_outside_the_formula() -> None:
    text = "❓ سؤال ۷ از ۱۰: W = np.zeros((4, 3)) و x = np.zeros(3). شکل np.dot(W, x) چیست؟"
    assert keep_formulas_ltr(text) == (
        f"❓ سؤال ۷ از ۱۰: {M}W = np.zeros((4, 3)){M} و {M}x = np.zeros(3){M}. "
        f"شکل {M}np.dot(W, x){M} چیست؟")
