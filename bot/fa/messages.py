"""General Persian messages of the bot."""

from __future__ import annotations

BUSY_USER = "⏳ هنوز دارم نمودار قبلی شما را می‌کشم؛ چند ثانیه صبر کنید و دوباره بفرستید."
BUSY_QUEUE = "⏳ ربات الان خیلی شلوغ است؛ یک دقیقهٔ دیگر دوباره امتحان کنید."
TOO_SLOW = "محاسبه و رسم این درخواست بیش از حد طول کشید و متوقف شد. تابع ساده‌تر یا گام کمتر را امتحان کنید."
#: A press under a message shared through inline mode whose answer is a new message: there
#: is no chat to send it to.
INLINE_ONLY = "این دکمه فقط در گفت‌وگوی خصوصی با ربات کار می‌کند؛ همین دستور را آن‌جا بفرستید."
STALE_BUTTON = "این دکمه قدیمی است؛ لطفاً دستور را دوباره بفرستید."
INTERNAL_ERROR = "😔 متأسفم، مشکلی پیش آمد و نتوانستم جواب بدهم. لطفاً کمی بعد دوباره امتحان کنید."
