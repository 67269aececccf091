"""How runs are told apart in every picture: colour, line style and marker, per run index.

Colours are Okabe and Ito's colour-blind-safe set (Okabe & Ito 2008, "Color Universal Design"),
ordered so that the first runs stay visible on the map's viridis colour map: its yellow (the
map's high end) comes last, and each path is drawn with a dark outline (``OUTLINE``). A dash
pattern and a marker per run keep a black-and-white handout readable.

The metric colours name quantities, not runs, and never reuse a run-like "validation" colour for
something else: training and validation loss, the learning rate and the gradient norm each have
their own.
"""

from __future__ import annotations

from dataclasses import dataclass

# Okabe-Ito, without black (it is the outline colour): vermillion, blue, bluish green, reddish
# purple, orange, sky blue, then yellow (it vanishes on viridis's top end without the outline).
RUN_COLOURS: tuple[str, ...] = (
    "#d55e00",
    "#0072b2",
    "#009e73",
    "#cc79a7",
    "#e69f00",
    "#56b4e9",
    "#f0e442",
)
# Dash patterns as (dash, gap) lengths in pen widths; () is a solid line.
RUN_DASHES: tuple[tuple[int, ...], ...] = ((), (6, 3), (2, 2), (6, 2, 2, 2), (10, 4), (2, 4))
# pyqtgraph's symbol names (also understood by the exports' legend).
RUN_SYMBOLS: tuple[str, ...] = ("o", "s", "t", "d", "+", "x", "star", "h")
OUTLINE = "#1a1a1a"  # drawn under each path so a light colour stays visible on the map

# Quantities in the metric plots (not runs): one colour each, distinct from the run colours'
# "validation" convention (orange) where they appear side by side.
METRIC_COLOURS: dict[str, str] = {
    "train": "#0072b2",  # training loss: blue
    "val": "#e69f00",  # validation loss: orange
    "lr": "#009e73",  # learning rate: bluish green
    "grad_norm": "#cc79a7",  # gradient norm: reddish purple
    "accuracy": "#56b4e9",
}

# Data classes (a dataset's labels 0..K-1), not runs. Two classes keep the Network Lab's blue and
# orange; three or more take Okabe-Ito's colour-blind-safe set: blue, orange, bluish green,
# reddish purple, vermillion, sky blue (yellow is left out: it vanishes on white).
BINARY_CLASS_COLOURS: tuple[str, ...] = ("#1f77b4", "#ff7f0e")
CLASS_COLOURS: tuple[str, ...] = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9")


def class_colours(classes: int) -> tuple[str, ...]:
    """The colour of each of ``classes`` classes (2 to 6)."""
    if not 2 <= classes <= len(CLASS_COLOURS):
        raise ValueError(f"class colours are for 2 to {len(CLASS_COLOURS)} classes, not {classes}")
    return BINARY_CLASS_COLOURS if classes == 2 else CLASS_COLOURS[:classes]


@dataclass(frozen=True)
class RunStyle:
    """The look of run number ``index`` (0-based): colour, dash pattern, marker symbol."""

    colour: str
    dash: tuple[int, ...]
    symbol: str


def run_style(index: int) -> RunStyle:
    """Colour, dash and marker of the ``index``-th run; each cycles on its own, so that runs
    beyond the colours still differ in dash or marker (7 colours x 6 dashes x 8 symbols)."""
    if index < 0:
        raise ValueError(f"run index must be 0 or more, not {index}")
    return RunStyle(
        colour=RUN_COLOURS[index % len(RUN_COLOURS)],
        dash=RUN_DASHES[index % len(RUN_DASHES)],
        symbol=RUN_SYMBOLS[index % len(RUN_SYMBOLS)],
    )


def next_free_colour(used: list[str] | tuple[str, ...]) -> str:
    """The first run colour not in ``used`` (case-insensitive), or the next in turn when all are."""
    taken = {colour.lower() for colour in used}
    for colour in RUN_COLOURS:
        if colour not in taken:
            return colour
    return RUN_COLOURS[len(used) % len(RUN_COLOURS)]
