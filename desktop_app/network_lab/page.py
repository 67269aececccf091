"""The Network Lab page: build a small network, train it live, and see why training succeeds or
fails.

Data flows one way. The forms describe a training (dataset, model, optimizer, ...) as a
:class:`~desktop_app.network_lab.session.TrainingSpec`; a backend
(:mod:`desktop_app.network_lab.backends`: a trainer process by default, or the app's worker
thread) builds and drives its session. Records and snapshots arrive in batches, land in plain
per-run columns here, and a ~30 Hz frame timer draws the newest data (curves, decision boundary,
...). Curvature and landscapes are computed by the backend too, after training has paused, so a
model is never used by two threads. A change to the forms resets the training (like TensorFlow
Playground) only when a setting really changed, and asks first when a trained model would be lost
("Keep training" undoes the edit). The trainer starts when the page is first shown.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
from PySide6.QtCore import QEvent, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStyle,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.lab import TrajectoryStore
from core.nets.datasets import Dataset, augmentation_preview, make_dataset
from core.nets.experiments import EXPERIMENTS, Conclusion
from core.nets.models import build_model, count_parameters, describe
from core.nets.trainer import EpochRecord, StepRecord, TrainConfig
from desktop_app.i18n import current_language
from desktop_app.network_lab.backends import make_backend
from desktop_app.network_lab.curves import TrainingCurves
from desktop_app.network_lab.forms import DataForm, ModelForm, TrainingForm
from desktop_app.network_lab.model_view import ModelView
from desktop_app.network_lab.panels import CurvaturePanel, LandscapePanel
from desktop_app.network_lab.session import Finished, Snapshot, TrainingSpec
from desktop_app.style import tinted_icon

FRAME_MS = 33  # curves and the model view redraw at most ~30 times a second
TRAIN_KEY, CURVATURE_KEY, LANDSCAPE_KEY = "train", "curvature", "landscape"
COLUMNS = (
    "epoch",
    "train_loss",
    "val_loss",
    "train_accuracy",
    "val_accuracy",
    "lr",
    "grad_norm",
    "best_epoch",
)


def _local(texts: dict[str, str]) -> str:
    """A bilingual text of ``core`` in the UI's language (English when it has none)."""
    return texts.get(current_language()) or texts.get("en", "")


class RunHistory:
    """One run's records in :class:`core.lab.TrajectoryStore` columns (read by ``draw``): row t
    of ``epochs`` is epoch t, row k of ``steps`` is the k-th optimizer update."""

    def __init__(self) -> None:
        self.epochs = TrajectoryStore({name: ((), float) for name in COLUMNS})
        self.steps = TrajectoryStore({"x": ((), float), "loss": ((), float)})
        self.last: EpochRecord | None = None

    def add(self, record: EpochRecord) -> None:
        self.epochs.append({name: [getattr(record, name)] for name in COLUMNS})
        self.last = record

    def add_step(self, x: float, loss: float) -> None:
        self.steps.append({"x": [x], "loss": [loss]})

    @property
    def columns(self) -> dict[str, np.ndarray]:
        """Every epoch column (read-only views)."""
        return {name: self.epochs.column(name) for name in COLUMNS}

    def arrays(self) -> dict[str, np.ndarray]:
        return self.columns

    @property
    def step_x(self) -> np.ndarray:
        return self.steps.column("x")

    @property
    def step_loss(self) -> np.ndarray:
        return self.steps.column("loss")

    def __len__(self) -> int:
        return len(self.epochs)


class NetworkLabPage(QWidget):
    statusMessage = Signal(str)
    sceneChanged = Signal()  # the settings a scene holds changed (the documents autosave them)

    def __init__(self, language: str = "en", device: str = "cpu", parent=None) -> None:
        super().__init__(parent)
        self.language = language
        self.device = "cpu"  # small networks: the CPU beats a GPU's launch overhead
        self.backend = make_backend(self)
        self.backend.batchReady.connect(self._on_batch)
        self.backend.failed.connect(self._on_failed)
        self.data: Dataset | None = None
        self.datasets: dict[str, Dataset] = {}  # per run (experiments differ)
        self.spec: TrainingSpec | None = None
        self._started = False  # the trainer starts when the page is first shown
        self.kind = "single"
        self.labels: list[str] = ["network"]
        self.history: dict[str, RunHistory] = {}
        self.snapshots: dict[str, Snapshot] = {}
        self.view_run = "network"
        self.added_points: list[tuple[float, float, int]] = []
        self.playing = False
        self.finished = False
        self.experiment_key: str | None = None
        self.title: dict[str, str] = {}
        self.description: dict[str, str] = {}
        self.frames_drawn = 0
        self._dirty = True
        self._updates_per_epoch = 1
        # what the forms showed when the training on view was built: an edit that leaves them
        # the same (a field merely losing focus) keeps the training
        self._shown: tuple | None = None
        self._asking = False
        self._build_ui()
        self.frame_timer = QTimer(self, interval=FRAME_MS)
        self.frame_timer.timeout.connect(self._frame)
        self.frame_timer.start()
        self.rebuild()

    # -- layout ----------------------------------------------------------------------------------

    def _build_ui(self) -> None:
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self._build_side())
        splitter.addWidget(self._build_centre())
        splitter.setStretchFactor(1, 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(splitter)

    def _build_side(self) -> QScrollArea:
        """The scrolling side column: scene text, experiments and the three forms."""
        self.scene_label = QLabel()
        self.scene_label.setWordWrap(True)
        self.scene_label.setTextFormat(Qt.TextFormat.RichText)
        self.scene_label.setVisible(False)

        experiments = self.experiments_box = QGroupBox(self.tr("One-click experiments"))
        self.experiment_combo = QComboBox()
        self.experiment_combo.setObjectName("experiment")
        for key, experiment in EXPERIMENTS.items():
            self.experiment_combo.addItem(_local(experiment.title), key)
        self.experiment_button = QPushButton(self.tr("Run"))
        self.experiment_button.clicked.connect(
            lambda: self.run_experiment(self.experiment_combo.currentData())
        )
        self.experiment_question = QLabel()
        self.experiment_question.setWordWrap(True)
        self.experiment_question.setStyleSheet("color: gray;")
        self.experiment_combo.currentIndexChanged.connect(self._show_question)
        row = QHBoxLayout()
        row.addWidget(self.experiment_combo, 1)
        row.addWidget(self.experiment_button)
        box = QVBoxLayout(experiments)
        box.addLayout(row)
        box.addWidget(self.experiment_question)
        self._show_question()

        self.data_form = DataForm()
        self.data_form.changed.connect(self._data_changed)
        self.model_form = ModelForm()
        self.model_form.changed.connect(self._settings_edited)
        self.training_form = TrainingForm()
        self.training_form.changed.connect(self._settings_edited)

        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.addWidget(self.scene_label)
        side_layout.addWidget(experiments)
        side_layout.addWidget(self.data_form)
        side_layout.addWidget(self.model_form)
        side_layout.addWidget(self.training_form)
        side_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(side)
        scroll.setMinimumWidth(360)
        scroll.setMaximumWidth(440)
        return scroll

    def _build_transport(self) -> QHBoxLayout:
        """Reset / play / step, the epoch line and the run picker; also the conclusion label."""
        self.reset_button = QToolButton()
        self.reset_button.setIcon(tinted_icon(QStyle.StandardPixmap.SP_MediaSkipBackward, self))
        self.reset_button.setToolTip(self.tr("Reset: new initial weights, epoch 0"))
        self.reset_button.clicked.connect(self.reset)
        self.play_button = QToolButton()
        self.play_button.setCheckable(True)
        self.play_button.setIcon(tinted_icon(QStyle.StandardPixmap.SP_MediaPlay, self))
        self.play_button.setToolTip(self.tr("Train / pause (Space)"))
        self.play_button.toggled.connect(self.set_playing)
        self.step_button = QToolButton()
        self.step_button.setText(self.tr("+1 epoch"))
        self.step_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.step_button.setIcon(tinted_icon(QStyle.StandardPixmap.SP_MediaSeekForward, self))
        self.step_button.setToolTip(self.tr("Train one epoch, then pause"))
        self.step_button.clicked.connect(self.step_epoch)
        self.epoch_label = QLabel()
        self.epoch_label.setObjectName("epoch_label")
        self.view_combo = QComboBox()
        self.view_combo.setToolTip(self.tr("Whose model the views show"))
        self.view_combo.currentIndexChanged.connect(self._view_run_chosen)
        self.view_combo.setVisible(False)
        transport = QHBoxLayout()
        transport.setContentsMargins(4, 2, 4, 2)
        for widget in (self.reset_button, self.play_button, self.step_button):
            transport.addWidget(widget)
        transport.addWidget(self.epoch_label, 1)
        transport.addWidget(self.view_combo)
        self.conclusion_label = QLabel()
        self.conclusion_label.setWordWrap(True)
        self.conclusion_label.setVisible(False)
        self.conclusion_label.setStyleSheet(
            "background: #fff7d6; color: #3a3000; padding: 6px; border-radius: 4px;"
        )
        return transport

    def _build_centre(self) -> QWidget:
        """The transport row, the conclusion and the views | curves splitter."""
        transport = self._build_transport()
        self.model_view = ModelView()
        self.model_view.boundary.pointAdded.connect(self.add_point)
        self.curvature = CurvaturePanel()
        self.curvature.computeRequested.connect(self.compute_curvature)
        self.landscape = LandscapePanel()
        self.landscape.interpolationRequested.connect(self.compute_interpolation)
        self.landscape.sliceRequested.connect(self.compute_slice)
        self.views = QTabWidget()
        self.views.addTab(self.model_view, self.tr("Model"))
        self.views.addTab(self.curvature, self.tr("Curvature"))
        self.views.addTab(self.landscape, self.tr("Landscape"))
        self.curves = TrainingCurves()

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.views)
        split.addWidget(self.curves)
        split.setStretchFactor(0, 5)
        split.setStretchFactor(1, 6)
        split.setSizes([500, 600])
        self.split = split
        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(0, 0, 0, 0)
        centre_layout.addLayout(transport)
        centre_layout.addWidget(self.conclusion_label)
        centre_layout.addWidget(split, 1)
        return centre

    def _show_question(self) -> None:
        key = self.experiment_combo.currentData()
        self.experiment_question.setText(_local(EXPERIMENTS[key].question))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt naming)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        elif event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange) and hasattr(
            self, "step_button"
        ):
            self._update_icons()  # the theme: icons in the palette's button-text colour
        super().changeEvent(event)

    def retranslate(self) -> None:
        """Re-apply the page's own texts and the bilingual ones from ``core``."""
        self.language = current_language()
        self.experiments_box.setTitle(self.tr("One-click experiments"))
        self.experiment_button.setText(self.tr("Run"))
        self.reset_button.setToolTip(self.tr("Reset: new initial weights, epoch 0"))
        self.play_button.setToolTip(self.tr("Train / pause (Space)"))
        self.step_button.setText(self.tr("+1 epoch"))
        self.step_button.setToolTip(self.tr("Train one epoch, then pause"))
        self.view_combo.setToolTip(self.tr("Whose model the views show"))
        tabs = (self.tr("Model"), self.tr("Curvature"), self.tr("Landscape"))
        for index, title in enumerate(tabs):
            self.views.setTabText(index, title)
        for index, experiment in enumerate(EXPERIMENTS.values()):
            self.experiment_combo.setItemText(index, _local(experiment.title))
        self._show_question()
        self._show_scene_text()
        summary = getattr(self, "_model_summary", None)
        if summary is not None:
            self.model_form.summary.setText(summary())
        self._dirty = True  # the epoch line

    # -- building a training ---------------------------------------------------------------------

    def train_config(self) -> TrainConfig:
        values = self.training_form.values()
        return TrainConfig(
            optimizer=values["optimizer"],
            schedule=values["schedule"],
            epochs=values["epochs"],
            batch_size=values["batch_size"],
            loss=self.model_form.loss_name(),
            patience=values["patience"],
            restore_best=values["restore_best"],
            seed=values["seed"],
            per_step=values["per_step"],
            augmentation=self.data_form.augmentation(),
        )

    def _data_changed(self) -> None:
        self._settings_edited(clear_points=True)

    def _settings_edited(self, clear_points: bool = False) -> None:
        """A form's edit: the training is rebuilt only when a setting really changed, and a
        trained model is thrown away only when the user says so (:meth:`ask_rebuild`)."""
        if self._asking:
            return  # the question took the focus, which "finished" the same edit again
        if self.rebuild(ask=True, force=False, clear_points=clear_points):
            self.sceneChanged.emit()  # after the page has taken the edit

    def _form_settings(self, points) -> tuple:
        """What the forms describe, comparable with ``==`` (raises ValueError when invalid)."""
        kfold = self.training_form.values()["kfold"]
        settings = self.data_form.settings()
        return (settings, tuple(points), self.model_form.config(), self.train_config(), kfold)

    def has_trained_model(self) -> bool:
        """Whether a run has trained at least one epoch (rebuilding would lose its weights)."""
        return any(h.last is not None and h.last.epoch > 0 for h in self.history.values())

    def ask_rebuild(self) -> bool:
        """Ask whether to throw the trained model away; True: rebuild, False: keep training.
        (Tests monkeypatch this: a modal box would wait forever offscreen.)"""
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("Rebuild the network?"))
        box.setText(self.tr("This change builds a new network: the trained model will be lost."))
        box.setInformativeText(
            self.tr("Keep training: undo the change and go on with the trained model.")
        )
        rebuild = box.addButton(self.tr("Rebuild"), QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton(self.tr("Keep training"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.exec()
        return box.clickedButton() is rebuild

    def _show_trained_settings(self) -> None:
        """Put the forms back to the settings of the training on view ("Keep training")."""
        settings, _points, model, train, kfold = self._shown
        self._fill_forms(settings, model, train, kfold)
        self._show_error("")
        self._dirty = True

    def _fill_forms(self, data, model, train, kfold) -> None:
        """Show these settings in the three forms (a scene's, or the trained model's)."""
        self.data_form.set_settings(data, train.augmentation)
        self.model_form.set_config(model, train.loss)
        self.training_form.set_values(
            {
                "optimizer": train.optimizer,
                "schedule": train.schedule,
                "epochs": train.epochs,
                "batch_size": train.batch_size,
                "patience": train.patience,
                "restore_best": train.restore_best,
                "seed": train.seed,
                "per_step": train.per_step,
                "kfold": kfold,
            }
        )

    def rebuild(
        self,
        *,
        ask: bool = False,
        force: bool = True,
        clear_points: bool = False,
        points: list[tuple[float, float, int]] | None = None,
    ) -> bool:
        """Read the forms; on valid settings show the data and reset the training.

        ``force`` False: settings equal to those of the training on view keep it. ``ask``: a
        trained model is lost only if :meth:`ask_rebuild` says so, else the forms go back.
        ``clear_points``: clicked points go when the data settings changed; ``points``: the
        clicked points to use (default: the current ones). Returns whether the page took the
        new settings (rebuilt, or showed why they are invalid).
        """
        settings = self.data_form.settings()
        points = list(self.added_points if points is None else points)
        if clear_points and (self._shown is None or settings != self._shown[0]):
            points = []
        try:
            data = make_dataset(**settings)
            if points:
                xy = np.array([(x, y) for x, y, _ in points])
                labels = np.array([c for _, _, c in points])
                data = data.with_points(xy, labels)
            self.model_form.set_task(data.task == "regression")
            wanted = self._form_settings(points)
            if not force and wanted == self._shown:
                if self._error_shown():
                    self._show_error("")  # back to valid settings: the training goes on
                    self._dirty = True
                return False
            _settings, _points, model, train, kfold = wanted
            if not self.training_form.is_valid():
                raise ValueError(self.tr("the optimizer or schedule settings are invalid"))
            # what the trainer would refuse, checked here (by core's rules) so the message is
            # immediate
            from core.nets.models import loss_function
            from core.nets.rules import batch_norm_problem, kfold_problem

            loss_function(train.loss, data.task, data.classes)
            if batch_norm_problem(train.batch_size, model.batch_norm, model.hidden):
                raise ValueError(self.tr("batch norm needs batches of at least 2 samples"))
            if kfold_problem(kfold, len(data.x_train) + len(data.x_val)):
                raise ValueError(self.tr("k-fold needs at least k samples"))
        except ValueError as error:
            self.statusMessage.emit(str(error))
            self._show_error(str(error))
            return True
        if ask and self.has_trained_model():
            self._asking = True
            try:
                rebuild = self.ask_rebuild()
            finally:
                self._asking = False
            if not rebuild:
                self._show_trained_settings()
                return False
        self._show_error("")
        self.experiment_key = None
        self.added_points = points
        self._shown = wanted
        self.data = data
        labels = [f"fold {i + 1}" for i in range(kfold)] if kfold else ["network"]
        self.datasets = dict.fromkeys(labels, data)
        self._show_model_summary(model, data)
        self._show_augmentation(data)
        batch = train.batch_size or len(data.x_train)
        self._updates_per_epoch = max(1, math.ceil(len(data.x_train) / batch))

        spec = TrainingSpec(
            kind="kfold" if kfold else "single",
            data=settings,
            points=tuple(self.added_points),
            model=model,
            train=train,
            kfold=kfold,
        )
        self._start_over(spec, labels)
        return True

    def _show_model_summary(self, model, data: Dataset) -> None:
        parameters = count_parameters(build_model(model, data.input_dim, data.output_dim))
        shape = describe(model, data.input_dim, data.output_dim)
        # re-worded by retranslate() on a language change
        self._model_summary = lambda: self.tr("{0} · {1} parameters").format(shape, parameters)
        self.model_form.summary.setText(self._model_summary())

    def _error_shown(self) -> bool:
        return self.epoch_label.text().startswith("<span style='color:#c62828'>")

    def _show_error(self, text: str) -> None:
        self.epoch_label.setText(f"<span style='color:#c62828'>{text}</span>" if text else "")

    def _show_augmentation(self, data: Dataset) -> None:
        if data.image_shape is None:
            return
        before, after = augmentation_preview(data, self.data_form.augmentation(), count=8)
        self.data_form.show_preview(before, after if self.data_form.augmentation().any() else None)

    def _start_over(self, spec: TrainingSpec, labels: list[str]) -> None:
        """Forget the old training; the backend builds the new one and shows its epoch 0."""
        self.set_playing(False)
        self.spec = spec
        kind = spec.kind
        self.kind, self.labels = kind, labels
        self.history = {label: RunHistory() for label in labels}
        self.snapshots = {}
        self.finished = False
        self.view_combo.blockSignals(True)
        self.view_combo.clear()
        for label in labels:
            self.view_combo.addItem(label, label)
        self.view_combo.blockSignals(False)
        self.view_combo.setVisible(len(labels) > 1)
        self.view_run = labels[0]
        self.model_view.show_data(self.datasets[self.view_run])  # no old predictions
        self.curvature.clear()  # the derived plots described the old model
        self.landscape.clear()
        regression = self.datasets[self.view_run].task == "regression"
        self.curves.set_runs(labels, kind, regression)
        self.curves.set_epoch_range(self._planned_epochs(spec))
        self.conclusion_label.setVisible(False)
        self._dirty = True
        if self._started:
            self.backend.new_training(spec)
            self._start_training_job(epochs=0)

    @staticmethod
    def _planned_epochs(spec: TrainingSpec) -> int:
        if spec.kind == "experiment":
            return max(run.train.epochs for run in EXPERIMENTS[spec.experiment].runs)
        return spec.train.epochs

    def showEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().showEvent(event)
        if not self._started and self.spec is not None:
            self._started = True  # a hidden page (another tab) costs no trainer
            self.backend.new_training(self.spec)
            self._start_training_job(epochs=0)

    def reset(self) -> None:
        """The same settings from epoch 0 again."""
        if self.spec is not None:
            self._start_over(self.spec, self.labels)

    def run_experiment(self, key: str) -> None:
        experiment = EXPERIMENTS[key]
        with QSignalBlocker(self.experiment_combo):
            self.experiment_combo.setCurrentIndex(self.experiment_combo.findData(key))
        self._show_question()
        self.datasets = {run.label: make_dataset(**run.data) for run in experiment.runs}
        labels = [run.label for run in experiment.runs]
        self._updates_per_epoch = 1

        self._start_over(TrainingSpec(kind="experiment", experiment=key), labels)
        self.experiment_key = key
        self._show_experiment_settings(labels[0])
        self.conclusion_label.setText(_local(experiment.question))
        self.conclusion_label.setVisible(True)
        self.set_playing(True)

    # -- driving the worker ----------------------------------------------------------------------

    def _start_training_job(self, epochs: int | None) -> None:
        self.backend.run(epochs, self.training_form.max_rate())

    def set_playing(self, playing: bool) -> None:
        if playing and (self.finished or self.spec is None or not self._started):
            playing = False
        if playing == self.playing:
            self._sync_play_button()
            return
        self.playing = playing
        self._sync_play_button()
        if playing:
            self._start_training_job(epochs=None)
        elif self._started:
            self.backend.pause()
        self._dirty = True

    def _sync_play_button(self) -> None:
        self.play_button.blockSignals(True)
        self.play_button.setChecked(self.playing)
        pixmap = QStyle.StandardPixmap
        icon = pixmap.SP_MediaPause if self.playing else pixmap.SP_MediaPlay
        self.play_button.setIcon(tinted_icon(icon, self))
        self.play_button.blockSignals(False)

    def _update_icons(self) -> None:
        """Transport icons in the palette's button-text colour (visible in the dark theme)."""
        self.reset_button.setIcon(tinted_icon(QStyle.StandardPixmap.SP_MediaSkipBackward, self))
        self.step_button.setIcon(tinted_icon(QStyle.StandardPixmap.SP_MediaSeekForward, self))
        self._sync_play_button()

    def toggle_play(self) -> None:
        self.set_playing(not self.playing)

    def step_by(self, delta: int) -> None:
        """The Run menu's step: forward trains one epoch (training cannot go back)."""
        if delta > 0:
            self.step_epoch()

    def rewind(self) -> None:
        self.reset()

    def step_epoch(self) -> None:
        self.set_playing(False)
        if not self.finished and self.spec is not None and self._started:
            self._start_training_job(epochs=1)

    def _on_batch(self, batch) -> None:
        if batch.key == TRAIN_KEY:
            for item in batch.items:
                self._take(item)
            self._dirty = True
        elif batch.key == CURVATURE_KEY and batch.items:
            self.curvature.show_report(batch.items[-1])
        elif batch.key == LANDSCAPE_KEY and batch.items:
            kind, *payload = batch.items[-1]
            if kind == "line":
                self.landscape.show_line(*payload)
            else:
                self.landscape.show_slice(*payload)

    def _take(self, item: Any) -> None:
        if isinstance(item, EpochRecord):
            self.history[item.run].add(item)
            if item.restored:
                self.statusMessage.emit(
                    self.tr("{0}: restored the weights of the best epoch {1}").format(
                        item.run, item.best_epoch
                    )
                )
        elif isinstance(item, StepRecord):
            history = self.history[item.run]
            history.add_step(item.step / self._updates_per_epoch, item.loss)
        elif isinstance(item, Snapshot):
            self.snapshots[item.run] = item
        elif isinstance(item, Conclusion):
            self.conclusion_label.setText(self.tr("<b>What happened:</b> ") + _local(item.text))
            self.conclusion_label.setVisible(True)
        elif isinstance(item, Finished):
            self.finished = True
            self.set_playing(False)
            diverged = [label for label, status in item.statuses.items() if status == "diverged"]
            if diverged:
                self.statusMessage.emit(
                    self.tr("Training diverged (the loss exploded): lower the learning rate.")
                )

    def _on_failed(self, key: str, message: str) -> None:
        self.set_playing(False)
        self.statusMessage.emit(f"{key}: {message}")
        self._show_error(message)

    # -- curvature and landscapes ----------------------------------------------------------------

    def _compute(self, kind: str, argument: Any = None) -> None:
        if not self._started:
            return
        self.set_playing(False)
        self.backend.compute(kind, self.view_run, argument)

    def compute_curvature(self) -> None:
        """The Hessian at the current weights of the model on view (pauses training)."""
        self.curvature.show_busy()
        self.views.setCurrentWidget(self.curvature)
        self._compute("curvature")

    def compute_interpolation(self) -> None:
        self._compute("interpolation")

    def compute_slice(self, span: float = 1.0) -> None:
        self._compute("slice", span)

    # -- input -----------------------------------------------------------------------------------

    def add_point(self, x: float, y: float, cls: int) -> None:
        """A clicked training point (2D data); the training starts over with it."""
        if self.experiment_key is not None or self.data is None or self.data.input_dim != 2:
            return
        before = len(self.added_points)
        self.rebuild(ask=True, points=[*self.added_points, (float(x), float(y), int(cls))])
        if len(self.added_points) <= before:
            return  # kept the trained model (or the settings are invalid)
        self.statusMessage.emit(
            self.tr("Added a class {0} point at ({1:.2f}, {2:.2f}); {3} added so far").format(
                cls, x, y, len(self.added_points)
            )
        )

    def _view_run_chosen(self, _index: int) -> None:
        label = self.view_combo.currentData()
        if label is None:
            return
        self.view_run = label
        self.model_view.show_data(self.datasets[label])
        if self.experiment_key is not None:
            self._show_experiment_settings(label)
        self._dirty = True

    def _show_experiment_settings(self, label: str) -> None:
        """The forms show the settings of the experiment run on view; editing them leaves the
        experiment and trains that network as your own."""
        run = next(r for r in EXPERIMENTS[self.experiment_key].runs if r.label == label)
        data = self.datasets[label]
        self._show_model_summary(run.model, data)
        self.data_form.set_settings(run.data, run.train.augmentation)
        self.model_form.set_config(run.model, run.train.loss)
        self.training_form.set_values(
            {
                "optimizer": run.train.optimizer,
                "schedule": run.train.schedule,
                "epochs": run.train.epochs,
                "batch_size": run.train.batch_size,
                "patience": run.train.patience,
                "restore_best": run.train.restore_best,
                "seed": run.train.seed,
            }
        )
        try:  # an edit that leaves these settings keeps the experiment
            self._shown = self._form_settings(())
        except ValueError:
            self._shown = None

    # -- scenes ----------------------------------------------------------------------------------

    def load_scene(self, scene) -> None:
        """Show a network scene's dataset, model and training (paused at epoch 0)."""
        from core.nets.spec import setup_from_spec

        setup = setup_from_spec(scene.network)
        self.title, self.description = dict(scene.title), dict(scene.description)
        self.added_points = []
        self._fill_forms(setup.data, setup.model, setup.train, setup.kfold)
        self._show_scene_text()
        self.rebuild()

    def _show_scene_text(self) -> None:
        title, text = _local(self.title), _local(self.description)
        self.scene_label.setText(f"<b>{title}</b><br>{text}" if title else text)
        self.scene_label.setVisible(bool(title or text))

    def scene_data(self) -> dict[str, Any]:
        """The current settings as scene JSON data (validated)."""
        from core.nets.spec import NetworkSetup, spec_data
        from core.scene import parse_scene, scene_to_dict

        values = self.training_form.values()
        setup = NetworkSetup(
            data={k: v for k, v in self.data_form.settings().items() if v is not None},
            model=self.model_form.config(),
            train=self.train_config(),
            kfold=values["kfold"],
        )
        data = {
            "format": 1,
            "title": self.title,
            "description": self.description,
            "network": spec_data(setup),
        }
        return scene_to_dict(parse_scene(data))

    # -- drawing ---------------------------------------------------------------------------------

    def _frame(self) -> None:
        if self._dirty:
            self._dirty = False
            self.draw()

    def draw(self) -> None:
        """Draw the newest data into every view (the only place views get training data)."""
        for label, history in self.history.items():
            if not len(history):
                continue
            self.curves.set_run_data(label, history.arrays())
            if len(history.steps):
                self.curves.set_steps(label, history.step_x, history.step_loss)
        if self.kind == "kfold":
            self._draw_kfold_band()
        shown = self.history.get(self.view_run)
        if shown is not None and shown.last is not None and shown.last.best_epoch < len(shown):
            best = shown.last.best_epoch
            self.curves.set_best(best, shown.columns["val_loss"][best])
        else:
            self.curves.set_best(None, None)
        snapshot = self.snapshots.get(self.view_run)
        if snapshot is not None:
            self.model_view.show_snapshot(snapshot)
            stats = snapshot.bn_stats
            self.model_form.bn_stats.setText(
                self.tr("batch-norm running averages (eval mode): ")
                + "; ".join(f"L{i + 1} mean {m:+.2f} var {v:.2f}" for i, (m, v) in enumerate(stats))
                if stats
                else ""
            )
        self._show_epoch(shown)
        self.frames_drawn += 1

    def _draw_kfold_band(self) -> None:
        """Mean and spread of the folds' validation loss over the epochs every fold reached."""
        histories = list(self.history.values())
        reached = min(len(history) for history in histories)
        if not reached:
            return
        losses = np.array([history.columns["val_loss"][:reached] for history in histories])
        self.curves.set_band(np.arange(reached, dtype=float), losses.mean(0), losses.std(0))

    def _show_epoch(self, history: RunHistory | None) -> None:
        if self.epoch_label.text().startswith("<span style='color:#c62828'>"):
            return
        if history is None or history.last is None:
            self.epoch_label.setText(self.tr("epoch 0"))
            return
        last = history.last
        total = self.training_form.values()["epochs"] if self.kind != "experiment" else None
        text = self.tr("epoch {0}").format(last.epoch) + (f" / {total}" if total else "")
        text += self.tr(" · train loss {0:.4g} · validation loss {1:.4g}").format(
            last.train_loss, last.val_loss
        )
        if math.isfinite(last.val_accuracy):
            text += self.tr(" · validation accuracy {0:.1%}").format(last.val_accuracy)
        if last.stopped:
            text += self.tr(" · stopped early")
        if last.restored:
            text += self.tr(" · best epoch {0} restored").format(last.best_epoch)
        if len(self.labels) > 1:
            text = f"{self.view_run}: " + text
        self.epoch_label.setText(text)

    # -- tests, benchmarks and shutdown ----------------------------------------------------------

    def epochs_done(self, label: str | None = None) -> int:
        history = self.history.get(label or self.view_run)
        return max(len(history) - 1, 0) if history else 0

    def wait_for(self, condition, timeout_s: float = 30.0) -> bool:
        """Process events until ``condition()`` holds (tests and benchmarks)."""
        from PySide6.QtWidgets import QApplication

        deadline = time.perf_counter() + timeout_s
        while time.perf_counter() < deadline:
            QApplication.processEvents()
            if condition():
                return True
            time.sleep(0.002)
        return False

    def wait_idle(self, timeout_s: float = 30.0) -> bool:
        return self.wait_for(lambda: not self.backend.busy(), timeout_s)

    def shutdown(self) -> None:
        self.frame_timer.stop()
        self.backend.shutdown()
