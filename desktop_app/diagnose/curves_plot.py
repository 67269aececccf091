"""The curves being diagnosed: training and validation loss per epoch, the best epoch marked.

A pyqtgraph plot styled by :mod:`desktop_app.style` (``register_plot``: fonts and pens follow
presenter mode and the theme) with the Network Lab's readable axes and legend look. The loss axis
is logarithmic when every loss is positive (an overfitting run's training loss falls by
decades); non-finite values (a diverged run) are left out of the line.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from core.diagnose import Curves
from core.palette import METRIC_COLOURS
from desktop_app.style import appearance
from desktop_app.widgets.axes import readable_axes, style_legend
from desktop_app.widgets.retranslating import Retranslating

BEST_COLOUR = "#009e73"  # the palette's bluish green: the epoch early stopping keeps


class CurvesPlot(Retranslating, QWidget):
    """Loss against epoch for one :class:`~core.diagnose.Curves`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.widget = pg.PlotWidget()
        self.widget.setObjectName("diagnose_plot")
        self.plot = self.widget.getPlotItem()
        readable_axes(self.plot)
        self.plot.showGrid(x=True, y=True, alpha=appearance().grid_alpha())
        self.plot.setMenuEnabled(False)
        self.legend = self.plot.addLegend(offset=(-10, 10))
        self.train = self.plot.plot(name="train", connect="finite")
        self.val = self.plot.plot(name="val", connect="finite")
        self.best_line = pg.InfiniteLine(angle=90)
        self.best_dot = pg.ScatterPlotItem()
        self.best_text = pg.TextItem(anchor=(0, 1))
        for item in (self.best_line, self.best_dot, self.best_text):
            self.plot.addItem(item, ignoreBounds=True)
            item.setVisible(False)
        self.curves: Curves | None = None
        self.best_epoch: int | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.widget)
        appearance().register_plot(self.plot)
        appearance().changed.connect(self._restyle)
        self.retranslate()
        self._restyle()

    def show_curves(self, curves: Curves | None, best_epoch: int | None = None) -> None:
        """Draw ``curves`` (None: empty) with ``best_epoch`` marked (None: no mark)."""
        self.curves, self.best_epoch = curves, best_epoch
        if curves is None:
            self.train.setData([], [])
            self.val.setData([], [])
            self._mark_best()
            return
        losses = np.concatenate([curves.train_loss, curves.val_loss])
        finite = losses[np.isfinite(losses)]
        log = bool(finite.size) and bool((finite > 0).all())
        self.plot.setLogMode(y=log)
        self.train.setData(curves.epoch, _finite(curves.train_loss))
        self.val.setData(curves.epoch, _finite(curves.val_loss))
        self.val.setVisible(curves.has_validation)
        self._mark_best()
        self.plot.enableAutoRange()

    def _mark_best(self) -> None:
        curves, best = self.curves, self.best_epoch
        shown = curves is not None and best is not None
        for item in (self.best_line, self.best_dot, self.best_text):
            item.setVisible(shown)
        if not shown:
            return
        index = int(np.argmin(np.abs(curves.epoch - best)))
        x, y = float(curves.epoch[index]), float(curves.val_loss[index])
        if self.plot.ctrl.logYCheck.isChecked() and y > 0:
            y = float(np.log10(y))
        self.best_line.setValue(x)
        self.best_dot.setData([x], [y])
        self.best_text.setPos(x, y)
        self.best_text.setText(self.tr("best epoch {0}").format(best))

    def best_label(self) -> str:
        return self.best_text.toPlainText() if self.best_text.isVisible() else ""

    def _restyle(self) -> None:
        look = appearance()
        self.train.setPen(look.pen(METRIC_COLOURS["train"], 2))
        self.val.setPen(look.pen(METRIC_COLOURS["val"], 2))
        self.best_line.setPen(look.pen(BEST_COLOUR, 1, style=pg.QtCore.Qt.PenStyle.DashLine))
        self.best_dot.setSize(look.marker(10))
        self.best_dot.setPen(look.pen(BEST_COLOUR, 2))
        self.best_dot.setBrush(pg.mkBrush(None))
        self.best_text.setColor(BEST_COLOUR)
        self.best_text.setFont(look.font(-1))
        style_legend(self.legend)

    def retranslate(self) -> None:
        self.plot.setLabel("bottom", self.tr("epoch"))
        self.plot.setLabel("left", self.tr("loss"))
        for sample, label in self.legend.items:
            item = sample.item
            if item is self.train:
                label.setText(self.tr("training loss"))
            elif item is self.val:
                label.setText(self.tr("validation loss"))
        style_legend(self.legend)
        self._mark_best()


def _finite(values: np.ndarray) -> np.ndarray:
    """NaN where a value is not finite (``connect="finite"`` breaks the line there)."""
    out = np.asarray(values, dtype=float).copy()
    out[~np.isfinite(out)] = np.nan
    return out
