"""Presenter mode and light/dark themes: one setting that every view reads.

Views never hard-code a line width, marker size or plot colour. They ask :func:`appearance` when
they create or restyle an item (``appearance().pen(color, 2)``, ``appearance().marker(10)``,
``appearance().style_plot(plot_item)``) and connect ``appearance().changed`` to a method that
re-applies those values to the items they already have. Toggling presenter mode or the theme thus
restyles every open view, plots included, without a special case in any widget.

Presenter mode (for projectors) scales the application font by :data:`FONT_SCALE`, line widths by
:data:`LINE_SCALE` and marker sizes by :data:`MARKER_SCALE`. The dark theme is Qt's Fusion style
with a dark palette and dark plot backgrounds; the light theme is the platform's own style and
palette with white plots.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette, QPen
from PySide6.QtWidgets import QApplication

FONT_SCALE = 1.4
LINE_SCALE = 2.0
MARKER_SCALE = 1.6
THEMES = ("light", "dark")

# Plot colours per theme: background, foreground (axes, text), timeline cursor.
_PLOT_COLOURS = {
    "light": ("#ffffff", "#303030", (40, 40, 40, 170)),
    "dark": ("#000000", "#c8c8c8", (250, 250, 250, 160)),
}

_DARK = {
    QPalette.ColorRole.Window: "#2b2b2b",
    QPalette.ColorRole.WindowText: "#e2e2e2",
    QPalette.ColorRole.Base: "#1e1e1e",
    QPalette.ColorRole.AlternateBase: "#2f2f2f",
    QPalette.ColorRole.ToolTipBase: "#383838",
    QPalette.ColorRole.ToolTipText: "#e2e2e2",
    QPalette.ColorRole.PlaceholderText: "#8c8c8c",
    QPalette.ColorRole.Text: "#e2e2e2",
    QPalette.ColorRole.Button: "#353535",
    QPalette.ColorRole.ButtonText: "#e2e2e2",
    QPalette.ColorRole.BrightText: "#ff5252",
    QPalette.ColorRole.Light: "#4a4a4a",
    QPalette.ColorRole.Midlight: "#3e3e3e",
    QPalette.ColorRole.Mid: "#5a5a5a",
    QPalette.ColorRole.Dark: "#191919",
    QPalette.ColorRole.Shadow: "#000000",
    QPalette.ColorRole.Highlight: "#2f7fd6",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#6cb4ff",
    QPalette.ColorRole.LinkVisited: "#b49cff",
}
_DARK_DISABLED = {
    QPalette.ColorRole.WindowText: "#7a7a7a",
    QPalette.ColorRole.Text: "#7a7a7a",
    QPalette.ColorRole.ButtonText: "#7a7a7a",
    QPalette.ColorRole.HighlightedText: "#9a9a9a",
}


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, colour in _DARK.items():
        palette.setColor(role, QColor(colour))
    for role, colour in _DARK_DISABLED.items():
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(colour))
    return palette


def system_theme() -> str:
    """ "dark" when the desktop asks for a dark colour scheme, else "light"."""
    hints = QGuiApplication.styleHints() if QGuiApplication.instance() else None
    if hints is not None and hints.colorScheme() == Qt.ColorScheme.Dark:
        return "dark"
    return "light"


class Appearance(QObject):
    """The current presenter mode and theme; ``changed`` fires after either changes."""

    changed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.presenter = False
        self.theme = "light"
        self._base_font: QFont | None = None  # the application font before presenter mode
        self._base_style: str | None = None  # the platform's style name (light theme)

    # -- what views read -------------------------------------------------------------------------

    @property
    def line_scale(self) -> float:
        return LINE_SCALE if self.presenter else 1.0

    @property
    def marker_scale(self) -> float:
        return MARKER_SCALE if self.presenter else 1.0

    @property
    def font_scale(self) -> float:
        return FONT_SCALE if self.presenter else 1.0

    def width(self, base: float) -> float:
        return base * self.line_scale

    def marker(self, base: float) -> float:
        return base * self.marker_scale

    def pen(self, color, width: float = 1.0, **options) -> QPen:
        """A cosmetic pen of ``width`` (in normal mode) scaled for the current mode."""
        import pyqtgraph as pg

        return pg.mkPen(color, width=self.width(width), **options)

    def font(self, delta_points: float = 0.0) -> QFont:
        """The application font, ``delta_points`` larger (scaled with presenter mode too)."""
        font = QFont(QApplication.font())
        size = font.pointSizeF()
        if size > 0:
            font.setPointSizeF(max(size + delta_points * self.font_scale, 5.0))
        return font

    def point_size(self, delta_points: float = 0.0) -> float:
        return self.font(delta_points).pointSizeF()

    def plot_background(self) -> QColor:
        return QColor(_PLOT_COLOURS[self.theme][0])

    def plot_foreground(self) -> QColor:
        return QColor(_PLOT_COLOURS[self.theme][1])

    def cursor_pen(self) -> QPen:
        return self.pen(_PLOT_COLOURS[self.theme][2], 1)

    def style_plot(self, plot, widget=None, delta_points: float = -1.0) -> None:
        """Axis pens, tick and label fonts, and title of a pyqtgraph ``PlotItem`` (and the
        background of the ``GraphicsView`` it sits in)."""
        foreground = self.plot_foreground()
        if widget is not None:
            widget.setBackground(self.plot_background())
        tick_font = self.font(delta_points)
        label_size = f"{self.point_size(delta_points):.1f}pt"
        for name in ("left", "bottom", "right", "top"):
            axis = plot.getAxis(name)
            if axis is None:
                continue
            self.style_axis(axis, tick_font, label_size, foreground)
        title = getattr(plot, "titleLabel", None)
        if title is not None and title.text:
            title.setText(title.text, size=label_size, color=foreground)

    def style_axis(self, axis, tick_font=None, label_size=None, foreground=None) -> None:
        foreground = foreground or self.plot_foreground()
        tick_font = tick_font or self.font(-1)
        label_size = label_size or f"{self.point_size(-1):.1f}pt"
        axis.setPen(self.pen(foreground, 1))
        axis.setTextPen(foreground)
        axis.setStyle(tickFont=tick_font)
        label_style = {"font-size": label_size, "color": foreground.name()}
        if axis.labelText or axis.labelUnits:
            axis.setLabel(axis.labelText, axis.labelUnits, axis.labelUnitPrefix, **label_style)
        else:
            axis.labelStyle = label_style

    # -- switching -------------------------------------------------------------------------------

    def set_presenter(self, on: bool) -> None:
        if on == self.presenter:
            return
        self.presenter = on
        self._apply_font()
        self.changed.emit()

    def set_theme(self, theme: str) -> None:
        if theme not in THEMES:
            raise ValueError(f"unknown theme {theme!r}; choose one of: {', '.join(THEMES)}")
        if theme == self.theme and self._base_style is not None:
            return
        self.theme = theme
        self._apply_theme()
        self.changed.emit()

    def _apply_font(self) -> None:
        app = QApplication.instance()
        if app is None:
            return
        if self._base_font is None:
            self._base_font = QFont(app.font())
        font = QFont(self._base_font)
        size = font.pointSizeF()
        if size > 0:
            font.setPointSizeF(size * self.font_scale)
        app.setFont(font)

    def _apply_theme(self) -> None:
        import pyqtgraph as pg

        app = QApplication.instance()
        if app is None:
            return
        if self._base_style is None:
            self._base_style = app.style().name()
        if self.theme == "dark":
            # Native Windows and macOS styles ignore a dark palette; Fusion follows it.
            app.setStyle("Fusion")
            app.setPalette(dark_palette())
        else:
            app.setStyle(self._base_style)
            app.setPalette(app.style().standardPalette())
        # New plots take these; existing ones are restyled by their owners on ``changed``.
        pg.setConfigOptions(background=self.plot_background(), foreground=self.plot_foreground())


_appearance: Appearance | None = None


def appearance() -> Appearance:
    """The one :class:`Appearance` of this process."""
    global _appearance
    if _appearance is None:
        _appearance = Appearance()
    return _appearance
