"""The "Double descent" window (Tools ▸ Double descent…): test and training error of a
random-features model against its width, the interpolation threshold marked
(``core.nets.double_descent``; Nakkiran et al. 2019).

The sweep has its own small task (a noisy linear regression in five dimensions, few training
points: the threshold must be reachable in seconds); it runs in a worker thread
(:class:`~desktop_app.workers.StreamRunner`) and the points appear as they come.
Both errors are drawn on log axes; a training error below :data:`ERROR_FLOOR` (0 up to rounding,
past the threshold) is drawn at the floor.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.nets.double_descent import (
    MAX_WIDTH,
    DoubleDescentTask,
    WidthResult,
    default_widths,
    double_descent_sweep,
)
from core.palette import METRIC_COLOURS
from desktop_app.style import appearance
from desktop_app.widgets.axes import readable_axes, style_legend
from desktop_app.widgets.retranslating import Retranslating
from desktop_app.widgets.tool_window import DONE, RUNNING, STOPPED, StreamWindow, show_tool_window

DEFAULT_SIZE = (1100, 760)
ERROR_FLOOR = 1e-4  # a training error below this is drawn here (log axis)
THRESHOLD_COLOUR = "#7f7f7f"
CURVE_COLOURS = {"test": METRIC_COLOURS["val"], "train": METRIC_COLOURS["train"]}


def shown_errors(values: list[float]) -> np.ndarray:
    """Errors as drawn: at least :data:`ERROR_FLOOR` (the axis is logarithmic)."""
    return np.maximum(np.asarray(values, dtype=float), ERROR_FLOOR)


def width_ticks(largest: int) -> list[list[tuple[float, str]]]:
    """The width axis's ticks (log x: at ``log10`` of the width): 1, 2, 5, 10, 20, 50, … up to
    ``largest``, written as plain numbers ("9 10¹ 2·10¹" ran together, and mixed notations)."""
    ticks, decade = [], 1
    while decade <= largest:
        ticks += [(math.log10(step * decade), f"{step * decade:g}") for step in (1, 2, 5)]
        decade *= 10
    return [[(position, text) for position, text in ticks if float(text) <= largest]]


class DoubleDescentWindow(StreamWindow, Retranslating, QWidget):
    """A top-level window (owned by the main window): the sweep's settings and its curves."""

    def __init__(
        self, network_lab: Callable[[], Any] | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("double_descent_window")
        self.network_lab = network_lab or (lambda: None)  # not read: the sweep has its own task
        self.task: DoubleDescentTask | None = None
        self.results: list[WidthResult] = []
        self._init_stream("double-descent", self._on_items)
        self._build_ui()
        self.resize(*DEFAULT_SIZE)
        appearance().changed.connect(self._restyle)
        self._restyle()
        self.retranslate()

    def _build_ui(self) -> None:
        self.points_label, self.points = QLabel(), QSpinBox()
        self.points.setRange(2, 500)
        self.points.setValue(20)
        self.noise_label, self.noise = QLabel(), QDoubleSpinBox()
        self.noise.setRange(0.0, 5.0)
        self.noise.setSingleStep(0.05)
        self.noise.setValue(0.2)
        self.seeds_label, self.seeds = QLabel(), QSpinBox()
        self.seeds.setRange(1, 20)
        self.seeds.setValue(5)
        self.width_label, self.max_width = QLabel(), QSpinBox()
        self.max_width.setRange(2, MAX_WIDTH)
        self.max_width.setValue(200)
        self.run_button, self.stop_button = QPushButton(), QPushButton()
        self.run_button.setObjectName("run")
        self.stop_button.setObjectName("stop")
        self.run_button.clicked.connect(self.run)
        self.stop_button.clicked.connect(self.stop)
        controls = QHBoxLayout()
        for label, box, name in (
            (self.points_label, self.points, "train_points"),
            (self.noise_label, self.noise, "noise"),
            (self.seeds_label, self.seeds, "seeds"),
            (self.width_label, self.max_width, "max_width"),
        ):
            box.setObjectName(name)
            controls.addWidget(label)
            controls.addWidget(box)
        controls.addWidget(self.run_button)
        controls.addWidget(self.stop_button)
        controls.addStretch(1)
        self.status = QLabel()
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.plot_widget = pg.PlotWidget()
        self.plot_widget.setObjectName("errors")
        self.plot = self.plot_widget.getPlotItem()
        readable_axes(self.plot)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setLogMode(x=True, y=True)
        self.plot.showGrid(x=True, y=True, alpha=appearance().grid_alpha())
        appearance().register_plot(self.plot)
        self.legend = self.plot.addLegend(offset=(-10, 10))
        self.curves = {
            "test": self.plot.plot([], [], symbol="o", symbolBrush=CURVE_COLOURS["test"]),
            "train": self.plot.plot([], [], symbol="s", symbolBrush=CURVE_COLOURS["train"]),
        }
        for curve in self.curves.values():
            curve.setSymbolPen(None)
        self.threshold_line = pg.InfiniteLine(
            angle=90,
            label="",
            labelOpts={"position": 0.55, "color": THRESHOLD_COLOUR, "anchors": [(0, 0), (0, 0)]},
        )
        self.threshold_line.setVisible(False)
        self.plot.addItem(self.threshold_line)
        self.explanation = QLabel()
        self.explanation.setObjectName("explanation")
        self.explanation.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(controls)
        layout.addWidget(self.status)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.explanation)

    def _restyle(self) -> None:
        """Pens and markers for the current presenter mode and theme."""
        look = appearance()
        self.curves["test"].setPen(look.pen(CURVE_COLOURS["test"], 2))
        self.curves["train"].setPen(look.pen(CURVE_COLOURS["train"], 2, dash=[4, 2]))
        for curve in self.curves.values():
            curve.setSymbolSize(look.marker(6))
        self.threshold_line.setPen(look.pen(THRESHOLD_COLOUR, 1.5, dash=[6, 3]))
        self.threshold_line.label.setFont(look.font(-1))  # pyqtgraph's default ignored presenter
        style_legend(self.legend)

    # -- running ---------------------------------------------------------------------------------

    def make_task(self) -> DoubleDescentTask:
        """The task the settings describe; ``ValueError`` when they are refused."""
        points = self.points.value()
        return DoubleDescentTask(
            train_points=points,
            noise=self.noise.value(),
            seeds=tuple(range(self.seeds.value())),
            widths=default_widths(self.max_width.value(), points),
        )

    def run(self) -> bool:
        """Sweep the widths in the background; False (and why, in the status) when refused."""
        try:
            task = self.make_task()
        except ValueError as error:
            self._set_message(str(error), error=True)
            return False
        self.stop()
        self.task, self.results = task, []
        self.plot.getAxis("bottom").setTicks(width_ticks(max(task.widths)))
        self._begin_run()
        self.runner.start(lambda: double_descent_sweep(task))
        self._redraw()
        return True

    def _on_items(self, items: list) -> None:
        self.results.extend(items)
        self._redraw()

    def failure_text(self, message: str) -> str:
        return self.tr("The sweep failed: {0}").format(message)

    # -- views -----------------------------------------------------------------------------------

    def _redraw(self) -> None:
        widths = [r.width for r in self.results]
        self.curves["test"].setData(widths, shown_errors([r.test_error for r in self.results]))
        self.curves["train"].setData(widths, shown_errors([r.train_error for r in self.results]))
        self.threshold_line.setVisible(self.task is not None)
        if self.task is not None:
            self.threshold_line.setPos(math.log10(self.task.threshold))  # log x: the view's x
            self.threshold_line.label.setFormat(self.threshold_text())
        running = self.runner.running()
        self.run_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        for box in (self.points, self.noise, self.seeds, self.max_width):
            box.setEnabled(not running)
        self._show_status()

    def threshold_text(self) -> str:
        if self.task is None:
            return ""
        return self.tr("interpolation threshold p = n = {0}").format(self.task.threshold)

    def _status_text(self) -> str:
        if self.message:
            return self.message
        total = len(self.task.widths) if self.task is not None else 0
        if self.state == RUNNING:
            return self.tr("Sweeping the widths in the background… {0} of {1}").format(
                len(self.results), total
            )
        if self.state == DONE:
            worst = max(self.results, key=lambda r: r.test_error, default=None)
            if worst is None:
                return ""
            return self.tr(
                "Done: {0} widths. The test error is highest at width {1} ({2:.3g}); the "
                "threshold is at width {3}."
            ).format(len(self.results), worst.width, worst.test_error, self.task.threshold)
        if self.state == STOPPED:
            return self.tr("Stopped after {0} of {1} widths.").format(len(self.results), total)
        return self.tr("Press Run to sweep the widths.")

    # -- Qt --------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Double descent — LossLab"))
        self.points_label.setText(self.tr("Training points:"))
        self.noise_label.setText(self.tr("Label noise:"))
        self.seeds_label.setText(self.tr("Seeds:"))
        self.width_label.setText(self.tr("Largest width:"))
        self.run_button.setText(self.tr("Run"))
        self.stop_button.setText(self.tr("Stop"))
        self.plot.setLabel("bottom", self.tr("width p (random features = fitted parameters)"))
        self.plot.setLabel("left", self.tr("mean squared error"))
        self.legend.clear()
        self.legend.addItem(self.curves["test"], self.tr("test error"))
        self.legend.addItem(self.curves["train"], self.tr("training error"))
        style_legend(self.legend)
        self.explanation.setText(
            self.tr(
                "What is swept: the width p of a random-features model, y ≈ Σ aⱼ relu(wⱼ·x), "
                "with the wⱼ drawn at random and frozen; only the p output weights aⱼ are "
                "fitted, by minimum-norm least squares, on a noisy linear task in five "
                "dimensions. Each point averages the seeds. Below the interpolation threshold "
                "(as many parameters as training targets: p = n) the model cannot fit every "
                "noisy point; at p = n it just can, with huge weights, and the test error "
                "peaks; past it the smallest interpolating weights get smoother as p grows and "
                "the test error descends a second time. Training errors under 10⁻⁴ (zero up to "
                "rounding) are drawn at 10⁻⁴."
            )
        )
        self._redraw()


def show_double_descent_window(main: Any) -> DoubleDescentWindow:
    """Show the main window's "Double descent" window (made on first use)."""
    return show_tool_window(
        main,
        DoubleDescentWindow,
        lambda: DoubleDescentWindow(lambda: getattr(main, "network_lab", None), main),
    )
