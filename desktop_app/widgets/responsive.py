"""A splitter that lays its views side by side when there is width, one above the other when not.

Two plots side by side in a narrow column (a projector's 1024 px with the settings open, or the
Data page's plots beside its maps in presenter mode) left each too narrow for its title and
axis label; stacked, each gets the column's width.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QSplitter, QWidget


class ResponsiveSplitter(QSplitter):
    """Horizontal while ``width >= ratio * height`` and each part gets ``min_part`` px; vertical
    otherwise."""

    def __init__(self, ratio: float = 1.2, min_part: int = 280, parent: QWidget | None = None):
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.ratio = ratio
        self.min_part = min_part
        self.shares: list[int] = []  # each part's share after a turn (default: equal)
        self.setChildrenCollapsible(False)

    def fitting_orientation(self, width: int, height: int) -> Qt.Orientation:
        parts = max(self.count(), 1)
        wide = width >= self.ratio * height and width >= parts * self.min_part
        return Qt.Orientation.Horizontal if wide else Qt.Orientation.Vertical

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt naming)
        size = event.size()
        orientation = self.fitting_orientation(size.width(), size.height())
        if orientation != self.orientation():
            self.setOrientation(orientation)
            length = size.width() if orientation == Qt.Orientation.Horizontal else size.height()
            shares = self.shares if len(self.shares) == self.count() else [1] * self.count()
            self.setSizes([length * share // sum(shares) for share in shares])
        super().resizeEvent(event)
