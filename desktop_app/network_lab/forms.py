"""The Network Lab's side forms: the dataset, the model and the training settings.

Each form emits ``changed`` once per user edit (or a field losing focus); the page compares the
settings with the training's and rebuilds only when one really changed. The optimizer and
schedule are the Surface Lab's :class:`~desktop_app.surface_lab.run_editor.RunEditor`, offering
the optimizers core allows for networks (``core.nets.rules.network_optimizers``), whose "steps"
are epochs here (a network's schedule advances once per epoch).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QT_TRANSLATE_NOOP, QEvent, QSignalBlocker, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.nets.datasets import (
    AUGMENTATIONS,
    DATASET_DEFAULTS,
    DATASET_NAMES,
    DESCRIPTIONS,
    REGRESSION_1D,
    Augmentation,
)
from core.nets.models import ACTIVATIONS, INITS, MAX_DEPTH, MAX_WIDTH, ModelConfig
from core.nets.rules import network_optimizers
from desktop_app.i18n import current_language
from desktop_app.surface_lab.run_editor import RunEditor
from desktop_app.widgets.retranslating import Retranslating

# Marked for lupdate; DataForm translates them when it shows them.
DATASET_TITLES = {
    "circles": QT_TRANSLATE_NOOP("DataForm", "Circles"),
    "xor": QT_TRANSLATE_NOOP("DataForm", "XOR"),
    "gaussians": QT_TRANSLATE_NOOP("DataForm", "Two Gaussians"),
    "spiral": QT_TRANSLATE_NOOP("DataForm", "Spiral"),
    "moons": QT_TRANSLATE_NOOP("DataForm", "Moons"),
    "sine": QT_TRANSLATE_NOOP("DataForm", "Noisy sine (1D)"),
    "sinc": QT_TRANSLATE_NOOP("DataForm", "sin(5πx)/(5πx) (1D)"),
    "digits": QT_TRANSLATE_NOOP("DataForm", "Digits 8×8 (10 classes)"),
}
# Each augmentation's check-box label (its key is the scene file's name for it).
AUGMENTATION_LABELS = {
    "flip": QT_TRANSLATE_NOOP("DataForm", "flip"),
    "shift": QT_TRANSLATE_NOOP("DataForm", "shift"),
    "noise": QT_TRANSLATE_NOOP("DataForm", "noise"),
    "cutout": QT_TRANSLATE_NOOP("DataForm", "cutout"),
    "mixup": QT_TRANSLATE_NOOP("DataForm", "mixup"),
}
AUGMENTATION_TIPS = {
    "flip": QT_TRANSLATE_NOOP("DataForm", "Mirror left-right with probability 1/2."),
    "shift": QT_TRANSLATE_NOOP("DataForm", "Move by −1, 0 or +1 pixel along each axis."),
    "noise": QT_TRANSLATE_NOOP("DataForm", "Add Gaussian noise (std 0.1)."),
    "cutout": QT_TRANSLATE_NOOP("DataForm", "Blank a random 3×3 square."),
    "mixup": QT_TRANSLATE_NOOP(
        "DataForm", "Blend each image with another one, and their labels alike."
    ),
}


def _combo(items: list[tuple[str, Any]]) -> QComboBox:
    combo = QComboBox()
    for text, data in items:
        combo.addItem(text, data)
    return combo


def _select(combo: QComboBox, data: Any) -> None:
    index = combo.findData(data)
    if index >= 0:
        combo.setCurrentIndex(index)


class DataForm(Retranslating, QGroupBox):
    changed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(self.tr("Data"), parent)
        self.name = _combo([(self.tr(DATASET_TITLES[n]), n) for n in DATASET_NAMES])
        self.name.setObjectName("dataset")
        self.size = QSpinBox(minimum=4, maximum=20_000, singleStep=50)
        self.noise = QDoubleSpinBox(minimum=0.0, maximum=2.0, singleStep=0.05, decimals=2)
        self.seed = QSpinBox(minimum=0, maximum=1_000_000)
        self.val_percent = QSpinBox(minimum=5, maximum=90, value=30, suffix=" %")
        self.mismatch = _combo(
            [
                (self.tr("same distribution"), None),
                (self.tr("shifted"), "shift"),
                (self.tr("rotated"), "rotate"),
            ]
        )
        self.mismatch.setToolTip(
            self.tr(
                "Mismatch: draw the validation set from a shifted or rotated distribution; "
                "more training data will not close that gap."
            )
        )
        self.amount = QDoubleSpinBox(minimum=0.0, maximum=180.0, singleStep=0.1, decimals=2)
        self.amount.setToolTip(
            self.tr("Shift in input units (digits: pixels); rotation in degrees.")
        )
        mismatch_row = QHBoxLayout()
        mismatch_row.addWidget(self.mismatch, 1)
        mismatch_row.addWidget(self.amount)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setStyleSheet("color: gray;")
        self.augment_box = QWidget()
        boxes = QGridLayout(self.augment_box)
        boxes.setContentsMargins(0, 0, 0, 0)
        self.augment: dict[str, QCheckBox] = {}
        for index, name in enumerate(AUGMENTATIONS):
            box = QCheckBox(name)
            box.setToolTip(self.tr(AUGMENTATION_TIPS[name]))
            box.toggled.connect(self._augmentation_changed)
            boxes.addWidget(box, index // 3, index % 3)
            self.augment[name] = box
        self.preview = pg.GraphicsLayoutWidget()
        self.preview.setBackground("w")
        self.preview.setFixedHeight(86)
        self.preview_images: list[list[pg.ImageItem]] = []
        for row in range(2):
            items = []
            for col in range(8):
                box = self.preview.addViewBox(row=row, col=col, lockAspect=True)
                box.setMouseEnabled(False, False)
                box.invertY(True)
                image = pg.ImageItem(axisOrder="row-major")
                box.addItem(image)
                items.append(image)
            self.preview_images.append(items)
        self.preview_caption = QLabel(self.tr("top: training digits · bottom: augmented"))
        self.preview_caption.setStyleSheet("color: gray;")
        form = QFormLayout(self)
        form.addRow(self.tr("dataset"), self.name)
        form.addRow(self.description)
        form.addRow(self.tr("points"), self.size)
        form.addRow(self.tr("noise"), self.noise)
        form.addRow(self.tr("validation"), self.val_percent)
        form.addRow(self.tr("mismatch"), mismatch_row)
        form.addRow(self.tr("seed"), self.seed)
        self.augment_label = QLabel(self.tr("augmentation"))
        form.addRow(self.augment_label, self.augment_box)
        form.addRow(self.preview)
        form.addRow(self.preview_caption)
        self.name.currentIndexChanged.connect(self._dataset_chosen)
        for spin in (self.size, self.noise, self.seed, self.val_percent, self.amount):
            spin.editingFinished.connect(self._edited)
        self.mismatch.currentIndexChanged.connect(self._mismatch_chosen)
        self._last: dict[str, Any] | None = None
        self.set_settings({"name": "circles"})
        self.retranslate()

    def settings(self) -> dict[str, Any]:
        """``make_dataset``'s arguments."""
        mismatch = self.mismatch.currentData()
        return {
            "name": self.name.currentData(),
            "size": self.size.value(),
            "noise": self.noise.value(),
            "seed": self.seed.value(),
            "val_fraction": self.val_percent.value() / 100,
            "mismatch": mismatch,
            "mismatch_amount": self.amount.value() if mismatch else None,
        }

    def augmentation(self) -> Augmentation:
        if self.name.currentData() != "digits":
            return Augmentation()
        return Augmentation(**{name: box.isChecked() for name, box in self.augment.items()})

    def set_settings(self, data: dict[str, Any], augmentation: Augmentation | None = None) -> None:
        name = data["name"]
        defaults = DATASET_DEFAULTS[name]
        widgets = (self.name, self.size, self.noise, self.seed, self.val_percent, self.mismatch)
        blockers = [QSignalBlocker(w) for w in (*widgets, *self.augment.values())]
        _select(self.name, name)
        self.size.setMaximum(1797 if name == "digits" else 20_000)
        self.size.setValue(int(data.get("size") or defaults["size"]))
        noise = data.get("noise")
        self.noise.setValue(float(defaults["noise"] if noise is None else noise))
        self.seed.setValue(int(data.get("seed", 0)))
        self.val_percent.setValue(round(100 * float(data.get("val_fraction", 0.3))))
        _select(self.mismatch, data.get("mismatch"))
        self._set_amount(data.get("mismatch"), data.get("mismatch_amount"))
        for key, box in self.augment.items():
            box.setChecked(bool(augmentation and getattr(augmentation, key)))
        del blockers
        self._update_visibility()
        self._last = None  # the page compares the next edit with the settings it trains

    def show_preview(self, before: np.ndarray | None, after: np.ndarray | None) -> None:
        for row, images in enumerate((before, after)):
            for col, item in enumerate(self.preview_images[row]):
                if images is None or col >= len(images):
                    item.clear()
                else:
                    item.setImage(1.0 - images[col], levels=(0.0, 1.0), autoLevels=False)

    def _set_amount(self, mismatch: str | None, amount: float | None) -> None:
        from core.nets.datasets import DIGITS_MISMATCH_DEFAULTS, MISMATCH_DEFAULTS

        self.amount.setEnabled(mismatch is not None)
        if mismatch is None:
            return
        table = (
            DIGITS_MISMATCH_DEFAULTS if self.name.currentData() == "digits" else MISMATCH_DEFAULTS
        )
        with QSignalBlocker(self.amount):
            self.amount.setValue(float(table[mismatch] if amount is None else amount))

    def retranslate(self) -> None:
        """Every text of the form in the current language (the dataset's description too)."""
        self.setTitle(self.tr("Data"))
        for index, name in enumerate(DATASET_NAMES):
            self.name.setItemText(index, self.tr(DATASET_TITLES[name]))
        mismatches = (self.tr("same distribution"), self.tr("shifted"), self.tr("rotated"))
        for index, text in enumerate(mismatches):
            self.mismatch.setItemText(index, text)
        self.mismatch.setToolTip(
            self.tr(
                "Mismatch: draw the validation set from a shifted or rotated distribution; "
                "more training data will not close that gap."
            )
        )
        self.amount.setToolTip(
            self.tr("Shift in input units (digits: pixels); rotation in degrees.")
        )
        for name, box in self.augment.items():
            box.setText(self.tr(AUGMENTATION_LABELS[name]))
            box.setToolTip(self.tr(AUGMENTATION_TIPS[name]))
        self.preview_caption.setText(self.tr("top: training digits · bottom: augmented"))
        form = self.layout()
        rows = {
            self.name: self.tr("dataset"),
            self.size: self.tr("points"),
            self.noise: self.tr("noise"),
            self.val_percent: self.tr("validation"),
            self.seed: self.tr("seed"),
        }
        for field, text in rows.items():
            label = form.labelForField(field)
            if isinstance(label, QLabel):
                label.setText(text)
        self.augment_label.setText(self.tr("augmentation"))
        for index in range(form.rowCount()):  # the mismatch row holds a layout
            item = form.itemAt(index, QFormLayout.ItemRole.FieldRole)
            if item is not None and item.layout() is not None:
                layout = item.layout()
                if any(layout.itemAt(i).widget() is self.mismatch for i in range(layout.count())):
                    label = form.labelForField(layout)
                    if isinstance(label, QLabel):
                        label.setText(self.tr("mismatch"))
        self._update_visibility()

    def _update_visibility(self) -> None:
        name = self.name.currentData()
        digits = name == "digits"
        for widget in (self.augment_label, self.augment_box, self.preview, self.preview_caption):
            widget.setVisible(digits)
        texts = DESCRIPTIONS[name]
        self.description.setText(texts.get(current_language()) or texts["en"])
        rotate = self.mismatch.model().item(2)
        rotate.setEnabled(name not in REGRESSION_1D)

    def _dataset_chosen(self, _index: int) -> None:
        name = self.name.currentData()
        self.set_settings({"name": name, "seed": self.seed.value()})
        self._edited()

    def _mismatch_chosen(self, _index: int) -> None:
        self._set_amount(self.mismatch.currentData(), None)
        self._edited()

    def _augmentation_changed(self) -> None:
        self._edited()

    def _edited(self) -> None:
        current = {**self.settings(), "augmentation": self.augmentation()}
        if current != self._last:
            self._last = current
            self.changed.emit()


class ModelForm(Retranslating, QGroupBox):
    changed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(self.tr("Model"), parent)
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
        self.bn_stats.setStyleSheet("color: gray;")
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
        self.dropout.valueChanged.connect(self.changed)
        self.batch_norm.toggled.connect(self.changed)
        for combo in (self.activation, self.init, self.loss):
            combo.currentIndexChanged.connect(self.changed)
        self.retranslate()

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
        """Regression data take MSE only."""
        item = self.loss.model().item(0)
        item.setEnabled(not regression)
        if regression and self.loss.currentData() != "mse":
            with QSignalBlocker(self.loss):
                _select(self.loss, "mse")

    def _shape_edited(self) -> None:
        self._hidden = None
        self.changed.emit()


class TrainingForm(QGroupBox):
    changed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(self.tr("Training"), parent)
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
        layout = QVBoxLayout(self)
        layout.addWidget(self.editor)
        layout.addLayout(form)
        self.editor.changed.connect(lambda _data: self.changed.emit())
        for spin in (self.batch, self.patience, self.kfold, self.train_seed):
            spin.editingFinished.connect(self.changed)
        for box in (self.early, self.restore, self.per_step):
            box.toggled.connect(self.changed)
        self.retranslate()

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

    def set_values(self, values: dict[str, Any]) -> None:
        widgets = (self.batch, self.early, self.patience, self.restore, self.kfold)
        blockers = [QSignalBlocker(w) for w in (*widgets, self.train_seed, self.per_step)]
        self.editor.set_run(
            {
                "optimizer": values["optimizer"],
                "schedule": values.get("schedule"),
                "steps": max(1, int(values["epochs"])),
            }
        )
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
        del blockers
