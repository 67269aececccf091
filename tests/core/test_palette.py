"""Run colours: colour-blind safe, distinct in grey, and visible on the map's colour map."""

from __future__ import annotations

import numpy as np
import pytest

from core.palette import METRIC_COLOURS, RUN_COLOURS, next_free_colour, run_style


def _rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], float) / 255


def _luminance(colour: str) -> float:
    """WCAG relative luminance."""
    c = _rgb(colour)
    c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(c @ [0.2126, 0.7152, 0.0722])


# viridis's top end (pyqtgraph's and matplotlib's last stop)
VIRIDIS_TOP = "#fde725"


def test_every_run_has_a_distinct_colour_dash_and_marker_among_the_first_six():
    styles = [run_style(i) for i in range(6)]
    assert len({s.colour for s in styles}) == 6
    assert len({s.dash for s in styles}) == 6
    assert len({s.symbol for s in styles}) == 6
    with pytest.raises(ValueError):
        run_style(-1)


def test_the_first_runs_stand_out_from_the_yellow_end_of_the_map():
    """Contrast ratio (WCAG) against viridis's yellow: the old palette's yellow run had ~1.1."""
    top = _luminance(VIRIDIS_TOP)
    for colour in RUN_COLOURS[:6]:
        lum = _luminance(colour)
        ratio = (max(lum, top) + 0.05) / (min(lum, top) + 0.05)
        assert ratio > 1.5, colour


def test_metric_colours_are_distinct_and_lr_is_not_validation_orange():
    assert len(set(METRIC_COLOURS.values())) == len(METRIC_COLOURS)
    assert METRIC_COLOURS["lr"] != METRIC_COLOURS["val"]
    assert METRIC_COLOURS["grad_norm"] != METRIC_COLOURS["val"]


def test_next_free_colour_skips_used_ones():
    assert next_free_colour([]) == RUN_COLOURS[0]
    assert next_free_colour([RUN_COLOURS[0].upper()]) == RUN_COLOURS[1]
    assert next_free_colour(list(RUN_COLOURS)) == RUN_COLOURS[0]
