"""Classroom mode on the Surface Lab (issue 12).

At projector sizes (1024x768, 1280x720, 1920x1080), presenter mode on and off, every tab under
(or, in presenter mode, beside) the map: the window keeps the asked size, no control is cut off
or out of reach, no text covers another, tick labels do not run together, and in presenter mode
every plot is at least 200 px tall and the map takes most of the screen. Presenter mode scales
the map's texts, the Hessian panel, hints and lists, thickens lines and markers, and gives it all
back. Runs are told apart by the palette's colour, dash and marker, a legend on the map lists
them, and the colour bar names what it shows. One main window for the module, resized per case.
"""

from __future__ import annotations

import time

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from core.palette import OUTLINE, run_style
from desktop_app.style import appearance
from tests.desktop import geometry

SIZES = ((1024, 768), (1280, 720), (1920, 1080))
MIN_PLOT_HEIGHT = 200  # px, in presenter mode


@pytest.fixture(scope="module")
def window(qapp, light_scene, tmp_path_factory):
    from desktop_app.app import create_application
    from desktop_app.documents import Documents
    from desktop_app.main_window import MainWindow
    from desktop_app.network_lab.page import NetworkLabPage

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LOSSLAB_DATA_DIR", str(tmp_path_factory.mktemp("user-data")))
        create_application()
        main = MainWindow("en")
        main.resize(1280, 720)
        main.open_scene(light_scene)
        main.engine_loaded("CPU", "cpu")
        main.surface_lab.set_playing(False)
        assert main.surface_lab.wait_idle(60)
        main.show()
        assert main.surface_lab.wait_idle(60)
        yield main
    appearance().set_presenter(False)
    from PySide6.QtWidgets import QMessageBox

    main.surface_lab.shutdown()
    with pytest.MonkeyPatch.context() as patch:  # closing never asks (a modal box would hang)
        patch.setattr(
            Documents, "ask_save_changes", lambda self: QMessageBox.StandardButton.Discard
        )
        patch.setattr(NetworkLabPage, "ask_rebuild", lambda self: True)
        main.close()
    main.deleteLater()
    qapp.processEvents()


def settle(qapp) -> None:
    for _ in range(3):
        qapp.processEvents()
        time.sleep(0.04)  # the frame timer (33 ms) redraws what changed
    qapp.processEvents()


def arrange(window, qapp, size, presenter: bool) -> None:
    appearance().set_presenter(presenter)
    window.pages.setCurrentWidget(window.surface_lab)
    window.resize(*size)
    settle(qapp)


def problems(window, size, presenter: bool) -> list[str]:
    """Everything wrong with the Surface Lab as it stands, for each tab beside the map."""
    page = window.surface_lab
    tabs = page.bottom_tabs
    found = []
    if (window.width(), window.height()) != size:
        hint = page.minimumSizeHint()
        found.append(f"the window is {window.width()}x{window.height()}; page min {hint}")
    transport = page.transport
    always_shown = [transport.play, transport.forward, transport.back, transport.reset]
    panel = getattr(page, "side_panel", None)
    always_shown.append(panel.button if presenter and panel else page.run_buttons[0])
    for index in range(tabs.count()):
        tabs.setCurrentIndex(index)
        settle(QApplication.instance())
        where = f"[{tabs.tabText(index)}]"
        found += [f"{where} clipped: {p}" for p in geometry.clipped_widgets(window)]
        found += [f"{where} overlap: {p}" for p in geometry.overlapping_texts(window)]
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
def test_the_surface_lab_fits_a_projector(window, qapp, size, presenter):
    arrange(window, qapp, size, presenter)
    page = window.surface_lab
    found = problems(window, size, presenter)
    assert not found, "\n".join(found)
    assert page.side_panel.is_collapsed() == presenter
    if presenter:  # the map takes most of the screen, the chosen plot stands beside it
        assert page.map.width() * page.map.height() > 0.4 * size[0] * size[1]
        shown = [m for m, plot in page.plots.plots.items() if plot.isVisible()]
        assert shown == ["loss"]
        plots, map_rect = geometry.window_rect(page.plots), geometry.window_rect(page.map)
        assert plots.left() > map_rect.right()  # beside, not under


def test_presenter_mode_shows_the_chosen_plots_and_gives_all_four_back(window, qapp):
    page = window.surface_lab
    arrange(window, qapp, (1280, 720), True)
    assert geometry.visible_without_scrolling(page.metric_button)

    def shown():
        return [m for m, plot in page.plots.plots.items() if plot.isVisible()]

    try:
        page.metric_actions["grad_norm"].trigger()  # the "Plots" button's menu
        settle(qapp)
        assert shown() == ["loss", "grad_norm"]
        assert not geometry.short_plots(window, MIN_PLOT_HEIGHT)
        assert not geometry.all_colliding_ticks(window)
        page.metric_actions["lr"].trigger()  # a third: the first chosen goes
        assert page.presenter_metrics == ("grad_norm", "lr")
        assert [m for m, a in page.metric_actions.items() if a.isChecked()] == ["grad_norm", "lr"]
        page.metric_actions["lr"].trigger()
        page.metric_actions["grad_norm"].trigger()  # the last one stays
        assert page.presenter_metrics == ("grad_norm",)
    finally:
        page.set_presenter_metrics(("loss",))
    assert shown() == ["loss"]
    appearance().set_presenter(False)
    settle(qapp)
    assert all(plot.isVisible() for plot in page.plots.plots.values())
    assert not page.metric_button.isVisible()


def test_the_settings_opened_in_presenter_mode_fit_beside_the_map(window, qapp):
    """F6 (or the bar's button) brings the column back during a lecture: the window keeps its
    size, nothing is cut, and the plots go under the map to make room; F6 again: beside."""
    page = window.surface_lab
    arrange(window, qapp, (1024, 768), True)
    try:
        page.side_panel.button.click()
        settle(qapp)
        assert not page.side_panel.is_collapsed()
        assert (window.width(), window.height()) == (1024, 768)
        assert not geometry.clipped_widgets(window)
        plots, map_rect = geometry.window_rect(page.plots), geometry.window_rect(page.map)
        assert plots.top() > map_rect.bottom()  # under the map
        assert geometry.visible_without_scrolling(page.side_panel.button)
    finally:
        page.side_panel.button.click()
        settle(qapp)
    plots, map_rect = geometry.window_rect(page.plots), geometry.window_rect(page.map)
    assert page.side_panel.is_collapsed() and plots.left() > map_rect.right()
    appearance().set_presenter(False)
    settle(qapp)


def _pen_width(item) -> float:
    return item.opts["pen"].widthF()


def test_presenter_mode_scales_every_text_line_and_marker_and_gives_them_back(window, qapp):
    page = window.surface_lab
    arrange(window, qapp, (1280, 720), False)
    run_id = next(iter(page.runs))
    panel = page.eigen_panel

    def measure():
        legend = page.map.run_legend
        return {
            "legend": [label.opts["size"] for _sample, label in legend.items],
            "overlay": page.map.legend.textItem.font().pointSizeF(),
            "readout": page.map.readout.textItem.font().pointSizeF(),
            "matrix": panel.cells[0][0].font().pointSizeF(),
            "eigen": panel.eigen[0].font().pointSizeF(),
            "list": panel.found_list.font().pointSizeF(),
            "hint": page.hint.font().pointSizeF(),
            "note": page.lesson_note.font().pointSizeF(),
            "path": _pen_width(page.map.paths[run_id]),
            "outline": _pen_width(page.map.outlines[run_id]),
            "head": page.map.heads[run_id].opts["size"],
            "curve": _pen_width(page.plots.curves["loss"][run_id]),
        }

    before = measure()
    appearance().set_presenter(True)
    settle(qapp)
    presenting = measure()
    appearance().set_presenter(False)
    settle(qapp)
    after = measure()
    for key in ("overlay", "readout", "matrix", "eigen", "list", "hint", "note"):
        assert presenting[key] > before[key] * 1.2, key
    for key in ("path", "outline", "head", "curve"):
        assert presenting[key] > before[key], key
    assert before["legend"] and all(
        float(big[:-2]) > float(small[:-2])
        for big, small in zip(presenting["legend"], before["legend"], strict=True)
    )
    assert after == before


def test_runs_take_the_palettes_colour_dash_and_marker(window, qapp):
    page = window.surface_lab
    arrange(window, qapp, (1280, 720), False)
    for index, run_id in enumerate(page.runs):
        style = run_style(index)
        assert page.runs[run_id].color.name() == style.colour
        pen = page.plots.curves["loss"][run_id].opts["pen"]
        assert pen.color().name() == style.colour
        dashes = [round(d) for d in pen.dashPattern()] if style.dash else []
        assert dashes == list(style.dash)
        assert page.map.heads[run_id].opts["symbol"] == style.symbol
        outline = page.map.outlines[run_id]
        assert outline.opts["pen"].color().name() == QColor(OUTLINE).name()
        assert _pen_width(outline) > _pen_width(page.map.paths[run_id])
        assert outline.zValue() < page.map.paths[run_id].zValue()  # under the path
        # the run list's row shows the same colour, dash and marker
        icon = page.run_list.item(index).icon().pixmap(28, 14).toImage()
        drawn = [QColor.fromRgba(icon.pixel(x, y)) for x in range(28) for y in range(14)]
        assert style.colour in {colour.name() for colour in drawn}
        assert any(c.alpha() > 200 and c.lightness() < 60 for c in drawn)  # the marker's outline
    # a new run takes the first colour no run uses
    used = [run.color.name() for run in page.runs.values()]
    new = page.add_run(starts=[(0.5, 0.5)], compute=False)
    try:
        from core.palette import next_free_colour

        assert page.runs[new].color.name() == next_free_colour(used)
        assert page.runs[new].color.name() not in used
    finally:
        page._drop_run(new)


def test_the_map_legend_lists_each_visible_run_with_its_colour(window, qapp):
    page = window.surface_lab
    arrange(window, qapp, (1280, 720), False)

    def entries():
        return {
            label.text: sample.item.opts["pen"].color().name()
            for sample, label in page.map.run_legend.items
        }

    expected = {run.label: run.color.name() for run in page.runs.values()}
    assert entries() == expected and len(expected) == 2
    assert page.map.run_legend.isVisible()
    first = next(iter(page.runs))
    page.set_run_visible(first, False)
    settle(qapp)
    try:
        assert list(entries()) == [run.label for run in page.runs.values() if run.visible]
    finally:
        page.set_run_visible(first, True)
        settle(qapp)
    assert entries() == expected


def test_the_legend_is_in_rendered_pictures(tmp_path, qapp):
    """``losslab render`` grabs the map: the legend is an item of it, with the scene's labels,
    and its colours are drawn in the picture."""
    import json

    from PySide6.QtGui import QImage

    from desktop_app import render

    scene = {
        "format": 1,
        "surface": {"builtin": "bowl"},
        "runs": [
            {"label": "first", "optimizer": {"name": "sgd", "lr": 0.05}, "start": [1, 1]},
            {"label": "second", "optimizer": {"name": "adam", "lr": 0.05}, "start": [-1, 1]},
        ],
    }
    path = tmp_path / "two.json"
    path.write_text(json.dumps(scene), encoding="utf-8")
    seen, where = {}, {}
    original = render._widgets

    def spy(page, frame, view):
        legend = page.map.run_legend
        seen["legend"] = [label.text for _sample, label in legend.items]
        seen["visible"] = legend.isVisible()
        box = page.map.mapFromScene(legend.sceneBoundingRect()).boundingRect()
        where["box"] = box
        return original(page, frame, view)

    out = tmp_path / "two.png"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(render, "_widgets", spy)
        code = render.main([str(path), "--out", str(out), "--view", "map", "--size", "800x600"])
    assert code == 0
    assert seen == {"legend": ["first", "second"], "visible": True}
    image = QImage(str(out))
    assert image.width() == 800 and image.height() == 600
    box = where["box"]  # the legend, in the picture: each run's colour drawn in its samples
    assert 40 < box.width() < 400 and box.right() < 800
    colours = {
        QColor.fromRgba(image.pixel(x, y)).name()
        for x in range(box.left(), box.right())
        for y in range(box.top(), box.bottom())
    }
    assert run_style(0).colour in colours and run_style(1).colour in colours


def test_the_colour_bar_names_what_it_shows(window, qapp):
    from desktop_app import i18n

    page = window.surface_lab
    label = page.map.colorbar.axis.labelText
    assert "log10(loss − min + ε)" in label
    page._set_log_scale(False)
    assert page.wait_idle(60)
    settle(qapp)
    try:
        assert page.map.colorbar.axis.labelText == "loss"
    finally:
        page._set_log_scale(True)
        assert page.wait_idle(60)
        settle(qapp)
    i18n.set_language("zh")
    try:
        settle(qapp)
        chinese = page.map.colorbar.axis.labelText
        assert "log10" in chinese and chinese != label
    finally:
        i18n.set_language("en")
        settle(qapp)
