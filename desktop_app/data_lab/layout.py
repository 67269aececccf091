"""The Data & batches page's widgets: the settings column, the two maps, the bottom tabs.

Built once; every control only reports an edit (``_dataset_edited``, ``_batch_edited``,
``_run_edited``, ``_axis_edited``, ``set_comparison``, ``set_start``), which the page writes into
its lab model. What the widgets show is put back from the model's settings (``_show_settings``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (
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

from core.data_lab import COMPARISONS, comparison_fields
from core.palette import METRIC_COLOURS, run_style
from core.surfaces.data import MAX_EXAMPLES
from desktop_app.data_lab.arrows import Arrow
from desktop_app.data_lab.batch_view import BatchExperimentView
from desktop_app.data_lab.timing_view import TimingView
from desktop_app.style import appearance
from desktop_app.surface_lab.map_view import MapView
from desktop_app.surface_lab.run_editor import RunEditor
from desktop_app.surface_lab.transport import Transport
from desktop_app.widgets.axes import readable_axes
from desktop_app.widgets.collapsible import CollapsiblePanel
from desktop_app.widgets.labels import bold, coloured

SIDES = ("left", "right")
# The two runs of a comparison are runs 0 and 1 of the palette (colour and dash); the test loss
# of the generalization comparison is the validation quantity.
RUN_COLORS = {"left": run_style(0).colour, "right": run_style(1).colour}
TEST_COLOR = METRIC_COLOURS["val"]
FULL_ARROW_COLOR = "#ffffff"
BATCH_ARROW_COLOR = "#ff9f1c"
CLOUD_ALPHA = 140  # the cloud's dots see-through: 200 of them pile up where they are dense


class LayoutMixin:
    """Builds the page's widgets (``self`` is the DataLabPage)."""

    def _build_ui(self) -> None:
        # The settings column collapses to a slim bar (presenter mode collapses it).
        self.side_panel = CollapsiblePanel(self._build_side_panel())
        top = self._build_maps()
        self._build_bottom()

        centre = QSplitter(Qt.Orientation.Vertical)
        centre.addWidget(top)
        centre.addWidget(self.bottom)
        centre.setStretchFactor(0, 3)
        centre.setStretchFactor(1, 2)
        centre.setChildrenCollapsible(False)
        self.centre_split = centre
        self._apply_style()  # the pens and the arrangement of the current mode

        layout = QHBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.side_panel)
        layout.addWidget(centre, 1)
        self.retranslate()

    def _build_side_panel(self) -> QScrollArea:
        """The settings column: comparison, dataset, minibatches, run editor, errors."""
        self._build_comparison()
        data_box = self._build_data_box()
        batch_box = self._build_batch_box()

        self.editor = RunEditor()
        self.editor.changed.connect(self._run_edited)

        self.error_label = QLabel()
        self.error_label.setObjectName("error_label")
        self.error_label.setWordWrap(True)
        coloured(self.error_label, "#e04040")

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
        # As wide as the forms need (CollapsiblePanel keeps it so), never scrolled sideways.
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.side_scroll = scroll
        return scroll

    def _build_comparison(self) -> None:
        """The comparison chooser."""
        self.comparison = QComboBox()
        self.comparison.setObjectName("comparison")
        for key in COMPARISONS:
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
        self._dataset_rows = {"scales": scales, "noise": self.noise, "shift": shift}
        dataset_spins = (self.n_examples, self.data_seed, self.scale_1, self.scale_2, self.noise)
        for spin in (*dataset_spins, self.shift_x, self.shift_y):
            spin.valueChanged.connect(self._dataset_edited)
        return data_box

    def _build_batch_box(self) -> QGroupBox:
        """The minibatch box: batch size, shuffle seed, loss plot x axis, batch note."""
        self.batch_box = batch_box = QGroupBox()
        self.batch_size = QSpinBox(minimum=1, maximum=MAX_EXAMPLES, value=16)
        self.batch_size.setObjectName("batch_size")
        self.full_batch = QCheckBox()
        self.full_batch.setObjectName("full_batch")
        batch_row = QHBoxLayout()
        batch_row.addWidget(self.batch_size, 1)
        batch_row.addWidget(self.full_batch)
        self.shuffle_seed = QSpinBox(minimum=0, maximum=1_000_000, value=0)
        self.x_axis = QComboBox()
        self.x_axis.addItem("", "steps")
        self.x_axis.addItem("", "epochs")
        self.x_axis.currentIndexChanged.connect(self._axis_edited)
        self.batch_note = QLabel()
        self.batch_note.setObjectName("batch_note")
        self.batch_note.setWordWrap(True)
        coloured(self.batch_note, "#d08000")
        labels = self._row_labels
        batch_form = QFormLayout(batch_box)
        batch_form.addRow(labels["batch"], batch_row)
        batch_form.addRow(labels["shuffle"], self.shuffle_seed)
        batch_form.addRow(labels["x_axis"], self.x_axis)
        batch_form.addRow(self.batch_note)
        self.batch_size.valueChanged.connect(self._batch_edited)
        self.full_batch.toggled.connect(self._batch_edited)
        self.shuffle_seed.valueChanged.connect(self._batch_edited)
        return batch_box

    def _build_maps(self) -> QWidget:
        """The explanation, the two maps with their arrows, legend, readout and transport."""
        self.explanation = QLabel()
        self.explanation.setObjectName("explanation")
        self.explanation.setWordWrap(True)
        self.maps: dict[str, MapView] = {}
        self.titles: dict[str, QLabel] = {}
        self.arrows: dict[str, tuple[Arrow, Arrow]] = {}
        # The cloud of minibatch steps at the current point and its covariance ellipse: created
        # once, fed with setData (drawing.py).
        self.cloud_dots: dict[str, pg.ScatterPlotItem] = {}
        self.cloud_ellipses: dict[str, pg.PlotDataItem] = {}
        maps_row = QHBoxLayout()
        maps_row.setContentsMargins(0, 0, 0, 0)
        for side_name in SIDES:
            view = MapView()
            view.setMinimumSize(260, 220)
            # pyqtgraph fixes a colour bar's axis at 45 px: its label then covered the ticks.
            view.colorbar.axis.setWidth(None)
            readable_axes(view.plot)  # a narrow map's tick labels otherwise run together
            view.show_run_legend = False  # one run per map: its title says which
            view.startClicked.connect(lambda x, y, _shift, s=side_name: self.set_start(s, x, y))
            view.startDragged.connect(lambda _rid, x, y, s=side_name: self.set_start(s, x, y))
            title = QLabel()
            title.setWordWrap(True)  # a narrow map wraps its title rather than widening
            title.setAlignment(Qt.AlignmentFlag.AlignCenter)
            bold(title)
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
            dots = pg.ScatterPlotItem(pen=None, brush=pg.mkBrush(255, 159, 28, CLOUD_ALPHA))
            ellipse = pg.PlotDataItem()
            for z, item in ((25, dots), (26, ellipse)):
                item.setZValue(z)  # over the heatmap and the path, under the arrows
                view.plot.addItem(item, ignoreBounds=True)
            self.cloud_dots[side_name], self.cloud_ellipses[side_name] = dots, ellipse
        self.arrow_legend = legend = QLabel()
        legend.setAlignment(Qt.AlignmentFlag.AlignCenter)
        legend.setWordWrap(True)
        self.readout = QLabel()
        self.readout.setObjectName("gradient_readout")
        self.readout.setWordWrap(True)
        self.readout.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.noise_label = QLabel()
        self.noise_label.setObjectName("noise_scale")
        self.noise_label.setWordWrap(True)
        self.noise_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
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
        top_layout.addWidget(self.noise_label)
        top_layout.addWidget(self.transport)
        return top

    def _build_bottom(self) -> None:
        """The bottom tabs: the loss plot and the two experiments."""
        self.loss_plot = pg.PlotWidget()
        item = self.loss_plot.getPlotItem()
        readable_axes(item)
        item.setLogMode(y=True)
        item.showGrid(x=True, y=True, alpha=0.2)
        appearance().register_plot(item)  # presenter mode and theme
        # The legend under the bottom axis: inside the plot it covered the axes and curves.
        self.loss_legend = pg.LegendItem(colCount=3)
        item.layout.addItem(self.loss_legend, 4, 1)
        self.loss_curves = {
            key: self.loss_plot.plot(connect="finite") for key in ("left", "right", "test")
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

    def _show_settings(self, settings: dict[str, Any]) -> None:
        """Every control shows the model's ``settings``; none reports this as an edit."""
        values = {
            self.n_examples: settings["n_examples"],
            self.data_seed: settings["data_seed"],
            self.scale_1: settings["scales"][0],
            self.scale_2: settings["scales"][1],
            self.noise: settings["noise"],
            self.shift_x: settings["shift"][0],
            self.shift_y: settings["shift"][1],
            self.batch_size: settings["batch_size"],
            self.shuffle_seed: settings["shuffle_seed"],
        }
        combos = {self.comparison: settings["comparison"], self.x_axis: settings["x_axis"]}
        with _blocked([*values, *combos, self.full_batch]):
            for spin, value in values.items():
                spin.setValue(value)
            for combo, value in combos.items():
                combo.setCurrentIndex(combo.findData(value))
            self.full_batch.setChecked(bool(settings["full_batch"]))
        self.batch_size.setDisabled(bool(settings["full_batch"]))  # the full batch uses all N
        if self.editor.run_data() != settings["run"]:
            self.editor.set_run(settings["run"])  # emits nothing
        used = comparison_fields(settings["comparison"])
        for name, field in self._dataset_rows.items():
            self.data_form.setRowVisible(field, name in used)


@contextmanager
def _blocked(widgets) -> Iterator[None]:
    """Signals of ``widgets`` blocked while the model's values are put into them."""
    blockers = [QSignalBlocker(widget) for widget in widgets]
    try:
        yield
    finally:
        for blocker in blockers:
            blocker.unblock()
