"""The "Edge of stability" window (Tools ▸ Edge of stability…): the Network Lab's current task
trained four ways -- full-batch GD at the user's learning rate and at an edge learning rate,
minibatch SGD, full-batch Adam -- with the sharpness measured along the way (Cohen et al., ICLR
2021 and 2022; ``core.nets.stability``) -- or, with "Compare: SAM against SGD", trained with
minibatch SGD and with SAM (radius ρ) from the same weights, their sharpness and validation loss
side by side.

The window knows the Network Lab only through ``network_lab()`` (a callable returning the page or
None) and its ``model.settings``. The configurations train in a worker thread, each its own stream
(:class:`~desktop_app.stability.worker.StabilityRunner`): one that fails shows its error on its
row while the others finish.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.palette import run_style
from desktop_app.stability import worker
from desktop_app.stability.plots import StabilityPlots
from desktop_app.stability.texts import comparison_name, config_name
from desktop_app.widgets.labels import ERROR_COLOUR, hint
from desktop_app.widgets.retranslating import Retranslating
from desktop_app.widgets.tool_window import (
    DONE,
    FAILED,
    RUNNING,
    STOPPED,
    StreamWindow,
    show_tool_window,
)

DEFAULT_SIZE = (1280, 720)
COLUMNS = 4  # configuration, learning rate, threshold, state
COMPARISON_CHARACTERS = 16  # the "Compare" box's width in characters


class StabilityWindow(StreamWindow, Retranslating, QWidget):
    """A top-level window (owned by the main window): set-up (the comparison, SAM's radius,
    epochs), the configurations' table, the plots and what they show."""

    def __init__(
        self, network_lab: Callable[[], Any] | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("stability_window")
        self.network_lab = network_lab or (lambda: None)
        self.plan: worker.StabilityPlan | None = None
        self.records: dict[str, list] = {}
        self.errors: dict[str, str] = {}
        self.ended: set[str] = set()
        self._init_run_state()
        # a stream per configuration: an error stays on its row (config_failed), the others run
        self.runner = worker.StabilityRunner(self)
        self.runner.records.connect(self._on_records)
        self.runner.config_failed.connect(self._on_config_failed)
        self.runner.config_done.connect(self._on_config_done)
        self.runner.finished.connect(self._on_finished)
        self._build_ui()
        self.resize(*DEFAULT_SIZE)
        self.retranslate()

    def _make_comparison(self) -> None:
        from core.nets.stability import DEFAULT_RHO

        self.comparison_label, self.rho_label = QLabel(), QLabel()
        self.comparison = QComboBox()
        self.comparison.setObjectName("comparison")
        for comparison in worker.COMPARISONS:
            self.comparison.addItem(comparison_name(comparison), comparison)
        self.comparison.currentIndexChanged.connect(lambda _index: self._on_comparison())
        # its widest entry would set the controls' width: the box elides, its list shows it whole
        self.comparison.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.comparison.setMinimumContentsLength(COMPARISON_CHARACTERS)
        self.rho = QDoubleSpinBox()
        self.rho.setObjectName("rho")
        self.rho.setDecimals(3)
        self.rho.setRange(0.0, 2.0)
        self.rho.setSingleStep(0.01)
        self.rho.setValue(DEFAULT_RHO)

    def compared(self) -> str:
        """The comparison chosen in the "Compare" box (``worker.EDGE`` or ``worker.SAM``)."""
        return self.comparison.currentData() or worker.EDGE

    def _make_controls(self) -> QVBoxLayout:
        self.task = hint(QLabel())
        self.task.setObjectName("task")
        self.task.setWordWrap(True)
        self._make_comparison()
        self.epochs_label, self.every_label = QLabel(), QLabel()
        self.epochs = QSpinBox()
        self.epochs.setObjectName("epochs")
        self.epochs.setRange(1, 2000)
        self.epochs.setValue(200)
        self.every = QSpinBox()
        self.every.setObjectName("every")
        self.every.setRange(1, 100)
        self.every.setValue(5)
        self.run_button, self.stop_button = QPushButton(), QPushButton()
        self.run_button.setObjectName("run")
        self.stop_button.setObjectName("stop")
        self.run_button.clicked.connect(self.run)
        self.stop_button.clicked.connect(self.stop)
        self.progress = QProgressBar()
        self.progress.setObjectName("progress")
        self.status = QLabel()
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        # Two rows: the settings, then Run / Stop / progress / status. In one row (status below)
        # the window could not be narrower than 1115 px, 1231 px in Chinese presenter mode.
        settings = QHBoxLayout()
        for widget in (self.comparison_label, self.comparison, self.rho_label, self.rho):
            settings.addWidget(widget)
        for widget in (self.epochs_label, self.epochs, self.every_label, self.every):
            settings.addWidget(widget)
        settings.addStretch(1)
        running = QHBoxLayout()
        running.addWidget(self.run_button)
        running.addWidget(self.stop_button)
        running.addWidget(self.progress)
        running.addWidget(self.status, 1)
        controls = QVBoxLayout()
        controls.addLayout(settings)
        controls.addLayout(running)
        return controls

    def _make_table(self) -> QTableWidget:
        table = QTableWidget(0, COLUMNS)
        table.setObjectName("configs")
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        table.verticalHeader().hide()
        table.setWordWrap(True)
        header = table.horizontalHeader()
        for column in range(COLUMNS - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COLUMNS - 1, QHeaderView.ResizeMode.Stretch)
        return table

    def _build_ui(self) -> None:
        controls = self._make_controls()
        self.plots = StabilityPlots()
        self.table = self._make_table()
        self.spectrum_label = QLabel()
        self.spectrum_choice = QComboBox()
        self.spectrum_choice.setObjectName("spectrum_choice")
        self.spectrum_choice.currentIndexChanged.connect(lambda _index: self._draw_spectrum())
        self.explanation = QLabel()
        self.explanation.setObjectName("explanation")
        self.explanation.setWordWrap(True)
        self.explanation.setAlignment(Qt.AlignmentFlag.AlignTop)
        choice = QHBoxLayout()
        choice.addWidget(self.spectrum_label)
        choice.addWidget(self.spectrum_choice, 1)
        side = QVBoxLayout()
        side.setContentsMargins(0, 0, 0, 0)
        side.addLayout(choice)
        # it scrolls: at 1024x768 (and in presenter mode) the text is longer than its room
        self.explanation_scroll = QScrollArea()
        self.explanation_scroll.setObjectName("explanation_scroll")
        self.explanation_scroll.setWidgetResizable(True)
        self.explanation_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.explanation_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.explanation_scroll.setWidget(self.explanation)
        side.addWidget(self.explanation_scroll, 1)
        below = QWidget()
        below_layout = QHBoxLayout(below)
        below_layout.setContentsMargins(0, 0, 0, 0)
        below_layout.addWidget(self.table, 3)
        below_layout.addLayout(side, 2)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.plots)
        split.addWidget(below)
        split.setStretchFactor(0, 1)
        split.setSizes([460, 180])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.task)
        layout.addLayout(controls)
        layout.addWidget(split, 1)

    # -- the task --------------------------------------------------------------------------------

    def lab_settings(self) -> dict[str, Any] | None:
        page = self.network_lab()
        return None if page is None else page.model.settings

    def refresh_task(self) -> None:
        self._show_task()

    def _show_task(self) -> None:
        settings = self.lab_settings()
        if not settings:
            self.task.setText(self.tr("The Network Lab is not ready yet."))
            return
        model, training = settings.get("model", {}), settings.get("training", {})
        hidden = "-".join(str(width) for width in model.get("hidden", [])) or "0"
        optimizer = training.get("optimizer", {})
        if self.compared() == worker.SAM and self._show_sam_task(settings, hidden):
            return
        self.task.setText(
            self.tr(
                "On the Network Lab's task: the “{0}” data, hidden layers {1} ({2}), your "
                "learning rate {3:.3g} ({4}); all four start from the same initial weights."
            ).format(
                settings.get("dataset", {}).get("name", "?"),
                hidden,
                model.get("activation", "?"),
                float(optimizer.get("lr", math.nan)),
                optimizer.get("name", "?"),
            )
        )

    def _show_sam_task(self, settings: dict[str, Any], hidden: str) -> bool:
        """The SAM comparison's task line: the SGD settings both train with; False when the
        settings are refused (the general line shows, Run says why)."""
        try:
            plan = worker.plan_stability(
                settings, 1, 1, comparison=worker.SAM, rho=self.rho.value()
            )
        except ValueError:
            return False
        sgd = plan.configs[0]
        self.task.setText(
            self.tr(
                "On the Network Lab's task: the “{0}” data, hidden layers {1} ({2}); minibatch "
                "SGD and SAM with learning rate {3:.3g}, momentum {4:.3g} and batches of {5} (the "
                "Network Lab's when it trains with SGD), from the same initial weights and in the "
                "same batch order."
            ).format(
                settings.get("dataset", {}).get("name", "?"),
                hidden,
                settings.get("model", {}).get("activation", "?"),
                float(sgd.optimizer["lr"]),
                float(sgd.optimizer["momentum"]),
                sgd.batch_size,
            )
        )
        return True

    def _on_comparison(self) -> None:
        """Another comparison chosen: its texts (the plots keep the last run until Run)."""
        self.rho.setEnabled(self.compared() == worker.SAM and not self.runner.running())
        self.retranslate()

    # -- running ---------------------------------------------------------------------------------

    def run(self) -> bool:
        """Start the chosen comparison's configurations in the background; False (and why, in
        the status) when the Network Lab's settings are refused."""
        self._show_task()
        settings = self.lab_settings()
        if settings is None:
            self._set_message(self.tr("The Network Lab is not ready yet."), error=True)
            return False
        try:
            plan = worker.plan_stability(
                settings,
                self.epochs.value(),
                self.every.value(),
                comparison=self.compared(),
                rho=self.rho.value(),
            )
        except ValueError as error:
            self._set_message(str(error), error=True)
            return False
        self.stop()
        same = self.plan is not None and self.plan.comparison == plan.comparison
        self.plan = plan
        keys = [config.key for config in plan.configs]
        self.records = {key: [] for key in keys}
        self.errors, self.ended = {}, set()
        self._begin_run()
        self.plots.set_configs(keys, plan.comparison)
        self._fill_table()
        self._fill_choice(same)
        self.runner.start(plan, getattr(self.network_lab(), "device", "cpu"))
        self._redraw()
        return True

    def keys(self) -> list[str]:
        return [] if self.plan is None else [config.key for config in self.plan.configs]

    def chosen(self) -> str:
        """The configuration whose spectrum is drawn."""
        keys = self.keys()
        index = self.spectrum_choice.currentIndex()
        return keys[index] if 0 <= index < len(keys) else (keys[0] if keys else "")

    def done(self) -> int:
        if self.plan is None:
            return 0
        expected = self.plan.expected()
        return sum(
            expected if key in self.ended else min(len(self.records[key]), expected)
            for key in self.keys()
        )

    def total(self) -> int:
        return 0 if self.plan is None else len(self.plan.configs) * self.plan.expected()

    def _on_records(self, records: list) -> None:
        for record in records:
            if record.config in self.records:
                self.records[record.config].append(record)
        self._redraw()

    def _on_config_failed(self, key: str, message: str) -> None:
        self.errors[key] = message
        self.ended.add(key)
        self._redraw()

    def _on_config_done(self, key: str) -> None:
        self.ended.add(key)
        self._redraw()

    def _finished_state(self) -> str:
        return FAILED if self.plan and len(self.errors) == len(self.plan.configs) else DONE

    # -- views -----------------------------------------------------------------------------------

    def _redraw(self) -> None:
        running = self.runner.running()
        self.run_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        self.comparison.setEnabled(not running)
        self.rho.setEnabled(not running and self.compared() == worker.SAM)
        self.progress.setRange(0, max(self.total(), 1))
        self.progress.setValue(self.done())
        self._show_status(grey=True)
        if self.plan is not None:
            self.plots.show_records(self.records, self.plan.epochs)
            self._draw_spectrum()
            self._update_table()

    def _draw_spectrum(self) -> None:
        key = self.chosen()
        self.plots.show_spectrum(self.records.get(key, []), key)

    def _status_text(self) -> str:
        if self.message:
            return self.message
        sam = self.plan.comparison == worker.SAM if self.plan else self.compared() == worker.SAM
        if self.state == RUNNING and sam:
            return self.tr("Training SGD and SAM in the background… {0} of {1}").format(
                self.done(), self.total()
            )
        if self.state == RUNNING:
            return self.tr("Training the four configurations in the background… {0} of {1}").format(
                self.done(), self.total()
            )
        if self.state == DONE:
            return self.tr("Done in {0:.1f} s.").format(self._seconds)
        if self.state == FAILED:
            return self.tr("Every configuration failed: see the table.")
        if self.state == STOPPED:
            return self.tr("Stopped: the epochs measured so far stay.")
        if self.compared() == worker.SAM:
            return self.tr(
                "Run to train the Network Lab's task with minibatch SGD and with SAM from the "
                "same weights and measure the Hessian every few epochs."
            )
        return self.tr(
            "Run to train the Network Lab's task four ways from the same weights and measure the "
            "Hessian every few epochs."
        )

    def _fill_table(self) -> None:
        keys = self.keys()
        self.table.setRowCount(len(keys))
        for row in range(len(keys)):
            for column in range(COLUMNS):
                self.table.setItem(row, column, QTableWidgetItem())
            name = self.table.item(row, 0)
            name.setForeground(QBrush(QColor(run_style(row).colour)))
            font = name.font()
            font.setBold(True)
            name.setFont(font)

    def _fill_choice(self, keep_choice: bool) -> None:
        """The spectrum choice's configurations; the chosen one kept when ``keep_choice``."""
        keep = self.spectrum_choice.currentIndex()
        self.spectrum_choice.blockSignals(True)
        self.spectrum_choice.clear()
        for key in self.keys():
            self.spectrum_choice.addItem(config_name(key), key)
        preferred = "sam" if self.plan and self.plan.comparison == worker.SAM else "gd_edge"
        default = self.keys().index(preferred) if preferred in self.keys() else 0
        kept = keep_choice and 0 <= keep < len(self.keys())
        self.spectrum_choice.setCurrentIndex(keep if kept else default)
        self.spectrum_choice.blockSignals(False)

    def threshold_text(self, key: str) -> str:
        rows = self.records.get(key, [])
        threshold = next((r.threshold for r in rows if math.isfinite(r.threshold)), None)
        if threshold is None:
            return "…"
        if key == "adam":
            return self.tr("38/η = {0:.4g} (preconditioned)").format(threshold)
        if self._optimizer(key).get("momentum", 0.0):
            return self.tr("(2 + 2β)/η = {0:.4g}").format(threshold)
        return self.tr("2/η = {0:.4g}").format(threshold)

    def _optimizer(self, key: str) -> dict[str, Any]:
        """Configuration ``key``'s optimizer in the current plan."""
        configs = {} if self.plan is None else {c.key: c for c in self.plan.configs}
        return configs[key].optimizer if key in configs else {}

    def rate_text(self, key: str) -> str:
        """The learning-rate column: η (as trained), and SAM's radius ρ."""
        rows = self.records.get(key, [])
        if not rows:
            return "…"
        rho = self._optimizer(key).get("rho")
        if rho is None:
            return f"η = {rows[0].lr:.3g}"
        return f"η = {rows[0].lr:.3g}, ρ = {rho:.3g}"

    def state_text(self, key: str) -> str:
        rows = self.records.get(key, [])
        if key in self.errors:
            return self.tr("failed: {0}").format(self.errors[key])
        method = rows[-1].method if rows else ""
        hessian = {
            "exact": self.tr("exact Hessian"),
            "lanczos": self.tr("Lanczos (no spectrum beyond 2,000 weights)"),
        }.get(method, "")
        if rows and rows[-1].diverged:
            return self.tr("diverged at epoch {0}").format(rows[-1].epoch)
        if key in self.ended:
            return self.tr("done: {0} epochs, {1}").format(rows[-1].epoch if rows else 0, hessian)
        if not self.runner.running():
            return self.tr("stopped at epoch {0}").format(rows[-1].epoch if rows else 0)
        if not rows:
            return self.tr("starting…")
        return self.tr("epoch {0} of {1}, {2}").format(rows[-1].epoch, self.plan.epochs, hessian)

    def _update_table(self) -> None:
        for row, key in enumerate(self.keys()):
            rows = self.records.get(key, [])
            texts = (
                config_name(key),
                self.rate_text(key),
                self.threshold_text(key),
                self.state_text(key),
            )
            for column, text in enumerate(texts):
                item = self.table.item(row, column)
                if item is None:
                    continue
                item.setText(text)
                item.setToolTip(text)
            state = self.table.item(row, COLUMNS - 1)
            if state is not None:
                error = key in self.errors or bool(rows and rows[-1].diverged)
                state.setForeground(QBrush(QColor(ERROR_COLOUR)) if error else QBrush())
        self.table.resizeRowsToContents()

    # -- Qt --------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Edge of stability — LossLab"))
        self.comparison_label.setText(self.tr("Compare"))
        for index in range(self.comparison.count()):
            self.comparison.setItemText(index, comparison_name(self.comparison.itemData(index)))
        self.rho_label.setText(self.tr("SAM radius ρ"))
        self.epochs_label.setText(self.tr("Epochs"))
        self.every_label.setText(self.tr("Hessian every"))
        self.every.setSuffix(self.tr(" epochs"))
        self.run_button.setText(self.tr("Run"))
        self.stop_button.setText(self.tr("Stop"))
        self.spectrum_label.setText(self.tr("Spectrum of:"))
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Configuration"),
                self.tr("Learning rate"),
                self.tr("Threshold"),
                self.tr("State"),
            ]
        )
        for index, key in enumerate(self.keys()):
            self.spectrum_choice.setItemText(index, config_name(key))
        self.explanation.setText(self._explanation())
        self._show_task()
        self._redraw()

    def _explanation(self) -> str:
        if self.compared() == worker.SAM:
            return self.tr(
                "<b>SAM</b> (sharpness-aware minimization, Foret et al. 2021) looks for weights "
                "whose whole neighbourhood has a low loss. Each step first climbs to the (to first "
                "order) worst nearby point w + e, with e = ρ·g/‖g‖ (g: the minibatch gradient, "
                "ρ: the radius), takes the gradient <i>there</i>, and applies it to w with plain "
                "SGD. A sharp "
                "minimum keeps a large gradient at w + e and is left; a flat one is not. Both runs "
                "share the learning rate, batches and initial weights, so the only difference is "
                "the ascent. Expect SAM to end <b>flatter</b> (a lower sharpness λ<sub>max</sub>) "
                "at a similar training loss, often with a validation loss "
                "as low or lower; each SAM step costs two gradients."
            )
        return self.tr(
            "<b>Sharpness</b> is the largest eigenvalue of the Hessian of the training loss. "
            "Gradient descent with learning rate η is stable on a quadratic only while the "
            "sharpness stays below 2/η (the dashed line of its colour). On a network, "
            "full-batch GD first sharpens (<b>progressive sharpening</b>) until the sharpness "
            "reaches 2/η, then hovers there while the loss keeps falling, but no longer "
            "monotonically: the <b>edge of stability</b>. For Adam the curve is the "
            "<b>preconditioned</b> sharpness λ<sub>max</sub>(D<sup>-1/2</sup> H "
            "D<sup>-1/2</sup>) and its line (2 + 2β<sub>1</sub>)/((1 − β<sub>1</sub>)η) = "
            "38/η. Minibatch SGD's sharpness (on the whole training set) usually stays below "
            "its 2/η. The heat map counts the Hessian's eigenvalues per epoch; the curve "
            "beside it counts the negative ones."
        )


def show_stability_window(main: Any) -> StabilityWindow:
    """Show the main window's edge-of-stability window (made on first use), on
    ``main.network_lab``'s current task."""
    return show_tool_window(
        main, StabilityWindow, lambda: StabilityWindow(lambda: main.network_lab, main)
    )
