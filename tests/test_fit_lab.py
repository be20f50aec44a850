"""/fit: train and validation errors against numpy.polyfit and a least-squares solve
written here, the verdicts in the lessons' words, the picture and caption, every
refused option."""

from __future__ import annotations

import numpy as np
import pytest

from bot.commands import fit
from bot.commands.fit import EXAMPLE, parse
from bot.engine.regression import curve_data, judge_fit, noise_ceiling, split_indices
from bot.fa.html import plain_text
from bot.fa.numbers import ascii_number
from bot.labdata.fit import DEFAULT_SEED, DEGREES, FitRequest
from bot.labs.fit import run_fit
from tests.lab_checks import assert_caption, assert_png, assert_refused


def data(request: FitRequest):
    x, y = curve_data(request.n, request.noise, request.seed)
    train, val = split_indices(request.n, 1 / 3, request.seed)
    return x[train], y[train], x[val], y[val]


def lstsq_errors(request: FitRequest, degree: int) -> tuple[float, float, np.ndarray]:
    """Least squares on the Vandermonde matrix of t = 2x − 1, written out here."""
    x_train, y_train, x_val, y_val = data(request)
    powers = np.arange(degree + 1)
    vander = (2 * x_train[:, None] - 1) ** powers
    coefficients = np.linalg.lstsq(vander, y_train, rcond=None)[0]
    train = np.mean((vander @ coefficients - y_train) ** 2)
    val = np.mean(((2 * x_val[:, None] - 1) ** powers @ coefficients - y_val) ** 2)
    return float(train), float(val), coefficients


@pytest.fixture(scope="module")
def nine():
    return run_fit(FitRequest(degree=9))


def test_split_sizes(nine):
    summary = nine.summary
    assert (summary.n_train, summary.n_val) == (20, 10)
    train, val = split_indices(30, 1 / 3, DEFAULT_SEED)
    assert sorted(np.concatenate([train, val])) == list(range(30))


@pytest.mark.parametrize("degree", range(1, 8))
def test_errors_match_numpy_polyfit_on_raw_x(nine, degree):
    x_train, y_train, x_val, y_val = data(FitRequest(degree=9))
    coefficients = np.polyfit(x_train, y_train, degree)
    train = np.mean((np.polyval(coefficients, x_train) - y_train) ** 2)
    val = np.mean((np.polyval(coefficients, x_val) - y_val) ** 2)
    row = nine.summary.to_data()["errors_by_degree"][degree - 1]
    assert row["degree"] == degree
    assert row["train"] == pytest.approx(train, rel=1e-8)
    assert row["val"] == pytest.approx(val, rel=1e-8)


@pytest.mark.parametrize("degree", DEGREES)
def test_errors_match_a_least_squares_solve_for_every_degree(nine, degree):
    train, val, _ = lstsq_errors(FitRequest(degree=9), degree)
    assert nine.summary.train_errors[degree - 1] == pytest.approx(train, rel=1e-9)
    assert nine.summary.val_errors[degree - 1] == pytest.approx(val, rel=1e-7)


def test_coefficients_and_chosen_errors(nine):
    request = FitRequest(degree=9)
    train, val, coefficients = lstsq_errors(request, 9)
    data = nine.summary.to_data()
    assert data["degree"] == 9 and data["basis"] == "t = 2x - 1"
    np.testing.assert_allclose(data["coefficients"], coefficients, rtol=1e-7, atol=1e-9)
    assert data["train_error"] == pytest.approx(train, rel=1e-9)
    assert data["val_error"] == pytest.approx(val, rel=1e-7)
    assert data["best_degree"] == 1 + int(np.argmin([row["val"] for row in
                                                      data["errors_by_degree"]]))


@pytest.mark.parametrize(("request_", "verdict", "words"), [
    (FitRequest(degree=1), "underfit", "کم‌برازش (underfitting)"),
    (FitRequest(degree=3), "good", "مناسب"),
    (FitRequest(degree=9), "overfit", "بیش‌برازش (overfitting)"),
    (FitRequest(degree=12), "overfit", "بیش‌برازش (overfitting)"),
    (FitRequest(degree=9, n=300), "good", "مناسب"),  # more data tames the variance
    (FitRequest(degree=12, noise=0.0), "good", "مناسب"),  # no noise, nothing to memorise
    (FitRequest(degree=3, noise=0.0), "underfit", "σ = ۰"),  # a cubic misses sin(2πx)
    (FitRequest(degree=3, noise=0.01), "underfit", "کم‌برازش (underfitting)"),
    (FitRequest(degree=5, noise=0.0), "good", "مناسب"),
])
def test_verdicts_in_the_lessons_words(request_, verdict, words):
    result = run_fit(request_)
    assert result.summary.verdict == verdict
    text = assert_caption(fit.words.caption(result.summary))
    assert words in text
    assert_png(result.png)


def test_judge_fit_rules():
    train = np.array([0.30, 0.05, 0.04, 0.01])
    val = np.array([0.35, 0.06, 0.30, 0.05])
    sizes = {"parameters": 3, "n_train": 20, "n_val": 10}

    def judge(index, train, val, noise):
        return judge_fit(index, train, val, noise, **sizes)

    # σ = 0.2: reference σ² + 0.001 = 0.041.
    assert judge(0, train, val, 0.2) == "underfit"  # 0.30 > 2·0.041
    assert judge(1, train, val, 0.2) == "good"
    assert judge(2, train, val, 0.2) == "overfit"  # 0.30 > 2·0.041, > 2·0.04, > 2·0.06
    assert judge(3, train, val, 0.2) == "good"  # 0.05 is not above 2·0.041
    # A big gap is overfitting when the validation curve rose ...
    assert judge(1, np.array([0.5, 0.01]), np.array([0.2, 0.5]), 0.2) == "overfit"
    # ... not when it did not: within what noise explains (the ceiling 0.137) it is good;
    # beyond it, the bias of a model that misses the curve, though it fits its points.
    assert judge(1, np.array([0.5, 0.01]), np.array([0.6, 0.13]), 0.2) == "good"
    assert judge(1, np.array([0.5, 0.01]), np.array([0.6, 0.5]), 0.2) == "underfit"
    # σ = 0: any validation error above twice the floor (0.002) is the model's own.
    assert judge(0, np.array([0.0015]), np.array([0.0021]), 0.0) == "underfit"
    assert judge(0, np.array([0.0015]), np.array([0.0019]), 0.0) == "good"


def chi_square_quantile(k: int, p: float) -> float:
    """The exact quantile, from mpmath's regularised incomplete gamma function."""
    import mpmath

    return float(mpmath.findroot(
        lambda q: mpmath.gammainc(k / 2, 0, q / 2, regularized=True) - p, k + 4 * k**0.5 + 6))


@pytest.mark.parametrize("n_val", [6, 10, 33, 100, 667])
def test_the_noise_ceiling_is_the_chi_square_bound(n_val):
    """σ²(1 + p/n_train)·χ²₀.₉₉₉(n_val)/n_val, within 1 % (the smallest split has 6 points)."""
    exact = 0.04 * (1 + 4 / 20) * chi_square_quantile(n_val, 0.999) / n_val
    assert noise_ceiling(0.2, 4, 20, n_val) == pytest.approx(exact, rel=0.01)
    assert noise_ceiling(0.0, 4, 20, n_val) == 0.0


def best_possible_error(degree: int) -> float:
    """The smallest mean squared error any polynomial of this degree can reach against
    sin(2πx) over x uniform on [0, 1]: least squares on 20 001 evenly spaced points."""
    x = np.linspace(0, 1, 20001)
    vander = np.vander(x - 0.5, degree + 1)
    residual = vander @ np.linalg.lstsq(vander, np.sin(2 * np.pi * x), rcond=None)[0]
    return float(np.mean((residual - np.sin(2 * np.pi * x)) ** 2))


@pytest.mark.parametrize(("n", "seed"), [(20, 1), (30, 2), (30, 5), (2000, 7)])
def test_without_noise_a_model_that_cannot_follow_the_curve_is_never_good(n, seed):
    """σ = 0: the data are sin(2πx) itself, so there is no noise to blame. A degree whose
    best possible error is above twice the floor (degrees 1–4: 0.196, 0.196, 0.0044,
    0.0044) is never «مناسب», and a cubic is always «کم‌برازش»; no caption blames noise."""
    for degree in range(1, 7):  # 7 and up fit sin(2πx) to within 3e-8
        summary = run_fit(FitRequest(degree=degree, n=n, noise=0.0, seed=seed)).summary
        if best_possible_error(degree) > 2 * 1e-3:
            assert summary.verdict != "good", degree
        if degree == 3:
            assert summary.verdict == "underfit"
        text = plain_text(fit.words.caption(summary))
        assert "نویز دادهٔ" not in text and "نویز به‌تنهایی" not in text, (degree, text)


def test_caption_numbers(nine):
    text = plain_text(fit.words.caption(nine.summary))
    summary = nine.summary
    assert f"MSE = {ascii_number(summary.train_error)}" in text
    assert f"MSE = {ascii_number(summary.val_error)}" in text
    assert "σ² = 0.04" in text and "درجهٔ ۵" in text


# ---------------------------------------------------------------------- parsing

def test_defaults():
    assert parse("") == FitRequest(3, 30, 0.2, DEFAULT_SEED)
    assert parse(EXAMPLE.partition(" ")[2]) == FitRequest(9, 30, 0.2, DEFAULT_SEED)
    assert parse("degree=۹ noise=۰٫۵ seed=۱") == FitRequest(9, 30, 0.5, 1)


@pytest.mark.parametrize(("args", "needles"), [
    ("degree=0", ("degree", "۱", "۱۲")),
    ("degree=13", ("degree", "۱۲")),
    ("degree=2.5", ("degree", "عدد صحیح", "2.5")),
    ("degree=high", ("degree", "high")),
    ("n=10", ("n", "۲۰", "۲۰۰۰")),
    ("n=3000", ("n", "۲۰۰۰")),
    ("noise=-0.1", ("noise", "۰", "۲")),
    ("noise=3", ("noise", "۲")),
    ("noise=nan", ("noise", "nan")),
    ("noise=low", ("noise=low", "عدد نیست")),
    ("seed=-4", ("seed",)),
    ("lambda=0.1", ("lambda", "نمی‌شناسم", "degree")),
    ("9", ("9", "name=value")),
])
def test_every_bad_option_gets_its_own_message(args, needles):
    assert_refused(parse, args, EXAMPLE, *needles)


async def test_run_in_the_render_pool(ctx):
    response = await fit.run("degree=2 n=40 seed=5", ctx)
    assert response.data["degree"] == 2 and len(response.data["errors_by_degree"]) == 12
    assert_png(response.replies[0].media.data)


@pytest.mark.parametrize(("request_", "close"), [
    (FitRequest(degree=3), True),
    (FitRequest(degree=3, seed=5), False),  # validation 0.101 against σ² = 0.04: not "near"
])
def test_a_good_fit_says_only_what_its_numbers_show(request_, close):
    summary = run_fit(request_).summary
    assert summary.verdict == "good"
    text = plain_text(fit.words.caption(summary))
    near = summary.val_error <= 2 * (summary.noise**2 + 1e-3) and summary.val_error <= 2 * summary.train_error
    assert near is close
    assert ("نزدیک σ² و نزدیک هم‌اند" in text) is close
    assert ("نویز دادهٔ اعتبارسنجی" in text) is not close


# ------------------------------------------------------------------ l2= (ridge)

def ridge_closed_form(request: FitRequest, degree: int) -> tuple[float, float, np.ndarray]:
    """The ridge normal equations (VᵀV/n + λD)c = Vᵀy/n, D = diag(0, 1, …, 1), solved
    directly here (the engine solves an augmented least-squares problem instead)."""
    x_train, y_train, x_val, y_val = data(request)
    powers = np.arange(degree + 1)
    vander = (2 * x_train[:, None] - 1) ** powers
    n = len(y_train)
    penalty = np.diag([0.0] + [1.0] * degree)
    coefficients = np.linalg.solve(vander.T @ vander / n + request.l2 * penalty, vander.T @ y_train / n)
    train = np.mean((vander @ coefficients - y_train) ** 2)
    val = np.mean(((2 * x_val[:, None] - 1) ** powers @ coefficients - y_val) ** 2)
    return float(train), float(val), coefficients


@pytest.mark.parametrize("l2", [1e-4, 1e-2, 1.0])
@pytest.mark.parametrize("degree", [2, 5, 9, 12])
def test_l2_fit_is_the_ridge_closed_form(l2, degree):
    summary = run_fit(FitRequest(degree=degree, l2=l2)).summary
    train, val, coefficients = ridge_closed_form(FitRequest(degree=degree, l2=l2), degree)
    np.testing.assert_allclose(summary.coefficients, coefficients, rtol=1e-6, atol=1e-9)
    assert summary.train_error == pytest.approx(train, rel=1e-8)
    assert summary.val_error == pytest.approx(val, rel=1e-7)


def test_ridge_gradient_vanishes_at_the_fit():
    """∇(MSE + λΣ_{k≥1}c_k²) = (2/n)Vᵀ(Vc − y) + 2λ(0, c_1, …) is zero at the solution."""
    request = FitRequest(degree=9, l2=1e-3)
    x_train, y_train, _, _ = data(request)
    c = np.array(run_fit(request).summary.coefficients)
    vander = (2 * x_train[:, None] - 1) ** np.arange(10)
    gradient = 2 / len(y_train) * vander.T @ (vander @ c - y_train) + 2 * 1e-3 * np.r_[0.0, c[1:]]
    assert np.max(np.abs(gradient)) < 1e-9


def test_l2_tames_the_degree_nine_wiggles():
    """What lesson 36's lab shows: the penalty trades a little training error for a much
    lower validation error and far smaller coefficients."""
    summary = run_fit(FitRequest(degree=9, l2=1e-4)).summary
    data_ = summary.to_data()
    without = data_["without_l2"]
    plain = run_fit(FitRequest(degree=9)).summary
    assert (without["train"], without["val"]) == (plain.train_error, plain.val_error)
    assert summary.train_error > plain.train_error  # least squares is the smallest training error
    assert summary.val_error < 0.01 * plain.val_error
    assert without["coefficients_squared"] > 1000 * sum(c * c for c in summary.coefficients[1:])
    assert data_["l2"] == 1e-4 and plain.to_data()["without_l2"] is None
    text = assert_caption(fit.words.caption(summary))
    assert "منظم‌سازی L2" in text and "l2=0.0001" in text and "4.363" in text


def test_a_huge_penalty_leaves_only_the_mean():
    request = FitRequest(degree=9, l2=10.0)
    summary = run_fit(request).summary
    x_train, y_train, _, _ = data(request)
    assert abs(summary.coefficients[0] - np.mean(y_train)) < 0.05
    assert max(abs(c) for c in summary.coefficients[1:]) < 0.05


def test_l2_parses_persian_digits():
    assert parse("degree=9 l2=۰٫۰۰۱") == FitRequest(degree=9, l2=0.001)


@pytest.mark.parametrize(("args", "needles"), [
    ("l2=-1", ("l2", "۰", "۱۰")),
    ("l2=11", ("l2", "۱۰")),
    ("l2=abc", ("l2=abc", "عدد نیست")),
    ("l2=inf", ("l2", "inf")),
])
def test_bad_l2_gets_an_example_that_uses_it(args, needles):
    assert_refused(parse, args, fit.L2_EXAMPLE, *needles)
