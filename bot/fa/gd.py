"""Persian wording of the gradient-descent lab: picture labels, caption, verdicts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.fa.html import code
from bot.fa.numbers import ascii_number, ascii_point, fa_int, fa_number
from bot.render.trajectory import TrajectoryLabels

if TYPE_CHECKING:
    from bot.labs.gd import GDSummary

VERDICT_TITLES = {
    "converged": "✅ همگرا شد (converged)",
    "slow": "🐢 هنوز در راه است",
    "oscillating": "↔️ نوسان می‌کند (oscillation)",
    "diverged": "💥 واگرا شد (divergence)",
}

MAX_STEPS_NOTICE = "به سقف ۵۰۰ گام رسیده‌اید."

BUTTONS = {
    "half": "🐢 نرخ ÷ ۲",
    "double": "🚀 نرخ × ۲",
    "more": "➕ ۲۵ گام بیشتر",
    "anim": "🎞 انیمیشن",
}



def picture_labels(summary: GDSummary) -> TrajectoryLabels:
    """Title, axis names and markers drawn on the picture."""
    two_d = len(summary.variables) == 2
    name = "f(x, y)" if two_d else "f(x)"
    note = ""
    if summary.shown_points < len(summary.path):
        note = "ادامهٔ مسیر بیرون از کادر است"
    elif summary.stopped == "escaped":
        note = "گام بعدی از کادر بیرون می‌رود"
    return TrajectoryLabels(
        title=(
            f"گرادیان کاهشی روی {name} = {summary.function_pretty}\n"
            f"نرخ یادگیری {fa_number(summary.lr)} · {fa_int(summary.steps_taken)} گام"
        ),
        x_label="x",
        y_label="y" if two_d else "f(x)",
        start="شروع",
        end="پایان",
        step="گام",
        note=note,
    )


def caption(summary: GDSummary) -> str:
    """The photo caption (Telegram HTML, well under the 1024-character limit)."""
    two_d = len(summary.variables) == 2
    f_name = "f(x, y)" if two_d else "f(x)"
    if two_d:
        derivative = f"∇f = ({summary.gradient_pretty[0]}, {summary.gradient_pretty[1]})"
        x0_name, end_name = "(x0, y0)", "(x, y)"
    else:
        derivative = f"f'(x) = {summary.gradient_pretty[0]}"
        x0_name, end_name = "x0", "x"
    lines = [
        "📉 <b>گرادیان کاهشی (gradient descent)</b>",
        f"تابع: {code(f'{f_name} = {summary.function_pretty}')}",
        f"مشتق: {code(derivative)}",
        (
            f"نرخ یادگیری (learning rate) {code(f'lr = {ascii_number(summary.lr)}')}، "
            f"شروع از {code(f'{x0_name} = {ascii_point(summary.x0)}')}، "
            f"{fa_int(summary.steps_taken)} گام"
        ),
        (
            f"پایان: {code(f'{end_name} = {ascii_point(summary.final)}')}، "
            f"{code(f'f = {ascii_number(summary.final_value)}')}"
        ),
        "",
        f"<b>{VERDICT_TITLES[summary.verdict]}</b>",
        verdict_reason(summary),
    ]
    hint = curvature_hint(summary)
    if hint:
        lines.append(hint)
    return "\n".join(lines)


def verdict_reason(summary: GDSummary) -> str:
    """What the teacher says about the run, in one or two sentences."""
    steps = fa_int(summary.steps_taken)
    if summary.verdict == "diverged":
        if summary.stopped == "domain":
            return (
                f"بعد از {steps} گام، گام بعدی نقطه را به جایی برد که تابع تعریف نشده است "
                "(مثلاً log یا sqrt یک عدد منفی). نرخ یادگیری را کوچک‌تر کنید."
            )
        return (
            "هر گام نقطه را از کمینه دورتر کرد و مقدار تابع بالا رفت. "
            "نرخ یادگیری برای این تابع بزرگ است؛ آن را کوچک‌تر کنید."
        )
    if summary.verdict == "oscillating":
        return (
            "هر گام از روی کمینه می‌پرد و به طرف دیگر دره می‌رود. "
            "با نرخ یادگیری کوچک‌تر حرکت آرام و یکنواخت می‌شود."
        )
    if summary.verdict == "converged":
        return f"بعد از {steps} گام شیب تقریباً صفر است و نقطه در ته دره نشسته است."
    return (
        f"بعد از {steps} گام نقطه هنوز پایین می‌رود و به ته دره نرسیده است: "
        "نرخ یادگیری کوچک است یا تعداد گام‌ها کم. نرخ بزرگ‌تر یا گام بیشتر را امتحان کنید."
    )


def curvature_hint(summary: GDSummary) -> str:
    """Why, in numbers: along the steepest direction each step multiplies the error by
    1 − lr·λ (exact for a quadratic, a local estimate otherwise)."""
    c = summary.lr_times_lambda
    if c is None or c == 0:
        return ""
    product = "lr·λmax" if len(summary.variables) == 2 else "lr·f''"
    value = code(f"{product} = {ascii_number(c)}")
    if c < 1:
        regime = "کمتر از ۱ است، پس حرکت یکنواخت و بدون نوسان است"
    elif c == 1:
        regime = "دقیقاً ۱ است، پس در راستای تندترین شیب در یک گام به کمینه می‌رسد"
    elif c < 2:
        regime = "بین ۱ و ۲ است، پس نوسان می‌کند ولی دامنه‌اش کم می‌شود"
    elif c == 2:
        regime = "دقیقاً ۲ است، پس با دامنهٔ ثابت نوسان می‌کند"
    else:
        regime = "بیشتر از ۲ است، پس هر گام خطا را بزرگ‌تر می‌کند و واگرا می‌شود"
    factor = code(f"1 − {product} = {ascii_number(1 - c)}")
    if summary.curvature_exact:
        return (
            f"🔎 این تابع درجه‌دو (quadratic) است: هر گام فاصله تا کمینه را "
            f"(در تندترین راستا) در {factor} ضرب می‌کند. {value} {regime}."
        )
    return (
        f"🔎 نزدیک نقطهٔ پایان انحنا (curvature) {value} است؛ "
        f"این عدد {regime} (تقریب محلی، چون تابع درجه‌دو نیست)."
    )


def start_problem(code_name: str, x0: tuple[float, ...]) -> str:
    """Why a run cannot start at x0: f or its gradient is undefined there."""
    point = code(("x0 = " if len(x0) == 1 else "(x0, y0) = ") + ascii_point(x0))
    if code_name == "undefined":
        return f"تابع در نقطهٔ شروع {point} تعریف نشده است (مثلاً log صفر یا عدد منفی). نقطهٔ شروع دیگری با {code('x0=')} بدهید."
    return f"مشتق تابع در نقطهٔ شروع {point} تعریف نشده یا بی‌نهایت است. نقطهٔ شروع دیگری با {code('x0=')} بدهید."
