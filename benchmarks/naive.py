"""The naive way to draw the same pictures, as a baseline.

Same artists as the bot's renderers, drawn the way tutorials do it: a fresh pyplot
figure per request, ``tight_layout``, a default RGBA ``savefig``, and for animations a
full redraw of every frame. ``still``/``animation`` do this for /gd's scene;
``drawn_naively()`` does it for any lab by swapping the shared canvas helpers.
"""

from __future__ import annotations

import importlib
import io
import pkgutil
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

import bot.render
from bot.render import canvas
from bot.render.fonts import register_fonts
from bot.render.canvas import DESIGN_DPI, GIF_SCALE, PHONE_PX, STILL_SCALE
from bot.render.trajectory import (
    HEIGHT,
    Trajectory,
    TrajectoryLabels,
    _Scene,
    frame_indices,
)


def _fresh_scene(trajectory: Trajectory, labels: TrajectoryLabels, scale: float) -> _Scene:
    figure = _pyplot_figure(HEIGHT, scale)
    scene = _Scene(figure, trajectory.grid is not None)
    scene.show(trajectory, labels)
    figure.tight_layout()
    return scene


def still(trajectory: Trajectory, labels: TrajectoryLabels) -> bytes:
    scene = _fresh_scene(trajectory, labels, STILL_SCALE)
    scene.set_trail(trajectory.path, len(trajectory.path))
    scene.show_end(trajectory.reaches_end)
    scene.place_labels(trajectory)
    buffer = io.BytesIO()
    scene.figure.savefig(buffer, format="png")
    plt.close(scene.figure)
    return buffer.getvalue()


def animation(trajectory: Trajectory, labels: TrajectoryLabels) -> bytes:
    scene = _fresh_scene(trajectory, labels, GIF_SCALE)
    scene.place_labels(trajectory)
    frames = []
    total = len(trajectory.path)
    for count in frame_indices(total):
        scene.set_trail(trajectory.path[:count], total)
        scene.show_end(count == total and trajectory.reaches_end)
        if labels.counter:
            scene.set_counter(labels.counter[min(count, len(labels.counter)) - 1])
        scene.figure.canvas.draw()  # the whole figure, every frame
        rgba = np.asarray(scene.figure.canvas.buffer_rgba())
        frames.append(Image.fromarray(rgba[..., :3].copy()))
    plt.close(scene.figure)
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=180,
                   loop=0)
    return buffer.getvalue()


def _pyplot_figure(height: int, scale: float = STILL_SCALE, margins: object = None,
                   width: int = PHONE_PX):
    register_fonts()
    return plt.figure(figsize=(width / DESIGN_DPI, height / DESIGN_DPI),
                      dpi=DESIGN_DPI * scale)


def _savefig(figure, colours: int = 0) -> bytes:
    with warnings.catch_warnings():  # tight_layout warns about some axes; naive code ignores it
        warnings.simplefilter("ignore", UserWarning)
        figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()


def _full_redraw(self, region) -> None:
    self.draw()


class _Forgetful(dict):
    """A memo that remembers nothing: every label is measured again, as naive code does."""

    def __setitem__(self, key, value) -> None:
        pass


@contextmanager
def drawn_naively() -> Iterator[None]:
    """Within this block every renderer gets fresh pyplot figures, default PNGs and a
    full redraw where it would restore a saved background; figures a worker would reuse
    (functions under ``functools.cache``) are made afresh, and label sizes measured anew."""
    modules = [importlib.import_module(f"bot.render.{m.name}")
               for m in pkgutil.iter_modules(bot.render.__path__)]
    swaps = ((canvas.new_figure, _pyplot_figure), (canvas.png_bytes, _savefig))
    saved = []
    for module in modules:
        for name, value in list(vars(module).items()):
            replacement = next((new for original, new in swaps if value is original), None)
            if (replacement is None and name.startswith("_") and hasattr(value, "cache_clear")
                    and hasattr(value, "__wrapped__")):
                replacement = value.__wrapped__  # a reused figure: made anew each time
            if replacement is None and name == "_label_sizes":
                replacement = _Forgetful()
            if replacement is not None:
                saved.append((module, name, value))
                setattr(module, name, replacement)
    restore = FigureCanvasAgg.restore_region
    FigureCanvasAgg.restore_region = _full_redraw
    try:
        yield
    finally:
        FigureCanvasAgg.restore_region = restore
        for module, name, value in saved:
            setattr(module, name, value)
