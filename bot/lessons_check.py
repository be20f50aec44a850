"""``python -m bot lessons check``: every rule a lesson file must meet.

Schema (the loader), Telegram's limits after formatting, exactly one correct option,
Persian typography, unique ids and contiguous order, and that each lesson's lab line
runs in the lab it names (through the same command layer a learner's message takes).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.commands.base import Context, Response
from bot.curriculum.claims import ClaimError, check_claim, parse_claim
from bot.curriculum.loader import Problem, load_all
from bot.curriculum.markup import prose
from bot.curriculum.model import Curriculum, Lesson, Quiz
from bot.fa.bidi import keep_formulas_ltr
from bot.fa.html import visible_length
from bot.fa.lessons import interview_message, lesson_message, more_message

MESSAGE_LIMIT = 4096
QUESTION_LIMIT = 250  # Telegram allows 300; the channel prefixes «❓کوییز شماره N: »
OPTION_LIMIT = 100
EXPLANATION_LIMIT = 200
EXPLANATION_LINE_FEEDS = 2
TITLE_LIMIT = 100

_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_HASHTAG = re.compile(r"#[A-Za-z0-9_]+")
_ARABIC = {"ي": "ی", "ك": "ک"}
_VERB_STEMS = (
    "شود|شوند|شویم|شوید|کند|کنند|کنیم|کنید|کنم|دهد|دهند|دهیم|دهید|گیرد|گیرند|گیریم|"
    "رود|روند|رسد|رسند|رسیم|آید|آیند|توان|تواند|توانند|توانیم|توانید|خواهد|خواهند|خواهیم|"
    "بیند|بینند|بینیم|بینید|ماند|مانند|یابد|یابند|یابیم|گوید|گویند|گوییم|زند|زنند|گردد|"
    "گردند|سازد|سازند|داند|دانند|دانیم|دانید|خوانیم|خواند|نویسیم|نویسد|کشد|افتد|افتند|"
    "پرد|پرند|چرخد|برد|برند|بریم|گذارد|آورد|آورند|پذیرد|ریزد|خورد|دارد|دارند|دهم|کنی"
)
_ZWNJ_RULES = (
    (re.compile(rf"(?<![\w\u200c])(ن?می)(?: |)(?:{_VERB_STEMS})(?![\w\u200c])"),
     "«{0}»: the prefix «می» takes a zero-width non-joiner (U+200C): «می‌شود», «نمی‌کند»"),
    (re.compile(r"[\u0600-\u06ff]+ه(?: |)(?:ها|های|هایی)(?![\w\u200c])"),
     "«{0}»: join «ها» with a zero-width non-joiner (U+200C): «شبکه‌ها»"),
    (re.compile(r"[\u0600-\u06ff]{2,}ه(?:تر|ترین)(?![\w\u200c])"),  # not «بهتر»
     "«{0}»: join «تر/ترین» with a zero-width non-joiner (U+200C): «ساده‌تر»"),
    (re.compile(r"به(?: |)روز(?:رسانی|\s+رسانی)"),
     "«{0}»: write «به‌روزرسانی» with zero-width non-joiners"),
    (re.compile(r"[\u0600-\u06ff]*[اآدذرزژوؤأإ]\u200c[\u0600-\u06ff]+"),
     "«{0}»: no zero-width non-joiner after a letter that never joins (ا د ذ ر ز ژ و): «پارامترها»"),
    (re.compile(r"[\u0600-\u06ff]+ه\u200cی(?![\w\u200c])"),
     "«{0}»: the course writes the ezafe after «ه» as «هٔ» (U+0654): «لایهٔ پنهان»"),
)
#: One spelling and one term for the whole course: (wrong, right, why). «کمتر» joins like
#: «بیشتر» and «بهتر» (the Academy's exceptions to a separate «تر»).
_SPELLINGS = (
    ("سوال", "سؤال", "the course writes hamza on waw"),
    ("کم‌تر", "کمتر", "like «بیشتر»"),
    ("بیش‌تر", "بیشتر", "like «کمتر»"),
    ("پیش‌فعال‌سازی", "ورودی خالص", "the course's one term for pre-activation"),
)
#: A Latin number standing on its own (not part of a Latin word such as L1 or x0).
_LATIN_NUMBER = re.compile(r"(?<![A-Za-z_0-9.\-])[0-9]+(?:\.[0-9]+)?(?![A-Za-z_0-9])")
_MATH = re.compile(r"[A-Za-z=<>+\-−*/^·×√²³()\[\]|σ∂∑Σλ′'≤≥≈→←]")


@dataclass
class Report:
    lessons: int = 0
    quizzes: int = 0
    interview: int = 0
    problems: list[Problem] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "lessons": self.lessons,
            "quizzes": self.quizzes,
            "interview": self.interview,
            "problems": [{"file": str(p.path), "line": p.line, "message": p.message}
                         for p in self.problems],
        }


class _Checker:
    def __init__(self, lesson: Lesson) -> None:
        self.lesson = lesson
        self.problems: list[Problem] = []

    def add(self, key: str, message: str, line: int | None = None) -> None:
        where = line if line is not None else self.lesson.line_of(key)
        self.problems.append(Problem(self.lesson.path, where, message))

    # --- Telegram's limits -------------------------------------------------------------
    def limits(self, total: int) -> None:
        lesson = self.lesson
        length = visible_length(lesson_message(lesson, total))
        if length > MESSAGE_LIMIT:
            self.add("body", f"the lesson is {length} characters after formatting; Telegram allows {MESSAGE_LIMIT}",
                     lesson.lines.get("body"))
        if len(lesson.title) > TITLE_LIMIT:
            self.add("title", f"title longer than {TITLE_LIMIT} characters")
        for tag in lesson.hashtags:
            if not _HASHTAG.fullmatch(tag):
                self.add("hashtags", f"hashtag '{tag}' must look like #Deep_Learning (Latin letters, digits, _)")
        if lesson.interview:
            length = visible_length(interview_message(lesson, lesson.interview))
            if length > MESSAGE_LIMIT:
                self.add("interview", f"the interview post is {length} characters; Telegram allows {MESSAGE_LIMIT}")
        for index, quiz in enumerate(lesson.quizzes):
            self.quiz_limits(index, quiz)

    def quiz_limits(self, index: int, quiz: Quiz) -> None:
        key = f"quizzes.{index}"
        # Lengths as sent: the poll's formulas carry their left-to-right marks.
        question, explanation = keep_formulas_ltr(quiz.question), keep_formulas_ltr(quiz.explanation)
        if len(question) > QUESTION_LIMIT:
            self.add(f"{key}.question", f"quiz question is {len(question)} characters; at most {QUESTION_LIMIT}")
        if not 2 <= len(quiz.options) <= 10:
            self.add(f"{key}.options", f"a quiz needs 2 to 10 options, not {len(quiz.options)}")
        for number, option in enumerate(map(keep_formulas_ltr, quiz.options)):
            if not option.strip() or len(option) > OPTION_LIMIT:
                self.add(f"{key}.options.{number}", f"option {number} must have 1 to {OPTION_LIMIT} characters, not {len(option)}")
        if len(set(quiz.options)) != len(quiz.options):
            self.add(f"{key}.options", "two options are identical")
        if not 0 <= quiz.correct < len(quiz.options):
            self.add(f"{key}.correct", f"'correct' is {quiz.correct} but the options are numbered 0 to {len(quiz.options) - 1}")
        if len(explanation) > EXPLANATION_LIMIT:
            self.add(f"{key}.explanation", f"explanation is {len(explanation)} characters; Telegram allows {EXPLANATION_LIMIT}")
        if quiz.explanation.count("\n") > EXPLANATION_LINE_FEEDS:
            self.add(f"{key}.explanation", f"explanation has more than {EXPLANATION_LINE_FEEDS} line breaks")
        if quiz.more and visible_length(more_message(quiz)) > MESSAGE_LIMIT:
            self.add(f"{key}.more", "the longer explanation does not fit one message")
        if not _ID.fullmatch(quiz.id):
            self.add(f"{key}.id", f"quiz id '{quiz.id}' must be lowercase Latin letters, digits and dashes")

    def lab_command(self) -> None:
        lab = self.lesson.lab
        if lab and not lab.startswith("/"):
            self.add("lab", f"lab '{lab}' is not a command: it must start with '/', e.g. /gd 0.1x^2 lr=0.4")

    # --- typography ----------------------------------------------------------------------
    def texts(self) -> Iterable[tuple[str, str, int | None, bool]]:
        """(field, text, first line, is Markdown) for every user-facing text."""
        lesson = self.lesson
        yield "title", lesson.title, None, False
        yield "body", lesson.body, lesson.lines.get("body"), True
        for index, quiz in enumerate(lesson.quizzes):
            key = f"quizzes.{index}"
            yield f"{key}.question", quiz.question, None, False
            for number, option in enumerate(quiz.options):
                yield f"{key}.options.{number}", option, None, False
            yield f"{key}.explanation", quiz.explanation, None, False
            if quiz.more:
                yield f"{key}.more", quiz.more, None, True
        if lesson.interview:
            yield "interview.question", lesson.interview.question, None, False
            yield "interview.answer", lesson.interview.answer, None, True

    def typography(self) -> None:
        for key, text, first_line, markdown in self.texts():
            for offset, line in enumerate(text.split("\n")):
                where = first_line + offset if first_line is not None else None
                self.typography_line(key, line, where)
            self.latin_digits(key, prose(text) if markdown else text, first_line, strict=markdown)

    def typography_line(self, key: str, line: str, where: int | None) -> None:
        for arabic, persian in _ARABIC.items():
            if arabic in line:
                self.add(key, f"Arabic letter «{arabic}»: use the Persian «{persian}»", where)
        text = prose(line)
        for pattern, message in _ZWNJ_RULES:
            for match in pattern.finditer(text):
                self.add(key, message.format(match.group(0).strip()), where)
        for wrong, right, why in _SPELLINGS:
            if wrong in text:
                self.add(key, f"«{wrong}»: write «{right}» ({why})", where)

    def latin_digits(self, key: str, text: str, first_line: int | None, strict: bool) -> None:
        """Persian prose takes Persian digits. In Markdown fields every Latin number outside
        code is flagged; in poll texts (which cannot show code) a number inside a formula
        (next to Latin letters or math signs) is accepted."""
        for offset, line in enumerate(text.split("\n")):
            tokens = line.split()
            for position, token in enumerate(tokens):
                if not _LATIN_NUMBER.search(token):
                    continue
                if not strict:
                    near = tokens[max(0, position - 1):position + 2]
                    if any(_MATH.search(t) for t in near):
                        continue
                where = first_line + offset if first_line is not None else None
                self.add(key, f"Latin digits in Persian prose «{token}»: use Persian digits, or put a formula in `code`", where)


def _structure(curriculum: Curriculum, complete: bool) -> list[Problem]:
    """Unique ids and orders; gaps in the order only when every file loaded (a file with
    problems leaves a hole that is not a gap)."""
    problems = []
    seen_ids: dict[str, Lesson] = {}
    seen_quizzes: dict[str, Lesson] = {}
    for lesson in curriculum.lessons:
        if not _ID.fullmatch(lesson.id):
            problems.append(Problem(lesson.path, lesson.line_of("id"), f"lesson id '{lesson.id}' must be lowercase Latin letters, digits and dashes"))
        if lesson.id in seen_ids:
            problems.append(Problem(lesson.path, lesson.line_of("id"), f"lesson id '{lesson.id}' is also used by {seen_ids[lesson.id].path.name}"))
        seen_ids.setdefault(lesson.id, lesson)
        for index, quiz in enumerate(lesson.quizzes):
            if quiz.id in seen_quizzes:
                problems.append(Problem(lesson.path, lesson.line_of(f"quizzes.{index}.id"), f"quiz id '{quiz.id}' is also used by {seen_quizzes[quiz.id].path.name}"))
            seen_quizzes.setdefault(quiz.id, lesson)
    orders = [lesson.order for lesson in curriculum.lessons]
    for lesson in curriculum.lessons:
        if orders.count(lesson.order) > 1:
            problems.append(Problem(lesson.path, lesson.line_of("order"), f"order {lesson.order} is used by more than one lesson"))
    if complete:
        problems.extend(_gaps(curriculum))
    return problems


def _gaps(curriculum: Curriculum) -> list[Problem]:
    """Orders run 1..N. A missing order means a duplicate (reported above) or a lesson
    numbered outside 1..N, reported on its ``order`` line."""
    count = len(curriculum.lessons)
    missing = ", ".join(str(order) for order in sorted(
        set(range(1, count + 1)) - {lesson.order for lesson in curriculum.lessons}))
    return [Problem(lesson.path, lesson.line_of("order"),
                    f"order {lesson.order} leaves a gap: no lesson has order {missing}; orders must run 1..{count}")
            for lesson in curriculum.lessons if not 1 <= lesson.order <= count]


async def _lab_problems(curriculum: Curriculum) -> list[Problem]:
    """Run every lab line through the command layer, as a learner's message would, all at
    once (the render pool runs them in parallel), and check each lesson's claims on the
    data its lab returns."""
    from bot.commands.router import handle_text
    from bot.config import Settings
    from bot.services import open_services

    labs = [lesson for lesson in curriculum.lessons if lesson.lab]
    if not labs:
        return []
    async with open_services(Settings(db_url="sqlite:///:memory:")) as services:
        # enough in flight to keep every worker busy, never more than the pool's queue takes
        slots = asyncio.Semaphore(min(services.runner.queue_limit, 2 * services.runner.workers))

        async def run(number: int, lesson: Lesson) -> Response:
            async with slots:
                return await handle_text(lesson.lab, Context(services, user_id=-1 - number, chat_id=0,
                                                           patient=True))

        responses = await asyncio.gather(*(run(n, lesson) for n, lesson in enumerate(labs)))
    problems = []
    for lesson, response in zip(labs, responses):
        if response.error:
            problems.append(Problem(lesson.path, lesson.line_of("lab"),
                                    f"lab '{lesson.lab}' does not run: {response.error}"))
        else:
            problems.extend(claim_problems(lesson, response.data))
    return problems


def claim_problems(lesson: Lesson, data: object) -> list[Problem]:
    """Every claim of ``lesson`` that is false on its lab's ``data``, or cannot be evaluated."""
    problems = []
    for index, text in enumerate(lesson.claims):
        where = lesson.line_of(f"claims.{index}")
        try:
            verdict = check_claim(parse_claim(text), data)
        except ClaimError as error:
            problems.append(Problem(lesson.path, where, f"lesson '{lesson.id}': claim {index + 1} "
                                    f"«{text}» cannot be checked on the data of '{lesson.lab}': {error}"))
            continue
        if not verdict.holds:
            problems.append(Problem(lesson.path, where, f"lesson '{lesson.id}': claim {index + 1} "
                                    f"«{text}» is false for its lab '{lesson.lab}' ({verdict.detail})"))
    return problems


def check(folder: Path, run_labs: bool = True) -> Report:
    """Validate every lesson file in ``folder``."""
    curriculum, problems = load_all(folder)
    problems = list(problems) + _structure(curriculum, complete=not problems)
    total = len(curriculum.lessons)
    for lesson in curriculum.lessons:
        checker = _Checker(lesson)
        checker.limits(total)
        checker.lab_command()
        checker.typography()
        problems.extend(checker.problems)
    if run_labs:
        problems.extend(asyncio.run(_lab_problems(curriculum)))
    problems.sort(key=lambda p: (str(p.path), p.line))
    return Report(
        lessons=total,
        quizzes=len(curriculum.quizzes),
        interview=len(curriculum.interviews),
        problems=problems,
    )
