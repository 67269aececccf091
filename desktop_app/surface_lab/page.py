"""The Surface Lab page: wires the surface picker, run list, map, plots and transport together.

Data flows one way: user edits change the page's lab model (``page.model``: the surface, the runs
as validated specs, the selection) -> the compute service runs engine generators in its thread ->
batches land in the recorder -> a ~30 Hz frame timer draws the newest data up to the timeline
cursor. Views follow the model's events; nothing here computes losses or gradients.

The page keeps the layout and the wiring; the rest is in mixins: runs.py (the run list), swarm.py,
timeline.py (playback and ``draw()``), curvature.py (the Hessian panel), jobs.py (the worker's
streams) and drawing.py (draw mode).
"""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMenu,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.lab import LabModel, Playback
from core.scene import Scene, parse_scene, scene_to_dict
from core.surfaces import make_surface
from core.surfaces.raster import rasterize
from desktop_app.style import appearance
from desktop_app.surface_lab.curvature import CurvatureMixin
from desktop_app.surface_lab.drawing import DrawingMixin
from desktop_app.surface_lab.jobs import SURFACE_KEY, JobsMixin
from desktop_app.surface_lab.map_view import MapView
from desktop_app.surface_lab.plots import MetricPlots
from desktop_app.surface_lab.recorder import Recorder
from desktop_app.surface_lab.run_editor import RunEditor
from desktop_app.surface_lab.runs import PALETTE, RunsMixin, RunState  # noqa: F401 (re-exported)
from desktop_app.surface_lab.sam_overlay import SamAscentOverlay
from desktop_app.surface_lab.surface_picker import SurfacePicker
from desktop_app.surface_lab.swarm import SwarmMixin
from desktop_app.surface_lab.timeline import FRAME_MS, TimelineMixin
from desktop_app.surface_lab.transport import Transport
from desktop_app.widgets.collapsible import CollapsiblePanel, invalidate_layouts
from desktop_app.widgets.playback import PlaybackProperties
from desktop_app.workers import ComputeService

RASTER_RESOLUTION = 512
# The plots' share of the centre: under the map normally, beside it in presenter mode.
NORMAL_PLOT_SHARE = 0.25
PRESENTER_PLOT_SHARE = 0.38
NORMAL_TABS_MIN_HEIGHT = 210  # px of the tabs under the map: about 150 px for each plot


def _surface_source(config: dict[str, Any]) -> str:
    for key, source in (("formula", "formula"), ("bumps", "drawn"), ("data", "data")):
        if key in config:
            return source
    return "builtin"


class SurfaceLabPage(
    PlaybackProperties,
    RunsMixin,
    SwarmMixin,
    TimelineMixin,
    CurvatureMixin,
    JobsMixin,
    DrawingMixin,
    QWidget,
):
    """The page: layout and wiring; runs, timeline, curvature, jobs and drawing are mixins."""

    statusMessage = Signal(str)
    sceneChanged = Signal()

    def __init__(
        self,
        language: str = "en",
        device: str = "cpu",
        parent=None,
        run_cache: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.language = language
        self.device = device
        # Where computed runs are kept (core.record_cache): a run computed once plays at once
        # the next time; None computes every run (the tests' windows).
        self.run_cache = run_cache
        self.service = ComputeService(self)
        self.service.batchReady.connect(self._on_batch)
        self.service.failed.connect(self._on_failed)
        # The document and what the user looks at (surface, runs, selection, title, hover
        # point), Qt-free: views derive what they show from it, so nothing outlives the content
        # it describes.
        self.model = LabModel(surface={"builtin": "rosenbrock"})
        self.guided = False  # a guided lesson's beat bar tells the story (set_guided)
        self.recorder = Recorder()
        self._init_runs()
        self.surface = make_surface(self.model.surface)  # the model's surface, built
        self.raster = None
        self._raster_key = self._raster_pending = None  # (surface config, log scale) shown, asked
        # The timeline cursor, playing and speed: core.lab's arithmetic, this page's timer.
        self.playback = Playback(speed=40)
        self._dirty = True
        self._last_frame = time.perf_counter()
        self._last_draw = 0.0  # when the frame timer last drew (throttled while computing)
        self._last_plots = 0.0  # when the metric plots last followed the cursor (timeline.draw)
        # What each run's path and curves show (timeline._draw_run): unchanged rows are not
        # handed to the views again.
        self._drawn_rows: dict[str, tuple] = {}
        self._drawn_curves: dict[str, tuple] = {}
        self._drawn_extents: dict[str, tuple] = {}  # the rows the plots' ranges cover
        self._init_drawing()  # undo/redo stacks of the drawn surface
        self.frames_drawn = 0
        self.log_scale = True
        self.presenter_metrics: tuple[str, ...] = ("loss",)  # beside the map in presenter mode
        self._build_ui()
        events = self.model.events
        events.title.connect(self._show_lesson_note)
        events.description.connect(self._show_lesson_note)
        events.generation.connect(self._content_replaced)
        events.surface.connect(self._surface_changed)
        events.runs.connect(self._on_runs_changed)
        events.selected_run.connect(self._on_selection)
        self.frame_timer = QTimer(self, interval=FRAME_MS)
        self.frame_timer.timeout.connect(self._tick)
        self.frame_timer.start()

    def draw(self) -> None:
        """The views at the cursor (TimelineMixin), then SAM's ascent on the map and the lr's
        stability limit at the selected run's start in the run editor."""
        super().draw()
        self.sam_overlay.draw(self.runs, self.recorder, int(self.cursor))
        run = self.runs.get(self.selected) if self.selected else None
        start = run.starts[0] if run is not None and not run.swarm and run.starts else None
        self.editor.set_stability_point(self.surface, start)

    # -- layout ----------------------------------------------------------------------------------

    def _build_ui(self) -> None:
        self._build_views()
        self._build_metric_chooser()
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
        # As wide as the forms need (CollapsiblePanel keeps it so), never scrolled sideways.
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.side_scroll = scroll
        # The settings column collapses to a slim bar (presenter mode collapses it).
        self.side_panel = CollapsiblePanel(scroll)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.side_panel)
        layout.addWidget(centre, 1)
        appearance().changed.connect(self._apply_style)  # presenter mode: the layout follows
        self.side_panel.collapsedChanged.connect(self._apply_style)
        self._apply_style()
        self.retranslate()

    def _build_views(self) -> None:
        """The map, the metric plots, the curvature panel, the transport and the view tabs."""
        self.map = MapView(model=self.model)
        self.map.startClicked.connect(self._map_clicked)
        self.map.startDragged.connect(self._start_dragged)
        self.map.paint.connect(self._paint)
        self.sam_overlay = SamAscentOverlay(self.map)
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
        """The views over the bottom tabs (beside them in presenter mode)."""
        self.centre_split = centre = QSplitter(Qt.Orientation.Vertical)
        centre.setChildrenCollapsible(False)  # a plot dragged to nothing is a lost plot
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
        self.run_list.setIconSize(QSize(28, 14))  # each run's dash and marker (runs._swatch)
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
        hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)  # grey; its font follows
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
        self.metric_button.setText(self.tr("Plots"))
        self.metric_button.setToolTip(self.tr("The one or two plots beside the map"))
        metric_names = {
            "loss": self.tr("loss"),
            "grad_norm": self.tr("gradient norm ‖g‖"),
            "lr": self.tr("learning rate"),
            "sharpness": self.tr("sharpness λmax (Hessian)"),
        }
        for metric, action in self.metric_actions.items():
            action.setText(metric_names.get(metric, metric))
        self.plots.set_loss_of(self.surface, self.language)
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

    def _apply_style(self, *_args) -> None:
        """Presenter mode: the map with the chosen plots beside it (the views restyle their own
        texts, lines and markers); the settings opened in presenter mode: those plots under the
        map (a projector's width cannot hold the column, the map and a plot column); off: all
        four plots under the map again. A theme change keeps the layout the user arranged."""
        invalidate_layouts(self)  # the font changed, maybe while the page is hidden
        presenting = appearance().presenter
        beside = presenting and self.side_panel.is_collapsed()
        if (presenting, beside) == getattr(self, "_layout_state", None):
            return
        self._layout_state = (presenting, beside)
        self.centre_split.setOrientation(
            Qt.Orientation.Horizontal if beside else Qt.Orientation.Vertical
        )
        self._arrange_metrics()
        self.metric_button.setVisible(presenting)
        self.internals.set_stacked(beside)
        # Under the map, the plots keep a readable height (a short window shrinks the map).
        self.bottom_tabs.setMinimumHeight(0 if beside else NORMAL_TABS_MIN_HEIGHT)
        total = 10_000
        share = PRESENTER_PLOT_SHARE if presenting else NORMAL_PLOT_SHARE
        self.centre_split.setSizes([round(total * (1 - share)), round(total * share)])

    def set_presenter_metrics(self, metrics: tuple[str, ...]) -> None:
        """The one or two metric plots shown beside the map in presenter mode (in this order)."""
        chosen = tuple(m for m in metrics if m in self.plots.plots)[:2]
        if not chosen:
            raise ValueError(f"choose one or two of {', '.join(self.plots.plots)}")
        self.presenter_metrics = chosen
        for metric, action in self.metric_actions.items():
            action.setChecked(metric in chosen)
        self._arrange_metrics()

    def _build_metric_chooser(self) -> None:
        """A "Plots" button beside the tabs (presenter mode): which one or two plots to show."""
        self.metric_button = button = QToolButton()
        button.setObjectName("presenter_plots")
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(button)
        self.metric_actions = {}
        for metric in self.plots.plots:
            action = menu.addAction("")
            action.setCheckable(True)
            action.setChecked(metric in self.presenter_metrics)
            action.toggled.connect(lambda on, m=metric: self._metric_toggled(m, on))
            self.metric_actions[metric] = action
        button.setMenu(menu)
        self.bottom_tabs.setCornerWidget(button)

    def _metric_toggled(self, metric: str, on: bool) -> None:
        """At most two plots: a third one replaces the first chosen; the last one stays."""
        chosen = [m for m in self.presenter_metrics if m != metric]
        if on:
            chosen = [*chosen[-1:], metric]
        self.set_presenter_metrics(tuple(chosen) or self.presenter_metrics)

    def _arrange_metrics(self) -> None:
        """Presenter mode: the chosen plots, stacked beside the map or in a row under it; else
        all four in a row."""
        presenting = appearance().presenter
        stacked = self.centre_split.orientation() == Qt.Orientation.Horizontal
        shown = self.presenter_metrics if presenting else tuple(self.plots.plots)
        layout = self.plots.layout_widget.ci
        for metric, plot in self.plots.plots.items():
            if plot in layout.items:
                layout.removeItem(plot)
            plot.setVisible(metric in shown)
        for place, metric in enumerate(shown):
            row, column = (place, 0) if stacked else (0, place)
            layout.addItem(self.plots.plots[metric], row=row, col=column)

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
        text = "" if self.guided else self.model.text("description", self.language)
        self.lesson_note.setText(
            f"<b>{html.escape(title)}</b><br>{html.escape(text)}"
            if text
            else f"<b>{html.escape(title)}</b>"
            if title
            else ""
        )
        self.lesson_note.setVisible(bool(title or text))

    def set_guided(self, on: bool) -> None:
        """A guided lesson's beat bar tells the story: only the lesson's title stays above the
        map (the description would repeat the bar and take the map's height)."""
        self.guided = on
        self._show_lesson_note()

    # -- scene -----------------------------------------------------------------------------------

    @property
    def surface_config(self) -> dict[str, Any]:
        """The surface's config (``model.surface``; read-only: change it with set_surface)."""
        return self.model.surface

    def load_scene(self, scene: Scene, source: str = "file") -> None:
        self.service.abort()
        self._drop_runs(list(self._states))
        self.model.replace_content(
            scene, source=source, title=dict(scene.title), description=dict(scene.description)
        )
        config = scene.surface.to_config()
        self.picker.show_surface(config)
        self._apply_surface(config, restart=False)
        self._add_specs(scene.runs, compute=False)
        self.rewind()
        self._compute_runs(list(self._states))
        self.set_playing(True)  # a scene opens ready to play

    def scene_data(self) -> dict[str, Any]:
        """The lab model as scene JSON data (validated)."""
        model = self.model
        data = {
            "format": 1,
            "title": model.title,
            "description": model.description,
            "surface": copy.deepcopy(model.surface),
            "runs": [spec.model_dump(mode="json", exclude_none=True) for spec in model.runs],
        }
        return scene_to_dict(parse_scene(data))

    def _content_replaced(self, *_args) -> None:
        """``model.events.generation``: a new document, formula, drawing or built-in surface.
        Everything derived from the old content goes (the hover readout goes in the model)."""
        self._clear_curvature()
        self.internals.retain(())  # the sigma curves: drawn again from the new trajectories
        self._clear_basins()
        self._clear_3d_runs()
        self._dirty = True

    # -- surface ---------------------------------------------------------------------------------

    def set_surface(self, config: dict[str, Any]) -> None:
        """Switch surface (from the picker); runs restart on the new surface.

        Another surface (a formula, a drawing, another built-in) is the user's own content: the
        lesson's title and text go. New parameters of the same built-in keep them.
        """
        current = self.model.surface
        if "bumps" in config and "bumps" not in current:
            self._strokes, self._redo = [], []
        same_builtin = "builtin" in config and config.get("builtin") == current.get("builtin")
        replace = None if same_builtin else _surface_source(config)
        self._apply_surface(config, restart=True, replace=replace)

    def _replace_content(self, source: str) -> None:
        """The user replaced the document's content: what described the old one goes. The runs
        stay (they restart on the new surface), and so does the one selected among them."""
        selected = self.model.selected_run
        self.model.replace_content(None, source=source)
        self.model.selected_run = selected

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
        unchanged = config == self.model.surface
        self.surface = surface
        self.model.surface = copy.deepcopy(config)  # events.surface: the views follow
        if unchanged:  # no event: the same surface again, its raster may have been aborted
            self._surface_changed()
        if restart:
            self._restart_all()
        self.sceneChanged.emit()

    def _surface_changed(self, *_args) -> None:
        """``model.events.surface``: the readout, the curvature items and the raster follow."""
        self.model.set_hover(None)  # the readout described the old surface
        self._clear_curvature()
        self.plots.set_loss_of(self.surface, self.language)  # "loss: cross-entropy"
        self.map.set_axis_names(self.surface.axis_names)
        if "data" in self.model.surface:
            self.picker.show_data_note(self.surface.note)
        self._compute_raster()

    def _compute_raster(self) -> None:
        surface, log_scale, device = self.surface, self.log_scale, self.device
        key = (copy.deepcopy(self.model.surface), log_scale)
        if self.raster is not None and key == self._raster_key:
            # The map shows this very raster (a lesson opened again, a new race on the same
            # surface): the runs' first frames need not wait for it. One in flight is stale.
            self.service.bump(SURFACE_KEY)
            return
        self._raster_pending = key
        generation = self.service.bump(SURFACE_KEY)

        def make():
            yield rasterize(surface, RASTER_RESOLUTION, log_scale=log_scale, device=device)

        self.service.submit([(SURFACE_KEY, generation, make)])

    def _set_log_scale(self, on: bool) -> None:
        self.log_scale = on
        self._compute_raster()

    def shutdown(self) -> None:
        self.frame_timer.stop()
        self.service.abort()
        self.service.wait(3000)
