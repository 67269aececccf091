"""The Network Lab's side forms: the dataset, the model and the training settings.

Each form writes what the user set into the lab model (``model.update_settings``: its part of the
settings, :mod:`desktop_app.network_lab.settings`) and shows whatever the model holds (it follows
``model.events.settings``), so a scene, an experiment or "Keep training" reaches every field. A
spin box commits a typed number once (Enter, focus loss, arrows), not per keystroke, and a field
left unchanged writes nothing. The optimizer and schedule are the Surface Lab's
:class:`~desktop_app.surface_lab.run_editor.RunEditor`, offering the optimizers core allows for
networks (``core.nets.rules.network_optimizers``), whose "steps" are epochs here (a network's
schedule advances once per epoch). The data form lives in
:mod:`desktop_app.network_lab.data_form`.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QSignalBlocker, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from core.lab import LabModel
from core.nets.datasets import REGRESSION_1D
from core.nets.models import ACTIVATIONS, INITS, MAX_DEPTH, MAX_WIDTH, ModelConfig
from core.nets.rules import network_optimizers
from desktop_app.lr_range.texts import button_text, button_tip
from desktop_app.network_lab.data_form import DataForm
from desktop_app.network_lab.ensemble_form import EnsembleFields
from desktop_app.network_lab.fields import combo as _combo
from desktop_app.network_lab.fields import form_model as _model
from desktop_app.network_lab.fields import select as _select
from desktop_app.network_lab.fields import shows as _shows
from desktop_app.network_lab.settings import plain
from desktop_app.surface_lab.run_editor import RunEditor
from desktop_app.widgets.labels import hint
from desktop_app.widgets.retranslating import Retranslating

__all__ = ["DataForm", "ModelForm", "TrainingForm"]


class ModelForm(Retranslating, QGroupBox):
    """Writes ``settings["model"]`` and ``settings["loss"]``."""

    def __init__(self, model: LabModel | None = None, parent=None) -> None:
        super().__init__(self.tr("Model"), parent)
        self.model = _model(model)
        self.depth = QSpinBox(minimum=0, maximum=MAX_DEPTH, value=2)
        self.depth.setToolTip(self.tr("Hidden layers (0: a linear model)."))
        self.width = QSpinBox(minimum=1, maximum=MAX_WIDTH, value=8)
        self.width.setToolTip(self.tr("Units in each hidden layer."))
        self.activation = _combo([(n, n) for n in ACTIVATIONS])
        self.activation.setCurrentIndex(list(ACTIVATIONS).index("tanh"))
        self.batch_norm = QCheckBox(self.tr("batch norm"))
        self.batch_norm.setToolTip(
            self.tr(
                "After each linear layer: normalize with the batch's mean and variance in "
                "training, with running averages in eval mode (the validation curves)."
            )
        )
        self.dropout = QDoubleSpinBox(minimum=0.0, maximum=0.9, singleStep=0.1, decimals=2)
        self.dropout.setToolTip(
            self.tr("Inverted dropout: in training each hidden unit is off with probability p.")
        )
        self.init = _combo([(n, n) for n in INITS])
        self.init.setToolTip(
            self.tr(
                "default: torch's · xavier: for tanh/sigmoid · kaiming: for ReLU · small: "
                "N(0, 0.01²) · zeros: every unit the same (symmetry never breaks)"
            )
        )
        self.loss = _combo([(self.tr("cross-entropy"), "cross_entropy"), ("MSE", "mse")])
        self.loss.setToolTip(
            self.tr("For classes, MSE compares the softmax probabilities with one-hot targets.")
        )
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.bn_stats = QLabel()
        self.bn_stats.setWordWrap(True)
        hint(self.bn_stats)
        shape = QHBoxLayout()
        self._layers_label = QLabel(self.tr("layers"))
        self._units_label = QLabel(self.tr("× units"))
        shape.addWidget(self._layers_label)
        shape.addWidget(self.depth)
        shape.addWidget(self._units_label)
        shape.addWidget(self.width)
        regular = QHBoxLayout()
        regular.addWidget(self.batch_norm)
        self._dropout_label = QLabel(self.tr("dropout p"))
        regular.addWidget(self._dropout_label)
        regular.addWidget(self.dropout)
        form = QFormLayout(self)
        form.addRow(shape)
        form.addRow(self.tr("activation"), self.activation)
        form.addRow(regular)
        form.addRow(self.tr("initialization"), self.init)
        form.addRow(self.tr("loss"), self.loss)
        form.addRow(self.summary)
        form.addRow(self.bn_stats)
        self._hidden: tuple[int, ...] | None = None  # a scene's own widths until edited
        for spin in (self.depth, self.width, self.dropout):
            spin.setKeyboardTracking(False)  # a typed number is one edit, not one per digit
        for spin in (self.depth, self.width):
            spin.valueChanged.connect(self._shape_edited)
        self.dropout.valueChanged.connect(self._edited)
        self.batch_norm.toggled.connect(self._edited)
        for combo in (self.activation, self.init, self.loss):
            combo.currentIndexChanged.connect(self._edited)
        self.retranslate()
        self.model.events.settings.connect(self._follow)
        self._follow()

    def retranslate(self) -> None:
        self.setTitle(self.tr("Model"))
        self.depth.setToolTip(self.tr("Hidden layers (0: a linear model)."))
        self.width.setToolTip(self.tr("Units in each hidden layer."))
        self.batch_norm.setText(self.tr("batch norm"))
        self.batch_norm.setToolTip(
            self.tr(
                "After each linear layer: normalize with the batch's mean and variance in "
                "training, with running averages in eval mode (the validation curves)."
            )
        )
        self.dropout.setToolTip(
            self.tr("Inverted dropout: in training each hidden unit is off with probability p.")
        )
        self.init.setToolTip(
            self.tr(
                "default: torch's · xavier: for tanh/sigmoid · kaiming: for ReLU · small: "
                "N(0, 0.01²) · zeros: every unit the same (symmetry never breaks)"
            )
        )
        init_names = {"default": self.tr("default"), "small": self.tr("small")}
        init_names["zeros"] = self.tr("zeros")  # xavier and kaiming: their authors' names
        for value, text in init_names.items():
            self.init.setItemText(self.init.findData(value), text)
        self.loss.setItemText(self.loss.findData("cross_entropy"), self.tr("cross-entropy"))
        self.loss.setItemText(self.loss.findData("mse"), self.tr("MSE"))
        self.loss.setToolTip(
            self.tr("For classes, MSE compares the softmax probabilities with one-hot targets.")
        )
        self._layers_label.setText(self.tr("layers"))
        self._units_label.setText(self.tr("× units"))
        self._dropout_label.setText(self.tr("dropout p"))
        form = self.layout()
        rows = {
            self.activation: self.tr("activation"),
            self.init: self.tr("initialization"),
            self.loss: self.tr("loss"),
        }
        for field, text in rows.items():
            label = form.labelForField(field)
            if isinstance(label, QLabel):
                label.setText(text)

    def config(self) -> ModelConfig:
        hidden = self._hidden or (self.width.value(),) * self.depth.value()
        return ModelConfig(
            hidden=hidden,
            activation=self.activation.currentData(),
            batch_norm=self.batch_norm.isChecked(),
            dropout=self.dropout.value(),
            init=self.init.currentData(),
        )

    def loss_name(self) -> str:
        return self.loss.currentData()

    def section(self) -> dict[str, Any]:
        """``settings["model"]`` and ``settings["loss"]`` of what the form shows."""
        config = self.config()
        model = {
            "hidden": list(config.hidden),
            "activation": config.activation,
            "batch_norm": config.batch_norm,
            "dropout": config.dropout,
            "init": config.init,
        }
        return {"model": model, "loss": self.loss_name()}

    def _follow(self, *_event: Any) -> None:
        """Show the model and loss the model holds (and offer MSE only for regression data)."""
        settings = self.model.settings
        if "model" not in settings:
            return
        dataset = settings.get("dataset", {}).get("name")
        self.set_task(dataset in REGRESSION_1D)
        wanted = {"model": settings["model"], "loss": settings.get("loss")}
        if wanted != self.section():
            model = settings["model"]
            config = ModelConfig(**{**model, "hidden": tuple(model.get("hidden", ()))})
            self.set_config(config, settings.get("loss") or "cross_entropy")

    def _edited(self) -> None:
        self.model.update_settings(**self.section())

    def set_config(self, config: ModelConfig, loss: str) -> None:
        widgets = (self.depth, self.width, self.activation, self.batch_norm, self.dropout)
        blockers = [QSignalBlocker(w) for w in (*widgets, self.init, self.loss)]
        self.depth.setValue(len(config.hidden))
        if config.hidden:
            self.width.setValue(max(config.hidden))
        uniform = len(set(config.hidden)) <= 1
        self._hidden = None if uniform else tuple(config.hidden)
        _select(self.activation, config.activation)
        self.batch_norm.setChecked(config.batch_norm)
        self.dropout.setValue(config.dropout)
        _select(self.init, config.init)
        _select(self.loss, loss)
        del blockers

    def set_task(self, regression: bool) -> None:
        """Regression data take MSE only (the page puts it in the settings)."""
        self.loss.model().item(0).setEnabled(not regression)

    def _shape_edited(self) -> None:
        self._hidden = None
        self._edited()


class TrainingForm(QGroupBox):
    """Writes ``settings["training"]`` and ``settings["per_step"]``."""

    def __init__(self, model: LabModel | None = None, parent=None) -> None:
        super().__init__(self.tr("Training"), parent)
        self.model = _model(model)
        self.editor = RunEditor(optimizers=network_optimizers())  # core says which fit a network
        self.editor.findChild(QSpinBox, "steps").setKeyboardTracking(False)  # typed: one edit
        self.editor.set_run(
            {"optimizer": {"name": "adam", "lr": 0.03}, "schedule": None, "steps": 300}
        )
        self._relabel_steps()
        self.batch = QSpinBox(minimum=0, maximum=20_000, value=0, singleStep=8)
        self.batch.setSpecialValueText(self.tr("full batch"))
        self.batch.setToolTip(
            self.tr("Examples per update; 'full batch' uses the whole training set.")
        )
        self.early = QCheckBox(self.tr("early stopping, patience"))
        self.patience = QSpinBox(minimum=1, maximum=10_000, value=20)
        self.restore = QCheckBox(self.tr("restore best weights"))
        self.restore.setChecked(True)
        stopping = QHBoxLayout()
        stopping.addWidget(self.early)
        stopping.addWidget(self.patience)
        self.kfold = QSpinBox(minimum=1, maximum=20, value=1)
        self.kfold.setSpecialValueText(self.tr("off"))
        self.kfold.setToolTip(
            self.tr("k-fold cross-validation: k trainings, each validated on another fold.")
        )
        self.per_step = QCheckBox(self.tr("also plot the mini-batch loss of every step"))
        self.train_seed = QSpinBox(minimum=0, maximum=1_000_000)
        self.train_seed.setToolTip(self.tr("Initial weights and the order of the batches."))
        self.speed = _combo(
            [
                (self.tr("as fast as possible"), 0.0),
                (self.tr("100 epochs/s"), 100.0),
                (self.tr("20 epochs/s"), 20.0),
                (self.tr("5 epochs/s"), 5.0),
            ]
        )
        form = QFormLayout()
        form.addRow(self.tr("batch size"), self.batch)
        form.addRow(stopping)
        form.addRow("", self.restore)
        form.addRow(self.tr("k-fold"), self.kfold)
        form.addRow(self.tr("weights seed"), self.train_seed)
        form.addRow(self.tr("speed"), self.speed)
        form.addRow(self.per_step)
        self._form = form
        self.ensembles = EnsembleFields()  # weight averaging and snapshot ensembles
        self.ensembles.changed.connect(self._edited)
        # The learning-rate range test; the page shows it once the main window gives it a
        # callback (``page.open_lr_range``).
        self.find_lr_button = QPushButton(button_text())
        self.find_lr_button.setObjectName("find_lr_button")
        self.find_lr_button.setVisible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.editor)
        layout.addWidget(self.find_lr_button)
        layout.addLayout(form)
        layout.addWidget(self.ensembles)
        self.editor.changed.connect(self._edited)  # valid edits only
        for spin in (self.batch, self.patience, self.kfold, self.train_seed):
            spin.setKeyboardTracking(False)  # a typed number is one edit, not one per digit
            spin.valueChanged.connect(self._edited)
        for box in (self.early, self.restore, self.per_step):
            box.toggled.connect(self._edited)
        self.retranslate()
        self.model.events.settings.connect(self._follow)
        self._follow()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt naming)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
            # The run editor retranslates its own "steps" label, maybe after this form: name it
            # "epochs" again once every widget has had the event.
            QTimer.singleShot(0, self, self._relabel_steps)  # dropped if this form is gone
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.setTitle(self.tr("Training"))
        self._relabel_steps()
        self.find_lr_button.setText(button_text())
        self.find_lr_button.setToolTip(button_tip())
        self.batch.setSpecialValueText(self.tr("full batch"))
        self.batch.setToolTip(
            self.tr("Examples per update; 'full batch' uses the whole training set.")
        )
        self.early.setText(self.tr("early stopping, patience"))
        self.restore.setText(self.tr("restore best weights"))
        self.kfold.setSpecialValueText(self.tr("off"))
        self.kfold.setToolTip(
            self.tr("k-fold cross-validation: k trainings, each validated on another fold.")
        )
        self.per_step.setText(self.tr("also plot the mini-batch loss of every step"))
        self.train_seed.setToolTip(self.tr("Initial weights and the order of the batches."))
        speeds = (
            self.tr("as fast as possible"),
            self.tr("100 epochs/s"),
            self.tr("20 epochs/s"),
            self.tr("5 epochs/s"),
        )
        for index, text in enumerate(speeds):
            self.speed.setItemText(index, text)
        rows = {
            self.batch: self.tr("batch size"),
            self.kfold: self.tr("k-fold"),
            self.train_seed: self.tr("weights seed"),
            self.speed: self.tr("speed"),
        }
        for field, text in rows.items():
            label = self._form.labelForField(field)
            if isinstance(label, QLabel):
                label.setText(text)

    def _relabel_steps(self) -> None:
        steps = self.editor.findChild(QSpinBox, "steps")
        for label in self.editor.findChildren(QLabel):
            if label.buddy() is steps:
                label.setText(self.tr("epochs"))
                label.setToolTip(self.tr("How many epochs to train (one pass over the data each)."))
        steps.setToolTip(self.tr("How many epochs to train (one pass over the data each)."))

    def values(self) -> dict[str, Any]:
        run = self.editor.run_data()
        return {
            "optimizer": run["optimizer"],
            "schedule": run["schedule"],
            "epochs": run["steps"],
            "batch_size": self.batch.value(),
            "patience": self.patience.value() if self.early.isChecked() else None,
            "restore_best": self.restore.isChecked(),
            "seed": self.train_seed.value(),
            "per_step": self.per_step.isChecked(),
            "kfold": self.kfold.value() if self.kfold.value() > 1 else None,
        }

    def is_valid(self) -> bool:
        return self.editor.is_valid()

    def max_rate(self) -> float:
        return float(self.speed.currentData())

    def section(self) -> dict[str, Any]:
        """``settings["training"]`` (the scene's training data) of what the form shows."""
        values = self.values()
        training = {key: values[key] for key in ("optimizer", "epochs", "batch_size", "seed")}
        if values["schedule"]:
            training["schedule"] = values["schedule"]
        if values["patience"] is not None:
            training["early_stopping"] = {
                "patience": values["patience"],
                "restore_best": values["restore_best"],
            }
        if values["kfold"]:
            training["kfold"] = values["kfold"]
        training.update(self.ensembles.values())
        return plain(training)

    def _edited(self, *_args: Any) -> None:
        self.model.update_settings(training=self.section(), per_step=self.per_step.isChecked())

    def _follow(self, *_event: Any) -> None:
        """Show the training settings the model holds."""
        settings = self.model.settings
        training = settings.get("training")
        if training is None:
            return
        per_step = bool(settings.get("per_step", False))
        if training == self.section() and per_step == self.per_step.isChecked():
            return
        stopping = training.get("early_stopping")
        self.set_values(
            {
                **training,
                "patience": stopping["patience"] if stopping else None,
                "restore_best": stopping.get("restore_best", True) if stopping else True,
                "per_step": per_step,
            }
        )

    def set_values(self, values: dict[str, Any]) -> None:
        widgets = (self.batch, self.early, self.patience, self.restore, self.kfold)
        blockers = [QSignalBlocker(w) for w in (*widgets, self.train_seed, self.per_step)]
        run = {
            "optimizer": values["optimizer"],
            "schedule": values.get("schedule"),
            "steps": max(1, int(values["epochs"])),
        }
        if not _shows(self.editor.run_data(), run):  # rebuilding its rows only when needed
            self.editor.set_run(run)
            self._relabel_steps()
        self.batch.setValue(int(values.get("batch_size", 0)))
        patience = values.get("patience")
        self.early.setChecked(patience is not None)
        if patience is not None:
            self.patience.setValue(int(patience))
        self.restore.setChecked(bool(values.get("restore_best", True)))
        self.kfold.setValue(int(values.get("kfold") or 1))
        self.train_seed.setValue(int(values.get("seed", 0)))
        self.per_step.setChecked(bool(values.get("per_step", False)))
        self.ensembles.set_values(values)
        del blockers
