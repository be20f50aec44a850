"""Persian texts of inline mode (``@bot …`` typed in any chat)."""

from __future__ import annotations

from bot.fa.html import code, escape, plain_text
from bot.fa.numbers import fa_int

OPEN_BOT = "🤖 باز کردن ربات"
RUN_IN_BOT = "🧪 ساختن این آزمایش در ربات"
TRY_IT_YOURSELF = "🧪 خودتان امتحان کنید"
LESSONS_IN_BOT = "📚 همهٔ درس‌ها در ربات"
INTERVIEW_IN_BOT = "💡 سؤال‌های مصاحبه در ربات"


def lesson_title(order: int, title: str) -> str:
    return f"📘 درس {fa_int(order)}: {title}"


def interview_title(question: str) -> str:
    return f"💡 {question}"


def interview_description(order: int, title: str) -> str:
    return f"سؤال مصاحبه — درس {fa_int(order)}: {title}"


def lab_title(command: str) -> str:
    return f"🧪 {command}"


LAB_WITH_PICTURE = "تصویر این آزمایش را بفرستید"
LAB_WITHOUT_PICTURE = "تصویرش هنوز ساخته نشده: ربات آن را در گفت‌وگوی خصوصی می‌سازد"


def lab_invitation(command: str, summary: str) -> str:
    """A lab sent without its picture (Telegram has none of it yet): what it is and a
    button that runs it in the bot's private chat."""
    return (f"🧪 <b>{escape(summary)}</b>\n{code(command)}\n\n"
            "برای دیدن نمودار و تحلیلش دکمهٔ زیر را بزنید؛ ربات آن را در گفت‌وگوی خصوصی "
            "برایتان می‌سازد.")


def description(markup: str, limit: int = 90) -> str:
    """A card's second line: plain text on one line, cut at a word."""
    text = " ".join(plain_text(markup).split())
    if len(text) <= limit:
        return text
    return text[:text.rfind(" ", 0, limit)] + " …"
