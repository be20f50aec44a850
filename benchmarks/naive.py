"""The naive way to draw the same pictures, as a baseline.

Same artists as the bot's renderer (it reuses ``_Scene``), drawn the way tutorials do
it: a fresh pyplot figure per request, ``tight_layout``, a default RGBA ``savefig``, and
for animations a full redraw of every frame.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from PIL import Image

from bot.render.fonts import register_fonts
from bot.render.trajectory import (
    GIF_SIZE,
    STILL_SIZE,
    Trajectory,
    TrajectoryLabels,
    _Scene,
    frame_indices,
)


def _fresh_scene(trajectory: Trajectory, labels: TrajectoryLabels, size: tuple[int, int],
                 dpi: int) -> _Scene:
    register_fonts()
    figure = plt.figure(figsize=(size[0] / dpi, size[1] / dpi), dpi=dpi)
    scene = _Scene(figure, trajectory.grid is not None)
    scene.show(trajectory, labels)
    figure.tight_layout()
    return scene


def still(trajectory: Trajectory, labels: TrajectoryLabels) -> bytes:
    scene = _fresh_scene(trajectory, labels, STILL_SIZE, 100)
    scene.set_trail(trajectory.path, len(trajectory.path))
    scene.show_end(trajectory.reaches_end)
    buffer = io.BytesIO()
    scene.figure.savefig(buffer, format="png")
    plt.close(scene.figure)
    return buffer.getvalue()


def animation(trajectory: Trajectory, labels: TrajectoryLabels) -> bytes:
    scene = _fresh_scene(trajectory, labels, GIF_SIZE, 80)
    frames = []
    total = len(trajectory.path)
    for count in frame_indices(total):
        scene.set_trail(trajectory.path[:count], total)
        scene.show_end(count == total and trajectory.reaches_end)
        scene.figure.canvas.draw()  # the whole figure, every frame
        rgba = np.asarray(scene.figure.canvas.buffer_rgba())
        frames.append(Image.fromarray(rgba[..., :3].copy()))
    plt.close(scene.figure)
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=180,
                   loop=0)
    return buffer.getvalue()
