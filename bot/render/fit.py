"""The /fit picture: the fitted polynomial over the train and validation points, and the
train and validation errors for every degree with the chosen one marked."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.render.canvas import (
    END,
    INK,
    MUTED,
    PATH,
    TEXT_PT,
    TITLE_PT,
    emptied,
    new_figure,
    png_bytes,
    style_axes,
)
from bot.render.glyphs import log_axis
from bot.render.labels import legend_under, lift_titles, name_axes, wrap_width

#: Design height (px at the phone's 390 px width): two panels one above the other.
HEIGHT = 1040
MARGINS = {"left": 0.17, "right": 0.96, "bottom": 0.22, "top": 0.93, "hspace": 1.2}
TRAIN, VALIDATION = PATH, "#f08c00"
#: A wild high-degree fit is clipped to this window around the data.
Y_WINDOW = (-2.5, 2.5)


@dataclass(frozen=True)
class FitLabels:
    title: str
    train: str
    validation: str
    truth: str
    fitted: str
    errors_title: str
    degree_axis: str
    error_axis: str
    chosen: str
    best: str
    noise: str


@dataclass(frozen=True)
class FitPicture:
    train: tuple[np.ndarray, np.ndarray]
    val: tuple[np.ndarray, np.ndarray]
    curve: tuple[np.ndarray, np.ndarray]  # the true function
    fitted: tuple[np.ndarray, np.ndarray]
    degrees: np.ndarray
    train_errors: np.ndarray
    val_errors: np.ndarray
    degree: int
    noise_variance: float


def _draw_fit(ax: Axes, picture: FitPicture, labels: FitLabels) -> None:
    style_axes(ax)
    ax.plot(*picture.curve, color=MUTED, linewidth=1.6, linestyle="--", label=labels.truth)
    ax.plot(*picture.fitted, color=END, linewidth=2.6, label=labels.fitted)
    ax.scatter(*picture.train, s=42, color=TRAIN, edgecolor="white", zorder=4, label=labels.train)
    ax.scatter(*picture.val, s=52, marker="s", color=VALIDATION, edgecolor="white", zorder=4,
               label=labels.validation)
    low = min(Y_WINDOW[0], float(np.min(picture.train[1])), float(np.min(picture.val[1])))
    high = max(Y_WINDOW[1], float(np.max(picture.train[1])), float(np.max(picture.val[1])))
    ax.set_ylim(low, high)
    ax.set_xlim(*picture.curve[0][[0, -1]])
    name_axes(ax, "x", "y")
    title = ax.set_title(labels.title, color=INK, fontsize=TITLE_PT, pad=28)
    wrap_width(title, ax.bbox.width * 1.1)
    lift_titles((ax,), 28)
    legend_under(ax)


def _draw_errors(ax: Axes, picture: FitPicture, labels: FitLabels) -> None:
    style_axes(ax)
    degrees = picture.degrees
    ax.plot(degrees, picture.train_errors, color=TRAIN, marker="o", linewidth=2.2,
            label=labels.train)
    ax.plot(degrees, picture.val_errors, color=VALIDATION, marker="s", linewidth=2.2,
            label=labels.validation)
    if picture.noise_variance > 0:
        ax.axhline(picture.noise_variance, color=MUTED, linewidth=1.2, linestyle=":",
                   label=labels.noise)
    best = int(np.argmin(picture.val_errors))
    ax.scatter(degrees[best], picture.val_errors[best], s=260, marker="*", color=INK,
               edgecolor="white", zorder=5, label=labels.best)
    ax.axvline(picture.degree, color=END, linewidth=2, alpha=0.5, label=labels.chosen)
    ax.set_yscale("log")
    log_axis(ax.yaxis)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    name_axes(ax, labels.degree_axis, labels.error_axis)
    title = ax.set_title(labels.errors_title, color=INK, fontsize=TITLE_PT, pad=28)
    wrap_width(title, ax.bbox.width * 1.1)
    lift_titles((ax,), 28)
    legend_under(ax)


@cache
def _board() -> Figure:
    """The worker's figure: the fit on top, the errors by degree under it."""
    figure = new_figure(HEIGHT, margins=MARGINS)
    figure.subplots(2, 1)
    return figure


def render_fit(picture: FitPicture, labels: FitLabels) -> bytes:
    figure = emptied(_board())
    top, bottom = figure.axes
    _draw_fit(top, picture, labels)
    _draw_errors(bottom, picture, labels)
    return png_bytes(figure)
