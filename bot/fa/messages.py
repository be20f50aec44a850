"""General Persian messages of the bot."""

from __future__ import annotations

from html import escape

from bot.fa.numbers import fa_int

BUSY_USER = "⏳ هنوز دارم نمودار قبلی شما را می‌کشم؛ چند ثانیه صبر کنید و دوباره بفرستید."
BUSY_QUEUE = "⏳ ربات الان خیلی شلوغ است؛ یک دقیقهٔ دیگر دوباره امتحان کنید."
TOO_SLOW = "محاسبه و رسم این درخواست بیش از حد طول کشید و متوقف شد. تابع ساده‌تر یا گام کمتر را امتحان کنید."
#: A press under a message shared through inline mode whose answer is a new message: there
#: is no chat to send it to.
INLINE_ONLY = "این دکمه فقط در گفت‌وگوی خصوصی با ربات کار می‌کند؛ همین دستور را آن‌جا بفرستید."
STALE_BUTTON = "این دکمه قدیمی است؛ لطفاً دستور را دوباره بفرستید."
EXPIRED_BUTTON = "⌛️ این دکمه منقضی شده است."


def expired_button(days: int, command: str = "") -> str:
    """A button older than ``BOT_BUTTON_DAYS``: why it does nothing, and how to run it
    again (``command`` when the button ran one)."""
    why = (f"⌛️ این دکمه منقضی شده است: دکمه‌ها تا {fa_int(days)} روز پس از آخرین باری که "
           "ربات آن‌ها را نشان داده کار می‌کنند.")
    if command:
        return f"{why}\nبرای اجرای دوباره، این دستور را بفرستید:\n<code>{escape(command)}</code>"
    return f"{why}\nبرای اجرای دوباره، دستور را دوباره بفرستید. فهرست دستورها: /help"
INTERNAL_ERROR = "😔 متأسفم، مشکلی پیش آمد و نتوانستم جواب بدهم. لطفاً کمی بعد دوباره امتحان کنید."
