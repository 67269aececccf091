"""The form that edits one run's optimizer, learning-rate schedule and length.

Both parameter forms are built from the engine's registries (``core.optim.registry`` and
``core.schedules.SCHEDULES``, through ``OPTIMIZER_DEFAULTS`` / ``SCHEDULE_DEFAULTS``, their
``*_CHOICES`` and ``*_RANGES``), never hand-listed per optimizer, so a parameter torch adds shows
up by itself and every spin box offers exactly the values the engine accepts. The editor of
each parameter has the parameter's (torch's) name as its ``objectName``; the elements of a
tuple are ``NAME[0]``, ``NAME[1]``; the parameters of the schedule nested in ``warmup`` are
``then.NAME``. A schedule count whose default is ``None``
("derived from the run length") shows "auto" at 0 and is left out of the data.

``RunEditor.changed`` carries ``{"optimizer": {...}, "schedule": {...} or None, "steps": int}``
(the ``constant`` schedule is ``None``), once per user edit and only when the optimizer builds and
the schedule previews; otherwise the reason is shown in red under the form that is wrong.

Each row's label is the parameter's human name (``PARAM_LABELS``); its tooltip starts with the
code name. The texts are in ``run_editor_texts``, the parameter form in ``param_form``.

Under the optimizer's parameters, ``stability_label`` shows the learning rate's stability limit
(``core.stability``: 2/λmax, (2+2β)/λmax with momentum) for the curvature at the run's start
point, which the page passes with ``set_stability_point``; above the limit the label and the lr
box turn red. On a quadratic the limit holds for the whole run; elsewhere it is the local one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Signal
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from core.optim import (
    OPTIMIZER_CHOICES,
    OPTIMIZER_DEFAULTS,
    OPTIMIZER_RANGES,
    check_optimizer,
    optimizer_names,
)
from core.schedules import (
    SCHEDULE_CHOICES,
    SCHEDULE_DEFAULTS,
    SCHEDULE_RANGES,
    preview_lr,
    schedule_names,
)
from core.stability import LocalCurvature, StabilityLimit, curvature_limit_at, optimizer_lr_limit
from desktop_app.style import appearance
from desktop_app.surface_lab.param_form import MAX_STEPS, _int_box, _ParamForm
from desktop_app.surface_lab.run_editor_texts import (
    EXPLANATIONS,
    HUMAN_NAMES,
    PARAM_LABELS,
    _tr,
    param_label,
    param_tooltip,
    stability_texts,
)
from desktop_app.widgets.number_boxes import format_number

# Also importable from here: the tests use the texts.
__all__ = [
    "DEFAULT_STEPS",
    "EXPLANATIONS",
    "HUMAN_NAMES",
    "MAX_STEPS",
    "PARAM_LABELS",
    "RunEditor",
    "param_label",
]

DEFAULT_STEPS = 200


def _name_combo(names: tuple[str, ...], object_name: str) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(object_name)
    for key in names:
        combo.addItem(_tr(HUMAN_NAMES.get(key, key)), key)
    # Long names must not widen the side panel: elide instead.
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(10)
    combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    return combo


def _error_label(object_name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(object_name)
    label.setWordWrap(True)
    label.setStyleSheet("color: #d32f2f;")
    label.setVisible(False)
    return label


class RunEditor(QWidget):
    """Edits one run's optimizer (and its hyper-parameters), lr schedule and number of steps.

    ``set_run(run)`` shows a run's data (``label``/``start``/... are ignored) without emitting;
    ``run_data()`` returns ``{"optimizer": {...}, "schedule": {...} or None, "steps": int}``;
    ``changed(dict)`` emits that after each valid user edit; ``is_valid()`` says whether the
    current data builds. ``preview_curve`` is the lr-per-step curve of the schedule.
    """

    changed = Signal(dict)

    def __init__(
        self, parent: QWidget | None = None, optimizers: tuple[str, ...] | None = None
    ) -> None:
        """``optimizers``: the names offered (default: every optimizer of the engine)."""
        super().__init__(parent)
        self._loading = 0
        self._valid = True
        # The curvature at the shown run's start (set_stability_point) and the limit it gives.
        self._curvature: LocalCurvature | None = None
        self._curvature_key: tuple[object, tuple[float, float]] | None = None
        self._limit: StabilityLimit | None = None
        self._lr = 0.0
        self.optimizer_names = tuple(optimizers or optimizer_names())  # the registry's

        self._build_optimizer_box()
        self._build_schedule_box()

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(8)
        outer.addWidget(self._optimizer_box)
        outer.addWidget(self._schedule_box)
        outer.addStretch(1)

        self._optimizer_combo.currentIndexChanged.connect(self._optimizer_chosen)
        self._optimizer_form.edited.connect(self._edited)
        self._schedule_combo.currentIndexChanged.connect(self._schedule_chosen)
        self._schedule_form.edited.connect(self._edited)
        self._steps.valueChanged.connect(self._edited)
        appearance().changed.connect(self._style_preview)  # presenter mode, theme
        self._style_preview()
        self._retranslate()
        self._refresh()

    def _build_optimizer_box(self) -> None:
        """The optimizer group: its name, hyper-parameters and error."""
        self._optimizer_box = QGroupBox()
        self._optimizer_combo = _name_combo(self.optimizer_names, "optimizer")
        first = self.optimizer_names[0]
        self._optimizer_form = _ParamForm(
            self._defaults(first), OPTIMIZER_CHOICES.get(first), ranges=OPTIMIZER_RANGES[first]
        )
        self._optimizer_form.setObjectName("optimizer_params")
        self._optimizer_error = _error_label("optimizer_error")
        self.stability_label = QLabel()
        self.stability_label.setObjectName("stability_label")
        self.stability_label.setWordWrap(True)
        self.stability_label.setVisible(False)
        layout = QVBoxLayout(self._optimizer_box)
        layout.setContentsMargins(8, 6, 8, 8)
        layout.setSpacing(6)
        layout.addWidget(self._optimizer_combo)
        layout.addWidget(self._optimizer_form)
        layout.addWidget(self.stability_label)
        layout.addWidget(self._optimizer_error)

    def _build_schedule_box(self) -> None:
        """The schedule group: its name and parameters, the steps and the lr preview."""
        self._schedule_box = QGroupBox()
        self._schedule_names = schedule_names()  # the registry's, when the editor is made
        self._schedule_combo = _name_combo(self._schedule_names, "schedule")
        self._schedule_form = self._new_schedule_form(self._schedule_names[0])
        self._schedule_error = _error_label("schedule_error")
        self._steps = _int_box(1, MAX_STEPS)
        self._steps.setObjectName("steps")
        self._steps.setValue(DEFAULT_STEPS)
        self._steps.setSingleStep(50)
        self._steps_label = QLabel()
        self._steps_label.setBuddy(self._steps)
        top_row = QHBoxLayout()  # [schedule ▾]  steps [200]
        top_row.setContentsMargins(0, 0, 0, 0)
        top_row.setSpacing(6)
        top_row.addWidget(self._schedule_combo, 1)
        top_row.addWidget(self._steps_label)
        top_row.addWidget(self._steps)
        self.preview_plot = self._make_plot()
        self.preview_curve = pg.PlotDataItem(pen=pg.mkPen("#1e88e5", width=2))
        self.preview_plot.addItem(self.preview_curve)
        self._preview_caption = QLabel()
        self._preview_caption.setObjectName("preview_caption")
        caption_font = QFont(self._preview_caption.font())
        caption_font.setPointSizeF(max(caption_font.pointSizeF() - 1, 7))
        self._preview_caption.setFont(caption_font)
        self._preview_caption.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self._preview_caption.setWordWrap(True)
        layout = QVBoxLayout(self._schedule_box)
        layout.setContentsMargins(8, 6, 8, 8)
        layout.setSpacing(6)
        layout.addLayout(top_row)
        layout.addWidget(self._schedule_form)
        layout.addWidget(self._schedule_error)
        layout.addWidget(self.preview_plot)
        layout.addWidget(self._preview_caption)

    # --- public API -----------------------------------------------------------------------

    def set_run(self, run: dict[str, Any]) -> None:
        """Show ``run``'s optimizer, schedule (absent / None: constant) and steps; no ``changed``.

        Raises ``ValueError`` for an unknown optimizer, schedule or parameter name.
        """
        optimizer = dict(run["optimizer"])
        name = optimizer.pop("name")
        if name not in OPTIMIZER_DEFAULTS:
            raise ValueError(f"unknown optimizer {name!r}")
        if name not in self.optimizer_names:
            raise ValueError(f"optimizer {name!r} is not offered here")
        schedule = dict(run.get("schedule") or {"name": "constant"})
        schedule_name = schedule.pop("name")
        if schedule_name not in SCHEDULE_DEFAULTS:
            raise ValueError(f"unknown schedule {schedule_name!r}")
        for what, given, known in (
            (name, optimizer, OPTIMIZER_DEFAULTS[name]),
            (schedule_name, schedule, SCHEDULE_DEFAULTS[schedule_name]),
        ):
            unknown = sorted(set(given) - set(known))
            if unknown:
                raise ValueError(f"unknown parameter(s) of {what!r}: {', '.join(unknown)}")
        with self._quiet():
            self._optimizer_combo.setCurrentIndex(self.optimizer_names.index(name))
            self._optimizer_form.rebuild(
                self._defaults(name), OPTIMIZER_CHOICES.get(name), OPTIMIZER_RANGES[name]
            )
            self._optimizer_form.set_values(optimizer)
            self._schedule_combo.setCurrentIndex(self._schedule_names.index(schedule_name))
            self._schedule_form.rebuild(
                SCHEDULE_DEFAULTS[schedule_name],
                SCHEDULE_CHOICES.get(schedule_name),
                SCHEDULE_RANGES.get(schedule_name),
            )
            self._schedule_form.set_values(schedule)
            self._steps.setValue(int(run.get("steps", DEFAULT_STEPS)))
        self._refresh()

    def run_data(self) -> dict[str, Any]:
        """``{"optimizer": {"name", **hyper}, "schedule": {"name", **params} or None, "steps"}``."""
        schedule_name = self._schedule_combo.currentData()
        schedule = (
            None
            if schedule_name == "constant"
            else {"name": schedule_name, **self._schedule_form.values()}
        )
        return {
            "optimizer": {
                "name": self._optimizer_combo.currentData(),
                **self._optimizer_form.values(),
            },
            "schedule": schedule,
            "steps": self._steps.value(),
        }

    def is_valid(self) -> bool:
        """Whether the shown optimizer builds and the schedule runs (no red message)."""
        return self._valid

    def set_stability_point(
        self, surface: object | None, point: tuple[float, float] | None
    ) -> None:
        """Show the lr's stability limit for the curvature of ``surface`` at ``point`` (the run's
        start); ``None`` hides it. Computed once per surface and point."""
        key = None if surface is None or point is None else (surface, tuple(map(float, point)))
        if key is not None and self._curvature_key is not None:
            same = key[0] is self._curvature_key[0] and key[1] == self._curvature_key[1]
            if same:
                return
        self._curvature_key = key
        self._curvature = None
        if key is not None:
            try:
                self._curvature = curvature_limit_at(surface, key[1])
            except (RuntimeError, ValueError):  # a surface autograd cannot differentiate twice
                self._curvature = None
        self._show_stability()

    def stability_limit(self) -> StabilityLimit | None:
        """The shown optimizer's lr limit at the start point (None: hidden, or none applies)."""
        return self._limit

    def lr_above_limit(self) -> bool:
        """Whether the lr is past the stability limit (the red cue is on)."""
        return self._limit is not None and self._limit.exceeded_by(self._lr)

    # --- building -------------------------------------------------------------------------

    @staticmethod
    def _defaults(name: str) -> dict[str, object]:
        return OPTIMIZER_DEFAULTS[name]

    @staticmethod
    def _new_schedule_form(name: str) -> _ParamForm:
        form = _ParamForm(
            SCHEDULE_DEFAULTS[name],
            SCHEDULE_CHOICES.get(name),
            tables=SCHEDULE_DEFAULTS,
            table_choices=SCHEDULE_CHOICES,
            ranges=SCHEDULE_RANGES.get(name),
            table_ranges=SCHEDULE_RANGES,
        )
        form.setObjectName("schedule_params")
        return form

    def _make_plot(self) -> pg.PlotWidget:
        palette = self.palette()
        plot = pg.PlotWidget(background=palette.color(QPalette.ColorRole.Base))
        plot.setObjectName("lr_preview")
        plot.setFixedHeight(110)
        plot.setMinimumWidth(120)
        # pyqtgraph's size hint is 600 px wide; the panel's width decides instead.
        plot.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        item = plot.getPlotItem()
        item.setMouseEnabled(x=False, y=False)
        item.setMenuEnabled(False)
        item.hideButtons()
        item.showGrid(x=True, y=True, alpha=0.15)
        item.layout.setContentsMargins(0, 4, 6, 0)
        font = QFont(self.font())
        font.setPointSizeF(max(font.pointSizeF() - 2, 6))
        text = palette.color(QPalette.ColorRole.Text)
        for side in ("left", "bottom"):
            axis = item.getAxis(side)
            axis.setStyle(tickFont=font, tickLength=-4)
            axis.setPen(pg.mkPen(palette.color(QPalette.ColorRole.Mid)))
            axis.setTextPen(pg.mkPen(text))
            axis.enableAutoSIPrefix(False)
        item.getAxis("bottom").setHeight(18)
        item.getAxis("left").setWidth(44)
        return plot

    def _style_preview(self) -> None:
        """The preview's colours follow the palette (theme), its sizes presenter mode."""
        look = appearance()
        palette = self.palette()
        self.preview_plot.setBackground(palette.color(QPalette.ColorRole.Base))
        self.preview_plot.setFixedHeight(round(110 * look.font_scale))
        self.preview_curve.setPen(look.pen("#1e88e5", 2))
        self._preview_caption.setFont(look.font(-1))
        item = self.preview_plot.getPlotItem()
        for side in ("left", "bottom"):
            axis = item.getAxis(side)
            axis.setStyle(tickFont=look.font(-2))
            axis.setPen(look.pen(palette.color(QPalette.ColorRole.Mid), 1))
            axis.setTextPen(pg.mkPen(palette.color(QPalette.ColorRole.Text)))
        item.getAxis("bottom").setHeight(round(18 * look.font_scale))
        item.getAxis("left").setWidth(round(44 * look.font_scale))

    # --- reactions ------------------------------------------------------------------------

    @contextmanager
    def _quiet(self) -> Iterator[None]:
        self._loading += 1
        try:
            yield
        finally:
            self._loading -= 1

    def _optimizer_chosen(self, _index: int) -> None:
        if self._loading:
            return
        lr = self._optimizer_form.values().get("lr")
        name = self._optimizer_combo.currentData()
        self._optimizer_form.rebuild(
            self._defaults(name), OPTIMIZER_CHOICES.get(name), OPTIMIZER_RANGES[name]
        )
        if lr is not None and "lr" in self._defaults(name):
            self._optimizer_form.set_values({"lr": lr})
        self._edited()

    def _schedule_chosen(self, _index: int) -> None:
        if self._loading:
            return
        name = self._schedule_combo.currentData()
        self._schedule_form.rebuild(
            SCHEDULE_DEFAULTS[name], SCHEDULE_CHOICES.get(name), SCHEDULE_RANGES.get(name)
        )
        self._edited()

    def _edited(self) -> None:
        if self._loading:
            return
        data = self._refresh()
        if data is not None:
            self.changed.emit(data)

    def _refresh(self) -> dict[str, Any] | None:
        """Validate, show errors and the preview; the data if it is valid, else None."""
        data = self.run_data()
        optimizer = dict(data["optimizer"])
        name = optimizer.pop("name")
        optimizer_error = _failure(lambda: check_optimizer(name, **optimizer))
        lr = float(optimizer.get("lr", 0.0) or 0.0)
        curve: np.ndarray | None = None

        def preview() -> None:
            nonlocal curve
            curve = preview_lr(data["schedule"], lr, data["steps"])

        schedule_error = _failure(preview)
        self._show_error(self._optimizer_error, optimizer_error)
        self._show_error(self._schedule_error, schedule_error)
        self._show_preview(curve)
        self._valid = not optimizer_error and not schedule_error
        self._show_stability()
        return data if self._valid else None

    def _show_stability(self) -> None:
        """The limit under the form; the label and the lr box red while the lr is above it."""
        optimizer = self.run_data()["optimizer"]
        curvature = self._curvature
        limit = None
        if curvature is not None and math.isfinite(curvature.lambda_max):
            limit = optimizer_lr_limit(curvature.lambda_max, optimizer)
        self._limit = limit
        self._lr = float(optimizer.get("lr", 0.0) or 0.0)
        above = self.lr_above_limit()
        text, tip = ("", "") if limit is None else stability_texts(limit, curvature, above)
        self.stability_label.setText(text)
        self.stability_label.setToolTip(tip)
        self.stability_label.setVisible(bool(text))
        self.stability_label.setStyleSheet("color: #d32f2f; font-weight: bold;" if above else "")
        if "lr" in self._optimizer_form.names():
            self._optimizer_form.editor("lr").setStyleSheet("color: #d32f2f;" if above else "")

    @staticmethod
    def _show_error(label: QLabel, message: str) -> None:
        label.setText(message)
        label.setVisible(bool(message))

    def _show_preview(self, lrs: np.ndarray | None) -> None:
        if lrs is None or not len(lrs):
            self.preview_curve.setData([], [])
            self._preview_caption.setText("")
            return
        steps = np.arange(len(lrs))
        self.preview_curve.setData(steps, lrs)
        top = float(np.max(lrs))
        item = self.preview_plot.getPlotItem()
        item.setXRange(0, max(len(lrs) - 1, 1), padding=0.02)
        item.setYRange(0.0, top * 1.08 if top > 0 else 1.0, padding=0)
        first, last = (format_number(float(v), 3) for v in (lrs[0], lrs[-1]))
        self._preview_caption.setText(
            self.tr("lr at step 0: {0} · peak: {1} · last: {2}").format(
                first, format_number(top, 3), last
            )
        )

    # --- language -------------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:  # Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
            self._refresh()
        super().changeEvent(event)

    def _retranslate(self) -> None:
        self._optimizer_box.setTitle(self.tr("Optimizer"))
        self._schedule_box.setTitle(self.tr("Learning-rate schedule"))
        for combo in (self._optimizer_combo, self._schedule_combo):
            for i in range(combo.count()):
                combo.setItemText(i, _tr(HUMAN_NAMES[combo.itemData(i)]))
        self._optimizer_combo.setToolTip(self.tr("The optimizer this run uses."))
        self._schedule_combo.setToolTip(
            self.tr("How the learning rate changes over the run (the curve below).")
        )
        self._steps_label.setText(param_label("steps"))
        tip = param_tooltip("steps")
        self._steps_label.setToolTip(tip)
        self._steps.setToolTip(tip)
        self.preview_plot.setToolTip(self.tr("The learning rate at each step of the run."))
        self._optimizer_form.retranslate()
        self._schedule_form.retranslate()


def _failure(action: Callable[[], object]) -> str:
    """The error message of ``action``, or "" when it succeeds."""
    try:
        action()
    except (ValueError, TypeError, RuntimeError, OverflowError, ZeroDivisionError) as error:
        return str(error) or error.__class__.__name__
    return ""
