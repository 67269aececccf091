"""The "Data & batches" page: two loss surfaces made from training examples, side by side.

Three comparisons, each with the same optimizer run drawn on both maps:

- raw vs normalized features (linear regression): long thin ellipses vs near circles;
- MSE vs cross-entropy (a logistic classifier): a flat plateau vs a steady slope;
- train vs test (the two-basin surface made of examples, the test loss shifted): one run drawn
  on both, so a sharp minimum's rise under the shift is visible.

Every update can use a minibatch (batch size 1..N or the full batch, shuffled every epoch with a
seed); at the current step the map shows the full-batch and the minibatch descent directions,
and (paused) the cloud of 200 other minibatch steps with their 2σ ellipse and the point's
gradient noise scale B_simple (McCandlish et al. 2018). Below: the loss against steps or epochs,
and two one-click experiments (batch size vs final losses, sharpness and the updates and epochs
to reach one loss, with B_simple marked; time per update and per epoch vs batch size).

One lab model: the page holds a ``core.lab.LabModel(kind="data")`` (``page.model``). Every
control writes what the user set into ``model.settings`` (``update_settings``: an event only
when a value really changed); ``_apply_settings`` puts the settings back into the controls and
recomputes what changed (surfaces, or only the runs). Choosing a comparison replaces the content
(``replace_content``) and one handler of ``events.generation`` clears every derived item before
the new results arrive. The timeline cursor is a ``core.lab.Playback``.

The code is split by concern: ``layout.py`` (widgets), ``jobs.py`` (worker jobs and their
batches), ``drawing.py`` (playback and ``draw``); texts and model wiring stay here.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QWidget

from core.data_lab import (
    COMPARISONS,
    DATA_SETTINGS,
    DEFAULT_SETTINGS,
    RUN_SETTINGS,
    panel_titles,
    preset_settings,
    settings_configs,
    shares_start,
)
from core.lab import LabModel, Playback
from desktop_app.data_lab.drawing import DrawingMixin
from desktop_app.data_lab.jobs import EXPERIMENT_KEYS, RUN_KEYS, SURFACE_KEYS, JobsMixin
from desktop_app.data_lab.layout import BATCH_ARROW_COLOR, SIDES, TEST_COLOR, LayoutMixin
from desktop_app.style import appearance
from desktop_app.widgets.axes import run_pen, style_legend
from desktop_app.widgets.collapsible import invalidate_layouts
from desktop_app.widgets.playback import PlaybackProperties
from desktop_app.widgets.retranslating import Retranslating
from desktop_app.workers import ComputeService

FRAME_MS = 33
RASTER_RESOLUTION = 200  # every grid point costs N examples: coarser than the Surface Lab's map

#: Each comparison's name and explanation (English sources; shown translated, and the lab
#: model's title and description of the preset).
COMPARISON_NAMES = {
    "normalization": QT_TRANSLATE_NOOP("DataLabPage", "Raw vs normalized features"),
    "loss": QT_TRANSLATE_NOOP("DataLabPage", "MSE vs cross-entropy"),
    "generalization": QT_TRANSLATE_NOOP("DataLabPage", "Train vs test (sharp vs flat minimum)"),
}
EXPLANATIONS = {
    "normalization": QT_TRANSLATE_NOOP(
        "DataLabPage",
        "The same linear regression with its raw features (scales very different) and "
        "with standardized features. Raw: long thin ellipses, so one learning rate is "
        "too big for the steep direction and too small for the flat one: the run "
        "zig-zags and crawls. Normalized: near circles, and the run goes straight in.",
    ),
    "loss": QT_TRANSLATE_NOOP(
        "DataLabPage",
        "One classifier, two losses. Far from the optimum the sigmoid saturates: the "
        "MSE surface is a flat plateau (tiny gradients, the run creeps), while "
        "cross-entropy keeps a steady slope and the run heads straight for the optimum.",
    ),
    "generalization": QT_TRANSLATE_NOOP(
        "DataLabPage",
        "Left: the training loss, a sharp and a flat minimum of equal depth made of "
        "examples. Right: the test loss, the same surface shifted (test data differ from "
        "training data). One run drawn on both: where it ends in the flat basin the test "
        "loss stays low; in the sharp well it is high. Small batches are thrown out of the "
        "sharp well; try batch 1 and then the full batch.",
    ),
}


def _translated(text: str) -> str:
    return QCoreApplication.translate("DataLabPage", text)


class DataLabPage(JobsMixin, DrawingMixin, LayoutMixin, PlaybackProperties, Retranslating, QWidget):
    statusMessage = Signal(str)

    def __init__(self, device: str = "cpu", parent=None) -> None:
        super().__init__(parent)
        self.device = device
        # The truth of what the user set; the controls show it (layout.LayoutMixin).
        self.model = LabModel(kind="data")
        self.model.settings = {**DEFAULT_SETTINGS, **preset_settings(COMPARISONS[0])}
        self._applied: dict[str, Any] = {}  # the settings the surfaces and runs came from
        self.service = ComputeService(self)
        self.service.batchReady.connect(self._on_batch)
        self.service.failed.connect(self._on_failed)
        self.surfaces: dict[str, Any] = {}
        self.rasters: dict[str, Any] = {}
        self.histories: dict[str, Any] = {}  # side -> core.data_lab.RunHistory
        # side -> core.data_lab.GradientCloud at the shown point, and what is being computed
        self.clouds: dict[str, Any] = {}
        self._cloud_requested: dict[str, tuple[tuple[float, float], int]] = {}
        self.playback = Playback()  # cursor, playing and speed arithmetic (core.lab)
        self._dirty = True
        self._last_frame = time.perf_counter()
        self._started = False  # nothing is computed until the page is first shown
        self._build_ui()
        self.model.events.settings.connect(self._apply_settings)
        self.model.events.generation.connect(self._content_replaced)
        self.set_comparison(COMPARISONS[0])
        self.frame_timer = QTimer(self, interval=FRAME_MS)
        self.frame_timer.timeout.connect(self._frame)
        self.frame_timer.start()
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    # -- the model -------------------------------------------------------------------------------

    def set_comparison(self, key: str) -> None:
        """Choose a comparison: new content, and its preset (optimizer, steps, batch, scales)."""
        self.model.replace_content(
            None,
            source="preset",
            kind="data",
            title={"en": COMPARISON_NAMES[key]},
            description={"en": EXPLANATIONS[key]},
        )
        if not self.model.update_settings(**preset_settings(key)):
            self._apply_settings()  # the same preset again: recompute what was cleared

    def _content_replaced(self, *_args) -> None:
        """The one place that forgets the old content: results in flight, histories, surfaces,
        drawn paths and arrows, experiment tables and plots, status texts, the cursor."""
        self._forget_results(RUN_KEYS + SURFACE_KEYS + EXPERIMENT_KEYS)
        self._forget_clouds()
        self.histories.clear()
        self.surfaces.clear()
        self.rasters.clear()
        self._applied = {}  # everything is recomputed from the settings
        self.playback.seek(0, 0)
        self.transport.set_playing(False)
        self._clear_drawn()
        self._x_range = None
        self.batch_view.clear()
        self.timing_view.clear()
        self.batch_note.clear()
        self.noise_label.clear()
        self.error_label.clear()
        self._dirty = True

    def _apply_settings(self, *_args) -> None:
        """The controls show the settings; whatever changed since the last computation is
        recomputed: both surfaces (dataset, comparison) or only the runs."""
        settings = self.model.settings
        self._show_settings(settings)
        self._show_comparison_texts()
        self._dirty = True
        if not self._started:
            return
        previous, self._applied = self._applied, dict(settings)
        changed = {
            k for k in settings.keys() | previous.keys() if settings.get(k) != previous.get(k)
        }
        if changed & DATA_SETTINGS:
            self._rebuild_surfaces()
        elif changed & RUN_SETTINGS:
            self._rerun()

    def _dataset_edited(self, *_args) -> None:
        """A dataset control changed: new surfaces, so the starts go back to the default."""
        self.model.update_settings(
            n_examples=self.n_examples.value(),
            data_seed=self.data_seed.value(),
            scales=[self.scale_1.value(), self.scale_2.value()],
            noise=self.noise.value(),
            shift=[self.shift_x.value(), self.shift_y.value()],
            starts={},
        )

    def _batch_edited(self, *_args) -> None:
        self.model.update_settings(
            batch_size=self.batch_size.value(),
            full_batch=self.full_batch.isChecked(),
            shuffle_seed=self.shuffle_seed.value(),
        )

    def _run_edited(self, run: dict[str, Any]) -> None:
        """The run editor emits only valid runs."""
        self.model.update_settings(run=run)

    def _axis_edited(self, *_args) -> None:
        self.model.update_settings(x_axis=self.x_axis.currentData())

    def current_comparison(self) -> str:
        return self.model.settings["comparison"]

    def data_configs(self) -> dict[str, dict[str, Any]]:
        """The two panels' surface configs (``make_surface``'s ``{"data": ...}``)."""
        return settings_configs(self.model.settings)

    def set_batch_size(self, batch_size: int | None) -> None:
        """Choose a batch size (None = full batch), as the controls would."""
        if batch_size is None:
            self.model.update_settings(full_batch=True)
        else:
            self.model.update_settings(full_batch=False, batch_size=int(batch_size))

    def set_start(self, side: str, x: float, y: float) -> None:
        """A click on a map: move that panel's start (shared when both show one window)."""
        starts = dict(self.model.settings["starts"])
        for name in SIDES if shares_start(self.current_comparison()) else (side,):
            starts[name] = [float(x), float(y)]
        self.model.update_settings(starts=starts)

    def start_of(self, side: str) -> tuple[float, float] | None:
        """Where ``side``'s run starts: where the user put it, else its surface's default."""
        start = self.model.settings["starts"].get(side)
        if start is not None:
            return (float(start[0]), float(start[1]))
        surface = self.surfaces.get(side)
        return None if surface is None else tuple(surface.default_start)

    # -- language --------------------------------------------------------------------------------

    def retranslate(self) -> None:
        """Every text of the page in the current language, including the ones derived from its
        state (panel titles, legend, readout, step label): called on every language change."""
        for key, name in COMPARISON_NAMES.items():
            self.comparison.setItemText(self.comparison.findData(key), _translated(name))
        self.compare_label.setText(self.tr("Compare"))
        self.data_box.setTitle(self.tr("Dataset"))
        self.batch_box.setTitle(self.tr("Minibatches"))
        rows = {
            "examples": self.tr("examples N"),
            "data_seed": self.tr("data seed"),
            "scales": self.tr("feature scales"),
            "spread": self.tr("example spread"),
            "shift": self.tr("test shift"),
            "batch": self.tr("batch size"),
            "shuffle": self.tr("shuffle seed"),
            "x_axis": self.tr("loss plot x axis"),
        }
        for key, text in rows.items():
            self._row_labels[key].setText(text)
        self._retranslate_tooltips()
        self.full_batch.setText(self.tr("full batch"))
        self.x_axis.setItemText(self.x_axis.findData("steps"), self.tr("steps"))
        self.x_axis.setItemText(self.x_axis.findData("epochs"), self.tr("epochs"))
        self.arrow_legend.setText(
            self.tr(
                '<span style="color:{0}">━━▶</span> full-batch −gradient &nbsp;&nbsp; '
                '<span style="color:{1}">━━▶</span> this minibatch\'s −gradient (the step '
                'taken) &nbsp;&nbsp; <span style="color:{1}">• ○</span> 200 other minibatches '
                "of this size and their 2σ ellipse (when paused) &nbsp;&nbsp; click a map: move "
                "the start"
            ).format("#9a9a9a", BATCH_ARROW_COLOR)
        )
        item = self.loss_plot.getPlotItem()
        item.setTitle(self.tr("full-batch loss"))
        item.setLabel("left", self.tr("loss"))
        appearance().style_plot(item)  # the new title's size and colour
        tabs = (self.tr("Loss"), self.tr("Batch-size experiment"), self.tr("Timing experiment"))
        for index, text in enumerate(tabs):
            self.bottom.setTabText(index, text)
        self._show_comparison_texts()
        if self.batch_note.text():
            self._show_batch_note()
        self._dirty = True  # the next frame re-derives the readout, axis and step label

    def _retranslate_tooltips(self) -> None:
        self.n_examples.setToolTip(self.tr("N: how many training examples the loss averages."))
        self.data_seed.setToolTip(self.tr("Seed of the generated dataset."))
        for spin in (self.scale_1, self.scale_2):
            spin.setToolTip(self.tr("Standard deviation of the raw feature."))
        self.noise.setToolTip(
            self.tr(
                "How much the examples differ: the spread of their steepness (0 = all the same, "
                "so every minibatch is the full batch)."
            )
        )
        for spin in (self.shift_x, self.shift_y):
            spin.setToolTip(self.tr("The test loss is the training loss moved by this much."))
        self.batch_size.setToolTip(self.tr("Examples per update; one epoch = ⌈N / batch⌉ updates."))
        self.shuffle_seed.setToolTip(self.tr("Seed of the shuffle at the start of every epoch."))

    def _show_comparison_texts(self) -> None:
        """The explanation, the panels' titles and the loss legend, from the model."""
        key = self.current_comparison()
        self.explanation.setText(_translated(self.model.text("description", "en")))
        for side, (kind, numbers) in panel_titles(self.model.settings).items():
            self.titles[side].setText(self._panel_title(kind, numbers))
        names = self._curve_names(key)
        self.loss_legend.clear()
        for curve_key, curve in self.loss_curves.items():
            if curve_key in names:
                self.loss_legend.addItem(curve, names[curve_key])
            curve.setVisible(curve_key in names)
        style_legend(self.loss_legend)  # the new entries in the mode's font

    def _panel_title(self, kind: str, numbers: tuple[float, ...]) -> str:
        """A panel's title, each translated as one sentence with its numbers in it."""
        if kind == "raw":
            return self.tr("Linear regression, raw features (scales {0:g} and {1:g})").format(
                *numbers
            )
        titles = {
            "normalized": self.tr("Linear regression, normalized features"),
            "mse": self.tr("Logistic classifier, MSE loss"),
            "cross_entropy": self.tr("Logistic classifier, cross-entropy loss"),
            "train": self.tr("Sharp vs flat minimum, made of examples"),
            "test": self.tr("Sharp vs flat minimum, made of examples: test loss (shifted)"),
        }
        return titles[kind]

    def _curve_names(self, key: str) -> dict[str, str]:
        if key == "normalization":
            return {"left": self.tr("raw features"), "right": self.tr("normalized features")}
        if key == "loss":
            return {"left": self.tr("MSE"), "right": self.tr("cross-entropy")}
        return {"left": self.tr("train"), "test": self.tr("test")}

    def _apply_style(self) -> None:
        """The mode's pens, arrows and legend text; the timeline cursor in the theme's colour
        (the plot itself is registered)."""
        look = appearance()
        invalidate_layouts(self)  # the font changed, maybe while the page is hidden
        self.loss_cursor.setPen(look.cursor_pen())
        # Presenter mode: the plots beside the maps, not under them (a projector's 720 rows
        # cannot hold both at a readable size).
        split = self.centre_split
        presenting = look.presenter
        if (split.orientation() == Qt.Orientation.Horizontal) != presenting:
            split.setOrientation(
                Qt.Orientation.Horizontal if presenting else Qt.Orientation.Vertical
            )
            split.setSizes([1000, 1000] if presenting else [1200, 800])  # shares, not pixels
        # beside the plot (presenter) the legend stacks its entries; under it, one row
        self.loss_legend.setColumnCount(1 if look.presenter else 3)
        pens = {
            "left": run_pen(0, 2),
            "right": run_pen(1, 2),
            "test": run_pen(1, 2, colour=TEST_COLOR),
        }
        for key, curve in self.loss_curves.items():
            curve.setPen(pens[key])
        for arrows in self.arrows.values():
            for arrow in arrows:
                arrow.apply_style()
        for side in SIDES:  # the cloud of minibatch steps: its dots and 2σ ellipse
            self.cloud_dots[side].setSize(look.marker(5))
            self.cloud_ellipses[side].setPen(
                look.pen(BATCH_ARROW_COLOR, 1.5, style=Qt.PenStyle.DashLine)
            )
        style_legend(self.loss_legend)
