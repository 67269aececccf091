"""Geometry checks for a laid-out window: what a user at a projector would see go wrong.

Each check returns a list of readable findings (empty: nothing wrong), so a test can assert
``not findings`` and print them all. Widgets are judged in window coordinates; plot texts in
scene coordinates of their ``pyqtgraph.GraphicsView`` (tick labels from the
``AxisItem``'s own draw specs, so exactly where pyqtgraph paints them).

- :func:`clipped_widgets`: a control cut off by an ancestor that cannot scroll to it, or squeezed
  below the size its content needs;
- :func:`overlapping_texts`: two texts drawn over each other (labels, buttons, and inside plots:
  titles, axis labels, tick labels, legends, text items);
- :func:`short_plots`: a plot shorter than ``min_height`` pixels;
- :func:`colliding_ticks`: tick labels of one axis that run together.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyqtgraph as pg
from PySide6.QtCore import QPoint, QRect, QRectF
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QScrollBar,
    QTabBar,
    QWidget,
)

CONTROLS = (QAbstractButton, QComboBox, QAbstractSpinBox, QAbstractSlider, QLineEdit, QTabBar)
TEXTS = (QLabel, QAbstractButton, QGroupBox)
TICK_GAP = 2.0  # px between two tick labels of one axis, at least
SLACK = 1  # px of rounding forgiven


def describe(widget: QWidget) -> str:
    """A widget as a finding names it: class, object name, and its text if it has one."""
    text = ""
    for getter in ("text", "title", "currentText"):
        if hasattr(widget, getter):
            try:
                text = str(getattr(widget, getter)())
            except TypeError:
                continue
            break
    text = text.replace("\n", " ")[:40]
    name = widget.objectName()
    return (
        f"{type(widget).__name__}" + (f"#{name}" if name else "") + (f" {text!r}" if text else "")
    )


def shown_widgets(root: QWidget) -> Iterator[QWidget]:
    """``root``'s descendants that are visible on screen (not hidden, not on a hidden tab), less
    Qt's own parts of a widget (a spin box's line edit, a scroll area's viewport...)."""
    for widget in root.findChildren(QWidget):
        if widget.objectName().startswith("qt_"):
            continue
        if widget.isVisible() and QWidget.width(widget) > 0 and QWidget.height(widget) > 0:
            yield widget


def window_rect(widget: QWidget) -> QRect:
    """``widget``'s rectangle in its window's coordinates."""
    top_left = widget.mapTo(widget.window(), QPoint(0, 0))
    return QRect(top_left, QWidget.size(widget))  # a form may name a field "size"


def visible_rect(widget: QWidget) -> QRect:
    """The part of ``widget`` that its ancestors let show, in window coordinates."""
    rect = window_rect(widget)
    ancestor = widget.parentWidget()
    while ancestor is not None and not rect.isEmpty():
        rect = rect.intersected(window_rect(ancestor))
        if ancestor.isWindow():
            break
        ancestor = ancestor.parentWidget()
    return rect


def _scroll_area_of(viewport: QWidget) -> QAbstractScrollArea | None:
    parent = viewport.parentWidget()
    if isinstance(parent, QAbstractScrollArea) and parent.viewport() is viewport:
        return parent
    return None


def _reachable_by_scrolling(
    area: QAbstractScrollArea, rect: QRect, viewport: QRect, sideways: bool
) -> bool:
    """Whether the part of ``rect`` outside ``viewport`` can be scrolled into view: it fits the
    viewport and each direction it overflows in has a visible scroll bar. Sideways scrolling
    counts only when ``sideways``: a settings column that hides a button off to the side (the
    Network Lab's Run button once) is cut, whatever its scroll bar."""
    overflows_h = rect.left() < viewport.left() - SLACK or rect.right() > viewport.right() + SLACK
    overflows_v = rect.top() < viewport.top() - SLACK or rect.bottom() > viewport.bottom() + SLACK
    fits_h = rect.width() <= viewport.width() + SLACK
    fits_v = rect.height() <= viewport.height() + SLACK
    ok_h = not overflows_h or (sideways and area.horizontalScrollBar().isVisible() and fits_h)
    ok_v = not overflows_v or (area.verticalScrollBar().isVisible() and fits_v)
    return ok_h and ok_v


def cut_by(widget: QWidget, sideways: bool = False) -> QWidget | None:
    """The ancestor that hides part of ``widget`` for good (no scroll bar reaches it), or None.
    A scroll area's viewport is no cut when its scroll bars bring the widget into view; from
    there on the viewport stands for the widget. The window is an ancestor too."""
    rect = window_rect(widget)
    ancestor = widget.parentWidget()
    while ancestor is not None:
        bounds = window_rect(ancestor)
        inside = bounds.adjusted(-SLACK, -SLACK, SLACK, SLACK).contains(rect)
        area = _scroll_area_of(ancestor)
        if area is not None:
            if not inside and not _reachable_by_scrolling(area, rect, bounds, sideways):
                return ancestor
            rect = bounds
        elif not inside:
            return ancestor
        if ancestor.isWindow():
            break
        ancestor = ancestor.parentWidget()
    return None


def squeezed(widget: QWidget) -> str | None:
    """Why ``widget``'s content does not fit its size, or None: smaller than its minimum size
    hint, or a word-wrapped label shorter than its text needs."""
    hint = widget.minimumSizeHint()
    if isinstance(widget, QLabel) and widget.wordWrap():
        needed = widget.heightForWidth(QWidget.width(widget))
        if needed > QWidget.height(widget) + SLACK:
            return f"text needs {needed} px height, has {QWidget.height(widget)}"
        return None
    if isinstance(widget, QScrollBar) or not hint.isValid():
        return None
    if (
        QWidget.width(widget) + SLACK < hint.width()
        or QWidget.height(widget) + SLACK < hint.height()
    ):
        size = f"{QWidget.width(widget)}x{QWidget.height(widget)}"
        return f"{size} < minimum {hint.width()}x{hint.height()}"
    return None


def clipped_widgets(root: QWidget, sideways: bool = False) -> list[str]:
    """Controls and texts under ``root`` that the user cannot fully see or reach by scrolling
    up and down (``sideways``: scrolling left and right counts too)."""
    findings = []
    for widget in shown_widgets(root):
        if not isinstance(widget, (*CONTROLS, QLabel)):
            continue  # a box of controls may be taller than a view: each control must fit
        if isinstance(widget.parentWidget(), QTabBar):
            continue  # a tab bar's own scroll buttons: Qt sizes them
        if isinstance(widget, QLabel) and not widget.text() and widget.pixmap().isNull():
            continue
        ancestor = cut_by(widget, sideways)
        if ancestor is not None:
            findings.append(
                f"{describe(widget)} at {window_rect(widget)} cut by {describe(ancestor)}"
            )
            continue
        why = squeezed(widget)
        if why is not None:
            findings.append(f"{describe(widget)}: {why}")
    return findings


def visible_without_scrolling(widget: QWidget) -> bool:
    """Whether all of ``widget`` is on screen as the window stands (no ancestor hides any of it,
    a scroll area's viewport included)."""
    if not widget.isVisible():
        return False
    rect = window_rect(widget)
    ancestor = widget.parentWidget()
    while ancestor is not None:
        if not window_rect(ancestor).adjusted(-SLACK, -SLACK, SLACK, SLACK).contains(rect):
            return False
        if ancestor.isWindow():
            break
        ancestor = ancestor.parentWidget()
    return True


# -- plots ----------------------------------------------------------------------------------------


def graphics_views(root: QWidget) -> list[pg.GraphicsView]:
    return [view for view in shown_widgets(root) if isinstance(view, pg.GraphicsView)]


def _shown(item) -> bool:
    return item.isVisible() and item.scene() is not None


def tick_label_rects(axis: pg.AxisItem) -> list[tuple[QRectF, str]]:
    """The tick labels ``axis`` paints, as (rectangle in scene coordinates, text)."""
    if not _shown(axis) or axis.boundingRect().isEmpty():
        return []
    image = QImage(4, 4, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        painter.setFont(axis.style["tickFont"] or painter.font())
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    if specs is None:
        return []
    return [(axis.mapRectToScene(rect), text) for rect, _flags, text in specs[2]]


def colliding_ticks(plot: pg.PlotItem, gap: float = TICK_GAP) -> list[str]:
    """Pairs of tick labels of one axis of ``plot`` closer than ``gap`` pixels ("20406080")."""
    findings = []
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(name)
        rects = sorted(tick_label_rects(axis), key=lambda r: (r[0].left(), r[0].top()))
        horizontal = name in ("bottom", "top")
        for index, (rect, text) in enumerate(rects):
            for other, other_text in rects[index + 1 :]:
                grown = rect.adjusted(-gap / 2, -gap / 2, gap / 2, gap / 2)
                if grown.intersects(other.adjusted(-gap / 2, -gap / 2, gap / 2, gap / 2)):
                    where = "x" if horizontal else "y"
                    findings.append(f"{_plot_name(plot)} {where} ticks {text!r} and {other_text!r}")
    return findings


def _plot_name(plot: pg.PlotItem) -> str:
    title = plot.titleLabel.text if plot.titleLabel.isVisible() else ""
    return f"plot {title!r}" if title else f"plot {plot.objectName() or hex(id(plot))}"


def plot_items(view: pg.GraphicsView) -> list[pg.PlotItem]:
    return [item for item in view.scene().items() if isinstance(item, pg.PlotItem) and _shown(item)]


def _has_axes(plot: pg.PlotItem) -> bool:
    return any(_shown(plot.getAxis(name)) for name in ("left", "bottom"))


def scene_texts(view: pg.GraphicsView) -> list[tuple[str, QRectF]]:
    """Every text drawn in ``view``'s scene: (what, scene rectangle)."""
    texts = []
    for item in view.scene().items():
        if not _shown(item):
            continue
        if isinstance(item, pg.AxisItem):
            texts += [(f"tick {text!r}", rect) for rect, text in tick_label_rects(item)]
            label = item.label
            if item.labelText and label.isVisible():
                texts.append((f"axis label {item.labelText!r}", _inked(label)))
        elif isinstance(item, pg.LegendItem) and item.items:
            names = ", ".join(label.text for _sample, label in item.items)[:40]
            texts.append((f"legend [{names}]", item.sceneBoundingRect()))
        elif isinstance(item, pg.LabelItem) and item.text:
            if isinstance(item.parentItem(), pg.LegendItem) or _in_legend(item):
                continue  # counted with its legend
            texts.append((f"label {item.text[:30]!r}", item.sceneBoundingRect()))
        elif isinstance(item, pg.TextItem) and item.textItem.toPlainText():
            texts.append((f"text {item.textItem.toPlainText()[:30]!r}", _inked(item.textItem)))
    return texts


def _inked(text_item) -> QRectF:
    """A ``QGraphicsTextItem``'s scene rectangle less its document's blank margin."""
    margin = text_item.document().documentMargin()
    return text_item.sceneBoundingRect().adjusted(margin, margin, -margin, -margin)


def _in_legend(item) -> bool:
    parent = item.parentItem()
    while parent is not None:
        if isinstance(parent, pg.LegendItem):
            return True
        parent = parent.parentItem()
    return False


def _overlap(first: QRectF, second: QRectF, min_px: float = 2.0) -> bool:
    common = first.intersected(second)
    return common.width() > min_px and common.height() > min_px


def overlapping_texts(root: QWidget) -> list[str]:
    """Texts drawn over each other: sibling text widgets, and inside every plot view the
    titles, axis labels, tick labels (of different axes), legends and text items."""
    findings = []
    widgets = [
        w
        for w in shown_widgets(root)
        if isinstance(w, TEXTS) and (w.text() if hasattr(w, "text") else w.title())
    ]
    rects = [(w, visible_rect(w)) for w in widgets]
    for index, (widget, rect) in enumerate(rects):
        for other, other_rect in rects[index + 1 :]:
            if widget.isAncestorOf(other) or other.isAncestorOf(widget):
                continue
            if _overlap(QRectF(rect), QRectF(other_rect)):
                findings.append(f"{describe(widget)} over {describe(other)}")
    for view in graphics_views(root):
        texts = scene_texts(view)
        for index, (what, rect) in enumerate(texts):
            for other, other_rect in texts[index + 1 :]:
                if what.startswith("tick") and other.startswith("tick"):
                    continue  # within one axis: colliding_ticks; across axes they never meet
                if _overlap(rect, other_rect):
                    findings.append(f"{type(view).__name__}: {what} over {other}")
    return findings


def cut_plot_texts(root: QWidget) -> list[str]:
    """Texts in a plot view that run past the view's edge (a legend wider than its plot)."""
    findings = []
    for view in graphics_views(root):
        shown = QRectF(view.mapToScene(view.viewport().rect()).boundingRect())
        inside = shown.adjusted(-SLACK, -SLACK, SLACK, SLACK)
        for what, rect in scene_texts(view):
            if not inside.contains(rect):
                findings.append(f"{type(view).__name__}: {what} runs past the edge")
    return findings


def short_plots(root: QWidget, min_height: int) -> list[str]:
    """Plots (with axes: a picture thumbnail is not a plot) shorter than ``min_height`` px."""
    findings = []
    for view in graphics_views(root):
        for plot in plot_items(view):
            if not _has_axes(plot):
                continue
            height = view.mapFromScene(plot.sceneBoundingRect()).boundingRect().height()
            if height < min_height:
                findings.append(f"{_plot_name(plot)} in {type(view).__name__}: {height} px tall")
    return findings


def all_colliding_ticks(root: QWidget) -> list[str]:
    """:func:`colliding_ticks` of every visible plot under ``root``."""
    return [
        finding
        for view in graphics_views(root)
        for plot in plot_items(view)
        for finding in colliding_ticks(plot)
    ]
