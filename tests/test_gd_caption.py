"""What the /gd caption teaches about a run: the verdict's title, its reason and the
curvature hint must say what the numbers show (no "quadratic bowl" story on a hill, no
"diverged: every step moved away" for a run that never took a step)."""

from __future__ import annotations

import pytest

from bot.commands.base import Context
from bot.commands.router import handle_text
from bot.fa import gd as words
from bot.fa.html import plain_text
from bot.labs.gd import GDRequest, GDSummary, run_gd


def summary(function: str, x0: tuple[float, ...], lr: float = 0.1, steps: int = 25) -> GDSummary:
    return run_gd(GDRequest(function, x0, lr, steps, anim=False)).summary


def caption(function: str, x0: tuple[float, ...], lr: float = 0.1, steps: int = 25) -> str:
    return plain_text(words.caption(summary(function, x0, lr, steps)))


def test_a_hill_is_called_what_it_is() -> None:
    text = caption("-x^2", (2.0,))
    assert words.VERDICT_TITLES["unbounded"] in text
    assert "کمینه ندارد" in text and "تقصیر نرخ یادگیری نیست" in text
    assert "lr·f'' = -0.2" in text and "1 − lr·f'' = 1.2" in text
    assert "فاصله تا کمینه" not in text  # there is no minimum to be near


def test_a_saddle_run_away_names_the_downhill_direction() -> None:
    text = caption("x^2-y^2", (2.0, 0.1))
    assert words.VERDICT_TITLES["unbounded"] in text and "lr·λmin = -0.2" in text


def test_resting_on_a_saddle_is_not_called_a_minimum() -> None:
    text = caption("x^2-y^2", (1.0, 0.0), steps=60)
    assert words.NOT_A_MINIMUM_TITLE in text and "نقطهٔ زینی" in text
    assert words.VERDICT_TITLES["converged"] not in text


def test_a_flat_tail_is_not_called_the_bottom_of_a_valley() -> None:
    text = caption("exp(x)", (2.0,), lr=10.0)
    assert words.VERDICT_TITLES["flat"] in text and "انحنا هم نزدیک صفر است" in text
    assert "ته یک دره" not in text and words.VERDICT_TITLES["converged"] not in text


def test_a_slope_without_curvature_slides_forever() -> None:
    text = caption("3x", (2.0,))
    assert words.VERDICT_TITLES["unbounded"] in text and "انحنا ندارد" in text


def test_a_first_step_that_flies_off_says_so() -> None:
    text = caption("exp(x^2)", (10.0,))
    assert "۰ گام" in text and "همان گام اول" in text
    assert "هر گام نقطه را از کمینه دورتر کرد" not in text


def test_an_overflow_on_the_way_is_named() -> None:
    text = caption("exp(x^2)", (3.0,))
    assert "سرریز، overflow" in text


def test_a_run_stopped_early_says_after_how_many_of_the_steps() -> None:
    text = caption("x^2", (2.0,), lr=2.0)
    assert words.VERDICT_TITLES["diverged"] in text
    assert "بعد از ۱۶ گام (از ۲۵)" in text


@pytest.mark.parametrize(("args", "wanted"), [
    ("exp(x) x0=1000", "سرریز، overflow"),
    ("x^64 x0=1000000", "سرریز، overflow"),
    ("log(x) x0=0", "تعریف نشده"),
    ("1/x x0=0", "تعریف نشده"),
])
async def test_a_start_point_that_cannot_be_used_gets_its_own_reason(
        args: str, wanted: str, ctx: Context) -> None:
    response = await handle_text(f"/gd {args}", ctx)
    assert response.error and wanted in response.replies[0].text
    assert "مثال درست" in response.replies[0].text


def test_a_first_step_out_of_the_domain_is_named_so() -> None:
    text = caption("log(x)", (1.0,), lr=2.0)  # x1 = 1 − 2·1 = −1
    assert words.OUTSIDE_DOMAIN_TITLE in text and "همان گام اول" in text
    assert "بعد از ۰ گام" not in text


def test_a_slow_two_variable_quadratic_names_its_slowest_direction() -> None:
    """x² + 10y² at lr = 0.05: y settles in one step (1 − 0.05·20 = 0), x shrinks by
    1 − 0.05·2 = 0.9 per step: that direction is why the run is slow."""
    text = caption("x^2+10y^2", (2.0, 1.0), lr=0.05)
    assert words.VERDICT_TITLES["slow"] in text
    assert "1 − lr·λmin = 0.9" in text and "کندترین راستا" in text


# ------------------------------------------------ the instances reported in issue #11

@pytest.mark.parametrize(("function", "x0", "steps"), [("x^3", (2.0,), 25), ("x^3", (2.0,), 500)])
def test_an_inflection_point_is_not_a_valley_bottom(function, x0, steps) -> None:
    text = caption(function, x0, steps=steps)
    assert words.VERDICT_TITLES["converged"] not in text and "ته یک دره" not in text
    assert words.VERDICT_TITLES["flat"] in text and "نقطهٔ عطف" in text
    assert "این تابع کمینه ندارد" in text and "x → −∞" in text


def test_one_over_x_has_no_valley_to_reach() -> None:
    text = caption("1/x", (2.0,))
    assert "به ته دره نرسیده" not in text and "نرخ بزرگ‌تر یا گام بیشتر" not in text
    assert "x → ∞، f → 0" in text and "جایی نمی‌ایستد" in text
    assert "این تابع کمینه ندارد" in text and "x → 0⁻" in text


@pytest.mark.parametrize("function", ["abs(x)", "abs(x)+x^2"])
def test_a_kink_is_named_and_not_called_unbounded_quadratic_or_oscillating(function) -> None:
    text = caption(function, (2.0,))
    assert words.VERDICT_TITLES["kink"] in text and "گوشهٔ تیز" in text
    for wrong in ("unbounded", "oscillating"):
        assert words.VERDICT_TITLES[wrong] not in text
    assert "درجه‌دو" not in text and "بدون نوسان" not in text
    assert "کمینه ندارد" not in text


def test_a_large_gradient_at_the_end_is_not_convergence() -> None:
    text = caption("x^2", (1e6,))
    assert words.VERDICT_TITLES["converged"] not in text and words.VERDICT_TITLES["slow"] in text
    assert "|f'| = 7556" in text


def test_a_local_minimum_of_a_function_without_minimum_is_called_local() -> None:
    text = caption("x^3-3x", (2.0,), lr=0.05, steps=100)
    assert words.VERDICT_TITLES["converged"] in text
    assert "این کمینه فقط محلی (local) است" in text and "x → −∞" in text


def test_a_pole_of_tan_is_named_with_pi() -> None:
    text = caption("tan(x)", (1.0,))
    assert "x → −π/2⁺" in text and "گام مقدار f بالا رفت" in text
