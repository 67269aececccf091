"""The Network Lab's training diagnostics from notes 004, drawn from a single run's records
(:func:`desktop_app.network_lab.session.single_records`):

* :class:`RatioPanel`: the update/weight ratio of each layer's weights per epoch
  (``core.nets.ratios``) on a log axis, the healthy band 1e-4..1e-2 shaded with the 1e-3 line,
  and core's warning for a layer far off, in the UI's language;
* :class:`NoiseScalePanel`: the gradient noise scale B_simple per epoch against the batch size in
  use (``core.noise_scale``), recorded while it shows;
* :class:`SnapshotPanel`: after each warm-restart cycle, the snapshot ensemble's validation
  accuracy (loss for regression) against the single latest model's (``core.nets.ensembles``).

Races, k-fold and experiments record neither: each panel says so.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from core.nets.ensembles import SnapshotRecord
from core.nets.ratios import HEALTHY_RATIO, RATIO_BAND
from core.palette import METRIC_COLOURS
from desktop_app.network_lab.history import local_text
from desktop_app.style import appearance
from desktop_app.widgets.axes import readable_axes, run_pen, style_legend
from desktop_app.widgets.labels import hint
from desktop_app.widgets.retranslating import Retranslating

BAND_COLOUR = (60, 160, 60, 45)
HEALTHY_COLOUR = (40, 130, 40)
WARNING_STYLE = "color:#c62828"


def _plot(title_axis: str) -> pg.PlotWidget:
    widget = pg.PlotWidget()
    plot = widget.getPlotItem()
    readable_axes(plot)
    plot.showGrid(x=True, y=True, alpha=0.15)
    plot.setMenuEnabled(False)
    plot.setLabel("bottom", title_axis)
    return widget


class RatioPanel(Retranslating, QWidget):
    """One curve per layer's weights: ``show_ratios`` sets them (``labels``: name -> bilingual
    label from ``core.nets.ratios.parameter_label``)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot_widget = _plot("epoch")
        self.plot = self.plot_widget.getPlotItem()
        self.plot.setLogMode(y=True)
        low, high = (math.log10(v) for v in RATIO_BAND)  # a log axis draws items in log10
        self.band = pg.LinearRegionItem(
            (low, high), orientation="horizontal", movable=False, brush=pg.mkBrush(BAND_COLOUR)
        )
        self.band.setZValue(-10)
        self.healthy_line = pg.InfiniteLine(math.log10(HEALTHY_RATIO), angle=0)
        for item in (self.band, self.healthy_line):
            self.plot.addItem(item, ignoreBounds=True)
        self.plot.setYRange(low - 1, high + 1, padding=0)
        self.legend = self.plot.addLegend(offset=(-4, 4))
        self.curves: dict[str, pg.PlotDataItem] = {}
        self._labels: dict[str, dict[str, str]] = {}
        self._warnings: list[dict[str, str]] = []
        self.warning = QLabel()
        self.warning.setObjectName("ratio_warning")
        self.warning.setWordWrap(True)
        self.note = QLabel()
        self.note.setWordWrap(True)
        hint(self.note)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.warning)
        layout.addWidget(self.note)
        self._recorded = True
        self.retranslate()
        self.apply_style()
        appearance().changed.connect(self.apply_style)

    def retranslate(self) -> None:
        # short titles: a pyqtgraph title's width is the plot's minimum width
        self.plot.setTitle(self.tr("update/weight ratio"))
        self.plot.setLabel("bottom", self.tr("epoch"))
        self.plot.setLabel("left", "‖Δw‖/‖w‖")
        self.healthy_line.setToolTip(self.tr("about 1e-3 is healthy (band: 1e-4 to 1e-2)"))
        for (_sample, label), name in zip(self.legend.items, self.curves, strict=False):
            label.setText(local_text(self._labels[name]))
        self.legend.updateSize()
        self._show_warnings()
        if self._recorded:
            text = self.tr(
                "Mean over each epoch's updates. The shaded band (1e-4 to 1e-2) is healthy, about "
                "1e-3 best: below, a layer hardly learns; above, each update rewrites it."
            )
        else:
            text = self.tr(
                "Recorded for a single network only, not for races, k-fold or experiments."
            )
        self.note.setText(text)
        appearance().style_plot(self.plot)

    def apply_style(self) -> None:
        look = appearance()
        self.plot_widget.setBackground(look.plot_background())
        look.style_plot(self.plot)
        style_legend(self.legend)
        self.healthy_line.setPen(look.pen(HEALTHY_COLOUR, 1.5, style=Qt.PenStyle.DashLine))
        for index, curve in enumerate(self.curves.values()):
            curve.setPen(run_pen(index, 2.0))

    def set_parameters(self, labels: dict[str, dict[str, str]], recorded: bool = True) -> None:
        """Forget the curves; one per name of ``labels`` (a run's weights) when ``recorded``."""
        for curve in self.curves.values():
            self.plot.removeItem(curve)
        self.legend.clear()
        self.curves, self._labels, self._warnings = {}, dict(labels), []
        self._recorded = recorded
        for index, (name, label) in enumerate(labels.items()):
            curve = self.plot.plot(pen=run_pen(index, 2.0), connect="finite")
            self.curves[name] = curve
            self.legend.addItem(curve, local_text(label))
        style_legend(self.legend)
        self.retranslate()

    def show_ratios(
        self, epochs: list[int], ratios: dict[str, list[float]], warnings: list[dict[str, str]]
    ) -> None:
        x = np.asarray(epochs, dtype=float)
        for name, curve in self.curves.items():
            values = np.asarray(ratios.get(name, []), dtype=float)
            values = np.where((values > 0) & np.isfinite(values), values, np.nan)
            curve.setData(x[: len(values)], values)
        if warnings != self._warnings:
            self._warnings = list(warnings)
            self._show_warnings()

    def _show_warnings(self) -> None:
        texts = [local_text(warning) for warning in self._warnings]
        self.warning.setText("<br>".join(texts))
        self.warning.setStyleSheet(WARNING_STYLE if texts else "")
        self.warning.setVisible(bool(texts))

    def curve_data(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Each curve's (epochs, ratios) as drawn (tests)."""
        return {name: (curve.xData, curve.yData) for name, curve in self.curves.items()}

    def legend_names(self) -> list[str]:
        return [label.text for _sample, label in self.legend.items]


class NoiseScalePanel(Retranslating, QWidget):
    """The gradient noise scale B_simple per epoch (``core.noise_scale``, McCandlish et al.
    2018) on a log axis, with the batch size in use as a dashed line: far below B_simple a
    batch's gradient is mostly noise (doubling it nearly halves the updates needed); far above,
    a larger batch mostly wastes examples."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot_widget = _plot("epoch")
        self.plot = self.plot_widget.getPlotItem()
        self.plot.setLogMode(y=True)
        self.curve = self.plot.plot(connect="finite", symbol="o")
        self.batch_line = pg.InfiniteLine(
            angle=0,
            movable=False,
            label="",
            labelOpts={"position": 0.92, "anchors": [(1, 1), (1, 1)]},
        )
        self.plot.addItem(self.batch_line, ignoreBounds=False)
        self.batch_line.setVisible(False)
        self.summary = QLabel()
        self.summary.setObjectName("noise_summary")
        self.summary.setWordWrap(True)
        self.note = QLabel()
        self.note.setWordWrap(True)
        hint(self.note)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.note)
        self._recorded = True
        self.epochs = np.zeros(0)
        self.values = np.zeros(0)
        self.batch_size = 0
        self.retranslate()
        self.apply_style()
        appearance().changed.connect(self.apply_style)

    def retranslate(self) -> None:
        self.plot.setTitle(self.tr("gradient noise scale"))
        self.plot.setLabel("bottom", self.tr("epoch"))
        self.plot.setLabel("left", "B_simple")
        if self._recorded:
            text = self.tr(
                "B_simple = tr(Σ)/|G|², from each training example's gradient (torch.func), "
                "measured while this tab shows; the dashed line is the batch size in use."
            )
        else:
            text = self.tr(
                "Recorded for a single network only, not for races, k-fold or experiments."
            )
        self.note.setText(text)
        self._show_summary()
        appearance().style_plot(self.plot)

    def apply_style(self) -> None:
        look = appearance()
        self.plot_widget.setBackground(look.plot_background())
        look.style_plot(self.plot)
        colour = METRIC_COLOURS["train"]
        self.curve.setPen(look.pen(colour, 2.0))
        self.curve.setSymbolBrush(pg.mkBrush(colour))
        self.curve.setSymbolPen(None)
        self.curve.setSymbolSize(look.marker(5))
        self.batch_line.setPen(look.pen((120, 120, 120), 1.5, style=Qt.PenStyle.DashLine))
        self.batch_line.label.setColor(look.plot_text())
        self.batch_line.label.setFont(look.font(-1))

    def reset(self, recorded: bool = True) -> None:
        """Forget the values (a new training); ``recorded``: a single network's, which records."""
        self._recorded = recorded
        self.show_noise([], [], 0)
        self.retranslate()

    def show_noise(self, epochs: list[int], values: list[float], batch_size: int) -> None:
        """The measured B_simple per epoch and the batch size the training uses."""
        self.epochs = np.asarray(epochs, dtype=float)
        values = np.asarray(values, dtype=float)
        self.values = np.where((values > 0) & np.isfinite(values), values, np.nan)
        self.batch_size = int(batch_size)
        self.curve.setData(self.epochs, self.values)
        self.batch_line.setVisible(self.batch_size > 0)
        if self.batch_size > 0:
            self.batch_line.setValue(math.log10(self.batch_size))  # a log axis draws log10
            self.batch_line.label.setFormat(self.tr("batch size {0}").format(self.batch_size))
        self._show_summary()

    def _show_summary(self) -> None:
        finite = np.flatnonzero(np.isfinite(self.values))
        if not len(finite) or self.batch_size <= 0:
            self.summary.setText("")
            return
        last = finite[-1]
        value, batch = float(self.values[last]), self.batch_size
        if batch < value / 3:
            verdict = self.tr(
                "far below B_simple: each update's gradient is mostly noise; doubling the "
                "batch would nearly halve the updates needed"
            )
        elif batch > 3 * value:
            verdict = self.tr(
                "far above B_simple: a larger batch mostly wastes examples; a smaller one "
                "would need about as many updates"
            )
        else:
            verdict = self.tr("near B_simple: about the most efficient batch size")
        self.summary.setText(
            self.tr("B_simple = {0} at epoch {1}; batch size in use: {2}, {3}.").format(
                f"{value:.3g}", int(self.epochs[last]), batch, verdict
            )
        )


class SnapshotPanel(Retranslating, QWidget):
    """The snapshot ensemble against the single latest model, one point per cycle."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot_widget = _plot("cycle")
        self.plot = self.plot_widget.getPlotItem()
        self.legend = self.plot.addLegend(offset=(-4, -4))
        self.ensemble_curve = self.plot.plot(symbol="o")
        self.single_curve = self.plot.plot(symbol="s")
        self.legend.addItem(self.ensemble_curve, "")
        self.legend.addItem(self.single_curve, "")
        self.summary = QLabel()
        self.summary.setObjectName("snapshot_summary")
        self.summary.setWordWrap(True)
        self.note = QLabel()
        self.note.setWordWrap(True)
        hint(self.note)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.note)
        self.regression = False
        self.state = "off"  # "off", "on" (a single run with snapshots) or "unrecorded"
        self.cycles: list[SnapshotRecord] = []
        self.retranslate()
        self.apply_style()
        appearance().changed.connect(self.apply_style)

    def retranslate(self) -> None:
        what = self.tr("validation loss") if self.regression else self.tr("validation accuracy")
        self.plot.setTitle(self.tr("snapshot ensemble"))
        self.plot.setLabel("left", what)
        self.plot.setLabel("bottom", self.tr("cycle"))
        names = (self.tr("ensemble of the snapshots so far"), self.tr("single latest model"))
        for (_sample, label), name in zip(self.legend.items, names, strict=True):
            label.setText(name)
        self.legend.updateSize()
        notes = {
            "off": self.tr(
                "Turn on snapshot ensembles in the Training form: the learning rate restarts "
                "(cosine warm restarts) and the model at the end of each cycle is a snapshot."
            ),
            "on": self.tr(
                "After each cycle: the mean prediction of all snapshots so far against the latest "
                "snapshot alone, on the validation set. The learning-rate curve shows the "
                "restarts."
            ),
            "unrecorded": self.tr(
                "Recorded for a single network only, not for races, k-fold or experiments."
            ),
        }
        self.note.setText(notes[self.state])
        self._show_summary()
        appearance().style_plot(self.plot)

    def apply_style(self) -> None:
        look = appearance()
        self.plot_widget.setBackground(look.plot_background())
        look.style_plot(self.plot)
        style_legend(self.legend)
        for curve, colour in ((self.ensemble_curve, "val"), (self.single_curve, "train")):
            pen = look.pen(METRIC_COLOURS[colour], 2.0)
            curve.setPen(pen)
            curve.setSymbolPen(pen)
            curve.setSymbolBrush(pg.mkBrush(METRIC_COLOURS[colour]))
            curve.setSymbolSize(look.marker(8))

    def start(self, state: str, regression: bool) -> None:
        """A new training: ``state`` "off", "on" or "unrecorded"."""
        self.state, self.regression, self.cycles = state, regression, []
        self.ensemble_curve.setData([], [])
        self.single_curve.setData([], [])
        self.retranslate()

    def show_cycles(self, cycles: list[SnapshotRecord]) -> None:
        if len(cycles) == len(self.cycles):
            return
        self.cycles = list(cycles)
        x = np.array([record.cycle for record in cycles], dtype=float)
        ensemble, single = self.values()
        self.ensemble_curve.setData(x, ensemble)
        self.single_curve.setData(x, single)
        self._show_summary()

    def values(self) -> tuple[np.ndarray, np.ndarray]:
        """(ensemble, single) per cycle as plotted: accuracy, or loss for regression."""
        side = "loss" if self.regression else "accuracy"
        ensemble = [getattr(record, f"ensemble_{side}") for record in self.cycles]
        single = [getattr(record, f"single_{side}") for record in self.cycles]
        return np.array(ensemble, dtype=float), np.array(single, dtype=float)

    def _show_summary(self) -> None:
        if not self.cycles:
            self.summary.setText("")
            return
        last = self.cycles[-1]
        if self.regression:
            text = self.tr("cycle {0}: ensemble of {1} loss {2:.4g}, single model {3:.4g}")
            self.summary.setText(
                text.format(last.cycle, last.snapshots, last.ensemble_loss, last.single_loss)
            )
            return
        text = self.tr("cycle {0}: ensemble of {1} {2:.1%}, single model {3:.1%}")
        self.summary.setText(
            text.format(last.cycle, last.snapshots, last.ensemble_accuracy, last.single_accuracy)
        )
