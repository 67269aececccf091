"""SAM's ascent step on the Surface Lab's map: where the next step takes its gradient.

For every single-point SAM run, a short segment from the point at the timeline cursor ``w`` to
its ascent point ``w + e`` (``e = rho g / ||g||``, recorded by the engine as the state key
``ascent``; :func:`core.optim.sam.ascent_segment` picks the cursor's row), drawn in a lighter
shade of the run's colour with a dot at ``w + e``. The items are made once per run and only
``setData`` runs per frame; a run that is no SAM run, hidden, a swarm or at its last point
shows nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from core.optim.sam import ascent_segment
from desktop_app.style import appearance

_Z = 31  # above the paths and the optimizer's arrows (30): the point where SAM looks, on top


def _lighter(color: QColor) -> QColor:
    """The run's colour 60% of the way to white: related to the run, yet not its path (nor the
    optimizer's arrows, which may share its hue)."""
    color = QColor(color)
    mix = [round(channel + 0.6 * (255 - channel)) for channel in color.getRgb()[:3]]
    return QColor(*mix, 240)


class _AscentItems:
    """One run's segment (dark outline under a light shaft) and dot at ``w + e``."""

    def __init__(self, plot: pg.PlotItem) -> None:
        self.outline = pg.PlotDataItem()
        self.shaft = pg.PlotDataItem()
        self.ring = pg.ScatterPlotItem(pxMode=True, symbol="o")
        for offset, item in enumerate((self.outline, self.shaft, self.ring)):
            item.setZValue(_Z + offset / 10)
            plot.addItem(item, ignoreBounds=True)
        self.color: QColor | None = None
        self.segment: np.ndarray | None = None
        self.hide()

    def restyle(self, color: QColor) -> None:
        self.color = QColor(color)
        look, light = appearance(), _lighter(color)
        self.outline.setPen(look.pen((0, 0, 0, 190), 5.0))
        self.shaft.setPen(look.pen(light, 2.5, style=Qt.PenStyle.SolidLine))
        self.ring.setSize(look.marker(10))
        self.ring.setPen(look.pen((0, 0, 0, 220), 1.5))
        self.ring.setBrush(pg.mkBrush(light))

    def show(self, segment: np.ndarray) -> None:
        if self.segment is not None and np.array_equal(segment, self.segment):
            return  # a frame at the same step: nothing moved
        self.segment = segment
        xs, ys = segment[:, 0], segment[:, 1]
        self.outline.setData(xs, ys)
        self.shaft.setData(xs, ys)
        self.ring.setData([xs[1]], [ys[1]])
        for item in (self.outline, self.shaft, self.ring):
            item.setVisible(True)

    def hide(self) -> None:
        self.segment = None
        for item in (self.outline, self.shaft, self.ring):
            item.setVisible(False)

    def remove(self, plot: pg.PlotItem) -> None:
        for item in (self.outline, self.shaft, self.ring):
            plot.removeItem(item)


class SamAscentOverlay:
    """The ascent segments of a page's SAM runs on its map (``map.plot``)."""

    def __init__(self, map_view: Any) -> None:
        self._plot = map_view.plot
        self.items: dict[str, _AscentItems] = {}
        appearance().changed.connect(self._restyle)
        map_view.destroyed.connect(lambda *_: self._disconnect())

    def _disconnect(self) -> None:
        self.items.clear()  # their items went with the map
        with suppress(RuntimeError, TypeError):  # already gone at application exit
            appearance().changed.disconnect(self._restyle)

    def segment(self, run_id: str) -> np.ndarray | None:
        """The drawn segment ``[[w], [w + e]]`` of ``run_id`` (None when hidden)."""
        items = self.items.get(run_id)
        return None if items is None else items.segment

    def draw(self, runs: Mapping[str, Any], recorder: Any, step: int) -> None:
        """Each SAM run's ascent from its point at ``step`` (``runs``: the page's RunStates)."""
        for run_id in [key for key in self.items if key not in runs]:
            self.items.pop(run_id).remove(self._plot)
        for run_id, run in runs.items():
            segment = self._segment(run, recorder.get(run_id), step)
            items = self.items.get(run_id)
            if segment is None:
                if items is not None:
                    items.hide()
                continue
            if items is None:
                items = self.items[run_id] = _AscentItems(self._plot)
            if items.color != run.color:
                items.restyle(run.color)
            items.show(segment)

    @staticmethod
    def _segment(run: Any, track: Any, step: int) -> np.ndarray | None:
        if track is None or run.swarm or not run.visible or run.optimizer.get("name") != "sam":
            return None
        ascent = track.state.get("ascent")
        if ascent is None or track.count == 0:
            return None
        last = min(step, track.count - 1)
        count = track.count
        return ascent_segment(track.positions[:count, 0], ascent[:count, 0], last)

    def _restyle(self, *_args) -> None:
        for items in self.items.values():
            if items.color is not None:
                items.restyle(items.color)
