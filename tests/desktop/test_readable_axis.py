"""ReadableAxis on a log axis: labels at powers of ten, or at round values within a decade."""

import math

import pyqtgraph as pg
import pytest

from desktop_app.widgets.axes import readable_axes
from tests.desktop import geometry


@pytest.fixture(scope="module")
def plot(qapp):
    widget = pg.PlotWidget()
    item = widget.getPlotItem()
    readable_axes(item)
    item.setLogMode(y=True)
    widget.resize(500, 400)
    widget.show()
    yield item
    widget.close()
    widget.deleteLater()


def _labels(plot, qapp, low: float, high: float) -> list[str]:
    plot.setYRange(math.log10(low), math.log10(high), padding=0)
    for _ in range(3):  # a paint widens the axis to its labels, then the layout follows
        plot.getViewWidget().repaint()
        qapp.processEvents()
    return [text for _rect, text in geometry.tick_label_rects(plot.getAxis("left"))]


def test_within_a_decade_the_labels_are_round_values_in_view(plot, qapp):
    texts = _labels(plot, qapp, 2.1, 2.9)  # no power of ten, no whole multiple of one
    values = [float(text) for text in texts]
    assert len(values) >= 2
    assert all(2.1 <= v <= 2.9 for v in values)
    assert len(set(texts)) == len(texts)  # enough digits to tell them apart
    assert not geometry.colliding_ticks(plot)


def test_large_values_within_a_decade_read_plainly(plot, qapp):
    texts = _labels(plot, qapp, 2300.0, 2900.0)
    assert len(texts) >= 2
    assert all(text.isdigit() and 2300 <= int(text) <= 2900 for text in texts)  # "2400"


def test_several_decades_keep_the_powers_of_ten(plot, qapp):
    texts = _labels(plot, qapp, 1e-3, 10.0)
    assert {"0.01", "0.1", "1"} <= set(texts)


def _ticks_in_view(axis, low: float, high: float, size: float) -> list[float]:
    levels = axis.tickValues(low, high, size)
    return [v for _spacing, values in levels for v in values if low <= v <= high]


def test_many_decades_draw_no_bar_of_minor_ticks(plot):
    """A gradient norm from 1e-15 to 1e5 on a 60-pixel axis (the Surface Lab's metric plots):
    ticks some pixels apart (pyqtgraph put one at 2..9 times each power of ten as well: 200
    ticks, a solid bar), the powers of ten still there."""
    axis = plot.getAxis("left")
    ticks = _ticks_in_view(axis, -15.0, 5.0, 60.0)
    assert len(ticks) <= 30
    assert {-15.0, -10.0, -5.0, 0.0, 5.0} <= set(ticks)
    few = _ticks_in_view(axis, -1.0, 1.0, 150.0)  # two decades: room for the multiples
    for multiple in (2.0, 0.5):
        assert any(math.isclose(t, math.log10(multiple), abs_tol=1e-9) for t in few)
