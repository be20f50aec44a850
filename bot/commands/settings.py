"""/settings (reminder, its hour, quiet hours, session length, timer), /stop, and the
answer to the one-time reminder offer. Buttons edit the settings message in place."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from bot.commands.base import Button, Context, Keyboard, Response, Text
from bot.commands.options import whole_number
from bot.commands.quiz import preferences
from bot.fa import settings as words
from bot.reminders import HOURS, QUIET_CHOICES, RETENTIONS, TIMERS, ZONES, Preferences, quiet
from bot.sessions import LENGTHS


def next_reminder(prefs: Preferences, now: datetime) -> datetime | None:
    """The next time the learner's reminder hour begins; None when it never can (the
    hour is inside their quiet hours)."""
    if quiet(prefs.hour, prefs.quiet_from, prefs.quiet_to):
        return None
    local = now.astimezone(prefs.tz)
    start = local.replace(hour=prefs.hour, minute=0, second=0, microsecond=0)
    if start <= local:
        start = (start + timedelta(days=1)).replace(hour=prefs.hour)
    return start


def _main_keyboard(prefs: Preferences) -> Keyboard:
    toggle = (Button(words.REMINDER_ON, "settings:remind:off") if prefs.reminder
              else Button(words.REMINDER_OFF, "settings:remind:on"))
    return (
        (toggle,),
        (Button(f"⏰ {words.hour_label(prefs.hour)}", "settings:menu:hour"),
         Button(f"🌙 {words.quiet_label(prefs.quiet_from, prefs.quiet_to)}",
                "settings:menu:quiet")),
        (Button(f"📝 {words.length_label(prefs.length)}", "settings:menu:length"),
         Button(f"⏱ {words.timer_label(prefs.timer)}", "settings:menu:timer")),
        (Button(f"🌍 {words.zone_name(prefs.zone)}", "settings:menu:zone"),
         Button(f"🎯 {words.retention_label(prefs.retention)}", "settings:menu:retention")),
    )


def _rows(buttons: list[Button], width: int) -> Keyboard:
    return tuple(tuple(buttons[i:i + width]) for i in range(0, len(buttons), width))


def _menu(what: str, prefs: Preferences) -> Text:
    back = ((Button(words.BACK, "settings:menu:main"),),)
    if what == "hour":
        buttons = [Button(words.hour_label(h), f"settings:hour:{h}") for h in HOURS]
        return Text(words.CHOOSE_HOUR.format(zone=words.zone_name(prefs.zone)),
                    _rows(buttons, 4) + back)
    if what == "quiet":
        buttons = [Button(words.quiet_label(f, t), f"settings:quiet:{f}-{t}")
                   for f, t in QUIET_CHOICES]
        return Text(words.CHOOSE_QUIET, _rows(buttons, 2) + back)
    if what == "length":
        buttons = [Button(words.length_label(n), f"settings:length:{n}") for n in LENGTHS]
        return Text(words.CHOOSE_LENGTH, _rows(buttons, 4) + back)
    if what == "zone":
        buttons = [Button(words.zone_name(z), f"settings:zone:{i}") for i, z in enumerate(ZONES)]
        return Text(words.CHOOSE_ZONE, _rows(buttons, 2) + back)
    if what == "retention":
        buttons = [Button(words.retention_label(r), f"settings:retention:{round(100 * r)}")
                   for r in RETENTIONS]
        return Text(words.CHOOSE_RETENTION, _rows(buttons, 3) + back)
    buttons = [Button(words.timer_label(t), f"settings:timer:{t}") for t in TIMERS]
    return Text(words.CHOOSE_TIMER, _rows(buttons, 4) + back)


def settings_reply(prefs: Preferences, now: datetime) -> Text:
    return Text(words.settings_text(prefs, next_reminder(prefs, now)), _main_keyboard(prefs))


async def _load(ctx: Context) -> Preferences:
    async with ctx.services.storage.transaction() as db:
        return await db.prefs.get(ctx.user_id, preferences(ctx))


async def _update(ctx: Context, change: Callable[[Preferences], Preferences | None]
                  ) -> tuple[Preferences, bool]:
    """Read, change and store the learner's preferences in one transaction, the row
    locked: two presses at once both count. Returns them and whether they changed."""
    async with ctx.services.storage.transaction() as db:
        prefs = await db.prefs.lock(ctx.user_id, preferences(ctx))
        changed = change(prefs)
        if changed is None:
            return prefs, False
        await db.learners.touch(ctx.user_id, ctx.user_name, ctx.services.clock())
        await db.prefs.put(ctx.user_id, changed)
        return changed, True


def private_only(ctx: Context) -> Response | None:
    """A learner's settings and data are handled in their private chat, not in a group
    where others would see (and press) them."""
    if ctx.chat_type == "private":
        return None
    return Response([Text(words.PRIVATE_ONLY)], notice=words.PRIVATE_ONLY)


async def run(args: str, ctx: Context) -> Response:
    if refused := private_only(ctx):
        return refused
    prefs = await _load(ctx)
    return Response([settings_reply(prefs, ctx.services.clock())],
                    data={"reminder": prefs.reminder, "hour": prefs.hour})


async def run_stop(args: str, ctx: Context) -> Response:
    """Every reminder off at once."""
    await _update(ctx, lambda prefs: prefs.with_(reminder=False, offered=True))
    return Response([Text(words.STOPPED)], data={"reminder": False})


def _choice(value: str, allowed: tuple[int, ...]) -> int | None:
    number = whole_number(value)
    return number if number in allowed else None


async def on_button(payload: str, ctx: Context) -> Response:
    """``remind:on|off``, ``hour:H``, ``quiet:F-T``, ``length:N``, ``timer:S``, ``zone:I``,
    ``retention:P``: change and show the settings again; ``menu:…``: a list of choices; ``offer:yes|no``: the answer
    to the reminder offered after the first session."""
    if refused := private_only(ctx):
        return refused
    action, _, value = payload.partition(":")
    now = ctx.services.clock()
    if action == "menu":
        prefs = await _load(ctx)
        reply = settings_reply(prefs, now) if value == "main" else _menu(value, prefs)
        return Response([reply], edit=True)
    if action == "offer":
        accept = value == "yes"
        prefs, _ = await _update(ctx, lambda p: p.with_(offered=True,
                                                        reminder=accept or p.reminder))
        if not accept:
            return Response([Text(words.OFFER_DECLINED)], edit=True)
        return Response([Text(words.reminder_set(prefs.hour))], edit=True,
                        data={"reminder": True, "hour": prefs.hour})
    prefs, _ = await _update(ctx, lambda p: _changed(p, action, value))
    return Response([settings_reply(prefs, now)], edit=True,
                    data={"reminder": prefs.reminder, "hour": prefs.hour})


def _changed(prefs: Preferences, action: str, value: str) -> Preferences | None:
    """The preferences after one choice; None for a value no button offers."""
    if action == "remind" and value in ("on", "off"):
        return prefs.with_(reminder=value == "on", offered=True)
    if action == "hour" and (hour := _choice(value, HOURS)) is not None:
        return prefs.with_(hour=hour)
    if action == "length" and (length := _choice(value, LENGTHS)) is not None:
        return prefs.with_(length=length)
    if action == "timer" and (timer := _choice(value, TIMERS)) is not None:
        return prefs.with_(timer=timer)
    if action == "zone" and (index := _choice(value, tuple(range(len(ZONES))))) is not None:
        return prefs.with_(zone=ZONES[index])
    percents = tuple(round(100 * r) for r in RETENTIONS)
    if action == "retention" and (percent := _choice(value, percents)) is not None:
        return prefs.with_(retention=RETENTIONS[percents.index(percent)])
    if action == "quiet":
        start, _, end = value.partition("-")
        pair = (whole_number(start), whole_number(end))
        if pair in QUIET_CHOICES:
            return prefs.with_(quiet_from=pair[0], quiet_to=pair[1])
    return None
