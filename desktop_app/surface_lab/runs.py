"""The Surface Lab's runs: the run list, adding, removing, editing and starting runs, swarms.

A mixin of :class:`desktop_app.surface_lab.page.SurfaceLabPage`. What a run *is* lives in the
page's lab model (``model.runs``: validated :class:`core.scene.RunSpec` values in list order,
``model.selected_run``); a :class:`RunState` keeps only what the running needs (the engine
generator, its offset, whether it is done). The run list widget, the start markers and the
curves' colours and visibility are derived from the model when ``events.runs`` fires.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QColorDialog, QListWidgetItem

from core.palette import OUTLINE, RUN_COLOURS, next_free_colour, run_style
from core.scene import RunSpec

# The run colours (core.palette: Okabe-Ito, colour-blind safe); kept under this name for the
# modules that import it. A new run takes the first one no run uses (next_free_colour).
PALETTE = list(RUN_COLOURS)
DEFAULT_OPTIMIZER = {"name": "sgd", "lr": 0.001, "momentum": 0.9}
HUMAN_NAMES = {
    "sgd": "SGD",
    "adam": "Adam",
    "adamw": "AdamW",
    "rmsprop": "RMSprop",
    "adagrad": "Adagrad",
    "lbfgs": "L-BFGS",
    "newton": "Newton",
}


def is_swarm(spec: RunSpec) -> bool:
    """A run of many start points (drawn as a swarm, not as paths)."""
    return spec.starts is not None and len(spec.starts) > 1


@dataclass(eq=False)
class RunState:
    """A run's runtime: its engine and progress. Its description is its spec in the model."""

    id: str
    spec_of: Callable[[str], RunSpec]  # the page's lookup in ``model.runs``
    engine: Any = None  # the engine generator, kept so a job can continue it
    offset: int = 0  # step of this engine's start ("continue from here" restarts mid-run)
    done: bool = False
    # The engine computed this run's records (False: replayed from the cache or a shipped seed).
    # Set by the worker; read once the run is done (the launch report, packaging's check).
    computed: bool = False
    extra: dict[str, Any] = field(default_factory=dict)  # "failed", "layout", "basin_labels"

    @property
    def spec(self) -> RunSpec:
        return self.spec_of(self.id)

    @property
    def label(self) -> str:
        return self.spec.label

    @property
    def optimizer(self) -> dict[str, Any]:
        return self.spec.optimizer.model_dump()

    @property
    def schedule(self) -> dict[str, Any] | None:
        schedule = self.spec.schedule
        return schedule.to_config() if schedule is not None else None

    @property
    def steps(self) -> int:
        return self.spec.steps

    @property
    def starts(self) -> list[tuple[float, float]]:
        return [(float(x), float(y)) for x, y in self.spec.start_points()]

    @property
    def visible(self) -> bool:
        return self.spec.visible

    @property
    def swarm(self) -> bool:
        return is_swarm(self.spec)

    @property
    def batch_size(self) -> int | None:
        return self.spec.batch_size

    @property
    def seed(self) -> int:
        return self.spec.seed

    @property
    def color(self) -> QColor:
        """The spec's hex colour as a QColor, made here where it is drawn."""
        return QColor(self.spec.color or PALETTE[0])


def run_spec_data(
    optimizer: dict[str, Any],
    schedule: dict[str, Any] | None,
    steps: int,
    starts: list,
    *,
    label: str,
    color: str,
    visible: bool = True,
    swarm: bool = False,
) -> dict[str, Any]:
    """The scene data of one run (``RunSpec``'s fields): one start, or a swarm's starts."""
    data: dict[str, Any] = {
        "label": label,
        "optimizer": dict(optimizer),
        "steps": int(steps),
        "color": color,
        "visible": visible,
    }
    if schedule:
        data["schedule"] = dict(schedule)
    points = [[float(x), float(y)] for x, y in starts]
    if swarm:
        data["starts"] = points
    else:
        data["start"] = points[0]
    return data


class RunsMixin:
    """The run list and the runs' specs in the lab model."""

    def _init_runs(self) -> None:
        self._states: dict[str, RunState] = {}
        self._ids = itertools.count(1)

    # -- the model's state, read-only views for other modules ------------------------------------

    @property
    def runs(self) -> Mapping[str, RunState]:
        """The runs by id, in list order (read-only: edit through the page's methods)."""
        return MappingProxyType(self._states)

    @property
    def selected(self) -> str | None:
        """The selected run's id (``model.selected_run``)."""
        return self.model.selected_run

    def _spec_of(self, run_id: str) -> RunSpec:
        return dict(zip(self._states, self.model.runs, strict=True))[run_id]

    def _validated(self, data: dict[str, Any]) -> RunSpec | None:
        """``data`` as a validated RunSpec, or None (the problem goes to the status bar)."""
        try:
            return RunSpec.model_validate(data)
        except ValueError as error:
            errors = getattr(error, "errors", None)
            message = errors(include_url=False)[0]["msg"] if callable(errors) else str(error)
            self.statusMessage.emit(
                QCoreApplication.translate("SurfaceLabPage", "Run not changed: {0}").format(message)
            )
            return None

    def _replace_spec(self, run_id: str, validate: bool = True, **changes: Any) -> bool:
        """Put a run's changed spec in the model (validated); False if it is refused."""
        index = list(self._states).index(run_id)
        old = self.model.runs[index]
        if validate:
            spec = self._validated({**old.model_dump(exclude_none=True), **changes})
            if spec is None:
                return False
        else:  # a flag or a colour: nothing to check, and a swarm is not validated again
            spec = old.model_copy(update=changes)
        runs = self.model.runs
        self.model.runs = (*runs[:index], spec, *runs[index + 1 :])
        return True

    # -- derived views -----------------------------------------------------------------------------

    def _on_runs_changed(self, *_args) -> None:
        """``model.runs`` changed: the list, the start markers and the curves follow it."""
        for index, run in enumerate(self._states.values()):
            # Run number ``index`` has that number's dash and marker (core.palette.run_style).
            color, visible, label = run.color, run.visible, run.label
            if not run.swarm:
                self.map.ensure_run(run.id, color, index, label, legend=False)
                self.map.set_start(run.id, *run.starts[0])
                self.map.set_run_visible(run.id, visible, legend=False)
            self.plots.ensure_run(run.id, color, index=index)
            self.plots.set_run_visible(run.id, visible, refit=False)
        self.map.refresh_legend()  # once for all the runs: rebuilding it per run was quadratic
        self.plots.refit()
        self._sync_run_list()
        self._show_start()
        self._dirty = True

    def _sync_run_list(self) -> None:
        """One row per run, in the model's order, with its label, check box and swatch."""
        self.run_list.blockSignals(True)
        for row in reversed(range(self.run_list.count())):
            if self.run_list.item(row).data(Qt.ItemDataRole.UserRole) not in self._states:
                self.run_list.takeItem(row)
        for row, run in enumerate(self._states.values()):
            item = self.run_list.item(row)
            if item is None or item.data(Qt.ItemDataRole.UserRole) != run.id:
                item = QListWidgetItem()
                item.setData(Qt.ItemDataRole.UserRole, run.id)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                self.run_list.insertItem(row, item)
            item.setText(self._item_text(run))
            checked = Qt.CheckState.Checked if run.visible else Qt.CheckState.Unchecked
            item.setCheckState(checked)
            if "failed" not in run.extra:  # a failed run keeps its warning sign
                item.setIcon(self._swatch(run.color, None if run.swarm else row))
        self.run_list.setCurrentItem(self._item_for(self.selected or ""))
        self.run_list.blockSignals(False)

    def _on_selection(self, *_args) -> None:
        """``model.selected_run`` changed: the list's current row, the editor and the start."""
        self.run_list.blockSignals(True)
        self.run_list.setCurrentItem(self._item_for(self.selected or ""))
        self.run_list.blockSignals(False)
        run = self._states.get(self.selected or "")
        if run is not None:
            self.editor.set_run(
                {"optimizer": run.optimizer, "schedule": run.schedule, "steps": run.steps}
            )
        self._show_start()
        self._dirty = True

    def _show_start(self) -> None:
        run = self._states.get(self.selected or "")
        if run is None:
            return
        for spin, value in zip((self.start_x, self.start_y), run.starts[0], strict=True):
            spin.blockSignals(True)
            spin.setValue(value)
            spin.blockSignals(False)

    # -- adding and removing -----------------------------------------------------------------------

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
        """Add a run (validated into the model) and select it; its id, or "" if refused."""
        if starts is None:
            x0, x1 = self.surface.x_range
            y0, y1 = self.surface.y_range
            starts = [(x0 + 0.2 * (x1 - x0), y0 + 0.8 * (y1 - y0))]
        optimizer = dict(optimizer or DEFAULT_OPTIMIZER)
        colour = QColor(color or self._free_colour()).name()
        data = run_spec_data(
            optimizer,
            schedule,
            steps,
            starts,
            label=label or self._default_label(optimizer),
            color=colour,
            visible=visible,
            swarm=swarm,
        )
        spec = self._validated(data)
        return "" if spec is None else self._add_spec(spec, compute=compute)

    def _add_spec(self, spec: RunSpec, compute: bool = True) -> str:
        return self._add_specs([spec], compute)[-1]

    def _add_specs(self, specs: Sequence[RunSpec], compute: bool = True) -> list[str]:
        """Add runs in one change of the model (a scene's runs: the list, markers and legend
        follow once); the last one is selected. Their ids."""
        run_ids, added = [], []
        for spec in specs:
            run_id = f"run{next(self._ids)}"
            if spec.color is None or not spec.label:
                spec = spec.model_copy(
                    update={
                        "color": QColor(spec.color or self._free_colour(added)).name(),
                        "label": spec.label or self._default_label(spec.optimizer.model_dump()),
                    }
                )
            self._states[run_id] = RunState(id=run_id, spec_of=self._spec_of)
            run_ids.append(run_id)
            added.append(spec)
        if not run_ids:
            return []
        self.model.runs = (*self.model.runs, *added)  # the list and the markers follow
        self.model.selected_run = run_ids[-1]
        if compute:
            self._compute_runs(run_ids)
        self.sceneChanged.emit()
        return run_ids

    def _free_colour(self, adding: Sequence[RunSpec] = ()) -> str:
        """The first palette colour no run uses, nor one of ``adding`` (runs being added with
        it); after a removal, its colour is free again."""
        return next_free_colour([s.color for s in (*self.model.runs, *adding) if s.color])

    @staticmethod
    def _default_label(optimizer: dict) -> str:
        name = optimizer.get("name", "sgd")
        return HUMAN_NAMES.get(name, name)

    @staticmethod
    def _item_text(run: RunState) -> str:
        spec = run.spec
        return f"{spec.label}  ·  {len(spec.starts)} pts" if is_swarm(spec) else spec.label

    @staticmethod
    def _swatch(color: QColor, index: int | None = None) -> QIcon:
        """The run's colour; with its ``index``, also its dash and marker as drawn on the map
        (the list then reads like the map's legend, in grey print too)."""
        if index is None:
            pixmap = QPixmap(14, 14)
            pixmap.fill(color)
            return QIcon(pixmap)
        from pyqtgraph.graphicsItems.ScatterPlotItem import drawSymbol

        style = run_style(index)
        pixmap = QPixmap(28, 14)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(QColor(color), 2)
        if style.dash:
            pen.setDashPattern(list(style.dash))
        painter.setPen(pen)
        painter.drawLine(0, 7, 28, 7)
        painter.translate(14, 7)
        outline = QPen(QColor(OUTLINE), 1)
        outline.setCosmetic(True)  # drawSymbol scales the painter to the symbol's size
        drawSymbol(painter, style.symbol, 10, outline, QBrush(QColor(color)))
        painter.end()
        return QIcon(pixmap)

    def _item_for(self, run_id: str) -> QListWidgetItem | None:
        for row in range(self.run_list.count()):
            item = self.run_list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == run_id:
                return item
        return None

    def _drop_run(self, run_id: str) -> None:
        self._drop_runs([run_id])

    def _drop_runs(self, run_ids: Sequence[str]) -> None:
        """Remove runs in one change of the model; if the selected one goes, the list's next
        remaining row (or the one above) is selected."""
        drop = [run_id for run_id in run_ids if run_id in self._states]
        if not drop:
            return
        order = list(self._states)
        if self.selected in drop:
            index = order.index(self.selected)
            rest = [r for r in order[index + 1 :] if r not in drop]
            rest = rest or [r for r in order[:index] if r not in drop][-1:]
            self.model.selected_run = rest[0] if rest else None
        for run_id in drop:
            self.service.bump(run_id)
            del self._states[run_id]
            self.recorder.remove(run_id)
            self.curvatures.remove(run_id)
            self.map.remove_run(run_id, legend=False)
            self.plots.remove_run(run_id, refit=False)
        self.map.refresh_legend()
        self.plots.refit()
        self.model.runs = tuple(
            spec for run_id, spec in zip(order, self.model.runs, strict=True) if run_id not in drop
        )
        if not any(r.swarm for r in self._states.values()):
            self.map.set_swarm(None)
            self.map.set_basins(None)
        self._dirty = True

    def remove_selected(self) -> None:
        if self.selected:
            self._drop_run(self.selected)
            self.sceneChanged.emit()

    def duplicate_selected(self) -> None:
        run = self._states.get(self.selected or "")
        if run is not None:
            self.add_run(
                copy.deepcopy(run.optimizer),
                copy.deepcopy(run.schedule),
                run.steps,
                list(run.starts),
                run.label + " ′",
                swarm=run.swarm,
            )

    # -- editing -----------------------------------------------------------------------------------

    def set_run_visible(self, run_id: str, visible: bool) -> None:
        self._replace_spec(run_id, validate=False, visible=bool(visible))

    def set_run_color(self, run_id: str, color: QColor | str) -> None:
        self._replace_spec(run_id, validate=False, color=QColor(color).name())

    def _choose_colour(self) -> None:
        run = self._states.get(self.selected or "")
        if run is None:
            return
        color = QColorDialog.getColor(
            run.color, self, QCoreApplication.translate("SurfaceLabPage", "Run colour")
        )
        if color.isValid():
            self.set_run_color(run.id, color)

    def _item_changed(self, item: QListWidgetItem) -> None:
        run_id = item.data(Qt.ItemDataRole.UserRole)
        if run_id in self._states:
            self.set_run_visible(run_id, item.checkState() == Qt.CheckState.Checked)

    def _selection_changed(self, current: QListWidgetItem | None, _previous) -> None:
        self.model.selected_run = current.data(Qt.ItemDataRole.UserRole) if current else None

    def select_run(self, run_id: str) -> None:
        if run_id in self._states:
            self.model.selected_run = run_id

    def _editor_changed(self, data: dict) -> None:
        run = self._states.get(self.selected or "")
        if run is None:
            return
        changed = self._replace_spec(
            run.id,
            optimizer=dict(data["optimizer"]),
            schedule=data.get("schedule"),
            steps=int(data.get("steps", run.steps)),
        )
        if not changed:
            return
        if self.continue_on_change.isChecked() and not run.swarm:
            self._continue_run(run.id, int(self.cursor))
        else:
            self._restart_run(run.id)
        self.sceneChanged.emit()

    def set_start(self, run_id: str, x: float, y: float) -> None:
        run = self._states[run_id]
        point = (float(x), float(y))  # one start, also for a scene that gave it as "starts"
        if run.swarm or not self._replace_spec(run_id, start=point, starts=None):
            return
        self._restart_run(run_id)
        self.sceneChanged.emit()

    def _map_clicked(self, x: float, y: float, add: bool) -> None:
        selected = self._states.get(self.selected or "")
        if add or selected is None or selected.swarm:
            self.add_run(
                optimizer=selected.optimizer if selected else None,
                schedule=selected.schedule if selected else None,
                starts=[(x, y)],
            )
        else:
            self.set_start(selected.id, x, y)

    def _start_dragged(self, run_id: str, x: float, y: float) -> None:
        if run_id in self._states:
            self.select_run(run_id)
            self.set_start(run_id, x, y)

    def _start_edited(self) -> None:
        run = self._states.get(self.selected or "")
        if run is not None and not run.swarm:
            self.set_start(run.id, self.start_x.value(), self.start_y.value())
