"""Pictures designed for a phone (Telegram shows a photo about 390 px wide): every text at
least as tall as the chat's own text there, measured from the figure itself; files
small; names of markers never on a path, a curve, another name or the step counter
(by bounding boxes); the legend of /opt in a band no panel reaches; for 1-D runs the
view holds the path and the minimum it heads for, without the far extremes of the
curve flattening the valley; GIFs count their steps and hold the finished run."""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.path import Path
from matplotlib.text import Text
from PIL import Image

from bot.commands import act, backprop, batch, fit, gd, lr, opt, scale
from bot.labs.act import run_act
from bot.labs.backprop import run_backprop
from bot.labs.batch import run_batch
from bot.labs.fit import run_fit
from bot.labs.gd import run_gd
from bot.labs.lr import run_lr
from bot.labs.opt import run_opt
from bot.labs.scale import run_scale
from bot.render import canvas, labels, network, panels, race, trajectory
from bot.render import act as act_render
from bot.render import batch as batch_render
from bot.render import fit as fit_render
from bot.render import scale as scale_render
from bot.render.canvas import CHAT_TEXT_PX, PHONE_PX, phone_px
from bot.render.labels import label_box

PNG_LIMIT = 120 * 1024
GIF_LIMIT = 600 * 1024
RENDERERS = (trajectory, race, panels, act_render, batch_render, fit_render, scale_render,
             network)


@dataclass
class Captured:
    """Figures as they were encoded (drawn, so every text has its final place)."""

    figures: list[Figure] = field(default_factory=list)


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> Iterator[Captured]:
    seen = Captured()

    def keep(figure: Figure, *args: object, **kwargs: object) -> bytes:
        data = canvas.png_bytes(figure, *args, **kwargs)  # type: ignore[arg-type]
        seen.figures.append(figure)
        return data

    for module in RENDERERS:
        monkeypatch.setattr(module, "png_bytes", keep)
    yield seen


# (name, job, parse, arguments): one request per lab, as a learner would type it
LABS: list[tuple[str, Callable, Callable, str]] = [
    ("gd 1-D", run_gd, gd.parse, "0.1x^2 lr=0.4 steps=25"),
    ("gd double well", run_gd, gd.parse, "x^4-3x^2+x"),
    ("gd 2-D", run_gd, gd.parse, "x^2+10y^2 x0=2,1 lr=0.05"),
    ("gd rosenbrock", run_gd, gd.parse, "(1-x)^2+100(y-x^2)^2 x0=-1,1 lr=0.001 steps=500"),
    ("gd long formula", run_gd, gd.parse,
     "sin(x)*exp(-0.1x^2)+0.05x^2+0.3cos(3x)+0.01x^4+0.2tanh(x)"),
    ("opt 2-D", run_opt, opt.parse, "rosenbrock opt=sgd,momentum,adam"),
    ("opt bumpy", run_opt, opt.parse, "bumpy"),
    ("lr", run_lr, lr.parse, "0.1x^2 lrs=1,4,6,11"),
    ("lr 2-D", run_lr, lr.parse, "x^2+10y^2 x0=2,1"),
    ("act", run_act, act.parse, "sigmoid depth=10"),
    ("batch", run_batch, batch.parse, "batch=1,16,200"),
    ("scale", run_scale, scale.parse, ""),
    ("fit", run_fit, fit.parse, "degree=9"),
    ("backprop curve", run_backprop, backprop.parse, "steps=5"),
    ("backprop bias", run_backprop, backprop.parse, "wrt=b1_2"),
    ("backprop deep", run_backprop, backprop.parse, "layers=4,6,6,3 seed=1"),
    ("backprop widest", run_backprop, backprop.parse, "layers=6,6,6,6,6 seed=2 wrt=w3_45"),
]


def _texts(figure: Figure) -> list[Text]:
    """Every text a reader sees: titles, tick labels, legends, names, notes (the labels
    of ticks outside an axis's view are never drawn)."""
    hidden = {id(label) for ax in figure.axes for axis in (ax.xaxis, ax.yaxis)
              for tick in axis.get_major_ticks() + axis.get_minor_ticks()
              if not _in_view(tick.get_loc(), axis.get_view_interval())
              for label in (tick.label1, tick.label2)}
    return [t for t in figure.findobj(Text)
            if t.get_visible() and t.get_text().strip() and id(t) not in hidden]


def _in_view(location: float, interval: np.ndarray) -> bool:
    low, high = sorted(interval)
    slack = 1e-9 * max(1.0, abs(high - low))
    return low - slack <= location <= high + slack


@pytest.mark.parametrize(("name", "job", "parse", "args"), LABS, ids=[lab[0] for lab in LABS])
def test_every_text_is_at_least_the_chats_text_size_on_a_phone(
        captured: Captured, name: str, job: Callable, parse: Callable, args: str) -> None:
    job(parse(args))
    assert captured.figures
    for figure in captured.figures:
        assert math.isclose(figure.get_figwidth() * canvas.DESIGN_DPI, PHONE_PX)
        texts = _texts(figure)
        assert len(texts) >= 5
        small = [(t.get_text(), round(phone_px(figure, t.get_fontsize()), 1))
                 for t in texts if phone_px(figure, t.get_fontsize()) < CHAT_TEXT_PX]
        assert small == [], small
        # and nothing is cut off by the picture's edges
        renderer = figure.canvas.get_renderer()
        outside = [t.get_text() for t in texts
                   if not _inside(t.get_window_extent(renderer), figure.bbox)]
        assert outside == [], outside


def _inside(box, outer, slack: float = 2.0) -> bool:
    return (box.x0 >= outer.x0 - slack and box.x1 <= outer.x1 + slack
            and box.y0 >= outer.y0 - slack and box.y1 <= outer.y1 + slack)


@pytest.mark.parametrize(("name", "job", "parse", "args"),
                         [lab for lab in LABS if lab[0] in ("gd double well", "gd 2-D", "opt bumpy")]
                         + [("opt bumpy anim", run_opt, opt.parse, "bumpy anim"),
                            ("gd 2-D anim", run_gd, gd.parse, "x^2+10y^2 x0=2,1 lr=0.1 anim"),
                            ("gd rosenbrock anim", run_gd, gd.parse,
                             "(1-x)^2+100(y-x^2)^2 x0=-1,1 lr=0.001 steps=500 anim")],
                         ids=["gd double well", "gd 2-D", "opt bumpy", "opt bumpy anim",
                              "gd 2-D anim", "gd rosenbrock anim"])
def test_files_are_small_for_slow_connections(name: str, job: Callable, parse: Callable,
                                              args: str) -> None:
    result = job(parse(args))
    assert len(result.png) <= PNG_LIMIT
    if result.gif is not None:
        assert len(result.gif) <= GIF_LIMIT


@pytest.mark.parametrize(("name", "job", "parse", "args"),
                         [lab for lab in LABS if lab[0] in ("gd 2-D", "opt 2-D", "scale",
                                                            "backprop widest")],
                         ids=["gd 2-D", "opt 2-D", "scale", "backprop widest"])
def test_a_png_keeps_the_drawn_colours_as_well_as_quantising_every_pixel(
        captured: Captured, name: str, job: Callable, parse: Callable, args: str) -> None:
    """png_bytes chooses its palette from a quarter of the pixels: the PNG is as close
    to the drawn picture as Pillow's own palette of every pixel would make it."""
    job(parse(args))
    table, _ = network._board("table")
    for figure in captured.figures:
        colours = network.TABLE_COLOURS if figure is table else 64
        png = Image.open(io.BytesIO(canvas.png_bytes(figure, colours))).convert("RGB")
        drawn = canvas.canvas_image(figure)  # the pixels png_bytes encoded
        every = drawn.quantize(colours, method=Image.Quantize.FASTOCTREE).convert("RGB")
        ours, theirs = _colour_error(png, drawn), _colour_error(every, drawn)
        assert ours[0] <= 1.05 * theirs[0] and ours[1] <= theirs[1], (ours, theirs)


def _colour_error(image: Image.Image, drawn: Image.Image) -> tuple[float, int]:
    """The mean colour error and the pixels more than 30 off (in any channel)."""
    error = np.abs(np.asarray(image, dtype=int) - np.asarray(drawn, dtype=int)).max(axis=2)
    return float(error.mean()), int((error > 30).sum())


# --- names of markers ----------------------------------------------------------------------

NAMED = ["0.1x^2 lr=0.4 steps=25", "x^4-3x^2+x", "x^4-3x^2+x x0=-2", "sin(x)+0.1x^2",
         "x^2 lr=1.1 steps=10", "x^2 lr=0.9", "x^2+10y^2 x0=2,1 lr=0.05",
         "x^2+10y^2 x0=2,1 lr=0.1", "(1-x)^2+100(y-x^2)^2 x0=-1,1 lr=0.001 steps=500",
         "x^2+y^2 x0=3,-2 lr=0.3", "abs(x)+0.5x^2 x0=3 lr=0.3", "exp(x)+exp(-x) x0=2"]


def _scene_after(args: str) -> trajectory._Scene:
    request = gd.parse(args)
    run_gd(request)
    return trajectory._scene(trajectory.STILL_SCALE, len(request.x0) == 2)


@pytest.mark.parametrize("args", NAMED)
def test_start_and_end_names_cover_no_path_curve_marker_or_each_other(args: str) -> None:
    scene = _scene_after(args)
    ax = scene.ax
    path = ax.transData.transform(scene.dots.get_offsets())
    lines = [path]
    if scene.curve.get_visible():
        lines.append(ax.transData.transform(np.column_stack(scene.curve.get_data())))
    names = [label for label in (scene.start_label, scene.end_label)
             if label.get_visible() and label.get_text()]
    boxes = [label_box(label, ax) for label in names]
    inside = ax.get_window_extent()
    for label, box in zip(names, boxes):
        assert _inside(box, inside, slack=0), label.get_text()
        for line in lines:
            assert not Path(line).intersects_bbox(box, filled=False), label.get_text()
        # the markers themselves (the start's circle, the end's star) stay uncovered
        for marker in (path[0], path[-1]):
            assert not box.padded(-1).contains(*marker), label.get_text()
    if len(boxes) == 2:
        assert not boxes[0].overlaps(boxes[1])


@pytest.mark.parametrize(("args", "scale"), [("x^4-3x^2+x", trajectory.STILL_SCALE),
                                           ("x^2+10y^2 x0=2,1 lr=0.05 anim", trajectory.GIF_SCALE)])
def test_a_name_is_laid_out_once_and_its_box_at_every_place_is_matplotlibs(
        args: str, scale: float) -> None:
    """labels.place lays a name out once and moves that box to each place it tries; at
    every place (offset and alignment) it is the box matplotlib measures there."""
    request = gd.parse(args)
    run_gd(request)
    scene = trajectory._scene(scale, len(request.x0) == 2)
    for label in (scene.start_label, scene.end_label):
        for text, white_box in ((label.get_text(), True), ("آغاز\nx = −2.5", True),
                                ("ŷ", False)):  # /scale's names have no white box
            label.set_text(text)
            label.set_bbox(trajectory.HALO if white_box else None)
            box_at = labels._boxes_at_places(label, scene.ax)
            for n, spot in enumerate(labels._PLACES):
                labels._put(label, spot)
                assert np.allclose(box_at(n).extents, label_box(label, scene.ax).extents,
                                   rtol=0, atol=1e-6), (text, spot)
        label.set_bbox(trajectory.HALO)  # the worker's scene as it was


def test_the_gif_counts_steps_in_a_free_corner_and_holds_the_finished_run() -> None:
    request = gd.parse("x^4-3x^2+x anim")
    result = run_gd(request)
    scene = trajectory._scene(trajectory.GIF_SCALE, False)
    assert scene.counter.get_text() == "گام ۲۵ از ۲۵"
    counter = label_box(scene.counter, scene.ax)
    path = scene.ax.transData.transform(scene.dots.get_offsets())
    assert not Path(path).intersects_bbox(counter, filled=False)
    assert not counter.overlaps(label_box(scene.start_label, scene.ax))
    gif = Image.open(io.BytesIO(result.gif or b""))
    durations = []
    for index in range(gif.n_frames):
        gif.seek(index)
        durations.append(gif.info["duration"])
    assert durations[-1] >= 2000 > durations[0]
    # the counter's corner changes from frame to frame (it counts)
    first, last = _frame(gif, 0), _frame(gif, gif.n_frames - 1)
    scale = first.width / scene.figure.bbox.width
    corner = (int(counter.x0 * scale), int(first.height - counter.y1 * scale),
              int(counter.x1 * scale), int(first.height - counter.y0 * scale))
    assert np.asarray(first.crop(corner)).tolist() != np.asarray(last.crop(corner)).tolist()


def _frame(gif: Image.Image, index: int) -> Image.Image:
    gif.seek(index)
    return gif.convert("RGB")


def test_the_opt_legend_has_a_band_of_its_own(captured: Captured) -> None:
    """In the old side-by-side layout momentum's curve ran under the legend."""
    run_opt(opt.parse("bumpy"))
    (figure,) = captured.figures
    legend = figure.legends[0].get_window_extent(figure.canvas.get_renderer())
    assert len(figure.axes) == 2
    for ax in figure.axes:
        assert not legend.overlaps(ax.get_window_extent()), ax.get_title()


def test_the_opt_gif_counts_steps_and_holds_the_finished_race() -> None:
    result = run_opt(opt.parse("bumpy anim"))
    gif = Image.open(io.BytesIO(result.gif or b""))
    first, last = _frame(gif, 0), _frame(gif, gif.n_frames - 1)
    gif.seek(gif.n_frames - 1)
    assert gif.info["duration"] >= 2000
    assert first.size == (round(PHONE_PX * canvas.GIF_SCALE), first.height)
    assert np.asarray(first).tolist() != np.asarray(last).tolist()


# --- framing 1-D runs -------------------------------------------------------------------------

#: (arguments, f as Python, where to look for its minima): the minimum the run heads for
#: is found here independently, by a dense grid and a local refinement.
FRAMED = [
    ("x^4-3x^2+x", lambda x: x**4 - 3 * x**2 + x, (-3, 3)),
    ("x^4-3x^2+x x0=-2", lambda x: x**4 - 3 * x**2 + x, (-3, 3)),
    ("sin(x)+0.1x^2", lambda x: np.sin(x) + 0.1 * x**2, (-6, 8)),
    ("0.1x^2 lr=0.4 steps=25", lambda x: 0.1 * x**2, (-3, 3)),
    ("(x-3)^2 x0=-1", lambda x: (x - 3) ** 2, (-5, 6)),
    ("x^2 lr=0.9", lambda x: x**2, (-3, 3)),
    ("cos(x) x0=0.5", np.cos, (-1, 7)),
    ("x^4 x0=1.5 lr=0.05", lambda x: x**4, (-2, 2)),
]


def _minimum_ahead(f: Callable, span: tuple[float, float], end: float) -> float:
    xs = np.linspace(*span, 200_001)
    ys = f(xs)
    dips = np.nonzero((ys[1:-1] < ys[:-2]) & (ys[1:-1] <= ys[2:]))[0] + 1
    return float(xs[dips[np.argmin(np.abs(xs[dips] - end))]])


@pytest.mark.parametrize(("args", "f", "span"), FRAMED, ids=[case[0] for case in FRAMED])
def test_a_1d_view_holds_the_path_and_its_minimum_and_the_valley_is_not_flattened(
        args: str, f: Callable, span: tuple[float, float]) -> None:
    request = gd.parse(args)
    result = run_gd(request)
    scene = trajectory._scene(trajectory.STILL_SCALE, False)
    (x_low, x_high), (y_low, y_high) = scene.ax.get_xlim(), scene.ax.get_ylim()
    path = np.array(result.summary.path)[:, 0]
    values = f(path)
    assert x_low < path.min() and path.max() < x_high
    assert y_low < values.min() and values.max() < y_high
    best = _minimum_ahead(f, span, path[-1])
    assert x_low < best < x_high and y_low < f(best) < y_high
    # the vertical range is the path's and the valley's, not the sampled curve's extremes
    reach = max(values.max(), f(best)) - min(values.min(), f(best))
    assert y_high - y_low <= 1.5 * reach + 1e-9 or reach < 1e-6


def test_the_double_well_is_framed_around_its_valleys() -> None:
    """The issue's example: the view used to reach f = 650 and flatten both wells."""
    run_gd(gd.parse("x^4-3x^2+x"))
    scene = trajectory._scene(trajectory.STILL_SCALE, False)
    assert scene.ax.get_ylim()[1] < 12


# --- the backprop graph and table ----------------------------------------------------------

BACKPROP = ["", "wrt=b1_2", "lr=3 steps=20", "layers=4,6,6,3 seed=1",
            "layers=6,6,6,6,6 seed=2 wrt=w3_45", "layers=3,1 act=sigmoid seed=4"]


@pytest.mark.parametrize("args", BACKPROP)
def test_the_backprop_graph_and_table_are_small_and_no_text_covers_another(
        captured: Captured, args: str) -> None:
    result = run_backprop(backprop.parse(args))
    assert len(result.network_png) <= PNG_LIMIT and len(result.table_png) <= PNG_LIMIT
    graph, table = captured.figures[:2]
    for figure in (graph, table):
        assert math.isclose(figure.get_figwidth() * canvas.DESIGN_DPI, PHONE_PX)
    boxes = [(t.get_text(), label_box(t, graph.axes[0])) for t in _texts(graph)]
    clashes = [(a, b) for n, (a, box_a) in enumerate(boxes) for b, box_b in boxes[n + 1:]
               if box_a.overlaps(box_b)]
    assert clashes == [], clashes


@pytest.mark.parametrize("scale", [canvas.STILL_SCALE, 1.3])
def test_a_network_label_measures_as_the_same_text_drawn_on_the_axes(scale: float) -> None:
    """network._label_size measures with a text that is never drawn: the size of the
    same text put on the axes, plus the white box's margins (8 × 6 design px)."""
    figure, ax = network._blank("table", 600, scale=scale)
    renderer = canvas.agg_canvas(figure).get_renderer()
    for text, bold in (("−0.0191105", False), ("∂L/∂w1_2", True), ("پس‌انتشار", False),
                       ("ŷ1\nout", True)):
        network._label_sizes.pop((text, bold, figure.dpi), None)
        drawn = ax.text(0, 0, text, fontsize=canvas.TEXT_PT, linespacing=1.0,
                        fontweight="bold" if bold else "normal")
        box = drawn.get_window_extent(renderer)
        drawn.remove()
        width, height = network._label_size(ax, text, bold)
        assert math.isclose(width, box.width * canvas.DESIGN_DPI / figure.dpi + 8, abs_tol=1e-9)
        assert math.isclose(height, box.height * canvas.DESIGN_DPI / figure.dpi + 6,
                            abs_tol=1e-9)


# --- no text covers another (every lab's still) -------------------------------------------

def clashes(figure: Figure, slack: float = 1.0) -> list[tuple[str, str]]:
    """Pairs of visible texts (titles, axis names, tick labels, legend entries, notes) whose
    boxes overlap by more than ``slack`` canvas pixels both ways (boxes that only touch,
    like an axis name set right under its tick labels, are not a clash)."""
    boxes = [(t.get_text(), label_box(t, figure.axes[0])) for t in _texts(figure)]
    return [(a, b) for n, (a, box_a) in enumerate(boxes) for b, box_b in boxes[n + 1:]
            if min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0) > slack
            and min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0) > slack]


@pytest.mark.parametrize(("name", "job", "parse", "args"), LABS, ids=[lab[0] for lab in LABS])
def test_no_title_axis_name_or_legend_covers_another_text(
        captured: Captured, name: str, job: Callable, parse: Callable, args: str) -> None:
    """/batch's left y name ran under both loss panels' titles; /fit's, /scale's and /act's
    titles sat on their y names, /lr's second row of titles on the first row's ticks; /gd's
    and /opt's y name on the top tick's label, /gd's x name on the last one's, /opt's
    formula under the figure's title."""
    job(parse(args))
    for figure in captured.figures:
        assert clashes(figure) == []
