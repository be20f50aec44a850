"""Persian wording of the Mini App's web API (its refusals) and its buttons."""

from __future__ import annotations

#: The button under /gd, /lr and /opt replies (and the menu button) that opens the lab.
OPEN_LAB = "🎛 آزمایشگاه تعاملی"
MENU_BUTTON = "آزمایشگاه"
BAD_REQUEST = "⚠️ این درخواست را نمی‌فهمم؛ صفحه را دوباره باز کنید."
TOO_LARGE = "⚠️ این درخواست بیش از حد بزرگ است."
TOO_FAST = "⏳ کمی آهسته‌تر؛ درخواست‌ها بیش از حد سریع می‌رسند."
UNAUTHORIZED = "🔒 این صفحه را باید از داخل تلگرام و از دکمهٔ ربات باز کنید."
FORBIDDEN = "🔒 این بخش فقط برای مدرس‌ها (مدیران ربات) است."
NOT_FOUND = "این صفحه وجود ندارد."
SENT = "✅ در گفت‌وگو فرستاده شد."
