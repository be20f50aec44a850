"""Persian texts of /start and /help, and answers to what is not a command."""

from __future__ import annotations

import difflib

from bot.fa.html import code, escape
from bot.fa.numbers import fa_int

Menu = list[tuple[str, str, str]]  # (name, summary, example)


#: The few doors a newcomer needs (example, what it does), each a button under /start
#: (its label the emoji and the command, so the line and its button pair up);
#: /help lists everything.
FIRST_STEPS = (
    ("/gd 0.1x^2 lr=0.4 steps=25", "🧪 گرادیان کاهشی روی تابع شما، با نمودار و تحلیل"),
    ("/lesson", "📘 درس بعدی دوره، از «شبکهٔ عصبی چیست؟» تا Adam و attention"),
    ("/quiz", "🎯 یک کوییز؛ اشتباه‌ها بعداً برای مرور برمی‌گردند"),
    ("/backprop", "🔗 پس‌انتشار گام‌به‌گام با عددهای دقیق"),
)


def first_step_label(example: str, what: str) -> str:
    """A first step's button: its line's emoji and the command it runs."""
    return f"{what.split(maxsplit=1)[0]} {example}"


def start(user_name: str) -> str:
    """The greeting; the first steps are described here and run by the buttons below it
    (a command to copy beside a button that runs it would say the same thing twice)."""
    greeting = f"سلام {escape(user_name)}! 👋" if user_name else "سلام! 👋"
    steps = "\n".join(f"• {what}" for _, what in FIRST_STEPS)
    return (
        f"{greeting}\n"
        "من دستیار آموزش یادگیری عمیق (deep learning) هستم. به‌جای عکس‌های ثابت، "
        "خودتان با مفاهیم بازی می‌کنید: تابع دلخواهتان را بدهید تا گرادیان کاهشی "
        "(gradient descent) را رویش اجرا کنم، نمودارش را بکشم و بگویم چه اتفاقی افتاد.\n\n"
        f"چند شروع خوب (دکمه‌های زیر):\n{steps}\n\n"
        "همهٔ دستورها با مثال: /help"
    )


#: /help's groups, in order: (heading, command names); commands in no group come last.
SECTIONS = (
    ("🧪 <b>آزمایشگاه‌ها</b>", ("gd", "opt", "lr", "backprop", "act", "batch", "scale", "fit")),
    ("📖 <b>دوره</b>", ("lesson", "lessons", "interview")),
    ("🎯 <b>تمرین</b>", ("quiz", "stats", "top")),
)
#: Examples under /help's buttons: each works well at the default settings (a first try
#: that converges, not an oscillation boundary or a divergence).
HELP_EXAMPLES = ("/gd x^4-3x^2+x", "/gd x^2+3y^2 x0=2,1", "/opt rosenbrock", "/lesson 1", "/quiz")


def _grouped(menu: Menu) -> str:
    by_name = {name: summary for name, summary, _ in menu}
    blocks: list[str] = []
    seen: set[str] = set()
    for heading, names in SECTIONS:
        lines = [f"/{n} — {escape(by_name[n])}" for n in names if n in by_name]
        seen.update(names)
        if lines:
            blocks.append(heading + "\n" + "\n".join(lines))
    rest = [f"/{n} — {escape(s)}" for n, s, _ in menu if n not in seen]
    if rest:
        blocks.append("⚙️ <b>سایر</b>\n" + "\n".join(rest))
    return "\n".join(blocks)  # the headings part the groups; a phone screen is short


def help_text(menu: Menu) -> str:
    """One phone screen: the commands in three groups; examples to try are buttons."""
    return (
        "📚 <b>راهنما</b> — عددها را فارسی یا انگلیسی بنویسید (۰٫۴ یا 0.4).\n\n"
        f"{_grouped(menu)}\n\n"
        "<b>نوشتن تابع</b>: "
        f"{code('0.1x^2')}، {code('x^4-3x^2+x')}، {code('sin(x)+0.1x^2')}، "
        f"{code('x^2+3y^2')}؛ برای تابع رزنبراک {code('/opt rosenbrock')}\n"
        "توابع: sin، cos، tan، exp، log، sqrt، abs، tanh، sigmoid؛ توان با ^ یا **.\n"
        f"<b>گزینه‌های /gd</b>: {code('x0=2')} یا {code('x0=2,1')} (نقطهٔ شروع)، "
        f"{code('lr=0.1')} (نرخ یادگیری)، {code('steps=25')} (تعداد گام، حداکثر ۵۰۰)، "
        f"{code('anim')} (انیمیشن)."
    )


def unknown_command(name: str, menu: Menu) -> str:
    """Short: the closest command, if one is close, and the way to the full list."""
    close = difflib.get_close_matches(name.lower(), [command for command, _, _ in menu], n=1)
    guess = f" منظورتان /{close[0]} بود؟" if close else ""
    return f"دستور {code('/' + name)} را نمی‌شناسم 🤔{guess}\nفهرست دستورها با مثال: /help"


def too_long(limit: int) -> str:
    return (f"⚠️ پیامتان خیلی طولانی است (بیش از {fa_int(limit)} نویسه)؛ هیچ دستوری این‌قدر "
            "طولانی نمی‌شود. دستور را کوتاه‌تر بفرستید. فهرست دستورها: /help")


def not_a_command(suggestion: str = "") -> str:
    """Plain text: say how to talk to the bot; if it was a function, offer /gd on it."""
    if suggestion:
        return (f"این شبیه یک تابع است! برای دیدن گرادیان کاهشی رویش بفرستید: {code(suggestion)}\n"
                "فهرست دستورها: /help")
    return (
        "من با دستورها کار می‌کنم؛ هر دستور با / شروع می‌شود. "
        f"مثلاً برای دیدن گرادیان کاهشی بفرستید: {code('/gd 0.1x^2 lr=0.4')}\n"
        "فهرست دستورها: /help"
    )


#: The bot's profile, shown before the first /start (setMyDescription, ≤ 512 characters)
#: and on its page and in shared links (setMyShortDescription, ≤ 120 characters).
DESCRIPTION = (
    "دستیار آموزش یادگیری عمیق (deep learning) به فارسی.\n"
    "🧪 آزمایشگاه: تابع خودتان را بدهید تا گرادیان کاهشی را رویش اجرا کنم، نمودارش را "
    "بکشم و بگویم چه شد؛ بهینه‌سازها، نرخ یادگیری، پس‌انتشار و بیش‌برازش هم هست.\n"
    "📖 دوره: درس‌های کوتاه از «شبکهٔ عصبی چیست؟» تا Adam و attention.\n"
    "🎯 تمرین: کوییز با مرور اشتباه‌ها، آمار و جدول امتیاز گروه.\n"
    "برای شروع «Start» را بزنید."
)
SHORT_DESCRIPTION = "یادگیری عمیق به فارسی: آزمایشگاه گرادیان کاهشی، درس روزانه و کوییز."

SHARE = "📤 ارسال برای دوستان"
CONTINUE_IN_PRIVATE = "📩 ادامه در گفت‌وگوی خصوصی"
LINK_EXPIRED = ("⌛️ این پیوند دیگر معتبر نیست (ربات از آن زمان دوباره راه افتاده است). "
                "دستور را همین‌جا دوباره بفرستید. فهرست دستورها: /help")


def in_private(name: str, summary: str, user_name: str) -> str:
    """A long answer asked for in a group: what it is, and where it continues."""
    who = f"{escape(user_name)}، " if user_name else ""
    return (f"{who}پاسخ /{name} ({escape(summary)}) طولانی است؛ برای اینکه گروه شلوغ نشود "
            "آن را در گفت‌وگوی خصوصی می‌فرستم. دکمهٔ زیر را بزنید.")


GROUP_WELCOME = (
    "سلام به همه! 👋 من دستیار آموزش یادگیری عمیق هستم.\n"
    "در گروه فقط به دستورها جواب می‌دهم (مثل /gd یا /quiz) و پیام‌های معمولی شما را "
    "نمی‌خوانم (حالت حریم خصوصی ربات‌ها در تلگرام).\n"
    "• /gd x^4-3x^2+x — گرادیان کاهشی روی یک تابع، با نمودار\n"
    "• /quiz — کوییز برای همه، با جدول امتیاز /top\n"
    "پاسخ‌های طولانی (درس‌ها و /backprop) را در گفت‌وگوی خصوصی می‌فرستم. راهنما: /help"
)

MORE = "📖 توضیح بیشتر"
MORE_EXPIRED = "این توضیح دیگر در دسترس نیست؛ دستور را دوباره بفرستید."


def run_suggestion(command: str) -> str:
    """A button that runs a suggested command (its text shortened to fit a phone)."""
    shown = command if len(command) <= 32 else command[:31] + "…"
    return f"▶️ اجرا: {shown}"
