"""Presenter mode and light/dark themes: one setting that every view reads.

Views never hard-code a line width, marker size or plot colour. They ask :func:`appearance` when
they create or restyle an item (``appearance().pen(color, 2)``, ``appearance().marker(10)``,
``appearance().style_plot(plot_item)``) and connect ``appearance().changed`` to a method that
re-applies those values to the items they already have. Toggling presenter mode or the theme thus
restyles every open view, plots included, without a special case in any widget.

Three mechanisms make a switch reach every page:

- **Plot palette** (:meth:`Appearance.plot_background`, :meth:`~Appearance.plot_foreground`,
  :meth:`~Appearance.plot_text`, :meth:`~Appearance.grid_alpha`): after every theme change
  :meth:`Appearance.restyle_plots` scans every ``pyqtgraph.GraphicsView`` of the application and
  recolours backgrounds, axes (pens, tick text, labels), titles, legend entries and text items
  (colours only; a view with the property ``losslabOwnColours`` keeps its own).
- **Registered plots** (:meth:`Appearance.register_plot`): a plot whose owner has no restyle
  method is styled again (fonts, pens, colours) after every presenter-mode or theme change.
- **Widgets**: the dark theme is Fusion with outlined check box/radio indicators; transport
  buttons use :func:`tinted_icon` (the palette's button-text colour) and re-tint on
  ``PaletteChange``.

Presenter mode always derives sizes from the stored originals (the application font before
presenter mode, each owner's base sizes), so turning it off restores them exactly.

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


def _outlined_style():
    """Fusion, with check box and radio button indicators outlined in the palette's text colour:
    Fusion draws their frame a shade darker than the window, invisible on a dark one."""
    from PySide6.QtWidgets import QProxyStyle, QStyle, QStyleFactory

    class OutlinedIndicators(QProxyStyle):
        def drawPrimitive(self, element, option, painter, widget=None):  # noqa: N802 (Qt)
            super().drawPrimitive(element, option, painter, widget)
            kinds = (
                QStyle.PrimitiveElement.PE_IndicatorCheckBox,
                QStyle.PrimitiveElement.PE_IndicatorRadioButton,
                QStyle.PrimitiveElement.PE_IndicatorItemViewItemCheck,
            )
            if element not in kinds:
                return
            painter.save()
            colour = QColor(option.palette.color(QPalette.ColorRole.Text))
            colour.setAlpha(150)
            painter.setPen(QPen(colour, 1))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setRenderHint(painter.RenderHint.Antialiasing, True)
            rect = option.rect.adjusted(1, 1, -1, -1)
            if element == QStyle.PrimitiveElement.PE_IndicatorRadioButton:
                painter.drawEllipse(rect)
            else:
                painter.drawRoundedRect(rect, 1.5, 1.5)
            painter.restore()

    style = OutlinedIndicators(QStyleFactory.create("Fusion"))
    style.setObjectName("losslab-dark")
    return style


def tinted_icon(pixmap, widget=None):
    """A standard icon (play, pause, ...) drawn in the palette's button-text colour, so it
    stays visible on dark buttons (the platform's icons are dark glyphs). ``pixmap``: a
    ``QStyle.StandardPixmap``; returns a ``QIcon``."""
    from PySide6.QtGui import QIcon, QPainter, QPixmap

    source = (widget.style() if widget is not None else QApplication.style()).standardIcon(pixmap)
    palette = widget.palette() if widget is not None else QApplication.palette()
    icon = QIcon()
    for mode, group in (
        (QIcon.Mode.Normal, QPalette.ColorGroup.Active),
        (QIcon.Mode.Disabled, QPalette.ColorGroup.Disabled),
    ):
        for size in (16, 24, 32):
            image = source.pixmap(size, size).toImage()
            tinted = QPixmap.fromImage(image)
            painter = QPainter(tinted)
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
            painter.fillRect(tinted.rect(), palette.color(group, QPalette.ColorRole.ButtonText))
            painter.end()
            icon.addPixmap(tinted, mode)
    return icon


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
        self._plots: list = []  # weak references to (plot item, delta_points) kept styled

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

    def plot_text(self) -> QColor:
        """Titles, axis labels, captions and legend entries on a plot."""
        return self.plot_foreground()

    def grid_alpha(self) -> float:
        """The grid is the axis pen drawn this transparent (pyqtgraph's ``showGrid``)."""
        return 0.2 if self.theme == "light" else 0.25

    def restyle_plots(self, root=None) -> int:
        """Give every pyqtgraph view under ``root`` (default: every widget of the application)
        the current plot palette: background, axis pens and tick text, titles, axis labels,
        legend entries and plain text items. Colours only: fonts and pen widths stay as their
        owners set them (presenter mode). A view with the Qt property ``losslabOwnColours``
        set keeps its colours. Called on every theme change; returns how many views it styled.
        """
        import pyqtgraph as pg

        widgets = QApplication.allWidgets() if root is None else [root, *root.findChildren(QObject)]
        count = 0
        for view in widgets:
            if not isinstance(view, pg.GraphicsView) or view.property("losslabOwnColours"):
                continue
            scene = view.scene()
            if scene is None:
                continue
            self._restyle_view(view, scene, pg)
            count += 1
        return count

    def _restyle_view(self, view, scene, pg) -> None:
        foreground = self.plot_text()
        others = {QColor(colours[1]).name() for colours in _PLOT_COLOURS.values()}
        others.add(QColor(pg.getConfigOption("foreground")).name())
        others.update({"#000000", "#ffffff", "#969696", "#c8c8c8"})  # pyqtgraph's defaults

        def ours(colour) -> bool:  # a default or theme colour, not one its owner chose
            if colour is None:
                return True
            try:
                return pg.mkColor(colour).name() in others
            except Exception:  # noqa: BLE001 (an unusual colour spec: leave it)
                return False

        view.setBackground(self.plot_background())
        for item in scene.items():
            if isinstance(item, pg.AxisItem):
                self._restyle_axis(item, foreground, ours)
            elif isinstance(item, pg.LegendItem):
                if ours(item.opts.get("labelTextColor")):
                    item.setLabelTextColor(foreground)
            elif isinstance(item, pg.LabelItem):
                if item.text and ours(item.opts.get("color")):
                    item.setText(item.text, color=foreground)
            elif isinstance(item, pg.TextItem) and ours(item.color):
                item.setColor(foreground)

    @staticmethod
    def _restyle_axis(item, foreground, ours) -> None:
        pen = QPen(item.pen())  # every axis: its width stays, its colour follows
        pen.setColor(foreground)
        item.setPen(pen)
        item.setTextPen(foreground)
        if ours(item.labelStyle.get("color")):
            item.labelStyle = {**item.labelStyle, "color": foreground.name()}
            if item.labelText or item.labelUnits:
                item.setLabel(item.labelText, item.labelUnits, item.labelUnitPrefix)

    def style_plot(self, plot, widget=None, delta_points: float = -1.0) -> None:
        """Axis pens, tick and label fonts, and title of a pyqtgraph ``PlotItem`` (and the
        background of the ``GraphicsView`` it sits in)."""
        foreground = self.plot_foreground()
        # A plot made after the last theme change must not keep pyqtgraph's black default.
        widget = widget if widget is not None else plot.getViewWidget()
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

    def register_plot(self, plot, delta_points: float = -1.0) -> None:
        """Style ``plot`` (a ``PlotItem``) now and again after every presenter-mode or theme
        change, for plots whose owner has no restyle method of its own. Held weakly."""
        import weakref

        self.style_plot(plot, delta_points=delta_points)
        self._plots = [(ref, d) for ref, d in self._plots if ref() is not None]
        self._plots.append((weakref.ref(plot), delta_points))

    def _restyle_registered(self) -> None:
        from shiboken6 import isValid

        alive = []
        for ref, delta in self._plots:
            plot = ref()
            if plot is None or not isValid(plot):
                continue
            self.style_plot(plot, delta_points=delta)
            alive.append((ref, delta))
        self._plots = alive

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
        self._restyle_registered()
        self.changed.emit()

    def set_theme(self, theme: str) -> None:
        if theme not in THEMES:
            raise ValueError(f"unknown theme {theme!r}; choose one of: {', '.join(THEMES)}")
        if theme == self.theme and self._base_style is not None:
            return
        self.theme = theme
        self._apply_theme()
        self._restyle_registered()
        self.changed.emit()
        self.restyle_plots()  # after the owners: every plot, whoever made it, follows

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
            app.setStyle(_outlined_style())
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
