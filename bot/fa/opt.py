"""Persian wording of the optimizer race (/opt): picture labels, caption, input errors."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from bot.fa.errors import with_example
from bot.fa.html import code, fit_caption
from bot.fa.numbers import ascii_exact, ascii_number, ascii_point, fa_int
from bot.fa.picture import ltr
from bot.fa.verdicts import no_minimum_sentence
from bot.render.race import RaceLabels

if TYPE_CHECKING:
    from bot.labdata.opt import OptSummary, RunSummary

#: The caption's coloured dot for each picture colour (see bot.labs.opt.COLOURS).
DOTS = {
    "black": "⚫",
    "red": "🔴",
    "orange": "🟠",
    "brown": "🟤",
    "green": "🟢",
    "blue": "🔵",
    "purple": "🟣",
    "yellow": "🟡",
}

VERDICTS = {
    "converged": "✅ همگرا",
    "saddle": "⚠️ ایستاد، نه در کمینه",
    "flat": "〰️ زمین تخت",
    "kink": "📐 پرش دور گوشه",
    "slow": "🐢 کند",
    "oscillating": "↔️ نوسانی",
    "diverged": "💥 واگرا",
    "unbounded": "⬇️ بی‌کمینه",
}

PRESETS = {
    "rosenbrock": "درهٔ خمیدهٔ Rosenbrock",
    "beale": "تابع Beale با دشت‌های صاف",
    "himmelblau": "تابع Himmelblau با چهار کمینه",
    "saddle": "نقطهٔ زینی (saddle point) در مبدأ",
    "ravine": "درهٔ باریک (درجه‌دوِ بدحالت، ill-conditioned)",
    "bumpy": "کمینهٔ محلی کم‌عمق کنار نقطهٔ شروع",
}

BUTTONS = {"anim": "🎞 انیمیشن مسابقه"}
#: Telegram's limit for a photo caption.

def _f_name(summary: OptSummary) -> str:
    return "f(x, y)" if len(summary.variables) == 2 else "f(x)"


def picture_labels(summary: OptSummary) -> RaceLabels:
    two_d = len(summary.variables) == 2
    known = summary.known.f_min is not None
    formula = ltr(f"{_f_name(summary)} = {summary.function_pretty}")
    return RaceLabels(
        title=f"مسابقهٔ بهینه‌سازها: {fa_int(summary.steps)} گام از یک نقطهٔ شروع",
        formula=formula,
        x_label="x",
        y_label="y" if two_d else "f(x)",
        runs=tuple(run.optimizer for run in summary.runs),
        start="شروع",
        minimum="کمینه",
        progress_title="اختلاف f با کمینه (مقیاس لگاریتمی)" if known else "مقدار تابع در هر گام",
        step_axis="گام",
        progress_axis=ltr("f − f*") if known else ltr(_f_name(summary)),
        target=f"دقت {ltr('tol = ' + ascii_number(summary.tol))}",
        counter=tuple(f"گام {fa_int(k)} از {fa_int(summary.steps)}"
                      for k in range(summary.steps + 1)),
        no_steps=NO_STEPS,
    )


def caption(summary: OptSummary) -> str:
    """The photo caption: the setting, one row per optimizer, and what to notice.

    Within Telegram's limit whatever the numbers: the notes give way first, then (only
    for very long numbers) the rows drop their final points, which the picture shows,
    and last the note on learning rates shrinks to its gist.
    """
    bodies = []
    for points, brief in ((True, False), (False, False), (False, True)):
        rows = [_run_line(run, summary.lr_source != "user", points) for run in summary.runs]
        bodies.append([*_head(summary, brief), "", *rows, _tolerance(summary, points)])
    return fit_caption(bodies, _notes(summary))


def _head(summary: OptSummary, brief: bool = False) -> list[str]:
    title = "🏁 <b>مسابقهٔ بهینه‌سازها (optimizers)</b>"
    if summary.preset:
        title += f" — {code(summary.preset)}: {PRESETS[summary.preset]}"
    start = "(x0, y0)" if len(summary.x0) == 2 else "x0"
    lines = [
        title,
        f"تابع: {code(f'{_f_name(summary)} = {summary.function_pretty}')}",
        (f"شروع از {code(f'{start} = {ascii_point(summary.x0)}')}، {fa_int(summary.steps)} گام. "
         f"{_minimum(summary)}").rstrip(),
        _rates(summary, brief),
    ]
    if summary.beta is not None:
        lines.append(_beta(summary.beta))
    if summary.weight_decay is not None:
        lines.append(_weight_decay(summary.weight_decay))
    return lines


def _minimum(summary: OptSummary) -> str:
    known = summary.known
    if known.f_min is None:
        return ""
    value = code(f"f* = {ascii_number(known.f_min)}")
    if len(known.minima) == 1:
        return f"کمینه {value} در {code(ascii_point(known.minima[0]))}."
    return f"{fa_int(len(known.minima))} کمینه، {'هر دو' if len(known.minima) == 2 else 'همه'} با {value}."


def _rates(summary: OptSummary, brief: bool = False) -> str:
    rest = "بقیهٔ ابرپارامترها (hyperparameters) پیش‌فرض torch.optim هستند."
    if summary.lr_source == "user":
        return f"نرخ یادگیری (learning rate) همه {code(f'lr = {ascii_number(summary.lr or 0)}')}؛ {rest}"
    if brief:
        return f"نرخ یادگیری هر بهینه‌ساز کنار نامش آمده است؛ {rest}"
    where = "برای این سطح تنظیم شده" if summary.lr_source == "preset" else "پیش‌فرض خودش"
    return (f"هر بهینه‌ساز نرخ یادگیری (learning rate) جداگانه‌ای دارد که {where} است (یک نرخ "
            f"به همه نمی‌خورد)؛ با {code('lr=0.01')} همه یکسان می‌شوند. {rest}")


#: The progress panel of a race in which no optimizer took a step.
NO_STEPS = ("هیچ بهینه‌سازی حتی یک گام برنداشت:\n"
            "گام اولِ همه از بزرگ‌ترین عدد رایانه گذشت.\n"
            "نرخ یادگیری کوچک‌تر یا شروعِ نزدیک‌تری بدهید.")


def _beta(beta: float) -> str:
    value = code(f"beta={ascii_exact(beta)}")
    return (f"{value}: ضریب مومنتوم (momentum) در momentum و nesterov، {code('β1')} در adam، adamax و "
            "adamw؛ بقیه بی‌تغییر.")


def _weight_decay(weight_decay: float) -> str:
    value = code(f"wd={ascii_number(weight_decay)}")
    return (f"{value}: وزن‌کاهی (weight decay) با {code(f'λ = {ascii_number(weight_decay)}')} برای همه. "
            f"adamw آن را جدا از گرادیان اعمال می‌کند ({code('θ ← θ − lr·λ·θ')})؛ بقیه "
            f"{code('λθ')} را به گرادیان می‌افزایند (جریمهٔ L2) که در adam از {code('√v̂')} هم "
            "می‌گذرد. با وزن‌کاهی مقصد دیگر کمینهٔ خود f نیست: «همگرا» یعنی نقطه‌ای که کشش "
            "وزن‌کاهی و گرادیان f هم را خنثی می‌کنند و مسیر دیگر تکان نمی‌خورد.")


def verdict(run: RunSummary) -> str:
    """A racer's verdict in words (📍: settled in a local minimum, not the global one)."""
    return VERDICTS[run.verdict] + (" 📍" if run.settled_local else "")


def _run_line(run: RunSummary, with_lr: bool, with_point: bool) -> str:
    """One row of the race table: verdict, steps to the tolerance, final f and point."""
    name = run.optimizer
    if with_lr:
        name += f" lr={ascii_number(float(run.hyper['lr']))}"  # type: ignore[arg-type]
    reached = f"{fa_int(run.steps_to_tol)} گام" if run.steps_to_tol is not None else "—"
    row = (f"{DOTS[run.colour]} {code(name)} {verdict(run)}، {reached} · "
           f"{code(f'f={ascii_number(run.final_value, 3)}')}")
    return row + f" در {code(ascii_point(run.final, 3))}" if with_point else row


def _tolerance(summary: OptSummary, with_points: bool) -> str:
    tol = ascii_number(summary.tol)
    test = f"f − f* ≤ {tol}" if summary.known.f_min is not None else f"|∇f| ≤ {tol}"
    after = ("سپس مقدار تابع و نقطهٔ آخر" if with_points
             else "سپس مقدار تابع در نقطهٔ آخر (نقطه‌ها در تصویر)")
    return f"گام‌ها: اولین گامی که {code(test)} شد (—: نرسید)؛ {after}."


def _notes(summary: OptSummary) -> list[str]:
    notes = []
    bound = no_minimum_sentence(summary.bounds.no_minimum, len(summary.variables) == 2)
    if bound:
        notes.append("⬇️ " + bound)
    kinked = [run.optimizer for run in summary.runs if run.verdict == "kink"]
    if kinked:
        notes.append(f"📐 {'، '.join(kinked)}: تابع گوشهٔ تیز (kink) دارد و اندازهٔ شیب تا خود "
                     "گوشه کم نمی‌شود، پس با نرخ ثابت نقطه دور گوشه می‌پرد و نمی‌ایستد.")
    stuck = [run.optimizer for run in summary.runs if run.settled_local]
    if stuck:
        names = "، ".join(stuck)
        stayed = "ماندند" if len(stuck) > 1 else "ماند"
        notes.append(f"📍 {names}: در کمینهٔ محلی (local minimum) {stayed}، نه کمینهٔ اصلی. "
                     "مومنتوم (momentum) گاهی توپ را از روی تپهٔ کوچک رد می‌کند.")
    diverged = [run for run in summary.runs if run.stopped != "steps"]
    if diverged:
        names = "، ".join(run.optimizer for run in diverged)
        notes.append(f"💥 {names} از مرز عددی بیرون رفت و متوقف شد؛ نرخ کوچک‌تری بدهید.")
    by_name = {run.optimizer: run for run in summary.runs}
    adam, adamw = by_name.get("adam"), by_name.get("adamw")
    if (adam is not None and adamw is not None and adam.verdict == "converged"
            and summary.weight_decay is None  # with wd= both decay: the line above says how
            and adamw.verdict in ("slow", "oscillating")):  # the only difference: the decay
        decay = ascii_number(float(adamw.hyper["weight_decay"]))  # type: ignore[arg-type]
        notes.append(f"ℹ️ Adam رسید و AdamW نه: {code(f'weight_decay={decay}')} در AdamW هر گام "
                     "نقطه را به سمت مبدأ می‌کشد؛ برای همین نزدیک کمینه می‌ایستد و با گام "
                     "بیشتر هم به آن نمی‌رسد.")
    return notes


def unknown_preset(name: str, presets: tuple[str, ...], example: str) -> str:
    """A single word that is neither a preset nor a function."""
    close = difflib.get_close_matches(name.lower(), presets, n=1)
    guess = f" منظورتان {code(close[0])} بود؟" if close else ""
    names = "، ".join(code(p) for p in presets)
    return with_example(
        f"سطح آماده‌ای به نام {code(name)} ندارم.{guess} سطح‌های آماده: {names}؛ "
        f"یا خود تابع را بنویسید، مثل {code('x^2+10y^2')}.",
        example,
    )


def beta_out_of_range(example: str) -> str:
    return with_example(
        f"مقدار {code('beta')} باید در بازهٔ {code('[0, 1)')} باشد: دست‌کم ۰ و کمتر از ۱ "
        f"(مثلاً {code('beta=0.9')}).",
        example,
    )


def nesterov_needs_momentum(example: str) -> str:
    return with_example(
        f"nesterov بدون مومنتوم معنا ندارد: با {code('beta=0')} مومنتوم صفر می‌شود. "
        f"{code('beta')} را بزرگ‌تر از ۰ بدهید یا nesterov را از {code('opt=')} بردارید.",
        example,
    )


def beta_unused(optimizers: tuple[str, ...], example: str) -> str:
    chosen = "، ".join(code(name) for name in optimizers)
    return with_example(
        f"{code('beta')} ضریب مومنتوم در momentum و nesterov و β1 خانوادهٔ Adam است، ولی بهینه‌سازهای "
        f"انتخابی شما ({chosen}) از آن استفاده نمی‌کنند؛ یکی از آن‌ها را به {code('opt=')} "
        f"اضافه کنید یا {code('beta')} را بردارید.",
        example,
    )


def preset_and_function(preset: str, rest: str, example: str) -> str:
    return with_example(
        f"بعد از نام سطح آماده ({code(preset)}) تابع دیگری ({code(rest)}) هم آمده است؛ "
        f"یا نام یک سطح آماده را بدهید یا خود تابع را، نه هر دو.",
        example,
    )
