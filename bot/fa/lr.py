"""Persian wording of the learning-rate lab (/lr): panel titles, caption, input errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.fa.errors import with_example
from bot.fa.html import code, fit_caption
from bot.fa.numbers import ascii_number, ascii_point, fa_int, fa_number
from bot.fa.opt import VERDICTS
from bot.fa.picture import ltr
from bot.fa.verdicts import no_minimum_sentence
from bot.render.panels import PanelsLabels

if TYPE_CHECKING:
    from bot.labdata.lr import LRRun, LRSummary

#: Verdicts as plain words for the picture (the font has no emoji).
PANEL_VERDICTS = {
    "converged": "همگرا شد",
    "saddle": "ایستاد، ولی نه در کمینه",
    "flat": "زمین تخت؛ کمینه معلوم نیست",
    "kink": "پرش دور گوشهٔ تیز",
    "slow": "کند (هنوز در راه)",
    "oscillating": "نوسانی",
    "diverged": "واگرا شد",
    "unbounded": "بی‌کمینه: f بی‌پایان کم می‌شود",
}
WIDER_FRAME = "کادر این نمودار بازتر است"
#: The function of the classic four-panel figure, as :func:`bot.fa.formula.plain` prints it.
CLASSIC = "0.1x^2"



def _f_name(summary: LRSummary) -> str:
    return "f(x, y)" if len(summary.variables) == 2 else "f(x)"


def regime(factor: float) -> str:
    """What the factor 1 − lr·λmax does to the error, step after step."""
    if factor > 0:
        return "یکنواخت"
    if factor == 0:
        return "یک‌گامی"
    if factor > -1:
        return "نوسانی و میرا"
    if factor == -1:
        return "نوسان با دامنهٔ ثابت"
    return "واگرا"


def panel_title(run: LRRun) -> str:
    return ltr(f"lr = {ascii_number(run.lr)}")


def panel_subtitle(run: LRRun) -> str:
    verdict = PANEL_VERDICTS[run.verdict]
    if run.factor is None:
        return verdict
    # Persian digits: the picture's bidi would move an ASCII minus sign to the right.
    return f"ضریب {fa_number(run.factor)}، {regime(run.factor)} · {verdict}"


def picture_labels(summary: LRSummary) -> PanelsLabels:
    two_d = len(summary.variables) == 2
    formula = ltr(f"{_f_name(summary)} = {summary.function_pretty}")
    start = ltr(("(x0, y0) = " if two_d else "x0 = ") + ascii_point(summary.x0))
    return PanelsLabels(
        title=f"گرادیان کاهشی روی {formula} با چند نرخ یادگیری\n"
              f"شروع از {start} · {fa_int(summary.steps)} گام",
        x_label="x",
        y_label="y" if two_d else "f(x)",
    )


def caption(summary: LRSummary) -> str:
    """The photo caption: the setting, the thresholds, one line per learning rate (the
    notes, then the final points, give way if it would pass Telegram's limit)."""
    start = "(x0, y0)" if len(summary.variables) == 2 else "x0"
    head = [
        "📊 <b>یک تابع، چند نرخ یادگیری (learning rate)</b>",
        (f"تابع: {code(f'{_f_name(summary)} = {summary.function_pretty}')}، شروع از "
         f"{code(f'{start} = {ascii_point(summary.x0)}')}، {fa_int(summary.steps)} گام؛ "
         "یک نمودار برای هر نرخ."),
        _thresholds(summary),
        "",
    ]
    bodies = [head + [_run_line(run, points) for run in summary.runs] for points in (True, False)]
    notes = _notes(summary)
    if notes:
        notes[0] = "\n" + notes[0]  # a blank line between the rows and the notes
    return fit_caption(bodies, notes)


def _thresholds(summary: LRSummary) -> str:
    if summary.thresholds is None or summary.lambda_max is None:
        return ("🔎 این تابع درجه‌دوِ کاسه‌ای نیست، پس آستانهٔ دقیقی برای نرخ ندارد: "
                "انحنا (curvature) از نقطه‌ای به نقطهٔ دیگر فرق می‌کند (یا جایی رو به پایین است).")
    two_d = len(summary.variables) == 2
    curvature = "λmax" if two_d else "f''"
    lam = ascii_number(summary.lambda_max)
    where = " در تندترین راستا" if two_d else ""
    low, high = (ascii_number(t) for t in summary.thresholds)
    return (
        f"🔎 تابع درجه‌دو (quadratic) است با انحنای (curvature) ثابت {code(f'{curvature} = {lam}')}: "
        f"هر گام فاصله تا کمینه را{where} در {code(f'1 − {lam}·lr')} ضرب می‌کند.\n"
        f"آستانه‌ها: {code(f'lr < {low}')} یکنواخت، {code(f'{low} < lr < {high}')} نوسانی ولی "
        f"همگرا، {code(f'lr > {high}')} واگرا."
    )


def _run_line(run: LRRun, with_point: bool) -> str:
    factor = ""
    if run.factor is not None:
        factor = f"ضریب {code(ascii_number(run.factor))} ({regime(run.factor)}) · "
    end = f"پایان {code(ascii_point(run.final))}، " if with_point else "پایان: "
    return (f"• {code(f'lr = {ascii_number(run.lr)}')}: {factor}{VERDICTS[run.verdict]}؛ "
            f"{end}{code(f'f = {ascii_number(run.final_value)}')}")


def _notes(summary: LRSummary) -> list[str]:
    """Most important first: later notes are the first to go if the caption is long."""
    notes = []
    runs = summary.runs
    if summary.thresholds and all(run.factor is not None and run.factor > 0 for run in runs):
        big = [run.lr for run in runs if run.lr in (0.6, 0.8)]
        if summary.function == CLASSIC and big:
            rates = " و ".join(code(ascii_number(lr)) for lr in big)
            notes.append(f"⚠️ شاید جایی خوانده باشید که {rates} روی {code('0.1x²')} نوسان "
                         f"می‌کنند؛ این‌طور نیست: نوسان از {code('lr > 5')} شروع می‌شود و "
                         f"واگرایی از {code('lr > 10')}.")
        notes.append("📌 همهٔ این نرخ‌ها زیر آستانهٔ نوسان‌اند: همهٔ ضریب‌ها بین ۰ و ۱ هستند، پس نقطه "
                     "هر گام بی‌آن‌که از کمینه بپرد نزدیک‌تر می‌شود؛ نرخ بزرگ‌تر فقط سریع‌تر است.")
    bound = no_minimum_sentence(summary.bounds.no_minimum, len(summary.variables) == 2)
    if bound:
        notes.insert(0, "⬇️ " + bound)
    if any(run.verdict == "kink" for run in runs):
        notes.append("📐 «پرش دور گوشه»: تابع گوشهٔ تیز (kink) دارد و اندازهٔ شیب تا خود گوشه کم "
                     "نمی‌شود، پس با نرخ ثابت نقطه دور گوشه این طرف و آن طرف می‌پرد و نمی‌ایستد.")
    if any(run.verdict == "slow" for run in runs):
        notes.append("🐢 «کند» یعنی نقطه هنوز پایین می‌رود و نایستاده است؛ با گام بیشتر "
                     f"(مثلاً {code('steps=100')}) معلوم می‌شود به کجا می‌رسد.")
    return notes


def lrs_count(example: str) -> str:
    return with_example(
        f"برای {code('lrs')} بین ۲ تا ۶ نرخ یادگیری جداشده با ویرگول لازم است، "
        f"مثل {code('lrs=0.2,0.4,0.6,0.8')}.",
        example,
    )


def repeated_lr(value: float, example: str) -> str:
    return with_example(f"نرخ {code(ascii_number(value))} دو بار در {code('lrs')} آمده است؛ "
                        "هر نرخ یک نمودار می‌گیرد، پس نرخ‌ها را متفاوت بدهید.", example)


def count_without_range(example: str) -> str:
    return with_example(
        f"{code('n')} تعداد نرخ‌ها در یک بازه است و فقط با {code('lrs=A..B')} معنا دارد؛ "
        f"مثلاً {code('lrs=0.03..30 n=4')} چهار نرخ با فاصلهٔ لگاریتمی می‌سازد: "
        f"{code('0.03, 0.3, 3, 30')}.", example)


def range_order(example: str) -> str:
    return with_example(
        f"در بازهٔ {code('lrs=A..B')} نرخ اول باید کوچک‌تر از نرخ دوم باشد، "
        f"مثل {code('lrs=0.03..30')}.", example)


def range_too_narrow(example: str) -> str:
    return with_example(
        "این بازه برای این تعداد نرخ خیلی باریک است: با سه رقم معنادار چند نرخ یکی می‌شوند. "
        f"بازه را پهن‌تر بگیرید یا {code('n')} را کم کنید.", example)
