"""Jalali dates for post headers, the way Persian channels date their posts."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from persiantools.jdatetime import JalaliDate

from bot.fa.numbers import fa_digits, fa_int


def jalali(day: date) -> str:
    """«دوشنبه ۲ آذر ۱۴۰۵»."""
    jalali_day = JalaliDate(day)
    weekday = jalali_day.strftime("%A", locale="fa")
    month = jalali_day.strftime("%B", locale="fa")
    return f"{weekday} {fa_int(jalali_day.day)} {month} {fa_int(jalali_day.year)}"


def header(moment: datetime, zone: ZoneInfo) -> str:
    return f"📅 {jalali(moment.astimezone(zone).date())}"


def when(moment: datetime, zone: ZoneInfo) -> str:
    """A date and time in prose: «سه‌شنبه ۳ آذر ۱۴۰۵، ساعت ۱۸:۰۰»."""
    local = moment.astimezone(zone)
    return f"{jalali(local.date())}، ساعت {fa_digits(local.strftime('%H:%M'))}"
