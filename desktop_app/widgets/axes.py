"""Plot axes whose tick labels never run together, and legends that follow presenter mode.

pyqtgraph always draws every label of the major tick level, however narrow the axis: at
projector font sizes "20", "40", "60", "80" became "20406080", and a log axis's minor labels
(0.09, 0.08, ...) piled up. :class:`ReadableAxis` drops a label that would come closer than
:data:`TICK_GAP` pixels to one already kept (major labels come first, so minor ones go first),
labels a log axis at its powers of ten only when two or more are in view (at round values when
less than a decade is in view), and never moves a factor such as "(x0.001)" into the axis label.
Used by the Network Lab and the Data & batches page (``readable_axes`` right after a plot is
made, before its log mode is set: pyqtgraph does not carry the log mode to a new axis).
``style_legend`` gives a legend the current mode's font and the theme's text colour;
``run_pen`` is a race's run pen (``core.palette.run_style``: colour and dash).
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import QRectF

from core.palette import run_style
from desktop_app.style import appearance

TICK_GAP = 6.0  # px between two tick labels of one axis, at least
MULTIPLES_MIN_PX = 40.0  # px a decade needs for ticks at 2, 3, ..., 9 times its power of ten


def _spaced(rects: list[QRectF], gap: float, horizontal: bool) -> list[int]:
    """Indices of the rectangles kept, in order: each at least ``gap`` from every kept one."""
    kept: list[QRectF] = []
    indices = []
    for index, rect in enumerate(rects):
        half = gap / 2
        grown = rect.adjusted(-half, 0, half, 0) if horizontal else rect.adjusted(0, -half, 0, half)
        if any(grown.intersects(other) for other in kept):
            continue
        kept.append(rect)
        indices.append(index)
    return indices


class ReadableAxis(pg.AxisItem):
    """An ``AxisItem`` that leaves out tick labels that would collide."""

    def __init__(self, orientation: str, **options) -> None:
        super().__init__(orientation, **options)
        self.enableAutoSIPrefix(False)  # "0.002", never "2" with "(x0.001)" in the label

    def generateDrawSpecs(self, p):  # noqa: N802 (pyqtgraph naming)
        specs = self._log_decades(p) if self.logMode else None
        if specs is None:
            specs = super().generateDrawSpecs(p)
        if specs is None:
            return specs
        axis_spec, tick_specs, text_specs = specs
        horizontal = self.orientation in ("bottom", "top")
        keep = _spaced([rect for rect, _flags, _text in text_specs], TICK_GAP, horizontal)
        return axis_spec, tick_specs, [text_specs[i] for i in keep]

    def _log_decades(self, p):
        """A log axis labelled at its powers of ten only ("9·10¹, 7·10¹, ..." cluttered a tall
        loss plot), when at least two of them are in view; None otherwise."""
        levels = self.style["maxTextLevel"]
        self.style["maxTextLevel"] = 0
        try:
            specs = super().generateDrawSpecs(p)
        finally:
            self.style["maxTextLevel"] = levels
        if specs is None or len(specs[2]) < 2:
            return None
        return specs

    def logTickValues(self, minVal, maxVal, size, stdTicks):  # noqa: N802, N803 (pyqtgraph)
        """Less than a decade in view can hold no power of ten and no whole multiple of one
        (2.1 to 2.9): then ticks at round values of the linear range, at their logarithms."""
        levels = super().logTickValues(minVal, maxVal, size, stdTicks)
        levels = self._without_crowded_multiples(levels, maxVal - minVal, size)
        self._fine_spacing = None
        inside = [v for _s, values in levels for v in values if minVal <= v <= maxVal]
        if len(inside) >= 2 or not size:
            return levels
        low, high = 10.0**minVal, 10.0**maxVal
        for spacing, _offset in self.tickSpacing(low, high, size):  # the coarsest with two
            first = math.ceil(low / spacing) * spacing
            values = [first + i * spacing for i in range(int((high - first) / spacing) + 1)]
            values = [v for v in values if low <= v <= high and v > 0]
            if len(values) >= 2:
                self._fine_spacing = spacing
                return [(None, [math.log10(v) for v in values])]
        return levels

    @staticmethod
    def _without_crowded_multiples(levels, decades: float, size: float):
        """pyqtgraph adds a tick at 2, 3, ..., 9 times every power of ten in view when it has
        fewer than three levels: over the 30 decades of a loss that reaches 1e-30, a solid bar
        on the axis. They stay where a decade has ``MULTIPLES_MIN_PX`` pixels."""
        if not size or decades <= 0 or size / decades >= MULTIPLES_MIN_PX:
            return levels
        return [(spacing, values) for spacing, values in levels if spacing is not None]

    def logTickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph naming)
        fine = getattr(self, "_fine_spacing", None)
        if fine is None:
            return super().logTickStrings(values, scale, spacing)
        numbers = [10.0**v * scale for v in values]
        top = max((abs(n) for n in numbers), default=1.0)
        if 1e-3 <= top < 1e5:  # "2400", "2.2", "0.0022": the spacing's decimals
            places = max(0, -math.floor(math.log10(fine * scale)))
            return [f"{n:.{places}f}" for n in numbers]
        digits = max(1, math.ceil(math.log10(top / (fine * scale))) + 1)
        return [f"{n:.{digits}g}" for n in numbers]


def readable_axes(plot: pg.PlotItem, sides: tuple[str, ...] = ("left", "bottom")) -> None:
    """Give ``plot`` :class:`ReadableAxis` axes on ``sides``, with the old axes' labels (call
    it before the log mode is set: pyqtgraph does not carry that over)."""
    labels = {side: plot.getAxis(side).labelText for side in sides}
    plot.setAxisItems({side: ReadableAxis(side) for side in sides})
    for side, text in labels.items():
        if text:
            plot.setLabel(side, text)


def run_pen(index: int, width: float = 2.0, colour: str | None = None):
    """The pen of run ``index`` in a race: its palette colour (or ``colour``) and dash pattern,
    so that runs stay apart on a black-and-white printout."""
    style = run_style(index)
    options = {"dash": list(style.dash)} if style.dash else {}
    return appearance().pen(colour or style.colour, width, **options)


def style_legend(legend: pg.LegendItem, delta_points: float = -1.0) -> None:
    """Legend entries in the plot font of the current mode (presenter mode scales them) and the
    theme's text colour. Call it again after adding entries."""
    look = appearance()
    size = f"{look.point_size(delta_points):.1f}pt"
    colour = look.plot_text()  # the theme's (pyqtgraph's default grey is faint on white)
    legend.opts["labelTextSize"] = size
    legend.opts["labelTextColor"] = colour
    for _sample, label in legend.items:
        label.setAttr("size", size)
        label.setAttr("color", colour)
        label.setText(label.text)
    legend.updateSize()
