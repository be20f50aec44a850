"""Persian wording of the gradient-descent lab: picture labels, caption, verdicts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.fa.html import code
from bot.fa.numbers import ascii_number, ascii_point, fa_int, fa_number
from bot.fa.picture import ltr
from bot.fa.verdicts import no_minimum_sentence
from bot.render.trajectory import TrajectoryLabels

if TYPE_CHECKING:
    from bot.labdata.gd import GDSummary

VERDICT_TITLES = {
    "converged": "✅ همگرا شد (converged)",
    "saddle": "⚠️ ایستاد، ولی نه در کمینه",
    "flat": "〰️ روی زمین تقریباً تخت؛ کمینه بودنش معلوم نیست",
    "kink": "📐 پرش دور گوشهٔ تیز تابع (kink)",
    "slow": "🐢 هنوز در راه است",
    "oscillating": "↔️ نوسان می‌کند (oscillation)",
    "diverged": "💥 واگرا شد (divergence)",
    "unbounded": "⬇️ کمینه‌ای در کار نیست (unbounded below)",
}
#: A run that came to rest where the surface still curves down: a hilltop or a saddle.
NOT_A_MINIMUM_TITLE = VERDICT_TITLES["saddle"]
#: A run whose next step left the function's domain.
OUTSIDE_DOMAIN_TITLE = "⛔ بیرون از دامنهٔ تابع"
#: Below this, lr·λ counts as no curvature at all (a flat stretch).
FLAT = 1e-9
#: Where a float overflows, said once for the start point and for a step on the way.
LARGEST_FLOAT = f"بزرگ‌ترین عددی که رایانه نشان می‌دهد (حدود {code('1.8e308')})"

MAX_STEPS_NOTICE = "به سقف ۵۰۰ گام رسیده‌اید."


def lr_limit_notice(limit: float, *, smallest: bool) -> str:
    """A press that would take lr past its allowed range (a pop-up: plain text)."""
    side = "کمترین" if smallest else "بیشترین"
    return f"نرخ یادگیری همین حالا در {side} مقدار مجاز است (lr = {ascii_number(limit)})."

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
        # The formula alone on the first line: on a phone-wide picture it has room.
        title=(
            f"{ltr(f'{name} = {summary.function_pretty}')}\n"
            f"نرخ یادگیری {fa_number(summary.lr)} · {fa_int(summary.steps_taken)} گام"
        ),
        x_label="x",
        y_label="y" if two_d else "f(x)",
        start="شروع",
        end="پایان",
        step="گام",
        note=note,
        counter=tuple(f"گام {fa_int(k)} از {fa_int(summary.shown_points - 1)}"
                      for k in range(summary.shown_points)),
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
        f"<b>{verdict_title(summary)}</b>",
        verdict_reason(summary),
    ]
    hint = curvature_hint(summary)
    if hint:
        lines.append(hint)
    return "\n".join(lines)


def verdict_title(summary: GDSummary) -> str:
    if summary.stopped == "domain":
        return OUTSIDE_DOMAIN_TITLE
    return VERDICT_TITLES[summary.verdict]


def _gradient(summary: GDSummary) -> str:
    name = "|∇f|" if len(summary.variables) == 2 else "|f'|"
    return code(f"{name} = {ascii_number(summary.gradient_norm)}")


def verdict_reason(summary: GDSummary) -> str:
    """What the teacher says about the run: what it shows, and what is proven about f."""
    reason = _run_reason(summary)
    bound = no_minimum_sentence(summary.bounds.no_minimum, len(summary.variables) == 2)
    if bound and summary.verdict == "converged":
        reason += " این کمینه فقط محلی (local) است: " + bound
    elif bound and summary.verdict != "unbounded":
        reason += " " + bound
    return reason


def _run_reason(summary: GDSummary) -> str:
    steps = fa_int(summary.steps_taken)
    verdict = summary.verdict
    if verdict == "diverged":
        return _diverged_reason(summary)
    if verdict == "unbounded":
        bound = no_minimum_sentence(summary.bounds.no_minimum, len(summary.variables) == 2)
        return (
            "مقدار f در هر گام کمتر شد و نقطه بی‌آن‌که جایی بایستد پایین رفت. "
            + (bound + " " if bound else "")
            + "تقصیر نرخ یادگیری نیست؛ تابعی بدهید که دور از مبدأ بالا برود، "
            f"مثل {code('x^4-x^2')} به‌جای {code('-x^2')}." + _stopped_early(summary)
        )
    if verdict == "oscillating":
        return (
            f"بعد از {steps} گام نقطه هنوز از این طرف دره به آن طرف می‌پرد ({_gradient(summary)}). "
            "با نرخ یادگیری کوچک‌تر حرکت آرام و یکنواخت می‌شود."
        )
    if verdict == "kink":
        return (
            "تابع این‌جا یک گوشهٔ تیز (kink) دارد، مثل |x| در صفر، که مشتق در آن تعریف نشده "
            "است. اندازهٔ شیب تا خود گوشه کم نمی‌شود (شیب |x| همه‌جا ۱ یا −۱ است)، پس با "
            "نرخ یادگیری ثابت هر گام همان‌قدر جابه‌جا می‌کند و نقطه به‌جای ایستادن دور گوشه "
            "این طرف و آن طرف می‌پرد. نرخ کوچک‌تر پرش را کوچک می‌کند ولی از بین نمی‌برد؛ "
            "برای همین نرخ یادگیری را در طول آموزش کم می‌کنند (learning-rate decay)."
        )
    if verdict == "saddle":
        if summary.hilltop:
            return (
                f"بعد از {steps} گام شیب تقریباً صفر است ({_gradient(summary)})، اما این‌جا "
                "قله (local maximum) است، نه دره: سطح در همهٔ راستاها رو به پایین خم شده است. "
                f"با کمی جابه‌جا کردن نقطهٔ شروع ({code('x0=')}) نقطه از این‌جا سُر می‌خورد."
            )
        return (
            f"بعد از {steps} گام شیب تقریباً صفر است ({_gradient(summary)})، اما این نقطه کمینه "
            "نیست: در دست‌کم یک راستا سطح رو به پایین خم شده است، پس این‌جا نقطهٔ زینی "
            f"(saddle point) است. با کمی جابه‌جا کردن نقطهٔ شروع ({code('x0=')}) نقطه از "
            "این‌جا سُر می‌خورد."
        )
    if verdict == "flat":
        return (
            f"بعد از {steps} گام شیب تقریباً صفر است ({_gradient(summary)})، ولی انحنا هم نزدیک "
            "صفر است یا تند عوض می‌شود؛ پس از روی این اجرا نمی‌شود گفت این‌جا کمینه است. "
            f"مثلاً {code('x⁴')} در صفر کمینه دارد، ولی {code('x³')} آن‌جا فقط یک پلهٔ تخت "
            "(نقطهٔ عطف، inflection point) دارد، و نقطه در هر دو آهسته به صفر می‌خزد."
        )
    if verdict == "converged":
        zigzag = (" در راه از این طرف دره به آن طرف می‌پرید، ولی پرش‌ها کوچک شد و ایستاد."
                  if summary.zigzag else "")
        return (
            f"بعد از {steps} گام شیب تقریباً صفر است ({_gradient(summary)}) و سطح در همهٔ "
            "راستاها رو به بالا خم شده است: نقطه در ته یک دره (کمینهٔ محلی، local minimum) "
            f"نشسته است.{zigzag}"
        )
    return _slow_reason(summary)


def _slow_reason(summary: GDSummary) -> str:
    steps = fa_int(summary.steps_taken)
    text = f"بعد از {steps} گام نقطه هنوز پایین می‌رود ({_gradient(summary)})."
    if summary.uphill_steps:
        text += (f" ولی نه در همهٔ راه: در {fa_int(summary.uphill_steps)} گام مقدار f بالا "
                 "رفت، چون شیب تند نقطه را از روی یک دره یا دیوار تابع به جای دیگری پرت کرد.")
    heading = summary.bounds.heading
    if heading is not None and heading.value != float("-inf"):
        towards = "∞" if heading.end > 0 else "−∞"
        limit = code(f"x → {towards}")
        value = code(f"f → {ascii_number(heading.value)}")
        text += (f" در همین جهت وقتی {limit}، {value}: تابع به این مقدار نزدیک می‌شود ولی "
                 "به آن نمی‌رسد")
        if summary.bounds.heading_clear:
            return text + "، و سر راه هیچ نقطه‌ای با شیب صفر نیست؛ پس با گام بیشتر هم جایی نمی‌ایستد."
        return text + "."
    if summary.bounds.no_minimum is not None:
        return text
    return (f"{text} نرخ یادگیری کوچک است یا تعداد گام‌ها کم؛ نرخ بزرگ‌تر یا گام بیشتر را "
            "امتحان کنید.")


def _diverged_reason(summary: GDSummary) -> str:
    steps = fa_int(summary.steps_taken)
    smaller = "نرخ یادگیری را کوچک‌تر کنید یا از نقطهٔ نزدیک‌تری شروع کنید."
    if summary.stopped == "domain":
        when = "همان گام اول" if summary.steps_taken == 0 else f"بعد از {steps} گام، گام بعدی"
        return (
            f"{when} نقطه را به جایی برد که تابع تعریف نشده است (مثلاً log یا sqrt یک عدد "
            f"منفی)، پس اجرا همان‌جا ایستاد. {smaller}"
        )
    if summary.stopped == "overflow":
        return (
            f"بعد از {steps} گام، در نقطهٔ بعدی مقدار تابع یا شیبش از {LARGEST_FLOAT} گذشت "
            f"(سرریز، overflow)، پس اجرا همان‌جا ایستاد. {smaller}"
        )
    if summary.steps_taken == 0:
        return (
            "همان گام اول نقطه را خیلی دور پرتاب کرد، چون شیب در نقطهٔ شروع بسیار تند است. "
            + smaller
        )
    return (
        "هر گام نقطه را از کمینه دورتر کرد و مقدار تابع بالا رفت. "
        "نرخ یادگیری برای این تابع بزرگ است؛ آن را کوچک‌تر کنید." + _stopped_early(summary)
    )


def _stopped_early(summary: GDSummary) -> str:
    done = f"بعد از {fa_int(summary.steps_taken)} گام (از {fa_int(summary.steps)})"
    if summary.stopped == "escaped":
        return f" نقطه {done} آن‌قدر دور شد که اجرا متوقف شد."
    if summary.stopped == "bottomless":
        return (f" {done} مقدار f از کوچک‌ترین عددی که رایانه نشان می‌دهد هم پایین‌تر رفت "
                "(منفی بی‌نهایت)، پس اجرا متوقف شد.")
    return ""


def curvature_hint(summary: GDSummary) -> str:
    """Why, in numbers: along an eigen-direction each step multiplies the distance to the
    stationary point by 1 − lr·λ (exact for a quadratic, a local estimate otherwise)."""
    c, low = summary.lr_times_lambda, summary.lr_times_lowest
    if c is None or low is None or summary.verdict in ("kink", "flat"):
        return ""
    two_d = len(summary.variables) == 2
    if low < -FLAT:
        return _curving_down_hint(summary, low, "lr·λmin" if two_d else "lr·f''")
    if summary.verdict == "unbounded":  # a quadratic flat in one direction, sloping there
        return ("🔎 این تابع درجه‌دو (quadratic) است، اما در یک راستا انحنا ندارد و شیبش "
                "آن‌جا ثابت است: نقطه با گام‌های برابر برای همیشه پایین می‌رود.")
    if c < FLAT:
        return ""
    product = "lr·λmax" if two_d else "lr·f''"
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
        slowest = ""
        if two_d and summary.verdict == "slow" and FLAT < low < c:
            slow_factor = code(f"1 − lr·λmin = {ascii_number(1 - low)}")
            slowest = f" ولی در کندترین راستا ضریب {slow_factor} است؛ کندی از همین‌جاست."
        return (
            f"🔎 این تابع درجه‌دو (quadratic) است: هر گام فاصله تا کمینه را "
            f"(در تندترین راستا) در {factor} ضرب می‌کند. {value} {regime}.{slowest}"
        )
    return (
        f"🔎 نزدیک نقطهٔ پایان، نرخ یادگیری ضرب در انحنا (curvature) {value} است؛ "
        f"این عدد {regime} (تقریب محلی، چون تابع درجه‌دو نیست)."
    )


def _curving_down_hint(summary: GDSummary, low: float, product: str) -> str:
    """The surface curves down (negative curvature): a hilltop or a saddle, not a valley."""
    value = code(f"{product} = {ascii_number(low)}")
    factor = code(f"1 − {product} = {ascii_number(1 - low)}")
    where = ""
    if len(summary.variables) == 2:  # the largest eigenvalue negative too: a hilltop
        where = " در همهٔ راستاها" if (summary.lr_times_lambda or 0.0) < -FLAT else " در یک راستا"
    if summary.curvature_exact:
        return (
            f"🔎 این تابع درجه‌دو (quadratic) است و انحنایش{where} منفی است ({value}): "
            f"آن‌جا به‌جای دره یک تپه است و هر گام فاصله از قله را در {factor} ضرب می‌کند، "
            "که بیشتر از ۱ است؛ پس نقطه هر بار تندتر دور می‌شود."
        )
    return (
        f"🔎 نزدیک نقطهٔ پایان انحنا منفی است ({value}): نقطه روی شیب یک تپه است، نه در "
        "دره (تقریب محلی، چون تابع درجه‌دو نیست)."
    )


def start_problem(code_name: str, x0: tuple[float, ...],
                  suggestion: tuple[float, ...] | None = None) -> str:
    """Why a run cannot start at x0 (f or its gradient undefined or too large there), and
    a start that works when one was found."""
    point = code(_start(x0))
    option = "x0=" + ",".join(ascii_number(v) for v in suggestion) if suggestion else ""
    instead = (f"مثلاً با {code(option)} شروع کنید." if suggestion
               else f"نقطهٔ شروع دیگری با {code('x0=')} بدهید.")
    if code_name == "undefined":
        return f"تابع در نقطهٔ شروع {point} تعریف نشده است (مثلاً log صفر یا عدد منفی). {instead}"
    if code_name == "overflow":
        return (f"مقدار تابع در نقطهٔ شروع {point} از {LARGEST_FLOAT} بزرگ‌تر است (سرریز، "
                f"overflow). {instead}")
    if code_name == "too_large":
        return (f"مقدار تابع در نقطهٔ شروع {point} بیش از {code('1e200')} است؛ با چنین عددی "
                f"گام بعدی و محورهای نمودار از {LARGEST_FLOAT} می‌گذرند. {instead}")
    return f"مشتق تابع در نقطهٔ شروع {point} تعریف نشده یا بی‌نهایت است. {instead}"


def _start(point: tuple[float, ...]) -> str:
    return ("x0 = " if len(point) == 1 else "(x0, y0) = ") + ascii_point(point)
