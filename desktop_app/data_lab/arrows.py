"""A gradient arrow on a map: a shaft in data coordinates and a head of fixed pixel size.

The head ignores the view's transform (pixel mode), so its angle is set in screen terms from the
view's pixel size (the map's aspect ratio is not locked); ``refresh`` redoes that after zooming.
A dark outline under the shaft keeps the arrow readable on every colour of the heatmap.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from desktop_app.style import appearance


class Arrow:
    def __init__(self, plot: pg.PlotItem, color: str, *, width: float = 2.5, z: float = 30):
        self._plot = plot
        self._color, self._width = color, width
        self.outline = pg.PlotDataItem()
        self.shaft = pg.PlotDataItem()
        self.head = pg.ArrowItem(tipAngle=34, brush=pg.mkBrush(color))
        self.apply_style()
        for offset, item in enumerate((self.outline, self.shaft, self.head)):
            item.setZValue(z + offset / 10)
            plot.addItem(item, ignoreBounds=True)
        self.ends: tuple[np.ndarray, np.ndarray] | None = None
        plot.getViewBox().sigRangeChanged.connect(lambda *_: self.refresh())
        self.hide()

    def apply_style(self) -> None:
        """Widths and head size of the current mode (presenter mode: thicker, bigger)."""
        look = appearance()
        self.outline.setPen(look.pen((0, 0, 0, 170), self._width + 2))
        self.shaft.setPen(look.pen(self._color, self._width))
        self.head.setStyle(headLen=look.marker(14), pen=look.pen((0, 0, 0, 200), 1))

    def set(self, start, end) -> None:
        self.ends = (np.asarray(start, dtype=float), np.asarray(end, dtype=float))
        (x0, y0), (x1, y1) = self.ends
        for item in (self.outline, self.shaft):
            item.setData([x0, x1], [y0, y1])
            item.setVisible(True)
        self.refresh()

    def refresh(self) -> None:
        if self.ends is None:
            return
        start, end = self.ends
        dx, dy = end - start
        pixel_w, pixel_h = self._plot.getViewBox().viewPixelSize()
        if not (pixel_w > 0 and pixel_h > 0):
            return
        # ArrowItem: angle 0 points left and angles turn clockwise on screen (y points down).
        self.head.setStyle(angle=float(np.degrees(np.arctan2(dy / pixel_h, -dx / pixel_w))))
        self.head.setPos(float(end[0]), float(end[1]))
        self.head.setVisible(bool(np.hypot(dx / pixel_w, dy / pixel_h) >= 4.0))

    def hide(self) -> None:
        self.ends = None
        for item in (self.outline, self.shaft, self.head):
            item.setVisible(False)

    def visible(self) -> bool:
        return self.ends is not None
