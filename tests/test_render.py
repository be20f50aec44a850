"""Tests for the /gd lab job (bot.labs.gd.run_gd) and the pictures it draws
(bot.render.trajectory, bot.render.canvas): sizes, formats, frame counts, summary data."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
import sympy as sp
from PIL import Image, ImageChops

from bot.engine.expr import X, Y, parse_function
from bot.labs.gd import GDRequest, GDResult, run_gd
from bot.render.trajectory import frame_indices

PNG_SIZE = (780, 680)  # the phone's 390 px at 2× (#16)
GIF_SIZE = (585, 510)  # at 1.5×
PNG_LIMIT = 120 * 1024
GIF_LIMIT = 600 * 1024

# name: (request, expected f as SymPy, expected number of drawn points)
CASES: dict[str, tuple[GDRequest, sp.Expr, int]] = {
    "1d": (GDRequest("0.1x^2", (2.0,), 0.4, 25, anim=True), sp.Rational(1, 10) * X**2, 26),
    "2d": (GDRequest("x^2+10y^2", (2.0, 1.0), 0.05, 40, anim=True), X**2 + 10 * Y**2, 41),
    "rosenbrock": (GDRequest("(1-x)^2+100(y-x^2)^2", (-1.0, 1.0), 0.001, 60, anim=True),
                   (1 - X) ** 2 + 100 * (Y - X**2) ** 2, 61),
    # x_k = 2·(−1.4)^k; drawn while |x_k − 2| ≤ 6·max(|x0|, |x1 − x0|) = 28.8, i.e. k ≤ 8
    "diverging": (GDRequest("0.1x^2", (2.0,), 12.0, 25, anim=True), sp.Rational(1, 10) * X**2, 9),
    # x_k = 2·(−199)^k escapes past 1e8 after three steps; both drawn points are kept
    "escaping": (GDRequest("x^2", (2.0,), 100.0, 25, anim=True), X**2, 2),
}


@pytest.fixture(scope="module")
def results() -> dict[str, GDResult]:
    return {name: run_gd(request) for name, (request, _, _) in CASES.items()}


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize("name", list(CASES))
def test_png(results, name):
    png = results[name].png
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = _open(png)
    assert image.format == "PNG"
    assert image.size == PNG_SIZE
    assert len(png) < PNG_LIMIT
    # a real picture, not a blank canvas: many colours in use
    colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
    assert colours is not None and len(colours) > 10


@pytest.mark.parametrize("name", list(CASES))
def test_gif(results, name):
    _, _, drawn = CASES[name]
    gif = results[name].gif
    assert gif is not None and gif.startswith(b"GIF8")
    image = _open(gif)
    assert image.format == "GIF"
    assert image.size == GIF_SIZE
    assert len(gif) < GIF_LIMIT
    assert results[name].summary.shown_points == drawn
    expected_frames = len(frame_indices(drawn))
    assert expected_frames > 1
    assert image.n_frames == expected_frames
    image.seek(0)
    first = image.convert("RGB")
    image.seek(image.n_frames - 1)
    last = image.convert("RGB")
    assert ImageChops.difference(first, last).getbbox() is not None  # the trail grew


@pytest.mark.parametrize(("points", "limit", "expected"),
                         [(1, 40, [1]), (2, 40, [1, 2]), (26, 40, list(range(1, 27))),
                          (40, 40, list(range(1, 41)))])
def test_frame_indices_small_runs_show_every_point(points, limit, expected):
    assert frame_indices(points, limit).tolist() == expected


@pytest.mark.parametrize("points", [41, 100, 501])
def test_frame_indices_long_runs_are_capped_and_end_on_the_last_point(points):
    frames = frame_indices(points).tolist()
    assert len(frames) == 40
    assert frames[0] == 1 and frames[-1] == points
    assert frames == sorted(set(frames))


def test_no_gif_without_anim():
    result = run_gd(GDRequest("0.1x^2", (2.0,), 0.4, 25, anim=False))
    assert result.gif is None
    assert _open(result.png).size == PNG_SIZE


KEYS = {"function", "derivative", "x0", "lr", "steps", "path", "final", "final_value", "verdict",
        "gradient_norm", "no_minimum"}


@pytest.mark.parametrize("name", list(CASES))
def test_summary_data(results, name):
    request, expected_f, _ = CASES[name]
    variables = parse_function(request.function).variables
    data = results[name].summary.to_data()
    assert set(data) == KEYS

    path = data["path"]
    assert isinstance(path, list) and all(isinstance(p, list) for p in path)
    assert all(isinstance(v, float) for p in path for v in p)
    assert all(len(p) == len(variables) for p in path)
    assert path[0] == list(request.x0)
    if data["verdict"] != "diverged":
        assert len(path) == request.steps + 1
    assert data["final"] == path[-1]
    assert all(isinstance(v, float) for v in data["final"])

    f = sp.lambdify(variables, expected_f)
    assert data["final_value"] == pytest.approx(f(*data["final"]), rel=1e-12, abs=1e-300)
    assert math.isfinite(data["final_value"])

    x0 = data["x0"]
    assert x0 == (request.x0[0] if len(request.x0) == 1 else list(request.x0))
    assert data["lr"] == request.lr and data["steps"] == request.steps

    # the function and derivative texts read back as the right expressions
    assert sp.simplify(parse_function(data["function"]).expr - expected_f) == 0
    derivative = data["derivative"]
    derivatives = [derivative] if isinstance(derivative, str) else derivative
    assert len(derivatives) == len(variables)
    for text, v in zip(derivatives, variables):
        assert sp.simplify(parse_function(text).expr - sp.diff(expected_f, v)) == 0


@pytest.mark.parametrize(("name", "verdict", "path_length"),
                         [("1d", "slow", 26), ("2d", "converged", 41),
                          ("diverging", "diverged", 26), ("escaping", "diverged", 4)])
def test_summary_verdict_and_path_length(results, name, verdict, path_length):
    data = results[name].summary.to_data()
    assert data["verdict"] == verdict
    assert len(data["path"]) == path_length


def test_summary_path_follows_the_closed_form(results):
    data = results["1d"].summary.to_data()
    np.testing.assert_allclose([p[0] for p in data["path"]],
                               [2.0 * 0.92**k for k in range(26)], rtol=1e-12)
