"""The eigenvalue panel: the Hessian at one point, what its eigenvalues say, and two actions.

It shows the 2x2 Hessian, its eigenvalues and eigenvectors, the gradient norm and the
classification (local minimum / maximum / saddle point / degenerate; "critical point" only when
the gradient norm is below the threshold the user sets), offers "Escape the saddle" (one step
along the eigenvector of the negative eigenvalue, notes 001/002) and "Find critical points".

The panel computes nothing: the page hands it :class:`core.curvature.Curvature` rows computed in
the worker (:class:`core.curvature.CurvatureStore` keeps them per run and step) and wires its
signals.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontDatabase, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QBoxLayout,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from core.curvature import DEFAULT_THRESHOLD, DEFAULT_TOLERANCE, Curvature, classify
from desktop_app.style import appearance
from desktop_app.surface_lab.map_view import KIND_COLORS, NEGATIVE_COLOR, POSITIVE_COLOR
from desktop_app.widgets.number_boxes import FloatBox, NumberRange
from desktop_app.widgets.retranslating import Retranslating

KIND_GLYPHS = {"minimum": "○", "saddle": "×", "maximum": "△", "degenerate": "◇", "undefined": "?"}

_THRESHOLD_RANGE = NumberRange(1e-12, 1e6, 12, log=True)
_TOLERANCE_RANGE = NumberRange(0.0, 1e6, 12, log=True)
_STEP_RANGE = NumberRange(1e-6, 1e6, 6)


def _tr(text: str) -> str:
    return QCoreApplication.translate("EigenPanel", text)


def kind_name(kind: str) -> str:
    return {
        "minimum": _tr("local minimum"),
        "maximum": _tr("local maximum"),
        "saddle": _tr("saddle point"),
        "degenerate": _tr("degenerate"),
        "undefined": _tr("undefined (not finite)"),
    }[kind]


def short_kind_name(kind: str) -> str:
    """At most 6 characters: the finder's list is narrow."""
    return {
        "minimum": _tr("min"),
        "maximum": _tr("max"),
        "saddle": _tr("saddle"),
        "degenerate": _tr("degen."),
        "undefined": _tr("n/a"),
    }[kind]


def number(value: float) -> str:
    """A compact number for the panel: 6 significant digits, a real minus sign."""
    if value == 0:
        return "0"
    return f"{value:.6g}".replace("-", "−")


class _Brackets(QFrame):
    """A frame drawn as the square brackets of a matrix around its contents."""

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().paintEvent(event)
        painter = QPainter(self)
        painter.setPen(QPen(self.palette().color(QPalette.ColorRole.WindowText), 1.5))
        right, bottom, serif = self.width() - 2, self.height() - 2, 5
        for x, sign in ((2, 1), (right, -1)):
            painter.drawLine(x, 1, x, bottom)
            painter.drawLine(x, 1, x + sign * serif, 1)
            painter.drawLine(x, bottom, x + sign * serif, bottom)
        painter.end()


def _mono(label: QWidget) -> QWidget:
    label.setProperty("losslabMono", True)  # its font: the fixed font at the mode's scale
    label.setFont(_mono_font())
    return label


def _mono_font() -> QFont:
    """The system's fixed-width font, scaled with presenter mode like the application font."""
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    if font.pointSizeF() > 0:
        font.setPointSizeF(font.pointSizeF() * appearance().font_scale)
    return font


class EigenScroll(QScrollArea):
    """The panel in a scroll area that scrolls up and down only: when the area is too narrow for
    the panel's columns side by side, the panel stacks them (:meth:`EigenPanel.fit_width`)."""

    def __init__(self, panel: EigenPanel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(panel)

    def fit(self) -> None:
        """Stack the panel's columns or not for the width there is (a scroll bar's less)."""
        self.widget().fit_width(self.width() - self.verticalScrollBar().sizeHint().width())

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        self.fit()
        super().resizeEvent(event)


class EigenPanel(Retranslating, QWidget):
    """Numbers and actions for the Hessian at one point."""

    escapeRequested = Signal()
    findRequested = Signal()
    followRequested = Signal()
    pointChosen = Signal(float, float)  # a found critical point clicked in the list
    settingsChanged = Signal()  # threshold or tolerance

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.curvature: Curvature | None = None  # what the numbers show (one point)
        self.found: list = []  # core.curvature.FoundPoint, as last found

        # -- where, and the numbers with the settings that judge them
        self.source = QLabel()
        self.source.setObjectName("eigen_source")
        self.source.setWordWrap(True)
        self.follow = QPushButton()
        self.follow.setObjectName("eigen_follow")
        self.follow.clicked.connect(self.followRequested)
        self.follow.setVisible(False)

        left = self._build_numbers()

        # -- right of the numbers: the verdict and the escape
        verdict, settings, escape_row = self._build_verdict()
        left.insertLayout(left.count() - 1, escape_row)  # under the eigenvalues it uses

        # -- right: the finder
        self.finder_box = self._build_finder(settings)

        self._build_layout(left, verdict, self.finder_box)
        self._stack(False)
        appearance().changed.connect(self.apply_style)  # presenter mode
        self.apply_style()
        self._escape = None  # the last escape shown, re-worded on a language change
        self.retranslate()
        self.show_message(self.tr("Select a run, or Ctrl-click the map to inspect a point."))

    def _build_numbers(self) -> QVBoxLayout:
        """The Hessian, its eigenvalues and the gradient norm (the left column)."""
        self.matrix = _Brackets()
        self.matrix.setObjectName("hessian_matrix")
        grid = QGridLayout(self.matrix)
        grid.setContentsMargins(9, 2, 9, 2)
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(0)
        self.cells = [[_mono(QLabel()) for _ in range(2)] for _ in range(2)]
        for i in range(2):
            for j in range(2):
                self.cells[i][j].setAlignment(Qt.AlignmentFlag.AlignRight)
                self.cells[i][j].setObjectName(f"hessian_{i}{j}")
                grid.addWidget(self.cells[i][j], i, j)
        matrix_row = QHBoxLayout()
        matrix_row.addWidget(QLabel("H ="))
        matrix_row.addWidget(self.matrix)
        matrix_row.addStretch(1)

        self.eigen = [QLabel() for _ in range(2)]
        for k, label in enumerate(self.eigen):
            label.setObjectName(f"eigen_{k}")
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setWordWrap(True)  # λ and v on two lines where the column is narrow
        self.grad_norm = QLabel()
        self.grad_norm.setObjectName("grad_norm")
        left = QVBoxLayout()
        left.setSpacing(3)
        left.addLayout(matrix_row)
        left.addWidget(self.eigen[0])
        left.addWidget(self.eigen[1])
        left.addWidget(self.grad_norm)
        left.addStretch(1)
        return left

    def _build_verdict(self) -> tuple[QVBoxLayout, QFormLayout, QHBoxLayout]:
        """The verdict, the settings that judge it, and the escape."""
        self.kind = QLabel()
        self.kind.setObjectName("eigen_kind")
        self.kind.setTextFormat(Qt.TextFormat.RichText)
        self.explanation = QLabel()
        self.explanation.setObjectName("eigen_explanation")
        self.explanation.setWordWrap(True)

        self.threshold = FloatBox(_THRESHOLD_RANGE)
        self.threshold.setObjectName("critical_threshold")
        self.threshold.setValue(DEFAULT_THRESHOLD)
        self.tolerance = FloatBox(_TOLERANCE_RANGE)
        self.tolerance.setObjectName("zero_tolerance")
        self.tolerance.setValue(DEFAULT_TOLERANCE)
        for box in (self.threshold, self.tolerance):
            box.valueChanged.connect(self._settings_changed)
        self.step = FloatBox(_STEP_RANGE)
        self.step.setObjectName("escape_step")
        self.step.setValue(0.25)
        self.threshold_label, self.tolerance_label, self.step_label = QLabel(), QLabel(), QLabel()
        settings = QFormLayout()
        settings.setContentsMargins(0, 0, 0, 0)
        settings.addRow(self.threshold_label, self.threshold)
        settings.addRow(self.tolerance_label, self.tolerance)

        self.escape = QPushButton()
        self.escape.setObjectName("escape_saddle")
        self.escape.clicked.connect(self.escapeRequested)
        escape_row = QHBoxLayout()
        escape_row.addWidget(self.escape)
        escape_row.addWidget(self.step_label)
        escape_row.addWidget(self.step)
        escape_row.addStretch(1)
        self.escape_result = QLabel()
        self.escape_result.setObjectName("escape_result")
        self.escape_result.setWordWrap(True)

        verdict = QVBoxLayout()
        verdict.setSpacing(4)
        verdict.addWidget(self.kind)
        verdict.addWidget(self.explanation)
        verdict.addWidget(self.escape_result)
        verdict.addStretch(1)
        return verdict, settings, escape_row

    def _build_finder(self, settings: QFormLayout) -> QGroupBox:
        """The critical-point finder, with the settings it shares with the panel."""
        finder = QGroupBox()
        self.find = QPushButton()
        self.find.setObjectName("find_critical_points")
        self.find.clicked.connect(self.findRequested)
        self.found_list = QListWidget()
        self.found_list.setObjectName("critical_list")
        # Dark like the map, so that the glyphs have the map's colours.
        self.found_list.setStyleSheet("QListWidget { background: #1b1b1b; color: #eeeeee; }")
        _mono(self.found_list)
        self.found_list.itemClicked.connect(self._found_clicked)
        # The tab is short: the list takes the height that is left (at least two rows) instead
        # of asking for its default ~200 px, which would make the whole panel scroll.
        self.found_list.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        box = QVBoxLayout(finder)
        box.setContentsMargins(6, 4, 6, 4)
        box.setSpacing(4)
        box.addLayout(settings)  # they judge the panel's point and the found points alike
        box.addWidget(self.find)
        box.addWidget(self.found_list, 1)
        return finder

    def _build_layout(self, left, verdict, finder: QGroupBox) -> None:
        # Where (one line across), then the numbers, the verdict and the actions side by side;
        # the finder takes the full height on the right (the tab is wide and short).
        # A narrow place (presenter mode's column beside the map) stacks them: fit_width.
        source_row = QHBoxLayout()
        source_row.addWidget(self.source, 1)
        source_row.addWidget(self.follow)
        self._columns = columns = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        columns.setSpacing(18)
        columns.addLayout(left, 4)
        columns.addLayout(verdict, 5)
        main = QVBoxLayout()
        main.addLayout(source_row)
        main.addLayout(columns, 1)
        self._outer = layout = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(14)
        layout.addLayout(main, 5)
        layout.addWidget(finder, 2)

    def is_stacked(self) -> bool:
        return self._outer.direction() == QBoxLayout.Direction.TopToBottom

    def _stack(self, stacked: bool) -> None:
        direction = (
            QBoxLayout.Direction.TopToBottom if stacked else QBoxLayout.Direction.LeftToRight
        )
        for layout in (self._outer, self._columns):
            if layout.direction() != direction:
                layout.setDirection(direction)
        # Stacked, the finder's list needs rows of its own (side by side it takes the height).
        self.found_list.setMinimumHeight(
            round(self.fontMetrics().height() * (5 if stacked else 2.5))
        )

    def fit_width(self, width: int) -> None:
        """Columns side by side where ``width`` holds them, else one above the other."""
        self._stack(False)
        self._outer.invalidate()
        self._stack(self._outer.minimumSize().width() > width)

    def apply_style(self) -> None:
        """Fonts the application font does not reach (fixed-width numbers, the verdict) follow
        presenter mode; the layout is measured again."""
        for widget in (*[c for row in self.cells for c in row], self.found_list):
            widget.setFont(_mono_font())
        font = appearance().font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.kind.setFont(font)
        viewport = self.parentWidget()
        scroll = viewport.parentWidget() if viewport is not None else None
        if isinstance(scroll, EigenScroll):
            scroll.fit()

    def retranslate(self) -> None:
        """The panel's own texts; the page re-sends what it shows on its next frame."""
        self.follow.setText(self.tr("Follow the selected run"))
        self.follow.setToolTip(self.tr("Show the selected run's point at the timeline cursor."))
        self.threshold_label.setText(self.tr("critical if ‖g‖ <"))
        self.threshold.setToolTip(self.tr("A point is a critical point when ‖g‖ is below this."))
        self.tolerance_label.setText(self.tr("λ is 0 if |λ| ≤"))
        self.tolerance.setToolTip(
            self.tr("An eigenvalue with |λ| at or below this counts as zero (degenerate).")
        )
        self.step_label.setText(self.tr("step"))
        self.step.setToolTip(self.tr("How far the escape steps along the eigenvector."))
        self.escape.setText(self.tr("Escape the saddle"))
        self.escape.setToolTip(
            self.tr(
                "Step along the eigenvector of the negative eigenvalue, in the direction that "
                "lowers the loss more (notes: u is an eigenvector of H with λ < 0, so "
                "L(θ′ + u) ≈ L(θ′) + ½λ‖u‖² < L(θ′))."
            )
        )
        self.find.setText(self.tr("Find critical points"))
        self.find.setToolTip(
            self.tr(
                "Newton's method on the gradient from a grid of starting points; every point "
                "where it converges is marked on the map. Click one to inspect it."
            )
        )
        self.found_list.setToolTip(self.tr("Click a point to inspect its Hessian."))
        if self.found:
            self._fill_found()
        else:
            self._summary("")
        if self.curvature is not None:
            self._show_verdict()
        if self._escape is not None:
            self.show_escape(self._escape)

    # -- what the page calls -----------------------------------------------------------------

    def show_message(self, text: str, pinned: bool = False) -> None:
        """Nothing to show yet (no run, or the Hessian is being computed)."""
        self.curvature = None
        self.follow.setVisible(pinned)
        self.source.setText(text)
        for row in self.cells:
            for cell in row:
                cell.setText("–")
        for label in self.eigen:
            label.setText("")
        self.grad_norm.setText("")
        self.kind.setText("")
        self.explanation.setText("")
        self.escape.setEnabled(False)

    def show_curvature(self, source: str, curvature: Curvature, pinned: bool) -> None:
        """The numbers for the single point in ``curvature``; ``source`` says where it is."""
        self.curvature = curvature
        self.follow.setVisible(pinned)
        x, y = curvature.points[0]
        self.source.setText(
            self.tr("{0}   (x, y) = ({1}, {2})   loss = {3}").format(
                source, number(x), number(y), number(curvature.loss[0])
            )
        )
        h = curvature.hessian[0]
        for i in range(2):
            for j in range(2):
                self.cells[i][j].setText(number(h[i, j]))
        for k in range(2):
            value = curvature.eigenvalues[0, k]
            vector = curvature.eigenvectors[0, :, k]
            color = NEGATIVE_COLOR if value < 0 else POSITIVE_COLOR
            self.eigen[k].setText(
                f"<span style='color:{color}'>■</span> λ{'₁₂'[k]} = {number(value)}"
                f"&nbsp;&nbsp; v{'₁₂'[k]} = ({number(round(vector[0], 4))}, "
                f"{number(round(vector[1], 4))})"
            )
        self.grad_norm.setText(f"‖g‖ = {number(curvature.grad_norm[0])}")
        self._show_verdict()

    def show_escape(self, escape) -> None:
        """The result of one escape step (a :class:`core.curvature.SaddleEscape`)."""
        self._escape = escape
        self.escape_result.setText(
            self.tr(
                "The loss fell by {0} ({1} → {2}); the Hessian predicted {3}. "
                "Moved {4} along v with λ = {5}."
            ).format(
                number(escape.drop),
                number(escape.loss_before),
                number(escape.loss_after),
                number(escape.predicted_drop),
                number(math.dist(escape.start, escape.point)),
                number(escape.eigenvalue),
            )
        )

    def show_escape_error(self, text: str) -> None:
        self._escape = None
        self.escape_result.setText(text)

    def clear_escape(self) -> None:
        self._escape = None
        self.escape_result.setText("")

    def show_finding(self) -> None:
        self._summary(self.tr("searching…"))
        self.found_list.clear()
        self.find.setEnabled(False)

    def set_found(self, points: list) -> None:
        """List the critical points found (``core.curvature.FoundPoint``), or clear with []."""
        self.found = list(points)
        self.find.setEnabled(True)
        self._fill_found()

    def clear_found(self) -> None:
        self.found = []
        self.found_list.clear()
        self._summary("")
        self.find.setEnabled(True)

    def found_kinds(self) -> list[str]:
        """The kinds of the found points under the current tolerance."""
        if not self.found:
            return []
        return classify([p.eigenvalues for p in self.found], self.tolerance.value())

    # -- internals ---------------------------------------------------------------------------

    def _fill_found(self) -> None:
        self.found_list.clear()
        kinds = self.found_kinds()
        counts: dict[str, int] = {}
        for point, kind in zip(self.found, kinds, strict=True):
            counts[kind] = counts.get(kind, 0) + 1
            item = QListWidgetItem(
                f"{KIND_GLYPHS[kind]} {short_kind_name(kind):7s}"
                f"({number(float(f'{point.x:.4g}'))}, {number(float(f'{point.y:.4g}'))})"
            )
            item.setForeground(QColor(KIND_COLORS[kind]))
            item.setData(Qt.ItemDataRole.UserRole, (point.x, point.y))
            item.setToolTip(
                f"{kind_name(kind)}: ({number(point.x)}, {number(point.y)})   "
                f"loss = {number(point.loss)}   λ = {number(point.eigenvalues[0])}, "
                f"{number(point.eigenvalues[1])}   ‖g‖ = {number(point.grad_norm)}"
            )
            self.found_list.addItem(item)
        if not self.found:
            self._summary(self.tr("none in the window"))
            return
        self._summary(self.tr("{0} found").format(len(self.found)))
        self.finder_box.setToolTip(
            ", ".join(f"{short_kind_name(kind)}: {n}" for kind, n in counts.items())
        )

    def _summary(self, text: str) -> None:
        title = self.tr("Critical points")
        self.finder_box.setTitle(f"{title}:  {text}" if text else title)

    def _found_clicked(self, item: QListWidgetItem) -> None:
        x, y = item.data(Qt.ItemDataRole.UserRole)
        self.pointChosen.emit(float(x), float(y))

    def _settings_changed(self) -> None:
        if self.curvature is not None:
            self._show_verdict()
        if self.found:
            self._fill_found()
        self.settingsChanged.emit()

    def _show_verdict(self) -> None:
        curvature = self.curvature
        kind = curvature.kinds(self.tolerance.value())[0]
        critical = bool(curvature.is_critical(self.threshold.value())[0])
        low = float(curvature.eigenvalues[0, 0])
        self.escape.setEnabled(math.isfinite(low) and low < 0)
        shapes = {
            "minimum": self.tr("the loss curves up in every direction, like a bowl"),
            "maximum": self.tr("the loss curves down in every direction, like a hilltop"),
            "saddle": self.tr("the loss curves up along one eigenvector, down along the other"),
            "degenerate": self.tr(
                "an eigenvalue is (within the tolerance) zero: flat in that direction"
            ),
            "undefined": self.tr("the loss or its derivatives are not finite here"),
        }
        if critical:
            # The map's glyph for this kind, on a dark chip like the map's background.
            self.kind.setText(
                f"<span style='background:#1b1b1b; color:{KIND_COLORS[kind]}'>&nbsp;"
                f"{KIND_GLYPHS[kind]}&nbsp;</span> {kind_name(kind).capitalize()}"
            )
            verdict = {
                "minimum": self.tr("Both λ > 0: the loss rises in every direction."),
                "maximum": self.tr("Both λ < 0: the loss falls in every direction."),
                "saddle": self.tr(
                    "λ of both signs: not a minimum. Along the eigenvector of λ < 0 the loss "
                    "falls: try Escape."
                ),
                "degenerate": self.tr("A λ is 0: the Hessian cannot tell, higher orders decide."),
                "undefined": "",
            }[kind]
            self.explanation.setText(
                self.tr("A critical point: ‖g‖ is below the threshold. {0}").format(verdict)
            )
        else:
            self.kind.setText(self.tr("Not a critical point"))
            self.explanation.setText(
                self.tr("‖g‖ = {0} is above the threshold: descent still moves. Here {1}.").format(
                    number(curvature.grad_norm[0]), shapes[kind]
                )
            )
