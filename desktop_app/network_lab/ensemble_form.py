"""The Training form's notes-004 rows (:class:`EnsembleFields`): weight averaging (off, SWA from
epoch N, EMA with a decay) and snapshot ensembles (cycles of warm restarts). They write
``settings["training"]["average"]`` and ``["snapshots"]`` (absent: off), the plain data the scene
format holds (``core.scene_network``)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QWidget,
)

from core.nets.ensembles import DEFAULT_EMA_DECAY
from desktop_app.network_lab.fields import combo as _combo
from desktop_app.widgets.retranslating import Retranslating


class EnsembleFields(Retranslating, QWidget):
    """Two rows: "weight averaging" and "snapshot ensemble"; ``changed`` on a user edit."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.average = _combo([("off", "off"), ("SWA", "swa"), ("EMA", "ema")])
        self.average.setObjectName("average")
        self.start_epoch = QSpinBox(minimum=0, maximum=100_000, value=1)
        self.start_epoch.setObjectName("average_start")
        self.decay = QDoubleSpinBox(minimum=0.5, maximum=0.9999, decimals=4, singleStep=0.005)
        self.decay.setObjectName("average_decay")
        self.decay.setValue(DEFAULT_EMA_DECAY)
        self.snapshots = QCheckBox()
        self.snapshots.setObjectName("snapshots")
        self.cycles = QSpinBox(minimum=2, maximum=20, value=5)
        self.cycles.setObjectName("cycles")
        self.first_cycle = QSpinBox(minimum=1, maximum=10_000, value=40)
        self.first_cycle.setObjectName("first_cycle")
        self._t_mult = 1
        self.from_label, self.decay_label = QLabel(), QLabel()
        self.cycles_label, self.length_label = QLabel(), QLabel()
        # one field a row: the side column stays as narrow as the other forms
        self._form = QFormLayout(self)
        self._form.setContentsMargins(0, 0, 0, 0)
        self._form.addRow(self.tr("weight averaging"), self.average)
        self._form.addRow(self.from_label, self.start_epoch)
        self._form.addRow(self.decay_label, self.decay)
        self._form.addRow(self.tr("snapshot ensemble"), self.snapshots)
        self._form.addRow(self.cycles_label, self.cycles)
        self._form.addRow(self.length_label, self.first_cycle)
        for spin in (self.start_epoch, self.decay, self.cycles, self.first_cycle):
            spin.setKeyboardTracking(False)  # a typed number is one edit
            spin.valueChanged.connect(self._edited)
        self.average.currentIndexChanged.connect(self._average_chosen)
        self.snapshots.toggled.connect(self._snapshots_toggled)
        self.retranslate()
        self._enable()

    def retranslate(self) -> None:
        self.average.setItemText(0, self.tr("off"))
        self.average.setItemText(1, self.tr("SWA"))
        self.average.setItemText(2, self.tr("EMA"))
        self.average.setToolTip(
            self.tr(
                "Average the weights along the run (torch.optim.swa_utils): SWA, the mean of "
                "each epoch's weights from an epoch on; EMA, an exponential moving average "
                "after every update. Its validation loss is drawn as its own curve."
            )
        )
        self.from_label.setText(self.tr("from epoch"))
        self.decay_label.setText(self.tr("EMA decay"))
        self.snapshots.setToolTip(
            self.tr(
                "Train in cycles of warm restarts (cosine learning rate) and keep the model at "
                "the end of each cycle: the ensemble of these snapshots against the latest alone."
            )
        )
        self.cycles_label.setText(self.tr("cycles"))
        self.length_label.setText(self.tr("cycle (epochs)"))
        for index, text in ((0, self.tr("weight averaging")), (3, self.tr("snapshot ensemble"))):
            label = self._form.itemAt(index, QFormLayout.ItemRole.LabelRole)
            if label is not None and isinstance(label.widget(), QLabel):
                label.widget().setText(text)

    def _enable(self) -> None:
        kind = self.average.currentData()
        self.start_epoch.setEnabled(kind != "off")
        self.decay.setEnabled(kind == "ema")
        on = self.snapshots.isChecked()
        self.cycles.setEnabled(on)
        self.first_cycle.setEnabled(on)

    # One or the other: the scene format takes averaging or snapshots, not both (a snapshot
    # ensemble already averages, over its cycles' models).
    def _average_chosen(self, *_args: Any) -> None:
        if self.average.currentData() != "off" and self.snapshots.isChecked():
            with QSignalBlocker(self.snapshots):
                self.snapshots.setChecked(False)
        self._edited()

    def _snapshots_toggled(self, on: bool) -> None:
        if on and self.average.currentData() != "off":
            with QSignalBlocker(self.average):
                self.average.setCurrentIndex(0)
        self._edited()

    def _edited(self, *_args: Any) -> None:
        self._enable()
        self.changed.emit()

    def values(self) -> dict[str, Any]:
        """``{"average": ..., "snapshots": ...}``, each only when on."""
        out: dict[str, Any] = {}
        kind = self.average.currentData()
        if kind != "off":
            out["average"] = {"kind": kind, "start_epoch": self.start_epoch.value()}
            if kind == "ema":
                out["average"]["decay"] = round(self.decay.value(), 4)
        if self.snapshots.isChecked():
            out["snapshots"] = {
                "cycles": self.cycles.value(),
                "first_cycle": self.first_cycle.value(),
                "t_mult": self._t_mult,  # a scene's, kept (the form offers equal cycles)
            }
        return out

    def set_values(self, training: dict[str, Any]) -> None:
        """Show ``training``'s averaging and snapshots (absent or None: off)."""
        widgets = (self.average, self.start_epoch, self.decay, self.snapshots)
        blockers = [QSignalBlocker(w) for w in (*widgets, self.cycles, self.first_cycle)]
        average = training.get("average") or {}
        self.average.setCurrentIndex(max(0, self.average.findData(average.get("kind", "off"))))
        self.start_epoch.setValue(int(average.get("start_epoch", 1)))  # off: the defaults
        self.decay.setValue(float(average.get("decay") or DEFAULT_EMA_DECAY))
        snapshots = training.get("snapshots") or {}
        self.snapshots.setChecked(bool(snapshots))
        self._t_mult = int(snapshots.get("t_mult", 1))
        self.cycles.setValue(int(snapshots.get("cycles", 5)))
        self.first_cycle.setValue(int(snapshots.get("first_cycle", 40)))
        del blockers
        self._enable()
