"""The notes' "任务攻略" flowchart drawn from ``core.diagnose.FLOWCHART``, with a walk's path.

Questions are boxes, the cases they lead to are rounded boxes, and every branch is an arrow with
its answer. The tree is laid out left to right (each leaf a row; a question sits between its
first and last child). Sizes come from the font, so presenter mode draws it larger; colours come
from the palette, so both themes read. :meth:`FlowchartView.show_walk` highlights the steps and
branches a :class:`core.diagnose.Walk` went through, marks the verdict's box, and outlines the
experiments still to run with a dashed border. Everything is drawn again (a few dozen items) on
a language, theme or presenter-mode change.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QPainter, QPainterPath, QPolygonF
from PySide6.QtWidgets import (
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsTextItem,
    QGraphicsView,
    QWidget,
)

from core.diagnose import EXPERIMENTS, FLOWCHART, START, Walk
from core.diagnose.remedies import case_title
from desktop_app.diagnose.texts import core_text, language
from desktop_app.style import appearance
from desktop_app.widgets.retranslating import Retranslating

CASE_PREFIX = "case:"
BOX_CHARS = 34  # a box is this many average characters wide
GAP_CHARS = 16  # room between columns for a branch's answer
PENDING_COLOUR = "#e69f00"  # an experiment the walk asked for and did not get (palette orange)
MIN_SCALE = 0.65  # a small window shrinks the chart to fit, but not below this


def children(key: str) -> list[str]:
    """The nodes a flowchart node leads to (a case has none)."""
    if key.startswith(CASE_PREFIX):
        return []
    return [branch.to for branch in FLOWCHART[key].branches]


def layout_rows(root: str = START) -> tuple[dict[str, float], dict[str, int]]:
    """Row (leaves 0, 1, 2, ...; a question between its first and last child) and column
    (depth) of every node of the tree under ``root``."""
    rows: dict[str, float] = {}
    columns: dict[str, int] = {}

    def place(key: str, depth: int) -> float:
        columns[key] = depth
        below = children(key)
        if not below:
            rows[key] = float(len([k for k in rows if not children(k)]))
            return rows[key]
        placed = [place(child, depth + 1) for child in below]
        rows[key] = (placed[0] + placed[-1]) / 2
        return rows[key]

    place(root, 0)
    return rows, columns


def row_pitch(
    rows: dict[str, float], columns: dict[str, int], heights: dict[str, float], margin: float
) -> float:
    """The distance between two rows: the smallest that keeps ``margin`` between any two boxes
    of one column (a question box, often taller than a case box, sits between its children and
    may share a row with a case box of its own column)."""
    pitch = 0.0
    by_column: dict[int, list[str]] = {}
    for key in rows:
        by_column.setdefault(columns[key], []).append(key)
    for keys in by_column.values():
        keys.sort(key=rows.get)
        for above, below in zip(keys, keys[1:], strict=False):
            apart = rows[below] - rows[above]
            needed = (heights[above] + heights[below]) / 2 + margin
            pitch = max(pitch, needed / apart if apart > 0 else needed)
    return pitch


class FlowchartView(Retranslating, QGraphicsView):
    """The flowchart, and the path of the last walk shown on it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("flowchart")
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.walk: Walk | None = None
        self.boxes: dict[str, QGraphicsPathItem] = {}
        self.texts: dict[str, QGraphicsTextItem] = {}
        self.arrows: dict[tuple[str, str], QGraphicsPathItem] = {}
        self.answers: dict[tuple[str, str], QGraphicsTextItem] = {}
        appearance().changed.connect(self.redraw)
        self.redraw()

    # -- what tests and the panel read -----------------------------------------------------------

    def walked(self) -> list[str]:
        """The nodes on the walk's path, in order, ending with the verdict's case."""
        if self.walk is None:
            return []
        return [step.step for step in self.walk.path] + [CASE_PREFIX + self.walk.case]

    def walked_branches(self) -> set[tuple[str, str]]:
        if self.walk is None:
            return set()
        return {(s.step, FLOWCHART[s.step].branches[s.branch].to) for s in self.walk.path}

    def pending_steps(self) -> set[str]:
        if self.walk is None:
            return set()
        kinds = {request.kind for request in self.walk.pending}
        return {
            key for key in self.walked() if key in FLOWCHART and FLOWCHART[key].experiment in kinds
        }

    def is_highlighted(self, key: str) -> bool:
        return key in self.walked()

    # -- drawing ---------------------------------------------------------------------------------

    def show_walk(self, walk: Walk | None) -> None:
        self.walk = walk
        self.redraw()

    def retranslate(self) -> None:
        self.redraw()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt naming)
        if event.type() == QEvent.Type.PaletteChange:
            self.redraw()  # the theme
        super().changeEvent(event)

    def _node_html(self, key: str) -> str:
        if key.startswith(CASE_PREFIX):
            return f"<b>{case_title(key[len(CASE_PREFIX) :], language())}</b>"
        step = FLOWCHART[key]
        html = core_text(step.question)
        if step.experiment:
            html += f"<br><i>▸ {core_text(EXPERIMENTS[step.experiment].title)}</i>"
        return html

    def redraw(self) -> None:
        """Lay out and draw every box and arrow in the current language, font and palette."""
        scene = self.scene()
        scene.clear()
        self.boxes, self.texts, self.arrows, self.answers = {}, {}, {}, {}
        font = appearance().font(0)
        metrics = QFontMetricsF(font)
        char = metrics.averageCharWidth()
        width, gap, pad = BOX_CHARS * char, GAP_CHARS * char, 0.6 * char
        palette = self.palette()
        text_colour = palette.color(palette.ColorRole.Text)
        rows, columns = layout_rows()
        for key in rows:
            item = QGraphicsTextItem()
            item.setFont(font)
            item.setDefaultTextColor(text_colour)
            item.setHtml(self._node_html(key))
            item.setTextWidth(width - 2 * pad)
            self.texts[key] = item
        heights = {key: item.boundingRect().height() + pad for key, item in self.texts.items()}
        pitch = row_pitch(rows, columns, heights, 0.5 * metrics.height())
        rects = {}
        for key, item in self.texts.items():
            height = heights[key]
            x = columns[key] * (width + gap)
            y = rows[key] * pitch - height / 2
            rects[key] = QRectF(x, y, width, height)
            item.setPos(x + pad, y + pad / 2)
        walked, branches = set(self.walked()), self.walked_branches()
        for key in rows:
            for target in children(key):
                self._arrow(key, target, rects, (key, target) in branches, font)
        pending = self.pending_steps()
        for key, rect in rects.items():
            self._box(key, rect, key in walked, key in pending, char)
            scene.addItem(self.texts[key])
        scene.setSceneRect(scene.itemsBoundingRect().adjusted(-char, -char, char, char))
        self._fit()

    def _colours(self) -> tuple[QColor, QColor, QColor]:
        palette = self.palette()
        return (
            palette.color(palette.ColorRole.Base),
            palette.color(palette.ColorRole.Text),
            palette.color(palette.ColorRole.Highlight),
        )

    def _box(self, key: str, rect: QRectF, walked: bool, pending: bool, char: float) -> None:
        base, text, highlight = self._colours()
        is_case = key.startswith(CASE_PREFIX)
        path = QPainterPath()
        radius = rect.height() / 2 if is_case else char * 0.6
        path.addRoundedRect(rect, radius, radius)
        fill = QColor(base)
        if walked:
            fill = QColor(highlight)
            verdict = self.walk is not None and key == CASE_PREFIX + self.walk.case
            fill.setAlpha(150 if verdict else 55)
        border = QColor(highlight if walked else text)
        if not walked:
            border.setAlpha(110)
        pen = appearance().pen(border, 2.5 if walked else 1)
        if pending:
            pen = appearance().pen(PENDING_COLOUR, 2.5, style=Qt.PenStyle.DashLine)
        item = QGraphicsPathItem(path)
        item.setPen(pen)
        item.setBrush(QBrush(fill))
        item.setZValue(-1)
        item.setToolTip(self.texts[key].toPlainText())
        self.scene().addItem(item)
        self.boxes[key] = item

    def _arrow(self, source: str, target: str, rects: dict, walked: bool, font) -> None:
        """An elbow arrow from ``source``'s right edge to ``target``'s left, with the answer."""
        _, text, highlight = self._colours()
        start, end = rects[source], rects[target]
        a = QPointF(start.right(), start.center().y())
        b = QPointF(end.left(), end.center().y())
        elbow = a.x() + 0.15 * (b.x() - a.x())
        path = QPainterPath(a)
        path.lineTo(elbow, a.y())
        path.lineTo(elbow, b.y())
        path.lineTo(b)
        colour = QColor(highlight if walked else text)
        if not walked:
            colour.setAlpha(120)
        line = QGraphicsPathItem(path)
        line.setPen(appearance().pen(colour, 2.5 if walked else 1))
        self.scene().addItem(line)
        self.arrows[(source, target)] = line
        head = QFontMetricsF(font).height() * 0.3
        tip = QPolygonF(
            [
                b,
                QPointF(b.x() - 1.6 * head, b.y() - head),
                QPointF(b.x() - 1.6 * head, b.y() + head),
            ]
        )
        arrowhead = self.scene().addPolygon(tip, appearance().pen(colour, 1), QBrush(colour))
        arrowhead.setZValue(1)
        branch = next(b for b in FLOWCHART[source].branches if b.to == target)
        label = QGraphicsTextItem(core_text(branch.answer))
        label.setFont(appearance().font(-1))
        label.setDefaultTextColor(highlight if walked else text)
        # a long answer wraps between the elbow and the box (its blank margins may overhang)
        room = b.x() - elbow - 1.6 * head + 2 * label.document().documentMargin()
        if label.boundingRect().width() > room:
            label.setTextWidth(room)
        size = label.boundingRect()
        label.setPos(b.x() - size.width() - 1.6 * head, b.y() - size.height())
        self.scene().addItem(label)
        self.answers[(source, target)] = label

    # -- size ------------------------------------------------------------------------------------

    def _fit(self) -> None:
        """Natural size (presenter mode: larger); shrunk to fit a small view, but its text never
        below :data:`MIN_SCALE` of the normal size (presenter mode's larger text may shrink
        further: a projector at 1280x720 shows the whole chart)."""
        rect = self.sceneRect()
        view = self.viewport().size()
        if rect.isEmpty() or view.width() <= 1:
            return
        scale = min(1.0, view.width() / rect.width(), view.height() / rect.height())
        scale = max(scale, MIN_SCALE / appearance().font_scale)
        self.resetTransform()
        self.scale(scale, scale)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().resizeEvent(event)
        self._fit()
