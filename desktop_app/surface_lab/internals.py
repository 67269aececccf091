"""Optimizer internals: the arrows of the lecture's momentum figure and the sigma plots.

- the arrows of notes 001 come from :func:`core.lab.arrows.step_arrows` (Qt-free); the map
  draws them.
- :class:`InternalsPlots` plots each coordinate's sigma (the root of the second moment that
  adaptive optimizers divide by) and the effective learning rate eta/sigma per step, one colour
  per run, so that Adagrad's early decay and the burst after a flat stretch are plain to see.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from desktop_app.style import appearance
from desktop_app.widgets.axes import readable_axes
from desktop_app.widgets.retranslating import Retranslating


class InternalsPlots(Retranslating, QWidget):
    """sigma and eta/sigma per step and coordinate for every run that has them."""

    cursorMoved = Signal(int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.layout_widget = pg.GraphicsLayoutWidget()
        self.plots: dict[str, pg.PlotItem] = {}
        self.cursors: dict[str, pg.InfiniteLine] = {}
        for column, key in enumerate(("sigma", "effective_lr")):
            plot = self.layout_widget.addPlot(row=0, col=column)
            readable_axes(plot)  # before the log mode: the new axes must take it
            plot.setLogMode(y=True)
            if column:
                plot.setXLink(self.plots["sigma"])
            cursor = pg.InfiniteLine(angle=90, movable=True, pen=appearance().cursor_pen())
            cursor.sigDragged.connect(
                lambda line: self.cursorMoved.emit(max(0, round(line.value())))
            )
            plot.addItem(cursor)
            self.plots[key], self.cursors[key] = plot, cursor
        # (run id, plot key, coordinate) -> curve; coordinate 0 = x (solid), 1 = y (dashed)
        self.curves: dict[tuple[str, str, int], pg.PlotDataItem] = {}
        self._styles: dict[str, tuple[str, bool]] = {}
        self._last_step: int | None = None
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)  # grey, fonts follow
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.layout_widget, 1)
        layout.addWidget(self.hint)
        appearance().changed.connect(self.apply_style)  # presenter mode, theme
        self.retranslate()

    def set_stacked(self, stacked: bool) -> None:
        """The two plots one above the other (presenter mode: a narrow, tall column) or side by
        side."""
        layout = self.layout_widget.ci
        for place, key in enumerate(("sigma", "effective_lr")):
            plot = self.plots[key]
            if plot in layout.items:
                layout.removeItem(plot)
            layout.addItem(plot, row=place if stacked else 0, col=0 if stacked else place)

    def retranslate(self) -> None:
        titles = {
            "sigma": self.tr("σ = √(second moment), per coordinate"),
            "effective_lr": self.tr("effective learning rate η/σ"),
        }
        for key, plot in self.plots.items():
            plot.setTitle(titles[key])
            plot.setLabel("bottom", self.tr("step"))
        self.hint.setText(
            self.tr(
                "Solid: x, dashed: y. Adaptive optimizers divide each coordinate's step by σ: "
                "a small σ (a flat stretch) gives a big η/σ, hence the burst at a cliff."
            )
        )
        self.hint.setToolTip(
            self.tr(
                "σ is what Adagrad, RMSprop, Adam and the lecture's RMS divide by. Optimizers "
                "without it (SGD, momentum) show their constant η in the right-hand plot."
            )
        )
        self.apply_style()  # the new titles take the current fonts and colours

    def apply_style(self) -> None:
        """Axis fonts, colours and line widths from :func:`appearance`."""
        look = appearance()
        self.layout_widget.setBackground(look.plot_background())
        for key, plot in self.plots.items():
            look.style_plot(plot)
            self.cursors[key].setPen(look.cursor_pen())
        for run_id, key, coordinate in self.curves:
            color = self._styles.get(run_id, ("#ffffff", True))[0]
            self.curves[(run_id, key, coordinate)].setPen(self._pen(QColor(color), coordinate))

    def _curve(self, run_id: str, key: str, coordinate: int) -> tuple[pg.PlotDataItem, bool]:
        """The curve for ``(run_id, key, coordinate)`` and whether it was just created."""
        curve = self.curves.get((run_id, key, coordinate))
        if curve is not None:
            return curve, False
        curve = self.plots[key].plot(connect="finite")
        self.curves[(run_id, key, coordinate)] = curve
        return curve, True

    @staticmethod
    def _pen(color: QColor, coordinate: int):
        style = Qt.PenStyle.SolidLine if coordinate == 0 else Qt.PenStyle.DashLine
        return appearance().pen(color, 1, style=style)

    def set_run(self, run_id: str, color: QColor, visible: bool, track, last: int) -> None:
        """Show ``track``'s steps ``1..last`` (point 0): sigma and eta/sigma where recorded."""
        style = (color.name(), visible)
        restyle = self._styles.get(run_id) != style
        self._styles[run_id] = style
        steps = np.arange(1, last + 1)
        series = {}
        if "second_moment" in track.state:
            with np.errstate(invalid="ignore"):
                series["sigma"] = np.sqrt(track.state["second_moment"][1 : last + 1, 0])
        if "effective_lr" in track.state:
            series["effective_lr"] = track.state["effective_lr"][1 : last + 1, 0]
        for key, values in series.items():
            for coordinate in (0, 1):
                curve, new = self._curve(run_id, key, coordinate)
                if restyle or new:
                    curve.setPen(self._pen(color, coordinate))
                    curve.setVisible(visible)
                column = values[:, coordinate]
                # Log axes: a zero or negative value is left out as a gap.
                column = np.where(column > 0, column, np.nan)
                curve.setData(steps, column)

    def retain(self, run_ids) -> None:
        """Forget the curves of runs that no longer exist."""
        keep = set(run_ids)
        for key in [k for k in self.curves if k[0] not in keep]:
            curve = self.curves.pop(key)
            self.plots[key[1]].removeItem(curve)
        for run_id in [r for r in self._styles if r not in keep]:
            del self._styles[run_id]

    def set_step_range(self, last_step: int) -> None:
        if self._last_step != last_step:
            self._last_step = last_step
            self.plots["sigma"].setXRange(0, max(last_step, 1), padding=0.02)

    def set_cursor(self, step: int) -> None:
        for cursor in self.cursors.values():
            if not cursor.moving:
                cursor.setValue(step)
