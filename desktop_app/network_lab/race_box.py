"""The Network Lab's "Race" box: a small table of networks that train at once on the same data
with the same architecture, each with its own optimizer, learning rate and batch size.

It writes ``settings["race"]`` (:mod:`desktop_app.network_lab.race`) into the lab model and shows
whatever the model holds, like the other forms. Presets fill the table from the training form's
settings: three optimizers, three learning rates around the training's, or batch sizes 1, 10 and
the full batch.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from core.lab import LabModel
from core.nets.rules import network_optimizers
from desktop_app.network_lab.fields import form_model
from desktop_app.network_lab.race import MAX_MEMBERS, MIN_MEMBERS, race_members
from desktop_app.network_lab.settings import plain, race_member_data
from desktop_app.surface_lab.run_editor import HUMAN_NAMES
from desktop_app.widgets.labels import hint
from desktop_app.widgets.retranslating import Retranslating

LABEL, OPTIMIZER, LR, BATCH = range(4)
PRESETS = ("optimizers", "learning_rates", "batch_sizes")


def optimizer_name(key: str) -> str:
    """An optimizer's human name in the current language (the run editor's)."""
    return QCoreApplication.translate("RunEditor", HUMAN_NAMES.get(key, key))


def _number(value: float) -> str:
    return f"{value:.4g}"


def _rounded(value: float) -> float:
    """A learning rate as the table shows it (4 significant digits: 0.1 * 0.03 is 0.003)."""
    return float(_number(value))


class RaceBox(Retranslating, QGroupBox):
    """Writes ``settings["race"]``: one row per network (name, optimizer, learning rate, batch)."""

    def __init__(self, model: LabModel | None = None, parent=None) -> None:
        super().__init__(parent)
        self.model = form_model(model)
        self.optimizers = network_optimizers()  # core says which fit a network
        self._extras: list[dict[str, Any]] = []  # each row's other hyper-parameters
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("race_table")
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(30)
        self.table.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.table.itemChanged.connect(self._edited)
        self.add_button = QPushButton()
        self.add_button.setObjectName("race_add")
        self.add_button.clicked.connect(self.add_member)
        self.remove_button = QPushButton()
        self.remove_button.setObjectName("race_remove")
        self.remove_button.clicked.connect(lambda: self.remove_member())
        self.preset_combo = QComboBox()
        self.preset_combo.setObjectName("race_preset")
        for key in PRESETS:
            self.preset_combo.addItem("", key)
        self.preset_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.preset_combo.setMinimumContentsLength(8)
        self.preset_button = QPushButton()
        self.preset_button.setObjectName("race_use_preset")
        self.preset_button.clicked.connect(
            lambda: self.apply_preset(self.preset_combo.currentData())
        )
        self.note = hint(QLabel())
        self.note.setWordWrap(True)
        buttons = QGridLayout()
        buttons.addWidget(self.add_button, 0, 0)
        buttons.addWidget(self.remove_button, 0, 1)
        buttons.addWidget(self.preset_combo, 1, 0)
        buttons.addWidget(self.preset_button, 1, 1)
        buttons.setColumnStretch(0, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self.retranslate()
        self.model.events.settings.connect(self.follow)
        self.follow()

    # -- texts ------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setTitle(self.tr("Race of networks"))
        self.table.setHorizontalHeaderLabels(
            [self.tr("name"), self.tr("optimizer"), self.tr("lr"), self.tr("batch")]
        )
        self.add_button.setText(self.tr("Add"))
        self.add_button.setToolTip(self.tr("Add a network with the training form's settings."))
        self.remove_button.setText(self.tr("Remove"))
        self.remove_button.setToolTip(self.tr("Remove the selected network (else the last one)."))
        presets = (
            self.tr("SGD vs Momentum vs Adam"),
            self.tr("three learning rates"),
            self.tr("batch sizes 1 / 10 / full"),
        )
        for index, text in enumerate(presets):
            self.preset_combo.setItemText(index, text)
        self.preset_button.setText(self.tr("Use preset"))
        self.preset_button.setToolTip(self.tr("Replace the race with the chosen preset."))
        for row in range(self.table.rowCount()):
            combo = self.table.cellWidget(row, OPTIMIZER)
            for index in range(combo.count()):
                combo.setItemText(index, optimizer_name(combo.itemData(index)))
            self.table.cellWidget(row, BATCH).setSpecialValueText(self.tr("full"))
        self._show_note()

    def _show_note(self) -> None:
        count = self.table.rowCount()
        if count >= MIN_MEMBERS:
            text = self.tr(
                "{0} networks train at once from the same initial weights on the same data; the "
                "curves overlay them and the Model tab shows each one's decision boundary."
            ).format(count)
        else:
            text = self.tr(
                "Add {0} to {1} networks that differ in optimizer, learning rate or batch size "
                "(or use a preset): they train at once and race each other."
            ).format(MIN_MEMBERS, MAX_MEMBERS)
        self.note.setText(text)
        self.add_button.setEnabled(count < MAX_MEMBERS)
        self.remove_button.setEnabled(count > 0)

    # -- the rows ---------------------------------------------------------------------------------

    def members(self) -> list[dict[str, Any]]:
        """The race the table shows (``settings["race"]`` data)."""
        out = []
        for row in range(self.table.rowCount()):
            item = self.table.item(row, LABEL)
            name = self.table.cellWidget(row, OPTIMIZER).currentData()
            optimizer = {**self._extras[row], "name": name}
            optimizer["lr"] = self.table.cellWidget(row, LR).value()
            member = {
                "label": item.text().strip() if item is not None else "",
                "optimizer": optimizer,
                "batch_size": self.table.cellWidget(row, BATCH).value(),
            }
            out.append(race_member_data(member))
        return out

    def follow(self, *_event: Any) -> None:
        """Show the race the model holds (rows rebuilt only when they differ)."""
        wanted = [race_member_data(m) for m in race_members(self.model.settings)]
        if wanted != self.members():
            self._show_members(wanted)
        self._show_note()

    def _show_members(self, members: list[dict[str, Any]]) -> None:
        with QSignalBlocker(self.table):
            self.table.setRowCount(0)
            self._extras = []
            for member in members:
                self._add_row(member)
        self._fit_height()

    def _add_row(self, member: dict[str, Any]) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        optimizer = dict(member["optimizer"])
        name = optimizer.pop("name")
        lr = float(optimizer.pop("lr", 0.01))
        self._extras.append(optimizer)
        self.table.setItem(row, LABEL, QTableWidgetItem(member["label"]))
        combo = QComboBox()
        for key in self.optimizers:
            combo.addItem(optimizer_name(key), key)
        combo.setCurrentIndex(max(combo.findData(name), 0))
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(3)
        combo.setToolTip(", ".join(f"{k} = {v}" for k, v in optimizer.items()))
        combo.currentIndexChanged.connect(lambda _i, box=combo: self._optimizer_chosen(box))
        rate = QDoubleSpinBox(decimals=4, minimum=0.0001, maximum=10.0, singleStep=0.01)
        rate.setValue(lr)
        batch = QSpinBox(minimum=0, maximum=20_000, singleStep=10)
        batch.setSpecialValueText(self.tr("full"))
        batch.setValue(int(member.get("batch_size", 0)))
        for spin in (rate, batch):
            spin.setKeyboardTracking(False)  # a typed number is one edit, not one per digit
            spin.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons)  # narrow cells
            spin.valueChanged.connect(self._edited)
        self.table.setCellWidget(row, OPTIMIZER, combo)
        self.table.setCellWidget(row, LR, rate)
        self.table.setCellWidget(row, BATCH, batch)

    def _fit_height(self) -> None:
        """As tall as its rows: the settings column scrolls, never the table."""
        rows = sum(self.table.rowHeight(row) for row in range(self.table.rowCount()))
        header = self.table.horizontalHeader().sizeHint().height()
        self.table.setFixedHeight(header + rows + 2 * self.table.frameWidth())

    def _optimizer_chosen(self, combo: QComboBox) -> None:
        for row in range(self.table.rowCount()):
            if self.table.cellWidget(row, OPTIMIZER) is combo:
                self._extras[row] = {}  # another optimizer: its own defaults
                combo.setToolTip("")
        self._edited()

    def _edited(self, *_args: Any) -> None:
        self.model.update_settings(race=self.members())

    # -- actions ----------------------------------------------------------------------------------

    def _training(self) -> dict[str, Any]:
        return self.model.settings.get("training") or {"optimizer": {"name": "adam", "lr": 0.01}}

    def _unique(self, label: str, taken: list[str]) -> str:
        name, count = label, 2
        while name in taken:
            name, count = f"{label} ({count})", count + 1
        return name

    def add_member(self) -> None:
        """A new network with the training form's optimizer and batch size."""
        members = self.members()
        if len(members) >= MAX_MEMBERS:
            return
        training = self._training()
        optimizer = dict(training["optimizer"])
        label = f"{optimizer_name(optimizer['name'])} {_number(float(optimizer.get('lr', 0.01)))}"
        label = self._unique(label, [m["label"] for m in members])
        batch = training.get("batch_size") or 0
        member = {"label": label, "optimizer": optimizer, "batch_size": batch}
        self.model.update_settings(race=[*members, race_member_data(member)])

    def remove_member(self, row: int | None = None) -> None:
        """Remove network ``row`` (default: the selected one, else the last)."""
        members = self.members()
        if not members:
            return
        if row is None:
            selected = self.table.selectionModel().selectedRows()
            row = selected[0].row() if selected else len(members) - 1
        del members[row]
        self.model.update_settings(race=members)

    def preset(self, key: str) -> list[dict[str, Any]]:
        """The members of preset ``key``, from the training form's settings."""
        training = self._training()
        optimizer = plain(training["optimizer"])
        batch = int(training.get("batch_size", 0))
        if key == "optimizers":
            members = [
                (optimizer_name("sgd"), {"name": "sgd", "lr": 0.1}, batch),
                (self.tr("Momentum"), {"name": "sgd", "lr": 0.1, "momentum": 0.9}, batch),
                (optimizer_name("adam"), {"name": "adam", "lr": 0.01}, batch),
            ]
        elif key == "learning_rates":
            lr = float(optimizer.get("lr", 0.01))
            members = [
                (
                    self.tr("lr {0}").format(_number(lr * scale)),
                    {**optimizer, "lr": _rounded(lr * scale)},
                    batch,
                )
                for scale in (0.1, 1.0, 10.0)
            ]
        else:
            members = [
                (self.tr("batch 1"), optimizer, 1),
                (self.tr("batch 10"), optimizer, 10),
                (self.tr("full batch"), optimizer, 0),
            ]
        return [
            race_member_data({"label": label, "optimizer": opt, "batch_size": size})
            for label, opt, size in members
        ]

    def apply_preset(self, key: str) -> None:
        self.model.update_settings(race=self.preset(key))
