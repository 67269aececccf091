"""Live plots under the map: loss, gradient norm, learning rate and sharpness (the largest
Hessian eigenvalue, computed in the worker) per step, one curve per run, all sharing the timeline
cursor.

Honest by construction: tick labels are plain or scientific numbers (no "(x0.001)" prefix
label) and never run together (``ReadableAxis``); each run keeps its colour and its dash
(``core.palette.run_style``) so a black-and-white printout still tells them apart; a plot of one
quantity names it in that quantity's colour (``core.palette.METRIC_COLOURS``); and the loss plot
leaves its log axis for a symmetric-log one, and says so in its title, as soon as a shown loss
goes below zero (x² − y²: a log axis would hide exactly what the saddle lesson is about). The
symmetric log, ``sign(y)·log10(1 + |y|/c)``, is linear within ``c`` of zero and logarithmic
beyond, so a run falling to −2000 does not flatten one that dips just below 0.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QVBoxLayout, QWidget

from core.palette import METRIC_COLOURS
from desktop_app.style import appearance
from desktop_app.widgets.axes import ReadableAxis, readable_axes, run_pen
from desktop_app.widgets.retranslating import Retranslating

METRICS = ("loss", "grad_norm", "lr", "sharpness")
# The quantity each plot shows, for its title's colour swatch (a run colour is no quantity).
TITLE_COLOURS = {"grad_norm": METRIC_COLOURS["grad_norm"], "lr": METRIC_COLOURS["lr"]}


def symlog(values, width: float):
    """The symmetric log of ``values``: linear within ``width`` of 0, log10 beyond."""
    values = np.asarray(values, dtype=float)
    return np.sign(values) * np.log10(1.0 + np.abs(values) / width)


def symlog_inverse(values, width: float):
    values = np.asarray(values, dtype=float)
    return np.sign(values) * width * (10.0 ** np.abs(values) - 1.0)


def tick_text(value: float) -> str:
    """A tick label: plain digits from 0.001 to 9999, scientific (2e5, 1e-4) beyond."""
    if value == 0:
        return "0"
    if 1e-3 <= abs(value) < 1e4:
        return f"{value:.4g}"
    mantissa, exponent = f"{value:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


class SymlogAxis(ReadableAxis):
    """A left axis that shows symmetric-log values (:func:`symlog`) by the losses they stand
    for: ticks at 0 and at ±width·10^k, labelled with those losses. ``linear_width`` None: a
    plain (readable) axis."""

    linear_width: float | None = None

    def tickValues(self, minVal, maxVal, size):  # noqa: N802, N803 (pyqtgraph naming)
        if self.linear_width is None:
            return super().tickValues(minVal, maxVal, size)
        low, high = sorted((minVal, maxVal))
        decades = symlog(self.linear_width * 10.0 ** np.arange(39, -1, -1), self.linear_width)
        # 0 first, then the outer decades: where labels would collide the later ones give way.
        ticks = [0.0, *(t for pair in zip(decades, -decades, strict=True) for t in pair)]
        return [(None, [t for t in ticks if low <= t <= high])]

    def tickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph naming)
        if self.linear_width is None:
            return super().tickStrings(values, scale, spacing)
        losses = symlog_inverse(values, self.linear_width)
        return [tick_text(float(f"{loss:.3g}")) for loss in losses]


def honest_axes(plot: pg.PlotItem) -> None:
    """Axes whose tick labels do not collide and carry no SI-prefix label such as "(x0.001)":
    small and large values get plain or scientific tick strings instead."""
    readable_axes(plot)
    for side in ("left", "bottom"):
        plot.getAxis(side).enableAutoSIPrefix(False)


class MetricPlots(Retranslating, QWidget):
    """Linked plots, one per metric; dragging the cursor on any of them moves the timeline."""

    cursorMoved = Signal(int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.layout_widget = pg.GraphicsLayoutWidget()
        self.plots: dict[str, pg.PlotItem] = {}
        self.cursors: dict[str, pg.InfiniteLine] = {}
        first = None
        for column, metric in enumerate(METRICS):
            plot = self.layout_widget.addPlot(row=0, col=column)
            honest_axes(plot)
            if metric == "loss":  # a symmetric-log axis when losses go below 0
                plot.setAxisItems({"left": SymlogAxis("left")})
                plot.getAxis("left").enableAutoSIPrefix(False)
            plot.setLabel("bottom", self.tr("step"))
            if first is None:
                first = plot
            else:
                plot.setXLink(first)
            cursor = pg.InfiniteLine(angle=90, movable=True, pen=appearance().cursor_pen())
            cursor.sigDragged.connect(
                lambda line: self.cursorMoved.emit(max(0, round(line.value())))
            )
            plot.addItem(cursor)
            self.plots[metric], self.cursors[metric] = plot, cursor
        self.curves: dict[str, dict[str, pg.PlotDataItem]] = {m: {} for m in METRICS}
        self._styles: dict[str, tuple[QColor, int]] = {}  # run id: colour, style index
        self._hidden: set[str] = set()
        self._lowest_loss: dict[str, float] = {}  # run id: the lowest loss shown
        self.loss_name = ""  # which loss the surface is ("cross-entropy"...), "" unknown
        self.loss_linear_forced = False  # a shown loss is below 0: symmetric log, not log
        self._raw_loss: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # what set_series got
        # Per metric and run: the lowest, highest and lowest positive value recorded, and the
        # value range last set from them (see set_series' ``recorded``).
        self._extents: dict[str, dict[str, tuple[float, float, float]]] = {m: {} for m in METRICS}
        self._fitted: dict[str, tuple[float, float]] = {}

        self.log_loss = QCheckBox(self.tr("log scale (loss)"))
        self.log_loss.setChecked(True)
        self.log_loss.toggled.connect(self._update_loss_axis)
        self.log_grad = QCheckBox(self.tr("log scale (gradient)"))
        self.log_grad.setChecked(True)
        self.log_grad.toggled.connect(self._set_grad_log)
        self.plots["loss"].setLogMode(y=True)
        self.plots["grad_norm"].setLogMode(y=True)

        options = QHBoxLayout()
        options.addWidget(self.log_loss)
        options.addWidget(self.log_grad)
        options.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.layout_widget)
        layout.addLayout(options)
        self._set_titles()
        appearance().changed.connect(self.apply_style)  # presenter mode, theme
        self.apply_style()

    # -- texts -----------------------------------------------------------------------------------

    def _titles(self) -> dict[str, str]:
        named = self.tr("loss: {0}").format(self.loss_name)
        loss = named if self.loss_name else self.tr("loss")
        if self.loss_linear_forced:
            loss = self.tr("{0} (symmetric log axis: the loss goes below 0)").format(loss)
        return {
            "loss": loss,
            "grad_norm": self.tr("gradient norm ‖g‖"),
            "lr": self.tr("learning rate"),
            "sharpness": self.tr("sharpness λmax (Hessian)"),
        }

    def title_text(self, metric: str) -> str:
        """The plain text of ``metric``'s title (what the user reads, without the swatch)."""
        return self._titles()[metric]

    def _set_titles(self) -> None:
        for metric, text in self._titles().items():
            colour = TITLE_COLOURS.get(metric)
            if colour is not None:  # a swatch in the quantity's own colour
                text = f'<span style="color:{colour}">■</span> {text}'
            self.plots[metric].setTitle(text)

    def retranslate(self) -> None:
        self._set_titles()
        for plot in self.plots.values():
            plot.setLabel("bottom", self.tr("step"))
        self.log_loss.setText(self.tr("log scale (loss)"))
        self.log_grad.setText(self.tr("log scale (gradient)"))
        self.apply_style()  # the new labels take the current fonts and colours

    def set_loss_name(self, name: str) -> None:
        """Say which loss the loss plot shows ("mean squared error", "cross-entropy"...): two
        losses are on different scales, so a plot must not let one read as "better"."""
        if name != self.loss_name:
            self.loss_name = name
            self._set_titles()
            self.apply_style()

    def set_loss_of(self, surface, language: str) -> None:
        """Name the loss of ``surface`` (a data surface's ``loss_name``, in ``language``); a
        surface that does not say which loss it is leaves the plot's plain "loss"."""
        names = getattr(surface, "loss_name", None) or {}
        self.set_loss_name(names.get(language) or names.get("en", ""))

    def apply_style(self) -> None:
        """Axis fonts, colours and line widths from :func:`appearance`."""
        look = appearance()
        self.layout_widget.setBackground(look.plot_background())
        for metric, plot in self.plots.items():
            look.style_plot(plot)
            self.cursors[metric].setPen(look.cursor_pen())
            for run_id, curve in self.curves[metric].items():
                curve.setPen(self._pen(run_id))

    # -- runs ------------------------------------------------------------------------------------

    def _pen(self, run_id: str):
        colour, index = self._styles[run_id]
        return run_pen(index, 1, colour)

    def ensure_run(self, run_id: str, color: QColor, index: int | None = None) -> None:
        """A curve per metric for the run, in its colour and the dash of run number ``index``
        (default: its place among the runs shown here, in the order they came)."""
        if index is None:
            known = list(self._styles)
            index = known.index(run_id) if run_id in known else len(known)
        self._styles[run_id] = (QColor(color), index)
        for metric in METRICS:
            curve = self.curves[metric].get(run_id)
            if curve is None:
                curve = self.plots[metric].plot(pen=self._pen(run_id), connect="finite")
                self.curves[metric][run_id] = curve
            else:
                curve.setPen(self._pen(run_id))

    def remove_run(self, run_id: str, refit: bool = True) -> None:
        """Drop the run's curves; ``refit=False``: the caller calls :meth:`refit` once, after a
        batch of runs."""
        for metric in METRICS:
            curve = self.curves[metric].pop(run_id, None)
            if curve is not None:
                self.plots[metric].removeItem(curve)
        self._styles.pop(run_id, None)
        self._hidden.discard(run_id)
        self._lowest_loss.pop(run_id, None)
        self._raw_loss.pop(run_id, None)
        for extents in self._extents.values():
            extents.pop(run_id, None)
        if refit:
            self.refit()

    def set_run_visible(self, run_id: str, visible: bool, refit: bool = True) -> None:
        for metric in METRICS:
            if run_id in self.curves[metric]:
                self.curves[metric][run_id].setVisible(visible)
        if visible:
            self._hidden.discard(run_id)
        else:
            self._hidden.add(run_id)
        if refit:
            self.refit()

    def refit(self) -> None:
        """The loss axis and the value ranges of the runs shown."""
        self._update_loss_axis()
        self._refit_all()

    def _set_grad_log(self, on: bool) -> None:
        self.plots["grad_norm"].setLogMode(y=on)
        self._refit_all()

    # -- data ------------------------------------------------------------------------------------

    def set_series(
        self,
        run_id: str,
        metric: str,
        steps: np.ndarray,
        values: np.ndarray,
        recorded: np.ndarray | None = None,
    ) -> None:
        """Draw ``values`` at ``steps``. ``recorded``: every value of the run recorded so far
        (``values`` is its part up to the cursor): the plot's value range then covers it and
        holds still while the cursor plays, so the axes are not laid out again every frame."""
        if recorded is not None:
            self._set_extent(run_id, metric, recorded)
        if metric == "loss":
            self._raw_loss[run_id] = (steps, values)
            finite = values[np.isfinite(values)]
            self._lowest_loss[run_id] = float(finite.min()) if finite.size else math.inf
            if self._update_loss_axis():
                return  # the axis changed: every loss curve was drawn again
            values = self.plotted_loss(values)
        elif metric == "grad_norm" and self.plots[metric].ctrl.logYCheck.isChecked():
            values = np.where(values > 0, values, np.nan)  # log of 0: leave a gap
        # "connect" is set when the curve is made: passing it here restyled the curve every frame
        self.curves[metric][run_id].setData(steps, values)
        if recorded is not None:
            self._fit_values(metric)

    def _set_extent(self, run_id: str, metric: str, recorded: np.ndarray) -> None:
        """The lowest, the highest and the lowest positive finite value recorded (the range a
        log, symmetric-log or linear axis needs follows from them: both are monotonic)."""
        finite = recorded[np.isfinite(recorded)]
        if not finite.size:
            self._extents[metric].pop(run_id, None)
            return
        positive = finite[finite > 0]
        lowest_positive = float(positive.min()) if positive.size else math.nan
        self._extents[metric][run_id] = (float(finite.min()), float(finite.max()), lowest_positive)

    def _fit_values(self, metric: str) -> None:
        """The value axis of ``metric`` over the shown runs' recorded values (unchanged: no
        call, so no new ticks)."""
        plot = self.plots[metric]
        extents = [e for run_id, e in self._extents[metric].items() if run_id not in self._hidden]
        if not extents:
            return
        low, high = min(e[0] for e in extents), max(e[1] for e in extents)
        width = plot.getAxis("left").linear_width if metric == "loss" else None
        logarithmic = width is not None or plot.ctrl.logYCheck.isChecked()
        if width is not None:
            low, high = float(symlog(low, width)), float(symlog(high, width))
        elif logarithmic:
            positives = [e[2] for e in extents if math.isfinite(e[2])]
            if not positives or high <= 0:
                return
            low, high = math.log10(min(positives)), math.log10(high)
        if high - low < 1e-12 * max(abs(low), abs(high), 1.0):  # one value: a band around it
            spread = 0.5 if logarithmic or low == 0 else 0.5 * abs(low)
            low, high = low - spread, high + spread
        if self._fitted.get(metric) != (low, high):
            self._fitted[metric] = (low, high)
            plot.setYRange(low, high)

    def _refit_all(self, *_args) -> None:
        self._fitted.clear()
        for metric in self._extents:
            self._fit_values(metric)

    def plotted_loss(self, values: np.ndarray) -> np.ndarray:
        """Losses as the loss plot draws them: their symmetric log, gaps for a log of 0 or
        less, or as they are."""
        width = self.plots["loss"].getAxis("left").linear_width
        if width is not None:
            return symlog(values, width)
        if self.loss_axis_is_log():
            return np.where(values > 0, values, np.nan)
        return values

    def _update_loss_axis(self, *args) -> bool:
        """Log axis as the check box asks, unless a shown loss is below 0: then symmetric log,
        and the title says why (a log axis would silently drop the negative part). True when
        the axis changed (the loss curves are drawn again)."""
        negative = any(
            lowest < 0 for run_id, lowest in self._lowest_loss.items() if run_id not in self._hidden
        )
        forced = negative and self.log_loss.isChecked()
        log = self.log_loss.isChecked() and not negative
        plot, axis = self.plots["loss"], self.plots["loss"].getAxis("left")
        changed = plot.ctrl.logYCheck.isChecked() != log or forced != self.loss_linear_forced
        if plot.ctrl.logYCheck.isChecked() != log:
            plot.setLogMode(y=log)
        if forced != self.loss_linear_forced:
            self.loss_linear_forced = forced
            axis.linear_width = self._linear_width() if forced else None
            axis.picture = None  # new ticks
            axis.update()
            self._set_titles()
            appearance().style_plot(plot)
        if changed:
            for run_id, (steps, values) in self._raw_loss.items():
                self.curves["loss"][run_id].setData(
                    steps, self.plotted_loss(values), connect="finite"
                )
            self._fitted.pop("loss", None)  # the same losses on another axis
            self._fit_values("loss")
        return changed

    def _linear_width(self) -> float:
        """The symmetric log's linear zone: the decade of the smallest start loss shown (the
        scale the lesson begins at), so that the first steps stay readable."""
        starts = [
            abs(float(values[0]))
            for run_id, (_steps, values) in self._raw_loss.items()
            if run_id not in self._hidden and len(values) and np.isfinite(values[0])
        ]
        starts = [value for value in starts if value > 0]
        return 10.0 ** math.floor(math.log10(min(starts))) if starts else 1.0

    def loss_axis_is_log(self) -> bool:
        return self.plots["loss"].ctrl.logYCheck.isChecked()

    def loss_axis_is_symlog(self) -> bool:
        return self.plots["loss"].getAxis("left").linear_width is not None

    def set_step_range(self, last_step: int) -> None:
        """A fixed x range (the whole run): the axes need no re-layout as curves grow."""
        if getattr(self, "_last_step", None) != last_step:
            self._last_step = last_step
            self.plots["loss"].setXRange(0, max(last_step, 1), padding=0.02)

    def set_cursor(self, step: int) -> None:
        for cursor in self.cursors.values():
            if not cursor.moving:
                cursor.setValue(step)
