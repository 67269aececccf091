"""Live plots under the map: loss, gradient norm, learning rate and sharpness (the largest
Hessian eigenvalue, computed in the worker) per step, one curve per run, all sharing the timeline
cursor."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QVBoxLayout, QWidget

from desktop_app.style import appearance
from desktop_app.widgets.retranslating import Retranslating

METRICS = ("loss", "grad_norm", "lr", "sharpness")


class MetricPlots(Retranslating, QWidget):
    """Linked plots, one per metric; dragging the cursor on any of them moves the timeline."""

    cursorMoved = Signal(int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.layout_widget = pg.GraphicsLayoutWidget()
        titles = self._titles()
        self.plots: dict[str, pg.PlotItem] = {}
        self.cursors: dict[str, pg.InfiniteLine] = {}
        first = None
        for column, metric in enumerate(METRICS):
            plot = self.layout_widget.addPlot(row=0, col=column, title=titles[metric])
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

        self.log_loss = QCheckBox(self.tr("log scale (loss)"))
        self.log_loss.setChecked(True)
        self.log_loss.toggled.connect(lambda on: self.plots["loss"].setLogMode(y=on))
        self.log_grad = QCheckBox(self.tr("log scale (gradient)"))
        self.log_grad.setChecked(True)
        self.log_grad.toggled.connect(lambda on: self.plots["grad_norm"].setLogMode(y=on))
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
        appearance().changed.connect(self.apply_style)  # presenter mode, theme
        self.apply_style()

    def _titles(self) -> dict[str, str]:
        return {
            "loss": self.tr("loss"),
            "grad_norm": self.tr("gradient norm ‖g‖"),
            "lr": self.tr("learning rate"),
            "sharpness": self.tr("sharpness λmax (Hessian)"),
        }

    def retranslate(self) -> None:
        titles = self._titles()
        for metric, plot in self.plots.items():
            plot.setTitle(titles.get(metric, metric))
            plot.setLabel("bottom", self.tr("step"))
        self.log_loss.setText(self.tr("log scale (loss)"))
        self.log_grad.setText(self.tr("log scale (gradient)"))
        self.apply_style()  # the new labels take the current fonts and colours

    def apply_style(self) -> None:
        """Axis fonts, colours and line widths from :func:`appearance`."""
        look = appearance()
        self.layout_widget.setBackground(look.plot_background())
        for metric, plot in self.plots.items():
            look.style_plot(plot)
            self.cursors[metric].setPen(look.cursor_pen())
            for curve in self.curves[metric].values():
                curve.setPen(look.pen(curve.opts["pen"].color(), 1))

    def ensure_run(self, run_id: str, color: QColor) -> None:
        for metric in METRICS:
            curve = self.curves[metric].get(run_id)
            if curve is None:
                curve = self.plots[metric].plot(pen=appearance().pen(color, 1))
                self.curves[metric][run_id] = curve
            else:
                curve.setPen(appearance().pen(color, 1))

    def remove_run(self, run_id: str) -> None:
        for metric in METRICS:
            curve = self.curves[metric].pop(run_id, None)
            if curve is not None:
                self.plots[metric].removeItem(curve)

    def set_run_visible(self, run_id: str, visible: bool) -> None:
        for metric in METRICS:
            if run_id in self.curves[metric]:
                self.curves[metric][run_id].setVisible(visible)

    def set_series(self, run_id: str, metric: str, steps: np.ndarray, values: np.ndarray) -> None:
        curve = self.curves[metric][run_id]
        if metric in ("loss", "grad_norm") and self.plots[metric].ctrl.logYCheck.isChecked():
            values = np.where(
                values > 0, values, np.nan
            )  # log of 0 or a negative loss: leave a gap
        curve.setData(steps, values, connect="finite")

    def set_step_range(self, last_step: int) -> None:
        """A fixed x range (the whole run): the axes need no re-layout as curves grow."""
        if getattr(self, "_last_step", None) != last_step:
            self._last_step = last_step
            self.plots["loss"].setXRange(0, max(last_step, 1), padding=0.02)

    def set_cursor(self, step: int) -> None:
        for cursor in self.cursors.values():
            if not cursor.moving:
                cursor.setValue(step)
