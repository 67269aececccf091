"""The Surface Lab's swarm: many start points of one optimizer, and the basins they reach.

A mixin of :class:`desktop_app.surface_lab.page.SurfaceLabPage` (a swarm is a run of the lab
model with many starts; runs.py adds and drops it).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QRectF

from core.basins import grid_starts, label_basins, random_starts
from desktop_app.surface_lab.runs import RunState


class SwarmMixin:
    """Releasing a swarm, and colouring its start grid by the end point each start reached."""

    def add_swarm(self, count: int | None = None, layout: str | None = None) -> str:
        """A swarm of start points for the selected run's optimizer (or SGD)."""
        base = self._states.get(self.selected or "")
        count = count or self.swarm_count.value()
        layout = layout or self.swarm_layout.currentData()
        if layout == "grid":
            side = max(2, int(round(np.sqrt(count))))
            starts = grid_starts(self.surface.x_range, self.surface.y_range, side)
        else:
            starts = random_starts(self.surface.x_range, self.surface.y_range, count)
        for run_id in [r.id for r in self._states.values() if r.swarm]:
            self._drop_run(run_id)  # one swarm at a time keeps the map readable
        run_id = self.add_run(
            optimizer=base.optimizer if base else None,
            schedule=base.schedule if base else None,
            steps=base.steps if base else 200,
            starts=starts.tolist(),
            label=QCoreApplication.translate("SurfaceLabPage", "swarm ({0})").format(
                self._default_label(base.optimizer if base else {"name": "sgd"})
            ),
            swarm=True,
        )
        if run_id:
            self._states[run_id].extra["layout"] = layout
        self.map.set_basins(None)
        self.rewind()
        self.set_playing(True)
        return run_id

    def _show_basins(self, run: RunState) -> None:
        track = self.recorder.get(run.id)
        finals = track.positions[track.last_step()]
        minima = [(p.x, p.y) for p in self.surface.critical_points if p.kind == "minimum"]
        (x0, x1), (y0, y1) = self.surface.x_range, self.surface.y_range
        radius = 0.02 * max(x1 - x0, y1 - y0)
        labels, centres = label_basins(finals, np.array(minima) if minima else None, radius)
        diverged = track.diverged[track.last_step()]
        labels = np.where(diverged, -1, labels)
        colors = np.array(
            [
                pg.intColor(i, hues=max(len(centres), 6)).getRgb()
                for i in range(max(len(centres), 1))
            ],
            dtype=np.ubyte,
        )
        rgba = np.zeros((len(labels), 4), dtype=np.ubyte)
        rgba[labels >= 0] = colors[labels[labels >= 0]]
        run.extra["basin_labels"] = labels
        counts = np.bincount(labels[labels >= 0], minlength=len(centres))
        reached = sum(1 for c in counts if c > 0)
        self.swarm_info.setText(
            QCoreApplication.translate(
                "SurfaceLabPage", "{0} points reached {1} different end points; {2} diverged."
            ).format(len(labels), reached, int((labels < 0).sum()))
        )
        if run.extra.get("layout") == "grid":
            side = int(round(np.sqrt(len(labels))))
            image = rgba.reshape(side, side, 4)
            step_x, step_y = (x1 - x0) / (side - 1), (y1 - y0) / (side - 1)
            rect = QRectF(x0 - step_x / 2, y0 - step_y / 2, x1 - x0 + step_x, y1 - y0 + step_y)
            self.map.set_basins(image, rect)

    def _clear_basins(self) -> None:
        """The basins and their summary described the old content."""
        self.map.set_basins(None)
        self.swarm_info.setText("")
