"""Persian wording of quiz sessions: the numbered question, the score card, the group's
session, and what the reminder says."""

from __future__ import annotations

from collections.abc import Sequence

from bot.curriculum.model import Lesson, Quiz
from bot.fa.errors import with_example
from bot.fa.html import code, escape
from bot.fa.numbers import fa_int
from bot.fa.practice import Standing
from bot.sessions import ScoreCard

REPEAT_WRONG = "🔁 تکرار غلط‌ها"
NEXT_SESSION = "▶️ جلسهٔ بعدی"
START_SESSION = "🧠 شروع تمرین امروز"
GROUP_RESULT = "🏁 نتیجهٔ جلسه"
SESSION_RUNNING = "یک جلسهٔ کوییز در این گروه در جریان است؛ دکمهٔ «سؤال بعدی» زیر آخرین سؤال را بزنید."
def bad_length(text: str, most: int) -> str:
    """``/quiz`` with something other than a number of questions after it."""
    shown = text if len(text) <= 20 else text[:20] + "…"
    return with_example(f"بعد از /quiz تعداد سؤال‌ها می‌آید: عددی از ۱ تا {fa_int(most)}، "
                        f"نه {code(shown)}.", "/quiz 5")


SESSION_OVER = "این جلسه تمام شده است؛ برای جلسهٔ تازه /quiz را بفرستید."
NO_WRONG = "🎯 در این جلسه غلطی نداشتید!"
BUTTONS_CHANGED = "✏️ (دکمه‌های همان پیام عوض شد)"
ALREADY_ASKED = "این سؤال پرسیده شده است؛ دکمهٔ زیر آخرین سؤال را بزنید."


def session_intro(count: int, reviews: int, *, repeat: bool = False) -> str:
    """The line before a session's first poll."""
    if repeat:
        return f"🔁 <b>تکرار</b>: {fa_int(count)} سؤال، همان‌هایی که درست جواب ندادید."
    if reviews == count:
        what = "همه مرور"
    elif reviews:
        what = f"{fa_int(reviews)} مرور، {fa_int(count - reviews)} تازه"
    else:
        what = "همه تازه"
    return (f"🧠 <b>جلسهٔ تمرین</b>: {fa_int(count)} سؤال ({what}). "
            "هر جوابی بدهید، سؤال بعدی همان لحظه می‌آید.")


def poll_verdict(correct: bool, right: str, explanation: str) -> str:
    """What a quiz poll shows once answered (the offline door prints it)."""
    head = "✅ درست است." if correct else f"❌ نادرست. جواب درست: <b>{escape(right)}</b>"
    return f"{head}\n💡 {escape(explanation)}"


def time_up(quiz: Quiz) -> str:
    return f"⌛ وقت این سؤال تمام شد. جواب درست: <b>{escape(quiz.options[quiz.correct])}</b>"


def numbered(position: int, total: int, question: str) -> str:
    """A session's poll question: «❓ سؤال ۳ از ۱۰: …»."""
    return f"❓ سؤال {fa_int(position)} از {fa_int(total)}: {question}"


def group_next(position: int, total: int) -> str:
    return f"⏭ سؤال بعدی ({fa_int(position)} از {fa_int(total)})"


def cooldown(seconds: int) -> str:
    return f"⏳ {fa_int(seconds)} ثانیهٔ دیگر تا سؤال بعدی؛ فرصت جواب دادن به همه برسد."


def duration(seconds: float) -> str:
    """«۳ دقیقه و ۵ ثانیه», «۴۰ ثانیه»."""
    whole = max(0, round(seconds))
    minutes, rest = divmod(whole, 60)
    if minutes and rest:
        return f"{fa_int(minutes)} دقیقه و {fa_int(rest)} ثانیه"
    if minutes:
        return f"{fa_int(minutes)} دقیقه"
    return f"{fa_int(rest)} ثانیه"


def _reread(lessons: tuple[Lesson, ...]) -> str:
    rows = [f"• درس {fa_int(lesson.order)}: {escape(lesson.title)}" for lesson in lessons]
    return "📘 <b>برای مرور بخوانید</b> (دکمه‌های زیر):\n" + "\n".join(rows)


def score_card(card: ScoreCard) -> str:
    """The end of a private session: score, time, what to reread, the streak."""
    parts = [
        "🏁 <b>پایان جلسه</b>",
        (f"✅ درست: {fa_int(card.correct)} از {fa_int(card.asked)}\n"
         f"⏱ زمان: {duration(card.seconds)}"),
    ]
    if card.reread:
        parts.append(_reread(card.reread))
    elif card.asked:
        parts.append(NO_WRONG)
    if card.streak > 0:
        parts.append(f"🔥 پیوستگی (streak): {fa_int(card.streak)} روز پشت سر هم")
    return "\n\n".join(parts)


def group_score_card(asked: int, standings: Sequence[Standing]) -> str:
    """The end of a group's session: who got how many of its questions right."""
    lines = [f"🏁 <b>پایان جلسهٔ کوییز گروه</b> ({fa_int(asked)} سؤال)"]
    if not standings:
        lines.append("کسی به سؤال‌های این جلسه جواب نداد.")
    medals = ["🥇", "🥈", "🥉"]
    for rank, row in enumerate(standings):
        mark = medals[rank] if rank < len(medals) else f"{fa_int(rank + 1)}."
        name = escape(row.name) or f"کاربر {fa_int(row.user_id)}"
        lines.append(f"{mark} {name}: {fa_int(row.correct)} درست از {fa_int(row.answered)}")
    lines.append("\nجدول امتیازهای هفته و همیشه: /top")
    return "\n".join(lines)


def reminder(reviews_due: int, streak_at_risk: int) -> str:
    """The daily reminder: why today, and one button to start."""
    lines = ["⏰ <b>وقت تمرین روزانه</b>"]
    if reviews_due:
        lines.append(f"🔁 {fa_int(reviews_due)} سؤال امروز برای مرور آماده است؛ "
                     "حافظه همین حالا بهترین زمان یادآوری را دارد.")
    if streak_at_risk:
        lines.append(f"🔥 پیوستگی {fa_int(streak_at_risk)} روزه‌تان امشب می‌شکند، "
                     "مگر این‌که امروز هم تمرین کنید.")
    lines.append("برای خاموش کردن یادآوری: /stop")
    return "\n".join(lines)
