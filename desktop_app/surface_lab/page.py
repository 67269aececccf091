"""The Surface Lab page: wires the surface picker, run list, map, plots and transport together.

Data flows one way: user edits change the page's run and surface state -> the compute service
runs engine generators in its thread -> batches land in the recorder -> a ~30 Hz frame timer draws
the newest data up to the timeline cursor. Nothing here computes losses or gradients.
"""

from __future__ import annotations

import copy
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.basins import grid_starts, label_basins, random_starts
from core.curvature import CurvatureStore, curvature_at, escape_saddle, find_critical_points
from core.lab import LabModel, Playback
from core.lab.arrows import step_arrows
from core.scene import Scene, parse_scene, scene_to_dict
from core.surfaces import make_surface
from core.surfaces.raster import rasterize
from desktop_app.style import appearance
from desktop_app.surface_lab.drawing import DrawingMixin
from desktop_app.surface_lab.eigen_panel import EigenPanel
from desktop_app.surface_lab.internals import InternalsPlots
from desktop_app.surface_lab.jobs import (
    CRITICAL_KEY,
    CURVATURE_PREFIX,
    INSPECT_KEY,
    SURFACE_KEY,
    JobsMixin,
)
from desktop_app.surface_lab.map_view import COLORMAP, MapView
from desktop_app.surface_lab.plots import MetricPlots
from desktop_app.surface_lab.recorder import Recorder
from desktop_app.surface_lab.run_editor import RunEditor
from desktop_app.surface_lab.surface_picker import SurfacePicker
from desktop_app.surface_lab.transport import Transport
from desktop_app.widgets.playback import PlaybackProperties
from desktop_app.workers import ComputeService

FRAME_MS = 33  # views redraw at most ~30 times a second
RASTER_RESOLUTION = 512
PALETTE = [
    "#e6194b",
    "#3cb4f0",
    "#ffe119",
    "#f58231",
    "#3cd44b",
    "#f032e6",
    "#ffffff",
    "#bcf60c",
    "#fabebe",
    "#9a6324",
]
CURVATURE_CHUNK = 2048  # trajectory points per Hessian batch in the worker


@dataclass
class RunState:
    id: str
    label: str
    color: QColor
    optimizer: dict[str, Any]
    schedule: dict[str, Any] | None
    steps: int
    starts: list[tuple[float, float]]
    visible: bool = True
    swarm: bool = False
    batch_size: int | None = None  # data surfaces: minibatch size (None = full batch)
    seed: int = 0
    engine: Any = None  # the engine generator, kept so a job can continue it
    offset: int = 0  # step of this engine's start ("continue from here" restarts mid-run)
    done: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def spec(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "label": self.label,
            "optimizer": dict(self.optimizer),
            "steps": self.steps,
        }
        if self.schedule:
            data["schedule"] = dict(self.schedule)
        if len(self.starts) == 1 and not self.swarm:
            data["start"] = list(self.starts[0])
        else:
            data["starts"] = [list(p) for p in self.starts]
        data["color"] = self.color.name()
        data["visible"] = self.visible
        if self.batch_size is not None:
            data["batch_size"] = self.batch_size
        if self.seed:
            data["seed"] = self.seed
        return data


def _surface_source(config: dict[str, Any]) -> str:
    if "formula" in config:
        return "formula"
    return "drawn" if "bumps" in config else "builtin"


class SurfaceLabPage(PlaybackProperties, JobsMixin, DrawingMixin, QWidget):
    """The page: layout and wiring; jobs (jobs.py) and drawing (drawing.py) are mixins."""

    statusMessage = Signal(str)
    sceneChanged = Signal()

    def __init__(self, language: str = "en", device: str = "cpu", parent=None) -> None:
        super().__init__(parent)
        self.language = language
        self.device = device
        self.service = ComputeService(self)
        self.service.batchReady.connect(self._on_batch)
        self.service.failed.connect(self._on_failed)
        # The document and what the user looks at (title, text, hover point), Qt-free: views
        # derive what they show from it, so nothing outlives the content it describes.
        self.model = LabModel()
        self.recorder = Recorder()
        self.runs: dict[str, RunState] = {}
        self._ids = itertools.count(1)
        self.selected: str | None = None
        self.surface_config: dict[str, Any] = {"builtin": "rosenbrock"}
        self.surface = make_surface(self.surface_config)
        self.raster = None
        # The timeline cursor, playing and speed: core.lab's arithmetic, this page's timer.
        self.playback = Playback(speed=40)
        self._dirty = True
        self._last_frame = time.perf_counter()
        self._init_drawing()  # undo/redo stacks of the drawn surface
        self.frames_drawn = 0
        self.log_scale = True
        self._build_ui()
        self.model.events.title.connect(self._show_lesson_note)
        self.model.events.description.connect(self._show_lesson_note)
        self.frame_timer = QTimer(self, interval=FRAME_MS)
        self.frame_timer.timeout.connect(self._frame)
        self.frame_timer.start()

    # -- layout ----------------------------------------------------------------------------------

    def _build_ui(self) -> None:
        self._build_views()
        centre = self._build_centre()

        # side panel
        self._build_picker()
        self._build_runs_box()

        self.editor = RunEditor()
        self.editor.changed.connect(self._editor_changed)

        self._build_swarm_box()

        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.addWidget(self.picker)
        side_layout.addWidget(self.runs_box)
        side_layout.addWidget(self.editor)
        side_layout.addWidget(self.swarm_box)
        side_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(side)
        self.side_scroll = scroll

        self.splitter = splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(scroll)
        splitter.addWidget(centre)
        splitter.setStretchFactor(1, 1)
        appearance().changed.connect(self._apply_style)  # presenter mode widens the panel
        self._apply_style()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(splitter)
        self.retranslate()

    def _build_views(self) -> None:
        """The map, the metric plots, the curvature panel, the transport and the view tabs."""
        self.map = MapView(model=self.model)
        self.map.startClicked.connect(self._map_clicked)
        self.map.startDragged.connect(self._start_dragged)
        self.map.paint.connect(self._paint)
        self.plots = MetricPlots()
        self.plots.cursorMoved.connect(self.seek)
        self._build_curvature_ui()
        self.transport = Transport()
        self.transport.playToggled.connect(self.set_playing)
        self.transport.stepRequested.connect(self.step_by)
        self.transport.scrubbed.connect(self.seek)
        self.transport.speedChanged.connect(self._set_speed)
        self.transport.resetRequested.connect(self.rewind)
        self.speed = self.transport.speed.value()

        self.views = QTabWidget()
        self.views.addTab(self.map, "")
        self.view3d = None  # built on first use: GL start-up is not free
        self.views.addTab(QWidget(), "")
        # The open lesson's title and what to look at, in the UI language (hidden when empty).
        self.lesson_note = QLabel()
        self.lesson_note.setObjectName("lesson_note")
        self.lesson_note.setWordWrap(True)
        self.lesson_note.setTextFormat(Qt.TextFormat.RichText)
        self.lesson_note.setVisible(False)
        self.views.currentChanged.connect(self._view_tab_changed)

    def _build_centre(self) -> QSplitter:
        """The views over the bottom tabs."""
        centre = QSplitter(Qt.Orientation.Vertical)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.lesson_note)
        top_layout.addWidget(self.views, 1)
        top_layout.addWidget(self.transport)
        centre.addWidget(top)
        centre.addWidget(self.bottom_tabs)
        centre.setStretchFactor(0, 3)
        centre.setStretchFactor(1, 1)
        return centre

    def _build_picker(self) -> None:
        self.picker = SurfacePicker(self.language)
        self.picker.surfaceRequested.connect(self.set_surface)
        self.picker.logScaleToggled.connect(self._set_log_scale)
        self.picker.drawModeToggled.connect(self._set_draw_mode)
        self.picker.undoRequested.connect(self.undo_drawing)
        self.picker.redoRequested.connect(self.redo_drawing)
        self.picker.clearDrawingRequested.connect(self.clear_drawing)

    def _build_runs_box(self) -> None:
        """The run list, its buttons, the start point and the hint."""
        self.runs_box = runs_box = QGroupBox()
        self.run_list = QListWidget()
        self.run_list.setObjectName("run_list")
        self.run_list.setMaximumHeight(150)
        self.run_list.currentItemChanged.connect(self._selection_changed)
        self.run_list.itemChanged.connect(self._item_changed)
        self.run_buttons = add, duplicate, remove, colour = [QPushButton() for _ in range(4)]
        add.clicked.connect(lambda: self.add_run())
        duplicate.clicked.connect(self.duplicate_selected)
        remove.clicked.connect(self.remove_selected)
        colour.clicked.connect(self._choose_colour)
        buttons = QHBoxLayout()
        for button in (add, duplicate, remove, colour):
            buttons.addWidget(button)
        self.start_x = QDoubleSpinBox(decimals=4, minimum=-1e6, maximum=1e6, singleStep=0.1)
        self.start_y = QDoubleSpinBox(decimals=4, minimum=-1e6, maximum=1e6, singleStep=0.1)
        for spin in (self.start_x, self.start_y):
            spin.editingFinished.connect(self._start_edited)
        start_row = QHBoxLayout()
        self.start_label = QLabel()
        start_row.addWidget(self.start_label)
        start_row.addWidget(self.start_x)
        start_row.addWidget(self.start_y)
        self.continue_on_change = QCheckBox()
        self.hint = hint = QLabel()
        hint.setWordWrap(True)
        hint.setStyleSheet("color: gray;")
        box = QVBoxLayout(runs_box)
        box.addWidget(self.run_list)
        box.addLayout(buttons)
        box.addLayout(start_row)
        box.addWidget(self.continue_on_change)
        box.addWidget(hint)

    def _build_swarm_box(self) -> None:
        self.swarm_box = swarm_box = QGroupBox()
        self.swarm_count = QSpinBox(minimum=4, maximum=10_000, value=2_500, singleStep=100)
        self.swarm_layout = QComboBox()
        self.swarm_layout.addItem("", "grid")
        self.swarm_layout.addItem("", "random")
        self.swarm_button = QPushButton()
        self.swarm_button.clicked.connect(lambda: self.add_swarm())
        self.swarm_info = QLabel()
        self.swarm_info.setWordWrap(True)
        form = QFormLayout(swarm_box)
        self.swarm_form = form
        form.addRow("", self.swarm_count)
        form.addRow("", self.swarm_layout)
        form.addRow(self.swarm_button)
        form.addRow(self.swarm_info)

    # -- language --------------------------------------------------------------------------------

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        """Re-apply the page's own texts; child widgets retranslate themselves."""
        from desktop_app.i18n import current_language

        self.language = current_language()
        self.views.setTabText(0, self.tr("Map"))
        self.views.setTabText(1, self.tr("3D"))
        tabs = getattr(self, "bottom_tabs", None)
        if tabs is not None:
            for page, text in (
                (self.plots, self.tr("Metrics")),
                (getattr(self, "eigen_scroll", None), self.tr("Hessian")),
                (getattr(self, "internals", None), self.tr("σ and η/σ")),
            ):
                if page is not None and tabs.indexOf(page) >= 0:
                    tabs.setTabText(tabs.indexOf(page), text)
        self.runs_box.setTitle(self.tr("Runs"))
        names = (self.tr("Add"), self.tr("Duplicate"), self.tr("Remove"), self.tr("Colour…"))
        for button, text in zip(self.run_buttons, names, strict=True):
            button.setText(text)
        self.start_label.setText(self.tr("start"))
        self.continue_on_change.setText(self.tr("on change, continue from the current step"))
        self.continue_on_change.setToolTip(
            self.tr(
                "Off: a changed run restarts from its start. On: it keeps its past and goes on "
                "from the step under the cursor with the new settings (the optimizer's state "
                "starts afresh)."
            )
        )
        self.hint.setText(
            self.tr("Click the map: move the start · Shift-click: new run · drag a marker")
        )
        self.swarm_box.setTitle(self.tr("Swarm"))
        self.swarm_layout.setItemText(0, self.tr("grid"))
        self.swarm_layout.setItemText(1, self.tr("random"))
        self.swarm_button.setText(self.tr("Release a swarm with the selected optimizer"))
        for editor, text in (
            (self.swarm_count, self.tr("points")),
            (self.swarm_layout, self.tr("layout")),
        ):
            label = self.swarm_form.labelForField(editor)
            if label is not None:
                label.setText(text)
        self._show_lesson_note()
        self._dirty = True  # the next frame re-derives the texts drawn from state

    def _apply_style(self) -> None:
        scale = appearance().font_scale
        self.side_scroll.setMinimumWidth(round(340 * scale))
        self.side_scroll.setMaximumWidth(round(420 * scale))
        # A splitter hands out its initial sizes ignoring maximum widths: give the rest to the map.
        self.splitter.setSizes([self.side_scroll.maximumWidth(), 10_000])

    @property
    def title(self) -> dict[str, str]:
        """The document's title per language (the model's; a lesson's until replaced)."""
        return self.model.title

    @property
    def description(self) -> dict[str, str]:
        return self.model.description

    def _show_lesson_note(self, *_args) -> None:
        import html

        title = self.model.text("title", self.language)
        text = self.model.text("description", self.language)
        self.lesson_note.setText(
            f"<b>{html.escape(title)}</b><br>{html.escape(text)}" if title or text else ""
        )
        self.lesson_note.setVisible(bool(title or text))

    # -- scene -----------------------------------------------------------------------------------

    def load_scene(self, scene: Scene, source: str = "file") -> None:
        self.service.abort()
        for run_id in list(self.runs):
            self._drop_run(run_id)
        self.model.replace_content(
            scene, source=source, title=dict(scene.title), description=dict(scene.description)
        )
        self._show_lesson_note()
        config = scene.surface.to_config()
        self.picker.show_surface(config)
        self._apply_surface(config, restart=False)
        for spec in scene.runs:
            self.add_run(
                optimizer=spec.optimizer.model_dump(),
                schedule=spec.schedule.to_config() if spec.schedule else None,
                steps=spec.steps,
                starts=spec.start_points(),
                label=spec.label,
                color=spec.color,
                visible=spec.visible,
                swarm=spec.starts is not None and len(spec.starts) > 1,
                compute=False,
            )
            run = self.runs[next(reversed(self.runs))]
            run.batch_size, run.seed = spec.batch_size, spec.seed
        self.rewind()
        self._compute_runs(list(self.runs))
        self.set_playing(True)  # a scene opens ready to play

    def scene_data(self) -> dict[str, Any]:
        """The current state as scene JSON data (validated)."""
        data = {
            "format": 1,
            "title": self.title,
            "description": self.description,
            "surface": copy.deepcopy(self.surface_config),
            "runs": [run.spec() for run in self.runs.values()],
        }
        return scene_to_dict(parse_scene(data))

    # -- surface ---------------------------------------------------------------------------------

    def set_surface(self, config: dict[str, Any]) -> None:
        """Switch surface (from the picker); runs restart on the new surface.

        Another surface (a formula, a drawing, another built-in) is the user's own content: the
        lesson's title and text go. New parameters of the same built-in keep them.
        """
        if "bumps" in config and "bumps" not in self.surface_config:
            self._strokes, self._redo = [], []
        same_builtin = "builtin" in config and config.get("builtin") == self.surface_config.get(
            "builtin"
        )
        replace = None if same_builtin else _surface_source(config)
        self._apply_surface(config, restart=True, replace=replace)

    def _replace_content(self, source: str) -> None:
        """The user replaced the document's content: what described the old one goes."""
        self.model.replace_content(None, source=source)

    def _apply_surface(
        self, config: dict[str, Any], restart: bool, replace: str | None = None
    ) -> None:
        """Show ``config``'s surface; ``replace`` (a source: "formula", "drawn", "builtin"):
        it is the user's own content, so the lesson's title and text go (see ``LabModel``)."""
        try:
            surface = make_surface(config)
        except ValueError as error:
            self.statusMessage.emit(str(error))
            return
        if replace is not None:
            self._replace_content(replace)
        self.surface_config, self.surface = copy.deepcopy(config), surface
        self.model.set_hover(None)  # the readout described the old surface
        self.map.set_critical_points([(p.x, p.y, p.kind) for p in surface.critical_points])
        self._curvature_surface_changed()
        self._compute_raster()
        if restart:
            self._restart_all()
        self.sceneChanged.emit()

    def _compute_raster(self) -> None:
        surface, log_scale, device = self.surface, self.log_scale, self.device
        generation = self.service.bump(SURFACE_KEY)

        def make():
            yield rasterize(surface, RASTER_RESOLUTION, log_scale=log_scale, device=device)

        self.service.submit([(SURFACE_KEY, generation, make)])

    def _set_log_scale(self, on: bool) -> None:
        self.log_scale = on
        self._compute_raster()

    # -- runs ------------------------------------------------------------------------------------

    def add_run(
        self,
        optimizer: dict | None = None,
        schedule: dict | None = None,
        steps: int = 200,
        starts: list | None = None,
        label: str = "",
        color: str | None = None,
        visible: bool = True,
        swarm: bool = False,
        compute: bool = True,
    ) -> str:
        run_id = f"run{next(self._ids)}"
        if starts is None:
            x0, x1 = self.surface.x_range
            y0, y1 = self.surface.y_range
            starts = [(x0 + 0.2 * (x1 - x0), y0 + 0.8 * (y1 - y0))]
        optimizer = dict(optimizer or {"name": "sgd", "lr": 0.001, "momentum": 0.9})
        qcolor = QColor(color) if color else QColor(PALETTE[(len(self.runs)) % len(PALETTE)])
        run = RunState(
            id=run_id,
            label=label or self._default_label(optimizer),
            color=qcolor,
            optimizer=optimizer,
            schedule=schedule,
            steps=steps,
            starts=[tuple(map(float, p)) for p in starts],
            visible=visible,
            swarm=swarm,
        )
        self.runs[run_id] = run
        if not swarm:
            self.map.ensure_run(run_id, qcolor)
            self.map.set_start(run_id, *run.starts[0])
            self.map.set_run_visible(run_id, visible)
        self.plots.ensure_run(run_id, qcolor)
        self.plots.set_run_visible(run_id, visible)
        item = QListWidgetItem(self._item_text(run))
        item.setData(Qt.ItemDataRole.UserRole, run_id)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if visible else Qt.CheckState.Unchecked)
        item.setIcon(self._swatch(qcolor))
        self.run_list.addItem(item)
        self.run_list.setCurrentItem(item)
        if compute:
            self._compute_runs([run_id])
        self.sceneChanged.emit()
        return run_id

    def add_swarm(self, count: int | None = None, layout: str | None = None) -> str:
        """A swarm of start points for the selected run's optimizer (or SGD)."""
        base = self.runs.get(self.selected) if self.selected else None
        count = count or self.swarm_count.value()
        layout = layout or self.swarm_layout.currentData()
        if layout == "grid":
            side = max(2, int(round(np.sqrt(count))))
            starts = grid_starts(self.surface.x_range, self.surface.y_range, side)
        else:
            starts = random_starts(self.surface.x_range, self.surface.y_range, count)
        for run_id in [r.id for r in self.runs.values() if r.swarm]:
            self._drop_run(run_id)  # one swarm at a time keeps the map readable
        run_id = self.add_run(
            optimizer=dict(base.optimizer) if base else None,
            schedule=base.schedule if base else None,
            steps=base.steps if base else 200,
            starts=starts.tolist(),
            label=self.tr("swarm ({0})").format(
                self._default_label(base.optimizer if base else {"name": "sgd"})
            ),
            swarm=True,
        )
        self.runs[run_id].extra["layout"] = layout
        self.map.set_basins(None)
        self.rewind()
        self.set_playing(True)
        return run_id

    def _default_label(self, optimizer: dict) -> str:
        name = optimizer.get("name", "sgd")
        return {
            "sgd": "SGD",
            "adam": "Adam",
            "adamw": "AdamW",
            "rmsprop": "RMSprop",
            "adagrad": "Adagrad",
            "lbfgs": "L-BFGS",
            "newton": "Newton",
        }.get(name, name)

    def _item_text(self, run: RunState) -> str:
        return f"{run.label}  ·  {len(run.starts)} pts" if run.swarm else run.label

    @staticmethod
    def _swatch(color: QColor) -> QIcon:
        pixmap = QPixmap(14, 14)
        pixmap.fill(color)
        return QIcon(pixmap)

    def _item_for(self, run_id: str) -> QListWidgetItem | None:
        for row in range(self.run_list.count()):
            item = self.run_list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == run_id:
                return item
        return None

    def _drop_run(self, run_id: str) -> None:
        self.service.bump(run_id)
        self.runs.pop(run_id, None)
        self.recorder.remove(run_id)
        self.map.remove_run(run_id)
        self.plots.remove_run(run_id)
        item = self._item_for(run_id)
        if item is not None:
            self.run_list.takeItem(self.run_list.row(item))
        if self.selected == run_id:
            self.selected = None
        if not any(r.swarm for r in self.runs.values()):
            self.map.set_swarm(None)
            self.map.set_basins(None)
        self._dirty = True

    def remove_selected(self) -> None:
        if self.selected:
            self._drop_run(self.selected)
            self.sceneChanged.emit()

    def duplicate_selected(self) -> None:
        run = self.runs.get(self.selected or "")
        if run is not None:
            self.add_run(
                copy.deepcopy(run.optimizer),
                copy.deepcopy(run.schedule),
                run.steps,
                list(run.starts),
                run.label + " ′",
                swarm=run.swarm,
            )

    def set_run_visible(self, run_id: str, visible: bool) -> None:
        run = self.runs[run_id]
        run.visible = visible
        if not run.swarm:
            self.map.set_run_visible(run_id, visible)
        self.plots.set_run_visible(run_id, visible)
        item = self._item_for(run_id)
        if item is not None and (item.checkState() == Qt.CheckState.Checked) != visible:
            item.setCheckState(Qt.CheckState.Checked if visible else Qt.CheckState.Unchecked)
        self._dirty = True

    def set_run_color(self, run_id: str, color: QColor) -> None:
        run = self.runs[run_id]
        run.color = color
        if not run.swarm:
            self.map.set_run_color(run_id, color)
        self.plots.ensure_run(run_id, color)
        item = self._item_for(run_id)
        if item is not None:
            item.setIcon(self._swatch(color))

    def _choose_colour(self) -> None:
        run = self.runs.get(self.selected or "")
        if run is None:
            return
        color = QColorDialog.getColor(run.color, self, self.tr("Run colour"))
        if color.isValid():
            self.set_run_color(run.id, color)

    def _item_changed(self, item: QListWidgetItem) -> None:
        run_id = item.data(Qt.ItemDataRole.UserRole)
        if run_id in self.runs:
            self.set_run_visible(run_id, item.checkState() == Qt.CheckState.Checked)

    def _selection_changed(self, current: QListWidgetItem | None, _previous) -> None:
        self.selected = current.data(Qt.ItemDataRole.UserRole) if current else None
        run = self.runs.get(self.selected or "")
        if run is None:
            return
        self.editor.set_run(
            {"optimizer": run.optimizer, "schedule": run.schedule, "steps": run.steps}
        )
        for spin, value in zip((self.start_x, self.start_y), run.starts[0], strict=True):
            spin.blockSignals(True)
            spin.setValue(value)
            spin.blockSignals(False)

    def select_run(self, run_id: str) -> None:
        item = self._item_for(run_id)
        if item is not None:
            self.run_list.setCurrentItem(item)

    def _editor_changed(self, data: dict) -> None:
        run = self.runs.get(self.selected or "")
        if run is None:
            return
        run.optimizer = dict(data["optimizer"])
        run.schedule = data.get("schedule")
        run.steps = int(data.get("steps", run.steps))
        if self.continue_on_change.isChecked() and not run.swarm:
            self._continue_run(run.id, int(self.cursor))
        else:
            self._restart_run(run.id)
        self.sceneChanged.emit()

    def set_start(self, run_id: str, x: float, y: float) -> None:
        run = self.runs[run_id]
        if run.swarm:
            return
        run.starts = [(float(x), float(y))]
        self.map.set_start(run_id, x, y)
        if run_id == self.selected:
            self._selection_changed(self._item_for(run_id), None)
        self._restart_run(run_id)
        self.sceneChanged.emit()

    def _map_clicked(self, x: float, y: float, add: bool) -> None:
        if add or self.selected is None or self.runs[self.selected].swarm:
            base = self.runs.get(self.selected or "")
            optimizer = dict(base.optimizer) if base else None
            self.add_run(
                optimizer=optimizer, schedule=base.schedule if base else None, starts=[(x, y)]
            )
        else:
            self.set_start(self.selected, x, y)

    def _start_dragged(self, run_id: str, x: float, y: float) -> None:
        if run_id in self.runs:
            self.select_run(run_id)
            self.set_start(run_id, x, y)

    def _start_edited(self) -> None:
        if self.selected and not self.runs[self.selected].swarm:
            self.set_start(self.selected, self.start_x.value(), self.start_y.value())

    # -- computing (the rest is in jobs.py) ------------------------------------------------

    def _on_failed(self, key: str, message: str) -> None:
        """A stream of the worker raised: that run stops, marked failed (its row and the status
        bar say why); the other runs go on."""
        run = self.runs.get(key)
        if run is None:
            self.statusMessage.emit(f"{key}: {message}")
            return
        run.done = True
        run.extra["failed"] = message
        track = self.recorder.get(key)
        if track is not None:
            track.finished = True
        text = self.tr("{0} failed: {1}").format(run.label, message)
        item = self._item_for(key)
        if item is not None:  # a warning sign for its colour swatch, the message as its tip
            style = self.style()
            item.setIcon(style.standardIcon(style.StandardPixmap.SP_MessageBoxWarning))
            item.setToolTip(text)
        self._dirty = True
        self.statusMessage.emit(text)

    # -- swarm basins ----------------------------------------------------------------------------

    def _show_basins(self, run: RunState) -> None:
        track = self.recorder.get(run.id)
        finals = track.positions[track.last_step()]
        minima = [(p.x, p.y) for p in self.surface.critical_points if p.kind == "minimum"]
        (x0, x1), (y0, y1) = self.surface.x_range, self.surface.y_range
        radius = 0.02 * max(x1 - x0, y1 - y0)
        labels, centres = label_basins(finals, np.array(minima) if minima else None, radius)
        diverged = track.diverged[track.last_step()]
        labels = np.where(diverged, -1, labels)
        colors = np.array(
            [
                pg.intColor(i, hues=max(len(centres), 6)).getRgb()
                for i in range(max(len(centres), 1))
            ],
            dtype=np.ubyte,
        )
        rgba = np.zeros((len(labels), 4), dtype=np.ubyte)
        rgba[labels >= 0] = colors[labels[labels >= 0]]
        run.extra["basin_labels"] = labels
        counts = np.bincount(labels[labels >= 0], minlength=len(centres))
        reached = sum(1 for c in counts if c > 0)
        self.swarm_info.setText(
            self.tr("{0} points reached {1} different end points; {2} diverged.").format(
                len(labels), reached, int((labels < 0).sum())
            )
        )
        if run.extra.get("layout") == "grid":
            side = int(round(np.sqrt(len(labels))))
            image = rgba.reshape(side, side, 4)
            step_x, step_y = (x1 - x0) / (side - 1), (y1 - y0) / (side - 1)
            rect = QRectF(x0 - step_x / 2, y0 - step_y / 2, x1 - x0 + step_x, y1 - y0 + step_y)
            self.map.set_basins(image, rect)

    # -- playback --------------------------------------------------------------------------------

    def max_step(self) -> int:
        return max((r.offset + r.steps for r in self.runs.values()), default=0)

    def set_playing(self, playing: bool) -> None:
        if playing:
            self.playback.play(self.max_step())
        else:
            self.playback.pause()
        self._last_frame = time.perf_counter()
        self.transport.set_playing(playing)
        self._dirty = True

    def toggle_play(self) -> None:
        self.set_playing(not self.playing)

    def _set_speed(self, value: int) -> None:
        self.speed = value

    def seek(self, step: int) -> None:
        self.set_playing(False)
        self.playback.seek(step, self.max_step())
        self._dirty = True
        self._frame()

    def step_by(self, delta: int) -> None:
        self.seek(int(self.cursor) + delta)

    def rewind(self) -> None:
        self.seek(0)

    def current_step(self) -> int:
        return int(self.cursor)

    def _frame(self) -> None:
        now = time.perf_counter()
        dt, self._last_frame = now - self._last_frame, now
        if self.playing:
            finished = all(r.done for r in self.runs.values())
            if self.playback.advance(dt, self.recorder.max_step(), self.max_step(), finished):
                self._dirty = True
            if not self.playback.playing:  # reached the end of finished runs
                self.set_playing(False)
        if self._dirty:
            self._dirty = False
            self.draw()

    def draw(self) -> None:
        """Draw every view at the cursor from the recorder (the only place views get run data)."""
        step = int(self.cursor)
        self.model.cursor = step  # what the user looks at, in the lab model
        swarm_xy = None
        for run in self.runs.values():
            track = self.recorder.get(run.id)
            if track is None:
                continue
            last = min(step, track.count - 1)
            if last < 0:
                if not run.swarm:
                    self.map.set_path(run.id, np.empty((0, 2)))
                continue
            steps = np.arange(last + 1)
            if run.swarm:
                if run.visible:
                    swarm_xy = track.positions[last]
                loss = track.loss_median[: last + 1]
                grad = track.grad_norm_median[: last + 1]
            else:
                self.map.set_path(run.id, track.positions[: last + 1, 0])
                loss, grad = track.loss[: last + 1, 0], track.grad_norm[: last + 1, 0]
            self.plots.set_series(run.id, "loss", steps, loss)
            self.plots.set_series(run.id, "grad_norm", steps, grad)
            self.plots.set_series(run.id, "lr", steps[1:], track.lr[1 : last + 1])
        self.map.set_swarm(swarm_xy)
        self.plots.set_step_range(self.max_step())
        self.plots.set_cursor(step)
        self.transport.show_step(step, self.max_step())
        self._draw_curvature(step)
        if self.view3d is not None and self.views.currentIndex() == 1:
            self._update_3d_runs(step)
        self.frames_drawn += 1

    # -- curvature: the Hessian panel, eigenvector and internals arrows, sharpness ---------------

    def _build_curvature_ui(self) -> None:
        """The Hessian panel and the sigma plots, in tabs beside the metric plots."""
        self.curvatures = CurvatureStore()  # per run and step, computed in the worker
        self.inspected: tuple[float, float] | None = None  # the pinned point (Ctrl-click)
        self._inspected_curvature = None
        self._inspect_anchor = None  # (selected run, step) when pinned: changing either unpins
        self._escape = None  # the last SaddleEscape, drawn while its end point is pinned
        self.eigen_panel = EigenPanel()
        self.eigen_panel.escapeRequested.connect(self.escape_the_saddle)
        self.eigen_panel.findRequested.connect(self.locate_critical_points)
        self.eigen_panel.followRequested.connect(self.follow_run)
        self.eigen_panel.pointChosen.connect(self.inspect_point)
        self.eigen_panel.settingsChanged.connect(self._mark_found_points)
        self.internals = InternalsPlots()
        self.internals.cursorMoved.connect(self.seek)
        self.bottom_tabs = QTabWidget()
        self.bottom_tabs.addTab(self.plots, self.tr("Metrics"))
        # Scrolls rather than squeezing its numbers when the window is small.
        self.eigen_scroll = QScrollArea()
        self.eigen_scroll.setWidgetResizable(True)
        self.eigen_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.eigen_scroll.setWidget(self.eigen_panel)
        self.bottom_tabs.addTab(self.eigen_scroll, self.tr("Hessian"))
        self.bottom_tabs.addTab(self.internals, self.tr("σ and η/σ"))
        self.bottom_tabs.currentChanged.connect(self._mark_dirty)
        self.bottom_tabs.currentChanged.connect(self._fit_bottom_tab)
        self.map.pointInspected.connect(self.inspect_point)

    def _mark_dirty(self, *_args) -> None:
        self._dirty = True

    def _fit_bottom_tab(self, *_args) -> None:
        """Give the bottom tabs the height the Hessian panel needs (taken from the map) when it
        is opened, instead of hiding half of it behind a scroll bar."""
        splitter = self.bottom_tabs.parentWidget()
        if self.bottom_tabs.currentWidget() is not self.eigen_scroll or not isinstance(
            splitter, QSplitter
        ):
            return
        need = (
            self.eigen_panel.minimumSizeHint().height()
            + self.bottom_tabs.tabBar().sizeHint().height()
            + 16  # the tab frame's margins
        )
        sizes = splitter.sizes()
        index = splitter.indexOf(self.bottom_tabs)
        missing = need - sizes[index]
        if missing > 0 and index > 0 and sizes[0] > missing + 200:
            sizes[0] -= missing
            sizes[index] += missing
            splitter.setSizes(sizes)

    def inspect_point(self, x: float, y: float) -> None:
        """Pin the Hessian panel to ``(x, y)`` (Ctrl-click on the map); playback pauses. Moving
        the cursor or choosing another run goes back to following the selected run."""
        self.set_playing(False)
        self._unpin()
        self.inspected = (float(x), float(y))
        self._inspect_anchor = (self.selected, self.current_step())
        self.bottom_tabs.setCurrentWidget(self.eigen_scroll)
        surface, point = self.surface, self.inspected
        self._start_inspect(lambda: [("point", curvature_at(surface, [point]))])

    def follow_run(self) -> None:
        """Show the selected run's point at the cursor again."""
        self._unpin()
        self._dirty = True

    def escape_the_saddle(self) -> None:
        """One step from the panel's point along the eigenvector of the negative eigenvalue;
        the panel then shows the new point and how much the loss fell."""
        curvature = self._panel_curvature(self.current_step())[0]
        if curvature is None:
            return
        self.set_playing(False)
        if self.inspected is None:
            self._inspect_anchor = (self.selected, self.current_step())
        surface, point = self.surface, curvature.points[0].copy()
        step = self.eigen_panel.step.value()

        def work():
            escape = escape_saddle(surface, point, step)
            return [("escape", escape, curvature_at(surface, [escape.point]))]

        self._start_inspect(work)

    def locate_critical_points(self) -> None:
        """Run the critical-point finder on the current surface (in the worker)."""
        surface, tolerance = self.surface, self.eigen_panel.tolerance.value()
        generation = self.service.bump(CRITICAL_KEY)

        def make():
            yield find_critical_points(surface, tolerance=tolerance)

        self.eigen_panel.show_finding()
        self.service.submit([(CRITICAL_KEY, generation, make)])

    def _start_inspect(self, work) -> None:
        generation = self.service.bump(INSPECT_KEY)

        def make():
            try:
                yield from work()
            except ValueError as error:  # e.g. no negative eigenvalue: nothing to escape
                yield ("error", str(error))

        self.service.submit([(INSPECT_KEY, generation, make)])

    def _unpin(self) -> None:
        self.service.bump(INSPECT_KEY)
        self.inspected = self._inspected_curvature = self._inspect_anchor = self._escape = None
        self.eigen_panel.clear_escape()

    def _curvature_surface_changed(self) -> None:
        self._unpin()
        self.service.bump(CRITICAL_KEY)
        self.eigen_panel.clear_found()

    def _curvature_after_batch(self, run_id: str, records: list, done: bool) -> None:
        """A run's records arrived: rows from their first step are stale (a restart or a
        "continue from here"); once the run is complete, compute its curvature in the worker."""
        key = CURVATURE_PREFIX + run_id
        if records:
            self.service.bump(key)  # drops a computation for the old trajectory still in flight
            self.curvatures.truncate(run_id, records[0].step)
        if not done:
            return
        track = self.recorder.get(run_id)
        positions = track.positions[: track.count, 0].copy()
        generation = self.service.bump(key)
        first = self.curvatures.begin(run_id, len(positions))  # after "continue": the new steps
        surface = self.surface

        def make():
            for start in range(first, len(positions), CURVATURE_CHUNK):
                yield start, curvature_at(surface, positions[start : start + CURVATURE_CHUNK])

        self.service.submit([(key, generation, make)])

    def _on_curvature_batch(self, batch) -> None:
        for item in batch.items:
            if batch.key == CRITICAL_KEY:
                self.eigen_panel.set_found(item)
                self._mark_found_points()
            elif batch.key == INSPECT_KEY:
                self._inspect_result(item)
            else:
                self.curvatures.put(batch.key.removeprefix(CURVATURE_PREFIX), *item)
        self._dirty = True

    def _inspect_result(self, item: tuple) -> None:
        if item[0] == "error":
            self.eigen_panel.show_escape_error(item[1])
            self.statusMessage.emit(item[1])
            return
        if item[0] == "escape":
            _, self._escape, curvature = item
            self.inspected = self._escape.point
            self.eigen_panel.show_escape(self._escape)
        else:
            curvature = item[1]
        self._inspected_curvature = curvature

    def _mark_found_points(self) -> None:
        found = self.eigen_panel.found
        if found:
            kinds = self.eigen_panel.found_kinds()
            self.map.set_critical_points(
                [(p.x, p.y, kind) for p, kind in zip(found, kinds, strict=True)]
            )

    def _followed(self, step: int):
        """The selected single run, its track and its row at ``step`` (-1: nothing to show)."""
        run = self.runs.get(self.selected or "")
        track = self.recorder.get(run.id) if run is not None else None
        index = -1
        if run is not None and not run.swarm and track is not None:
            index = min(step, track.count - 1)
        return run, track, index

    def _panel_curvature(self, step: int) -> tuple[Any, str]:
        """What the Hessian panel shows at ``step``: ``(curvature, where)``, or ``(None, why
        not)`` while it is being computed or there is nothing to show."""
        if self.inspected is not None:
            if self._inspected_curvature is None:
                return None, self.tr("Computing the Hessian at the clicked point…")
            if self._escape is not None:
                return self._inspected_curvature, self.tr("After the escape:")
            return self._inspected_curvature, self.tr("Clicked:")
        run, _track, index = self._followed(step)
        if index < 0:
            return None, self.tr("Select a run, or Ctrl-click the map to inspect a point.")
        curvature = self.curvatures.row(run.id, index)
        if curvature is None:
            return None, self.tr("Computing the Hessian along {0}…").format(run.label)
        return curvature, self.tr("{0}, step {1}:").format(run.label, index)

    def _draw_curvature(self, step: int) -> None:
        """Sharpness (and sigma) curves for every single run; the Hessian panel and the map's
        arrows for the selected run at the cursor, or for the pinned point."""
        show_internals = self.bottom_tabs.currentWidget() is self.internals
        for run in self.runs.values():
            track = self.recorder.get(run.id)
            if run.swarm or track is None:
                continue
            last = min(step, track.count - 1)
            sharp = self.curvatures.sharpness(run.id)[: last + 1]
            self.plots.set_series(run.id, "sharpness", np.arange(len(sharp)), sharp)
            if show_internals:
                self.internals.set_run(run.id, run.color, run.visible, track, last)
        self.internals.retain(self.runs)
        if show_internals:
            self.internals.set_step_range(self.max_step())
            self.internals.set_cursor(step)

        if self.inspected is not None and self._inspect_anchor != (self.selected, step):
            self._unpin()
        run, track, index = self._followed(step)
        # The map explains what the bottom tab is about: the Hessian tab gets the eigenvectors,
        # the others the optimizer's arrows (both at the same point would be a tangle).
        hessian_tab = self.bottom_tabs.currentWidget() is self.eigen_scroll
        following = index >= 0 and run.visible and not hessian_tab
        self.map.set_internals(step_arrows(track, index) if following else None)

        curvature, text = self._panel_curvature(step)
        if curvature is None:
            self.eigen_panel.show_message(text, pinned=self.inspected is not None)
        else:
            self.eigen_panel.show_curvature(text, curvature, pinned=self.inspected is not None)
        if curvature is None or not hessian_tab:
            self.map.set_eigen_arrows(None)
        else:
            self.map.set_eigen_arrows(
                curvature.points[0], curvature.eigenvalues[0], curvature.eigenvectors[0]
            )
        self.map.set_inspected(self.inspected)
        escape = self._escape if self.inspected is not None else None
        self.map.set_escape(*((escape.start, escape.point) if escape else ()))

    # -- 3D --------------------------------------------------------------------------------------

    def _view_tab_changed(self, index: int) -> None:
        if index == 1 and self.view3d is None:
            from desktop_app.surface_lab.view3d import SurfaceView3D

            self.view3d = SurfaceView3D()
            self.views.blockSignals(True)
            self.views.removeTab(1)
            self.views.insertTab(1, self.view3d, self.tr("3D"))
            self.views.setCurrentIndex(1)
            self.views.blockSignals(False)
            self._update_3d_surface()
        self._dirty = True

    def _update_3d_surface(self) -> None:
        if self.raster is not None and self.view3d is not None:
            r = self.raster
            self.view3d.set_surface(r.xs, r.ys, r.loss, r.levels, r.log_scale, COLORMAP)

    def _update_3d_runs(self, step: int) -> None:
        paths, colors, losses = [], [], []
        swarm = None
        for run in self.runs.values():
            track = self.recorder.get(run.id)
            if track is None or track.count == 0 or not run.visible:
                continue
            last = min(step, track.count - 1)
            if run.swarm:
                swarm = (track.positions[last], track.loss[last], run.color.getRgb()[:3])
                continue
            paths.append(track.positions[: last + 1, 0])
            losses.append(track.loss[: last + 1, 0])
            colors.append(run.color.getRgb()[:3])
        self.view3d.set_trajectories(paths, colors, losses)
        self.view3d.set_points(*(swarm or (None, None, None)))

    def shutdown(self) -> None:
        self.frame_timer.stop()
        self.service.abort()
        self.service.wait(3000)
