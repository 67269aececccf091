"""The timing experiment's view: the time of one update and of one epoch against batch size on
the current device (``core.experiments.timing_experiment``'s rows), on hand-drawn log axes."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop_app.data_lab.experiment_plots import (
    COMPACT_HEIGHT,
    EPOCH_COLOR,
    UPDATE_COLOR,
    ExperimentHeader,
    decade_ticks,
    log10_or_gap,
    new_plot,
    restyle,
    seconds_text,
    set_labels,
)
from desktop_app.style import appearance
from desktop_app.widgets.responsive import ResponsiveSplitter
from desktop_app.widgets.retranslating import Retranslating


class TimingView(Retranslating, QWidget):
    """Time of one update and of one epoch against batch size, on the current device."""

    runRequested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[dict[str, Any]] = []
        self.header = ExperimentHeader()
        self.header.button.clicked.connect(self.runRequested)
        self.update_plot = new_plot()
        self.epoch_plot = new_plot()
        self.update_curve = self.update_plot.plot(symbol="o", symbolBrush=UPDATE_COLOR)
        self.epoch_curve = self.epoch_plot.plot(symbol="t", symbolBrush=EPOCH_COLOR)
        plots = ResponsiveSplitter(min_part=240)
        plots.addWidget(self.update_plot)
        plots.addWidget(self.epoch_plot)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.header)
        layout.addWidget(plots, 1)
        self.retranslate()
        self.apply_style()
        appearance().changed.connect(self.apply_style)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt naming)
        self.header.set_compact(event.size().height() < COMPACT_HEIGHT)
        super().resizeEvent(event)

    def apply_style(self) -> None:
        restyle({self.update_curve: UPDATE_COLOR, self.epoch_curve: EPOCH_COLOR}, {})

    def retranslate(self) -> None:
        self.header.set_texts(
            self.tr("Run the timing experiment"),
            self.tr(
                "Times one training update (forward, backward, SGD step) of a wide MLP on a "
                "synthetic dataset for each batch size. One epoch = ⌈N / batch size⌉ updates, so "
                "its time is the update time times that count. On a GPU the update time stays "
                "nearly flat as the batch grows (the examples are processed in parallel), so big "
                "batches finish an epoch much sooner."
            ),
        )
        set_labels(
            self.update_plot,
            self.tr("time of one update"),
            self.tr("time (log scale)"),
            self.tr("batch size"),
        )
        set_labels(
            self.epoch_plot,
            self.tr("time of one epoch"),
            self.tr("time (log scale)"),
            self.tr("batch size"),
        )

    def clear(self) -> None:
        """No experiment: empty plots, no status, the button ready."""
        self.start(0)
        self.header.button.setEnabled(True)
        self.header.say("")

    def start(self, expected: int) -> None:
        self.rows = []
        self.expected = expected
        self.update_curve.setData([], [])
        self.epoch_curve.setData([], [])
        for plot in (self.update_plot, self.epoch_plot):
            for side in ("bottom", "left"):
                plot.getPlotItem().getAxis(side).setTicks(None)
        self.header.button.setEnabled(False)
        self.header.say(lambda: self.tr("timing… (the first batch size includes warm-up)"))

    def add_row(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        sizes = [r["batch_size"] for r in self.rows]
        x = log10_or_gap(sizes)
        size_ticks = [[(float(v), str(b)) for v, b in zip(x, sizes, strict=True)], []]
        for plot, curve, key in (
            (self.update_plot, self.update_curve, "update_s"),
            (self.epoch_plot, self.epoch_curve, "epoch_s"),
        ):
            y = log10_or_gap([r[key] for r in self.rows])
            curve.setData(x, y)
            item = plot.getPlotItem()
            item.getAxis("bottom").setTicks(size_ticks)
            decade_ticks(item.getAxis("left"), y, seconds_text)
        self.header.say(
            lambda: self.tr("{0}: batch {1}: one update {2:.3g} ms, one epoch {3:.3g} s").format(
                row["device"], row["batch_size"], row["update_s"] * 1e3, row["epoch_s"]
            )
        )

    def finish(self, message: str = "") -> None:
        self.header.button.setEnabled(True)
        if message:
            self.header.say(message)
            return
        if not self.rows:
            return
        first, last = self.rows[0], self.rows[-1]
        self.header.say(lambda: self._summary(first, last))

    def _summary(self, first: dict[str, Any], last: dict[str, Any]) -> str:
        where = first["device"]
        if first["device"] == "CPU":
            where = self.tr("CPU, {0} thread(s)").format(first["threads"])
        return self.tr(
            "{0}, N = {1} examples. From batch {2} to {3}: one update takes {4:.2g}× as "
            "long, one epoch {5:.2g}× as long."
        ).format(
            where,
            first["n_examples"],
            first["batch_size"],
            last["batch_size"],
            last["update_s"] / first["update_s"],
            last["epoch_s"] / first["epoch_s"],
        )
