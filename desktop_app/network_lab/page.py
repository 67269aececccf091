"""The Network Lab page: build a small network, train it live, and see why training succeeds or
fails.

One state: the page holds a ``core.lab.LabModel`` (``page.model``). The forms write the settings
into it and show what it holds; the page rebuilds the training when they change and clears every
derived view when the content is replaced (:mod:`desktop_app.network_lab.scenes`). A backend
(:mod:`desktop_app.network_lab.backends`: a trainer process by default, or the app's worker
thread) builds and drives the training (:mod:`desktop_app.network_lab.training`). Records and
snapshots arrive in batches, land in per-run histories, and a ~30 Hz frame timer draws the newest
data (:mod:`desktop_app.network_lab.history`). The trainer starts when the page is first shown.
A race of 2-8 networks (the "Race" box, :mod:`desktop_app.network_lab.race_box`) trains instead of
the single network when the settings hold one (:mod:`desktop_app.network_lab.race`).
A single network also records the notes-004 diagnostics
(:mod:`desktop_app.network_lab.diagnostics`: the update/weight ratio per layer while its tab
shows, weight averaging's curve, the snapshot ensemble per cycle), and "Diagnose…" opens the
main window's Diagnose training window on the run (``open_diagnosis``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
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

from core.lab import LabModel
from core.nets.datasets import Dataset
from core.nets.experiments import EXPERIMENTS
from core.nets.models import build_model, count_parameters, describe
from desktop_app.i18n import current_language
from desktop_app.network_lab.backends import make_backend
from desktop_app.network_lab.curves import TrainingCurves
from desktop_app.network_lab.diagnostics import NoiseScalePanel, RatioPanel, SnapshotPanel
from desktop_app.network_lab.forms import DataForm, ModelForm, TrainingForm
from desktop_app.network_lab.history import COLUMNS, DrawingMixin, RunHistory, local_text
from desktop_app.network_lab.model_view import ModelView
from desktop_app.network_lab.panels import CurvaturePanel, LandscapePanel
from desktop_app.network_lab.race_box import RaceBox
from desktop_app.network_lab.scenes import ModelStateMixin
from desktop_app.network_lab.session import Snapshot, TrainingSpec
from desktop_app.network_lab.settings import default_settings
from desktop_app.network_lab.training import TRAIN_KEY, TrainingMixin
from desktop_app.style import appearance, tinted_icon
from desktop_app.widgets.collapsible import CollapsiblePanel, invalidate_layouts
from desktop_app.widgets.labels import coloured, hint

# Curves and the model view redraw at most ~33 times a second, when new data came: a little
# above 30, so that a late frame does not pull the rate under 30 a second.
FRAME_MS = 30
NETWORK_DEVICE_ENV = "LOSSLAB_NETWORK_DEVICE"  # cpu (default), cuda, auto
__all__ = ["COLUMNS", "FRAME_MS", "TRAIN_KEY", "NetworkLabPage", "RunHistory"]


class NetworkLabPage(ModelStateMixin, TrainingMixin, DrawingMixin, QWidget):
    statusMessage = Signal(str)
    sceneChanged = Signal()  # the settings a scene holds changed (the documents autosave them)

    def __init__(self, language: str = "en", device: str = "cpu", parent=None) -> None:
        super().__init__(parent)
        self.language = language
        # Small networks train faster on the CPU than a GPU's launch overhead allows; a GPU is
        # used when asked for (LOSSLAB_NETWORK_DEVICE=cuda; "auto": the engine's device).
        wanted = os.environ.get(NETWORK_DEVICE_ENV, "cpu").strip() or "cpu"
        self.device = device if wanted == "auto" else wanted
        self.model = LabModel(kind="network")
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
        self.averaged_snapshots: dict[str, Snapshot] = {}  # weight averaging's model, per run
        self.view_run = "network"
        self.added_points: list[tuple[float, float, int]] = []
        self.playing = False
        self.finished = False
        self.experiment_key: str | None = None
        self.frames_drawn = 0
        self._dirty = True
        self._drawn: dict[object, tuple] = {}  # what each view shows (DrawingMixin._unchanged)
        self._updates_per_epoch = 1
        self._open_diagnosis: Callable[[], Any] | None = None
        self._open_lr_range: Callable[[], Any] | None = None
        self._build_ui()
        # A font change (presenter mode) while the page is hidden: its sizes are measured again.
        appearance().changed.connect(self._appearance_changed)
        self._watch_model()
        self.frame_timer = QTimer(self, interval=FRAME_MS)
        # a coarse timer may fire up to 5 % late, every time
        self.frame_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.frame_timer.timeout.connect(self._frame)
        self.frame_timer.start()
        self.rebuild(default_settings())

    # -- layout ----------------------------------------------------------------------------------

    def _build_ui(self) -> None:
        # The settings column collapses to a slim bar (presenter mode collapses it).
        self.side_panel = CollapsiblePanel(self._build_side())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.side_panel)
        layout.addWidget(self._build_centre(), 1)

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
            self.experiment_combo.addItem(local_text(experiment.title), key)
        self.experiment_button = QPushButton(self.tr("Run"))
        self.experiment_button.clicked.connect(
            lambda: self.run_experiment(self.experiment_combo.currentData())
        )
        self.experiment_question = QLabel()
        self.experiment_question.setWordWrap(True)
        hint(self.experiment_question)
        self.experiment_combo.currentIndexChanged.connect(self._show_question)
        row = QHBoxLayout()
        row.addWidget(self.experiment_combo, 1)
        row.addWidget(self.experiment_button)
        box = QVBoxLayout(experiments)
        box.addLayout(row)
        box.addWidget(self.experiment_question)
        self._show_question()

        self.data_form = DataForm(self.model)  # the forms write into the model and follow it
        self.model_form = ModelForm(self.model)
        self.training_form = TrainingForm(self.model)
        self.training_form.find_lr_button.clicked.connect(self._find_learning_rate)
        self.race_box = RaceBox(self.model)

        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.addWidget(self.scene_label)
        side_layout.addWidget(experiments)
        side_layout.addWidget(self.data_form)
        side_layout.addWidget(self.model_form)
        side_layout.addWidget(self.training_form)
        side_layout.addWidget(self.race_box)
        side_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(side)
        # As wide as the forms need (CollapsiblePanel keeps it so), never scrolled sideways.
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.side_scroll = scroll
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
        self.epoch_label.setWordWrap(True)  # a narrow window wraps it rather than widening
        self.view_combo = QComboBox()
        self.view_combo.setToolTip(self.tr("Whose model the views show"))
        self.view_combo.currentIndexChanged.connect(self._view_run_chosen)
        self.view_combo.setVisible(False)
        # Opens the "Diagnose training" window on this run; the main window gives the callback
        # (``open_diagnosis``): without one the button stays hidden.
        self.diagnose_button = QPushButton(self.tr("Diagnose…"))
        self.diagnose_button.setObjectName("diagnose_button")
        self.diagnose_button.setToolTip(
            self.tr("Walk the notes' flowchart on this run: which case is it, and what helps?")
        )
        self.diagnose_button.clicked.connect(self._diagnose)
        self.diagnose_button.setVisible(False)
        self.show_averaged = QCheckBox(self.tr("averaged model"))
        self.show_averaged.setObjectName("show_averaged")
        self.show_averaged.setToolTip(self.tr("Show the weight-averaged model's predictions"))
        self.show_averaged.toggled.connect(self._redraw)
        self.show_averaged.setVisible(False)
        transport = QHBoxLayout()
        transport.setContentsMargins(4, 2, 4, 2)
        for widget in (self.reset_button, self.play_button, self.step_button):
            transport.addWidget(widget)
        transport.addWidget(self.epoch_label, 1)
        transport.addWidget(self.show_averaged)
        transport.addWidget(self.diagnose_button)
        transport.addWidget(self.view_combo)
        self.conclusion_label = QLabel()
        self.conclusion_label.setWordWrap(True)
        self.conclusion_label.setVisible(False)
        coloured(self.conclusion_label, "#3a3000", background="#fff7d6")
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
        self.ratio_panel = RatioPanel()
        self.snapshot_panel = SnapshotPanel()
        self.views.addTab(self.ratio_panel, self.tr("Update ratio"))
        self.noise_panel = NoiseScalePanel()
        self.views.addTab(self.noise_panel, self.tr("Noise scale"))
        self.views.addTab(self.snapshot_panel, self.tr("Snapshots"))
        self.views.currentChanged.connect(self._view_tab_changed)
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

    @property
    def open_diagnosis(self) -> Callable[[], Any] | None:
        """Opens the Diagnose training window (the main window's); None hides the button."""
        return self._open_diagnosis

    @open_diagnosis.setter
    def open_diagnosis(self, callback: Callable[[], Any] | None) -> None:
        self._open_diagnosis = callback
        self.diagnose_button.setVisible(callback is not None)

    def _diagnose(self) -> None:
        self.set_playing(False)  # the window reads the curves as they are
        if self._open_diagnosis is not None:
            self._open_diagnosis()

    @property
    def open_lr_range(self) -> Callable[[], Any] | None:
        """Opens the learning-rate range test window (the main window's); None hides the
        training form's "Find learning rate…" button."""
        return self._open_lr_range

    @open_lr_range.setter
    def open_lr_range(self, callback: Callable[[], Any] | None) -> None:
        self._open_lr_range = callback
        self.training_form.find_lr_button.setVisible(callback is not None)

    def _find_learning_rate(self) -> None:
        if self._open_lr_range is not None:
            self._open_lr_range()

    def _redraw(self, *_args: Any) -> None:
        self._dirty = True

    def _appearance_changed(self) -> None:
        invalidate_layouts(self)

    def _show_question(self) -> None:
        key = self.experiment_combo.currentData()
        self.experiment_question.setText(local_text(EXPERIMENTS[key].question))

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
        self.diagnose_button.setText(self.tr("Diagnose…"))
        self.show_averaged.setText(self.tr("averaged model"))
        self.show_averaged.setToolTip(self.tr("Show the weight-averaged model's predictions"))
        self.diagnose_button.setToolTip(
            self.tr("Walk the notes' flowchart on this run: which case is it, and what helps?")
        )
        tabs = {
            self.model_view: self.tr("Model"),
            self.curvature: self.tr("Curvature"),
            self.landscape: self.tr("Landscape"),
            self.ratio_panel: self.tr("Update ratio"),
            self.noise_panel: self.tr("Noise scale"),
            self.snapshot_panel: self.tr("Snapshots"),
        }
        for widget, title in tabs.items():
            self.views.setTabText(self.views.indexOf(widget), title)
        for index, experiment in enumerate(EXPERIMENTS.values()):
            self.experiment_combo.setItemText(index, local_text(experiment.title))
        self._show_question()
        self._show_scene_text()
        summary = getattr(self, "_model_summary", None)
        if summary is not None:
            self.model_form.summary.setText(summary())
        self._dirty = True  # the epoch line

    def _update_icons(self) -> None:
        """Transport icons in the palette's button-text colour (visible in the dark theme)."""
        self.reset_button.setIcon(tinted_icon(QStyle.StandardPixmap.SP_MediaSkipBackward, self))
        self.step_button.setIcon(tinted_icon(QStyle.StandardPixmap.SP_MediaSeekForward, self))
        self._sync_play_button()

    def _show_scene_text(self) -> None:
        """The document's title and description (an experiment's stand in its own box)."""
        title, text = local_text(self.model.title), local_text(self.model.description)
        if self.model.source == "experiment":
            title = text = ""
        self.scene_label.setText(f"<b>{title}</b><br>{text}" if title else text)
        self.scene_label.setVisible(bool(title or text))

    def _show_model_summary(self, model, data: Dataset) -> None:
        parameters = count_parameters(build_model(model, data.input_dim, data.output_dim))
        shape = describe(model, data.input_dim, data.output_dim)
        # re-worded by retranslate() on a language change
        self._model_summary = lambda: self.tr("{0} · {1} parameters").format(shape, parameters)
        self.model_form.summary.setText(self._model_summary())

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
