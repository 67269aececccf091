"""The sweep drawn: the loss against the learning rate on a log axis -- every update's minibatch
loss as faint dots, the smoothed loss as a line -- with a vertical marker at the suggested rate
(its value in the label, a dot where it meets the smoothed curve) and a dashed one at the
smoothed minimum.

pyqtgraph's log mode draws ``log10`` of the data: the curves hold the learning rates themselves
(``getOriginalDataset``), the markers sit at ``log10`` of theirs. The loss axis is cut to the
smoothed curve's span before it blew up, so the exploding last updates do not flatten the rest.
Pens and markers follow presenter mode and the theme (``desktop_app.style``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from core.palette import METRIC_COLOURS
from desktop_app.style import appearance
from desktop_app.tuning.texts import value_text
from desktop_app.widgets.axes import readable_axes, style_legend
from desktop_app.widgets.retranslating import Retranslating

LOSS_COLOUR = METRIC_COLOURS["train"]  # the training loss's colour in every plot
SUGGESTION_COLOUR = "#d55e00"  # Okabe-Ito vermillion
MINIMUM_COLOUR = "#009e73"  # Okabe-Ito bluish green
# the raw losses are noise around the smoothed line: faint, but on the dark theme's black a
# quarter-opaque blue was all but invisible
RAW_ALPHA = {"light": 90, "dark": 170}


def _line(position: float) -> pg.InfiniteLine:
    """A vertical marker with its label beside it, ``position`` of the way up: right of the line,
    or left of it when the line is right of the view's middle (pyqtgraph picks the anchor), so
    a minimum near the right edge keeps its label off the exploding curve and inside the plot."""
    line = pg.InfiniteLine(angle=90, movable=False)
    line.label = pg.InfLineLabel(line, "", position=position, anchors=[(0, 0.5), (1, 0.5)])
    line.setZValue(5)
    line.setVisible(False)
    return line


class LrRangePlot(Retranslating, QWidget):
    """Loss against learning rate; ``show_sweep`` draws what the sweep recorded so far."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.widget = pg.PlotWidget()
        self.widget.setObjectName("range_plot")
        self.plot = self.widget.getPlotItem()
        readable_axes(self.plot)
        self.plot.setLogMode(x=True, y=False)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.showGrid(x=True, y=True, alpha=appearance().grid_alpha())
        self.legend = self.plot.addLegend(offset=(10, 10))  # top left: the markers' labels go right
        self.raw = pg.PlotDataItem(pen=None, symbol="o", name="raw")
        self.smoothed = pg.PlotDataItem(name="smoothed")
        self.spot = pg.PlotDataItem(pen=None, symbol="o")  # the suggestion on the curve
        for item in (self.raw, self.smoothed, self.spot):
            self.plot.addItem(item)
        self.suggestion_line = _line(0.9)
        self.minimum_line = _line(0.75)  # lower: the two labels never overlap
        self.plot.addItem(self.suggestion_line)
        self.plot.addItem(self.minimum_line)
        self.suggested = math.nan
        self.lowest = math.nan
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.widget)
        appearance().changed.connect(self._restyle)
        self._restyle()
        self.retranslate()

    def show_sweep(
        self,
        lrs: Sequence[float],
        losses: Sequence[float],
        smoothed: Sequence[float],
        diverged: bool = False,
    ) -> None:
        """Draw the points so far (``diverged``: the last one blew up)."""
        lrs, losses, smoothed = (np.asarray(v, dtype=float) for v in (lrs, losses, smoothed))
        finite = np.isfinite(losses)
        self.raw.setData(lrs[finite], losses[finite])
        curve = np.isfinite(smoothed)
        self.smoothed.setData(lrs[curve], smoothed[curve])
        self._fit(lrs, smoothed, losses, diverged)

    def _fit(self, lrs: np.ndarray, smoothed: np.ndarray, losses: np.ndarray, diverged: bool):
        """The loss axis spans the smoothed curve before it blew up (and the raw dots near it)."""
        kept = smoothed[:-1] if diverged and len(smoothed) > 1 else smoothed
        kept = kept[np.isfinite(kept)]
        if not len(kept):
            return
        low = min(
            float(kept.min()), float(np.nanmin(np.where(np.isfinite(losses), losses, np.nan)))
        )
        high = float(kept.max())
        span = max(high - low, abs(high) * 1e-3, 1e-12)
        self.plot.setYRange(max(low - 0.05 * span, 0.0 if low >= 0 else low), high + 0.15 * span)
        self.plot.setXRange(
            math.log10(lrs[0]), math.log10(lrs[-1]) if len(lrs) > 1 else 1, padding=0.02
        )

    def mark(self, suggested: float, lowest: float, curve_value: float) -> None:
        """Place the suggestion's marker (NaN: none) and the smoothed minimum's."""
        self.suggested, self.lowest = suggested, lowest
        self._place(self.suggestion_line, suggested)
        self._place(self.minimum_line, lowest)
        if math.isfinite(suggested) and math.isfinite(curve_value):
            self.spot.setData([suggested], [curve_value])
        else:
            self.spot.setData([], [])
        self.retranslate()

    def clear_sweep(self) -> None:
        self.raw.setData([], [])
        self.smoothed.setData([], [])
        self.mark(math.nan, math.nan, math.nan)

    @staticmethod
    def _place(line: pg.InfiniteLine, lr: float) -> None:
        line.setVisible(math.isfinite(lr) and lr > 0)
        if line.isVisible():
            line.setValue(math.log10(lr))

    def _restyle(self) -> None:
        look = appearance()
        raw = pg.mkColor(LOSS_COLOUR)
        raw.setAlpha(RAW_ALPHA[look.theme])
        self.raw.setSymbolSize(look.marker(5))
        self.raw.setSymbolPen(None)
        self.raw.setSymbolBrush(pg.mkBrush(raw))
        self.smoothed.setPen(look.pen(LOSS_COLOUR, 2.5))
        self.spot.setSymbolSize(look.marker(12))
        self.spot.setSymbolPen(look.pen(SUGGESTION_COLOUR, 2))
        self.spot.setSymbolBrush(pg.mkBrush(SUGGESTION_COLOUR))
        markers = (
            (self.suggestion_line, SUGGESTION_COLOUR, {}),
            (self.minimum_line, MINIMUM_COLOUR, {"dash": [4, 4]}),
        )
        for line, colour, options in markers:
            line.setPen(look.pen(colour, 2, **options))
            line.label.setColor(pg.mkColor(colour))
            line.label.setFont(look.font(-1))
        style_legend(self.legend)
        appearance().style_plot(self.plot)

    def retranslate(self) -> None:
        self.plot.setLabel("bottom", self.tr("learning rate (log scale)"))
        self.plot.setLabel("left", self.tr("training loss"))
        names = {
            self.raw: self.tr("each update's loss (raw)"),
            self.smoothed: self.tr("smoothed"),
        }
        for sample, label in self.legend.items:
            if sample.item in names:
                label.setText(names[sample.item])
        if math.isfinite(self.suggested):
            self.suggestion_line.label.setFormat(
                self.tr("suggested {0}").format(value_text(self.suggested))
            )
        if math.isfinite(self.lowest):
            self.minimum_line.label.setFormat(
                self.tr("minimum {0}").format(value_text(self.lowest))
            )
        style_legend(self.legend)
        appearance().style_plot(self.plot)
