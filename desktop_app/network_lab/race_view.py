"""A race's models side by side: one small picture per network, in a grid (small multiples).

2D data: each member's decision boundary (its probability of class 1 as the background, the
p = 0.5 line in the member's run colour and dash, the training points); 1D data: its fitted curve
over the data; digits: its confusion matrix. Each picture is titled with the member's name and
its latest validation accuracy (validation loss for regression), in its run colour
(``core.palette.run_style``). Items are created when the members are set and then only get
``setImage``/``setData`` from the newest snapshots.
"""

from __future__ import annotations

import html
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QFontMetricsF
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from core.palette import class_colours, run_style
from desktop_app.network_lab.model_view import (
    BOUNDARY_MAP,
    CLASS_COLORS,
    CONFUSION_MAP,
    class_picture,
)
from desktop_app.style import appearance
from desktop_app.widgets.axes import run_pen
from desktop_app.widgets.labels import hint
from desktop_app.widgets.retranslating import Retranslating

GRID_MARGIN, GRID_SPACING = 9, 6  # px: pyqtgraph's layout margins and spacing (Qt's defaults)
TITLE_CHARS = 12  # longer names are elided in a picture's title (the legend has them whole)


def grid_columns(count: int, width: float = math.inf, min_width: float = 0.0) -> int:
    """Columns of the grid: 2 for up to 4 pictures, 3 for up to 9, fewer where ``width`` leaves
    a column less than ``min_width`` (a narrow view stacks them)."""
    wanted = max(1, math.ceil(math.sqrt(count)))
    fitting = int(width // min_width) if min_width > 0 and math.isfinite(width) else wanted
    return max(1, min(wanted, fitting))


class _Member:
    """One member's picture: its plot and the items drawn in it."""

    def __init__(self, plot: pg.PlotItem, index: int, label: str) -> None:
        self.plot, self.index, self.label = plot, index, label
        self.image = pg.ImageItem(axisOrder="row-major")
        self.line = pg.PlotDataItem(connect="finite")
        self.points = pg.ScatterPlotItem()
        self.shown = None  # the snapshot drawn last
        self.record = None  # the record its title tells
        for item in (self.image, self.points, self.line):
            plot.addItem(item)


class RaceView(Retranslating, QWidget):
    """The race's small multiples (module docstring)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.widget = pg.GraphicsLayoutWidget()
        self.widget.setBackground(appearance().plot_background())
        self.members: dict[str, _Member] = {}
        self.data = None
        self._columns = 0
        self.caption = hint(QLabel())
        self.caption.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.widget, 1)
        layout.addWidget(self.caption)
        self.retranslate()
        appearance().changed.connect(self.apply_style)

    def retranslate(self) -> None:
        self.caption.setText(self._caption())
        for member in self.members.values():
            self._title(member)

    def _caption(self) -> str:
        """What the pictures show, for the data on view."""
        if self.data is not None and self.data.image_shape is not None:
            return self.tr(
                "Each network of the race: its confusion matrix on the validation set (row: the "
                "true digit, column: its guess), titled with its validation accuracy."
            )
        if self.data is not None and self.data.input_dim == 1:
            return self.tr(
                "Each network of the race: its fitted curve over the training points (in its "
                "colour and dash), titled with its validation loss after the latest epoch."
            )
        return self.tr(
            "Each network of the race: its decision boundary (line in its colour and dash), "
            "titled with its validation accuracy after the latest epoch."
        )

    def apply_style(self) -> None:
        self.widget.setBackground(appearance().plot_background())
        self._columns = 0  # the font's size changes what fits
        self._arrange()
        for member in self.members.values():
            member.line.setPen(run_pen(member.index, 2.5))
            self._title(member)
            if self.data is not None:
                self._show_points(member, self.data)

    def set_members(self, labels: list[str], data) -> None:
        """One picture per member, showing ``data`` (no model yet)."""
        self.widget.clear()
        self.members = {}
        self.data = data
        self._columns = 0
        for index, label in enumerate(labels):
            plot = pg.PlotItem()
            for side in ("left", "bottom"):
                plot.hideAxis(side)
            plot.hideButtons()
            plot.setMenuEnabled(False)
            plot.setMouseEnabled(x=False, y=False)
            member = self.members[label] = _Member(plot, index, label)
            self._prepare(member, data)
            self._title(member)
        self.caption.setText(self._caption())
        self._arrange()
        self.apply_style()

    def _min_picture_width(self) -> float:
        """What a picture needs: its title's width (the longest title, or a long one's estimate
        in the title font) and the grid's spacing."""
        metrics = QFontMetricsF(appearance().font(-1))
        lines = [self.tr("validation {0:.1%}").format(1.0), "M" * TITLE_CHARS]
        estimate = max(metrics.horizontalAdvance(line) for line in lines)
        titles = [m.plot.titleLabel.item.boundingRect().width() for m in self.members.values()]
        return max([estimate, *titles]) + GRID_SPACING

    def _arrange(self) -> None:
        """Lay the pictures out in as many columns as the view's width allows."""
        plots = [member.plot for member in self.members.values()]
        room = self.widget.width() - 2 * GRID_MARGIN + GRID_SPACING
        columns = grid_columns(len(plots), room, self._min_picture_width())
        if columns == self._columns:
            return
        self._columns = columns
        for plot in plots:
            if plot.scene() is not None:
                self.widget.ci.removeItem(plot)
        for index, plot in enumerate(plots):
            self.widget.ci.addItem(plot, row=index // columns, col=index % columns)
        # The view sized the grid to its old minimum (wider than the view): size it again.
        self.widget.setRange(QRectF(self.widget.rect()), padding=0, disableAutoPixel=False)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().resizeEvent(event)
        self._arrange()

    def _prepare(self, member: _Member, data) -> None:
        plot = member.plot
        if data.image_shape is not None:
            member.image.setLookupTable(CONFUSION_MAP.getLookupTable(0.0, 1.0, 256))
            plot.invertY(True)
            plot.setAspectLocked(True)
            plot.setRange(xRange=(0, 10), yRange=(0, 10), padding=0)
        elif data.input_dim == 2:
            # 3 or more classes: an RGB picture of the most likely class (no lookup table)
            many = data.classes > 2
            member.image.setLookupTable(
                None if many else BOUNDARY_MAP.getLookupTable(0.0, 1.0, 256)
            )
            plot.setAspectLocked(True)
            (x0, x1), (y0, y1) = data.bounds
            plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        else:
            (low, high) = data.bounds[0]
            ys = np.concatenate([data.y_train, data.y_val])
            bottom, top = float(ys.min()) - 0.2, float(ys.max()) + 0.2
            plot.setRange(xRange=(float(low), float(high)), yRange=(bottom, top), padding=0)
        plot.disableAutoRange()
        member.image.setVisible(False)

    def _show_points(self, member: _Member, data) -> None:
        """The training points, small (the picture is small)."""
        if data.image_shape is not None:
            member.points.setData([], [])
            return
        size = appearance().marker(4)
        if data.input_dim == 2:
            palette = class_colours(max(data.classes, 2))  # the model view's
            brushes = [pg.mkBrush(QColor(palette[int(c)])) for c in data.y_train]
            member.points.setData(
                data.x_train[:, 0], data.x_train[:, 1], brush=brushes, pen=None, size=size
            )
        else:
            member.points.setData(
                data.x_train[:, 0], data.y_train, brush=CLASS_COLORS[0], pen=None, size=size
            )

    def _title(self, member: _Member) -> None:
        """Two short lines (a title's width is its picture's minimum width): the name, elided,
        and how the network does on the validation set."""
        record = member.record
        name = (
            member.label if len(member.label) <= TITLE_CHARS else member.label[:TITLE_CHARS] + "…"
        )
        line = ""
        if record is not None and record.diverged:
            line = self.tr("diverged")
        elif record is not None and math.isfinite(record.val_accuracy):
            line = self.tr("validation {0:.1%}").format(record.val_accuracy)
        elif record is not None and math.isfinite(record.val_loss):
            line = self.tr("validation loss {0:.3g}").format(record.val_loss)
        text = f"{html.escape(name)}<br>{line}" if line else html.escape(name)
        size = f"{appearance().point_size(-1):.1f}pt"
        member.plot.setTitle(text, color=run_style(member.index).colour, size=size)

    @property
    def columns(self) -> int:
        """Columns of the grid as laid out now."""
        return self._columns

    def title(self, label: str) -> str:
        """The shown title of member ``label``, its lines joined by " · " (tests)."""
        return self.members[label].plot.titleLabel.text.replace("<br>", " · ")

    def show_snapshot(self, snapshot, record=None) -> None:
        """Draw member ``snapshot.run``'s newest picture; ``record``: its latest epoch record."""
        member = self.members.get(snapshot.run)
        if member is None:
            return
        if record is not member.record:
            member.record = record
            self._title(member)
        if snapshot is member.shown:
            return
        member.shown = snapshot
        if snapshot.kind == "boundary":
            x, y, w, h = snapshot.rect
            if snapshot.winner is not None:  # 3 or more classes, as the model view draws them
                rgb = class_picture(
                    snapshot.winner,
                    snapshot.confidence,
                    class_colours(self.data.classes),
                    appearance().plot_background().getRgb()[:3],
                )
                member.image.setImage(rgb, levels=(0, 255), autoLevels=False)
            else:
                member.image.setImage(snapshot.grid, levels=(0.0, 1.0), autoLevels=False)
            member.image.setRect(QRectF(x, y, w, h))
            member.image.setVisible(True)
            line = snapshot.boundary
            if line is not None and len(line):
                member.line.setData(line[:, 0], line[:, 1])
            else:
                member.line.setData([], [])
        elif snapshot.kind == "curve":
            member.line.setData(snapshot.xs, snapshot.fitted)
        else:
            confusion = snapshot.confusion
            totals = np.maximum(confusion.sum(1, keepdims=True), 1)
            member.image.setImage(confusion / totals, levels=(0.0, 1.0), autoLevels=False)
            member.image.setRect(QRectF(0, 0, 10, 10))
            member.image.setVisible(True)

    def clear_predictions(self) -> None:
        """No model pictures (their models are gone); the data points stay."""
        for member in self.members.values():
            member.image.clear()
            member.image.setVisible(False)
            member.line.setData([], [])
            member.shown = member.record = None
            self._title(member)

    def shown_images(self) -> dict[str, np.ndarray | None]:
        """Each member's shown picture (tests)."""
        return {label: m.image.image for label, m in self.members.items()}
