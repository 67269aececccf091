"""The "Data & batches" page: two loss surfaces made from training examples, side by side.

Three comparisons, each with the same optimizer run drawn on both maps:

- raw vs normalized features (linear regression): long thin ellipses vs near circles;
- MSE vs cross-entropy (a logistic classifier): a flat plateau vs a steady slope;
- train vs test (the two-basin surface made of examples, the test loss shifted): one run drawn
  on both, so a sharp minimum's rise under the shift is visible.

Every update can use a minibatch (batch size 1..N or the full batch, shuffled every epoch with a
seed); at the current step the map shows the full-batch and the minibatch descent directions.
Below: the loss against steps or epochs, and two one-click experiments (batch size vs final
losses and sharpness; time per update and per epoch vs batch size).

Data flows one way as in the Surface Lab: controls -> ComputeService jobs (surfaces, rasters,
engine runs, experiments, all in the worker) -> batches -> this page's histories -> a ~30 Hz
frame timer draws up to the cursor. Nothing here computes a loss or a gradient.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.engine import PointRun, RunConfig
from core.experiments import (
    BATCH_SIZES,
    PRESETS,
    batch_size_experiment,
    comparison_configs,
    comparison_run_sides,
    records_with_test_loss,
    timing_experiment,
)
from core.lab import Playback, TrajectoryStore
from core.surfaces import make_surface
from core.surfaces.data import MAX_EXAMPLES
from core.surfaces.raster import rasterize
from desktop_app.data_lab.arrows import Arrow
from desktop_app.data_lab.experiment_views import BatchExperimentView, TimingView, labels_for
from desktop_app.i18n import current_language
from desktop_app.style import appearance
from desktop_app.surface_lab.map_view import MapView
from desktop_app.surface_lab.run_editor import RunEditor
from desktop_app.surface_lab.transport import Transport
from desktop_app.widgets.playback import PlaybackProperties
from desktop_app.widgets.retranslating import Retranslating
from desktop_app.workers import ComputeService

FRAME_MS = 33
RASTER_RESOLUTION = 200  # every grid point costs N examples: coarser than the Surface Lab's map
SIDES = ("left", "right")
RUN_COLORS = {"left": "#e6194b", "right": "#3cb4f0"}
TEST_COLOR = "#ffe119"
FULL_ARROW_COLOR = "#ffffff"
BATCH_ARROW_COLOR = "#ff9f1c"
ARROW_SPAN = 0.16  # the full-batch arrow's length, as a fraction of the map's width ...
ARROW_FADE = 0.05  # ... until its gradient falls below this fraction of the start's: it shrinks
ARROW_MAX = 0.45  # longer arrows (a noisy minibatch) are cut at this fraction
SEEDS = (0, 1, 2, 3, 4)


class _History:
    """One run's rows; row t is step t. ``used[t]`` is the minibatch gradient of the update
    that produced row t (so at step t the next update's direction is ``used[t + 1]``)."""

    def __init__(self, steps: int) -> None:
        # The rows live in a core.lab.TrajectoryStore, reserved once for the run's length; the
        # attributes below are its whole columns (rows past ``count`` are NaN).
        self.store = TrajectoryStore(
            {
                "positions": ((2,), float),
                "loss": ((), float),
                "test_loss": ((), float),
                "grad": ((2,), float),
                "used": ((2,), float),
                "epoch": ((), float),
            }
        )
        self.store.reserve(steps + 1, exact=True)
        self.updates_per_epoch = 1
        self.batch_size: int | None = None
        self.notes: list[str] = []
        self.done = False

    count = property(lambda self: len(self.store))
    positions = property(lambda self: self.store.buffer("positions"))
    loss = property(lambda self: self.store.buffer("loss"))
    test_loss = property(lambda self: self.store.buffer("test_loss"))
    grad = property(lambda self: self.store.buffer("grad"))
    used = property(lambda self: self.store.buffer("used"))
    epoch = property(lambda self: self.store.buffer("epoch"))

    def add(self, record, test_loss: float) -> None:
        t = record.step
        if t >= self.store.capacity:
            return
        if t > len(self.store):  # a gap (never expected): its rows read as missing
            self.store.append({"loss": np.full(t - len(self.store), np.nan)})
        row = {
            "positions": [record.positions[0]],
            "loss": [record.loss[0]],
            "grad": [record.grad[0]],
            "test_loss": [test_loss],
            "epoch": [record.epoch],
        }
        if "grad" in record.state:
            row["used"] = [record.state["grad"][0]]
        self.store.write(t, row)


class DataLabPage(PlaybackProperties, Retranslating, QWidget):
    statusMessage = Signal(str)

    def __init__(self, device: str = "cpu", parent=None) -> None:
        super().__init__(parent)
        self.device = device
        self.service = ComputeService(self)
        self.service.batchReady.connect(self._on_batch)
        self.service.failed.connect(self._on_failed)
        self.surfaces: dict[str, Any] = {}
        self.rasters: dict[str, Any] = {}
        self.starts: dict[str, tuple[float, float]] = {}
        self.histories: dict[str, _History] = {}
        self.playback = Playback()  # cursor, playing and speed arithmetic (core.lab)
        self._dirty = True
        self._last_frame = time.perf_counter()
        self._started = False  # nothing is computed until the page is first shown
        self._build_ui()
        self.set_comparison("normalization")
        self.frame_timer = QTimer(self, interval=FRAME_MS)
        self.frame_timer.timeout.connect(self._frame)
        self.frame_timer.start()
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    # -- layout ----------------------------------------------------------------------------------

    def _build_ui(self) -> None:
        scroll = self._build_side_panel()
        top = self._build_maps()
        self._build_bottom()

        centre = QSplitter(Qt.Orientation.Vertical)
        centre.addWidget(top)
        centre.addWidget(self.bottom)
        centre.setStretchFactor(0, 3)
        centre.setStretchFactor(1, 2)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(scroll)
        splitter.addWidget(centre)
        splitter.setStretchFactor(1, 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(splitter)
        self.retranslate()

    def _build_side_panel(self) -> QScrollArea:
        """The settings column: comparison, dataset, minibatches, run editor, errors."""
        self._build_comparison()
        data_box = self._build_data_box()
        batch_box = self._build_batch_box()

        self.editor = RunEditor()
        self.editor.changed.connect(lambda _data: self._run_changed())

        self.error_label = QLabel()
        self.error_label.setObjectName("error_label")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #e04040;")

        side = QWidget()
        side_layout = QVBoxLayout(side)
        self.compare_label = QLabel()
        side_layout.addWidget(self.compare_label)
        side_layout.addWidget(self.comparison)
        side_layout.addWidget(data_box)
        side_layout.addWidget(batch_box)
        side_layout.addWidget(self.editor)
        side_layout.addWidget(self.error_label)
        side_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(side)
        scroll.setMinimumWidth(330)
        scroll.setMaximumWidth(400)
        return scroll

    def _build_comparison(self) -> None:
        """The comparison chooser."""
        self.comparison = QComboBox()
        self.comparison.setObjectName("comparison")
        for key in ("normalization", "loss", "generalization"):
            self.comparison.addItem("", key)  # named in retranslate()
        self.comparison.currentIndexChanged.connect(
            lambda _i: self.set_comparison(self.comparison.currentData())
        )

    def _build_data_box(self) -> QGroupBox:
        """The dataset box and its row labels."""
        self.data_box = data_box = QGroupBox()
        self._row_labels = {
            key: QLabel()
            for key in (
                "examples",
                "data_seed",
                "scales",
                "spread",
                "shift",
                "batch",
                "shuffle",
                "x_axis",
            )
        }
        self.n_examples = QSpinBox(minimum=1, maximum=MAX_EXAMPLES, value=200, singleStep=50)
        self.n_examples.setObjectName("n_examples")
        self.data_seed = QSpinBox(minimum=0, maximum=1_000_000, value=0)

        self.scale_1 = QDoubleSpinBox(decimals=2, minimum=0.01, maximum=1000.0, singleStep=0.1)
        self.scale_2 = QDoubleSpinBox(decimals=2, minimum=0.01, maximum=1000.0, singleStep=0.5)

        scales = QHBoxLayout()
        scales.addWidget(self.scale_1)
        scales.addWidget(self.scale_2)
        self.noise = QDoubleSpinBox(decimals=2, minimum=0.0, maximum=10.0, value=1.4)
        self.noise.setSingleStep(0.1)
        self.shift_x = QDoubleSpinBox(decimals=2, minimum=-5.0, maximum=5.0, value=0.4)
        self.shift_y = QDoubleSpinBox(decimals=2, minimum=-5.0, maximum=5.0, value=-0.4)
        for spin in (self.shift_x, self.shift_y):
            spin.setSingleStep(0.1)
        shift = QHBoxLayout()
        shift.addWidget(self.shift_x)
        shift.addWidget(self.shift_y)
        self.data_form = QFormLayout(data_box)
        labels = self._row_labels
        self.data_form.addRow(labels["examples"], self.n_examples)
        self.data_form.addRow(labels["data_seed"], self.data_seed)
        self.data_form.addRow(labels["scales"], scales)
        self.data_form.addRow(labels["spread"], self.noise)
        self.data_form.addRow(labels["shift"], shift)
        self._scale_row, self._noise_row, self._shift_row = scales, self.noise, shift
        for spin in (self.n_examples, self.data_seed):
            spin.valueChanged.connect(self._data_changed)
        for spin in (self.scale_1, self.scale_2, self.noise, self.shift_x, self.shift_y):
            spin.valueChanged.connect(self._data_changed)
        return data_box

    def _build_batch_box(self) -> QGroupBox:
        """The minibatch box: batch size, shuffle seed, loss plot x axis, batch note."""
        self.batch_box = batch_box = QGroupBox()
        self.batch_size = QSpinBox(minimum=1, maximum=MAX_EXAMPLES, value=16)
        self.batch_size.setObjectName("batch_size")
        self.full_batch = QCheckBox()
        self.full_batch.setObjectName("full_batch")
        self.full_batch.toggled.connect(self.batch_size.setDisabled)
        batch_row = QHBoxLayout()
        batch_row.addWidget(self.batch_size, 1)
        batch_row.addWidget(self.full_batch)
        self.shuffle_seed = QSpinBox(minimum=0, maximum=1_000_000, value=0)
        self.x_axis = QComboBox()
        self.x_axis.addItem("", "steps")
        self.x_axis.addItem("", "epochs")
        self.x_axis.currentIndexChanged.connect(self._axis_changed)
        self.batch_note = QLabel()
        self.batch_note.setObjectName("batch_note")
        self.batch_note.setWordWrap(True)
        self.batch_note.setStyleSheet("color: #d08000;")
        labels = self._row_labels
        batch_form = QFormLayout(batch_box)
        batch_form.addRow(labels["batch"], batch_row)
        batch_form.addRow(labels["shuffle"], self.shuffle_seed)
        batch_form.addRow(labels["x_axis"], self.x_axis)
        batch_form.addRow(self.batch_note)
        self.batch_size.valueChanged.connect(self._run_changed)
        self.full_batch.toggled.connect(self._run_changed)
        self.shuffle_seed.valueChanged.connect(self._run_changed)
        return batch_box

    def _build_maps(self) -> QWidget:
        """The explanation, the two maps with their arrows, legend, readout and transport."""
        self.explanation = QLabel()
        self.explanation.setObjectName("explanation")
        self.explanation.setWordWrap(True)
        self.maps: dict[str, MapView] = {}
        self.titles: dict[str, QLabel] = {}
        self.arrows: dict[str, tuple[Arrow, Arrow]] = {}
        maps_row = QHBoxLayout()
        maps_row.setContentsMargins(0, 0, 0, 0)
        for side_name in SIDES:
            view = MapView()
            view.setMinimumSize(260, 220)
            view.startClicked.connect(lambda x, y, _shift, s=side_name: self.set_start(s, x, y))
            view.startDragged.connect(lambda _rid, x, y, s=side_name: self.set_start(s, x, y))
            title = QLabel()
            title.setAlignment(Qt.AlignmentFlag.AlignCenter)
            title.setStyleSheet("font-weight: bold;")
            column = QVBoxLayout()
            column.setContentsMargins(0, 0, 0, 0)
            column.addWidget(title)
            column.addWidget(view, 1)
            maps_row.addLayout(column, 1)
            self.maps[side_name], self.titles[side_name] = view, title
            self.arrows[side_name] = (
                # The full-batch arrow on top: the minibatch one is usually the longer.
                Arrow(view.plot, FULL_ARROW_COLOR, z=41),
                Arrow(view.plot, BATCH_ARROW_COLOR, z=40),
            )
        self.arrow_legend = legend = QLabel()
        legend.setAlignment(Qt.AlignmentFlag.AlignCenter)
        legend.setWordWrap(True)
        self.readout = QLabel()
        self.readout.setObjectName("gradient_readout")
        self.readout.setWordWrap(True)
        self.readout.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.transport = Transport()
        self.transport.playToggled.connect(self.set_playing)
        self.transport.stepRequested.connect(lambda delta: self.seek(int(self.cursor) + delta))
        self.transport.scrubbed.connect(self.seek)
        self.transport.resetRequested.connect(lambda: self.seek(0))

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.explanation)
        top_layout.addLayout(maps_row, 1)
        top_layout.addWidget(legend)
        top_layout.addWidget(self.readout)
        top_layout.addWidget(self.transport)
        return top

    def _build_bottom(self) -> None:
        """The bottom tabs: the loss plot and the two experiments."""
        self.loss_plot = pg.PlotWidget()
        item = self.loss_plot.getPlotItem()
        item.setLogMode(y=True)
        item.showGrid(x=True, y=True, alpha=0.2)
        appearance().register_plot(item)  # presenter mode and theme
        self.loss_legend = item.addLegend(offset=(-10, 5))
        self.loss_curves = {
            "left": self.loss_plot.plot(pen=pg.mkPen(RUN_COLORS["left"], width=2)),
            "right": self.loss_plot.plot(pen=pg.mkPen(RUN_COLORS["right"], width=2)),
            "test": self.loss_plot.plot(pen=pg.mkPen(TEST_COLOR, width=2)),
        }
        self._x_range: tuple[float, bool] | None = None
        self.loss_cursor = pg.InfiniteLine(angle=90, pen=appearance().cursor_pen())
        self.loss_plot.addItem(self.loss_cursor)
        appearance().changed.connect(self._apply_style)
        self.batch_view = BatchExperimentView()
        self.batch_view.runRequested.connect(self.run_batch_experiment)
        self.timing_view = TimingView()
        self.timing_view.runRequested.connect(self.run_timing_experiment)
        self.bottom = QTabWidget()
        for tab in (self.loss_plot, self.batch_view, self.timing_view):
            self.bottom.addTab(tab, "")  # named in retranslate()

    # -- language --------------------------------------------------------------------------------

    def retranslate(self) -> None:
        """Every text of the page in the current language, including the ones derived from its
        state (surface titles, legend, readout, step label): called on every language change."""
        names = {
            "normalization": self.tr("Raw vs normalized features"),
            "loss": self.tr("MSE vs cross-entropy"),
            "generalization": self.tr("Train vs test (sharp vs flat minimum)"),
        }
        for key, name in names.items():
            self.comparison.setItemText(self.comparison.findData(key), name)
        self.compare_label.setText(self.tr("Compare"))
        self.data_box.setTitle(self.tr("Dataset"))
        self.batch_box.setTitle(self.tr("Minibatches"))
        rows = {
            "examples": self.tr("examples N"),
            "data_seed": self.tr("data seed"),
            "scales": self.tr("feature scales"),
            "spread": self.tr("example spread"),
            "shift": self.tr("test shift"),
            "batch": self.tr("batch size"),
            "shuffle": self.tr("shuffle seed"),
            "x_axis": self.tr("loss plot x axis"),
        }
        for key, text in rows.items():
            self._row_labels[key].setText(text)
        self.n_examples.setToolTip(self.tr("N: how many training examples the loss averages."))
        self.data_seed.setToolTip(self.tr("Seed of the generated dataset."))
        for spin in (self.scale_1, self.scale_2):
            spin.setToolTip(self.tr("Standard deviation of the raw feature."))
        self.noise.setToolTip(
            self.tr(
                "How much the examples differ: the spread of their steepness (0 = all the same, "
                "so every minibatch is the full batch)."
            )
        )
        for spin in (self.shift_x, self.shift_y):
            spin.setToolTip(self.tr("The test loss is the training loss moved by this much."))
        self.batch_size.setToolTip(self.tr("Examples per update; one epoch = ⌈N / batch⌉ updates."))
        self.full_batch.setText(self.tr("full batch"))
        self.shuffle_seed.setToolTip(self.tr("Seed of the shuffle at the start of every epoch."))
        self.x_axis.setItemText(self.x_axis.findData("steps"), self.tr("steps"))
        self.x_axis.setItemText(self.x_axis.findData("epochs"), self.tr("epochs"))
        self.arrow_legend.setText(
            self.tr(
                '<span style="color:{0}">━━▶</span> full-batch −gradient &nbsp;&nbsp; '
                '<span style="color:{1}">━━▶</span> this minibatch\'s −gradient (the step '
                "taken) &nbsp;&nbsp; click a map: move the start"
            ).format("#9a9a9a", BATCH_ARROW_COLOR)
        )
        item = self.loss_plot.getPlotItem()
        item.setTitle(self.tr("full-batch loss"))
        item.setLabel("left", self.tr("loss"))
        tabs = (self.tr("Loss"), self.tr("Batch-size experiment"), self.tr("Timing experiment"))
        for index, text in enumerate(tabs):
            self.bottom.setTabText(index, text)
        key = self.comparison.currentData()
        if key is not None:
            self.explanation.setText(self._explanation(key))
            self._fill_legend(key)
        for side, surface in self.surfaces.items():
            self.titles[side].setText(surface.text("title", current_language()))
        self._dirty = True  # the next frame re-derives the readout, axis and step label

    def _apply_style(self) -> None:
        """The timeline cursor in the theme's colour (the plot itself is registered)."""
        self.loss_cursor.setPen(appearance().cursor_pen())

    def _fill_legend(self, key: str) -> None:
        names = self._curve_names(key)
        self.loss_legend.clear()
        for curve_key, curve in self.loss_curves.items():
            if curve_key in names:
                self.loss_legend.addItem(curve, names[curve_key])
            curve.setVisible(curve_key in names)

    # -- settings --------------------------------------------------------------------------------

    def current_comparison(self) -> str:
        return self.comparison.currentData()

    def set_comparison(self, key: str) -> None:
        """Switch comparison and load its preset (optimizer, steps, batch size, scales)."""
        preset = PRESETS[key]
        index = self.comparison.findData(key)
        widgets = (self.comparison, self.scale_1, self.scale_2, self.batch_size, self.full_batch)
        for widget in widgets:
            widget.blockSignals(True)
        self.comparison.setCurrentIndex(index)
        self.scale_1.setValue(preset["scales"][0])
        self.scale_2.setValue(preset["scales"][1])
        batch = preset["batch_size"]
        self.full_batch.setChecked(batch is None)
        self.batch_size.setDisabled(batch is None)
        if batch is not None:
            self.batch_size.setValue(batch)
        for widget in widgets:
            widget.blockSignals(False)
        self.editor.set_run({"optimizer": preset["optimizer"], "steps": preset["steps"]})
        model = preset["model"]
        self._set_row_visible(self._scale_row, model in ("regression", "logistic"))
        self._set_row_visible(self._noise_row, model == "two_basins")
        self._set_row_visible(self._shift_row, key == "generalization")
        self.explanation.setText(self._explanation(key))
        self._fill_legend(key)
        self._data_changed()

    def _set_row_visible(self, field, visible: bool) -> None:
        self.data_form.setRowVisible(field, visible)

    def _explanation(self, key: str) -> str:
        if key == "normalization":
            return self.tr(
                "The same linear regression with its raw features (scales very different) and "
                "with standardized features. Raw: long thin ellipses, so one learning rate is "
                "too big for the steep direction and too small for the flat one: the run "
                "zig-zags and crawls. Normalized: near circles, and the run goes straight in."
            )
        if key == "loss":
            return self.tr(
                "One classifier, two losses. Far from the optimum the sigmoid saturates: the "
                "MSE surface is a flat plateau (tiny gradients, the run creeps), while "
                "cross-entropy keeps a steady slope and the run heads straight for the optimum."
            )
        return self.tr(
            "Left: the training loss, a sharp and a flat minimum of equal depth made of "
            "examples. Right: the test loss, the same surface shifted (test data differ from "
            "training data). One run drawn on both: where it ends in the flat basin the test "
            "loss stays low; in the sharp well it is high. Small batches are thrown out of the "
            "sharp well; try batch 1 and then the full batch."
        )

    def _curve_names(self, key: str) -> dict[str, str]:
        if key == "normalization":
            return {"left": self.tr("raw features"), "right": self.tr("normalized features")}
        if key == "loss":
            return {"left": self.tr("MSE"), "right": self.tr("cross-entropy")}
        return {"left": self.tr("train"), "test": self.tr("test")}

    def data_configs(self) -> dict[str, dict[str, Any]]:
        """The two panels' surface configs (``make_surface``'s ``{"data": ...}``)."""
        return comparison_configs(
            self.current_comparison(),
            n=self.n_examples.value(),
            seed=self.data_seed.value(),
            scales=(self.scale_1.value(), self.scale_2.value()),
            noise=self.noise.value(),
            shift=(self.shift_x.value(), self.shift_y.value()),
        )

    def run_sides(self) -> tuple[str, ...]:
        """Which panels have their own run (train vs test: one run drawn on both)."""
        return comparison_run_sides(self.current_comparison())

    def chosen_batch_size(self) -> int | None:
        return None if self.full_batch.isChecked() else self.batch_size.value()

    def set_batch_size(self, batch_size: int | None) -> None:
        """Choose a batch size (None = full batch), as the controls would."""
        self.full_batch.blockSignals(True)
        self.full_batch.setChecked(batch_size is None)
        self.batch_size.setDisabled(batch_size is None)
        self.full_batch.blockSignals(False)
        if batch_size is not None and self.batch_size.value() != batch_size:
            self.batch_size.setValue(batch_size)  # emits: the runs restart
        else:
            self._run_changed()

    def set_start(self, side: str, x: float, y: float) -> None:
        """A click on a map: move that panel's start (shared when both show one window)."""
        shared = self.current_comparison() != "normalization"
        for name in SIDES if shared else (side,):
            self.starts[name] = (float(x), float(y))
        self._run_changed()

    # -- computing -------------------------------------------------------------------------------

    def showEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().showEvent(event)
        if not self._started:
            self._started = True
            self.window().installEventFilter(self)  # stop the worker when the window closes
            self._data_changed()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt naming)
        if watched is self.window() and event.type() == QEvent.Type.Close:
            self.service.abort()  # the job stops between two batches; nothing blocks here
        return False

    def _data_changed(self, *_args) -> None:
        """New dataset or comparison: rebuild both surfaces (in the worker), then rerun."""
        if not self._started:
            return
        self.surfaces.clear()
        self.starts.clear()
        self.error_label.clear()
        streams = []
        for side, config in self.data_configs().items():
            generation = self.service.bump(f"surface:{side}")
            streams.append((f"surface:{side}", generation, _surface_job(config, self.device)))
        for side in SIDES:
            self.service.bump(f"run:{side}")
        self.histories.clear()
        self._dirty = True
        self.service.submit(streams)

    def _run_changed(self, *_args) -> None:
        """New optimizer, start or batch settings: rerun on the surfaces we have."""
        self._show_batch_note([])
        if not self.editor.is_valid():
            return
        if all(side in self.surfaces for side in SIDES):
            self._start_runs()

    def _start_runs(self) -> None:
        data = self.editor.run_data()
        optimizer = dict(data["optimizer"])
        name = optimizer.pop("name")
        batch_size = self.chosen_batch_size()
        streams = []
        test = self.surfaces["right"] if self.current_comparison() == "generalization" else None
        for side in SIDES:
            key = f"run:{side}"
            generation = self.service.bump(key)
            self.histories.pop(side, None)
            if side not in self.run_sides():
                continue
            surface = self.surfaces[side]
            start = self.starts.setdefault(side, surface.default_start)
            config = RunConfig(
                name,
                optimizer,
                [start],
                data["steps"],
                data["schedule"],
                batch_size=batch_size,
                seed=self.shuffle_seed.value(),
            )
            self.histories[side] = _History(data["steps"])
            streams.append((key, generation, _run_job(surface, config, test)))
        self.cursor = 0.0
        self._dirty = True
        self.service.submit(streams)
        self.set_playing(True)

    def run_batch_experiment(self) -> None:
        """The batch-size table on the left panel's surface (test: shifted by the test shift)."""
        surface = self.surfaces.get("left")
        if surface is None or not self.editor.is_valid():
            self._show_error(self.tr("wait for the surfaces to be ready, then run it again"))
            return
        data = self.editor.run_data()
        shift = (self.shift_x.value(), self.shift_y.value())
        start = self.starts.get("left", surface.default_start)
        sizes = [b for b in BATCH_SIZES if b is None or b < surface.n_examples]
        self.batch_view.start(labels_for(sizes), len(sizes) * len(SEEDS))
        self.bottom.setCurrentWidget(self.batch_view)

        def make():
            return batch_size_experiment(
                surface,
                test=surface.shifted(shift),
                optimizer=data["optimizer"],
                schedule=data["schedule"],
                steps=data["steps"],
                start=start,
                batch_sizes=sizes,
                seeds=SEEDS,
            )

        generation = self.service.bump("batch_experiment")
        self.service.submit([("batch_experiment", generation, _lazy(make))])

    def run_timing_experiment(self, **sizes: Any) -> None:
        """Time updates and epochs per batch size on this page's device (``sizes``: tests)."""
        self.timing_view.start(0)
        self.bottom.setCurrentWidget(self.timing_view)
        device = self.device

        def make():
            return timing_experiment(device=device, **sizes)

        generation = self.service.bump("timing")
        self.service.submit([("timing", generation, _lazy(make))])

    def _on_batch(self, batch) -> None:
        key = batch.key
        if key.startswith("surface:"):
            for item in batch.items:
                self._surface_item(key.split(":", 1)[1], item)
        elif key.startswith("run:"):
            history = self.histories.get(key.split(":", 1)[1])
            if history is not None:
                for item in batch.items:
                    self._run_item(history, item)
                history.done = history.done or batch.done
        elif key == "batch_experiment":
            for row in batch.items:
                self.batch_view.add_row(row)
            if batch.done:
                self.batch_view.finish()
        elif key == "timing":
            for row in batch.items:
                self.timing_view.add_row(row)
            if batch.done:
                self.timing_view.finish()
        self._dirty = True

    def _surface_item(self, side: str, item: tuple[str, Any]) -> None:
        kind, value = item
        view = self.maps[side]
        if kind == "surface":
            self.surfaces[side] = value
            self.titles[side].setText(value.text("title", current_language()))
            view.set_critical_points([(p.x, p.y, p.kind) for p in value.critical_points])
            view.plot.setLabel("bottom", value.axis_names[0])
            view.plot.setLabel("left", value.axis_names[1])
            if all(s in self.surfaces for s in SIDES):
                self._start_runs()
        else:
            self.rasters[side] = value
            view.set_raster(value)

    def _run_item(self, history: _History, item: tuple) -> None:
        if item[0] == "info":
            info = item[1]
            history.updates_per_epoch = info["updates_per_epoch"]
            history.batch_size = info["batch_size"]
            history.notes = info["notes"]
            self._show_batch_note(info["notes"])
            return
        _, record, test_loss = item
        history.add(record, test_loss)

    def _show_batch_note(self, notes: list[str]) -> None:
        self.batch_note.setText("\n".join(notes))
        if notes:
            self.statusMessage.emit("; ".join(notes))

    def _show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.statusMessage.emit(message)

    def _on_failed(self, key: str, message: str) -> None:
        if key == "batch_experiment":
            self.batch_view.finish(message)
        elif key == "timing":
            self.timing_view.finish(message)
        elif key.startswith("run:"):
            history = self.histories.get(key.split(":", 1)[1])
            if history is not None:
                history.done = True  # that run stops where it failed; the other side goes on
        self._show_error(message)

    # -- playback --------------------------------------------------------------------------------

    def max_step(self) -> int:
        return max((len(h.loss) - 1 for h in self.histories.values()), default=0)

    def set_playing(self, playing: bool) -> None:
        if playing:
            self.playback.play(self.max_step())
        else:
            self.playback.pause()
        self._last_frame = time.perf_counter()
        self.transport.set_playing(playing)
        self._dirty = True

    def seek(self, step: int) -> None:
        self.set_playing(False)
        self.playback.seek(step, self.max_step())
        self._dirty = True
        self._frame()

    def _axis_changed(self) -> None:
        self._dirty = True

    def _frame(self) -> None:
        now = time.perf_counter()
        dt, self._last_frame = now - self._last_frame, now
        if self.playing:
            computed = max((h.count - 1 for h in self.histories.values()), default=0)
            finished = all(h.done for h in self.histories.values())
            self.playback.speed = self.transport.speed.value()
            if self.playback.advance(dt, computed, self.max_step(), finished):
                self._dirty = True
            if not self.playback.playing:  # reached the end of finished runs
                self.set_playing(False)
        if self._dirty:
            self._dirty = False
            self.draw()

    def draw(self) -> None:
        """Every view at the cursor (the only place views get run data)."""
        step = int(self.cursor)
        epochs = self.x_axis.currentData() == "epochs"
        generalization = self.current_comparison() == "generalization"
        for curve in self.loss_curves.values():
            curve.setData([], [])
        readouts = []
        references = self._arrow_references(step)
        for side in SIDES:
            history = self.histories.get(side if not generalization else "left")
            view = self.maps[side]
            full_arrow, batch_arrow = self.arrows[side]
            if history is None or history.count == 0:
                if "run" in view.paths:
                    view.set_path("run", np.empty((0, 2)))
                full_arrow.hide()
                batch_arrow.hide()
                continue
            color = QColor(RUN_COLORS["left" if generalization else side])
            view.ensure_run("run", color)
            start = self.starts.get("left" if generalization else side)
            if start is not None:
                view.set_start("run", *start)
            last = min(step, history.count - 1)
            view.set_path("run", history.positions[: last + 1])
            if generalization and side == "right":
                full_arrow.hide()
                batch_arrow.hide()
            else:
                readouts.append(self._draw_arrows(side, history, last, references[side]))
        for side, history in self.histories.items():
            last = min(step, history.count - 1)
            if last < 0:
                continue
            xs = history.epoch[: last + 1] if epochs else np.arange(last + 1, dtype=float)
            self.loss_curves[side].setData(
                xs, _positive(history.loss[: last + 1]), connect="finite"
            )
            if generalization:
                self.loss_curves["test"].setData(
                    xs, _positive(history.test_loss[: last + 1]), connect="finite"
                )
        self._draw_axis(step, epochs)
        self._show_readout(step, [r for r in readouts if r])
        self.transport.show_step(step, self.max_step())

    def _draw_axis(self, step: int, epochs: bool) -> None:
        item = self.loss_plot.getPlotItem()
        item.setLabel("bottom", self.tr("epoch") if epochs else self.tr("step"))
        history = next(iter(self.histories.values()), None)
        per_epoch = history.updates_per_epoch if history is not None else 1
        scale = 1.0 / per_epoch if epochs else 1.0
        end = max(self.max_step() * scale, 1e-9)
        if self._x_range != (end, epochs):  # a fixed x range: the whole run
            self._x_range = (end, epochs)
            item.setXRange(0, end, padding=0.02)
        self.loss_cursor.setValue(step * scale)

    @staticmethod
    def _gradients(history: _History, last: int) -> tuple[np.ndarray, np.ndarray | None]:
        """The full-batch gradient at step ``last`` and the minibatch one its update used."""
        used = history.used[last + 1] if last + 1 < history.count else None
        return history.grad[last], used if history.batch_size is not None else None

    def _arrow_references(self, step: int) -> dict[str, float]:
        """The gradient norm drawn ``ARROW_SPAN`` long, per panel: the current full-batch
        gradient, so the two arrows compare in direction and relative size; near a minimum
        (below ``ARROW_FADE`` of the start's gradient) the arrows shrink instead. Both panels
        share one when they share a window, so MSE's tiny gradient shows next to
        cross-entropy's."""
        references = dict.fromkeys(SIDES, 0.0)
        for side, history in self.histories.items():
            if not history.count:
                continue
            full, used = self._gradients(history, min(step, history.count - 1))
            reference = max(
                float(np.linalg.norm(full)), ARROW_FADE * float(np.linalg.norm(history.grad[0]))
            )
            if not (np.isfinite(reference) and reference > 0) and used is not None:
                reference = float(np.linalg.norm(used))  # started exactly at a critical point
            references[side] = reference if np.isfinite(reference) else 0.0
        if self.current_comparison() == "loss":
            references = dict.fromkeys(SIDES, max(references.values()))
        return references

    def _draw_arrows(self, side: str, history: _History, last: int, reference: float) -> str:
        full_arrow, batch_arrow = self.arrows[side]
        point = history.positions[last]
        full, used = self._gradients(history, last)
        minibatch = used is not None
        (x0, x1) = self.surfaces[side].x_range if side in self.surfaces else (0.0, 1.0)
        lengths = [np.linalg.norm(full)]
        if minibatch:
            lengths.append(np.linalg.norm(used))
        if not (np.isfinite(reference) and reference > 0):
            full_arrow.hide()
            batch_arrow.hide()
            return ""
        scale = ARROW_SPAN * (x1 - x0) / reference
        cap = ARROW_MAX * (x1 - x0)

        def tip(gradient: np.ndarray) -> np.ndarray:
            step = -scale * gradient
            length = float(np.linalg.norm(step))
            return point + (step * cap / length if length > cap else step)

        full_arrow.set(point, tip(full))
        text = self.tr("‖full-batch gradient‖ = {0:.3g}").format(lengths[0])
        if minibatch:
            batch_arrow.set(point, tip(used))
            cosine = float(np.dot(full, used) / max(lengths[0] * lengths[1], 1e-300))
            angle = math.degrees(math.acos(max(-1.0, min(1.0, cosine))))
            text += self.tr(", ‖minibatch gradient‖ = {0:.3g}, {1:.0f}° apart").format(
                lengths[1], angle
            )
        else:
            batch_arrow.hide()
        return text

    def _show_readout(self, step: int, parts: list[str]) -> None:
        history = next(iter(self.histories.values()), None)
        if history is None or not parts:
            self.readout.clear()
            return
        last = min(step, history.count - 1)
        prefix = self.tr("step {0} = epoch {1:.2f}").format(last, history.epoch[last])
        if len(parts) == 2:
            names = self._curve_names(self.current_comparison())
            parts = [f"{names['left']}: {parts[0]}", f"{names['right']}: {parts[1]}"]
        self.readout.setText(prefix + "  —  " + "   |   ".join(parts))

    def wait_idle(self, timeout_s: float = 30.0) -> bool:
        """Process events until every job has finished (tests and rendering)."""
        deadline = time.perf_counter() + timeout_s
        while time.perf_counter() < deadline:
            QApplication.processEvents()
            runs_done = all(h.done for h in self.histories.values())
            ready = all(s in self.surfaces and s in self.rasters for s in SIDES)
            if not self.service.busy() and not self.service.has_pending() and runs_done and ready:
                return True
            time.sleep(0.005)
        return False

    def shutdown(self) -> None:
        self.frame_timer.stop()
        self.service.abort()
        self.service.wait(5000)


# -- worker-side generators (they run in the ComputeService thread) -----------------------------


def _lazy(make):
    """A ``make`` for ComputeService that builds the generator once and then continues it."""
    holder: dict[str, Any] = {}

    def get():
        if "it" not in holder:
            holder["it"] = iter(make())
        return holder["it"]

    return get


def _surface_job(config: dict[str, Any], device: str):
    def items():
        surface = make_surface(config)
        yield ("surface", surface)
        yield ("raster", rasterize(surface, RASTER_RESOLUTION, log_scale=True, device=device))

    return _lazy(items)


def _run_job(surface, config: RunConfig, test):
    def items():
        import torch

        engine = PointRun(surface, config, dtype=torch.float64, record_state=True)
        yield (
            "info",
            {
                "notes": list(engine.notes),
                "updates_per_epoch": engine.updates_per_epoch,
                "batch_size": engine.batch_size,
            },
        )
        for record, test_loss in records_with_test_loss(engine, test):
            yield ("step", record, test_loss)

    return _lazy(items)


def _positive(values: np.ndarray) -> np.ndarray:
    """The loss plot is logarithmic: leave a gap where a loss is not positive."""
    return np.where(values > 0, values, np.nan)
