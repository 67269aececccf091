"""The searches drawn: the grid's heat map, the random trials over the same axes, and the
Bergstra-Bengio projection (best validation loss against each axis's value, both searches).

Coordinates are the axes' own scale: ``log10`` of the value on a log axis (the grid is evenly
spaced there, so an ``ImageItem`` cell is one grid value), the value on a linear one; the tick
labels are the grid's values. Colours are the validation loss on one viridis scale with explicit
levels shared by the heat map and the scatter (one colour bar); the best trial of each search is
ringed. Items are made once and updated with ``setImage``/``setData``; pens and markers follow
presenter mode and the theme (``desktop_app.style``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QHBoxLayout, QWidget

from core.nets.search import Axis, Trial, heat_map, marginal
from core.palette import OUTLINE, run_style
from desktop_app.style import appearance
from desktop_app.tuning.texts import parameter_label, value_text
from desktop_app.widgets.axes import readable_axes, style_legend
from desktop_app.widgets.retranslating import Retranslating

COLORMAP = "viridis"  # the Surface Lab's map's
BEST_COLOUR = "#d55e00"  # Okabe-Ito vermillion: visible on every viridis colour
FAILED_COLOUR = "#c62828"
SEARCH_COLOURS = {"grid": run_style(1).colour, "random": run_style(0).colour}


def coordinate(axis: Axis, values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Where ``values`` sit on a plot of ``axis``: ``log10`` on a log scale."""
    values = np.asarray(values, dtype=float)
    return np.log10(values) if axis.scale in ("log", "log_int") else values


def value_ticks(axis: Axis, values: Sequence[float]) -> list[list[tuple[float, str]]]:
    """One tick level: each of ``values`` at its coordinate, labelled with its value."""
    spots = coordinate(axis, values)
    return [[(float(spot), value_text(value)) for spot, value in zip(spots, values, strict=True)]]


def cell_span(axis: Axis, values: Sequence[float]) -> tuple[float, float]:
    """(first edge, width) of the heat map's columns centred on ``values``' coordinates."""
    spots = coordinate(axis, values)
    width = (spots[-1] - spots[0]) / (len(spots) - 1) if len(spots) > 1 else 1.0
    width = width if width > 0 else 1.0
    return float(spots[0] - width / 2), float(width)


def loss_levels(trials: Sequence[Trial]) -> tuple[float, float]:
    """The colour scale: the lowest and highest finite best validation loss (0..1: none)."""
    losses = [t.best_val_loss for t in trials if math.isfinite(t.best_val_loss)]
    if not losses:
        return 0.0, 1.0
    low, high = min(losses), max(losses)
    return low, (high if high > low else low + max(abs(low) * 1e-6, 1e-12))


def planned_grid(
    trials: Sequence[Trial], axes: Sequence[Axis], xs: Sequence[float], ys: Sequence[float]
) -> np.ndarray:
    """``core.nets.search.heat_map`` of the finished grid trials, placed in the planned grid
    (``grid[i, j]`` at ``(xs[j], ys[i])``; NaN where no trial finished yet)."""
    grid = np.full((len(ys), len(xs)), np.nan)
    if not trials:
        return grid
    done_x, done_y, done = heat_map(trials, axes[0].name, axes[1].name)
    columns = np.searchsorted(np.asarray(xs, dtype=float), done_x)
    rows = np.searchsorted(np.asarray(ys, dtype=float), done_y)
    grid[np.ix_(rows, columns)] = done
    return grid


def _plot(name: str) -> tuple[pg.PlotWidget, pg.PlotItem]:
    widget = pg.PlotWidget()
    widget.setObjectName(name)
    plot = widget.getPlotItem()
    readable_axes(plot)
    plot.setMenuEnabled(False)
    plot.hideButtons()
    appearance().register_plot(plot)
    return widget, plot


class SearchMaps(Retranslating, QWidget):
    """The grid's heat map and the random trials' scatter, on the same axes and colours."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid_widget, self.grid_plot = _plot("grid_map")
        self.random_widget, self.random_plot = _plot("random_map")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(pg.colormap.get(COLORMAP))
        self.grid_plot.addItem(self.image)
        self.colorbar = pg.ColorBarItem(
            colorMap=pg.colormap.get(COLORMAP), interactive=False, width=14
        )
        self.colorbar.setImageItem(self.image, insert_in=self.random_plot)
        self.points = pg.ScatterPlotItem()
        self.random_plot.addItem(self.points)
        self.best = {"grid": pg.ScatterPlotItem(), "random": pg.ScatterPlotItem()}
        self.failures = {"grid": pg.ScatterPlotItem(), "random": pg.ScatterPlotItem()}
        for kind, plot in (("grid", self.grid_plot), ("random", self.random_plot)):
            plot.addItem(self.failures[kind])
            plot.addItem(self.best[kind])
        self.axes: tuple[Axis, ...] = ()
        self.values: np.ndarray = np.zeros((0, 0))  # the heat map's losses as drawn
        self.levels = (0.0, 1.0)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.grid_widget)
        layout.addWidget(self.random_widget)
        appearance().changed.connect(self._restyle)
        self._restyle()
        self.retranslate()

    def set_axes(self, axes: Sequence[Axis], xs: Sequence[float], ys: Sequence[float]) -> None:
        """A new search: its axes and the grid's values on each (the tick labels)."""
        self.axes, self.xs, self.ys = tuple(axes), list(xs), list(ys)
        x0, width = cell_span(axes[0], xs)
        y0, height = cell_span(axes[1], ys)
        self.rect = QRectF(x0, y0, width * len(xs), height * len(ys))
        for plot in (self.grid_plot, self.random_plot):
            plot.getAxis("bottom").setTicks(value_ticks(axes[0], xs))
            plot.getAxis("left").setTicks(value_ticks(axes[1], ys))
            plot.setRange(self.rect, padding=0.02)
            plot.disableAutoRange()
        self.retranslate()

    def show_trials(
        self,
        grid: Sequence[Trial],
        random: Sequence[Trial],
        failed: dict[str, list[dict[str, float]]],
        best: dict[str, Trial | None],
    ) -> None:
        """Draw the finished trials (``failed``: the settings of the trials that failed, per
        search; ``best``: each search's best trial)."""
        if not self.axes:
            return
        x_axis, y_axis = self.axes
        self.levels = loss_levels([*grid, *random])
        self.values = planned_grid(grid, self.axes, self.xs, self.ys)
        self.image.setImage(self.values, levels=self.levels, autoLevels=False, rect=self.rect)
        self.colorbar.setLevels(self.levels)
        xs = coordinate(x_axis, [t.settings[x_axis.name] for t in random])
        ys = coordinate(y_axis, [t.settings[y_axis.name] for t in random])
        self.points.setData(xs, ys, brush=self._brushes([t.best_val_loss for t in random]))
        for kind in ("grid", "random"):
            trial = best.get(kind)
            spots = [] if trial is None else [trial.settings]
            self._place(self.best[kind], spots)
            self._place(self.failures[kind], failed.get(kind, []))

    def _place(self, item: pg.ScatterPlotItem, settings: Sequence[dict[str, float]]) -> None:
        x_axis, y_axis = self.axes
        xs = coordinate(x_axis, [s[x_axis.name] for s in settings])
        ys = coordinate(y_axis, [s[y_axis.name] for s in settings])
        item.setData(xs, ys)

    def _brushes(self, losses: Sequence[float]) -> list:
        low, high = self.levels
        colours = pg.colormap.get(COLORMAP)
        brushes = []
        for loss in losses:
            share = (loss - low) / (high - low) if math.isfinite(loss) else 1.0
            brushes.append(pg.mkBrush(colours.map(min(max(share, 0.0), 1.0), mode="qcolor")))
        return brushes

    def point_count(self) -> int:
        return len(self.points.data)

    def _restyle(self) -> None:
        look = appearance()
        self.points.setSize(look.marker(11))
        self.points.setPen(look.pen(OUTLINE, 1))
        for item in self.best.values():
            item.setSymbol("o")
            item.setSize(look.marker(22))
            item.setPen(look.pen(BEST_COLOUR, 3))
            item.setBrush(pg.mkBrush(None))
        for item in self.failures.values():
            item.setSymbol("x")
            item.setSize(look.marker(14))
            item.setPen(look.pen(FAILED_COLOUR, 1))
            item.setBrush(pg.mkBrush(FAILED_COLOUR))
        self.colorbar.axis.setStyle(tickFont=look.font(-1))

    def retranslate(self) -> None:
        self.grid_plot.setTitle(self.tr("Grid search: best validation loss"))
        self.random_plot.setTitle(self.tr("Random search: best validation loss"))
        if self.axes:
            for plot in (self.grid_plot, self.random_plot):
                plot.setLabel("bottom", parameter_label(self.axes[0].name))
                plot.setLabel("left", parameter_label(self.axes[1].name))
        for plot in (self.grid_plot, self.random_plot):
            appearance().style_plot(plot)


class MarginalPlots(Retranslating, QWidget):
    """Bergstra and Bengio's picture: best validation loss against one axis's value, for each
    axis, grid trials and random trials together (the grid stacks its trials on a few values;
    the random search spreads them over many)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.widgets, self.plots, self.legends = [], [], []
        self.curves: list[dict[str, pg.ScatterPlotItem]] = []
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for which in ("x", "y"):
            widget, plot = _plot(f"marginal_{which}")
            plot.showGrid(x=True, y=True, alpha=appearance().grid_alpha())
            legend = plot.addLegend(offset=(-10, 10))
            items = {}
            for kind in ("grid", "random"):
                items[kind] = pg.ScatterPlotItem(name=kind)
                plot.addItem(items[kind])
            self.widgets.append(widget)
            self.plots.append(plot)
            self.legends.append(legend)
            self.curves.append(items)
            layout.addWidget(widget)
        self.axes: tuple[Axis, ...] = ()
        appearance().changed.connect(self._restyle)
        self._restyle()
        self.retranslate()

    def set_axes(self, axes: Sequence[Axis], values: Sequence[Sequence[float]]) -> None:
        self.axes = tuple(axes)
        for plot, axis, ticks in zip(self.plots, axes, values, strict=True):
            plot.getAxis("bottom").setTicks(value_ticks(axis, ticks))
            low, width = cell_span(axis, ticks)
            plot.setXRange(low, low + width * len(ticks), padding=0.02)
        self.retranslate()

    def show_trials(self, trials: dict[str, Sequence[Trial]]) -> None:
        for axis, plot, items in zip(self.axes, self.plots, self.curves, strict=False):
            for kind, item in items.items():
                values, losses = marginal(trials.get(kind, []), axis.name)
                finite = np.isfinite(losses)
                item.setData(coordinate(axis, values[finite]), losses[finite])
            plot.enableAutoRange(axis="y")

    def data(self, which: int, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """The points drawn for axis ``which`` (0, 1) and search ``kind``."""
        xs, ys = self.curves[which][kind].getData()
        return np.asarray(xs), np.asarray(ys)

    def _restyle(self) -> None:
        look = appearance()
        for items in self.curves:
            for kind, item in items.items():
                item.setSymbol("s" if kind == "grid" else "o")
                item.setSize(look.marker(9))
                item.setPen(look.pen(OUTLINE, 1))
                item.setBrush(pg.mkBrush(SEARCH_COLOURS[kind]))
        for legend in self.legends:
            style_legend(legend)

    def retranslate(self) -> None:
        names = {"grid": self.tr("grid search"), "random": self.tr("random search")}
        for index, (plot, legend) in enumerate(zip(self.plots, self.legends, strict=True)):
            plot.setLabel("left", self.tr("best validation loss"))
            if index < len(self.axes):
                plot.setLabel("bottom", parameter_label(self.axes[index].name))
            for sample, label in legend.items:
                for kind, item in self.curves[index].items():
                    if sample.item is item:
                        label.setText(names[kind])
            style_legend(legend)
            appearance().style_plot(plot)
