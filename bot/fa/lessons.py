"""Lessons, quizzes and interview questions as Telegram messages."""

from __future__ import annotations

from bot.curriculum.markup import to_html
from bot.curriculum.model import Interview, Lesson, Quiz
from bot.fa.html import escape
from bot.fa.numbers import fa_int

QUIZ_PREFIX = "❓کوییز شماره {number}: "
INTERVIEW = "💡 سؤال مصاحبه"


def lesson_message(lesson: Lesson, total: int, header: str = "", *,
                   hashtags: bool = True) -> str:
    """The lesson as one HTML message: heading, body and the channel's hashtags (which
    mean nothing in a private chat: ``hashtags=False`` there). Its lab is a button under
    it (``commands.lesson.lab_keyboard``), not a command to copy."""
    parts = [header] if header else []
    parts.append(f"📘 <b>درس {fa_int(lesson.order)} از {fa_int(total)}: {escape(lesson.title)}</b>")
    parts.append(to_html(lesson.body))
    if hashtags:
        parts.append(" ".join(lesson.hashtags))
    return "\n\n".join(parts)


def quiz_question(quiz: Quiz, number: int | None = None) -> str:
    """A poll question, numbered the way the channel numbers its quizzes."""
    prefix = QUIZ_PREFIX.format(number=fa_int(number)) if number is not None else "❓ "
    return prefix + quiz.question


#: Under an interview question whose model answer is still hidden.
THINK_FIRST = "🤔 اول خودتان جواب بدهید (بلند یا روی کاغذ)، بعد پاسخ نمونه را ببینید."
SHOW_ANSWER = "👀 پاسخ نمونه"
ANOTHER_QUESTION = "🔀 سؤال دیگر"
RELATED_LESSON = "📘 درس مرتبط"


def interview_message(lesson: Lesson, interview: Interview, header: str = "", *,
                      hashtags: bool = True, answer: bool = True) -> str:
    """«💡 سؤال مصاحبه»: the question, and the model answer folded (tap to open); with
    ``answer=False`` the answer waits behind a button, so the learner thinks first."""
    parts = [header] if header else []
    parts.append(f"{INTERVIEW}: <b>{escape(interview.question)}</b>")
    if answer:
        parts.append(f"<blockquote expandable>{to_html(interview.answer)}</blockquote>")
    else:
        parts.append(THINK_FIRST)
    parts.append(f"{RELATED_LESSON}: {escape(lesson.title)}")  # its button opens it
    if hashtags:
        parts.append(" ".join(lesson.hashtags))
    return "\n\n".join(parts)


def more_message(quiz: Quiz) -> str:
    """The longer explanation of a quiz, sent after it (when the lesson has one)."""
    return f"📝 <b>توضیح بیشتر</b>\n{to_html(quiz.more)}"


def more_spoiler(quiz: Quiz) -> str:
    """The longer explanation posted under a group's quiz, hidden until tapped (a group
    answer gets no private follow-up, and the others have not answered yet)."""
    return (f"📝 <b>توضیح بیشتر</b> (بعد از جواب دادن، روی متن بزنید تا باز شود)\n"
            f"<tg-spoiler>{to_html(quiz.more)}</tg-spoiler>")


#: A lesson's summary (a group, an inline card) keeps its first paragraph up to this.
SUMMARY_CHARS = 320
READ_IN_PRIVATE = "📖 خواندن کل درس در گفت‌وگوی خصوصی"


def lesson_opening(lesson: Lesson, limit: int = SUMMARY_CHARS) -> str:
    """The lesson's first paragraph as plain Markdown, cut after a whole sentence (or a
    word, with «…») when longer than ``limit`` characters."""
    paragraph = lesson.body.strip().split("\n\n", 1)[0].strip()
    if len(paragraph) <= limit:
        return paragraph
    head = paragraph[:limit]
    end = max(head.rfind(". "), head.rfind("؟ "), head.rfind("! "))
    if end > limit // 3 and _balanced(head[:end + 1]):
        return head[:end + 1]
    cut = head[:head.rfind(" ")]
    while not _balanced(cut):  # never end inside a code span or a bold run
        cut = cut[:max(cut.rfind("`"), cut.rfind("**"))].rstrip()
    return cut.rstrip("،,؛") + " …"


def _balanced(markdown: str) -> bool:
    return markdown.count("`") % 2 == 0 and markdown.count("**") % 2 == 0


def lesson_summary(lesson: Lesson, total: int, *, hashtags: bool = False) -> str:
    """The lesson in a few lines (a group, an inline card): heading and the opening of its
    first paragraph (and in a group the channel's hashtags); the whole lesson and its lab
    are buttons."""
    parts = [f"📘 <b>درس {fa_int(lesson.order)} از {fa_int(total)}: {escape(lesson.title)}</b>",
             to_html(lesson_opening(lesson))]
    if hashtags:
        parts.append(" ".join(lesson.hashtags))
    return "\n\n".join(parts)
