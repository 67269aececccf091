"""The learning-rate range test window (Tools ▸ Learning-rate range test…, or "Find learning
rate…" in the Network Lab's training form): Smith's range test (2017; fastai's ``lr_find``) on
the Network Lab's task, drawn as it runs, with the suggested rate and "Apply".

The window knows the Network Lab only through ``network_lab()`` (a callable returning the page or
None) and its public ``model``: ``model.settings`` is read for the task (dataset, network,
optimizer, batch size, seed); "Apply" writes ``model.update_settings(training=...)`` with the
suggested learning rate -- the path the tuning window's "Apply the best" takes -- and the page
rebuilds, asking first when a trained model would be lost. The sweep trains a network of its own
(the page's initial weights, from the same seed) in a worker thread
(:class:`~desktop_app.workers.StreamRunner`); the page's model is never touched.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.nets.lr_finder import (
    DEFAULT_SUGGESTION,
    DIVERGE_FACTOR,
    END_LR,
    START_LR,
    STEPS,
    SUGGESTIONS,
    RangePoint,
    RangeTest,
    range_test_of,
)
from desktop_app.lr_range.plot import LrRangePlot
from desktop_app.lr_range.texts import rule_text
from desktop_app.lr_range.worker import SWEEP_KEY, SweepPlan, plan_sweep, sweep_points
from desktop_app.surface_lab.param_form import FLOAT_RANGES
from desktop_app.tuning.texts import value_text
from desktop_app.widgets.labels import hint
from desktop_app.widgets.number_boxes import FloatBox, NumberRange
from desktop_app.widgets.retranslating import Retranslating
from desktop_app.widgets.tool_window import (
    DONE,
    FAILED,
    RUNNING,
    STOPPED,
    StreamWindow,
    show_tool_window,
)

DEFAULT_SIZE = (1100, 700)
SWEEP_RANGE = NumberRange(1e-9, 1e3, 9, log=True)  # the sweep's ends: the arrows step by x10
MAX_STEPS = 2000
# The training form's learning-rate box (its bounds and decimals): an applied rate is one that
# box shows exactly.
LR_BOX = FLOAT_RANGES["lr"]


def applicable_lr(lr: float) -> float:
    """``lr`` as the Network Lab's learning rate: three significant digits (what the window
    shows), within the training form's box and its decimals."""
    rounded = float(f"{lr:.3g}")
    return min(max(round(rounded, LR_BOX.decimals), LR_BOX.low), LR_BOX.high)


class LrRangeWindow(StreamWindow, Retranslating, QWidget):
    """A top-level window (owned by the main window): the sweep's range, Run / Stop, the plot,
    the suggestion rule and "Apply"."""

    def __init__(
        self, network_lab: Callable[[], Any] | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("lr_range_window")
        self.network_lab = network_lab or (lambda: None)
        self.plan: SweepPlan | None = None
        self.points: list[RangePoint] = []
        self.result: RangeTest | None = None
        # the message line: the run's error, or the last apply's outcome
        self._init_stream(SWEEP_KEY, self._on_points)
        self._build_ui()
        self.resize(*DEFAULT_SIZE)
        self.retranslate()

    def _build_ui(self) -> None:
        self.task = hint(QLabel())
        self.task.setObjectName("task")
        self.task.setWordWrap(True)
        self.start_lr = FloatBox(SWEEP_RANGE)
        self.start_lr.setObjectName("start_lr")
        self.start_lr.setValue(START_LR)
        self.end_lr = FloatBox(SWEEP_RANGE)
        self.end_lr.setObjectName("end_lr")
        self.end_lr.setValue(END_LR)
        self.steps = QSpinBox(minimum=10, maximum=MAX_STEPS, value=STEPS, singleStep=10)
        self.steps.setObjectName("steps")
        self.steps.valueChanged.connect(lambda _value: self._redraw(plot=False))
        self.from_label, self.to_label, self.steps_label = QLabel(), QLabel(), QLabel()
        self.run_button = QPushButton()
        self.run_button.setObjectName("run_sweep")
        self.run_button.clicked.connect(self.run)
        self.stop_button = QPushButton()
        self.stop_button.setObjectName("stop_sweep")
        self.stop_button.clicked.connect(self.stop)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        sweep = QHBoxLayout()
        for widget in (self.from_label, self.start_lr, self.to_label, self.end_lr):
            sweep.addWidget(widget)
        sweep.addWidget(self.steps_label)
        sweep.addWidget(self.steps)
        sweep.addWidget(self.run_button)
        sweep.addWidget(self.stop_button)
        sweep.addWidget(self.progress, 1)
        self.plot = LrRangePlot()
        self.rule_label = QLabel()
        self.rule = QComboBox()
        self.rule.setObjectName("rule")
        for method in SUGGESTIONS:
            self.rule.addItem(rule_text(method), method)
        self.rule.setCurrentIndex(SUGGESTIONS.index(DEFAULT_SUGGESTION))
        self.rule.currentIndexChanged.connect(lambda _index: self._redraw(plot=False))
        # never narrower than its text: the summary beside it wraps (in presenter mode the box
        # shrank to "steepest descent of")
        self.rule.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
        self.rule_label.setBuddy(self.rule)
        self.summary = QLabel()
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.apply_button = QPushButton()
        self.apply_button.setObjectName("apply_lr")
        self.apply_button.clicked.connect(self.apply)
        actions = QHBoxLayout()
        actions.addWidget(self.rule_label)
        actions.addWidget(self.rule)
        actions.addWidget(self.summary, 1)
        actions.addWidget(self.apply_button)
        self.status = QLabel()
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.task)
        layout.addLayout(sweep)
        layout.addWidget(self.plot, 1)
        layout.addLayout(actions)
        layout.addWidget(self.status)

    # -- the task --------------------------------------------------------------------------------

    def lab_settings(self) -> dict[str, Any] | None:
        page = self.network_lab()
        return None if page is None else page.model.settings

    def refresh_task(self) -> None:
        settings = self.lab_settings()
        if not settings:
            self.task.setText(self.tr("The Network Lab is not ready yet."))
            return
        model, training = settings.get("model", {}), settings.get("training", {})
        hidden = "-".join(str(width) for width in model.get("hidden", [])) or "0"
        batch = int(training.get("batch_size", 0))
        self.task.setText(
            self.tr(
                "On the Network Lab's task: the “{0}” data, hidden layers {1} ({2}), optimizer "
                "{3}, batch size {4}. The sweep trains a copy of the network from its initial "
                "weights, raising the learning rate exponentially at every update; the Network "
                "Lab's own model is not touched."
            ).format(
                settings.get("dataset", {}).get("name", "?"),
                hidden,
                model.get("activation", "?"),
                training.get("optimizer", {}).get("name", "?"),
                batch if batch > 0 else self.tr("full batch"),
            )
        )

    # -- running ---------------------------------------------------------------------------------

    def run(self) -> bool:
        """Start the sweep in the background; False (and why, in the status) when the Network
        Lab's settings or the sweep's range are refused."""
        self.refresh_task()
        settings = self.lab_settings()
        if settings is None:
            self._set_message(self.tr("The Network Lab is not ready yet."), error=True)
            return False
        try:
            plan = plan_sweep(
                settings, self.start_lr.value(), self.end_lr.value(), self.steps.value()
            )
        except ValueError as error:
            self.stop()
            self.state = FAILED
            self._set_message(self.tr("Cannot run the range test: {0}").format(error), error=True)
            return False
        self.stop()
        self.plan, self.points, self.result = plan, [], None
        self._begin_run()
        self.plot.clear_sweep()
        self.runner.start(lambda: sweep_points(plan))
        self._redraw()
        return True

    def _on_points(self, points: list[RangePoint]) -> None:
        self.points.extend(points)
        self.result = range_test_of(self.points)
        self._redraw()

    def failure_text(self, message: str) -> str:
        return self.tr("The range test failed: {0}").format(message)

    def _show_message(self) -> None:
        self._redraw(plot=False)  # the message alone: the plot stays as it is

    # -- the suggestion --------------------------------------------------------------------------

    def method(self) -> str:
        return self.rule.currentData() or DEFAULT_SUGGESTION

    def suggestion(self) -> float:
        """The suggested learning rate by the chosen rule, as "Apply" writes it (NaN: none)."""
        if self.result is None:
            return math.nan
        lr = self.result.suggestion(self.method())
        return applicable_lr(lr) if math.isfinite(lr) else math.nan

    # -- views -----------------------------------------------------------------------------------

    def _redraw(self, plot: bool = True) -> None:
        result = self.result
        if plot and result is not None:
            self.plot.show_sweep(result.lrs, result.losses, result.smoothed, result.stopped_early)
        suggested = self.suggestion()
        if result is not None:
            curve = _interpolate(result, suggested) if math.isfinite(suggested) else math.nan
            self.plot.mark(suggested, result.lowest_lr, curve)
        running = self.runner.running()
        self.run_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        total = self.plan.steps if self.plan is not None else STEPS
        self.progress.setRange(0, total)
        self.progress.setValue(len(self.points))
        self.progress.setVisible(self.plan is not None)
        self._show_status()
        self.summary.setText(self._summary_text())
        self.apply_button.setEnabled(not running and math.isfinite(suggested))

    def _status_text(self) -> str:
        if self.message:
            return self.message
        done, total = len(self.points), self.plan.steps if self.plan is not None else 0
        if self.state == RUNNING:
            return self.tr("Sweeping in the background… update {0} of {1}.").format(done, total)
        if self.state == DONE:
            if self.result is not None and self.result.stopped_early:
                return self.tr(
                    "Stopped after {0} of {1} updates: the loss blew up (the smoothed loss passed "
                    "{2:g} times its minimum). {3:.1f} s."
                ).format(done, total, DIVERGE_FACTOR, self._seconds)
            return self.tr("Done: {0} updates in {1:.1f} s.").format(done, self._seconds)
        if self.state == STOPPED:
            return self.tr("Stopped after {0} of {1} updates.").format(done, total)
        return self.tr(
            "Run the sweep: {0} updates of a copy of the network, the learning rate growing "
            "exponentially from the first value to the second."
        ).format(self.steps.value())

    def _summary_text(self) -> str:
        result = self.result
        if result is None:
            return ""
        lowest = result.lowest_lr
        suggested = self.suggestion()
        if not math.isfinite(suggested):
            return self.tr(
                "No suggestion: the smoothed loss never falls before its minimum. Widen the range "
                "or run more updates."
            )
        where = (
            self.tr("{0}× below the minimum's rate").format(value_text(lowest / suggested))
            if math.isfinite(lowest) and suggested > 0
            else ""
        )
        return self.tr(
            "Suggested learning rate: <b>{0}</b> ({1}); the smoothed loss is lowest at {2}."
        ).format(value_text(suggested), where, value_text(lowest))

    # -- results ---------------------------------------------------------------------------------

    def apply(self) -> bool:
        """Write the suggested learning rate into the Network Lab's settings (the page rebuilds,
        asking first when a trained model would be lost)."""
        page, suggested = self.network_lab(), self.suggestion()
        if page is None or self.plan is None or not math.isfinite(suggested):
            return False
        training = dict(page.model.settings.get("training", {}))
        optimizer = dict(training.get("optimizer", {}))
        if optimizer.get("name") != self.plan.optimizer:
            self._set_message(
                self.tr("The Network Lab's optimizer changed since the sweep: run it again."),
                error=True,
            )
            return False
        optimizer["lr"] = suggested
        training["optimizer"] = optimizer
        page.model.update_settings(training=training)
        applied = page.model.settings.get("training", {}).get("optimizer", {}).get("lr")
        if applied != suggested:  # "Keep training": the page kept its trained model
            self._set_message(self.tr("The Network Lab kept its learning rate."))
            return False
        self._set_message(
            self.tr("The Network Lab now trains with learning rate {0}.").format(
                value_text(suggested)
            )
        )
        return True

    # -- Qt --------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Learning-rate range test — LossLab"))
        self.from_label.setText(self.tr("Learning rate from"))
        self.to_label.setText(self.tr("to"))
        self.steps_label.setText(self.tr("updates"))
        self.steps.setToolTip(self.tr("How many updates the sweep takes (one minibatch each)"))
        self.run_button.setText(self.tr("Run the sweep"))
        self.stop_button.setText(self.tr("Stop"))
        self.rule_label.setText(self.tr("Suggest by"))
        self.rule.setToolTip(
            self.tr(
                "Steepest descent: where the smoothed loss falls fastest against log(lr), before "
                "its minimum. Minimum ÷ 10: a step back from the edge where the loss blows up."
            )
        )
        for index, method in enumerate(SUGGESTIONS):
            self.rule.setItemText(index, rule_text(method))
        self.apply_button.setText(self.tr("Apply"))
        self.apply_button.setToolTip(
            self.tr("Set the suggested rate as the Network Lab's learning rate")
        )
        self.refresh_task()
        self._redraw(plot=False)


def _interpolate(result: RangeTest, lr: float) -> float:
    """The smoothed loss at ``lr`` (linear in log(lr)), for a rate between two sweep points."""
    finite = np.isfinite(result.smoothed)
    return float(np.interp(np.log(lr), np.log(result.lrs[finite]), result.smoothed[finite]))


def show_lr_range_window(main: Any) -> LrRangeWindow:
    """Show the main window's range test window (made on first use), on ``main.network_lab``'s
    current task."""
    return show_tool_window(
        main, LrRangeWindow, lambda: LrRangeWindow(lambda: main.network_lab, main)
    )
