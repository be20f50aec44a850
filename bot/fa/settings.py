"""Persian wording of /settings, the one-time reminder offer, /stop, /privacy and /forget."""

from __future__ import annotations

from datetime import datetime

from bot.fa.dates import when
from bot.fa.numbers import fa_int
from bot.reminders import Preferences

TITLE = "⚙️ <b>تنظیمات تمرین</b>"
REMINDER_ON = "🔔 یادآوری روزانه: روشن"
REMINDER_OFF = "🔕 یادآوری روزانه: خاموش"
CHOOSE_HOUR = "ساعت یادآوری را انتخاب کنید (به وقت {zone}):"
CHOOSE_QUIET = "ساعت‌های سکوت را انتخاب کنید؛ در این ساعت‌ها هیچ پیامی از ربات نمی‌آید:"
CHOOSE_LENGTH = "هر جلسهٔ /quiz چند سؤال داشته باشد؟"
CHOOSE_TIMER = "هر سؤال چقدر باز بماند؟"
CHOOSE_ZONE = "منطقهٔ زمانی شما کجاست؟ ساعت یادآوری و ساعت‌های سکوت به وقت همان‌جاست."
CHOOSE_RETENTION = ("سؤال‌ها وقتی برای مرور برمی‌گردند که احتمال به یاد آوردنشان به این عدد برسد. "
                    "عدد بالاتر یعنی مرورهای بیشتر و حافظهٔ محکم‌تر.")
BACK = "↩️ بازگشت"
OFFER_YES = "🔔 بله، هر روز ساعت {hour}"
OFFER_NO = "نه، ممنون"
OFFER_DECLINED = "باشد؛ یادآوری خاموش می‌ماند. هر وقت خواستید: /settings"
STOPPED = ("🔕 همهٔ یادآوری‌ها خاموش شد و ربات دیگر پیش از شما پیامی نمی‌فرستد.\n"
           "برای روشن کردن دوباره: /settings")
PRIVATE_ONLY = ("🔒 تنظیمات و داده‌های هر کس مال خود اوست: این دستور را در گفت‌وگوی خصوصی با "
                "ربات بفرستید.")
FORGET_YES = "🗑 بله، همه را پاک کن"
FORGET_NO = "نه، منصرف شدم"
FORGET_KEPT = "چیزی پاک نشد."
FORGOTTEN = ("🗑 همهٔ داده‌های شما پاک شد: پاسخ‌ها، کارت‌های مرور، تنظیمات و یادآوری، "
             "درس‌های خوانده‌شده و ردیف‌های جدول امتیاز گروه‌ها.\n"
             "اگر دوباره پیامی بفرستید، از صفر شروع می‌کنید.")
ZONE_NAMES = {"Asia/Tehran": "تهران", "Asia/Kabul": "کابل", "Asia/Dushanbe": "دوشنبه",
              "Europe/Istanbul": "استانبول", "Europe/Berlin": "برلین", "Europe/London": "لندن",
              "America/Toronto": "تورنتو", "America/Los_Angeles": "لس‌آنجلس"}


def hour_label(hour: int) -> str:
    return f"{fa_int(hour).rjust(2, '۰')}:۰۰"


def quiet_label(quiet_from: int, quiet_to: int) -> str:
    if quiet_from == quiet_to:
        return "بدون ساعت سکوت"
    return f"{hour_label(quiet_from)} تا {hour_label(quiet_to)}"


def timer_label(seconds: int) -> str:
    return "بدون زمان" if seconds == 0 else f"{fa_int(seconds)} ثانیه"


def retention_label(retention: float) -> str:
    return f"{fa_int(round(100 * retention))}٪"


def length_label(length: int) -> str:
    return f"{fa_int(length)} سؤال"


def zone_name(zone: str) -> str:
    return ZONE_NAMES.get(zone, zone)


def settings_text(prefs: Preferences, next_reminder: datetime | None) -> str:
    """The settings as they are, and when the next reminder would come (Jalali date)."""
    state = "روشن" if prefs.reminder else "خاموش"
    lines = [
        TITLE,
        "",
        f"🔔 یادآوری روزانه: <b>{state}</b>",
        f"⏰ ساعت یادآوری: {hour_label(prefs.hour)} به وقت {zone_name(prefs.zone)}",
        f"🌙 ساعت‌های سکوت: {quiet_label(prefs.quiet_from, prefs.quiet_to)}",
        f"📝 طول هر جلسه: {length_label(prefs.length)}",
        f"⏱ زمان هر سؤال: {timer_label(prefs.timer)}",
        f"🎯 یادسپاری هدف (desired retention): {retention_label(prefs.retention)}",
    ]
    if prefs.reminder and next_reminder is not None:
        lines += ["", f"یادآوری بعدی (اگر مروری داشته باشید یا پیوستگی‌تان در خطر باشد): "
                      f"{when(next_reminder, prefs.tz)}"]
    elif prefs.reminder:
        lines += ["", "⚠️ ساعت یادآوری در ساعت‌های سکوت است، پس یادآوری‌ای نمی‌آید."]
    lines += ["", "یادآوری فقط روزهایی می‌آید که سؤالی برای مرور دارید یا پیوستگی‌تان "
                  "می‌شکند، و هرگز بیش از یک بار در روز. خاموش کردن همه: /stop"]
    return "\n".join(lines)


def offer(hour: int, zone: str) -> str:
    return ("🔔 می‌خواهید هر روز یادتان بیندازم؟\n"
            f"فقط روزهایی که سؤالی برای مرور دارید یا پیوستگی‌تان می‌شکند، ساعت {hour_label(hour)} "
            f"به وقت {zone_name(zone)}، حداکثر یک پیام در روز. ساعت و ساعت‌های سکوت را در "
            "/settings عوض کنید.")


def reminder_set(hour: int) -> str:
    return (f"🔔 یادآوری روشن شد: ساعت {hour_label(hour)}، فقط روزهایی که لازم است. "
            "تنظیمات: /settings · خاموش کردن: /stop")


PRIVACY = """🔒 <b>چه چیزی از شما نگه می‌داریم و چرا</b>

• <b>شناسه و نام کوچک تلگرام شما</b>: تا شما را بشناسیم و نامتان در جدول امتیاز گروه‌هایی که در آن‌ها کوییز جواب می‌دهید دیده شود.
• <b>پاسخ‌های شما به کوییزها</b> (کدام سؤال، کدام گزینه، درست یا غلط، چه زمانی): برای آمار (/stats)، پیوستگی روزانه و جدول امتیاز.
• <b>کارت‌های مرور</b> (برای هر سؤال: پایداری و دشواری حافظه و زمان مرور بعدی، به روش FSRS): تا هر سؤال درست وقتی برگردد که در آستانهٔ فراموشی است.
• <b>جای شما در دوره و درس‌های خوانده‌شده</b>: برای «درس بعدی» و فهرست درس‌ها.
• <b>تنظیمات و رضایت یادآوری</b> (ساعت، منطقهٔ زمانی، ساعت‌های سکوت، طول جلسه، زمان هر سؤال) و روزهایی که یادآوری فرستاده شد: تا بیش از یک بار در روز پیام ندهیم.

<b>تا کی؟</b> تا وقتی خودتان پاکشان کنید. چیزی به کسی فروخته یا داده نمی‌شود. متن پیام‌هایتان جزو این داده‌ها نیست: فقط تا وقتی پاسخشان داده شود در صف ربات می‌ماند.

• خاموش کردن همهٔ یادآوری‌ها: /stop
• پاک کردن همه‌چیز دربارهٔ شما، یک‌جا و برای همیشه: /forget"""

FORGET_CONFIRM = """⚠️ <b>همه‌چیز دربارهٔ شما پاک شود؟</b>

پاسخ‌ها، کارت‌های مرور، آمار و پیوستگی، درس‌های خوانده‌شده، تنظیمات و رضایت یادآوری، و ردیف‌های شما در جدول امتیاز گروه‌ها. این کار برگشت ندارد."""
