"""The lesson validator (``python -m bot lessons check``).

Each folder under tests/fixtures/lessons/ is the valid pair of lessons with one thing
broken; the validator must report exactly that problem, in the right file, on the line
that holds it. Allowed typography must pass, the CLI must report in both formats, the
lessons' Markdown must become safe Telegram HTML, and the real course must pass.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.lessons_check import MESSAGE_LIMIT, check
from bot.curriculum.loader import lessons_dir, load_lesson
from bot.curriculum.markup import to_html

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "lessons"
VALID = FIXTURES / "valid"
A, B = "01-gradient-descent.md", "02-learning-rate.md"


@dataclass(frozen=True)
class Expected:
    file: str
    line: int
    message: str  # a distinctive part of the problem's message
    offending: str  # what the file holds on that line


CASES: dict[str, list[Expected]] = {
    "bad_yaml": [Expected(A, 4, "front matter is not valid YAML", "title: گرادیان کاهشی: روش پایه")],
    "no_front_matter": [Expected(B, 1, "no YAML front matter", "---")],
    "missing_field": [Expected(A, 10, "missing field 'quizzes.0.explanation'", "- id: gradient-descent-1")],
    "unknown_field": [Expected(A, 6, "unknown field 'level'", "level: beginner")],
    "unknown_topic": [Expected(B, 5, "unknown topic 'deep-learning'", "topic: deep-learning")],
    "no_quiz": [Expected(B, 8, "a lesson needs at least one quiz", "quizzes: []")],
    "two_correct": [Expected(A, 16, "exactly one correct option", "correct: [0, 1]")],
    "correct_out_of_range": [Expected(A, 16, "'correct' is 3 but the options are numbered 0 to 2", "correct: 3")],
    "too_few_options": [Expected(B, 11, "2 to 10 options, not 1", "options:")],
    "too_many_options": [Expected(B, 11, "2 to 10 options, not 11", "options:")],
    "long_option": [Expected(A, 14, "option 1 must have 1 to 100 characters, not 104", "- دور کمینه نوسان")],
    "long_question": [Expected(B, 10, "quiz question is 289 characters; at most 250", "question:")],
    "long_explanation": [Expected(A, 17, "explanation is 233 characters; Telegram allows 200", "explanation:")],  # as sent: two left-to-right marks around a formula
    "explanation_line_feeds": [Expected(B, 15, "explanation has more than 2 line breaks", "explanation: |")],
    "identical_options": [Expected(A, 12, "two options are identical", "options:")],
    "long_lesson": [Expected(B, 18, "characters after formatting; Telegram allows 4096", "نرخ یادگیری (learning rate)")],
    "bad_hashtag": [Expected(B, 6, "hashtag '#Gradient-Descent'", '"#Gradient-Descent"')],
    "arabic_letters": [Expected(A, 28, "Arabic letter «ي»", "يک سهمی"),
                       Expected(B, 13, "Arabic letter «ك»", "- آرام كم")],
    "missing_zwnj_mi": [Expected(A, 24, "«میکند»: the prefix «می»", "حرکت میکند"),
                        Expected(B, 22, "«می شود»: the prefix «می»", "واگرا می شود")],
    "missing_zwnj_ha": [Expected(B, 20, "«شبکهها»: join «ها»", "آموزش شبکهها")],
    "missing_zwnj_tar": [Expected(B, 21, "«سادهتر»: join «تر/ترین»", "و سادهتر")],
    "zwnj_after_non_joiner": [Expected(A, 29, "«پارامتر‌ها»: no zero-width non-joiner", "پارامتر‌ها")],
    "ezafe_style": [Expected(B, 18, "«اندازه‌ی»: the course writes the ezafe", "اندازه‌ی هر گام")],
    # after a fenced code block: the line number must count the block's lines
    "latin_digits_prose": [Expected(A, 39, "Latin digits in Persian prose «0.92»", "گام 0.92 است")],
    "duplicate_lesson_id": [Expected(B, 2, f"lesson id 'gradient-descent' is also used by {A}", "id: gradient-descent")],
    "duplicate_quiz_id": [Expected(B, 9, f"quiz id 'gradient-descent-1' is also used by {A}", "- id: gradient-descent-1")],
    "duplicate_order": [Expected(A, 3, "order 1 is used by more than one lesson", "order: 1"),
                        Expected(B, 3, "order 1 is used by more than one lesson", "order: 1")],
    "order_gap": [Expected(B, 3, "order 3 leaves a gap: no lesson has order 2", "order: 3")],
    "bad_lab": [Expected(A, 8, "lab '/gd 0.1x^2 lr=-1' does not run", "lab: /gd 0.1x^2 lr=-1")],
    "unknown_lab_command": [Expected(A, 8, "lab '/nosuch' does not run", "lab: /nosuch")],
    "lab_not_a_command": [Expected(A, 8, "lab 'gd 0.1x^2 lr=0.4' is not a command", "lab: gd 0.1x^2 lr=0.4")],
}
#: Folders whose problem only shows when the lab line runs (labs are slow: run them only here).
LAB_CASES = {"bad_lab", "unknown_lab_command"}


def _line(path: Path, number: int) -> str:
    return path.read_text(encoding="utf-8").split("\n")[number - 1]


def test_every_fixture_folder_is_a_tested_class() -> None:
    folders = {path.name for path in FIXTURES.iterdir() if path.is_dir()}
    assert folders == set(CASES) | {"valid"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixture_breaks_the_valid_pair_in_one_place(name: str) -> None:
    """Each broken folder is the valid pair, changed only in files it is reported in."""
    assert sorted(p.name for p in (FIXTURES / name).iterdir()) == [A, B]
    changed = {file for file in (A, B)
               if (FIXTURES / name / file).read_bytes() != (VALID / file).read_bytes()}
    assert changed and changed <= {expected.file for expected in CASES[name]}


def test_valid_lessons_have_no_problems() -> None:
    assert "lab: /gd 0.1x^2 lr=0.4\n" in (VALID / A).read_text(encoding="utf-8")
    report = check(VALID, run_labs=True)
    assert report.problems == []
    assert (report.lessons, report.quizzes, report.interview) == (2, 2, 1)


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_problem_class_is_caught_on_its_line(name: str) -> None:
    folder = FIXTURES / name
    problems = check(folder, run_labs=name in LAB_CASES).problems
    assert len(problems) == len(CASES[name]), [str(p) for p in problems]
    for expected in CASES[name]:
        matches = [p for p in problems
                   if p.path == folder / expected.file and p.line == expected.line and expected.message in p.message]
        assert len(matches) == 1, (expected, [str(p) for p in problems])
        assert expected.offending in _line(folder / expected.file, expected.line)


def test_long_lesson_is_too_long_only_once_formatted() -> None:
    """The body alone fits; the heading and hashtags the validator adds push it over."""
    lesson, problems = load_lesson(FIXTURES / "long_lesson" / B)
    assert lesson is not None and not problems
    assert len(lesson.body) <= MESSAGE_LIMIT


# --- what must NOT be flagged (and its near misses that must) ------------------------------

def _valid_copy(tmp_path: Path, file: str, old: str, new: str) -> Path:
    folder = tmp_path / "lessons"
    shutil.copytree(VALID, folder)
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    return folder


LAST_LINE = "جریمهٔ L1 را در درس‌های بعد می‌بینیم.\n"
EXPLANATION = "explanation: ضریب 1 − 0.2·lr است؛ برای این نرخ مثبت و کمتر از یک است."


@pytest.mark.parametrize("text", [
    "نرخ بهتر را باید آزمود.",
    "بهترین نرخ به تابع بستگی دارد.",
    "روی میز کار ما یک دفتر است.",
    "میانگین هزینه کم می‌شود.",
    "یک میلیون نمونه داریم.",
    "جریمهٔ L1 وزن‌ها را کوچک می‌کند.",
    "نقطهٔ شروع x0 است.",
    "نوع داده float64 است.",
    "در کد `lr = 0.4` و `x0 = 2` است.",
    "```\nfor step in range(25):\n    x = x - 0.4 * 0.2 * x\n```",
], ids=["behtar", "behtarin", "miz", "miangin", "milion", "L1", "x0", "float64", "code-span", "code-block"])
def test_allowed_body_text_is_not_flagged(tmp_path: Path, text: str) -> None:
    folder = _valid_copy(tmp_path, A, LAST_LINE, f"{LAST_LINE}\n{text}\n")
    assert check(folder, run_labs=False).problems == []


def test_formula_in_quiz_explanation_is_not_flagged(tmp_path: Path) -> None:
    folder = _valid_copy(tmp_path, A, EXPLANATION, "explanation: ضریب 1 − 0.2·lr است، یعنی 0.92 = 1 − 0.08.")
    assert check(folder, run_labs=False).problems == []


@pytest.mark.parametrize(("file", "old", "new", "message"), [
    (A, LAST_LINE, f"{LAST_LINE}\nاین راه سادهتر است.\n", "«سادهتر»"),
    (A, LAST_LINE, f"{LAST_LINE}\nمیانگین کم میشود.\n", "«میشود»"),
    (A, LAST_LINE, f"{LAST_LINE}\nجریمهٔ L1 را 2 بار می‌بینیم.\n", "«2»"),
    (A, LAST_LINE, f"{LAST_LINE}\n```\nx = 1\n```\nدر 25 گام.\n", "«25»"),
    (A, EXPLANATION, "explanation: ضریب برابر 0.92 است.", "«0.92»"),
    (A, LAST_LINE, f"{LAST_LINE}\nیک سوال ساده.\n", "«سوال»"),
    (A, LAST_LINE, f"{LAST_LINE}\nگام کم‌تر می‌شود.\n", "«کم‌تر»"),
    (A, LAST_LINE, f"{LAST_LINE}\nبه z پیش‌فعال‌سازی می‌گویند.\n", "«پیش‌فعال‌سازی»"),
], ids=["sadetar", "mishavad", "latin-number", "latin-number-after-code-block", "number-in-explanation",
        "soal", "kamtar", "pre-activation"])
def test_near_misses_are_flagged_on_their_line(tmp_path: Path, file: str, old: str, new: str, message: str) -> None:
    folder = _valid_copy(tmp_path, file, old, new)
    [problem] = check(folder, run_labs=False).problems
    assert message in problem.message
    assert message.strip("«»") in _line(folder / file, problem.line)


# --- the command line -------------------------------------------------------------------

def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", "lessons", "check", *args],
                          cwd=ROOT, capture_output=True, text=True, encoding="utf-8", check=False)


def test_cli_json_for_a_broken_folder() -> None:
    folder = FIXTURES / "missing_zwnj_ha"
    result = _cli("--dir", str(folder), "--json", "--no-labs")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert set(report) == {"lessons", "quizzes", "interview", "problems"}
    assert (report["lessons"], report["quizzes"], report["interview"]) == (2, 2, 1)
    [problem] = report["problems"]
    assert set(problem) == {"file", "line", "message"}
    assert (problem["file"], problem["line"]) == (str(folder / B), 20)
    assert "«شبکهها»" in problem["message"]


def test_cli_json_for_the_valid_folder() -> None:
    result = _cli("--dir", str(VALID), "--json", "--no-labs")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"lessons": 2, "quizzes": 2, "interview": 1, "problems": []}


def test_cli_runs_the_labs_unless_told_not_to() -> None:
    folder = FIXTURES / "bad_lab"
    assert _cli("--dir", str(folder), "--json", "--no-labs").returncode == 0
    result = _cli("--dir", str(folder), "--json")
    assert result.returncode == 1, result.stderr
    [problem] = json.loads(result.stdout)["problems"]
    assert (problem["file"], problem["line"]) == (str(folder / A), 8)


def test_cli_plain_prints_file_line_message() -> None:
    folder = FIXTURES / "duplicate_order"
    result = _cli("--dir", str(folder), "--no-labs")
    assert result.returncode == 1, result.stderr
    *problems, summary = result.stdout.strip().split("\n")
    assert problems == [f"{folder / A}:3: order 1 is used by more than one lesson",
                        f"{folder / B}:3: order 1 is used by more than one lesson"]
    assert re.fullmatch(r"2 lessons, 2 quizzes, 1 interview questions, 2 problems", summary)


# --- Markdown to Telegram HTML ------------------------------------------------------------

@pytest.mark.parametrize(("markdown", "html"), [
    ("یک **نکتهٔ مهم** و **دو**", "یک <b>نکتهٔ مهم</b> و <b>دو</b>"),
    ("شرط `a < b && c > d` است", "شرط <code>a &lt; b &amp;&amp; c &gt; d</code> است"),
    ("`**x**` و **y**", "<code>**x**</code> و <b>y</b>"),
    ("**قاعدهٔ `σ'(z)` را ببینید**", "<b>قاعدهٔ <code>σ'(z)</code> را ببینید</b>"),
    ("فهرست:\n- اول\n  - دوم", "فهرست:\n• اول\n• دوم"),
    ("کد:\n```python\nif a < b & c:\n    **x** = 1\n```\nپایان", "کد:\n<pre>if a &lt; b &amp; c:\n    **x** = 1</pre>\nپایان"),
    ("<b>hi</b> & <a href='x'>link</a>", "&lt;b&gt;hi&lt;/b&gt; &amp; &lt;a href='x'&gt;link&lt;/a&gt;"),
    ("بند اول\n\n\n\nبند دوم\n", "بند اول\n\nبند دوم"),
])
def test_markup_to_html(markdown: str, html: str) -> None:
    assert to_html(markdown) == html


# --- the real course --------------------------------------------------------------------

def test_the_course_passes() -> None:
    report = check(lessons_dir(), run_labs=False)
    assert [str(p) for p in report.problems] == []
    assert report.lessons >= 40
    assert report.quizzes >= 60
    assert report.interview >= 15


# --- lab claims ---------------------------------------------------------------------------

LAB_LINE = "lab: /gd 0.1x^2 lr=0.4\n"


def _with_claims(tmp_path: Path, *claims: str, old: str = LAB_LINE) -> Path:
    block = "claims:\n" + "".join(f"  - '{claim}'\n" for claim in claims)
    return _valid_copy(tmp_path, A, old, f"{old}{block}" if old == LAB_LINE else block)


def test_true_claims_pass(tmp_path: Path) -> None:
    """Independently: x_k = 2·0.92^k, so f after 25 steps is 0.1·(2·0.92^25)² ≈ 6.2e-3."""
    expected = 0.1 * (2 * 0.92**25) ** 2
    folder = _with_claims(tmp_path, "decreasing(path[*][0])", f"final_value < {expected * 1.001}",
                          f"final_value > {expected * 0.999}")
    assert check(folder, run_labs=True).problems == []


def test_a_false_claim_names_lesson_claim_values_and_line(tmp_path: Path) -> None:
    folder = _with_claims(tmp_path, "decreasing(path[*][0])", "final_value < 0.001")
    [problem] = check(folder, run_labs=True).problems
    assert problem.path == folder / A
    assert "lesson 'gradient-descent': claim 2 «final_value < 0.001» is false" in problem.message
    assert "'/gd 0.1x^2 lr=0.4'" in problem.message and "0.006187" in problem.message
    assert "final_value < 0.001" in _line(folder / A, problem.line)


def test_a_claim_about_data_the_lab_lacks_is_reported(tmp_path: Path) -> None:
    folder = _with_claims(tmp_path, "runs[0].lr < 1")
    [problem] = check(folder, run_labs=True).problems
    assert "claim 1 «runs[0].lr < 1» cannot be checked" in problem.message
    assert "no «runs»" in problem.message


def test_malformed_claims_are_reported_without_running_labs(tmp_path: Path) -> None:
    folder = _with_claims(tmp_path, "final_value < 1", "final_value <")
    [problem] = check(folder, run_labs=False).problems
    assert "ends too early" in problem.message
    assert "final_value <" in _line(folder / A, problem.line)


def test_claims_need_a_lab(tmp_path: Path) -> None:
    folder = _with_claims(tmp_path, "final_value < 1", old=LAB_LINE)
    text = (folder / A).read_text(encoding="utf-8").replace(LAB_LINE, "")
    (folder / A).write_text(text, encoding="utf-8")
    [problem] = check(folder, run_labs=False).problems
    assert "'claims' describe the lab" in problem.message


def test_every_lab_of_the_course_states_claims() -> None:
    """A lab is there to show something: the course says what, so CI can check it."""
    from bot.curriculum.loader import load_all

    curriculum, _ = load_all(lessons_dir())
    assert [lesson.id for lesson in curriculum.lessons if lesson.lab and not lesson.claims] == []
