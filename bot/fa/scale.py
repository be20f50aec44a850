"""Persian wording of the feature-scaling lab: picture labels and caption."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.fa.html import code
from bot.fa.numbers import ascii_number, fa_int, fa_number
from bot.fa.picture import ltr
from bot.render.scale import ScaleLabels

if TYPE_CHECKING:
    from bot.labdata.scale import FeatureRun, ScaleSummary


def _steps(run: FeatureRun) -> str:
    if run.steps_to_tol is None:
        return f"بیش از {fa_int(len(run.path) - 1)} گام"
    return f"{fa_int(run.steps_to_tol)} گام"


def _milestones(run: FeatureRun) -> tuple[tuple[int, str], ...]:
    """Steps 10, 100, 1000, … named on a long path, to show how slowly it crawls."""
    steps = len(run.path) - 1
    return tuple((10**k, f"گام {fa_int(10**k)}") for k in range(1, 6) if 10**k < steps)


def picture_labels(summary: ScaleSummary) -> ScaleLabels:
    raw, scaled = summary.raw, summary.scaled
    return ScaleLabels(
        raw_title=f"ویژگی‌های خام: {ltr(f'κ = {ascii_number(raw.condition_number)}')}",
        scaled_title=f"استانداردشده: {ltr(f'κ = {ascii_number(scaled.condition_number)}')}",
        raw_axes=(f"ضریب مساحت {ltr('(w1)')}", f"ضریب تعداد اتاق {ltr('(w2)')}"),
        scaled_axes=(f"ضریب مساحت استاندارد {ltr('(v1)')}",
                     f"ضریب اتاق استاندارد {ltr('(v2)')}"),
        start="شروع",
        optimum="کمینه",
        progress_title=f"اختلاف هزینه با کمینه، هر کدام با نرخ {ltr('lr = 1/λmax')} خودش",
        step_axis="گام (لگاریتمی)",
        gap_axis=f"{ltr('L − L*')} (لگاریتمی)",
        raw_run=f"خام: {_steps(raw)}",
        scaled_run=f"استانداردشده: {_steps(scaled)}",
        target="هزینهٔ هدف (برای هر دو یکی)",
        milestones=_milestones(raw),
    )


def _run_line(title: str, run: FeatureRun) -> str:
    return (f"• <b>{title}</b>: {code(f'κ(XᵀX) = {ascii_number(run.condition_number)}')}، "
            f"{code(f'lr = 1/λmax = {ascii_number(run.lr)}')}، رسیدن به هدف در {_steps(run)}")


def caption(summary: ScaleSummary) -> str:
    """The photo caption (Telegram HTML, under the 1024-character limit)."""
    raw, scaled = summary.raw, summary.scaled
    low, high = summary.area_range
    target = (f"L ≤ L* + 0.001·(L0 − L*) = {ascii_number(summary.target_loss)}")
    lines = [
        "📏 <b>مقیاس‌بندی ویژگی‌ها (feature scaling)</b>",
        (f"رگرسیون خطی قیمت خانه روی {fa_int(summary.n)} نمونهٔ ساختگی با دو ویژگی: "
         f"مساحت ({fa_int(round(low))} تا {fa_int(round(high))} متر مربع) و تعداد اتاق "
         f"({fa_int(round(summary.rooms_range[0]))} تا {fa_int(round(summary.rooms_range[1]))}). "
         "در هر دو حالت میانگین ستون‌ها کم شده؛ تنها فرق، تقسیم بر انحراف معیار است "
         f"(استانداردسازی، {code('z = (x − μ)/σ')})."),
        "",
        _run_line("خام", raw),
        _run_line("استانداردشده", scaled),
        f"هدف مشترک: {code(target)}",
        "",
        (f"🔎 خطوط تراز خام بیضی‌هایی حدود {fa_number(raw.condition_number ** 0.5, 2)} برابر "
         "کشیده‌اند (درهٔ باریک)؛ پس از استانداردسازی تقریباً دایره‌اند."),
        (f"چرا {code('lr = 1/λmax')}؟ ماتریس مشتق‌های دوم هزینه (هسین، Hessian) "
         f"{code('H = (2/n)XᵀX')} ثابت است و {code('λmax')} و {code('λmin')} بزرگ‌ترین و "
         f"کوچک‌ترین مقدار ویژهٔ آن‌اند ({code('κ = λmax/λmin')}، عدد حالت یا condition number)؛ با "
         f"{code('lr > 2/λmax')} تندترین جهت واگرا می‌شود و {code('1/λmax')} آن را در یک گام "
         "صاف می‌کند. ولی کندترین جهت در هر گام فقط در "
         f"{code('1 − λmin/λmax = 1 − 1/κ')} ضرب می‌شود: "
         f"{code(ascii_number(1 - 1 / raw.condition_number))} برای خام و "
         f"{code(ascii_number(1 - 1 / scaled.condition_number))} برای استانداردشده. "
         "پس تعداد گام‌ها تقریباً با κ بزرگ می‌شود."),
    ]
    return "\n".join(lines)
