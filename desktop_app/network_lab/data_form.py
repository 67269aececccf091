"""The Network Lab's data form: the dataset, its number of classes (the K-class sets), size,
noise, validation share, mismatch, seed and the digits' augmentation; it writes
``settings["dataset"]`` into the lab model and shows what the model holds (see
:mod:`desktop_app.network_lab.forms`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QT_TRANSLATE_NOOP, QSignalBlocker
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QWidget,
)

from core.lab import LabModel
from core.nets.datasets import (
    AUGMENTATIONS,
    DATASET_DEFAULTS,
    DATASET_NAMES,
    DEFAULT_CLASSES,
    DESCRIPTIONS,
    MAX_CLASSES,
    MIN_CLASSES,
    MULTICLASS_2D,
    REGRESSION_1D,
    Augmentation,
)
from desktop_app.i18n import current_language
from desktop_app.network_lab.fields import combo as _combo
from desktop_app.network_lab.fields import form_model as _model
from desktop_app.network_lab.fields import select as _select
from desktop_app.network_lab.settings import plain
from desktop_app.widgets.labels import hint
from desktop_app.widgets.retranslating import Retranslating

# Marked for lupdate; DataForm translates them when it shows them.
DATASET_TITLES = {
    "circles": QT_TRANSLATE_NOOP("DataForm", "Circles"),
    "xor": QT_TRANSLATE_NOOP("DataForm", "XOR"),
    "gaussians": QT_TRANSLATE_NOOP("DataForm", "Two Gaussians"),
    "spiral": QT_TRANSLATE_NOOP("DataForm", "Spiral"),
    "moons": QT_TRANSLATE_NOOP("DataForm", "Moons"),
    "blobs": QT_TRANSLATE_NOOP("DataForm", "Blobs (3–6 classes)"),
    "spirals": QT_TRANSLATE_NOOP("DataForm", "Spiral arms (3–6 classes)"),
    "pinwheel": QT_TRANSLATE_NOOP("DataForm", "Pinwheel (3–6 classes)"),
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


class DataForm(Retranslating, QGroupBox):
    """Writes ``settings["dataset"]``."""

    def __init__(self, model: LabModel | None = None, parent=None) -> None:
        super().__init__(self.tr("Data"), parent)
        self.model = _model(model)
        self.name = _combo([(self.tr(DATASET_TITLES[n]), n) for n in DATASET_NAMES])
        self.name.setObjectName("dataset")
        self.classes = QSpinBox(minimum=MIN_CLASSES, maximum=MAX_CLASSES, value=DEFAULT_CLASSES)
        self.classes.setObjectName("classes")
        self.classes.setToolTip(
            self.tr("Number of classes: one colour and one network output each.")
        )
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
        hint(self.description)
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
        self._build_preview()
        self.preview_caption = QLabel(self.tr("top: training digits · bottom: augmented"))
        hint(self.preview_caption)
        form = QFormLayout(self)
        form.addRow(self.tr("dataset"), self.name)
        form.addRow(self.description)
        self.classes_label = QLabel(self.tr("classes"))
        form.addRow(self.classes_label, self.classes)
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
        for spin in (self.classes, self.size, self.noise, self.seed, self.val_percent, self.amount):
            spin.setKeyboardTracking(False)  # a typed number is one edit, not one per digit
            spin.valueChanged.connect(self._edited)
        self.mismatch.currentIndexChanged.connect(self._mismatch_chosen)
        self.set_settings({"name": "circles"})
        self.retranslate()
        self.model.events.settings.connect(self._follow)
        self._follow()

    def settings(self) -> dict[str, Any]:
        """``make_dataset``'s arguments."""
        mismatch = self.mismatch.currentData()
        name = self.name.currentData()
        return {
            "name": name,
            "size": self.size.value(),
            "noise": self.noise.value(),
            "seed": self.seed.value(),
            "val_fraction": self.val_percent.value() / 100,
            "mismatch": mismatch,
            "mismatch_amount": self.amount.value() if mismatch else None,
            "classes": self.classes.value() if name in MULTICLASS_2D else None,
        }

    def _build_preview(self) -> None:
        """Eight training digits over their augmented versions."""
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

    def section(self) -> dict[str, Any]:
        """``settings["dataset"]``: the scene's dataset data of what the form shows."""
        section = {key: value for key, value in self.settings().items() if value is not None}
        augmentation = self.augmentation()
        if augmentation.any():
            fields = Augmentation.__dataclass_fields__
            section["augmentation"] = {name: getattr(augmentation, name) for name in fields}
        return plain(section)

    def _follow(self, *_event: Any) -> None:
        """Show the dataset the model holds."""
        dataset = self.model.settings.get("dataset")
        if dataset is None or dataset == self.section():
            return
        self.set_settings(dataset, Augmentation(**dataset.get("augmentation", {})))

    def augmentation(self) -> Augmentation:
        if self.name.currentData() != "digits":
            return Augmentation()
        return Augmentation(**{name: box.isChecked() for name, box in self.augment.items()})

    def set_settings(self, data: dict[str, Any], augmentation: Augmentation | None = None) -> None:
        name = data["name"]
        defaults = DATASET_DEFAULTS[name]
        widgets = (
            self.name,
            self.classes,
            self.size,
            self.noise,
            self.seed,
            self.val_percent,
            self.mismatch,
        )
        blockers = [QSignalBlocker(w) for w in (*widgets, *self.augment.values())]
        _select(self.name, name)
        self.size.setMaximum(1797 if name == "digits" else 20_000)
        self.size.setValue(int(data.get("size") or defaults["size"]))
        self.classes.setValue(int(data.get("classes") or DEFAULT_CLASSES))
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
        self.classes_label.setText(self.tr("classes"))
        self.classes.setToolTip(
            self.tr("Number of classes: one colour and one network output each.")
        )
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
        for widget in (self.classes_label, self.classes):
            widget.setVisible(name in MULTICLASS_2D)
        texts = DESCRIPTIONS[name]
        self.description.setText(texts.get(current_language()) or texts["en"])
        rotate = self.mismatch.model().item(2)
        rotate.setEnabled(name not in REGRESSION_1D)

    def _dataset_chosen(self, _index: int) -> None:
        name = self.name.currentData()
        self.set_settings(
            {"name": name, "seed": self.seed.value(), "classes": self.classes.value()}
        )
        self._edited()

    def _mismatch_chosen(self, _index: int) -> None:
        self._set_amount(self.mismatch.currentData(), None)
        self._edited()

    def _augmentation_changed(self) -> None:
        self._edited()

    def _edited(self) -> None:
        self.model.update_settings(dataset=self.section())  # no event when nothing changed
