"""/lr: panels' paths against x0(1 − lr·c)^k, thresholds against 1/c and 2/c (and the
largest eigenvalue in 2-D, in closed form), verdicts, the classic four-panel figure told
truthfully, the picture and caption, every refused option."""

from __future__ import annotations

import math
from dataclasses import replace
from functools import cache

import numpy as np
import pytest
from PIL import Image

from bot.engine.bounds import Bounds, LineLimit
from bot.commands import lr as lr_command
from bot.commands.lr import EXAMPLE, EXAMPLES, parse
from bot.engine.verdict import ABSOLUTE_TOLERANCE, RELATIVE_TOLERANCE, SMALL_GRADIENT
from bot.fa import lr as words
from bot.fa.html import plain_text, visible_length
from bot.labs.lr import LRRun, LRSummary, run_lr
from bot.render import panels
from tests.lab_checks import CAPTION_LIMIT, assert_caption, assert_png, assert_refused


@cache
def result(args: str):
    return run_lr(parse(args))


def data(args: str) -> dict:
    return result(args).summary.to_data()


# ---------------------------------------------------------------------------
# 1. The default: the classic four panels for 0.1x² from x0 = 2
# ---------------------------------------------------------------------------


def test_default_is_the_classic_figure() -> None:
    d = data("")
    assert d["function"] == "0.1x^2" and d["x0"] == 2.0 and d["steps"] == 25
    assert [run["lr"] for run in d["runs"]] == [0.2, 0.4, 0.6, 0.8]


@pytest.mark.parametrize("index", range(4))
def test_default_paths_are_x0_times_powers_of_one_minus_0_2_lr(index: int) -> None:
    run = data("")["runs"][index]
    factor = 1 - 0.2 * run["lr"]  # f'(x) = 0.2x, so x_{k+1} = x_k − lr·0.2·x_k
    expected = 2 * factor ** np.arange(26)
    np.testing.assert_allclose(np.array(run["path"])[:, 0], expected, rtol=1e-12)
    assert run["final_value"] == pytest.approx(0.1 * expected[-1] ** 2, rel=1e-12)
    # Monotone: every point is positive and smaller than the one before.
    assert np.all(expected > 0) and np.all(np.diff(expected) < 0)


def test_default_verdicts_follow_the_gradient_rule_and_none_oscillates() -> None:
    for run in data("")["runs"]:
        shrink = (1 - 0.2 * run["lr"]) ** 25  # |f'(x_25)| / |f'(x_0)|, and f'(x_0) = 0.4
        small = shrink <= RELATIVE_TOLERANCE and 0.4 * shrink <= SMALL_GRADIENT
        expected = "converged" if small else "slow"
        assert run["verdict"] == expected
        assert run["verdict"] != "oscillating"
    assert [r["verdict"] for r in data("")["runs"]] == ["slow", "slow", "slow", "converged"]


def test_default_caption_tells_the_truth_about_0_6_and_0_8() -> None:
    text = assert_caption(words.caption(result("").summary))
    for factor in ("0.96", "0.92", "0.88", "0.84"):
        assert f"ضریب {factor} (یکنواخت)" in text
    assert "lr < 5" in text and "lr > 10" in text
    assert "0.6 و 0.8 روی 0.1x² نوسان می‌کنند؛ این‌طور نیست" in text
    assert data("")["thresholds"] == {"monotone_below": pytest.approx(5.0),
                                      "diverge_above": pytest.approx(10.0)}


# ---------------------------------------------------------------------------
# 2. Thresholds: 1/c and 2/c; in 2-D the largest Hessian eigenvalue
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("function", "curvature"), [
    ("0.1x^2", 0.2),
    ("3x^2", 6.0),
    ("0.5(x-1)^2+4", 1.0),
    ("x^2+10y^2 x0=2,1", 20.0),
    ("2x^2+xy+y^2 x0=1,1", 3 + math.sqrt(2)),  # Hessian [[4, 1], [1, 2]]: 3 ± √2
])
def test_thresholds_are_one_and_two_over_the_largest_curvature(function: str,
                                                               curvature: float) -> None:
    thresholds = data(f"{function} lrs=0.01,0.02")["thresholds"]
    assert thresholds["monotone_below"] == pytest.approx(1 / curvature, rel=1e-12)
    assert thresholds["diverge_above"] == pytest.approx(2 / curvature, rel=1e-12)


@pytest.mark.parametrize("function", ["x^4", "sin(x)", "x^2-y^2 x0=1,1", "x^2+y x0=1,1",
                                      "-x^2"])
def test_no_thresholds_without_a_convex_quadratic(function: str) -> None:
    assert data(f"{function} lrs=0.01,0.02")["thresholds"] is None
    assert "آستانهٔ دقیقی" in plain_text(words.caption(result(f"{function} lrs=0.01,0.02")
                                                       .summary))


def test_the_three_regimes_on_x_squared() -> None:
    # f = x², c = 2: thresholds 0.5 and 1; factors 0.6, −0.2, −1.2.
    runs = data("x^2 lrs=0.2,0.6,1.1")["runs"]
    for run, factor in zip(runs, (0.6, -0.2, -1.2)):
        points = np.array(run["path"])[:, 0]
        np.testing.assert_allclose(points, 2 * factor ** np.arange(len(points)), rtol=1e-12)
    # lr = 0.6: r = −0.2 zig-zags, and after 25 steps |r|^25 ≈ 3e-18: converged
    assert [run["verdict"] for run in runs] == ["converged", "converged", "diverged"]
    text = plain_text(words.caption(result("x^2 lrs=0.2,0.6,1.1").summary))
    assert "نوسانی و میرا" in text and "(واگرا)" in text


def test_two_d_panels_follow_each_axis_factor() -> None:
    # f = x² + 10y² from (2, 1): x_k = 2(1 − 2lr)^k, y_k = (1 − 20lr)^k.
    for run in data("x^2+10y^2 x0=2,1 lrs=0.02,0.08")["runs"]:
        points = np.array(run["path"])
        k = np.arange(len(points))
        np.testing.assert_allclose(points[:, 0], 2 * (1 - 2 * run["lr"]) ** k, rtol=1e-12)
        np.testing.assert_allclose(points[:, 1], (1 - 20 * run["lr"]) ** k, rtol=1e-12,
                                   atol=1e-300)
        gradient = np.hypot(2 * points[-1, 0], 20 * points[-1, 1])
        start = np.hypot(4, 20)
        converged = gradient <= ABSOLUTE_TOLERANCE or (
            gradient <= RELATIVE_TOLERANCE * start and gradient <= SMALL_GRADIENT)
        assert (run["verdict"] == "converged") == converged


# ---------------------------------------------------------------------------
# 3. Picture and caption
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("args", "rows"), [
    ("", 2),
    ("x^2 lrs=0.2,0.6", 1),
    ("x^2+10y^2 x0=2,1 lrs=0.01,0.02,0.05,0.08,0.1,0.11", 3),
    ("x^4-3x^2+x lrs=0.01,0.1,0.3", 2),
])
def test_pictures_and_captions(args: str, rows: int) -> None:
    """Two panels a row on a phone: a row more is a fixed height more."""
    image: Image.Image = assert_png(result(args).png)
    assert image.height == 2 * (rows * panels.ROW_HEIGHT + panels.TOP + panels.BOTTOM)
    text = assert_caption(words.caption(result(args).summary))
    for run in result(args).summary.runs:
        assert f"lr = {run.lr:g}" in text


def test_equal_requests_share_a_key() -> None:
    assert parse("").key == parse("0.1x^2 lrs=0.2,0.4,0.6,0.8 steps=25 x0=2").key
    assert parse("x^2 lrs=0.2,0.6").key == parse("x^2 lrs=۰٫۲،۰٫۶").key


# ---------------------------------------------------------------------------
# 4. Refused options
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("args", "example", "needles"), [
    ("lrs=0.5", EXAMPLE, ("lrs", "بین ۲ تا ۶")),
    ("lrs=0.1,0.2,0.3,0.4,0.5,0.6,0.7", EXAMPLE, ("lrs", "بین ۲ تا ۶")),
    ("lrs=0,0.1", EXAMPLE, ("lrs", "بزرگ‌تر از ۰")),
    ("lrs=-1,0.2", EXAMPLE, ("lrs", "بزرگ‌تر از ۰")),
    ("lrs=nan,0.2", EXAMPLE, ("lrs", "nan")),
    ("lrs=0.2,fast", EXAMPLE, ("lrs=fast", "عدد نیست")),
    ("lrs=0.2,0.2", EXAMPLE, ("0.2", "دو بار")),
    ("steps=0", EXAMPLE, ("steps", "۱۰۰۰")),
    ("steps=1001", EXAMPLE, ("steps", "۱۰۰۰")),
    ("x0=1,2", EXAMPLES[1], ("x0", "یک عدد")),
    ("x^2+y^2 x0=1", EXAMPLES[2], ("x0", "۲ عدد")),
    ("x^^2", EXAMPLE, ("تابع را نفهمیدم",)),
    ("ravine", EXAMPLE, ("ravine", "نمی‌شناسم")),
    ("lr=0.1", EXAMPLE, ("lr", "نمی‌شناسم", "lrs")),
])
def test_bad_options_get_a_specific_persian_message(args: str, example: str,
                                                     needles: tuple[str, ...]) -> None:
    assert_refused(parse, args, example, *needles)
    parse(example.removeprefix("/lr "))


async def test_command_replies_with_one_photo_and_data(ctx) -> None:
    response = await lr_command.run("", ctx)
    assert len(response.replies) == 1
    assert response.data["thresholds"]["monotone_below"] == pytest.approx(5.0)
    assert response.replies[0].media.filename == "lr.png"


async def test_undefined_start_is_refused_in_persian(ctx) -> None:
    from bot.commands.router import handle_text

    response = await handle_text("/lr log(x) x0=-1 lrs=0.1,0.2", ctx)
    assert "تعریف نشده" in plain_text(response.replies[0].text)


#: The longest no-minimum note: a line through a far point, to a finite singular point.
LONG_BOUNDS = Bounds(no_minimum=LineLimit((-1.2345678e7, 0.0), (0.0, 1.0), -1.2345678e7, -1,
                                          float("-inf")))


def test_caption_fits_even_with_extreme_numbers() -> None:
    big = -1.2345678e7
    run = LRRun(lr=1.2345e-5, path=((big, big),), values=(big,), verdict="slow",
                stopped="steps", factor=-1.2345e5)
    summary = LRSummary("x", "x" * 70, ("x", "y"), (-123456.7, 123456.7), 1000,
                        tuple(replace(run, lr=run.lr * (k + 1)) for k in range(6)),
                        1.2345e7, (1 / 1.2345e7, 2 / 1.2345e7), LONG_BOUNDS)
    assert visible_length(words.caption(summary)) <= CAPTION_LIMIT


# ------------------------------------------------------- lrs=A..B: log-spaced rates

@pytest.mark.parametrize(("args", "rates"), [
    ("lrs=0.03..30 n=4", (0.03, 0.3, 3.0, 30.0)),
    ("lrs=0.03..30", (0.03, 0.3, 3.0, 30.0)),  # four by default
    ("lrs=0.01..1 n=5", (0.01, 0.0316, 0.1, 0.316, 1.0)),
    ("lrs=1e-4..1e-2 n=3", (1e-4, 1e-3, 1e-2)),
    ("lrs=۰٫۱..۱۰ n=۲", (0.1, 10.0)),
])
def test_a_range_gives_rates_evenly_spaced_on_a_log_scale(args, rates):
    request = lr_command.parse(f"0.1x^2 {args}")
    assert request.lrs == rates
    # independently: equal ratios, to the three digits the rates are kept to
    ratios = [b / a for a, b in zip(request.lrs, request.lrs[1:])]
    expected = (rates[-1] / rates[0]) ** (1 / (len(rates) - 1))
    assert all(ratio == pytest.approx(expected, rel=2e-3) for ratio in ratios)


@pytest.mark.parametrize(("args", "needles"), [
    ("lrs=1..0.1", ("کوچک‌تر", "lrs=A..B")),
    ("lrs=1..1", ("کوچک‌تر",)),
    ("lrs=0.1..0.1001 n=6", ("باریک", "n")),
    ("lrs=0..1", ("lrs", "بزرگ‌تر از ۰")),
    ("lrs=0.01..abc", ("lrs=abc", "عدد نیست")),
    ("lrs=0.01..1 n=9", ("n", "۶")),
    ("lrs=0.01..1 n=1", ("n", "۲")),
    ("lrs=0.01..1 n=2.5", ("n", "2.5")),
])
def test_bad_ranges_get_an_example_with_a_range(args, needles):
    assert_refused(lr_command.parse, f"0.1x^2 {args}", lr_command.LOG_EXAMPLE, *needles)


def test_n_without_a_range_is_refused():
    assert_refused(lr_command.parse, "0.1x^2 lrs=0.1,0.2 n=3", lr_command.LOG_EXAMPLE, "n", "lrs=A..B")
    assert_refused(lr_command.parse, "0.1x^2 n=3", lr_command.LOG_EXAMPLE, "n")


def test_the_log_example_runs_all_three_regimes():
    """0.1x²: thresholds 5 and 10, so 0.03 and 0.3 crawl, 3 converges, 30 diverges."""
    request = lr_command.parse(lr_command.LOG_EXAMPLE.partition(" ")[2])
    factors = [1 - 0.2 * rate for rate in request.lrs]
    assert factors == pytest.approx([0.994, 0.94, 0.4, -5.0])
