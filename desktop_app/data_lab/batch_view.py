"""The batch-size experiment's view: final train/test loss and sharpness per batch size and
seed in a table, their means on two plots, the updates and epochs each batch size needs to reach
one loss, and a summary (``core.experiments.compare_batches``: what it may name). Plot items are
created once and updated with ``setData``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.data_lab import compact_number
from core.experiments import (
    batch_axis_position,
    batch_label,
    compare_batches,
    knee_batch_size,
    run_diverged,
    summarize,
    updates_to_reach,
)
from desktop_app.data_lab.experiment_plots import (
    COMPACT_HEIGHT,
    DIVERGED_COLOR,
    EPOCH_COLOR,
    NOISE_SCALE_COLOR,
    SHARP_COLOR,
    TEST_COLOR,
    TRAIN_COLOR,
    UPDATE_COLOR,
    ExperimentHeader,
    decade_ticks,
    log10_or_gap,
    new_plot,
    rename_legend,
    restyle,
    set_labels,
)
from desktop_app.style import appearance
from desktop_app.widgets.axes import style_legend
from desktop_app.widgets.responsive import ResponsiveSplitter
from desktop_app.widgets.retranslating import Retranslating


class _TableSplitter(ResponsiveSplitter):
    """The table beside the plots: side by side, the table gets the width its columns need
    (at most half, and the plots keep room for two side by side), so no column is cut; a
    narrower table scrolls sideways. Fitted again on every resize and change of contents."""

    def __init__(self, table: QTableWidget, plots_width: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.table = table
        self.plots_width = plots_width  # what the plots keep: two side by side

    def table_width(self) -> int:
        """Every column at its content's width, the frame and a vertical scroll bar."""
        table = self.table
        header = table.horizontalHeader()
        columns = sum(
            max(header.sectionSizeHint(c), table.sizeHintForColumn(c))
            for c in range(table.columnCount())
        )
        return columns + 2 * table.frameWidth() + table.verticalScrollBar().sizeHint().width()

    def fit_table(self) -> None:
        if self.orientation() != Qt.Orientation.Horizontal or self.count() < 2:
            return
        total = sum(self.sizes())
        needed = max(min(self.table_width(), total // 2, total - self.plots_width), 0)
        if total > 0 and self.sizes()[0] != needed:  # a dragged handle holds till a resize
            self.setSizes([needed, total - needed])

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt naming)
        super().resizeEvent(event)
        self.fit_table()


class BatchExperimentView(Retranslating, QWidget):
    """The small- vs large-batch table: final train/test loss and sharpness per batch size."""

    runRequested = Signal()
    COLUMNS = ("batch", "seed", "train loss", "test loss", "sharpness")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[dict[str, Any]] = []
        self.labels: list[str] = []
        self.expected = 0
        self.header = ExperimentHeader()
        self.header.button.clicked.connect(self.runRequested)
        self.table = self._build_table()

        self.loss_plot = new_plot()
        # The legend under the plot's bottom axis: inside, it covered the axes of a small plot.
        self.legend = pg.LegendItem(colCount=2)
        self.loss_plot.getPlotItem().layout.addItem(self.legend, 4, 0, 1, 3)
        self.train_curve = self.loss_plot.plot(symbol="o", symbolBrush=TRAIN_COLOR)
        self.test_curve = self.loss_plot.plot(symbol="s", symbolBrush=TEST_COLOR)
        self.legend.addItem(self.train_curve, "train")
        self.legend.addItem(self.test_curve, "test")
        self.train_dots = pg.ScatterPlotItem(pen=None, brush=pg.mkBrush(TRAIN_COLOR))
        self.test_dots = pg.ScatterPlotItem(pen=None, brush=pg.mkBrush(TEST_COLOR))
        for dots in (self.train_dots, self.test_dots):
            dots.setOpacity(0.5)
            self.loss_plot.addItem(dots)
        self.sharp_plot = new_plot()
        self.sharp_curve = self.sharp_plot.plot(symbol="o", symbolBrush=SHARP_COLOR)
        self.sharp_dots = pg.ScatterPlotItem(pen=None, brush=pg.mkBrush(SHARP_COLOR))
        self.sharp_dots.setOpacity(0.5)
        self.sharp_plot.addItem(self.sharp_dots)
        # Updates and epochs to reach one loss: the knee of McCandlish et al.'s trade-off.
        self.reach_plot = new_plot()
        self.reach_legend = pg.LegendItem(colCount=2)
        self.reach_plot.getPlotItem().layout.addItem(self.reach_legend, 4, 0, 1, 3)
        self.updates_curve = self.reach_plot.plot(
            symbol="o", symbolBrush=UPDATE_COLOR, connect="finite"
        )
        self.epochs_curve = self.reach_plot.plot(
            symbol="t", symbolBrush=EPOCH_COLOR, connect="finite"
        )
        self.reach_legend.addItem(self.updates_curve, "updates")
        self.reach_legend.addItem(self.epochs_curve, "epochs")
        # B_simple at the start, on every plot's batch axis (between the measured sizes).
        self.noise_lines = {}
        for plot in (self.loss_plot, self.sharp_plot, self.reach_plot):
            line = pg.InfiniteLine(angle=90, movable=False, label="", labelOpts={"position": 0.9})
            line.setZValue(5)  # its label (a child) over the curves, on its backdrop
            line.setVisible(False)
            plot.addItem(line, ignoreBounds=True)
            self.noise_lines[plot] = line
        self.b_simple: float | None = None
        # Loss and sharpness side by side when there is room, stacked in a narrow column
        # (presenter mode); the updates-to-reach plot on a tab of its own (three plots in a row
        # cut their labels at 1024 px, stacked they made the page taller than a projector).
        final = ResponsiveSplitter(ratio=0.8, min_part=180)
        final.addWidget(self.loss_plot)
        final.addWidget(self.sharp_plot)
        self.plot_tabs = QTabWidget()
        self.plot_tabs.setDocumentMode(True)
        self.plot_tabs.addTab(final, "")
        self.plot_tabs.addTab(self.reach_plot, "")
        # The plots keep room to stay side by side (with the handles and the tabs' frame).
        plots_width = 2 * final.min_part + 16
        self.splitter = splitter = _TableSplitter(self.table, plots_width, ratio=1.5, min_part=300)
        splitter.addWidget(self.table)
        splitter.addWidget(self.plot_tabs)
        splitter.shares = [1, 3]  # the plots get most of the room
        splitter.setStretchFactor(0, 0)  # and all that a wider window adds
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.header)
        layout.addWidget(splitter, 1)
        self.retranslate()
        self.apply_style()
        appearance().changed.connect(self.apply_style)

    def _build_table(self) -> QTableWidget:
        table = QTableWidget(0, len(self.COLUMNS))
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # Columns as wide as their header and numbers (stretched, headers and cells were cut to
        # "ain lo" and "0...." at 1280x720); a table narrower than that scrolls sideways.
        columns = table.horizontalHeader()
        columns.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        table.setMinimumWidth(180)
        return table

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt naming)
        self.header.set_compact(event.size().height() < COMPACT_HEIGHT)
        super().resizeEvent(event)

    def apply_style(self) -> None:
        # one entry a row in presenter mode: two side by side ran past a narrow plot
        look = appearance()
        for legend in (self.legend, self.reach_legend):
            legend.setColumnCount(1 if look.presenter else 2)
        restyle(
            {
                self.train_curve: TRAIN_COLOR,
                self.test_curve: TEST_COLOR,
                self.sharp_curve: SHARP_COLOR,
                self.updates_curve: UPDATE_COLOR,
                self.epochs_curve: EPOCH_COLOR,
            },
            {self.train_dots: 5, self.test_dots: 5, self.sharp_dots: 5},
            self.legend,
        )
        style_legend(self.reach_legend)
        backdrop = look.plot_background()
        backdrop.setAlpha(200)  # the label stays readable where it crosses a curve
        for line in self.noise_lines.values():
            line.setPen(look.pen(NOISE_SCALE_COLOR, 2, style=Qt.PenStyle.DashLine))
            line.label.setColor(NOISE_SCALE_COLOR)
            line.label.fill = pg.mkBrush(backdrop)
            line.label.update()

    def retranslate(self) -> None:
        self.header.set_texts(
            self.tr("Run the batch-size experiment"),
            self.tr(
                "Trains on the left surface from its start with the optimizer on the left, for "
                "batch sizes 1, 8, 64 and the full batch, 5 shuffle seeds each. Test loss: the "
                "loss shifted by the test mismatch. Sharpness: the largest eigenvalue of the "
                "train loss's Hessian where the run ends (large = a sharp minimum). Second tab: "
                "the updates and epochs each batch size needs to reach one loss. The dashed "
                "line is the gradient noise scale B_simple at the start."
            ),
        )
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("batch"),
                self.tr("seed"),
                self.tr("train loss"),
                self.tr("test loss"),
                self.tr("sharpness"),
            ]
        )
        self.splitter.fit_table()  # the new language's headers may be wider
        set_labels(
            self.loss_plot,
            self.tr("final loss"),
            self.tr("mean loss"),
            self.tr("batch size"),
        )
        set_labels(
            self.sharp_plot,
            self.tr("final sharpness"),
            self.tr("Hessian's λ_max"),
            self.tr("batch size"),
        )
        set_labels(
            self.reach_plot,
            self.tr("to reach the loss"),
            self.tr("count"),
            self.tr("batch size"),
        )
        self.plot_tabs.setTabText(0, self.tr("final loss and sharpness"))
        self.plot_tabs.setTabText(1, self.tr("updates and epochs to reach a loss"))
        rename_legend(
            self.legend, {self.train_curve: self.tr("train"), self.test_curve: self.tr("test")}
        )
        rename_legend(
            self.reach_legend,
            {self.updates_curve: self.tr("updates"), self.epochs_curve: self.tr("epochs")},
        )
        self._show_noise_lines()
        self._label_ticks()
        for index, row in enumerate(self.rows):  # the batch column names the full batch
            item = self.table.item(index, 0)
            if item is not None:
                item.setText(self._batch_text(row["label"]))

    def _batch_text(self, label: str) -> str:
        """A batch size as shown: the number, or the full batch in the current language."""
        return self.tr("full") if label == batch_label(None) else label

    def _label_ticks(self) -> None:
        ticks = [[(i, self._batch_text(label)) for i, label in enumerate(self.labels)]]
        for plot in (self.loss_plot, self.sharp_plot, self.reach_plot):
            plot.getPlotItem().getAxis("bottom").setTicks(ticks if self.labels else None)

    def clear(self) -> None:
        """No experiment: an empty table and plots, no status, the button ready."""
        self._empty([], 0)
        self.header.button.setEnabled(True)
        self.show_status("")

    def start(self, labels: list[str], expected: int) -> None:
        """Empty the table and plots for a new experiment over batch ``labels``."""
        self._empty(labels, expected)
        self.header.button.setEnabled(False)
        self.show_status(lambda: self.tr("running… 0 / {0} runs").format(expected))

    def _empty(self, labels: list[str], expected: int) -> None:
        self.rows, self.labels, self.expected = [], list(labels), expected
        self.b_simple = None
        self._show_noise_lines()
        self.table.setRowCount(0)
        self._label_ticks()
        for plot in (self.loss_plot, self.sharp_plot, self.reach_plot):
            plot.getPlotItem().getAxis("left").setTicks(None)
            if self.labels:
                plot.getPlotItem().setXRange(-0.5, len(self.labels) - 0.5, padding=0)
        for item in (
            self.train_curve,
            self.test_curve,
            self.sharp_curve,
            self.train_dots,
            self.test_dots,
            self.sharp_dots,
            self.updates_curve,
            self.epochs_curve,
        ):
            item.setData([], [])

    def show_status(self, text) -> None:
        """A text, or a function giving it in the current language."""
        self.header.say(text)

    def add_row(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        index = self.table.rowCount()
        self.table.insertRow(index)
        diverged = run_diverged(row)
        cells = (
            (self._batch_text(row["label"]), None),
            (str(row["seed"]), None),
            (f"{row['train_loss']:.3g}", row["train_loss"]),  # 3 significant digits
            (f"{row['test_loss']:.3g}", row["test_loss"]),
            (f"{row['sharpness']:.3g}", row["sharpness"]),
        )
        for column, (text, value) in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if value is not None:
                item.setToolTip(f"{value:.6g}")  # the digits the cell leaves out
            if diverged and column in (2, 3):
                item.setForeground(QBrush(QColor(DIVERGED_COLOR)))
                item.setToolTip(self.tr("{0}: this run diverged").format(f"{value:.6g}"))
            self.table.setItem(index, column, item)
        self.table.scrollToBottom()
        if index == 0:
            self.splitter.fit_table()  # the numbers may be wider than the headers
        self._redraw()
        done, expected = len(self.rows), self.expected
        self.show_status(lambda: self.tr("running… {0} / {1} runs").format(done, expected))

    def finish(self, message: str = "") -> None:
        self.header.button.setEnabled(True)
        if message:
            self.show_status(message)
            return
        if not self.rows:
            self.show_status(lambda: self.tr("no runs"))
            return
        comparison = compare_batches(self.rows)
        count = len(self.rows)
        self.show_status(
            lambda: " ".join(
                text for text in (self._verdict(comparison, count), self.knee_text()) if text
            )
        )

    def _verdict(self, comparison: dict[str, Any], count: int) -> str:
        """The summary's sentences in the current language: never a diverged batch size as the
        best, never one batch named for a tie in sharpness."""
        if comparison["lowest"] is None:
            return self.tr(
                "done: {0} runs. Every batch size diverged, so none has the lowest test loss or "
                "the flattest end: try a smaller learning rate."
            ).format(count)
        lowest = self._batch_text(comparison["lowest"])
        if comparison["same_sharpness"]:
            text = self.tr(
                "done: {0} runs. Lowest test loss with batch {1}; the same sharpness with every "
                "batch size."
            ).format(count, lowest)
        else:
            text = self.tr(
                "done: {0} runs. Lowest test loss with batch {1}; flattest end with batch {2}."
            ).format(count, lowest, self._batch_text(comparison["flattest"]))
        if comparison["diverged"]:
            labels = ", ".join(self._batch_text(label) for label in comparison["diverged"])
            text += " " + self.tr("Diverged and left out: batch {0}.").format(labels)
        return text

    def knee_text(self) -> str:
        """Where the knee of updates vs epochs falls, next to B_simple (empty without rows
        that carry the losses)."""
        if not self.rows or "losses" not in self.rows[0] or self.b_simple is None:
            return ""
        reach = updates_to_reach(self.rows)
        knee = knee_batch_size(reach["entries"], int(self.rows[0]["n_examples"]))
        b_simple = compact_number(self.b_simple)
        if knee is None:
            return self.tr(
                "Noise scale at the start: B_simple = {0}; no knee between updates and epochs "
                "among these batch sizes."
            ).format(b_simple)
        return self.tr(
            "Noise scale at the start: B_simple = {0}. To reach loss {1}, the knee (a bigger "
            "batch stops saving updates and starts costing epochs) falls near batch {2}."
        ).format(b_simple, f"{reach['target']:.3g}", compact_number(knee))

    def _show_noise_lines(self) -> None:
        """B_simple at the start as a dashed line on every plot's batch axis."""
        shown = self.b_simple is not None and bool(self.labels) and bool(self.rows)
        for line in self.noise_lines.values():
            line.setVisible(shown)
            if shown:
                sizes = [_size_of(label) for label in self.labels]
                n = int(self.rows[0]["n_examples"])
                line.setValue(batch_axis_position(self.b_simple, sizes, n))
                line.label.setFormat(
                    self.tr("B_simple = {0}").format(compact_number(self.b_simple))
                )

    def _redraw(self) -> None:
        position = {label: i for i, label in enumerate(self.labels)}
        summary = summarize(self.rows)
        xs = np.array([position.get(s["label"], np.nan) for s in summary], dtype=float)
        self.train_curve.setData(xs, log10_or_gap([s["train_loss"] for s in summary]))
        self.test_curve.setData(xs, log10_or_gap([s["test_loss"] for s in summary]))
        self.sharp_curve.setData(xs, np.array([s["sharpness"] for s in summary]))
        # Every seed as a dot, spread a little sideways so equal values stay visible.
        dots_x = np.array(
            [position.get(r["label"], np.nan) + 0.06 * (r["seed"] % 5 - 2) for r in self.rows]
        )
        every = []
        for dots, key in ((self.train_dots, "train_loss"), (self.test_dots, "test_loss")):
            logs = log10_or_gap([r[key] for r in self.rows])
            keep = np.isfinite(logs)
            dots.setData(dots_x[keep], logs[keep])
            every.append(logs)
        decade_ticks(self.loss_plot.getPlotItem().getAxis("left"), np.concatenate(every))
        self.sharp_dots.setData(dots_x, np.array([r["sharpness"] for r in self.rows]))
        if "b_simple_start" in self.rows[-1]:
            self.b_simple = float(self.rows[-1]["b_simple_start"])
            self._draw_reach(position)
        self._show_noise_lines()

    def _draw_reach(self, position: dict[str, int]) -> None:
        """Updates and epochs to reach one loss per batch size (log scale)."""
        entries = updates_to_reach(self.rows)["entries"]
        xs = np.array([position.get(e["label"], np.nan) for e in entries], dtype=float)
        updates = log10_or_gap([e["updates"] for e in entries])
        epochs = log10_or_gap([e["epochs"] for e in entries])
        self.updates_curve.setData(xs, updates)
        self.epochs_curve.setData(xs, epochs)
        decade_ticks(self.reach_plot.getPlotItem().getAxis("left"), np.r_[updates, epochs])


def _size_of(label: str) -> int | None:
    """The batch size of a label (None: the full batch)."""
    return None if label == batch_label(None) else int(label)
