"""The edge of stability drawn: sharpness per epoch against each configuration's threshold, the
training losses, and one configuration's Hessian spectrum per epoch as a heat map with the count
of negative eigenvalues.

Runs keep their colour and dash everywhere (``core.palette.run_style`` through
``desktop_app.widgets.axes.run_pen``); each threshold is a dashed horizontal line in its run's
colour. The sharpness axis is logarithmic (GD's 2/η and Adam's 38/η are orders of magnitude
apart), the loss axis too when the losses span a decade or more. The heat map's rows are the
fixed symmetric-log bins of ``core.nets.stability.spectrum_edges`` (row ``i`` spans
``[i, i + 1]``, ticks at the powers of ten), its columns the measured epochs; its colour is
``log10(1 + count)`` on explicit levels with a colour bar. Items are made once and updated; pens
follow presenter mode and the theme.

For the SAM-against-SGD comparison (``set_configs(keys, "sam")``) the sharpness panel draws only
SGD's 2/η line (SAM shares it), the loss panel shows the validation loss (solid) over the training
loss (dotted, thin), and both panels get a legend naming each curve, under the plot (inside, it
covered curves).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QGridLayout, QWidget

from core.palette import run_style
from desktop_app.stability.texts import short_name
from desktop_app.style import appearance
from desktop_app.widgets.axes import readable_axes, run_pen, style_legend
from desktop_app.widgets.retranslating import Retranslating

COLORMAP = "viridis"
NEGATIVE_COLOUR = "#cc79a7"
EDGE, SAM = "edge", "sam"  # the comparisons (desktop_app.stability.worker)
LEGEND_ROW = 4  # pg.PlotItem's layout: title, top axis, view, bottom axis, then this
LOG_SPAN = 10.0  # the loss axis is logarithmic when the losses span this factor or more
TRAINING_DASH = [1, 3]  # the SAM comparison's training losses: dotted under the validation ones


def _plot(name: str) -> tuple[pg.PlotWidget, pg.PlotItem]:
    widget = pg.PlotWidget()
    widget.setObjectName(name)
    plot = widget.getPlotItem()
    readable_axes(plot)
    plot.setMenuEnabled(False)
    plot.hideButtons()
    appearance().register_plot(plot)
    return widget, plot


def legend_below(plot: pg.PlotItem, columns: int) -> pg.LegendItem:
    """A legend in a row of its own under ``plot``'s bottom axis: inside the data area it covered
    curves (they go wherever the run takes them); empty, the row takes no room."""
    legend = pg.LegendItem(colCount=columns)
    plot.layout.addItem(legend, LEGEND_ROW, 1)
    plot.layout.setAlignment(legend, Qt.AlignmentFlag.AlignHCenter)
    return legend


def edge_ticks(edges: np.ndarray) -> list[list[tuple[float, str]]]:
    """The heat map's eigenvalue ticks: every edge that is an even power of ten (±10^2k, fewer
    labels to collide) at its row boundary, and "0" in the middle of the zero bin."""
    ticks = []
    middle = len(edges) // 2  # edges[middle - 1] = -zero, edges[middle] = +zero
    for index, edge in enumerate(edges):
        power = math.log10(abs(edge))
        if abs(power - round(power)) > 1e-9 or round(power) % 2 or index in (middle - 1, middle):
            continue
        sign = "−" if edge < 0 else ""
        ticks.append((float(index), f"{sign}1e{round(power)}"))
    ticks.append((middle - 0.5, "0"))
    return [ticks]


class StabilityPlots(Retranslating, QWidget):
    """Four plots in a grid: sharpness, loss (training; for SAM also validation), spectrum heat
    map, negative count."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from core.nets.stability import spectrum_edges

        self.edges = spectrum_edges()
        self.sharp_widget, self.sharp_plot = _plot("sharpness_plot")
        self.loss_widget, self.loss_plot = _plot("loss_plot")
        self.map_widget, self.map_plot = _plot("spectrum_plot")
        self.negative_widget, self.negative_plot = _plot("negative_plot")
        for plot in (self.sharp_plot, self.loss_plot):
            plot.setLogMode(y=True)  # the loss axis: until the losses show their span
            plot.showGrid(x=True, y=True, alpha=appearance().grid_alpha())
        self.negative_plot.showGrid(x=True, y=True, alpha=appearance().grid_alpha())
        self.negative_plot.setXLink(self.map_plot)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(pg.colormap.get(COLORMAP))
        self.map_plot.addItem(self.image)
        self.colorbar = pg.ColorBarItem(
            colorMap=pg.colormap.get(COLORMAP), interactive=False, width=14
        )
        self.colorbar.setImageItem(self.image, insert_in=self.map_plot)
        self.map_plot.getAxis("left").setTicks(edge_ticks(self.edges))
        self.map_plot.setYRange(0, len(self.edges) - 1, padding=0)
        self.negative_curve = pg.PlotDataItem()
        self.negative_index = 0  # the run whose spectrum shows: the curve takes its pen
        self.negative_plot.addItem(self.negative_curve)
        self.keys: tuple[str, ...] = ()
        self.comparison = EDGE
        self.sharp_curves: dict[str, pg.PlotDataItem] = {}
        self.threshold_lines: dict[str, pg.PlotDataItem] = {}
        self.loss_curves: dict[str, pg.PlotDataItem] = {}  # training losses
        self.val_curves: dict[str, pg.PlotDataItem] = {}  # validation losses (SAM comparison)
        self.sharp_legend = legend_below(self.sharp_plot, columns=3)
        self.loss_legend = legend_below(self.loss_plot, columns=2)
        self.spectrum: np.ndarray = np.zeros((len(self.edges) - 1, 0))  # the image as drawn
        self.levels = (0.0, 1.0)
        self.no_spectrum = False
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.sharp_widget, 0, 0)
        layout.addWidget(self.loss_widget, 0, 1)
        layout.addWidget(self.map_widget, 1, 0)
        layout.addWidget(self.negative_widget, 1, 1)
        appearance().changed.connect(self._restyle)
        self._restyle()
        self.retranslate()

    def set_configs(self, keys: Sequence[str], comparison: str = EDGE) -> None:
        """A new run of ``comparison``: one curve per configuration (run colours in this order),
        all empty; thresholds for every configuration, or SGD's alone for ``SAM``."""
        for plot, items in (
            (self.sharp_plot, self.sharp_curves),
            (self.sharp_plot, self.threshold_lines),
            (self.loss_plot, self.loss_curves),
            (self.loss_plot, self.val_curves),
        ):
            for item in items.values():
                plot.removeItem(item)
        self.keys, self.comparison = tuple(keys), comparison
        lined = [key for key in self.keys if comparison != SAM or key == "sgd"]
        self.sharp_curves = {key: pg.PlotDataItem() for key in self.keys}
        self.threshold_lines = {key: pg.PlotDataItem() for key in lined}
        self.loss_curves = {key: pg.PlotDataItem() for key in self.keys}
        self.val_curves = {key: pg.PlotDataItem() for key in self.keys} if comparison == SAM else {}
        for key in self.keys:
            if key in self.threshold_lines:
                self.sharp_plot.addItem(self.threshold_lines[key])
            self.sharp_plot.addItem(self.sharp_curves[key])
            self.loss_plot.addItem(self.loss_curves[key])
            if key in self.val_curves:
                self.loss_plot.addItem(self.val_curves[key])
        self.show_spectrum([], "gd")
        self._restyle()
        self.retranslate()

    def show_records(self, records: dict[str, list], epochs: int) -> None:
        """Draw every configuration's records (``core.nets.stability.StabilityRecord`` lists by
        config key); thresholds span epochs 0 to ``epochs``."""
        for key, rows in records.items():
            if key not in self.sharp_curves:
                continue
            measured = [r for r in rows if math.isfinite(r.shown) and r.shown > 0]
            self.sharp_curves[key].setData([r.epoch for r in measured], [r.shown for r in measured])
            threshold = next((r.threshold for r in rows if math.isfinite(r.threshold)), None)
            if threshold is not None and threshold > 0 and key in self.threshold_lines:
                self.threshold_lines[key].setData([0, epochs], [threshold, threshold])
            self.loss_curves[key].setData(*_positive(rows, "train_loss"))
            if key in self.val_curves:
                self.val_curves[key].setData(*_positive(rows, "val_loss"))
        self._scale_losses()

    def _scale_losses(self) -> None:
        """A log loss axis only for losses a decade or more apart: within one (SAM's validation
        losses, 0.61 to 0.70) a log axis had one tick, at its edge, and showed no number."""
        values = [
            curve.yData
            for curve in (*self.loss_curves.values(), *self.val_curves.values())
            if curve.yData is not None and len(curve.yData)
        ]
        if not values:
            return
        shown = np.concatenate(values)
        self.loss_plot.setLogMode(y=bool(shown.max() >= LOG_SPAN * shown.min()))

    def show_spectrum(self, rows: list, key: str) -> None:
        """Config ``key``'s spectrum: a column per record with a histogram (exact Hessians),
        colour ``log10(1 + count)``, and its negative-eigenvalue count."""
        measured = [r for r in rows if r.histogram is not None]
        self.no_spectrum = bool(rows) and not measured  # Lanczos: no whole spectrum
        self._title_map()
        bins = len(self.edges) - 1
        if measured:
            counts = np.stack([r.histogram for r in measured]).T  # (bins, epochs)
            self.spectrum = np.log10(1.0 + counts)
            epochs = [r.epoch for r in measured]
            step = (epochs[1] - epochs[0]) if len(epochs) > 1 else 1
            rect = QRectF(epochs[0] - step / 2, 0, step * len(epochs), bins)
            self.levels = (0.0, max(float(self.spectrum.max()), 1.0))
            self.image.setImage(self.spectrum, levels=self.levels, autoLevels=False, rect=rect)
            self.image.setVisible(True)
            self.colorbar.setLevels(self.levels)
            self.negative_curve.setData(epochs, [r.negative for r in measured])
        else:
            self.spectrum = np.zeros((bins, 0))
            self.image.setVisible(False)
            self.negative_curve.setData([], [])
        self.negative_index = self.keys.index(key) if key in self.keys else 0
        self.negative_curve.setPen(run_pen(self.negative_index))

    def _restyle(self) -> None:
        look = appearance()
        self.negative_curve.setPen(run_pen(self.negative_index))  # presenter mode widens it too
        for index, key in enumerate(self.keys):
            colour = run_style(index).colour
            self.sharp_curves[key].setPen(run_pen(index))
            if key in self.val_curves:  # validation in front, training dotted behind it
                self.val_curves[key].setPen(run_pen(index))
                self.loss_curves[key].setPen(look.pen(colour, 1.2, dash=TRAINING_DASH))
            else:
                self.loss_curves[key].setPen(run_pen(index))
            if key in self.threshold_lines:
                self.threshold_lines[key].setPen(look.pen(colour, 1.5, dash=[4, 4]))
        self.colorbar.axis.setStyle(tickFont=look.font(-1))
        for legend in (self.sharp_legend, self.loss_legend):
            style_legend(legend)

    def _title_map(self) -> None:
        if self.no_spectrum:
            title = self.tr("No spectrum: over 2,000 weights the sharpness comes from Lanczos")
        else:
            title = self.tr("Hessian spectrum: colour log₁₀(1 + count)")
        self.map_plot.setTitle(title)
        appearance().style_plot(self.map_plot)

    def _fill_legends(self) -> None:
        """The SAM comparison names its curves (the edge comparison's table does that)."""
        self.sharp_legend.clear()
        self.loss_legend.clear()
        shown = self.comparison == SAM
        self.sharp_legend.setVisible(shown)
        self.loss_legend.setVisible(shown)
        if not shown:
            return
        for key in self.keys:
            self.sharp_legend.addItem(self.sharp_curves[key], short_name(key))
        for key, line in self.threshold_lines.items():
            self.sharp_legend.addItem(line, self.tr("{0}: threshold").format(short_name(key)))
        for key in self.keys:  # two columns: validation above training, one run a column
            label = self.tr("{0}: validation").format(short_name(key))
            self.loss_legend.addItem(self.val_curves[key], label)
        for key in self.keys:
            label = self.tr("{0}: training").format(short_name(key))
            self.loss_legend.addItem(self.loss_curves[key], label)
        for legend in (self.sharp_legend, self.loss_legend):
            style_legend(legend)

    def legend_labels(self, legend: pg.LegendItem) -> list[str]:
        """The texts of ``legend``'s entries, in order."""
        return [label.text for _sample, label in legend.items]

    def retranslate(self) -> None:
        if self.comparison == SAM:
            self.sharp_plot.setTitle(self.tr("Sharpness (SGD's 2/η dashed)"))
            self.sharp_plot.setLabel("left", self.tr("λ_max"))
            self.loss_plot.setTitle(self.tr("Validation loss (solid) and training loss (dotted)"))
            self.loss_plot.setLabel("left", self.tr("loss"))
        else:
            self.sharp_plot.setTitle(self.tr("Sharpness and its threshold (dashed)"))
            self.sharp_plot.setLabel("left", self.tr("λ_max (Adam: preconditioned)"))
            self.loss_plot.setTitle(self.tr("Training loss"))
            self.loss_plot.setLabel("left", self.tr("training loss"))
        self.sharp_plot.setLabel("bottom", self.tr("epoch"))
        self.loss_plot.setLabel("bottom", self.tr("epoch"))
        self._fill_legends()
        self._title_map()
        # short: the label runs along a plot a quarter of the window high (presenter mode cut
        # a longer one); the ±1e4 ticks show the bins are symmetric-log
        self.map_plot.setLabel("left", self.tr("eigenvalue"))
        self.map_plot.setLabel("bottom", self.tr("epoch"))
        self.negative_plot.setTitle(self.tr("Negative eigenvalues"))
        self.negative_plot.setLabel("left", self.tr("count"))
        self.negative_plot.setLabel("bottom", self.tr("epoch"))
        for plot in (self.sharp_plot, self.loss_plot, self.map_plot, self.negative_plot):
            appearance().style_plot(plot)


def _positive(rows: list, name: str) -> tuple[list[int], list[float]]:
    """(epochs, values) of the records whose ``name`` is finite and positive (log axes)."""
    kept = [r for r in rows if math.isfinite(getattr(r, name)) and getattr(r, name) > 0]
    return [r.epoch for r in kept], [getattr(r, name) for r in kept]
