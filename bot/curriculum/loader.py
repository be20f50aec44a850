"""Reading lesson files (YAML front matter + Markdown body) with line numbers.

Schema problems are collected, not raised, so ``lessons check`` can report every
problem of every file at once; a file whose schema is broken yields no Lesson.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.curriculum.claims import ClaimError, parse_claim
from bot.curriculum.model import TOPICS, Curriculum, Interview, Lesson, Quiz, nearest_line


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def lessons_dir(configured: Path | None = None) -> Path:
    """The configured folder (``BOT_LESSONS_DIR``), else ``lessons/`` beside the package (a
    checkout), else in the working directory (the container copies it there)."""
    if configured is not None:
        return configured
    beside = Path(__file__).resolve().parents[2] / "lessons"
    return beside if beside.is_dir() else Path("lessons")


def _line_map(node: yaml.Node, prefix: str = "", lines: dict[str, int] | None = None) -> dict[str, int]:
    lines = {} if lines is None else lines
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = f"{prefix}.{key.value}" if prefix else str(key.value)
            lines[path] = key.start_mark.line + 1
            _line_map(value, path, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            path = f"{prefix}.{index}"
            lines[path] = item.start_mark.line + 1
            _line_map(item, path, lines)
    return lines


def split_front_matter(text: str) -> tuple[str, str, int] | None:
    """(front matter, body, line where the body's text starts) or None without front matter."""
    if not text.startswith("---\n"):
        return None
    end = text.find("\n---\n", 3)
    if end < 0:
        return None
    front = text[4:end + 1]
    body = text[end + 5:]
    blank_lines = body[:len(body) - len(body.lstrip())].count("\n")  # the Lesson keeps body.strip()
    body_line = front.count("\n") + 3 + blank_lines
    return front, body, body_line


class _Reader:
    """Typed access to the front matter that records a Problem for each mismatch."""

    def __init__(self, path: Path, data: dict[str, Any], lines: dict[str, int]) -> None:
        self.path, self.data, self.lines = path, data, lines
        self.problems: list[Problem] = []

    def problem(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.path, nearest_line(self.lines, key), message))

    def get(self, data: dict[str, Any], key: str, path: str, kind: type, required: bool = True) -> Any:
        if key not in data or data[key] is None:
            if required:
                self.problem(path.rpartition(".")[0] if "." in path else "", f"missing field '{path}'")
            return None
        value = data[key]
        if kind is float and isinstance(value, int):
            return value
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.problem(path, f"'{path}' must be {kind.__name__}, not {type(value).__name__}")
            return None
        return value

    def strings(self, data: dict[str, Any], key: str, path: str, required: bool = True) -> tuple[str, ...] | None:
        items = self.get(data, key, path, list, required)
        if items is None:
            return None if required else ()
        if not all(isinstance(item, (str, int, float)) for item in items):
            self.problem(path, f"'{path}' must be a list of texts")
            return None
        return tuple(str(item) for item in items)


def _quiz(reader: _Reader, raw: Any, index: int, lesson_id: str, topic: str) -> Quiz | None:
    path = f"quizzes.{index}"
    if not isinstance(raw, dict):
        reader.problem(path, f"'{path}' must be a mapping with id, question, options, correct, explanation")
        return None
    quiz_id = reader.get(raw, "id", f"{path}.id", str)
    question = reader.get(raw, "question", f"{path}.question", str)
    options = reader.strings(raw, "options", f"{path}.options")
    correct = raw.get("correct")
    if isinstance(correct, list):
        reader.problem(f"{path}.correct", "a quiz has exactly one correct option: 'correct' must be one index, not a list")
        return None
    correct = reader.get(raw, "correct", f"{path}.correct", int)
    explanation = reader.get(raw, "explanation", f"{path}.explanation", str)
    more = reader.get(raw, "more", f"{path}.more", str, required=False) or ""
    if options is None or None in (quiz_id, question, correct, explanation):
        return None
    return Quiz(id=quiz_id, question=question.strip(), options=options, correct=correct,
                explanation=explanation.strip(), more=more.strip(), lesson_id=lesson_id, topic=topic)


def _read_claims(reader: _Reader, claims: tuple[str, ...], lab: str) -> None:
    """Claims need a lab to be about, and each must be a well-formed claim."""
    if claims and not lab:
        reader.problem("claims", "'claims' describe the lab: add a 'lab' line or remove them")
    for index, text in enumerate(claims):
        try:
            parse_claim(text)
        except ClaimError as error:
            reader.problem(f"claims.{index}", str(error))


def load_lesson(path: Path) -> tuple[Lesson | None, list[Problem]]:
    """Parse one lesson file; schema problems come back instead of an exception."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[:error.start].count(b"\n") + 1
        return None, [Problem(path, line, f"not UTF-8 text (byte 0x{raw[error.start]:02x}): "
                                          "save the file as UTF-8")]
    parts = split_front_matter(text)
    if parts is None:
        return None, [Problem(path, 1, "no YAML front matter: the file must start with '---' and close it with '---'")]
    front, body, body_line = parts
    try:
        node = yaml.compose(front)
        data = yaml.safe_load(front)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        return None, [Problem(path, line, f"front matter is not valid YAML: {getattr(error, 'problem', error)}")]
    if not isinstance(data, dict):
        return None, [Problem(path, 1, "front matter must be a YAML mapping")]
    lines_of = _line_map(node) if node is not None else {}
    reader = _Reader(path, data, {k: v + 1 for k, v in lines_of.items()})
    lesson_id = reader.get(data, "id", "id", str)
    order = reader.get(data, "order", "order", int)
    title = reader.get(data, "title", "title", str)
    topic = reader.get(data, "topic", "topic", str)
    hashtags = reader.strings(data, "hashtags", "hashtags")
    keywords = reader.strings(data, "keywords", "keywords", required=False)
    lab = reader.get(data, "lab", "lab", str, required=False) or ""
    claims = reader.strings(data, "claims", "claims", required=False) or ()
    _read_claims(reader, claims, lab)
    if topic is not None and topic not in TOPICS:
        reader.problem("topic", f"unknown topic '{topic}'; topics: {', '.join(TOPICS)}")
    raw_quizzes = reader.get(data, "quizzes", "quizzes", list)
    if raw_quizzes is not None and not raw_quizzes:
        reader.problem("quizzes", "a lesson needs at least one quiz")
    quizzes = [_quiz(reader, raw, i, lesson_id or "", topic or "") for i, raw in enumerate(raw_quizzes or [])]
    interview = None
    raw_interview = reader.get(data, "interview", "interview", dict, required=False)
    if raw_interview is not None:
        question = reader.get(raw_interview, "question", "interview.question", str)
        answer = reader.get(raw_interview, "answer", "interview.answer", str)
        if question and answer:
            interview = Interview(question.strip(), answer.strip())
    known = {"id", "order", "title", "topic", "hashtags", "keywords", "lab", "claims", "quizzes",
             "interview"}
    for key in data:
        if key not in known:
            reader.problem(str(key), f"unknown field '{key}'")
    if (reader.problems or hashtags is None or None in (lesson_id, order, title, topic)
            or None in quizzes):
        return None, reader.problems
    lines = dict(reader.lines)
    lines["body"] = body_line
    lesson = Lesson(
        id=lesson_id, order=order, title=title.strip(), topic=topic, hashtags=hashtags,
        body=body.strip(), quizzes=tuple(q for q in quizzes if q), keywords=keywords or (),
        lab=lab.strip(), claims=claims, interview=interview, path=path, lines=lines,
    )
    return lesson, []


def load_all(folder: Path) -> tuple[Curriculum, list[Problem]]:
    """Every ``*.md`` lesson in ``folder`` except README.md, sorted by order."""
    lessons, problems = [], []
    for path in sorted(folder.glob("*.md")):
        if path.name.lower() == "readme.md":
            continue
        lesson, found = load_lesson(path)
        problems.extend(found)
        if lesson is not None:
            lessons.append(lesson)
    return Curriculum(tuple(sorted(lessons, key=lambda lesson: lesson.order))), problems


@cache
def curriculum(directory: Path | None = None) -> Curriculum:
    """The course the bot serves (loaded once per folder; files with problems are left
    out)."""
    return load_all(lessons_dir(directory))[0]
