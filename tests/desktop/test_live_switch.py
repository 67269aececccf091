"""Language, theme and presenter mode switched while the app runs reach every page: every widget
text, plot title, axis label and legend entry follows the language both ways, every plot follows
the theme both ways, and leaving presenter mode restores every font size."""

import html
import re
import xml.etree.ElementTree as ET

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QGroupBox,
    QHeaderView,
    QLabel,
    QListWidget,
    QTabBar,
    QWidget,
)

from desktop_app import i18n
from desktop_app.style import appearance
from tests.desktop.conftest import main_window

TAG = re.compile(r"<[^>]+>")
PLACEHOLDER = re.compile(r"\\\{\d+(?::[^}]*)?\\\}")
CJK = re.compile(r"[\u2e80-\u9fff\uff00-\uffef]")


def catalogue():
    """(sources, translations, patterns) of the .ts, only messages whose translation differs;
    ``patterns``: a regular expression for each source with placeholders ("step {0} / {1}")."""
    sources, translations, patterns = set(), set(), []
    for message in ET.parse(i18n.ts_path("zh")).getroot().iter("message"):
        source = message.findtext("source") or ""
        translation = message.findtext("translation") or ""
        if source and translation and source != translation:
            sources.add(clean(source))
            translations.add(clean(translation))
            escaped = re.escape(clean(source))
            if PLACEHOLDER.search(escaped):
                patterns.append(re.compile(PLACEHOLDER.sub(".+?", escaped), re.S))
    sources = {s for s in sources if s and not s.isspace()}
    return sources, {t for t in translations if t}, patterns


def clean(text: str) -> str:
    text = TAG.sub("", text).replace("&&", "\0")
    text = re.sub(r"\(&\w\)", "", text)
    text = re.sub(r"&(?=[^\s;]*(\s|$))", "", text).replace("\0", "&")  # accelerators
    return " ".join(html.unescape(text).replace("\xa0", " ").split())


def english_left(text: str, sources, patterns) -> bool:
    """Whether ``text`` (or one of its lines/clauses) is a source the catalogue translates."""
    parts = pieces(text)
    if any(piece in sources for piece in parts):
        return True
    return any(pattern.fullmatch(piece) for piece in parts for pattern in patterns)


def pieces(text: str) -> list[str]:
    """A shown text and its parts (lines, clauses): a source may be a whole text or one line."""
    text = clean(text)
    parts = {text}
    for line in re.split(r"\n|  +|\s·\s|: |\s\|\s|\s—\s|\s\(", text):
        line = line.strip().lstrip("○×△◇? ")  # a found point: "× saddle (0, 0)"
        if line:
            parts.add(line)
    return [p for p in parts if p]


def widget_texts(page: QWidget):
    """(where, text) for every text a user can read on ``page`` and its plots."""
    for widget in [page, *page.findChildren(QWidget)]:
        name = f"{type(widget).__name__}({widget.objectName()!r})"
        buddy = widget.buddy() if isinstance(widget, QLabel) else None
        if buddy is not None and buddy.objectName().endswith(widget.text()):
            continue  # an optimizer parameter's code name ("lr", "momentum"): not a word
        if isinstance(widget, (QLabel, QAbstractButton)):
            yield name, widget.text()
        if isinstance(widget, QGroupBox):
            yield name, widget.title()
        yield from item_texts(widget, name)
    yield from plot_texts(page)


def item_texts(widget: QWidget, name: str):
    """(where, text) for the items of a tab bar, combo box, list or header."""
    if isinstance(widget, QTabBar):
        for i in range(widget.count()):
            yield name + f" tab {i}", widget.tabText(i)
    if isinstance(widget, QComboBox):
        for i in range(widget.count()):
            yield name + f" item {i}", widget.itemText(i)
    if isinstance(widget, QListWidget):
        for i in range(widget.count()):
            yield name + f" item {i}", widget.item(i).text()
    if isinstance(widget, QHeaderView) and widget.model() is not None:
        for i in range(widget.count()):
            value = widget.model().headerData(i, widget.orientation())
            if isinstance(value, str):
                yield name + f" header {i}", value


def plot_texts(page: QWidget):
    import pyqtgraph as pg

    for view in page.findChildren(pg.GraphicsView):
        where = f"{type(view).__name__}({view.objectName()!r})"
        for item in view.scene().items():
            if isinstance(item, pg.PlotItem):
                if item.titleLabel.text:
                    yield where + " title", item.titleLabel.text
            elif isinstance(item, pg.AxisItem):
                if item.labelText:
                    yield where + " axis", item.labelText
            elif isinstance(item, pg.LegendItem):
                for _sample, label in item.items:
                    yield where + " legend", label.text
            elif isinstance(item, pg.LabelItem):
                if item.text:
                    yield where + " label", item.text
            elif isinstance(item, pg.TextItem):
                yield where + " text", item.textItem.toPlainText()


def pages(window):
    return {
        "surface": window.surface_lab,
        "data": window.data_lab,
        "network": window.network_lab,
        "lessons": window.lessons,
    }


@pytest.fixture(scope="module")
def window(qapp, tmp_path_factory, light_scene):
    from desktop_app.data_lab import page as data_page

    with (
        pytest.MonkeyPatch.context() as patch,
        main_window(light_scene, tmp_path_factory.mktemp("user-data"), (1300, 850)) as main,
    ):
        patch.setattr(data_page, "RASTER_RESOLUTION", 48)  # a coarse map: a quick start
        for page in (main.data_lab, main.network_lab, main.lessons, main.surface_lab):
            main.pages.setCurrentWidget(page)
            qapp.processEvents()
        main.data_lab.wait_idle(60)
        main.data_lab.set_playing(False)
        yield main


def settle(qapp):
    import time

    for _ in range(3):
        qapp.processEvents()
        time.sleep(0.05)  # a frame timer (33 ms) redraws what is derived from state
    qapp.processEvents()


def show_state(window):
    """Texts that only appear in some states: the map's eigenvector legend, a step label."""
    import numpy as np

    lab = window.surface_lab
    lab.map.set_eigen_arrows(np.array([0.5, 0.5]), np.array([-1.0, 2.0]), np.eye(2))
    lab.seek(3)
    window.data_lab.seek(2)
    network = window.network_lab
    if network.epochs_done() == 0:  # once: an epoch trained, the Hessian's verdict shown
        network.step_epoch()
        assert network.wait_for(lambda: network.epochs_done() >= 1, 30)
        assert network.wait_idle(30)
        network.draw()
        network.compute_curvature()
        assert network.wait_idle(60) and network.curvature.has_report()


@pytest.mark.parametrize("name", ["surface", "data", "network", "lessons"])
def test_chinese_at_run_time_then_english_again(window, qapp, name):
    sources, translations, patterns = catalogue()
    page = pages(window)[name]
    show_state(window)
    i18n.set_language("zh")
    settle(qapp)
    english = sorted(
        {
            f"{where}: {text!r}"
            for where, text in widget_texts(page)
            if english_left(text, sources, patterns)
        }
    )
    i18n.set_language("en")
    settle(qapp)
    chinese = sorted(
        {
            f"{where}: {text!r}"
            for where, text in widget_texts(page)
            if CJK.search(text) or any(piece in translations for piece in pieces(text))
        }
    )
    assert not english, "still English in Chinese:\n" + "\n".join(english)
    assert not chinese, "still Chinese in English:\n" + "\n".join(chinese)


def plot_backgrounds(page):
    """(where, colour) of every plot's background, axis text, title and legend entry."""
    import pyqtgraph as pg

    for view in page.findChildren(pg.GraphicsView):
        where = f"{type(view).__name__}({view.objectName()!r})"
        yield where, view.backgroundBrush().color()
        for item in view.scene().items():
            if isinstance(item, pg.AxisItem) and item.isVisible():
                yield where + " axis text", _Inverted(item.textPen().color())
            elif isinstance(item, pg.LegendItem):
                for _sample, label in item.items:
                    colour = label.opts.get("color") or pg.getConfigOption("foreground")
                    yield where + f" legend {label.text!r}", _Inverted(pg.mkColor(colour))
            elif isinstance(item, pg.PlotItem) and item.titleLabel.text:
                colour = item.titleLabel.opts.get("color") or pg.getConfigOption("foreground")
                yield where + " title", _Inverted(pg.mkColor(colour))


class _Inverted:
    """Text colours compare inverted: light text belongs on a dark background."""

    def __init__(self, colour) -> None:
        from PySide6.QtGui import QColor

        self.colour = QColor(colour)

    def lightness(self) -> int:
        return 255 - self.colour.lightness()


@pytest.mark.parametrize("name", ["surface", "data", "network"])
def test_every_plot_follows_the_theme_both_ways(window, qapp, name):
    page = pages(window)[name]
    try:
        appearance().set_theme("dark")
        settle(qapp)
        light = [w for w, colour in plot_backgrounds(page) if colour.lightness() > 60]
        appearance().set_theme("light")
        settle(qapp)
        dark = [w for w, colour in plot_backgrounds(page) if colour.lightness() < 200]
    finally:
        appearance().set_theme("light")
    assert not light, f"light plots in the dark theme: {light}"
    assert not dark, f"dark plots in the light theme: {dark}"


def font_sizes(page):
    import pyqtgraph as pg

    sizes = {}
    for widget in [page, *page.findChildren(QWidget)]:
        sizes[f"{type(widget).__name__}:{widget.objectName()}:{id(widget)}"] = (
            widget.font().pointSizeF()
        )
    for view in page.findChildren(pg.GraphicsView):
        for index, item in enumerate(view.scene().items()):
            key = f"{type(view).__name__}:{id(view)}:{type(item).__name__}:{index}"
            if isinstance(item, pg.AxisItem):
                font = item.style.get("tickFont")
                if font is not None:
                    sizes[key + ":tick"] = font.pointSizeF()
            elif isinstance(item, pg.LabelItem) and item.text:
                sizes[key + ":label"] = item.opts.get("size")
    return sizes


@pytest.mark.parametrize("name", ["surface", "data", "network", "lessons"])
def test_leaving_presenter_mode_restores_every_font(window, qapp, name):
    page = pages(window)[name]
    before = font_sizes(page)
    try:
        appearance().set_presenter(True)
        settle(qapp)
        i18n.set_language("zh")  # texts re-set in presenter mode must shrink back too
        appearance().set_theme("dark")
        settle(qapp)
        appearance().set_presenter(False)
        i18n.set_language("en")
        appearance().set_theme("light")
        settle(qapp)
    finally:
        appearance().set_presenter(False)
        appearance().set_theme("light")
        i18n.set_language("en")
    after = font_sizes(page)
    changed = {k: (before[k], after[k]) for k in before if k in after and before[k] != after[k]}
    assert not changed, f"font sizes not restored: {changed}"


def _mean_lightness(image, opaque_only: bool = True) -> float:
    from PySide6.QtGui import QColor

    values = []
    for y in range(image.height()):
        for x in range(image.width()):
            colour = QColor.fromRgba(image.pixel(x, y))
            if not opaque_only or colour.alpha() > 128:
                values.append(colour.lightness())
    return sum(values) / max(len(values), 1)


def test_transport_icons_and_check_boxes_stay_visible_in_both_themes(window, qapp):
    from PySide6.QtWidgets import QCheckBox

    buttons = {
        "surface play": window.surface_lab.transport.play,
        "data play": window.data_lab.transport.play,
        "data back": window.data_lab.transport.back,
        "network play": window.network_lab.play_button,
        "network step": window.network_lab.step_button,
    }
    try:
        for theme, visible in (("dark", lambda v: v > 150), ("light", lambda v: v < 110)):
            appearance().set_theme(theme)
            settle(qapp)
            for name, button in buttons.items():
                lightness = _mean_lightness(button.icon().pixmap(16, 16).toImage())
                assert visible(lightness), f"{name} icon in the {theme} theme: {lightness:.0f}"
        appearance().set_theme("dark")
        settle(qapp)
        box = QCheckBox()  # unchecked, no text: only the indicator is drawn
        box.resize(box.sizeHint())
        image = box.grab().toImage()
        background = qapp.palette().window().color().lightness()
        brightest = max(
            _lightness(image.pixel(x, y))
            for x in range(image.width())
            for y in range(image.height())
        )
        assert brightest > background + 60, "an unchecked box is invisible in the dark theme"
        box.deleteLater()
    finally:
        appearance().set_theme("light")


def _lightness(rgb: int) -> int:  # noqa: N802
    from PySide6.QtGui import QColor

    return QColor.fromRgb(rgb).lightness()


def test_the_hessian_panel_after_an_escape_and_a_search_follows_the_language(window, qapp):
    """Texts of a state reached by hand: "After the escape:", the escape's result, the found
    points ("× saddle (0, 0)"), the map's eigenvector legend."""
    sources, translations, patterns = catalogue()
    lab = window.surface_lab
    lab.set_surface({"builtin": "saddle"})
    assert lab.wait_idle(30)
    lab.bottom_tabs.setCurrentWidget(lab.eigen_scroll)
    lab.inspect_point(0.0, 0.01)
    assert lab.wait_idle(30)
    lab._frame()
    lab.eigen_panel.threshold.setValue(1.0)
    lab.escape_the_saddle()
    assert lab.wait_idle(30)
    lab._frame()
    lab.eigen_panel.find.click()
    assert lab.wait_idle(60)
    lab._frame()
    assert "After the escape" in lab.eigen_panel.source.text()
    assert lab.eigen_panel.found_list.count() > 0
    try:
        i18n.set_language("zh")
        settle(qapp)
        english = sorted(
            f"{where}: {text!r}"
            for where, text in widget_texts(lab)
            if english_left(text, sources, patterns)
        )
        assert "逃离之后" in lab.eigen_panel.source.text() or english
    finally:
        i18n.set_language("en")
        settle(qapp)
    chinese = sorted(f"{where}: {text!r}" for where, text in widget_texts(lab) if CJK.search(text))
    assert not english, "still English in Chinese:\n" + "\n".join(english)
    assert not chinese, "still Chinese in English:\n" + "\n".join(chinese)
