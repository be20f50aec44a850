"""Persian wording of the batch-size lab: picture labels, caption, input errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.fa.errors import with_example
from bot.fa.html import code, fit_caption
from bot.fa.numbers import ascii_number, fa_int
from bot.fa.picture import ltr
from bot.render.batch import BatchLabels

if TYPE_CHECKING:
    from bot.labdata.batch import BatchSummary, RunSummary


def kind(batch: int, n: int) -> str:
    """SGD, mini-batch or full batch, as the lessons name them."""
    if batch == 1:
        return "SGD"
    return "دستهٔ کامل" if batch == n else "مینی‌بچ"


def _short_kind(batch: int, n: int) -> str:
    return "تصادفی" if batch == 1 else kind(batch, n)


def picture_labels(summary: BatchSummary) -> BatchLabels:
    runs = tuple(
        f"{_short_kind(run.batch, summary.n)} {ltr(f'(batch = {run.batch})')}: "
        + ("واگرا پس از " if run.diverged else "") + f"{fa_int(run.iterations)} تکرار"
        for run in summary.runs
    )
    return BatchLabels(
        title=f"مسیر {ltr('(w, b)')} روی خطوط تراز هزینه، {fa_int(summary.epochs)} epoch",
        runs=runs,
        start="شروع",
        optimum="کمینه (lstsq)",
        per_iteration="هزینه در هر تکرار",
        per_epoch="هزینه بر حسب epoch",
        iteration_axis="تکرار (iteration)، لگاریتمی",
        epoch_axis="epoch",
        loss_axis="هزینهٔ کل داده (MSE)؛ خط‌چین: کمینه",
    )


def _point(w: float, b: float) -> str:
    return f"(w, b) = ({ascii_number(w)}, {ascii_number(b)})"


def _run_line(run: RunSummary, n: int, epochs: int, brief: bool = False) -> str:
    count = code(f"⌈{n}/{run.batch}⌉ = {run.per_epoch}")
    head = f"• <b>batch={run.batch}</b> ({kind(run.batch, n)}): {count} تکرار در هر epoch"
    if run.diverged:
        grown = "" if brief else (f": هزینه به‌جای کم شدن به {code(f'L = {ascii_number(run.final[2])}')} "
                                  "رسید (lr برای این دسته بزرگ است)")
        return f"{head}؛ 💥 پس از {fa_int(run.iterations)} تکرار واگرا شد{grown}."
    loss = run.final[2]
    return (f"{head} × {fa_int(epochs)} = {fa_int(run.iterations)} تکرار؛ "
            f"پایان {code(f'L = {ascii_number(loss)}')}")


def caption(summary: BatchSummary) -> str:
    """The photo caption (Telegram HTML, under the 1024-character limit)."""
    w, b, loss = summary.optimum
    start = _point(*summary.start)
    head = [
        "🎲 <b>گرادیان کاهشی دسته‌ای، مینی‌بچ و تصادفی (SGD)</b>",
        (f"رگرسیون خطی {code('ŷ = w·x + b')} روی {fa_int(summary.n)} نمونهٔ ساختگی "
         f"({code(f'seed={summary.seed}')})، هزینهٔ MSE، {code(f'lr = {ascii_number(summary.lr)}')}، "
         f"{fa_int(summary.epochs)} epoch، شروع از {code(start)}."),
        f"کمینهٔ دقیق (lstsq): {code(_point(w, b))}، {code(f'L* = {ascii_number(loss)}')}",
        "",
    ]
    lesson = [
        "",
        (f"⚖️ <b>نویز در برابر حجم محاسبه</b>: هر epoch یک بار دیدن کل داده است، پس حجم محاسبهٔ "
         f"همه یکی است ({fa_int(summary.epochs)} × {fa_int(summary.n)} گرادیان نمونه). دستهٔ "
         "کوچک‌تر با همین محاسبه گام‌های بیشتری برمی‌دارد و زودتر به کمینه می‌رسد، ولی گرادیانش "
         f"پرنویز است (انحراف معیار نویز حدود {code('1/√B')}، B اندازهٔ دسته) و دور کمینه "
         "می‌لرزد. " + _full_batch_note(summary)),
    ]
    full, brief = ([_run_line(run, summary.n, summary.epochs, short) for run in summary.runs]
                   for short in (False, True))
    # the long divergence rows give way before the paragraph that teaches the trade-off
    return fit_caption([head + full + lesson, head + brief + lesson, head + brief], [])


def _full_batch_note(summary: BatchSummary) -> str:
    diverged = [run.batch for run in summary.runs if run.diverged]
    if diverged:
        sizes = "، ".join(code(f"batch={b}") for b in diverged)
        became = "واگرا شدند" if len(diverged) > 1 else "واگرا شد"
        return (f"با این نرخ {sizes} {became}؛ نرخ مجاز به اندازهٔ دسته بستگی دارد، پس "
                "نرخ یادگیری کوچک‌تری امتحان کنید.")
    return "دستهٔ کامل هموار و دقیق است، ولی در هر epoch فقط یک گام برمی‌دارد."


def batch_too_large(batch: int, n: int, example: str) -> str:
    return with_example(
        f"اندازهٔ دسته {code(f'batch={batch}')} از تعداد نمونه‌ها {code(f'n={n}')} بیشتر است؛ "
        f"بزرگ‌ترین دسته کل داده است ({code(f'batch={n}')}).", example)


def too_many_batches(most: int, example: str) -> str:
    return with_example(
        f"حداکثر {fa_int(most)} اندازهٔ دسته را با هم مقایسه می‌کنم؛ آن‌ها را با ویرگول جدا کنید.",
        example)


def repeated_batch(batch: int, example: str) -> str:
    return with_example(f"اندازهٔ دستهٔ {code(str(batch))} دو بار آمده است.", example)


def too_many_iterations(total: int, limit: int, most_epochs: int, example: str) -> str:
    return with_example(
        f"این درخواست روی هم {fa_int(total)} تکرار می‌شود و سقف {fa_int(limit)} است. "
        f"با همین اندازه‌های دسته حداکثر {code(f'epochs={most_epochs}')} ممکن است؛ "
        "یا دستهٔ ۱ را کنار بگذارید.", example)
