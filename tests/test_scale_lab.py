"""/scale: condition numbers against numpy.linalg.cond, learning rates against the
Hessian's eigenvalues, steps to the common target against a hand-written descent, the
picture and caption, every refused option."""

from __future__ import annotations

import numpy as np
import pytest

from bot.commands import scale
from bot.commands.scale import EXAMPLE, parse
from bot.engine.regression import house_data
from bot.fa.numbers import ascii_number, fa_int
from bot.labs.scale import MAX_STEPS, TOLERANCE, ScaleRequest, run_scale
from tests.lab_checks import assert_caption, assert_png, assert_refused


def designs(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centred raw features, z-scored features and the centred price, built here."""
    features, price = house_data(n, seed)
    centred = features - features.mean(axis=0)
    return centred, centred / features.std(axis=0), price - price.mean()


def descend(design: np.ndarray, y: np.ndarray, lr: float, target: float) -> int:
    """Plain full-batch descent from 0 until the MSE is at most ``target``."""
    theta = np.zeros(2)
    for step in range(MAX_STEPS + 1):
        if np.mean((design @ theta - y) ** 2) <= target:
            return step
        theta = theta - lr * 2 / len(y) * design.T @ (design @ theta - y)
    raise AssertionError("did not reach the target")


@pytest.fixture(scope="module", params=[(100, 0), (20, 1), (500, 7)])
def case(request):
    n, seed = request.param
    return n, seed, run_scale(ScaleRequest(n, seed))


def test_condition_numbers_are_numpy_cond_of_xtx(case):
    n, seed, result = case
    raw, scaled, _ = designs(n, seed)
    data = result.summary.to_data()
    assert data["raw"]["condition_number"] == pytest.approx(np.linalg.cond(raw.T @ raw), rel=1e-9)
    assert data["scaled"]["condition_number"] == pytest.approx(np.linalg.cond(scaled.T @ scaled),
                                                                rel=1e-9)
    assert data["raw"]["condition_number"] > 500
    assert data["scaled"]["condition_number"] < 2


def test_rates_are_one_over_the_largest_hessian_eigenvalue(case):
    n, seed, result = case
    for design, run in zip(designs(n, seed)[:2], (result.summary.raw, result.summary.scaled)):
        hessian = 2 / n * design.T @ design
        assert run.lr == pytest.approx(1 / np.linalg.eigvalsh(hessian).max(), rel=1e-12)


def test_both_runs_aim_at_the_same_loss(case):
    n, seed, result = case
    raw, scaled, y = designs(n, seed)
    best = [np.mean((d @ np.linalg.lstsq(d, y, rcond=None)[0] - y) ** 2) for d in (raw, scaled)]
    assert best[0] == pytest.approx(best[1], rel=1e-10)  # one model family, one minimum
    summary = result.summary
    start = np.mean(y**2)
    assert summary.best_loss == pytest.approx(best[0], rel=1e-10)
    assert summary.target_loss == pytest.approx(best[0] + TOLERANCE * (start - best[0]), rel=1e-12)
    for run in (summary.raw, summary.scaled):
        assert run.final_loss <= summary.target_loss
        assert run.path[0] == (0.0, 0.0)


def test_steps_to_tolerance_match_a_hand_written_descent_and_scaling_wins(case):
    n, seed, result = case
    raw, scaled, y = designs(n, seed)
    summary = result.summary
    for design, run in ((raw, summary.raw), (scaled, summary.scaled)):
        assert run.steps_to_tol == descend(design, y, run.lr, summary.target_loss)
        assert len(run.path) == run.steps_to_tol + 1
    assert summary.scaled.steps_to_tol < 10
    assert summary.raw.steps_to_tol > 1000


def test_data_fields(case):
    data = case[2].summary.to_data()
    for version in ("raw", "scaled"):
        assert {"steps_to_tol", "condition_number", "path", "final_loss"} <= set(data[version])


def test_picture_and_caption(case):
    _, _, result = case
    assert_png(result.png)
    text = assert_caption(scale.words.caption(result.summary))
    raw, scaled = result.summary.raw, result.summary.scaled
    assert f"κ(XᵀX) = {ascii_number(raw.condition_number)}" in text
    assert f"κ(XᵀX) = {ascii_number(scaled.condition_number)}" in text
    assert f"{fa_int(raw.steps_to_tol)} گام" in text
    assert "lr = 1/λmax" in text


# ---------------------------------------------------------------------- parsing

def test_defaults():
    assert parse("") == ScaleRequest(100, 0)
    assert parse(EXAMPLE.partition(" ")[2]) == ScaleRequest(100, 0)
    assert parse("n=۵۰ seed=۳") == ScaleRequest(50, 3)


@pytest.mark.parametrize(("args", "needles"), [
    ("n=10", ("n", "۲۰", "۲۰۰۰")),
    ("n=5000", ("n", "۲۰۰۰")),
    ("n=big", ("n", "big")),
    ("n=20.5", ("n", "عدد صحیح")),
    ("seed=-1", ("seed",)),
    ("seed=2000000", ("seed",)),
    ("lr=0.1", ("lr", "نمی‌شناسم", "seed")),
    ("raw", ("raw", "name=value")),
])
def test_every_bad_option_gets_its_own_message(args, needles):
    assert_refused(parse, args, EXAMPLE, *needles)


async def test_run_in_the_render_pool(ctx):
    response = await scale.run("n=60 seed=2", ctx)
    assert response.data["scaled"]["steps_to_tol"] < response.data["raw"]["steps_to_tol"]
    assert_png(response.replies[0].media.data)
