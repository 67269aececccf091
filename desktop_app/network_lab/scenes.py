"""The Network Lab's one state (:class:`ModelStateMixin`): the page's ``core.lab.LabModel``.

Two events drive the page. ``events.settings`` (a form wrote a setting, a clicked point, "Keep
training" put the trained settings back): the training is rebuilt when the settings differ from
those of the training on view, after asking when a trained model would be lost. ``events.
generation`` (a scene or a one-click experiment replaced the content): one handler clears every
derived item. Scenes are read into the model and saved from it (:meth:`scene_data`).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
from PySide6.QtCore import QCoreApplication, QSignalBlocker

from core.nets.datasets import Dataset, augmentation_preview, make_dataset
from core.nets.experiments import EXPERIMENTS
from core.nets.spec import NetworkSetup
from desktop_app.network_lab.history import local_text
from desktop_app.network_lab.race import MAX_MEMBERS, race_is_on, race_members
from desktop_app.network_lab.session import TrainingSpec
from desktop_app.network_lab.settings import (
    fitted,
    member_setup,
    network_section,
    settings_of_scene,
    settings_of_setup,
    setup_of_settings,
    snapshot_train,
    training_extras,
)


class ModelStateMixin:
    """Settings and content of the page, from ``self.model``."""

    def _watch_model(self) -> None:
        self._trained: dict[str, Any] | None = None  # the settings of the training on view
        self._asking = False
        self._loading = False
        self.model.events.settings.connect(self._settings_changed)
        self.model.events.generation.connect(self._content_replaced)

    # -- the settings ----------------------------------------------------------------------------

    def _settings_changed(self, *_event: Any) -> None:
        """The settings changed: rebuild when they differ from the training's (asking first when
        a trained model would be lost; "Keep training" puts the trained settings back)."""
        if self._asking:
            return  # the question took the focus: nothing to take twice
        settings = self.model.settings
        if settings == self._trained:
            if self._error_shown():
                self._show_error("")  # back to valid settings: the training goes on
                self._dirty = True
            return
        wanted = fitted(settings, self._trained)
        if wanted != settings:
            self.model.settings = wanted  # the event of that change does the rest
            return
        try:
            race = self._race_plan(settings)  # first: its own messages beat the scene format's
            setup, data, points = self._plan(settings)
        except ValueError as error:
            self.statusMessage.emit(str(error))
            self._show_error(str(error))
            self._scene_edited()
            return
        if self.has_trained_model() and not self._confirm_rebuild():
            self.model.settings = self._trained  # every form shows the trained settings again
            return
        self._build(settings, setup, data, points, race)
        self._scene_edited()

    def _scene_edited(self) -> None:
        if not self._loading:
            self.sceneChanged.emit()  # the documents autosave the edit

    def _confirm_rebuild(self) -> bool:
        self._asking = True
        try:
            return self.ask_rebuild()
        finally:
            self._asking = False

    def _plan(self, settings: dict[str, Any]) -> tuple[NetworkSetup, Dataset, list]:
        """The setup, dataset and clicked points of valid settings; raises ValueError saying
        what the trainer would refuse (checked here, by core's rules, so it shows at once)."""
        from core.nets.models import loss_function
        from core.nets.rules import batch_norm_problem, kfold_problem

        model, training = settings.get("model", {}), settings.get("training", {})
        hidden, batch_norm = model.get("hidden", ()), model.get("batch_norm", False)
        if batch_norm_problem(training.get("batch_size", 0), batch_norm, hidden):
            raise ValueError(
                QCoreApplication.translate(
                    "NetworkLabPage", "batch norm needs batches of at least 2 samples"
                )
            )
        setup = setup_of_settings(settings)
        _average, snapshots = training_extras(settings)
        if snapshots is not None and not setup.kfold and not race_is_on(settings):
            setup = replace(setup, train=snapshot_train(setup.train, snapshots))
        points = [(float(x), float(y), int(c)) for x, y, c in settings.get("points", [])]
        data = make_dataset(**setup.data)
        if points:
            xy = np.array([(x, y) for x, y, _ in points])
            data = data.with_points(xy, np.array([c for _, _, c in points]))
        loss_function(setup.train.loss, data.task, data.classes)
        if kfold_problem(setup.kfold, len(data.x_train) + len(data.x_val)):
            raise ValueError(
                QCoreApplication.translate("NetworkLabPage", "k-fold needs at least k samples")
            )
        return setup, data, points

    def _race_plan(self, settings: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
        """Each race member's label and validated training config (empty: no race); raises
        ValueError saying what is wrong with the race."""
        if not race_is_on(settings):
            return ()
        members = race_members(settings)
        if len(members) > MAX_MEMBERS:
            raise ValueError(
                QCoreApplication.translate("RaceBox", "A race has at most {0} networks.").format(
                    MAX_MEMBERS
                )
            )
        if settings.get("training", {}).get("kfold"):
            raise ValueError(
                QCoreApplication.translate("RaceBox", "A race trains without k-fold: turn it off.")
            )
        labels = [str(member.get("label", "")).strip() for member in members]
        if not all(labels) or len(set(labels)) < len(labels):
            raise ValueError(
                QCoreApplication.translate(
                    "RaceBox", "Each network of the race needs its own name."
                )
            )
        race = []
        for label, member in zip(labels, members, strict=True):
            try:
                race.append((label, member_setup(settings, member)))
            except ValueError as error:
                raise ValueError(f"{label}: {error}") from error
        return tuple(race)

    def _build(
        self,
        settings: dict,
        setup: NetworkSetup,
        data: Dataset,
        points: list,
        race: tuple[tuple[str, Any], ...] = (),
    ) -> None:
        """Show the data and start the training of these settings (a race's, when ``race``
        holds its members) from epoch 0."""
        self._show_error("")
        self.experiment_key = None
        self._trained = settings
        self.added_points = points
        self.data = data
        kfold = setup.kfold
        labels = [f"fold {i + 1}" for i in range(kfold)] if kfold else ["network"]
        if race:
            labels = [label for label, _config in race]
        self.datasets = dict.fromkeys(labels, data)
        self._show_model_summary(setup.model, data)
        self._show_augmentation(data, setup.train.augmentation)
        batch = setup.train.batch_size or len(data.x_train)
        self._updates_per_epoch = max(1, math.ceil(len(data.x_train) / batch))
        average, snapshots = training_extras(settings)
        single = not race and not kfold  # the diagnostics are a single network's
        spec = TrainingSpec(
            kind="race" if race else ("kfold" if kfold else "single"),
            data=setup.data,
            points=tuple(points),
            model=setup.model,
            train=setup.train,
            kfold=None if race else kfold,
            race=race,
            average=tuple(average.items()) if average and single else (),
            snapshots=bool(snapshots) and single,
            device=self.device,
        )
        self._start_over(spec, labels)

    def rebuild(self, settings: dict[str, Any] | None = None) -> None:
        """Train ``settings`` (default: the model's) from epoch 0, without asking: whatever was
        trained goes (benchmarks, tests)."""
        self.set_playing(False)
        self.history, self._trained = {}, None
        self._apply(self.model.settings if settings is None else settings)

    def _show_augmentation(self, data: Dataset, augmentation) -> None:
        if data.image_shape is None:
            return
        before, after = augmentation_preview(data, augmentation, count=8)
        self.data_form.show_preview(before, after if augmentation.any() else None)

    # -- the content -----------------------------------------------------------------------------

    def _content_replaced(self, *_event: Any) -> None:
        """A new document: every item derived from the old one goes, and so does its training
        and its race (the new content's settings bring their own)."""
        self.set_playing(False)
        if "race" in self.model.settings:
            without = {k: v for k, v in self.model.settings.items() if k != "race"}
            with self.model.events.settings.blocked():  # the new content's settings follow
                self.model.settings = without
            self.race_box.follow()
        self.clear_derived()
        self.history, self.snapshots = {}, {}
        self.spec = None
        with QSignalBlocker(self.view_combo):
            self.view_combo.clear()
        self.view_combo.setVisible(False)
        self.experiment_key = None
        self._trained = None
        self.added_points = []
        self._show_scene_text()

    def _apply(self, settings: dict[str, Any]) -> None:
        """The page's own write of the settings (a scene's, the defaults): rebuilt even when the
        model held them already (no event then)."""
        if self.model.settings == settings:
            self._settings_changed()
        else:
            self.model.settings = settings

    def load_scene(self, scene, source: str = "file") -> None:
        """Show a network scene's dataset, model and training (paused at epoch 0)."""
        settings = settings_of_scene(scene)
        self._loading = True
        try:
            self.model.replace_content(
                scene,
                source=source,
                kind="network",
                title=dict(scene.title),
                description=dict(scene.description),
            )
            self._apply(settings)
        finally:
            self._loading = False

    def scene_data(self) -> dict[str, Any]:
        """The model's settings, title and description as scene JSON data (validated)."""
        from core.scene import parse_scene, scene_to_dict

        data = {
            "format": 1,
            "title": dict(self.model.title),
            "description": dict(self.model.description),
            "network": network_section(self.model.settings),
        }
        return scene_to_dict(parse_scene(data))

    def run_experiment(self, key: str) -> None:
        """A one-click experiment: its runs train together, then a conclusion is drawn."""
        experiment = EXPERIMENTS[key]
        with QSignalBlocker(self.experiment_combo):
            self.experiment_combo.setCurrentIndex(self.experiment_combo.findData(key))
        self._show_question()
        self._loading = True
        try:
            self.model.replace_content(
                None,
                source="experiment",
                kind="network",
                title=dict(experiment.title),
                description=dict(experiment.question),
            )
            self.datasets = {run.label: make_dataset(**run.data) for run in experiment.runs}
            labels = [run.label for run in experiment.runs]
            self.data = self.datasets[labels[0]]
            self._updates_per_epoch = 1
            self._start_over(TrainingSpec(kind="experiment", experiment=key), labels)
            self.experiment_key = key
            self._show_experiment_settings(labels[0])
        finally:
            self._loading = False
        self.conclusion_label.setText(local_text(experiment.question))
        self.conclusion_label.setVisible(True)
        self.set_playing(True)

    def _show_experiment_settings(self, label: str) -> None:
        """The forms show the settings of the experiment run on view; editing them leaves the
        experiment and trains that network as your own."""
        run = next(r for r in EXPERIMENTS[self.experiment_key].runs if r.label == label)
        setup = NetworkSetup(data=run.data, model=run.model, train=run.train)
        self._trained = settings_of_setup(setup)  # these settings keep the experiment
        self._show_model_summary(run.model, self.datasets[label])
        self.model.settings = self._trained

    # -- input -----------------------------------------------------------------------------------

    def add_point(self, x: float, y: float, cls: int) -> None:
        """A clicked training point (2D data); the training starts over with it."""
        if self.experiment_key is not None or self.data is None or self.data.input_dim != 2:
            return
        before = len(self.added_points)
        points = [*self.model.settings.get("points", []), [float(x), float(y), int(cls)]]
        self.model.update_settings(points=points)
        if len(self.added_points) <= before:
            return  # kept the trained model (or the settings are invalid)
        self.statusMessage.emit(
            QCoreApplication.translate(
                "NetworkLabPage", "Added a class {0} point at ({1:.2f}, {2:.2f}); {3} added so far"
            ).format(cls, x, y, len(self.added_points))
        )

    def _view_run_chosen(self, _index: int) -> None:
        label = self.view_combo.currentData()
        if label is None:
            return
        self.view_run = label
        if self.kind != "race":  # a race shows every member at once
            self.model_view.show_data(self.datasets[label])
        if self.experiment_key is not None:
            self._show_experiment_settings(label)
        self._dirty = True
