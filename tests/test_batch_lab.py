"""/batch: the optimum against numpy.linalg.lstsq, epoch/iteration counting, every update
against a hand-written mini-batch loop, the picture and caption, every refused option."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bot.commands import batch
from bot.commands.batch import EXAMPLE, parse
from bot.engine.regression import line_data
from bot.fa.html import plain_text
from bot.labs.batch import START, BatchRequest, run_batch
from tests.lab_checks import assert_caption, assert_png, assert_refused


def reference_runs(n: int, batch_size: int, epochs: int, lr: float, seed: int) -> np.ndarray:
    """Mini-batch descent written out: per epoch one seeded shuffle, then for each slice
    w ← w − lr·(2/m)Σ(w·x + b − y)·x and b ← b − lr·(2/m)Σ(w·x + b − y)."""
    x, y = line_data(n, seed)
    rng = np.random.default_rng(seed)
    w, b = START
    path = [(w, b)]
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            rows = order[start:start + batch_size]
            residual = w * x[rows] + b - y[rows]
            w, b = (w - lr * 2 * np.mean(residual * x[rows]), b - lr * 2 * np.mean(residual))
            path.append((w, b))
    return np.array(path)


@pytest.fixture(scope="module")
def default_result():
    return run_batch(BatchRequest())


def test_optimum_is_numpy_lstsq(default_result):
    x, y = line_data(200, 0)
    design = np.column_stack([x, np.ones_like(x)])
    (w, b), *_ = np.linalg.lstsq(design, y, rcond=None)
    optimum = default_result.summary.to_data()["optimum"]
    assert optimum["w"] == pytest.approx(w, rel=1e-12)
    assert optimum["b"] == pytest.approx(b, rel=1e-12)
    assert optimum["loss"] == pytest.approx(np.mean((w * x + b - y) ** 2), rel=1e-12)


def test_iterations_are_epochs_times_ceil_n_over_batch(default_result):
    runs = default_result.summary.to_data()["runs"]
    assert [r["batch"] for r in runs] == [1, 16, 200]
    for run in runs:
        per_epoch = math.ceil(200 / run["batch"])
        assert run["iterations_per_epoch"] == per_epoch
        assert run["iterations"] == 10 * per_epoch
        assert len(run["path"]) == len(run["losses"]) == run["iterations"] + 1
    assert [r["iterations"] for r in runs] == [2000, 130, 10]


@pytest.mark.parametrize(("n", "size"), [(200, 1), (200, 16), (200, 200), (37, 10)])
def test_every_update_matches_the_hand_written_loop(n, size):
    result = run_batch(BatchRequest(n=n, batches=(size,), epochs=3, lr=0.05, seed=4))
    path = np.array(result.summary.runs[0].path)
    np.testing.assert_allclose(path, reference_runs(n, size, 3, 0.05, 4), rtol=1e-12, atol=1e-12)


def test_losses_are_the_full_data_mse_along_the_path(default_result):
    x, y = line_data(200, 0)
    for run in default_result.summary.runs:
        w, b = np.array(run.path).T
        expected = np.mean((w[:, None] * x + b[:, None] - y) ** 2, axis=1)
        np.testing.assert_allclose(run.losses, expected, rtol=1e-12)
        assert run.to_data()["final"] == {"w": w[-1], "b": b[-1], "loss": run.losses[-1]}


def test_full_batch_descent_is_the_closed_form_recursion():
    # θ_{k+1} = θ_k − lr·(2/n)(XᵀXθ_k − Xᵀy): one update per epoch, no noise.
    x, y = line_data(50, 9)
    design = np.column_stack([x, np.ones_like(x)])
    theta = np.array(START)
    for _ in range(40):
        theta = theta - 0.1 * 2 / 50 * (design.T @ design @ theta - design.T @ y)
    run = run_batch(BatchRequest(n=50, batches=(50,), epochs=40, lr=0.1, seed=9)).summary.runs[0]
    np.testing.assert_allclose(run.path[-1], theta, rtol=1e-12)


def test_small_batches_end_noisy_near_the_optimum_and_full_batch_is_still_far(default_result):
    summary = default_result.summary
    best = summary.optimum[2]
    sgd, mini, full = (run.losses[-1] for run in summary.runs)
    assert best < mini < best * 1.01
    assert best * 1.01 < sgd < best * 1.2
    assert full > 2 * best
    assert not any(run.diverged for run in summary.runs)


def test_a_too_large_rate_diverges_and_is_reported():
    result = run_batch(BatchRequest(lr=0.5))
    sgd = result.summary.runs[0]
    assert sgd.diverged and sgd.iterations < 2000
    assert "واگرا شد" in plain_text(batch.words.caption(result.summary))
    assert_png(result.png)


def test_picture_and_caption(default_result):
    image = assert_png(default_result.png)
    assert image.height > image.width  # two panels and a legend band, stacked
    text = assert_caption(batch.words.caption(default_result.summary))
    assert "⌈200/1⌉ = 200" in text and "⌈200/16⌉ = 13" in text and "⌈200/200⌉ = 1" in text
    assert "۲۰۰۰ تکرار" in text and "۱۳۰ تکرار" in text and "۱۰ تکرار" in text
    assert "L* = 0.2605" in text and "نویز در برابر حجم محاسبه" in text


def test_the_longest_caption_fits():
    # Four runs, four-digit sizes, a six-digit seed, diverging runs (the longer line).
    result = run_batch(parse("n=1999 batch=1,2,3,1998 lr=1 seed=999999"))
    assert sum(run.diverged for run in result.summary.runs) == 4
    assert_caption(batch.words.caption(result.summary))
    result = run_batch(parse("n=1999 batch=1997,1998,1999,1000 epochs=200 lr=0.001 seed=999999"))
    assert_caption(batch.words.caption(result.summary))


def test_the_largest_request_stays_within_the_bounds():
    request = parse("n=2000 batch=1,2,3,4")
    total = sum(math.ceil(2000 / b) for b in request.batches) * request.epochs
    assert total <= batch.MAX_ITERATIONS and request.epochs == 4


# ---------------------------------------------------------------------- parsing

def test_defaults_follow_n():
    assert parse("") == BatchRequest(200, (1, 16, 200), 10, 0.05, 0)
    assert parse(EXAMPLE.partition(" ")[2]) == BatchRequest()
    assert parse("n=12").batches == (1, 12)
    # 2000 + 125 + 1 iterations per epoch: the default 10 epochs would pass the bound.
    assert parse("n=2000") == BatchRequest(2000, (1, 16, 2000), 9, 0.05, 0)
    assert parse("batch=۳۲،۸ lr=۰٫۱ seed=۷") == BatchRequest(200, (32, 8), 10, 0.1, 7)


@pytest.mark.parametrize(("args", "needles"), [
    ("n=5", ("n", "۱۰", "۲۰۰۰")),
    ("n=3000", ("n", "۲۰۰۰")),
    ("n=1.5", ("n", "عدد صحیح")),
    ("n=many", ("n", "many")),
    ("batch=0", ("batch", "دست‌کم ۱")),
    ("batch=300", ("batch=300", "n=200", "بیشتر است", "batch=200")),
    ("n=50 batch=1,64", ("batch=64", "n=50")),
    ("batch=1.5", ("batch", "عدد صحیح", "1.5")),
    ("batch=one", ("batch=one", "عدد نیست")),
    ("batch=nan", ("batch", "nan")),
    ("batch=1,2,4,8,16", ("حداکثر ۴",)),
    ("batch=16,16", ("16", "دو بار")),
    ("batch=1,,16", ("batch", "عدد نیست")),
    ("epochs=0", ("epochs", "۱")),
    ("epochs=1000", ("epochs", "۲۰۰")),
    ("epochs=2.5", ("epochs", "عدد صحیح")),
    ("n=2000 batch=1 epochs=11", ("۲۲۰۰۰", "۲۰۰۰۰", "epochs=10")),
    ("lr=0", ("lr", "بزرگ‌تر از ۰")),
    ("lr=2", ("lr", "۱")),
    ("lr=fast", ("lr=fast", "عدد نیست")),
    ("lr=inf", ("lr", "inf")),
    ("seed=-1", ("seed",)),
    ("seed=x", ("seed",)),
    ("momentum=0.9", ("momentum", "نمی‌شناسم", "batch")),
    ("sgd", ("sgd", "name=value")),
])
def test_every_bad_option_gets_its_own_message(args, needles):
    assert_refused(parse, args, EXAMPLE, *needles)


async def test_run_in_the_render_pool(ctx):
    response = await batch.run("n=100 batch=10,100 epochs=3", ctx)
    assert [r["iterations"] for r in response.data["runs"]] == [30, 3]
    assert_png(response.replies[0].media.data)


def test_a_full_batch_run_whose_loss_grows_is_called_diverged():
    """lr=1 on this data: the full-batch loss grows every step without ever overflowing
    (about 1e7 after 10 epochs); it is a divergence, and the closing advice says so."""
    result = run_batch(parse("lr=1"))
    full = result.summary.runs[-1]
    assert full.batch == 200 and full.diverged and full.final[2] > 1e6
    text = plain_text(batch.words.caption(result.summary))
    assert "هموار و دقیق است" not in text and "نرخ یادگیری کوچک‌تری امتحان کنید" in text
