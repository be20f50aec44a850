"""Persian wording of the under/overfitting lab: picture labels, caption, verdicts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.engine.regression import ERROR_FLOOR, HIGH, noise_ceiling
from bot.fa.html import code
from bot.fa.numbers import ascii_number, fa_int
from bot.fa.picture import ltr
from bot.render.fit import FitLabels

if TYPE_CHECKING:
    from bot.labdata.fit import FitSummary

#: The words the lessons use.
VERDICTS = {
    "underfit": "کم‌برازش (underfitting)",
    "good": "مناسب",
    "overfit": "بیش‌برازش (overfitting)",
}

REASONS = {
    "underfit": (
        "سوگیری بالا (high bias): حتی خطای آموزش خیلی بیشتر از σ² است؛ مدل آن‌قدر ساده است "
        "که منحنی را دنبال نمی‌کند. درمان: درجهٔ بالاتر (مدل بزرگ‌تر) یا ویژگی بهتر."
    ),
    "good": (
        "خطای آموزش و اعتبارسنجی هر دو نزدیک σ² و نزدیک هم‌اند: مدل شکل منحنی را گرفته "
        "بی‌آن‌که نویز را حفظ کند."
    ),
    "overfit": (
        "واریانس بالا (high variance): خطای آموزش کم است ولی خطای اعتبارسنجی خیلی بیشتر از آن "
        "و از σ² است و نسبت به درجه‌های ساده‌تر بالا رفته؛ مدل نویز دادهٔ آموزش را هم حفظ "
        "کرده است. درمان: درجهٔ کمتر، دادهٔ بیشتر یا منظم‌سازی (regularization)."
    ),
}

#: Overfitting without noise: nothing noisy was memorised, the curve swings between points.
OVERFIT_NOISELESS = (
    "واریانس بالا (high variance): خطای آموزش کم است ولی خطای اعتبارسنجی خیلی بیشتر از آن "
    "است و نسبت به درجه‌های ساده‌تر بالا رفته. داده نویز ندارد (σ = ۰)، اما منحنی برازش‌شده "
    "از همین چند نقطه می‌گذرد و بین و کنار آن‌ها نوسان می‌کند. درمان: درجهٔ کمتر، دادهٔ "
    "بیشتر یا منظم‌سازی (regularization)."
)

ICONS = {"underfit": "📉", "good": "✅", "overfit": "🎢"}


def picture_labels(summary: FitSummary) -> FitLabels:
    return FitLabels(
        title=f"چندجمله‌ای درجهٔ {fa_int(summary.degree)}: {VERDICTS[summary.verdict]}",
        train=f"آموزش ({fa_int(summary.n_train)} نقطه)",
        validation=f"اعتبارسنجی ({fa_int(summary.n_val)} نقطه)",
        truth=f"تابع واقعی {ltr('sin(2πx)')}",
        fitted="منحنی برازش‌شده",
        errors_title="خطای آموزش و اعتبارسنجی بر حسب درجه",
        degree_axis="درجهٔ چندجمله‌ای",
        error_axis="MSE (لگاریتمی)",
        chosen=f"درجهٔ انتخابی ({fa_int(summary.degree)})",
        best=f"کمترین خطای اعتبارسنجی (درجهٔ {fa_int(summary.best_degree)})",
        noise=f"واریانس نویز {ltr('σ²')}",
    )


def caption(summary: FitSummary) -> str:
    """The photo caption (Telegram HTML, under the 1024-character limit)."""
    best = summary.best_degree
    lines = [
        f"📐 <b>کم‌برازش و بیش‌برازش: چندجمله‌ای درجهٔ {fa_int(summary.degree)}</b>",
        (f"داده: {fa_int(summary.n)} نقطهٔ ساختگی از {code('y = sin(2πx) + noise')} "
         f"({code(f'σ = {ascii_number(summary.noise)}')}، {code(f'seed={summary.seed}')})؛ "
         f"{fa_int(summary.n_train)} نقطه برای آموزش (train) و {fa_int(summary.n_val)} نقطه "
         "برای اعتبارسنجی (validation)."),
        (f"برازش با کمترین مربعات روی {code('t = 2x − 1')} در بازهٔ {code('[-1, 1]')} "
         "تا حل دستگاه معادلات از نظر عددی پایدار بماند."),
        "",
        f"خطای آموزش: {code(f'MSE = {ascii_number(summary.train_error)}')}",
        f"خطای اعتبارسنجی: {code(f'MSE = {ascii_number(summary.val_error)}')}",
        (f"مرجع: واریانس نویز {code(f'σ² = {ascii_number(summary.noise**2)}')}، "
         "کف خطای مورد انتظار روی دادهٔ تازه (روی چند نقطه ممکن است از روی شانس کمی کمتر شود)"),
        (f"کمترین خطای اعتبارسنجی در درجهٔ {fa_int(best)}: "
         f"{code(ascii_number(summary.val_errors[best - 1]))}"),
        *_penalty(summary),
        "",
        f"{ICONS[summary.verdict]} <b>{VERDICTS[summary.verdict]}</b>",
        _reason(summary),
    ]
    hint, _ = next_step(summary)
    if hint:
        lines.append(hint)
    return "\n".join(lines)


def _penalty(summary: FitSummary) -> list[str]:
    """With ``l2=``: what the penalty is and what it changed for this degree."""
    if summary.unregularised is None:
        return []
    train, val, squares = summary.unregularised
    penalty = f"MSE + {ascii_number(summary.l2)}·Σc_k²"
    return [
        "",
        (f"🧲 <b>منظم‌سازی L2</b> ({code(f'l2={ascii_number(summary.l2)}')}): کمینهٔ "
         f"{code(penalty)} (بدون جریمه روی عرض از مبدأ {code('c_0')}). همین درجه بدون جریمه: "
         f"خطای آموزش {code(ascii_number(train))}، خطای اعتبارسنجی {code(ascii_number(val))} "
         f"و {code(f'Σc_k² = {ascii_number(squares)}')}؛ با جریمه "
         f"{code(f'Σc_k² = {ascii_number(sum(c * c for c in summary.coefficients[1:]))}')}."),
    ]


def _reason(summary: FitSummary) -> str:
    """The verdict's reason, said the way the numbers allow."""
    reference = summary.noise**2 + ERROR_FLOOR
    if summary.verdict == "underfit" and summary.train_error <= HIGH * reference:
        return _unseen_bias(summary)
    if summary.verdict == "overfit" and summary.noise == 0:
        return OVERFIT_NOISELESS
    if summary.verdict != "good":
        return REASONS[summary.verdict]
    if summary.val_error <= HIGH * reference:
        if summary.val_error <= HIGH * summary.train_error:
            return REASONS["good"]
        return (f"خطای اعتبارسنجی از دو برابر مرجع ({code(f'σ² + {ascii_number(ERROR_FLOOR)}')}) "
                "کمتر است: مدل روی نقطه‌های تازه هم خوب کار می‌کند. خطای آموزش از آن هم کمتر "
                "است، اما چون خطای اعتبارسنجی بالا نرفته، این فاصله نشانهٔ بیش‌برازش نیست.")
    simpler = summary.val_errors[:summary.degree]  # degrees 1 … this one
    best = simpler.index(min(simpler)) + 1
    simpler_too = ("هیچ درجهٔ ساده‌تری خطای اعتبارسنجی کمتری نداشت" if best == summary.degree else
                   f"بهترین درجهٔ ساده‌تر (درجهٔ {fa_int(best)}) هم فاصلهٔ زیادی با آن ندارد")
    ceiling = noise_ceiling(summary.noise, summary.degree + 1, summary.n_train, summary.n_val)
    return (
        "خطای آموزش نزدیک σ² است و خطای اعتبارسنجی از آن بیشتر، اما "
        f"{simpler_too}، و نویزِ {fa_int(summary.n_val)} نقطهٔ اعتبارسنجی به‌تنهایی خطایی تا "
        f"حدود {code(ascii_number(ceiling))} را توضیح می‌دهد. پس این فاصله بیشتر از کم بودن و "
        "نویز دادهٔ اعتبارسنجی است تا حفظ کردن نویز؛ با دادهٔ بیشتر "
        f"({code('n=')}) دقیق‌تر دیده می‌شود."
    )


def _unseen_bias(summary: FitSummary) -> str:
    """Underfitting that only the validation points show: the training error is small."""
    ceiling = noise_ceiling(summary.noise, summary.degree + 1, summary.n_train, summary.n_val)
    noise = ("داده نویز ندارد (σ = ۰)، پس همهٔ این خطا از خود مدل است" if summary.noise == 0
             else f"نویز به‌تنهایی تا حدود {code(ascii_number(ceiling))} را توضیح می‌دهد")
    return (
        "سوگیری بالا (high bias): خطای آموزش کم است، اما خطای اعتبارسنجی خیلی بیشتر از σ² "
        f"است؛ {noise}. مدل شکل منحنی را بین نقطه‌های آموزش دنبال نمی‌کند. "
        "درمان: درجهٔ بالاتر."
    )


#: Where a hint points at the lab worth trying next (a button under the picture).
BUTTON_BELOW = "(دکمهٔ ▶️ زیر تصویر)"


def next_step(summary: FitSummary) -> tuple[str, str]:
    """What to try next: (the caption's hint, the command its button runs, or "")."""
    if summary.verdict == "overfit":
        more = min(summary.n * 10, 2000)
        return (f"ببینید دادهٔ بیشتر ({fa_int(more)} نقطه) چه می‌کند {BUTTON_BELOW}.",
                f"/fit degree={summary.degree} n={more}")
    if summary.verdict == "underfit":
        higher = summary.best_degree if summary.best_degree > summary.degree else summary.degree + 2
        higher = min(higher, 12)
        return (f"درجهٔ بالاتر ({fa_int(higher)}) را امتحان کنید {BUTTON_BELOW}.",
                f"/fit degree={higher}")
    return "", ""

