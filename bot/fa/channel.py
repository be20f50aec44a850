"""Persian wording of the channel teacher: the answer reveal and admin replies."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.curriculum.model import Quiz
from bot.fa.dates import when
from bot.fa.html import code, escape
from bot.fa.lessons import more_message
from bot.fa.numbers import fa_int, fa_number

NOT_ADMIN = "این دستور فقط برای مدیران کانال است 🙏"
NO_CHANNEL = "کانالی تنظیم نشده است (BOT_CHANNEL_ID)؛ برنامهٔ روزانه خاموش است."
SKIPPED = "⏭ پست بعدی ({kind}) رد شد."
NOTHING_TO_SKIP = "امروز پست زمان‌بندی‌شدهٔ دیگری نمانده است."
POSTED = "✅ فرستاده شد: {kind}"
POST_FAILED = ("⚠️ {kind} به کانال فرستاده نشد (تلگرام نپذیرفت). لازم نیست دوباره /post_now "
               "بفرستید: ربات خودش تا پایان امروز چند بار دیگر امتحان می‌کند و شماره‌اش "
               "همان می‌ماند. وضعیت پست‌ها: /status")
NOTHING_TO_REVEAL = "کوییزی منتظر پاسخش نیست؛ پاسخ هر کوییز خودکار در زمانش فرستاده می‌شود."
NOT_REPORTED = ("پست {key} منتظر تصمیم شما نیست (یا چنین پستی نیست). پست‌های منتظر در "
                "/status آمده‌اند.")
KEY_NEEDED = "کلید پست را بعد از دستور بنویسید، همان‌طور که در /status آمده: /{command} 2026-11-23:quiz"
RESENT = "✅ دوباره فرستاده شد."
RESEND_FAILED = ("⚠️ تلگرام باز هم نپذیرفت؛ ربات خودش با فاصله‌های بیشتر دوباره امتحان می‌کند. "
                 "وضعیت پست‌ها: /status")
MARKED_ARRIVED = ("✅ به‌عنوان رسیده علامت خورد. اگر کوییز بود، پاسخش در زمان خودش فرستاده می‌شود "
                  "(بدون بستن نظرسنجی، چون شمارهٔ پیامش معلوم نیست).")
NOBODY_ANSWERED = "(کسی به این کوییز پاسخ نداد)"
KIND_NAMES = {"lesson": "درس", "quiz": "کوییز", "reveal": "پاسخ کوییز",
              "group_quiz": "کوییز گروه", "group_reveal": "پاسخ کوییز گروه"}


def reveal_message(quiz: Quiz, number: int | None, votes: list[int], header: str = "") -> str:
    """The answer of a closed quiz, its explanation, and the share of each option (when
    the counts are known: a poll someone else closed first has none to give)."""
    title = f"کوییز شماره {fa_int(number)}" if number else "کوییز"
    lines = [header, ""] if header else []
    lines += [f"✅ <b>پاسخ {title}</b>: {escape(quiz.options[quiz.correct])}", ""]
    if votes and not sum(votes):
        lines += [NOBODY_ANSWERED, ""]
    elif votes:
        total = sum(votes)
        for index, option in enumerate(quiz.options):
            share = 100 * votes[index] / total if index < len(votes) else 0.0
            mark = "✅" if index == quiz.correct else "▫️"
            lines.append(f"{mark} {fa_number(share, 3)}٪ — {escape(option)}")
        lines += [f"({fa_int(total)} رأی)", ""]
    lines.append(f"💡 {escape(quiz.explanation)}")
    text = "\n".join(lines)
    if quiz.more:
        text += "\n\n" + more_message(quiz)
    return text


#: Why a post waits for an admin (stuck_report's ``why``).
STUCK_REASONS = {
    "unknown": "معلوم نیست به کانال رسیده یا نه (پاسخ تلگرام نیامد یا ربات وسط فرستادن متوقف شد). "
               "ربات خودش دوباره نمی‌فرستد تا پستی دوتا نشود",
    "failing": "تلگرام یک روز است این پست را نمی‌پذیرد",
    "broken": "درس یا کوییزِ این پست دیگر در پوشهٔ درس‌ها نیست یا پرونده‌اش خراب است؛ "
              "پرونده را درست کنید و ربات را دوباره راه بیندازید",
}


#: The stuck report's buttons (they run /resend KEY and /arrived KEY).
RESEND_BUTTON = "📤 نرسیده: دوباره بفرست"
ARRIVED_BUTTON = "✅ رسیده است"


def stuck_report(key: str, kind: str, why: str) -> str:
    """To each admin, once: a post that needs an admin; its two buttons settle it."""
    return (f"⚠️ <b>پست {escape(kind)}</b> ({code(key)}): {STUCK_REASONS[why]}. "
            "لطفاً در کانال نگاه کنید و یکی از دکمه‌های زیر را بزنید "
            "(اگر نرسیده «دوباره بفرست»، اگر رسیده «رسیده است»).")


def reported_section(keys: list[str]) -> str:
    """For /status: posts awaiting an admin's /resend or /arrived."""
    if not keys:
        return "<b>پست‌های منتظر تصمیم شما</b>: هیچ ✅"
    lines = [f"⚠️ <b>پست‌های منتظر تصمیم شما</b>: {fa_int(len(keys))} "
             "(در کانال نگاه کنید؛ نرسیده: /resend، رسیده: /arrived)"]
    lines += [f"• {code(f'/resend {key}')} یا {code(f'/arrived {key}')}" for key in keys]
    return "\n".join(lines)


def quarantine_section(count: int, newest: list[tuple[int, str, int, str, datetime]],
                       zone: ZoneInfo) -> str:
    """For /status: stored updates the bot gave up on (quarantined after repeated failures,
    so they no longer hold up the ones behind them); ``newest`` is (update id, kind,
    attempts, error, when), newest first."""
    if not count:
        return "<b>به‌روزرسانی‌های کنارگذاشته (quarantined)</b>: هیچ ✅"
    lines = [f"⚠️ <b>به‌روزرسانی‌های کنارگذاشته (quarantined)</b>: {fa_int(count)} "
             "(پس از چند بار خطا کنار گذاشته شدند؛ جزئیات در لاگ ربات)"]
    lines += [f"• {when(at, zone)} — {code(f'{update_id} {kind}')}، {fa_int(attempts)} بار: "
              f"{code(error.strip().splitlines()[-1][:80] if error.strip() else '—')}"
              for update_id, kind, attempts, error, at in newest]
    return "\n".join(lines)


def status_message(rows: list[tuple[str, datetime]], positions: dict[str, int], total: int,
                   recent: list[str], zone: ZoneInfo) -> str:
    upcoming = "\n".join(f"• {KIND_NAMES.get(kind, kind)}: {when(at, zone)}" for kind, at in rows)
    return (
        "🗓 <b>وضعیت برنامهٔ کانال</b>\n\n"
        f"<b>پست‌های بعدی</b>\n{upcoming or '—'}\n\n"
        f"<b>جای برنامه</b>: آخرین درس {fa_int(positions.get('channel_lesson', 0))} از {fa_int(total)}، "
        f"آخرین کوییز شمارهٔ {fa_int(positions.get('channel_quiz_number', 0))}\n\n"
        "<b>آخرین پست‌ها</b>\n" + ("\n".join(recent) if recent else "—")
    )


STATUS_NAMES = {
    "claimed": "در صف فرستادن", "sending": "در حال فرستادن (اگر ماند، در کانال نگاه کنید)",
    "sent": "فرستاده شد", "failed": "ناموفق؛ دوباره امتحان می‌شود", "skipped": "رد شد",
    "unknown": "معلوم نیست رسیده یا نه (پاسخ تلگرام نیامد)؛ در کانال نگاه کنید",
    "reported": "معلوم نیست رسیده یا نه؛ به مدیران گفته شد (/resend یا /arrived)",
    "waiting": "منتظر زمانش",
}


def recent_line(key: str, status: str, message_id: int | None) -> str:
    return (f"• {code(key)} — {escape(STATUS_NAMES.get(status, status))}"
            + (f" (پیام {code(str(message_id))})" if message_id else ""))


def faults_section(count: int, recent: list[tuple[datetime, str]], zone: ZoneInfo) -> str:
    """For /status: updates whose answer failed since the bot started (a reply Telegram
    did not take even after retries, or a broken handler); details are in the log."""
    if not count:
        return "<b>پاسخ‌های نافرستاده</b>: هیچ ✅"
    lines = [f"⚠️ <b>پاسخ‌های نافرستاده از زمان روشن شدن</b>: {fa_int(count)} "
             "(جزئیات در لاگ ربات)"]
    lines += [f"• {when(at, zone)} — {code(what)}" for at, what in reversed(recent)]
    return "\n".join(lines)
