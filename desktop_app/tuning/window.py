"""The "Tune hyper-parameters" window (Tools ▸ Tune hyper-parameters…): grid search against random
search with the same budget on the Network Lab's current task (notes 004; Bergstra and Bengio
2012).

The window knows the Network Lab only through ``network_lab()`` (a callable returning the page or
None) and its public ``model`` (``model.settings`` is read for the task; "Apply the best" writes
``model.update_settings(training=...)``, and the page rebuilds, asking first when a trained model
would be lost). The trials train in a worker thread (:class:`~desktop_app.workers.
StreamRunner`); "Export CSV…" writes ``core.nets.search.trials_csv`` atomically.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from core.nets.search import Trial, summarize, trials_csv
from desktop_app.tuning.plots import MarginalPlots, SearchMaps
from desktop_app.tuning.setup_box import TuningSetup
from desktop_app.tuning.texts import parameter_label, value_text
from desktop_app.tuning.worker import (
    KINDS,
    SEARCH_KEY,
    SearchPlan,
    TrialFailed,
    plan_search,
    tuning_events,
)
from desktop_app.user_files import write_file_atomic
from desktop_app.widgets.labels import ERROR_COLOUR, coloured
from desktop_app.widgets.retranslating import Retranslating
from desktop_app.widgets.tool_window import DONE, RUNNING, STOPPED, StreamWindow, show_tool_window

DEFAULT_SIZE = (1200, 900)  # where the screen has room (show_tool_window fits it to smaller)


class TuningWindow(StreamWindow, Retranslating, QWidget):
    """A top-level window (owned by the main window): set-up, the two searches drawn, the
    projection on each axis, and what to do with the result."""

    def __init__(
        self, network_lab: Callable[[], Any] | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("tuning_window")
        self.network_lab = network_lab or (lambda: None)
        self.plan: SearchPlan | None = None
        self.planned: dict[str, list[dict[str, float]]] = {kind: [] for kind in KINDS}
        self.trials: dict[str, dict[int, Trial]] = {kind: {} for kind in KINDS}
        self.failures: dict[str, dict[int, TrialFailed]] = {kind: {} for kind in KINDS}
        self.fraction = {kind: 0.0 for kind in KINDS}
        # the message line: the whole run's error, or the last export's / apply's outcome
        self._init_stream(SEARCH_KEY, self._on_events)
        self._build_ui()
        self.resize(*DEFAULT_SIZE)
        self.refresh_task()
        self.retranslate()

    def _build_ui(self) -> None:
        self.setup = TuningSetup()
        self.setup.runRequested.connect(self.run)
        self.setup.planChanged.connect(self._preview_axes)
        self.setup.stopRequested.connect(self.stop)
        self.maps = SearchMaps()
        self.marginals = MarginalPlots()
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.maps)
        split.addWidget(self.marginals)
        split.setSizes([460, 300])
        self.summary = QLabel()
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.errors = coloured(QLabel(), ERROR_COLOUR)
        self.errors.setObjectName("trial_errors")
        self.errors.setWordWrap(True)
        self.errors.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.apply_button = QPushButton()
        self.apply_button.setObjectName("apply_best")
        self.apply_button.clicked.connect(self.apply_best)
        self.export_button = QPushButton()
        self.export_button.setObjectName("export_csv")
        self.export_button.clicked.connect(self.export_dialog)
        actions = QHBoxLayout()
        actions.addWidget(self.summary, 1)
        actions.addWidget(self.apply_button)
        actions.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.setup)
        layout.addWidget(split, 1)
        layout.addWidget(self.errors)
        layout.addLayout(actions)

    # -- the task --------------------------------------------------------------------------------

    def lab_settings(self) -> dict[str, Any] | None:
        page = self.network_lab()
        return None if page is None else page.model.settings

    def refresh_task(self) -> None:
        """Read the Network Lab's task again: its optimizer chooses the axes offered."""
        if self.runner.running():
            return
        settings = self.lab_settings()
        optimizer = (settings or {}).get("training", {}).get("optimizer", {}).get("name")
        if optimizer:
            self.setup.set_optimizer(optimizer)
        self._show_task()
        self._preview_axes()

    def _preview_axes(self) -> None:
        """Before a search, the plots show the planned axes: their names, ranges and the grid's
        values (not placeholder axes)."""
        if self.runner.running() or any(self.trials.values()):
            return
        try:
            axes = self.setup.axes()
        except ValueError:
            return  # the status says why when Run is pressed
        xs, ys = (axis.grid(self.setup.per_axis.value()) for axis in axes)
        self.maps.set_axes(axes, xs, ys)
        self.marginals.set_axes(axes, (xs, ys))

    def _show_task(self) -> None:
        settings = self.lab_settings()
        if not settings:
            self.setup.task.setText(self.tr("The Network Lab is not ready yet."))
            return
        model, training = settings.get("model", {}), settings.get("training", {})
        hidden = "-".join(str(width) for width in model.get("hidden", [])) or "0"
        self.setup.task.setText(
            self.tr(
                "On the Network Lab's task: the “{0}” data, hidden layers {1} ({2}), optimizer "
                "{3}; every trial starts from the same initial weights."
            ).format(
                settings.get("dataset", {}).get("name", "?"),
                hidden,
                model.get("activation", "?"),
                training.get("optimizer", {}).get("name", "?"),
            )
        )

    # -- running ---------------------------------------------------------------------------------

    def run(self) -> bool:
        """Start both searches in the background; False (and why, in the status) when the
        set-up or the Network Lab's settings are refused."""
        self.refresh_task()
        settings = self.lab_settings()
        if settings is None:
            self._set_message(self.tr("The Network Lab is not ready yet."), error=True)
            return False
        try:
            axes = self.setup.axes()
            plan = plan_search(
                settings,
                axes,
                self.setup.per_axis.value(),
                self.setup.epochs.value(),
                self.setup.seed.value(),
            )
        except ValueError as error:
            self._set_message(str(error), error=True)
            return False
        self.stop()
        self.plan = plan
        self.planned = {kind: plan.settings(kind) for kind in KINDS}
        self.trials = {kind: {} for kind in KINDS}
        self.failures = {kind: {} for kind in KINDS}
        self.fraction = {kind: 0.0 for kind in KINDS}
        self._begin_run()
        xs, ys = (axis.grid(plan.per_axis) for axis in axes)
        self.maps.set_axes(axes, xs, ys)
        self.marginals.set_axes(axes, (xs, ys))
        device = getattr(self.network_lab(), "device", "cpu")
        self.runner.start(lambda: tuning_events(plan, device))
        self._redraw()
        return True

    def total(self) -> int:
        return sum(len(settings) for settings in self.planned.values())

    def done(self) -> int:
        return sum(len(self.trials[k]) + len(self.failures[k]) for k in KINDS)

    def all_trials(self, kind: str) -> list[Trial]:
        return [self.trials[kind][index] for index in sorted(self.trials[kind])]

    def best(self) -> Trial | None:
        """The best trial of both searches (lowest best validation loss)."""
        if self.plan is None:
            return None
        trials = [*self.all_trials("grid"), *self.all_trials("random")]
        return summarize(trials, self.plan.axes).best

    def _on_events(self, events: list) -> None:
        ended = False  # a batch of epochs only moves the status; a trial's end redraws the plots
        for event in events:
            if isinstance(event, TrialFailed):
                self.failures[event.kind][event.index] = event
                ended = True
                continue
            self.fraction[event.kind] = event.fraction
            for trial in event.finished:
                self.trials[event.kind][trial.index] = trial
                ended = True
        self._redraw(plots=ended)

    def failure_text(self, message: str) -> str:
        return self.tr("The search failed: {0}").format(message)

    # -- views -----------------------------------------------------------------------------------

    def _redraw(self, plots: bool = True) -> None:
        grid, random = self.all_trials("grid"), self.all_trials("random")
        if self.plan is not None and plots:
            bests = {kind: summarize(self.all_trials(kind), self.plan.axes).best for kind in KINDS}
            failed = {k: [f.settings for f in self.failures[k].values()] for k in KINDS}
            self.maps.show_trials(grid, random, failed, bests)
            self.marginals.show_trials({"grid": grid, "random": random})
        running = self.runner.running()
        self.setup.set_running(running)
        self.setup.set_progress(self.done(), self.total())
        self.setup.progress.setVisible(self.plan is not None)
        self.setup.show_status(self._status_text(), error=self.message_is_error)
        self.summary.setText(self._summary_text())
        self.errors.setText(self._errors_text())
        self.errors.setVisible(bool(self.errors.text()))
        self.apply_button.setEnabled(not running and self.best() is not None)
        self.export_button.setEnabled(not running and bool(grid or random))

    def _status_text(self) -> str:
        if self.message:
            return self.message
        if self.state == RUNNING:
            kind = (
                "grid"
                if len(self.trials["grid"]) + len(self.failures["grid"]) < len(self.planned["grid"])
                else "random"
            )
            name = self.tr("grid search") if kind == "grid" else self.tr("random search")
            return self.tr("Training the {0} in the background… {1:.0f}%").format(
                name, 100 * self.fraction[kind]
            )
        if self.state == DONE:
            return self.tr("Done: {0} trials in {1:.1f} s.").format(self.done(), self._seconds)
        if self.state == STOPPED:
            return self.tr("Stopped after {0} of {1} trials.").format(self.done(), self.total())
        return self.tr(
            "Choose two hyper-parameters and their ranges, then run: both searches train the "
            "same number of networks."
        )

    def settings_text(self, settings: dict[str, float]) -> str:
        return ", ".join(
            f"{parameter_label(name)} = {value_text(value)}" for name, value in settings.items()
        )

    def _summary_text(self) -> str:
        if self.plan is None:
            return ""
        lines = []
        counts = {}
        for kind in KINDS:
            summary = summarize(self.all_trials(kind), self.plan.axes)
            counts[kind] = ", ".join(
                self.tr("{0}: {1} values").format(parameter_label(name), count)
                for name, count in summary.distinct.items()
            )
            if summary.best is not None:
                line = self.tr("Best of the {0}: {1} → validation loss {2:.4g}")
                name = self.tr("grid search") if kind == "grid" else self.tr("random search")
                lines.append(
                    line.format(
                        name, self.settings_text(summary.best.settings), summary.best.best_val_loss
                    )
                )
        lines.insert(
            0,
            self.tr(
                "Distinct values tried: the grid search {0}; the random search {1}. With the "
                "same budget, random search tries more values of the parameter that matters."
            ).format(counts["grid"], counts["random"]),
        )
        return "<br>".join(lines)

    def _errors_text(self) -> str:
        lines = []
        for kind in KINDS:
            name = self.tr("grid search") if kind == "grid" else self.tr("random search")
            for index in sorted(self.failures[kind]):
                failure = self.failures[kind][index]
                lines.append(
                    self.tr("Trial {0} of the {1} ({2}) failed: {3}").format(
                        index + 1, name, self.settings_text(failure.settings), failure.message
                    )
                )
        return "\n".join(lines)

    # -- results ---------------------------------------------------------------------------------

    def apply_best(self) -> bool:
        """Write the best trial's hyper-parameters into the Network Lab's settings (the page
        rebuilds, asking first when a trained model would be lost)."""
        best, page = self.best(), self.network_lab()
        if best is None or page is None or self.plan is None:
            return False
        training = dict(page.model.settings.get("training", {}))
        optimizer = dict(training.get("optimizer", {}))
        if optimizer.get("name") != self.plan.base.optimizer["name"]:
            self._set_message(
                self.tr("The Network Lab's optimizer changed since the search: run it again."),
                error=True,
            )
            return False
        for name, value in best.settings.items():
            if name == "batch_size":
                training["batch_size"] = int(value)
            else:
                optimizer[name] = float(value)
        training["optimizer"] = optimizer
        page.model.update_settings(training=training)
        self._set_message(
            self.tr("The Network Lab now trains with {0}.").format(
                self.settings_text(best.settings)
            )
        )
        return True

    def csv_text(self) -> str:
        """Every finished trial of both searches, one row each (``core.nets.search.trials_csv``;
        the ``search`` column names the search)."""
        trials = [*self.all_trials("grid"), *self.all_trials("random")]
        kinds = ["grid"] * len(self.trials["grid"]) + ["random"] * len(self.trials["random"])
        rows = list(csv.reader(io.StringIO(trials_csv(trials))))
        for row, kind in zip(rows[1:], kinds, strict=True):
            row[0] = kind
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        return out.getvalue()

    def export_csv(self, path: str) -> bool:
        """Write the trials to ``path`` whole or not at all; the status says what happened."""
        problem = write_file_atomic(path, self.csv_text().encode("utf-8"))
        if problem is not None:
            self._set_message(
                self.tr("Could not export the trials: {0}").format(problem), error=True
            )
            return False
        self._set_message(self.tr("Exported {0} trials to {1}.").format(self._trial_count(), path))
        return True

    def _trial_count(self) -> int:
        return sum(len(self.trials[kind]) for kind in KINDS)

    def export_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Export the trials"), "trials.csv", self.tr("CSV files (*.csv)")
        )
        if path:
            self.export_csv(path)

    # -- Qt --------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Tune hyper-parameters — LossLab"))
        self.apply_button.setText(self.tr("Apply the best"))
        self.apply_button.setToolTip(
            self.tr("Train the Network Lab with the best trial's hyper-parameters")
        )
        self.export_button.setText(self.tr("Export CSV…"))
        self._show_task()
        self._redraw()


def show_tuning_window(main: Any) -> TuningWindow:
    """Show the main window's tuning window (made on first use), on ``main.network_lab``'s
    current task."""
    return show_tool_window(
        main, TuningWindow, lambda: TuningWindow(lambda: main.network_lab, main)
    )
