"""What the Network Lab has recorded and how it is drawn: one :class:`RunHistory` per run, and
the page's drawing (:class:`DrawingMixin`: the ~30 Hz frame, the curves, the model view, the epoch
line) and :meth:`DrawingMixin.clear_derived`, which empties every view derived from a model."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QCoreApplication

from core.lab import TrajectoryStore
from core.nets.ensembles import AveragedRecord, SnapshotRecord
from core.nets.ratios import RatioRecord
from core.nets.trainer import EpochRecord
from core.noise_scale import NoiseRecord

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
AVERAGED_COLUMNS = ("epoch", "train_loss", "val_loss", "train_accuracy", "val_accuracy")
ERROR_STYLE = "<span style='color:#c62828'>"


class RunHistory:
    """One run's records in :class:`core.lab.TrajectoryStore` columns (read by ``draw``): row t
    of ``epochs`` is epoch t, row k of ``steps`` is the k-th optimizer update."""

    def __init__(self) -> None:
        self.epochs = TrajectoryStore({name: ((), float) for name in COLUMNS})
        self.steps = TrajectoryStore({"x": ((), float), "loss": ((), float)})
        self.last: EpochRecord | None = None
        # diagnostics of a single run (session.single_records)
        self.ratio_epochs: list[int] = []
        self.ratios: dict[str, list[float]] = {}  # parameter name -> mean ratio per epoch
        self.ratio_warnings: list[dict[str, str]] = []  # the latest epoch's, bilingual
        self.averaged = TrajectoryStore({name: ((), float) for name in AVERAGED_COLUMNS})
        self.averaged_kind = ""
        self.cycles: list[SnapshotRecord] = []
        self.noise: list[NoiseRecord] = []  # B_simple, measured while its tab shows

    def add(self, record: EpochRecord) -> None:
        self.epochs.append({name: [getattr(record, name)] for name in COLUMNS})
        self.last = record

    def add_ratios(self, record: RatioRecord) -> None:
        self.ratio_epochs.append(record.epoch)
        for name, ratio in record.ratios.items():
            self.ratios.setdefault(name, []).append(ratio)
        self.ratio_warnings = list(record.warnings)

    def add_noise(self, record: NoiseRecord) -> None:
        self.noise.append(record)

    def add_averaged(self, record: AveragedRecord) -> None:
        self.averaged.append({name: [getattr(record, name)] for name in AVERAGED_COLUMNS})
        self.averaged_kind = record.kind

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


def local_text(texts: dict[str, str]) -> str:
    """A bilingual text of ``core`` in the UI's language (English when it has none)."""
    from desktop_app.i18n import current_language

    return texts.get(current_language()) or texts.get("en", "")


class DrawingMixin:
    """The page's drawing: ``draw()`` is the only place views get training data."""

    def _frame(self) -> None:
        if self._dirty:
            self._dirty = False
            self.draw()

    def _unchanged(self, key: object, *parts: object) -> bool:
        """Whether the view ``key`` already shows ``parts`` (objects compared by identity,
        numbers and texts by value); remembers them when not. A frame re-sets only what changed
        since the last one: each ``setData`` recomputes bounds, downsampling and the autorange."""
        drawn = self._drawn.get(key)
        if (
            drawn is not None
            and len(drawn) == len(parts)
            and all(
                a is b or (isinstance(a, int | float | str) and a == b)
                for a, b in zip(drawn, parts, strict=True)
            )
        ):
            return True
        self._drawn[key] = parts
        return False

    def draw(self) -> None:
        """Draw the newest data into every view."""
        self._draw_run_curves()
        if self.kind == "kfold":
            self._draw_kfold_band()
        shown = self.history.get(self.view_run)
        if shown is not None and shown.last is not None and shown.last.best_epoch < len(shown):
            best = shown.last.best_epoch
            self.curves.set_best(best, shown.columns["val_loss"][best])
        else:
            self.curves.set_best(None, None)
        if self.kind == "race":
            for label, snapshot in self.snapshots.items():
                history = self.history.get(label)
                record = history.last if history else None
                if not self._unchanged(("race", label), snapshot, record, self.model_view.resets):
                    self.model_view.show_snapshot(snapshot, record)
            self._show_race_epoch()
            self.frames_drawn += 1
            return
        if shown is not None and self.kind == "single":
            self._draw_diagnostics(shown)
        snapshot = self.snapshots.get(self.view_run)
        if self.show_averaged.isChecked() and self.show_averaged.isVisibleTo(self):
            snapshot = self.averaged_snapshots.get(self.view_run, snapshot)
        if snapshot is not None and not self._unchanged(
            ("model",), snapshot, self.model_view.resets
        ):
            self.model_view.show_snapshot(snapshot)
            self._show_bn_stats(snapshot.bn_stats)
        self._show_epoch(shown)
        self.frames_drawn += 1

    def _draw_run_curves(self) -> None:
        """Each run's curves and mini-batch losses, where they grew since the last frame."""
        log = self.curves.log_loss.isChecked()
        for label, history in self.history.items():
            if not len(history):
                continue
            if not self._unchanged(("curves", label), history, len(history), log):
                self.curves.set_run_data(label, history.arrays())
            steps = len(history.steps)
            if steps and not self._unchanged(("steps", label), history, steps, log):
                self.curves.set_steps(label, history.step_x, history.step_loss)

    def _draw_diagnostics(self, history: RunHistory) -> None:
        """The update ratios, the averaged model's curve and the snapshot ensemble's cycles."""
        ratios = len(history.ratio_epochs)
        if not self._unchanged(("ratios",), history, ratios):
            self.ratio_panel.show_ratios(
                history.ratio_epochs, history.ratios, history.ratio_warnings
            )
        averaged = history.averaged
        log = self.curves.log_loss.isChecked()
        if len(averaged) and not self._unchanged(("averaged",), history, len(averaged), log):
            self.curves.set_averaged(
                averaged.column("epoch"), averaged.column("val_loss"), history.averaged_kind
            )
        self.snapshot_panel.show_cycles(history.cycles)
        noise = history.noise
        if len(noise) != len(self.noise_panel.epochs):
            batch = noise[-1].batch_size if noise else 0
            self.noise_panel.show_noise(
                [r.epoch for r in noise], [r.b_simple for r in noise], batch
            )

    def _show_bn_stats(self, stats: list[tuple[float, float]]) -> None:
        text = "; ".join(f"L{i + 1} mean {m:+.2f} var {v:.2f}" for i, (m, v) in enumerate(stats))
        prefix = QCoreApplication.translate(
            "NetworkLabPage", "batch-norm running averages (eval mode): "
        )
        self.model_form.bn_stats.setText(prefix + text if stats else "")

    def _kfold_losses(self) -> np.ndarray:
        """The folds' validation loss (one row a fold) over the epochs every fold reached."""
        histories = list(self.history.values())
        reached = min((len(history) for history in histories), default=0)
        return np.array([history.columns["val_loss"][:reached] for history in histories])

    def _draw_kfold_band(self) -> None:
        """Mean and spread (1 sd) of the folds' validation loss over the epochs every fold
        reached."""
        losses = self._kfold_losses()
        if not losses.size:
            return
        epochs = np.arange(losses.shape[1], dtype=float)
        self.curves.set_band(epochs, losses.mean(0), losses.std(0))

    def _kfold_text(self) -> str:
        """The cross-validation estimate at the last epoch every fold reached: the folds' mean
        validation loss ± 1 sd (the band's), or "" before every fold has a record."""
        losses = self._kfold_losses()
        if not losses.size:
            return ""
        latest = losses[:, -1]
        return QCoreApplication.translate(
            "NetworkLabPage", "{0} folds · validation loss {1:.3g} ± {2:.3g} (mean ± 1 sd)"
        ).format(len(latest), latest.mean(), latest.std())

    def _show_epoch(self, history: RunHistory | None) -> None:
        if self._error_shown():
            return
        if history is None or history.last is None:
            self.epoch_label.setText(QCoreApplication.translate("NetworkLabPage", "epoch 0"))
            return
        last = history.last
        total = self.spec.train.epochs if self.spec is not None and self.spec.train else None
        text = QCoreApplication.translate("NetworkLabPage", "epoch {0}").format(last.epoch)
        text += f" / {total}" if total else ""
        text += QCoreApplication.translate(
            "NetworkLabPage", " · train loss {0:.4g} · validation loss {1:.4g}"
        ).format(last.train_loss, last.val_loss)
        if math.isfinite(last.val_accuracy):
            text += QCoreApplication.translate(
                "NetworkLabPage", " · validation accuracy {0:.1%}"
            ).format(last.val_accuracy)
        if last.stopped:
            text += QCoreApplication.translate("NetworkLabPage", " · stopped early")
        if last.restored:
            text += QCoreApplication.translate(
                "NetworkLabPage", " · best epoch {0} restored"
            ).format(last.best_epoch)
        if len(self.labels) > 1:
            text = f"{self.view_run}: " + text
        if self.kind == "kfold":  # the estimate of all folds, before the fold on view
            text = " · ".join(part for part in (self._kfold_text(), text) if part)
        self.epoch_label.setText(text)

    def race_leader(self) -> EpochRecord | None:
        """The race's leader: the latest record with the lowest validation loss (diverged
        networks are out), or None before an epoch is trained (at the start nobody leads:
        members that differ only in their optimizer are the same network)."""
        latest = [h.last for h in self.history.values() if h.last is not None]
        running = [r for r in latest if not r.diverged and math.isfinite(r.val_loss)]
        running = [r for r in running if r.epoch > 0]
        return min(running, key=lambda r: r.val_loss) if running else None

    def _show_race_epoch(self) -> None:
        """The epoch line of a race: the epoch, then who leads and by what."""
        if self._error_shown():
            return
        latest = [h.last for h in self.history.values() if h.last is not None]
        if not latest:
            self.epoch_label.setText(QCoreApplication.translate("NetworkLabPage", "epoch 0"))
            return
        epoch = max(record.epoch for record in latest)
        text = QCoreApplication.translate("NetworkLabPage", "epoch {0}").format(epoch)
        total = self.spec.train.epochs if self.spec is not None and self.spec.train else None
        text += f" / {total}" if total else ""
        leader = self.race_leader()
        if leader is not None:
            text += QCoreApplication.translate(
                "RaceBox", " · leader: {0} (validation loss {1:.4g})"
            ).format(leader.run, leader.val_loss)
            if math.isfinite(leader.val_accuracy):
                text += QCoreApplication.translate(
                    "NetworkLabPage", " · validation accuracy {0:.1%}"
                ).format(leader.val_accuracy)
        diverged = sum(record.diverged for record in latest)
        if diverged:
            text += QCoreApplication.translate("RaceBox", " · {0} diverged").format(diverged)
        self.epoch_label.setText(text)

    def _error_shown(self) -> bool:
        return self.epoch_label.text().startswith(ERROR_STYLE)

    def _show_error(self, text: str) -> None:
        self.epoch_label.setText(f"{ERROR_STYLE}{text}</span>" if text else "")

    def clear_derived(self) -> None:
        """Empty every view derived from a model (its model is gone): the decision boundary,
        fitted curve and confusion matrix, the curves, the curvature and landscape panels, the
        conclusion, the batch-norm line and the epoch line."""
        self.model_view.clear_predictions()
        self.curves.set_runs([], "single", regression=False)
        self.curvature.clear()
        self.landscape.clear()
        self.conclusion_label.setVisible(False)
        self.conclusion_label.setText("")
        self.model_form.bn_stats.setText("")
        self._show_error("")
        self._drawn.clear()  # the views are empty: the next frame draws everything
        self._dirty = True
