"""Persian wording of practice: /stats, /top, and the lesson table of contents."""

from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.curriculum.model import Lesson
from bot.fa.dates import when
from bot.fa.html import code, escape
from bot.fa.numbers import fa_int, fa_number
from bot.practice import Stats


class Standing(Protocol):
    """A leaderboard row as storage returns it; wording needs only these fields."""

    @property
    def user_id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def correct(self) -> int: ...
    @property
    def answered(self) -> int: ...


TOPIC_NAMES = {
    "basics": "مبانی شبکهٔ عصبی",
    "activations": "توابع فعال‌سازی",
    "loss": "توابع زیان",
    "calculus": "مشتق و گرادیان",
    "gradient-descent": "گرادیان کاهشی",
    "backprop": "پس‌انتشار",
    "optimizers": "بهینه‌سازها",
    "training": "آموزش شبکه‌های عمیق",
    "regularization": "منظم‌سازی",
    "tuning": "تنظیم و آزمایش",
    "architectures": "معماری‌ها",
}

#: Course navigation reads right to left: «قبلی» on the right pointing right, «بعدی» on
#: the left pointing left (a keyboard row is listed left to right: «بعدی» comes first).
NEXT_LESSON = "◀️ درس بعدی"
PREVIOUS_LESSON = "درس قبلی ▶️"
NEXT_PAGE = "◀️ صفحهٔ بعد"
PREVIOUS_PAGE = "صفحهٔ قبل ▶️"
LESSON_QUIZ = "🧠 کوییز این درس"
LESSON_LAB = "🧪 اجرا: {command}"
NO_LAB = "این درس آزمایشگاهی ندارد."
NO_GROUP_TOP = "جدول امتیازها مخصوص گروه‌هاست؛ برای آمار خودتان /stats را بفرستید."
NO_ANSWERS = "هنوز به هیچ کوییزی جواب نداده‌اید. با /quiz شروع کنید! 🧠"
LESSON_READ = "✅ خواندم"
LESSON_WAS_READ = "✅ خوانده شد"
MARKED_READ = "✅ ثبت شد: این درس را خوانده‌اید."
NO_LESSONS = "هنوز درسی در پوشهٔ lessons نیست."
RELATED_LESSONS = "درس‌های مرتبط دیگر:"


def lesson_button(order: int, title: str) -> str:
    """A button that opens a lesson to read (at most about 40 characters on a phone)."""
    label = f"📘 درس {fa_int(order)}: {title}"
    return label if len(label) <= 40 else label[:39] + "…"


def all_done(next_review: datetime | None, zone: ZoneInfo) -> str:
    text = "🎉 به همهٔ سؤال‌ها جواب داده‌اید و فعلاً مروری ندارید."
    if next_review is not None:
        text += f"\nمرور بعدی: {when(next_review, zone)}"
    return text


def stats_text(name: str, stats: Stats) -> str:
    if stats.answered == 0:
        return NO_ANSWERS
    lines = [
        f"📊 <b>آمار {escape(name) or 'شما'}</b>",
        (f"پاسخ‌ها: {fa_int(stats.answered)} · درست: {fa_int(stats.correct)} · "
         f"دقت: {fa_number(100 * stats.accuracy, 3)}٪"),
        f"🔥 پیوستگی (streak): {fa_int(stats.current_streak)} روز · بهترین: {fa_int(stats.best_streak)} روز",
        f"🔁 مرورهای امروز: {fa_int(stats.due_today)}",
    ]
    if stats.retention is not None:
        lines.append(f"🧠 یادسپاری تخمینی (retention): {fa_number(100 * stats.retention, 2)}٪ "
                     "از سؤال‌هایی که جواب داده‌اید را الان به یاد دارید (به برآورد FSRS)")
    lines.append(f"📘 درس‌های خوانده‌شده: {fa_int(stats.lessons_read)} از {fa_int(stats.lessons)}")
    if stats.weakest:
        lines.append("\n<b>موضوع‌هایی که بیشتر تمرین می‌خواهند:</b>")
        for score in stats.weakest:
            read = f" — 📘 درس {fa_int(score.lesson.order)}" if score.lesson else ""
            lines.append(
                f"• {TOPIC_NAMES.get(score.topic, score.topic)}: "
                f"{fa_int(score.correct)} از {fa_int(score.answered)}{read}"
            )
    return "\n".join(lines)


def _table(standings: Sequence[Standing]) -> str:
    if not standings:
        return "هنوز کسی جواب نداده است."
    medals = ["🥇", "🥈", "🥉"]
    rows = []
    for rank, row in enumerate(standings):
        mark = medals[rank] if rank < len(medals) else f"{fa_int(rank + 1)}."
        name = escape(row.name) or f"کاربر {fa_int(row.user_id)}"
        rows.append(f"{mark} {name}: {fa_int(row.correct)} درست از {fa_int(row.answered)}")
    return "\n".join(rows)


def top_text(week: Sequence[Standing], all_time: Sequence[Standing]) -> str:
    return (
        "🏆 <b>جدول امتیازهای این گروه</b>\n\n"
        f"<b>این هفته</b>\n{_table(week)}\n\n"
        f"<b>از ابتدا</b>\n{_table(all_time)}"
    )


def toc_row(lesson: Lesson, read: bool) -> str:
    """A lesson in the table of contents, ✅ when the learner marked it read."""
    return f"{'✅ ' if read else ''}{fa_int(lesson.order)}. {lesson.title}"


def toc_text(lessons: list[Lesson], page: int, pages: int, total: int, read: AbstractSet[str],
             read_count: int) -> str:
    rows = [escape(toc_row(lesson, lesson.id in read)) for lesson in lessons]
    progress = f"\n✅ خوانده‌شده: {fa_int(read_count)} از {fa_int(total)}" if read_count else ""
    return (
        f"📚 <b>فهرست درس‌ها</b> (صفحهٔ {fa_int(page)} از {fa_int(pages)}، {fa_int(total)} درس)"
        f"{progress}\n\n"
        + "\n".join(rows)
        + "\n\nبرای خواندن روی درس بزنید."
    )


def lesson_not_found(query: str) -> str:
    return (
        f"⚠️ درسی با «{escape(query)}» پیدا نکردم.\n"
        f"مثال درست: {code('/lesson 17')} یا {code('/lesson آدام')} یا {code('/lesson adam')} — "
        "فهرست همهٔ درس‌ها: /lessons"
    )


def lesson_out_of_range(number: int, total: int) -> str:
    return lesson_out_of_range_text(fa_int(number), total)


def lesson_out_of_range_text(number: str, total: int) -> str:
    return (
        f"⚠️ درس شمارهٔ {escape(number)} نداریم؛ درس‌ها از ۱ تا {fa_int(total)} هستند.\n"
        f"مثال درست: {code('/lesson 1')}"
    )


COURSE_FINISHED = "🎓 همهٔ درس‌ها را خوانده‌اید! دوباره از درس اول:"


def no_interview_about(word: str) -> str:
    return (
        f"⚠️ سؤال مصاحبه‌ای دربارهٔ {escape(word)} پیدا نکردم.\n"
        f"مثال درست: {code('/interview adam')} یا {code('/interview 27')}"
    )


def no_interview(number: str, orders: str) -> str:
    """``number`` as the learner typed it (Persian digits when it is a number)."""
    return (
        f"⚠️ درس {escape(number)} سؤال مصاحبه ندارد. درس‌هایی که دارند: {orders}\n"
        f"مثال درست: {code('/interview 27')}"
    )
