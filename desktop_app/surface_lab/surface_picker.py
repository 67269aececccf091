"""Choose the surface: the built-in library (with its note), a typed formula, or draw mode."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.surfaces.formula import FormulaError, compile_formula
from core.surfaces.library import (
    BUILTIN_GROUPS,
    BUILTIN_NAMES,
    GROUP_ORDER,
    builtin_params,
    builtin_surface,
)

FORMULA_DEBOUNCE_MS = 250


def group_key(group: str) -> str:
    """The combo data of a shape group's title row (never a surface name: those have no ':')."""
    return f"group:{group}"


class SurfacePicker(QWidget):
    """Emits ``surfaceRequested`` with a scene ``surface`` dict when the user picks one."""

    surfaceRequested = Signal(dict)
    logScaleToggled = Signal(bool)
    drawModeToggled = Signal(bool)
    undoRequested = Signal()
    redoRequested = Signal()
    clearDrawingRequested = Signal()

    def __init__(self, language: str = "en", parent=None) -> None:
        super().__init__(parent)
        self.language = language
        self._setting = False

        library = self._build_library()
        self._build_formula()
        self._build_draw()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(library)
        layout.addWidget(self.formula_box)
        layout.addWidget(self.draw_box)
        self._mode = "builtin"
        self.retranslate()

    def _build_library(self) -> QGroupBox:
        """The built-in library box: surface choice, parameters, note, log scale."""
        self.library = library = QGroupBox()
        self.builtin = QComboBox()
        self.builtin.setObjectName("builtin")
        self._add_builtin_groups()
        self.builtin.insertSeparator(self.builtin.count())
        self.builtin.addItem("", "formula")
        self.builtin.addItem("", "drawn")
        # A data surface (a scene's minibatch lessons) is shown, never chosen from the list: it
        # needs a dataset only a scene file describes.
        self.builtin.addItem("", "data")
        self.builtin.model().item(self.builtin.findData("data")).setEnabled(False)
        self._data_note: dict[str, str] = {}
        self.builtin.currentIndexChanged.connect(self._builtin_chosen)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setObjectName("note")
        self.params_form = QFormLayout()
        self.param_boxes: dict[str, QDoubleSpinBox] = {}
        self.log_scale = QCheckBox()
        self.log_scale.setObjectName("log_scale")
        self.log_scale.setChecked(True)  # valleys of very different depth stay visible
        self.log_scale.toggled.connect(self.logScaleToggled)
        box = QVBoxLayout(library)
        box.addWidget(self.builtin)
        box.addLayout(self.params_form)
        box.addWidget(self.note)
        box.addWidget(self.log_scale)
        return library

    def _add_builtin_groups(self) -> None:
        """The built-in surfaces grouped by shape. The lab's own teaching surfaces come first,
        without a title (the list opens on them); every other group follows a separator and a
        title row that cannot be chosen. Titles and surface names: retranslate()."""
        for group in GROUP_ORDER:
            if group != GROUP_ORDER[0]:
                self.builtin.insertSeparator(self.builtin.count())
                self.builtin.addItem("", group_key(group))
                title = self.builtin.model().item(self.builtin.count() - 1)
                title.setFlags(Qt.ItemFlag.NoItemFlags)  # neither enabled nor selectable
                font = title.font()
                font.setBold(True)
                title.setFont(font)
            for name in BUILTIN_GROUPS[group]:
                self.builtin.addItem("", name)

    def group_titles(self) -> dict[str, str]:
        """The titled shape groups' titles in the UI language (the first group has none)."""
        return {
            "bowls": self.tr("Bowls"),
            "plates": self.tr("Plates"),
            "valleys": self.tr("Valleys"),
            "many_minima": self.tr("Many local minima"),
            "steep": self.tr("Steep ridges and drops"),
        }

    def _build_formula(self) -> None:
        """The formula box: a line edit with its error label and debounce timer."""
        self.formula_box = QGroupBox()
        self.formula = QLineEdit()
        self.formula.setObjectName("formula")
        self.formula.setPlaceholderText("x^2 + 10*y^2")
        self.formula.setClearButtonEnabled(True)
        self.formula.textEdited.connect(self._formula_edited)
        self.formula_error = QLabel()
        self.formula_error.setObjectName("formula_error")
        self.formula_error.setWordWrap(True)
        self.formula_error.setStyleSheet("color: #e0605e;")
        self._debounce = QTimer(self, singleShot=True, interval=FORMULA_DEBOUNCE_MS)
        self._debounce.timeout.connect(self._apply_formula)
        box = QVBoxLayout(self.formula_box)
        box.addWidget(self.formula)
        box.addWidget(self.formula_error)

    def _build_draw(self) -> None:
        """The draw box: draw mode, brush radius and strength, undo/redo/clear."""
        self.draw_box = QGroupBox()
        self.draw = QCheckBox()
        self.draw.setObjectName("draw_mode")
        self.draw.toggled.connect(self.drawModeToggled)
        self.radius = QDoubleSpinBox(
            decimals=2, minimum=0.05, maximum=5.0, value=0.5, singleStep=0.05
        )
        self.radius.setObjectName("brush_radius")
        self.strength = QDoubleSpinBox(
            decimals=2, minimum=0.01, maximum=10.0, value=0.3, singleStep=0.05
        )
        self.strength.setObjectName("brush_strength")
        self.brush_form = form = QFormLayout()
        form.addRow("", self.radius)
        form.addRow("", self.strength)
        self.undo = QPushButton()
        self.undo.clicked.connect(self.undoRequested)
        self.redo = QPushButton()
        self.redo.clicked.connect(self.redoRequested)
        self.clear = QPushButton()
        self.clear.clicked.connect(self.clearDrawingRequested)
        buttons = QHBoxLayout()
        for button in (self.undo, self.redo, self.clear):
            buttons.addWidget(button)
        box = QVBoxLayout(self.draw_box)
        box.addWidget(self.draw)
        box.addLayout(form)
        box.addLayout(buttons)

    # -- language --------------------------------------------------------------------------------

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        """Texts in the UI language; surface titles and notes come bilingual from core."""
        from desktop_app.i18n import current_language

        self.language = current_language()
        self.library.setTitle(self.tr("Surface"))
        for name in BUILTIN_NAMES:
            self.builtin.setItemText(
                self.builtin.findData(name), builtin_surface(name).text("title", self.language)
            )
        for group, title in self.group_titles().items():
            index = self.builtin.findData(group_key(group))
            if index >= 0:
                self.builtin.setItemText(index, title)
        self.builtin.setItemText(self.builtin.findData("formula"), self.tr("Formula…"))
        self.builtin.setItemText(self.builtin.findData("drawn"), self.tr("Drawn…"))
        self.builtin.setItemText(
            self.builtin.findData("data"), self.tr("Data set (from the scene)")
        )
        self.log_scale.setText(self.tr("log colour scale"))
        self.formula_box.setTitle(self.tr("Formula in x and y"))
        self.draw_box.setTitle(self.tr("Draw"))
        self.draw.setText(self.tr("draw mode: drag raises, right-drag lowers"))
        for editor, text in (
            (self.radius, self.tr("brush radius")),
            (self.strength, self.tr("brush strength")),
        ):
            label = self.brush_form.labelForField(editor)
            if label is not None:
                label.setText(text)
        self.undo.setText(self.tr("Undo"))
        self.redo.setText(self.tr("Redo"))
        self.clear.setText(self.tr("Clear"))
        self._show_mode(self._mode)
        if self.formula_error.text():
            self._validate()

    # -- what the page calls ---------------------------------------------------------------------

    def show_surface(self, config: dict) -> None:
        """Reflect a surface config (from a scene) without emitting ``surfaceRequested``."""
        self._setting = True
        try:
            if "builtin" in config:
                self.builtin.setCurrentIndex(self.builtin.findData(config["builtin"]))
                self._build_params(config["builtin"], config)
                self._show_mode("builtin")
            elif "formula" in config:
                self.builtin.setCurrentIndex(self.builtin.findData("formula"))
                self.formula.setText(config["formula"])
                self.formula_error.clear()
                self._show_mode("formula")
            elif "data" in config:
                while self.params_form.rowCount():  # a built-in's parameters do not apply
                    self.params_form.removeRow(0)
                self.param_boxes.clear()
                self.builtin.setCurrentIndex(self.builtin.findData("data"))
                self._show_mode("data")
            else:
                self.builtin.setCurrentIndex(self.builtin.findData("drawn"))
                self._show_mode("drawn")
        finally:
            self._setting = False

    def show_data_note(self, note: dict[str, str]) -> None:
        """The note of the data surface the page built (the picker builds no surface itself)."""
        self._data_note = dict(note)
        if self._mode == "data":
            self._show_mode("data")

    # -- internals -------------------------------------------------------------------------------

    def _show_mode(self, mode: str) -> None:
        self._mode = mode
        self.formula_box.setVisible(mode == "formula")
        self.draw_box.setVisible(mode == "drawn")
        if mode == "builtin":
            name = self.builtin.currentData()
            self.note.setText(builtin_surface(name).text("note", self.language))
        elif mode == "formula":
            self.note.setText(
                self.tr("Type any expression in x and y, e.g. x^2 - y^2 or sin(x)*cos(y).")
            )
        elif mode == "data":
            self.note.setText(self._data_note.get(self.language) or self._data_note.get("en", ""))
        else:
            self.note.setText(self.tr("Drag on the map to raise the terrain, right-drag to dig."))

    def _build_params(self, name: str, values: dict | None = None) -> None:
        while self.params_form.rowCount():
            self.params_form.removeRow(0)
        self.param_boxes.clear()
        for key, default in builtin_params(name).items():
            spin = QDoubleSpinBox(decimals=3, minimum=-1e6, maximum=1e6)
            spin.setObjectName(key)
            spin.setValue(float((values or {}).get(key, default)))
            spin.editingFinished.connect(self._emit_builtin)
            self.param_boxes[key] = spin
            self.params_form.addRow(key, spin)

    def _builtin_chosen(self) -> None:
        if self._setting:
            return
        name = self.builtin.currentData()
        if name == "formula":
            self._show_mode("formula")
            self.formula.setFocus()
            if self.formula.text():
                self._apply_formula()
            return
        if name == "drawn":
            self._show_mode("drawn")
            self.draw.setChecked(True)
            self.surfaceRequested.emit({"bumps": [], "base": "bowl"})
            return
        self._build_params(name)
        self._show_mode("builtin")
        self._emit_builtin()

    def _emit_builtin(self) -> None:
        name = self.builtin.currentData()
        config = {"builtin": name, **{k: box.value() for k, box in self.param_boxes.items()}}
        try:
            builtin_surface(name, **{k: v for k, v in config.items() if k != "builtin"})
        except ValueError as error:
            self.note.setText(str(error))
            return
        self.surfaceRequested.emit(config)

    def _formula_edited(self, _: str) -> None:
        self._validate()
        self._debounce.start()

    def _validate(self) -> bool:
        text = self.formula.text()
        if not text.strip():
            self.formula_error.setText(self.tr("Type a formula, e.g. x^2 + 10*y^2"))
            return False
        try:
            compile_formula(text)
        except FormulaError as error:
            where = self.tr("column {0}: ").format(error.column) if error.column else ""
            self.formula_error.setText(where + error.message)
            return False
        self.formula_error.clear()
        return True

    def _apply_formula(self) -> None:
        # The last valid surface stays on screen while the text is invalid.
        if self._validate():
            self.surfaceRequested.emit({"formula": self.formula.text()})
