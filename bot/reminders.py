"""The daily reminder, opt-in: the choices /settings offers and when a reminder is due.
Pure; the Telegram door's job sends what :mod:`bot.commands.reminders` decides; the
learner's :class:`Preferences` are the record storage keeps.

A reminder goes only to a learner who switched it on (never silently), during the hour
they chose in their own time zone, never in their quiet hours, at most once a day
(claimed in storage per learner and local day, so several replicas send it once), and
only when it is worth a message: reviews are due, or the streak breaks tonight.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.storage.learning import Preferences

__all__ = ["HOURS", "QUIET_CHOICES", "RETENTIONS", "SEND_RATE", "TIMERS", "ZONES", "Preferences",
           "Reason", "quiet", "reason", "reminder_day"]

HOURS = tuple(range(6, 24))
QUIET_CHOICES = ((23, 8), (22, 7), (0, 9), (0, 0))  # (0, 0): none
TIMERS = (0, 15, 30, 60)  # seconds a poll stays open; 0: no timer
#: Desired retention: the chance of recall at which a question comes back (FSRS).
RETENTIONS = (0.85, 0.9, 0.95)
#: Time zones offered in /settings: where Persian speakers mostly live.
ZONES = ("Asia/Tehran", "Asia/Kabul", "Asia/Dushanbe", "Europe/Istanbul", "Europe/Berlin",
         "Europe/London", "America/Toronto", "America/Los_Angeles")
#: Reminders sent per second at most, whatever the number due: far under Telegram's 30
#: a second, so replies to learners (which share the bot's rate limiter) are not delayed.
SEND_RATE = 5.0


def quiet(hour: int, quiet_from: int, quiet_to: int) -> bool:
    """Is ``hour`` inside the quiet hours [from, to), which may wrap past midnight?"""
    if quiet_from == quiet_to:
        return False
    if quiet_from < quiet_to:
        return quiet_from <= hour < quiet_to
    return hour >= quiet_from or hour < quiet_to


def reminder_day(prefs: Preferences, now: datetime) -> date | None:
    """The learner's local day when ``now`` is inside their reminder hour (and outside
    their quiet hours); None otherwise, or when reminders are off or cannot arrive."""
    if not prefs.reminder or prefs.blocked:
        return None
    local = now.astimezone(prefs.tz)
    if local.hour != prefs.hour or quiet(local.hour, prefs.quiet_from, prefs.quiet_to):
        return None
    return local.date()


@dataclass(frozen=True)
class Reason:
    """Why a reminder is worth sending today (both may hold)."""

    reviews_due: int
    streak_at_risk: int  # the run of days that ends tonight without practice; 0: none

    def __bool__(self) -> bool:
        return self.reviews_due > 0 or self.streak_at_risk > 0


def reason(reviews_due: int, streak: int, practised_today: bool) -> Reason:
    """``streak`` counts to today or yesterday (:func:`bot.practice.streaks`)."""
    return Reason(reviews_due, 0 if practised_today else streak)
