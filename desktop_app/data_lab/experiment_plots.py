"""What the Data page's two one-click experiment views share: their colours, plots made once
(titles and labels set on a language change), hand-drawn log axes, and the header row (button,
status, explanation).

The views: :mod:`desktop_app.data_lab.batch_view` (the batch-size table) and
:mod:`desktop_app.data_lab.timing_view` (time per update and per epoch). Nothing here trains:
the page runs ``core.experiments`` generators in its worker and hands each row to a view.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from core.palette import METRIC_COLOURS, RUN_COLOURS
from desktop_app.style import appearance
from desktop_app.widgets.axes import readable_axes, style_legend
from desktop_app.widgets.labels import hint

TRAIN_COLOR = METRIC_COLOURS["train"]
TEST_COLOR = METRIC_COLOURS["val"]
SHARP_COLOR = RUN_COLOURS[0]
UPDATE_COLOR = RUN_COLOURS[2]
EPOCH_COLOR = RUN_COLOURS[3]
NOISE_SCALE_COLOR = "#ff9f1c"  # the Data page's minibatch colour
DIVERGED_COLOR = "#e04040"  # the page's error colour
#: Below this height the views show their explanation as a tooltip: as text it took the room
#: of the plots (their legends were cut at 1280x720).
COMPACT_HEIGHT = 420


def new_plot() -> pg.PlotWidget:
    """A plot whose title and axis labels its view sets in ``retranslate`` (:func:`set_labels`)."""
    widget = pg.PlotWidget()
    item = widget.getPlotItem()
    readable_axes(item)
    item.showGrid(x=True, y=True, alpha=0.25)
    item.setMouseEnabled(x=False, y=False)
    appearance().register_plot(item)  # presenter mode and theme
    return widget


def restyle(curves: dict, dots: dict, legend: pg.LegendItem | None = None) -> None:
    """Pens and marker sizes of the current mode: ``curves`` maps a curve with markers to its
    colour, ``dots`` a scatter to its base size."""
    look = appearance()
    for curve, colour in curves.items():
        curve.setPen(look.pen(colour, 2))
        curve.setSymbolSize(look.marker(8))
    for scatter, size in dots.items():
        scatter.setSize(look.marker(size))
    if legend is not None:
        style_legend(legend)


def set_labels(widget: pg.PlotWidget, title: str, left: str, bottom: str) -> None:
    item = widget.getPlotItem()
    item.setTitle(title)
    item.setLabel("left", left)
    item.setLabel("bottom", bottom)


def rename_legend(legend: pg.LegendItem, names: dict) -> None:
    """Rename legend entries in place: ``names`` maps each curve to its (translated) name."""
    for sample, label in legend.items:
        name = names.get(sample.item)
        if name is not None:
            label.setText(name)
    legend.updateSize()


def log10_or_gap(values) -> np.ndarray:
    """Values for a logarithmic axis drawn by hand; a value <= 0 becomes a gap (NaN)."""
    values = np.asarray(values, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(values > 0, np.log10(np.where(values > 0, values, 1.0)), np.nan)


def number_text(value: float) -> str:
    return f"{value:g}"


def seconds_text(value: float) -> str:
    if value >= 1:
        return f"{value:g} s"
    if value >= 1e-3:
        return f"{value * 1e3:g} ms"
    return f"{value * 1e6:g} µs"


def decade_ticks(axis: pg.AxisItem, logs: np.ndarray, label=number_text) -> None:
    """One labelled tick per power of ten across ``logs`` (log10 values), nothing in between:
    pyqtgraph's own log axis crowds minor labels when the data span only a decade or two."""
    finite = logs[np.isfinite(logs)]
    if finite.size == 0:
        axis.setTicks(None)
        return
    low, high = math.floor(finite.min()), math.ceil(finite.max())
    major = [(float(k), label(10.0**k)) for k in range(low, high + 1)]
    halves = [(k + math.log10(3), "") for k in range(low, high)]
    axis.setTicks([major, halves])


class ExperimentHeader(QWidget):
    """[button]  status text: the top row of both views."""

    def __init__(self) -> None:
        super().__init__()
        self.button = QPushButton()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.note = note = QLabel()
        note.setWordWrap(True)
        hint(note)
        self._status = lambda: ""  # re-derived on a language change
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.button)
        row.addWidget(self.status, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(note)

    def set_texts(self, button_text: str, explanation: str) -> None:
        self.button.setText(button_text)
        self.note.setText(explanation)
        self.status.setText(self._status())
        self._tooltips()

    def set_compact(self, compact: bool) -> None:
        """Hide the explanation (a short view), keeping it as the button's and status's
        tooltip; show it again when there is room."""
        self.note.setVisible(not compact)
        self._tooltips()

    def _tooltips(self) -> None:
        tip = self.note.text() if self.note.isHidden() else ""
        self.button.setToolTip(tip)
        self.status.setToolTip(tip)

    def say(self, text) -> None:
        """Show a status: a text, or a function giving it in the current language."""
        self._status = text if callable(text) else (lambda: text)
        self.status.setText(self._status())
