"""Classroom mode on the Network Lab and the Data & batches page (issue 12).

At projector sizes (1024x768, 1280x720, 1920x1080), presenter mode on and off, every tab of the
views: the window keeps the asked size (no page's minimum widens it), no control is cut off or
out of reach, no text covers another, tick labels do not run together, and in presenter mode
every plot is at least 200 px tall. The settings column collapses to a slim bar in presenter mode
and comes back after; presenter mode scales texts, lines and markers and gives them back; metric
and run colours come from ``core.palette``; the Hessian's verdict ignores tiny negative
eigenvalues. One main window for the module, resized between cases.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from core.palette import METRIC_COLOURS, run_style
from desktop_app.style import appearance
from tests.desktop import geometry
from tests.desktop.conftest import data_page_window

SIZES = ((1024, 768), (1280, 720), (1920, 1080))
MIN_PLOT_HEIGHT = 200  # px, in presenter mode


@pytest.fixture(scope="module")
def window(qapp, light_scene, tmp_path_factory):
    folder = tmp_path_factory.mktemp("user-data")
    with data_page_window(light_scene, folder, also=("data_lab", "network_lab")) as main:
        network = main.network_lab
        assert network.wait_for(lambda: "network" in network.snapshots, 60)
        yield main


def settle(qapp) -> None:
    for _ in range(3):
        qapp.processEvents()
        time.sleep(0.04)  # the frame timers (33 ms) redraw what changed
    qapp.processEvents()


def arrange(window, qapp, page, size, presenter: bool) -> None:
    appearance().set_presenter(presenter)
    window.pages.setCurrentWidget(page)
    window.resize(*size)
    settle(qapp)


def minimum_sizes(window) -> str:
    """What widened the window: each page's minimum size."""
    pages = [window.pages.widget(i) for i in range(window.pages.count())]
    sizes = ", ".join(
        f"{type(page).__name__} {page.minimumSizeHint().width()}x{page.minimumSizeHint().height()}"
        for page in pages
    )
    return f"a page's minimum size widened the window: {sizes}"


def problems(window, size, presenter: bool, tabs, always_shown) -> list[str]:
    """Everything wrong with the window as it stands, for each tab of ``tabs`` (a tab widget)."""
    found = []
    if (window.width(), window.height()) != size:
        found.append(minimum_sizes(window))
    for index in range(tabs.count()):
        tabs.setCurrentIndex(index)
        settle(QApplication.instance())
        where = f"[{tabs.tabText(index)}]"
        found += [f"{where} clipped: {p}" for p in geometry.clipped_widgets(window)]
        found += [f"{where} overlap: {p}" for p in geometry.overlapping_texts(window)]
        found += [f"{where} cut text: {p}" for p in geometry.cut_plot_texts(window)]
        found += [f"{where} ticks: {p}" for p in geometry.all_colliding_ticks(window)]
        if presenter:
            short = geometry.short_plots(window, MIN_PLOT_HEIGHT)
            found += [f"{where} short: {p}" for p in short]
        hidden = [w for w in always_shown if not geometry.visible_without_scrolling(w)]
        found += [f"{where} not in view: {geometry.describe(w)}" for w in hidden]
    tabs.setCurrentIndex(0)
    return found


@pytest.mark.parametrize("presenter", [False, True], ids=["normal", "presenter"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_network_lab_fits_a_projector(window, qapp, size, presenter):
    page = window.network_lab
    arrange(window, qapp, page, size, presenter)
    # Train, pause and step stay in view; so does the experiments' Run button, or in presenter
    # mode the button that brings the collapsed column back.
    shown = [page.play_button, page.step_button, page.reset_button]
    panel = getattr(page, "side_panel", None)
    shown.append(panel.button if presenter and panel else page.experiment_button)
    found = problems(window, size, presenter, page.views, shown)
    assert not found, "\n".join(found)
    assert page.side_panel.is_collapsed() == presenter


@pytest.mark.parametrize("presenter", [False, True], ids=["normal", "presenter"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_data_page_fits_a_projector(window, qapp, size, presenter):
    page = window.data_lab
    arrange(window, qapp, page, size, presenter)
    transport = page.transport
    shown = [transport.play, transport.forward, transport.back, transport.reset]
    if not presenter:
        shown.append(page.comparison)
    found = problems(window, size, presenter, page.bottom, shown)
    assert not found, "\n".join(found)
    assert page.side_panel.is_collapsed() == presenter


def test_the_checks_see_a_cut_control_and_crowded_ticks(window, qapp):
    """The geometry checks are not blind: a column too narrow for its forms, a label pushed off
    the window, and a bottom axis with many labels on a few pixels are all reported."""
    page = window.network_lab
    arrange(window, qapp, page, (1280, 720), False)
    scroll = page.side_scroll
    scroll.setMinimumWidth(120)
    scroll.setMaximumWidth(120)  # no sideways scrolling: the forms are cut
    try:
        settle(qapp)
        assert any("cut by" in p or "minimum" in p for p in geometry.clipped_widgets(window))
        plot = page.curves.plots["loss"]
        axis = plot.getAxis("bottom")
        crowded = [[(float(v), f"{v:d}0000") for v in range(0, 300, 10)]]
        axis.setTicks(crowded)
        # the page's own axis leaves labels out; pyqtgraph's own draws them all
        assert not geometry.colliding_ticks(plot)
        import pyqtgraph as pg

        plain = pg.PlotItem()
        plain.getAxis("bottom").setTicks(crowded)
        view = pg.GraphicsView()
        view.setCentralItem(plain)
        view.resize(200, 200)
        plain.setXRange(0, 300, padding=0)
        view.show()
        settle(qapp)
        assert geometry.colliding_ticks(plain)
        view.close()
        view.deleteLater()
    finally:
        page.curves.plots["loss"].getAxis("bottom").setTicks(None)
        scroll.setMinimumWidth(0)
        scroll.setMaximumWidth(16777215)
        page.side_panel.fit_width()
        settle(qapp)
    assert not geometry.clipped_widgets(window)


def test_the_settings_column_collapses_by_button_shortcut_and_presenter_mode(window, qapp):
    page = window.data_lab
    arrange(window, qapp, page, (1280, 720), False)
    panel = page.side_panel
    assert not panel.is_collapsed() and page.side_scroll.isVisible()
    open_width = panel.width()
    panel.button.click()
    settle(qapp)
    assert panel.is_collapsed() and not page.side_scroll.isVisible()
    assert panel.width() < 40 < open_width
    assert page.maps["left"].width() > 300  # the maps took the room
    window.activateWindow()
    settle(qapp)
    assert QApplication.activeWindow() is window
    QTest.keyClick(window, Qt.Key.Key_F6)  # the shortcut brings it back
    settle(qapp)
    assert not panel.is_collapsed() and page.side_scroll.isVisible()
    # presenter mode collapses it and gives back the user's choice after
    appearance().set_presenter(True)
    settle(qapp)
    assert panel.is_collapsed()
    panel.toggle()  # opened during the lecture...
    assert not panel.is_collapsed()
    appearance().set_presenter(False)
    settle(qapp)
    assert not panel.is_collapsed()  # ...and open before: open after
    panel.set_collapsed(True)
    appearance().set_presenter(True)
    appearance().set_presenter(False)
    settle(qapp)
    assert panel.is_collapsed()  # closed before: closed after
    panel.set_collapsed(False)
    settle(qapp)


def _pen_width(item) -> float:
    return item.opts["pen"].widthF()


def test_presenter_mode_scales_network_texts_lines_and_markers_and_gives_them_back(window, qapp):
    page = window.network_lab
    arrange(window, qapp, page, (1280, 720), False)
    curves, boundary = page.curves, page.model_view.boundary
    curve = curves.curves[("loss", "network", "val")]

    def measure():
        legend_sizes = [label.opts["size"] for _sample, label in curves.legend.items]
        return {
            "legend": legend_sizes,
            "tick": curves.plots["lr"].getAxis("bottom").style["tickFont"].pointSizeF(),
            "hint": boundary.hint.font().pointSizeF(),
            "best": curves.best_text.textItem.font().pointSizeF(),
            "line": _pen_width(curve),
            "marker": boundary.train_points.opts["size"],
            "boundary": boundary.boundary.opts["pen"].widthF(),
        }

    before = measure()
    appearance().set_presenter(True)
    settle(qapp)
    presenting = measure()
    appearance().set_presenter(False)
    settle(qapp)
    after = measure()
    for key in ("tick", "hint", "best", "line", "marker", "boundary"):
        assert presenting[key] > before[key], key
    assert all(
        float(big[:-2]) > float(small[:-2])
        for big, small in zip(presenting["legend"], before["legend"], strict=True)
    )
    assert after == before


def test_metric_curves_and_runs_use_the_palette(window, qapp):
    page = window.network_lab
    colour = {key: curve.opts["pen"].color().name() for key, curve in page.curves.curves.items()}
    assert colour[("lr", "network", "train")] == METRIC_COLOURS["lr"]
    assert colour[("grad_norm", "network", "train")] == METRIC_COLOURS["grad_norm"]
    assert colour[("loss", "network", "val")] == METRIC_COLOURS["val"]
    for metric in ("lr", "grad_norm"):  # no "validation" orange for another quantity
        assert colour[(metric, "network", "train")] != METRIC_COLOURS["val"]
    # an experiment's runs: each its palette colour and dash (a printout in grey still works)
    from desktop_app.network_lab.curves import TrainingCurves

    curves = TrainingCurves()
    try:
        curves.set_runs(["a", "b", "c"], "experiment", regression=False)
        for index, label in enumerate("abc"):
            pen = curves.curves[("loss", label, "val")].opts["pen"]
            style = run_style(index)
            assert pen.color().name() == style.colour
            dashes = [round(d) for d in pen.dashPattern()] if style.dash else []
            assert dashes == list(style.dash)
    finally:
        curves.deleteLater()
    data = window.data_lab
    left, right = data.loss_curves["left"].opts["pen"], data.loss_curves["right"].opts["pen"]
    assert left.color().name() == run_style(0).colour
    assert right.color().name() == run_style(1).colour
    assert right.style() == Qt.PenStyle.CustomDashLine  # the second run is dashed


def test_the_hessian_panel_calls_a_tiny_negative_eigenvalue_flat(qapp):
    """A model trained to loss 1e-6 whose Hessian has one eigenvalue at -8.7e-6 beside a
    largest of about 1 is local-minimum-like; at -0.05 it is a saddle."""
    from core.nets.curvature import CurvatureReport
    from desktop_app.network_lab.panels import CurvaturePanel

    def report(lowest: float) -> CurvatureReport:
        values = np.array([lowest, 1e-9, 0.02, 0.3, 1.02])
        return CurvatureReport(
            method="exact",
            parameters=5,
            loss=1e-6,
            grad_norm=2e-5,
            top=values[::-1].copy(),
            bottom=values.copy(),
            minimum_ratio=0.8,
            negative_share=0.2,
            zero_tolerance=1e-5,
            verdict="saddle_like",  # what the old rule said
            spectrum=values,
            spectrum_weights=np.full(5, 0.2),
        )

    panel = CurvaturePanel()
    try:
        panel.show_report(report(-8.7e-6))
        text = panel.summary.text()
        assert "local-minimum-like" in text and "saddle-like" not in text
        panel.show_report(report(-0.05))
        assert "saddle-like" in panel.summary.text()
    finally:
        panel.deleteLater()


def test_tick_labels_stay_apart_on_a_narrow_plot(window, qapp):
    page = window.network_lab
    arrange(window, qapp, page, (1024, 768), True)
    for plot in page.curves.plots.values():
        assert geometry.tick_label_rects(plot.getAxis("bottom")), "no tick label drawn"
        assert not geometry.colliding_ticks(plot)
    appearance().set_presenter(False)
    settle(qapp)


def test_colours_of_a_theme_reach_the_legends(window, qapp):
    page = window.data_lab
    arrange(window, qapp, page, (1280, 720), False)
    try:
        appearance().set_theme("dark")
        settle(qapp)
        for _sample, label in page.loss_legend.items:
            assert QColor(label.opts["color"]).lightness() > 150, label.text
    finally:
        appearance().set_theme("light")
        settle(qapp)
    for _sample, label in page.loss_legend.items:
        assert QColor(label.opts["color"]).lightness() < 100, label.text
