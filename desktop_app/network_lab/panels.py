"""The curvature panel (Hessian spectrum, minimum ratio, verdict) and the landscape panel (1D
interpolation and a 2D slice drawn with the Surface Lab's map). Both only show results that the
page computed in its worker; their buttons ask the page to compute."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.nets.curvature import VERDICT_TOLERANCE, report_verdict
from core.palette import METRIC_COLOURS
from desktop_app.style import appearance
from desktop_app.surface_lab.map_view import MapView
from desktop_app.widgets.axes import readable_axes
from desktop_app.widgets.labels import hint
from desktop_app.widgets.responsive import ResponsiveSplitter
from desktop_app.widgets.retranslating import Retranslating

LOG_FLOOR = -0.35  # bars start a little below log10(1) so that a single eigenvalue shows
VERDICT_COLORS = {
    "not_critical": "#555555",
    "local_minimum_like": "#2e7d32",
    "saddle_like": "#c62828",
}


def _plot() -> pg.PlotWidget:
    """A plot whose title and labels its panel sets in ``retranslate`` (:func:`_label`)."""
    widget = pg.PlotWidget(background=appearance().plot_background())
    plot = widget.getPlotItem()
    readable_axes(plot)
    plot.showGrid(x=True, y=True, alpha=0.15)
    plot.setMenuEnabled(False)
    appearance().register_plot(plot)  # restyled on every presenter-mode or theme change
    return widget


def _label(widget: pg.PlotWidget, title: str, bottom: str, left: str) -> None:
    plot = widget.getPlotItem()
    plot.setTitle(title)
    plot.setLabel("bottom", bottom)
    plot.setLabel("left", left)
    appearance().style_plot(plot)  # the title's size and colour


class CurvaturePanel(Retranslating, QWidget):
    computeRequested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.button = QPushButton()
        self.button.clicked.connect(self.computeRequested)
        self.summary = QLabel()
        self._summary = self._introduction  # the shown text, re-derived on a language change
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.histogram_widget = _plot()
        self.histogram = pg.BarGraphItem(x=[], height=[], width=1.0, brush="#5b8fd6", pen=None)
        self.histogram_widget.addItem(self.histogram)
        self.zero_line = pg.InfiniteLine(angle=90)
        self.histogram_widget.addItem(self.zero_line)
        layout = QVBoxLayout(self)
        layout.addWidget(self.button)
        layout.addWidget(self.summary)
        layout.addWidget(self.histogram_widget, 1)
        self.retranslate()
        self.apply_style()
        appearance().changed.connect(self.apply_style)

    def apply_style(self) -> None:
        self.zero_line.setPen(appearance().pen((200, 40, 40), 1.5, style=Qt.PenStyle.DashLine))

    def retranslate(self) -> None:
        self.button.setText(self.tr("Compute the Hessian at the current weights"))
        self.button.setToolTip(
            self.tr(
                "Pauses training. Exact eigenvalues up to 2,000 parameters (torch.func), the "
                "extreme ones by Lanczos beyond; on the whole training set, in eval mode."
            )
        )
        _label(
            self.histogram_widget,
            self.tr("spectrum of the Hessian"),
            self.tr("eigenvalue λ"),
            self.tr("number of eigenvalues (log scale)"),
        )
        self.summary.setText(self._summary())

    def _say(self, text) -> None:
        """Show a summary: a function giving it in the current language."""
        self._summary = text
        self.summary.setText(text())

    def _introduction(self) -> str:
        return self.tr(
            "The Hessian's eigenvalues say how the loss curves around the current weights: "
            "all positive (minimum ratio 1) at a strict local minimum, some negative at a "
            "saddle point. Train a while, pause, then compute."
        )

    def show_busy(self) -> None:
        self._say(lambda: self.tr("Computing the Hessian…"))

    def clear(self) -> None:
        """Forget the last report (its model is gone): an empty spectrum and the introduction."""
        self.histogram.setOpts(x=[], height=[], width=1.0)
        self._say(self._introduction)

    def has_report(self) -> bool:
        """Whether a spectrum is shown (tests)."""
        return len(self.histogram.opts.get("height", [])) > 0

    def show_report(self, report) -> None:
        values, weights = report.spectrum, report.spectrum_weights
        low, high = float(values.min()), float(values.max())
        if not high > low:
            low, high = low - 1.0, high + 1.0
        bins = np.linspace(low, high, 41)
        # Counts of eigenvalues (exact) or the estimated number (share x parameters), drawn on a
        # log scale: a network's spectrum is a spike near 0 plus a few large outliers.
        share, edges = np.histogram(values, bins=bins, weights=weights)
        counts = share * report.parameters
        shown = counts >= 0.5
        heights = np.where(shown, np.log10(np.maximum(counts, 0.5)) - LOG_FLOOR, 0.0)
        self.histogram.setOpts(
            x=(edges[:-1] + edges[1:]) / 2,
            height=heights,
            y0=LOG_FLOOR,
            width=(edges[1] - edges[0]) * 0.9,
        )
        top = max(1.0, float(np.log10(max(counts.max(), 1.0))))
        self.histogram_widget.setYRange(LOG_FLOOR, top + 0.2, padding=0)
        ticks = [(k, f"{10**k:g}") for k in range(0, int(np.ceil(top)) + 1)]
        self.histogram_widget.getPlotItem().getAxis("left").setTicks([ticks])
        self._say(lambda: self._report_text(report))

    def _report_text(self, report) -> str:
        judged = report_verdict(report)  # core's rule: tiny negative eigenvalues are flat
        color = VERDICT_COLORS.get(judged, "#555555")
        verdict = {
            "not_critical": self.tr("not at a critical point"),
            "local_minimum_like": self.tr("local-minimum-like"),
            "saddle_like": self.tr("saddle-like"),
        }[judged]
        method = (
            self.tr("exact, all {0} eigenvalues").format(report.parameters)
            if report.method == "exact"
            else self.tr("Lanczos: extreme eigenvalues; histogram and ratio estimated")
        )
        top = ", ".join(f"{v:.3g}" for v in report.top[:5])
        bottom = ", ".join(f"{v:.3g}" for v in report.bottom[:5])
        return (
            f"<b style='color:{color}'>{verdict}</b> — "
            + self.tr("minimum ratio (share of positive eigenvalues): <b>{0:.3f}</b>").format(
                report.minimum_ratio
            )
            + "<br>"
            + self.tr("loss {0:.4g} · gradient norm {1:.3g} · {2}").format(
                report.loss, report.grad_norm, method
            )
            + "<br>"
            + self.tr("largest λ: {0}<br>smallest λ: {1}").format(top, bottom)
            + "<br><span style='color:gray'>"
            + self._explanation(report, judged)
            + "</span>"
        )

    def _explanation(self, report, judged: str) -> str:
        if judged == "not_critical":
            return self.tr(
                "The gradient is not small (above {0:g}): these weights are not at a critical "
                "point, so no verdict; the eigenvalues describe the local curvature only."
            ).format(report.grad_tolerance)
        if judged == "local_minimum_like":
            return self.tr(
                "Small gradient and no clearly negative eigenvalue: every direction curves up or "
                "is flat (|λ| below {0:.2g}, {1:g}% of the largest, counts as 0)."
            ).format(VERDICT_TOLERANCE * report.scale, VERDICT_TOLERANCE * 100)
        return self.tr(
            "Small gradient but a negative eigenvalue: moving along its eigenvector lowers the "
            "loss. A saddle point, not a minimum: training can still escape."
        )


class LandscapePanel(Retranslating, QWidget):
    interpolationRequested = Signal()
    sliceRequested = Signal(float)  # span

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.line_button = QPushButton()
        self.line_button.clicked.connect(self.interpolationRequested)
        self.slice_button = QPushButton()
        self.span = QDoubleSpinBox(minimum=0.05, maximum=5.0, value=1.0, singleStep=0.25)
        self.slice_button.clicked.connect(lambda: self.sliceRequested.emit(self.span.value()))
        # Two rows: side by side the long button texts made the page wider than a projector.
        buttons = QGridLayout()
        buttons.addWidget(self.line_button, 0, 0, 1, 2)
        buttons.addWidget(self.slice_button, 1, 0)
        buttons.addWidget(self.span, 1, 1)
        buttons.setColumnStretch(0, 1)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        hint(self.caption)
        self.line_plot = _plot()
        self.line_curve = self.line_plot.plot()
        self.line_marks = pg.ScatterPlotItem(brush="#d62728", pen=None)
        self.line_plot.addItem(self.line_marks)
        self.map = MapView()
        readable_axes(self.map.plot)  # its tick labels run together on a narrow map
        self.map.colorbar.axis.enableAutoSIPrefix(False)  # log10 values, not "x0.001"
        self.centre = pg.ScatterPlotItem(symbol="+", brush=None)
        self.map.plot.addItem(self.centre)
        self.centre.setZValue(50)
        views = ResponsiveSplitter(ratio=0.9, min_part=200)  # stacked in a narrow column
        views.addWidget(self.line_plot)
        views.addWidget(self.map)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.caption)
        layout.addWidget(views, 1)
        self.retranslate()
        self.apply_style()
        appearance().changed.connect(self.apply_style)

    def apply_style(self) -> None:
        look = appearance()
        self.line_curve.setPen(look.pen(METRIC_COLOURS["train"], 2))
        self.line_marks.setSize(look.marker(9))
        self.centre.setPen(look.pen("#ff3030", 2.5))
        self.centre.setSize(look.marker(12))

    def retranslate(self) -> None:
        self.line_button.setText(self.tr("1D: from the initial to the current weights"))
        self.slice_button.setText(self.tr("2D slice around the current weights"))
        self.span.setPrefix(self.tr("± "))
        self.span.setToolTip(
            self.tr("How far along each filter-normalized direction (1 = the weights' own size).")
        )
        self.caption.setText(
            self.tr(
                "Line: the training loss along (1−a)·θ_initial + a·θ_now. Map: the loss on a "
                "plane through the current weights (centre), along two random filter-normalized "
                "directions (Li et al., 2018)."
            )
        )
        _label(self.line_plot, self.tr("loss along the line"), "a", self.tr("training loss"))
        self.map.plot.setLabel("bottom", self.tr("along direction 1"))
        self.map.plot.setLabel("left", self.tr("along direction 2"))

    def show_line(self, alphas: np.ndarray, losses: np.ndarray) -> None:
        self.line_curve.setData(alphas, losses)
        at = [np.argmin(np.abs(alphas - a)) for a in (0.0, 1.0)]
        self.line_marks.setData(alphas[at], losses[at])

    def show_slice(self, raster) -> None:
        self.map.set_raster(raster)
        self.centre.setData([0.0], [0.0])

    def clear(self) -> None:
        """Forget the line and the slice (their model is gone)."""
        self.line_curve.setData([], [])
        self.line_marks.setData([], [])
        self.map.raster = None
        self.map.image.clear()
        self.map.contours.setData([], [])
        self.centre.setData([], [])

    def has_plots(self) -> bool:
        """Whether a line or a slice is shown (tests)."""
        line = self.line_curve.getData()[0]
        return (line is not None and len(line) > 0) or self.map.raster is not None
