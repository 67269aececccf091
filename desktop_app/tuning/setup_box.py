"""The search's set-up: two axes (hyper-parameter, range), values per axis, epochs, seed, and
Run / Stop with a progress bar of trials done.

The hyper-parameters an axis may take are :data:`HYPER_PARAMETERS` that the Network Lab's
optimizer has (``core.optim.registry``), and the batch size; each has its scale -- ``log`` for a
scale parameter (learning rate, weight decay: evenly spaced in log space, sampled log-uniform,
notes 004), ``log_int`` for the batch size, ``linear`` for momentum. The box only shows state; the
window plans and runs the searches.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.nets.search import Axis
from core.optim.registry import OPTIMIZERS
from desktop_app.tuning.texts import parameter_label
from desktop_app.widgets.labels import hint, show_status
from desktop_app.widgets.number_boxes import FloatBox, NumberRange
from desktop_app.widgets.retranslating import Retranslating

MAX_PER_AXIS = 8  # 64 trials per search: minutes on a laptop's CPU at the lab's sizes
MAX_EPOCHS = 5000


@dataclass(frozen=True)
class HyperParameter:
    """How an axis over one hyper-parameter starts out and what its boxes allow."""

    scale: str  # core.nets.search.SCALES
    low: float
    high: float
    box: NumberRange


HYPER_PARAMETERS = {
    "lr": HyperParameter("log", 1e-3, 0.3, NumberRange(1e-6, 100.0, 6, log=True)),
    "weight_decay": HyperParameter("log", 1e-5, 0.1, NumberRange(1e-8, 100.0, 8, log=True)),
    "batch_size": HyperParameter("log_int", 8, 128, NumberRange(1, 4096, 0, step=1)),
    "momentum": HyperParameter("linear", 0.0, 0.95, NumberRange(0.0, 0.999, 3, step=0.05)),
}
DEFAULT_AXES = ("lr", "weight_decay")


def available_parameters(optimizer: str) -> list[str]:
    """The hyper-parameters an axis may take with ``optimizer`` (the batch size always)."""
    defaults = OPTIMIZERS[optimizer].defaults if optimizer in OPTIMIZERS else {}
    return [name for name in HYPER_PARAMETERS if name == "batch_size" or name in defaults]


def scale_text(scale: str) -> str:
    """How an axis is spaced and sampled, for people."""
    texts = {
        "log": QCoreApplication.translate("TuningSetup", "log scale (sampled log-uniform)"),
        "log_int": QCoreApplication.translate("TuningSetup", "log scale, whole numbers"),
        "linear": QCoreApplication.translate("TuningSetup", "linear scale"),
    }
    return texts.get(scale, scale)


class AxisRow:
    """One axis: the hyper-parameter, its range and its scale (a row of the box's grid)."""

    def __init__(self, which: str) -> None:
        self.label = QLabel()
        self.parameter = QComboBox()
        self.parameter.setObjectName(f"{which}_parameter")
        self.parameter.currentIndexChanged.connect(lambda _index: self._reset_range())
        self.low = FloatBox(NumberRange(0.0, 1.0))
        self.low.setObjectName(f"{which}_low")
        self.high = FloatBox(NumberRange(0.0, 1.0))
        self.high.setObjectName(f"{which}_high")
        self.to_label = QLabel()
        self.scale_label = hint(QLabel())

    def name(self) -> str:
        return self.parameter.currentData() or ""

    def set_choices(self, names: list[str], wanted: str) -> None:
        """Offer ``names``; keep the current one (and its range) if offered, else ``wanted``
        (with its default range)."""
        before = self.name()
        keep = before if before in names else wanted
        self.parameter.blockSignals(True)
        self.parameter.clear()
        for name in names:
            self.parameter.addItem(parameter_label(name), name)
        self.parameter.setCurrentIndex(max(self.parameter.findData(keep), 0))
        self.parameter.blockSignals(False)
        if self.name() != before:
            self._reset_range()

    def set_range(self, low: float, high: float) -> None:
        self.low.setValue(low)
        self.high.setValue(high)

    def _reset_range(self) -> None:
        spec = HYPER_PARAMETERS.get(self.name())
        if spec is None:
            return
        for box in (self.low, self.high):
            box.set_range(spec.box)  # on a log axis the arrows multiply by 10
        self.set_range(spec.low, spec.high)
        self.retranslate()

    def axis(self) -> Axis:
        """The axis; raises ``ValueError`` for a range ``Axis`` refuses."""
        spec = HYPER_PARAMETERS[self.name()]
        low, high = self.low.value(), self.high.value()
        if spec.scale in ("int", "log_int"):
            low, high = float(round(low)), float(round(high))
        return Axis(self.name(), low, high, spec.scale)

    def retranslate(self) -> None:
        spec = HYPER_PARAMETERS.get(self.name())
        self.scale_label.setText("" if spec is None else scale_text(spec.scale))
        for index in range(self.parameter.count()):
            self.parameter.setItemText(index, parameter_label(self.parameter.itemData(index)))


class TuningSetup(Retranslating, QGroupBox):
    """The axes and budget of the searches, Run / Stop, progress and status."""

    runRequested = Signal()
    stopRequested = Signal()
    planChanged = Signal()  # an axis, its range or the grid's size changed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tuning_setup")
        self.task = hint(QLabel())
        self.task.setObjectName("task")
        self.task.setWordWrap(True)
        self.x_row, self.y_row = AxisRow("x"), AxisRow("y")
        self.per_axis = QSpinBox()
        self.per_axis.setObjectName("per_axis")
        self.per_axis.setRange(2, MAX_PER_AXIS)
        self.per_axis.setValue(4)
        self.per_axis.valueChanged.connect(lambda _value: self.retranslate())
        self.trials = hint(QLabel())
        self.epochs = QSpinBox()
        self.epochs.setObjectName("epochs")
        self.epochs.setRange(1, MAX_EPOCHS)
        self.epochs.setValue(100)
        self.seed = QSpinBox()
        self.seed.setObjectName("seed")
        self.seed.setRange(0, 2**31 - 1)
        self.labels = {key: QLabel() for key in ("per_axis", "epochs", "seed")}
        self.run_button = QPushButton()
        self.run_button.setObjectName("run")
        self.run_button.clicked.connect(self.runRequested)
        self.stop_button = QPushButton()
        self.stop_button.setObjectName("stop")
        self.stop_button.clicked.connect(self.stopRequested)
        self.progress = QProgressBar()
        self.progress.setObjectName("progress")
        self.status = QLabel()
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        self._build()
        for row in (self.x_row, self.y_row):
            row.parameter.currentIndexChanged.connect(lambda _index: self.planChanged.emit())
            for box in (row.low, row.high):
                box.valueChanged.connect(lambda _value: self.planChanged.emit())
        self.per_axis.valueChanged.connect(lambda _value: self.planChanged.emit())
        self.set_running(False)
        self.set_optimizer("adam")
        self.retranslate()

    def _build(self) -> None:
        grid = QGridLayout()
        for line, row in enumerate((self.x_row, self.y_row)):
            for column, widget in enumerate(
                (row.label, row.parameter, row.low, row.to_label, row.high, row.scale_label)
            ):
                grid.addWidget(widget, line, column)
        grid.setColumnStretch(6, 1)  # the boxes keep their size; the window's width goes here
        budget = QHBoxLayout()
        for key, box in (("per_axis", self.per_axis), ("epochs", self.epochs), ("seed", self.seed)):
            budget.addWidget(self.labels[key])
            budget.addWidget(box)
            if key == "per_axis":
                budget.addWidget(self.trials)
            budget.addSpacing(12)
        budget.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.progress, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.task)
        layout.addLayout(grid)
        layout.addLayout(budget)
        layout.addLayout(buttons)
        layout.addWidget(self.status)

    def set_optimizer(self, optimizer: str) -> None:
        """Offer the hyper-parameters of ``optimizer`` (the Network Lab's) on both axes."""
        names = available_parameters(optimizer)
        x_wanted = DEFAULT_AXES[0] if DEFAULT_AXES[0] in names else names[0]
        self.x_row.set_choices(names, x_wanted)
        others = [name for name in names if name != self.x_row.name()]
        y_wanted = DEFAULT_AXES[1] if DEFAULT_AXES[1] in others else others[0]
        self.y_row.set_choices(names, y_wanted)

    def choose(self, x: str, y: str) -> None:
        """Put hyper-parameters ``x`` and ``y`` on the axes (their default ranges)."""
        for row, name in ((self.x_row, x), (self.y_row, y)):
            row.parameter.setCurrentIndex(row.parameter.findData(name))

    def axes(self) -> tuple[Axis, Axis]:
        """Both axes; raises ``ValueError`` for a bad range or the same hyper-parameter twice."""
        x, y = self.x_row.axis(), self.y_row.axis()
        if x.name == y.name:
            raise ValueError(self.tr("Choose two different hyper-parameters."))
        return x, y

    def total_trials(self) -> int:
        """Trials of both searches together."""
        from core.nets.search import grid_settings

        try:
            return 2 * len(grid_settings(self.axes(), self.per_axis.value()))
        except ValueError:
            return 2 * self.per_axis.value() ** 2

    def set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        for widget in (self.per_axis, self.epochs, self.seed):
            widget.setEnabled(not running)
        for row in (self.x_row, self.y_row):
            for widget in (row.parameter, row.low, row.high):
                widget.setEnabled(not running)

    def set_progress(self, done: int, total: int) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)

    def show_status(self, text: str, error: bool = False) -> None:
        show_status(self.status, text, error)

    def retranslate(self) -> None:
        self.setTitle(self.tr("Grid search against random search"))
        self.x_row.label.setText(self.tr("Across:"))
        self.y_row.label.setText(self.tr("Up:"))
        for row in (self.x_row, self.y_row):
            row.retranslate()
            row.to_label.setText(self.tr("to"))
        self.labels["per_axis"].setText(self.tr("Grid values per axis:"))
        count = self.per_axis.value() ** 2
        self.trials.setText(self.tr("= {0} trials; the random search gets as many").format(count))
        self.labels["epochs"].setText(self.tr("Epochs per trial:"))
        self.labels["seed"].setText(self.tr("Seed:"))
        self.seed.setToolTip(self.tr("The random search's draws (same seed, same trials)"))
        self.run_button.setText(self.tr("Run both searches"))
        self.stop_button.setText(self.tr("Stop"))
        self.progress.setFormat(self.tr("%v / %m trials"))
