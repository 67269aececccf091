"""Driving the Network Lab's backend (:class:`TrainingMixin`): play, pause and step, a training
started over, batches into the run histories, curvature and landscapes, and waiting (tests,
benchmarks, shutdown). Curvature and landscapes are computed by the backend after training has
paused, so a model is never used by two threads."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QStyle

from core.nets.ensembles import AveragedRecord, SnapshotRecord
from core.nets.experiments import EXPERIMENTS, Conclusion
from core.nets.models import build_model
from core.nets.ratios import RatioRecord, parameter_label
from core.nets.trainer import EpochRecord, StepRecord
from core.noise_scale import NoiseRecord
from desktop_app.network_lab.history import RunHistory, local_text
from desktop_app.network_lab.session import Finished, Snapshot, TrainingSpec
from desktop_app.style import tinted_icon

TRAIN_KEY, CURVATURE_KEY, LANDSCAPE_KEY = "train", "curvature", "landscape"


class TrainingMixin:
    """The page's training: ``spec`` is the training on view, ``history`` its records."""

    # -- transport -------------------------------------------------------------------------------

    def _start_training_job(self, epochs: int | None) -> None:
        # the update ratios (a few norms per update) and the noise scale (a per-example gradient
        # pass) cost training time: each is recorded while its tab shows
        shown = self.views.currentWidget()
        watch = {self.ratio_panel: ("ratios",), self.noise_panel: ("noise_scale",)}.get(shown, ())
        self.backend.run(epochs, self.training_form.max_rate(), watch)

    def _view_tab_changed(self, *_args) -> None:
        """A monitor's tab shown or hidden while training: the job goes on, hooked accordingly."""
        if self.playing and self._started:
            self._start_training_job(epochs=None)

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

    def reset(self) -> None:
        """The same settings from epoch 0 again."""
        if self.spec is not None:
            self._start_over(self.spec, self.labels)

    def has_trained_model(self) -> bool:
        """Whether a run has trained at least one epoch (rebuilding would lose its weights)."""
        return any(h.last is not None and h.last.epoch > 0 for h in self.history.values())

    # -- a training from epoch 0 -----------------------------------------------------------------

    def _start_over(self, spec: TrainingSpec, labels: list[str]) -> None:
        """Forget the old training; the backend builds the new one and shows its epoch 0."""
        self.set_playing(False)
        self.clear_derived()  # the derived plots described the old model
        self.spec = spec
        self.kind, self.labels = spec.kind, labels
        self.history = {label: RunHistory() for label in labels}
        self.snapshots, self.averaged_snapshots = {}, {}
        self.finished = False
        self.view_combo.blockSignals(True)
        self.view_combo.clear()
        for label in labels:
            self.view_combo.addItem(label, label)
        self.view_combo.blockSignals(False)
        self.view_combo.setVisible(len(labels) > 1)
        self.view_run = labels[0]
        if spec.kind == "race":  # every member's picture, side by side
            self.model_view.show_race(labels, self.datasets[self.view_run])
        else:
            self.model_view.show_data(self.datasets[self.view_run])
        regression = self.datasets[self.view_run].task == "regression"
        self.curves.set_runs(labels, spec.kind, regression)
        self.curves.set_epoch_range(self._planned_epochs(spec))
        self._start_diagnostics(spec, regression)
        if self._started:
            self.backend.new_training(spec)
            self._start_training_job(epochs=0)

    def _start_diagnostics(self, spec: TrainingSpec, regression: bool) -> None:
        """The ratio and snapshot panels of a new training (a single network's only)."""
        single = spec.kind == "single"
        labels = {}
        if single:
            data = self.datasets[self.view_run]
            model = build_model(spec.model, data.input_dim, data.output_dim)
            labels = {
                name: parameter_label(name, model)
                for name, parameter in model.named_parameters()
                if parameter.requires_grad and name.endswith("weight") and parameter.dim() > 1
            }
        self.ratio_panel.set_parameters(labels, recorded=single)
        self.noise_panel.reset(recorded=single)
        state = ("on" if spec.snapshots else "off") if single else "unrecorded"
        self.snapshot_panel.start(state, regression)
        self.show_averaged.setVisible(single and bool(spec.average))

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

    # -- results ---------------------------------------------------------------------------------

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
        if getattr(item, "run", None) is not None and item.run not in self.history:
            return  # in flight when the content was replaced
        if isinstance(item, EpochRecord):
            self.history[item.run].add(item)
            if item.restored:
                self.statusMessage.emit(
                    QCoreApplication.translate(
                        "NetworkLabPage", "{0}: restored the weights of the best epoch {1}"
                    ).format(item.run, item.best_epoch)
                )
        elif self._take_diagnostics(item):
            pass
        elif isinstance(item, StepRecord):
            history = self.history[item.run]
            history.add_step(item.step / self._updates_per_epoch, item.loss)
        elif isinstance(item, Snapshot):
            self.snapshots[item.run] = item
        elif isinstance(item, Conclusion):
            what = QCoreApplication.translate("NetworkLabPage", "<b>What happened:</b> ")
            self.conclusion_label.setText(what + local_text(item.text))
            self.conclusion_label.setVisible(True)
        elif isinstance(item, Finished):
            self.finished = True
            self.set_playing(False)
            if "diverged" in item.statuses.values():
                self.statusMessage.emit(
                    QCoreApplication.translate(
                        "NetworkLabPage",
                        "Training diverged (the loss exploded): lower the learning rate.",
                    )
                )

    def _take_diagnostics(self, item: Any) -> bool:
        """A single run's ratios, averaged model or snapshot-ensemble cycle; False: none."""
        if isinstance(item, RatioRecord):
            self.history[item.run].add_ratios(item)
        elif isinstance(item, AveragedRecord):
            self.history[item.run].add_averaged(item)
        elif isinstance(item, SnapshotRecord):
            self.history[item.run].cycles.append(item)
        elif isinstance(item, NoiseRecord):
            self.history[item.run].add_noise(item)
        elif isinstance(item, Snapshot) and item.averaged:
            self.averaged_snapshots[item.run] = item
        else:
            return False
        return True

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

    # -- tests, benchmarks and shutdown ----------------------------------------------------------

    def epochs_done(self, label: str | None = None) -> int:
        history = self.history.get(label or self.view_run)
        return max(len(history) - 1, 0) if history else 0

    def wait_for(self, condition, timeout_s: float = 30.0) -> bool:
        """Process events until ``condition()`` holds (tests and benchmarks)."""
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
