"""The "Inside the layers" window (Tools ▸ Inside the layers…): per-layer histograms of the
pre-activations and weight gradients of the Network Lab's current task, batch norm off | on
(``core.nets.layer_stats``).

The window knows the Network Lab only through ``network_lab()`` (a callable returning the page or
None) and its public ``model.settings`` (read when Run is pressed). Both networks train in a
worker thread (:class:`~desktop_app.workers.StreamRunner`); the epoch slider follows
the training while it sits at its right end.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.nets.layer_stats import LayerBins, LayerStats, LayerStatsRecord
from core.palette import METRIC_COLOURS, RUN_COLOURS
from desktop_app.stability.plots import legend_below
from desktop_app.style import appearance
from desktop_app.widgets.axes import readable_axes, run_pen, style_legend
from desktop_app.widgets.labels import bold, hint
from desktop_app.widgets.retranslating import Retranslating
from desktop_app.widgets.tool_window import DONE, RUNNING, STOPPED, StreamWindow, show_tool_window

DEFAULT_SIZE = (1280, 900)
DEFAULT_EPOCHS = 60
LOSS_HEIGHT = 175  # px: the loss curves and their legend's row
ROW_HEIGHT = 110  # px per layer at least: below it the histograms are flat lines
KINDS = ("pre", "grad")  # the histograms of a layer: pre-activations, weight gradients
KIND_COLOURS = {"pre": METRIC_COLOURS["train"], "grad": METRIC_COLOURS["grad_norm"]}
SIDE_COLOURS = {False: RUN_COLOURS[0], True: RUN_COLOURS[1]}  # the loss curves: off, on
TICK_STEPS = (1, 2, 5, 10, 20, 50, 100, 200)  # epochs between the loss plot's ticks
TITLE_BREAK = "<br>"  # a histogram's title: what it shows, then its numbers


@dataclass(frozen=True)
class LayerStatsPlan:
    """What both networks train: the Network Lab's data (``make_dataset``'s arguments and the
    clicked points), model and training, for ``epochs`` epochs."""

    data: dict[str, Any]
    points: tuple[tuple[float, float, int], ...]
    model: Any  # core.nets.models.ModelConfig
    train: Any  # core.nets.trainer.TrainConfig
    epochs: int


def plan_layer_stats(settings: dict[str, Any], epochs: int) -> LayerStatsPlan:
    """The plan for the Network Lab's ``settings``; ``ValueError`` for settings refused."""
    from desktop_app.network_lab.settings import setup_of_settings

    setup = setup_of_settings(settings)
    points = tuple((float(x), float(y), int(c)) for x, y, c in settings.get("points", []))
    return LayerStatsPlan(setup.data, points, setup.model, setup.train, int(epochs))


def layer_stats_events(plan: LayerStatsPlan, device: str = "cpu") -> Iterator[Any]:
    """The plan's ``core.nets.layer_stats`` stream (runs in the worker thread)."""
    from core.nets.layer_stats import layer_stats_records
    from desktop_app.tuning.worker import plan_dataset  # the clicked points added the same way

    data = plan_dataset(plan)
    return layer_stats_records(data, plan.model, plan.train, epochs=plan.epochs, device=device)


def epoch_ticks(epochs: int) -> list[list[tuple[float, str]]]:
    """Whole epochs on the loss plot's axis, about ten at most, 1-2-5 apart (pyqtgraph's own
    ticks put epoch "0.5", "1.5", … under a few epochs)."""
    step = next(s for s in TICK_STEPS if epochs <= 10 * s)
    return [[(float(epoch), str(epoch)) for epoch in range(0, epochs + 1, step)]]


def percent(value: float) -> str:
    return "–" if math.isnan(value) else f"{100 * value:.0f} %"


class LayerStatsWindow(StreamWindow, Retranslating, QWidget):
    """A top-level window (owned by the main window): both networks' layers side by side."""

    def __init__(
        self, network_lab: Callable[[], Any] | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("layer_stats_window")
        self.network_lab = network_lab or (lambda: None)
        self.plan: LayerStatsPlan | None = None
        self.bins: LayerBins | None = None
        self.records: dict[bool, dict[int, LayerStatsRecord]] = {False: {}, True: {}}
        self.plots: dict[tuple[bool, int, str], pg.PlotItem] = {}
        self.curves: dict[tuple[bool, int, str], pg.PlotDataItem] = {}
        self._init_stream("layer-stats", self._on_items)
        self._build_ui()
        self.resize(*DEFAULT_SIZE)
        appearance().changed.connect(self._restyle)
        self.retranslate()
        self._restyle()

    # -- building --------------------------------------------------------------------------------

    def _build_ui(self) -> None:
        self.task = QLabel()
        self.task.setObjectName("task")
        self.task.setWordWrap(True)
        controls = self._build_controls()
        self.headers = {False: bold(QLabel()), True: bold(QLabel())}
        self.views = {False: pg.GraphicsLayoutWidget(), True: pg.GraphicsLayoutWidget()}
        headers = QHBoxLayout()
        self.layers_box = QWidget()  # both sides scroll together when the layers need more room
        sides = QHBoxLayout(self.layers_box)
        sides.setContentsMargins(0, 0, 0, 0)
        for on in (False, True):
            self.headers[on].setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.views[on].setObjectName("layers_bn_on" if on else "layers_bn_off")
            headers.addWidget(self.headers[on])
            sides.addWidget(self.views[on])
        self.scroll = QScrollArea()
        self.scroll.setObjectName("layers_scroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(self.layers_box)
        self.slider_label = QLabel()
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("epoch_slider")
        self.slider.setRange(0, 0)
        self.slider.valueChanged.connect(self._draw_epoch)
        self.epoch_text = QLabel()
        self.epoch_text.setObjectName("epoch_text")
        slider_row = QHBoxLayout()
        slider_row.addWidget(self.slider_label)
        slider_row.addWidget(self.slider, 1)
        slider_row.addWidget(self.epoch_text)
        self._build_loss_plot()
        self.note = hint(QLabel())
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.task)
        layout.addLayout(controls)
        layout.addLayout(headers)
        layout.addWidget(self.scroll, 1)
        layout.addLayout(slider_row)
        layout.addWidget(self.loss_widget)
        layout.addWidget(self.note)

    def _build_controls(self) -> QHBoxLayout:
        self.epochs_label = QLabel()
        self.epochs = QSpinBox()
        self.epochs.setObjectName("epochs")
        self.epochs.setRange(1, 2000)
        self.epochs.setValue(DEFAULT_EPOCHS)
        self.run_button = QPushButton()
        self.run_button.setObjectName("run")
        self.run_button.clicked.connect(self.run)
        self.stop_button = QPushButton()
        self.stop_button.setObjectName("stop")
        self.stop_button.clicked.connect(self.stop)
        self.status = QLabel()
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        controls = QHBoxLayout()
        controls.addWidget(self.epochs_label)
        controls.addWidget(self.epochs)
        controls.addWidget(self.run_button)
        controls.addWidget(self.stop_button)
        controls.addWidget(self.status, 1)
        return controls

    def _build_loss_plot(self) -> None:
        self.loss_widget = pg.PlotWidget()
        self.loss_widget.setObjectName("losses")
        self.loss_widget.setMaximumHeight(LOSS_HEIGHT)
        self.loss_plot = self.loss_widget.getPlotItem()
        self._prepare(self.loss_plot)
        self.legend = legend_below(self.loss_plot, columns=2)  # inside, it covered the curves
        self.loss_curves = {
            on: self.loss_plot.plot([], [], pen=run_pen(index, colour=SIDE_COLOURS[on]))
            for index, on in enumerate((False, True))
        }
        self.epoch_line = pg.InfiniteLine(angle=90, pen=appearance().cursor_pen())
        self.loss_plot.addItem(self.epoch_line)

    @staticmethod
    def _prepare(plot: pg.PlotItem) -> None:
        readable_axes(plot)
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.showGrid(x=True, y=True, alpha=appearance().grid_alpha())
        appearance().register_plot(plot)

    def _build_layers(self, bins: LayerBins) -> None:
        """One row per hidden layer on each side: the pre-activations, the weight gradients."""
        self.plots.clear()
        self.curves.clear()
        self.layers_box.setMinimumHeight(ROW_HEIGHT * len(bins.widths))
        for on, view in self.views.items():
            view.clear()
            view.ci.layout.setColumnStretchFactor(0, 3)
            view.ci.layout.setColumnStretchFactor(1, 2)
            for layer in range(len(bins.widths)):
                for column, kind in enumerate(KINDS):
                    plot = view.addPlot(row=layer, col=column)
                    self._prepare(plot)
                    plot.setMouseEnabled(x=False, y=False)
                    edges = bins.pre_edges[layer] if kind == "pre" else bins.grad_edges[layer]
                    plot.setXRange(edges[0], edges[-1], padding=0)
                    colour = QColor(KIND_COLOURS[kind])
                    fill = QColor(colour)
                    fill.setAlpha(110)
                    curve = pg.PlotDataItem(
                        edges,
                        np.zeros(len(edges) - 1),
                        stepMode="center",
                        fillLevel=0,
                        brush=fill,
                        pen=appearance().pen(colour, 1.5),
                    )
                    plot.addItem(curve)
                    self.plots[(on, layer, kind)] = plot
                    self.curves[(on, layer, kind)] = curve

    def _restyle(self) -> None:
        """Pens again after a presenter-mode or theme change (the axes are registered)."""
        look = appearance()
        for view in self.views.values():  # before a run it has no plot: pyqtgraph's black showed
            view.setBackground(look.plot_background())
        for (_on, _layer, kind), curve in self.curves.items():
            curve.setPen(look.pen(KIND_COLOURS[kind], 1.5))
        for index, (on, curve) in enumerate(self.loss_curves.items()):
            curve.setPen(run_pen(index, colour=SIDE_COLOURS[on]))
        self.epoch_line.setPen(look.cursor_pen())
        style_legend(self.legend)
        self._draw_epoch()

    # -- the task --------------------------------------------------------------------------------

    def lab_settings(self) -> dict[str, Any] | None:
        page = self.network_lab()
        return None if page is None else page.model.settings

    def refresh_task(self) -> None:
        settings = self.lab_settings()
        if not settings:
            self.task.setText(self.tr("The Network Lab is not ready yet."))
            return
        model = settings.get("model", {})
        training = settings.get("training", {})
        hidden = "-".join(str(width) for width in model.get("hidden", [])) or "0"
        batch = training.get("batch_size", 0)
        self.task.setText(
            self.tr(
                "On the Network Lab's task: the “{0}” data, hidden layers {1} ({2}), optimizer "
                "{3}, batch size {4}. Two copies train from the same initial weights on the same "
                "batches: without batch norm (left) and with it (right)."
            ).format(
                settings.get("dataset", {}).get("name", "?"),
                hidden,
                model.get("activation", "?"),
                training.get("optimizer", {}).get("name", "?"),
                batch if batch else self.tr("full batch"),
            )
        )

    # -- running ---------------------------------------------------------------------------------

    def run(self) -> bool:
        """Train both networks in the background; False (and why, in the status) when the
        Network Lab's settings are refused."""
        self.refresh_task()
        settings = self.lab_settings()
        if settings is None:
            self._set_message(self.tr("The Network Lab is not ready yet."), error=True)
            return False
        try:
            plan = plan_layer_stats(settings, self.epochs.value())
        except ValueError as error:
            self._set_message(str(error), error=True)
            return False
        self.stop()
        self.plan, self.bins = plan, None
        self.loss_plot.getAxis("bottom").setTicks(epoch_ticks(plan.epochs))
        self.records = {False: {}, True: {}}
        self._begin_run()
        device = getattr(self.network_lab(), "device", "cpu")
        self.runner.start(lambda: layer_stats_events(plan, device))
        self._redraw()
        return True

    def _on_items(self, items: list) -> None:
        for item in items:
            if isinstance(item, LayerBins):
                self.bins = item
                self._build_layers(item)
            else:
                self.records[item.batch_norm][item.epoch] = item
        self._redraw()

    def failure_text(self, message: str) -> str:
        return self.tr("Training failed: {0}").format(message)

    # -- views -----------------------------------------------------------------------------------

    def epochs_shown(self) -> list[int]:
        """The epochs the slider steps through: those recorded for either network."""
        return sorted(set(self.records[False]) | set(self.records[True]))

    def shown_epoch(self) -> int | None:
        epochs = self.epochs_shown()
        return epochs[min(self.slider.value(), len(epochs) - 1)] if epochs else None

    def record_at(self, batch_norm: bool, epoch: int) -> LayerStatsRecord | None:
        """The record of ``epoch`` or, when this network has not got there, its latest."""
        records = self.records[batch_norm]
        earlier = [e for e in records if e <= epoch]
        return records[max(earlier)] if earlier else None

    def _redraw(self) -> None:
        epochs = self.epochs_shown()
        following = self.slider.value() >= self.slider.maximum()
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(len(epochs) - 1, 0))
        if following:
            self.slider.setValue(self.slider.maximum())
        self.slider.blockSignals(False)
        for on, curve in self.loss_curves.items():
            ordered = sorted(self.records[on])
            curve.setData(ordered, [self.records[on][e].train_loss for e in ordered])
        running = self.runner.running()
        self.run_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        self.epochs.setEnabled(not running)
        self._show_status()
        self._draw_epoch()

    def _draw_epoch(self, *_args) -> None:
        epoch = self.shown_epoch()
        total = self.bins.epochs if self.bins is not None else self.epochs.value()
        self.epoch_text.setText(
            self.tr("epoch {0} of {1}").format("–" if epoch is None else epoch, total)
        )
        self.epoch_line.setVisible(epoch is not None)
        if epoch is None or self.bins is None:
            return
        self.epoch_line.setPos(epoch)
        for on in (False, True):
            record = self.record_at(on, epoch)
            for layer in range(len(self.bins.widths)):
                stats = None if record is None else record.layers[layer]
                self._draw_layer(on, layer, stats)

    def _draw_layer(self, on: bool, layer: int, stats: LayerStats | None) -> None:
        for kind in KINDS:
            curve = self.curves[(on, layer, kind)]
            edges = curve.xData if curve.xData is not None else np.zeros(1)
            counts = np.zeros(max(len(edges) - 1, 0))
            if stats is not None:
                counts = stats.pre_counts if kind == "pre" else stats.grad_counts
            curve.setData(edges, counts)
            look = appearance()  # the title in the plot font, as style_plot sets it
            self.plots[(on, layer, kind)].setTitle(
                self.layer_title(layer, kind, stats),
                size=f"{look.point_size(-1):.1f}pt",
                color=look.plot_foreground(),
            )

    def layer_title(self, layer: int, kind: str, stats: LayerStats | None) -> str:
        """A histogram's title: what it shows, and its summary numbers on a second line (on one
        line the title set the plot's minimum width and pushed the gradient histogram out of the
        window at 1024 px)."""
        if kind == "grad":
            text = self.tr("log₁₀ |∂L/∂W|")
            if stats is None:
                return text
            return text + TITLE_BREAK + self.tr("rms {0:.2g}").format(stats.grad_rms)
        text = self.tr("layer {0} pre-activations").format(layer + 1)
        if stats is None:
            return text
        numbers = self.tr("mean {0:.2f}, std {1:.2f}").format(stats.mean, stats.std)
        if not math.isnan(stats.saturated):
            numbers += self.tr(", saturated {0}").format(percent(stats.saturated))
        if not math.isnan(stats.dead):
            numbers += self.tr(", dead {0}").format(percent(stats.dead))
        return text + TITLE_BREAK + numbers

    def _status_text(self) -> str:
        if self.message:
            return self.message
        done = len(self.records[False]) + len(self.records[True])
        total = 2 * len(self.bins.recorded) if self.bins is not None else 0
        if self.state == RUNNING:
            return self.tr("Training both networks in the background… {0} of {1} records").format(
                done, total or "?"
            )
        if self.state == DONE:
            return self.tr("Done: {0} records.").format(done)
        if self.state == STOPPED:
            return self.tr("Stopped after {0} of {1} records.").format(done, total or "?")
        return self.tr("Press Run to train both networks and look inside their layers.")

    # -- Qt --------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Inside the layers — LossLab"))
        self.epochs_label.setText(self.tr("Epochs:"))
        self.run_button.setText(self.tr("Run"))
        self.run_button.setToolTip(self.tr("Train both networks on the Network Lab's task"))
        self.stop_button.setText(self.tr("Stop"))
        self.headers[False].setText(self.tr("Batch norm off"))
        self.headers[True].setText(self.tr("Batch norm on"))
        self.slider_label.setText(self.tr("Epoch:"))
        self.loss_plot.setLabel("bottom", self.tr("epoch"))
        self.loss_plot.setLabel("left", self.tr("training loss"))
        self.legend.clear()
        self.legend.addItem(self.loss_curves[False], self.tr("batch norm off"))
        self.legend.addItem(self.loss_curves[True], self.tr("batch norm on"))
        style_legend(self.legend)
        self.note.setText(
            self.tr(
                "Each row is one hidden layer. Left histogram: the inputs of the activation "
                "function (after batch norm when it is on) over the whole training set, in "
                "training mode. Right: the sizes of the entries of the loss's gradient with "
                "respect to the layer's weights, on a log scale (−3 is 0.001). Saturated: tanh "
                "or sigmoid within 1 % of its limits; dead: "
                "a ReLU unit that is zero for every sample. Values beyond the fixed bins count "
                "in the outermost bins."
            )
        )
        self.refresh_task()
        self._redraw()


def show_layer_stats_window(main: Any) -> LayerStatsWindow:
    """Show the main window's "Inside the layers" window (made on first use), on
    ``main.network_lab``'s current task."""
    return show_tool_window(
        main, LayerStatsWindow, lambda: LayerStatsWindow(lambda: main.network_lab, main)
    )
