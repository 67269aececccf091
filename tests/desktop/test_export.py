"""Exports: PNG, SVG and GIF pictures read back, CSV numbers against closed forms, and
``losslab render``."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QMessageBox, QPushButton

from desktop_app.export import GIF_SIZE, gif_steps, legend_labels, plot_area, portable_svg
from tests.desktop.conftest import main_window
from tests.fakes import short_writes

ROOT = Path(__file__).resolve().parents[2]
SVG = "{http://www.w3.org/2000/svg}"
LR, STEPS = 0.02, 30
SWARM_STARTS = [[2.0, 1.0], [-1.0, 0.5], [0.5, -2.0], [1.5, 1.5]]
# Gradient descent on x^2 + 10 y^2: x_t = x_0 (1 - 2 lr)^t, y_t = y_0 (1 - 20 lr)^t.
BOWL = {
    "format": 1,
    "title": "Bowl",
    "surface": {"formula": "x**2 + 10*y**2", "x_range": [-3, 3], "y_range": [-3, 3]},
    "runs": [
        {
            "label": "GD",
            "optimizer": {"name": "sgd", "lr": LR},
            "start": [2.0, 1.0],
            "steps": STEPS,
        },
        {
            "label": "swarm",
            "optimizer": {"name": "sgd", "lr": LR},
            "starts": SWARM_STARTS,
            "steps": STEPS,
        },
    ],
}


@pytest.fixture
def start_scene(tmp_path):
    path = tmp_path / "bowl.json"
    path.write_text(json.dumps(BOWL), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def shared_window(qapp, tmp_path_factory):
    """One main window on the bowl scene for the module: the exports only read it, so the tests
    share it."""
    folder = tmp_path_factory.mktemp("export")
    scene = folder / "bowl.json"
    scene.write_text(json.dumps(BOWL), encoding="utf-8")
    with main_window(scene, folder / "user-data") as main:
        yield main


@pytest.fixture
def window(shared_window):
    """The shared window, paused; the error boxes a test opened are closed after it."""
    shared_window.surface_lab.set_playing(False)
    yield shared_window
    for box in shared_window.findChildren(QMessageBox, "error_box"):
        box.close()
        box.setParent(None)  # gone from findChildren now, as in a fresh window
        box.deleteLater()


def closed_form(x0: float, y0: float):
    t = np.arange(STEPS + 1)
    x, y = x0 * (1 - 2 * LR) ** t, y0 * (1 - 20 * LR) ** t
    return x, y, x**2 + 10 * y**2, np.hypot(2 * x, 20 * y)


def colours(image: QImage) -> int:
    return len(
        {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    )


def test_export_menu_lists_every_kind(window):
    texts = [a.text() for a in window.exports.menu.actions() if a.text()]
    assert len(texts) == 8
    assert any("PNG" in t for t in texts) and any("SVG" in t for t in texts)
    assert any("GIF" in t for t in texts) and any("CSV" in t for t in texts)
    assert window.exports.actions["png_view"].shortcut().toString() == "Ctrl+E"


def test_png_of_each_view_has_its_size_and_shows_the_map(window, tmp_path):
    lab, exports = window.surface_lab, window.exports
    lab.seek(STEPS)
    view = lab.views.currentWidget()
    plots = plot_area(lab)
    expected = {
        "view": view.size(),
        "lab": QSize(max(view.width(), plots.width()), view.height() + plots.height()),
        "window": window.size(),
    }
    for target, size in expected.items():
        path = tmp_path / f"{target}.png"
        assert exports.save_picture("png", target, path) == size
        image = QImage(str(path))
        assert image.size() == size, target
        assert colours(image) > 50, target  # the heatmap, not a blank widget


def test_svg_is_valid_xml_of_the_view_size_with_curves_clipped_to_their_plots(window, tmp_path):
    lab = window.surface_lab
    lab.seek(STEPS)
    view, plots = lab.views.currentWidget(), plot_area(lab)
    path = tmp_path / "lab.svg"
    size = window.exports.save_picture("svg", "lab", path)
    assert size == QSize(max(view.width(), plots.width()), view.height() + plots.height())

    root = ET.parse(path).getroot()
    assert (root.get("width"), root.get("height")) == (str(size.width()), str(size.height()))
    assert root.get("viewBox") == f"0 0 {size.width()} {size.height()}"
    # No curve is drawn in data coordinates with a non-scaling stroke, which programs without
    # that feature draw hundreds of pixels wide: the data transform is in the coordinates.
    scaled_groups = [
        g
        for g in root.iter(f"{SVG}g")
        if g.get("transform", "").startswith("matrix(")
        and g.get("transform").split("(")[1].split(",")[:4] != ["1", "0", "0", "1"]
    ]
    assert not [
        child
        for g in scaled_groups
        for child in g
        if child.get("vector-effect") == "non-scaling-stroke"
    ]
    assert len(list(root.iter(f"{SVG}polyline"))) > 10  # vector paths
    # What the plots draw in data units is clipped to each plot's own area (the map's, and
    # the metric plots' below it), so a path leaving the view stops at the axes.
    areas = {
        clip.get("id"): [float(clip.find(f"{SVG}rect").get(k)) for k in ("y", "height")]
        for clip in root.iter(f"{SVG}clipPath")
    }
    assert any(top + height <= view.height() + 1 for top, height in areas.values())
    assert any(top >= view.height() for top, height in areas.values())
    colour = lab.runs[next(iter(lab.runs))].color.name()
    parents = {child: parent for parent in root.iter() for child in parent}

    def legend_sample(group) -> bool:  # a short straight line: a legend's key, not data
        lines = [c for c in group if c.tag == f"{SVG}polyline"]
        return bool(lines) and all(len(c.get("points").split()) == 2 for c in lines)

    trajectory = [
        g
        for g in root.iter(f"{SVG}g")
        if g.get("stroke") == colour and g.get("stroke-width") == "2" and not legend_sample(g)
    ]
    assert trajectory
    assert all(parents[g].get("clip-path", "").startswith("url(#plot-area") for g in trajectory)

    renderer = QSvgRenderer(str(path))
    assert renderer.isValid()
    assert renderer.defaultSize() == size
    image = QImage(size, QImage.Format.Format_ARGB32)
    image.fill(0xFFFFFFFF)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    assert colours(image) > 50


def test_portable_svg_moves_the_data_transform_into_the_coordinates(qapp):
    qt_svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="10mm" height="5mm" viewBox="0 0 40 20">'
        '<g transform="matrix(2,0,0,-3,10,15)" stroke-width="2">'
        '<polyline vector-effect="non-scaling-stroke" points="0,0 1,1 " />'
        '<path vector-effect="non-scaling-stroke" d="M0,1 L2,0 C1,1 1,2 0,0 Z" />'
        "</g>"
        '<g transform="matrix(2,0,0,2,0,0)"><image width="4" height="4" /></g>'
        '<text font-family="Sans Serif">a</text>'
        "</svg>"
    )
    root = ET.fromstring(portable_svg(qt_svg, QSize(40, 20)))
    assert (root.get("width"), root.get("height")) == ("40", "20")
    line, image_group = root.findall(f"{SVG}g")
    assert line.get("transform") is None and line.get("stroke-width") == "2"
    assert line.find(f"{SVG}polyline").get("points") == "10,15 12,12"  # (2x + 10, -3y + 15)
    assert line.find(f"{SVG}path").get("d") == "M 10,12 L 14,15 C 12,12 12,9 10,15 Z"
    assert line.find(f"{SVG}polyline").get("vector-effect") is None
    assert image_group.get("transform") == "matrix(2,0,0,2,0,0)"  # pictures keep theirs
    assert root.find(f"{SVG}text").get("font-family").endswith("Sans Serif, sans-serif")


def test_csv_has_a_row_per_step_per_run_with_the_closed_form_numbers(window, tmp_path):
    path = tmp_path / "metrics.csv"
    assert window.exports.save_csv(path) == 2 * (STEPS + 1)
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [
        "step",
        "run",
        "points",
        "x",
        "y",
        "loss",
        "grad_norm",
        "lr",
        "diverged",
    ]

    single = [r for r in rows if r["run"] == "GD"]
    assert [int(r["step"]) for r in single] == list(range(STEPS + 1))
    x, y, loss, grad_norm = closed_form(2.0, 1.0)
    for column, expected in (("x", x), ("y", y), ("loss", loss), ("grad_norm", grad_norm)):
        np.testing.assert_allclose([float(r[column]) for r in single], expected, rtol=1e-12)
    assert single[0]["lr"] == "" and {float(r["lr"]) for r in single[1:]} == {LR}
    assert {r["points"] for r in single} == {"1"} and {r["diverged"] for r in single} == {"0"}

    swarm = [r for r in rows if r["run"] == "swarm"]
    assert len(swarm) == STEPS + 1
    assert {r["points"] for r in swarm} == {"4"} and {r["x"] for r in swarm} == {""}
    paths = [closed_form(*start) for start in SWARM_STARTS]
    median_loss = np.median([p[2] for p in paths], axis=0)
    median_grad = np.median([p[3] for p in paths], axis=0)
    np.testing.assert_allclose([float(r["loss"]) for r in swarm], median_loss, rtol=1e-5)
    np.testing.assert_allclose([float(r["grad_norm"]) for r in swarm], median_grad, rtol=1e-5)


def test_gif_has_a_frame_per_chosen_step_and_the_view_size(window, tmp_path, qtbot, monkeypatch):
    from desktop_app import export_gif

    lab = window.surface_lab
    lab.seek(7)
    legends: list[list[str]] = []
    render_image = export_gif.render_image

    def recording(widgets):
        legends.append(legend_labels(widgets))
        return render_image(widgets)

    monkeypatch.setattr(export_gif, "render_image", recording)
    view, plots = lab.views.currentWidget(), plot_area(lab)
    width, height = max(view.width(), plots.width()), view.height() + plots.height()
    path = tmp_path / "run.gif"
    progress = []
    recorder = window.exports.start_gif(path, frames=12, size=(640, 360))
    recorder.progressed.connect(lambda done, total: progress.append(done))
    with qtbot.waitSignal(recorder.finished, timeout=120_000):
        pass
    assert len(progress) > 2  # rendered over several timer ticks: the window kept running
    assert lab.current_step() == 7  # the cursor is put back
    assert len(legends) == 12 + 1  # the palette's frame, then each frame: all name both runs
    assert all({"GD", "swarm"} <= set(labels) for labels in legends), legends
    assert "swarm" not in legend_labels([lab])  # the swarm's entry was there for the GIF only

    assert GIF_SIZE == (1280, 720)  # the default: a slide
    with Image.open(path) as gif:
        assert gif.n_frames == len(gif_steps(STEPS, 12)) == 12
        assert gif.size == (640, 360)  # the chosen size, the picture fitted inside it
        assert gif.info["loop"] == 0
        gif.seek(gif.n_frames - 1)
        frame = np.asarray(gif.convert("RGB"))
    # The view and plots fill the frame across its width or its height (centred in the other).
    scale = min(640 / width, 360 / height)
    background = np.asarray(lab.palette().window().color().getRgb()[:3])
    filled = (frame != background).any(axis=-1)
    columns, rows = np.flatnonzero(filled.any(axis=0)), np.flatnonzero(filled.any(axis=1))
    assert columns[-1] - columns[0] + 1 >= round(width * scale) - 4
    assert rows[-1] - rows[0] + 1 >= round(height * scale) - 4
    with Image.open(path) as gif:
        gif.seek(0)
        first = np.asarray(gif.convert("RGB"))
        gif.seek(gif.n_frames - 1)
        last = np.asarray(gif.convert("RGB"))
    assert (first != last).any(axis=-1).mean() > 0.001  # the runs move between frames

    cancelled = tmp_path / "cancelled.gif"
    recorder = window.exports.start_gif(cancelled, frames=12)
    cancel = window.exports.progress.findChild(QPushButton)
    with qtbot.waitSignal(recorder.failed, timeout=10_000) as failure:
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    assert "cancelled" in failure.args[0]
    assert not cancelled.exists() and lab.current_step() == 7


# --- complete or nothing ------------------------------------------------------------------------


def _error_texts(window) -> list[str]:
    return [b.text() for b in window.findChildren(QMessageBox, "error_box") if b.isVisible()]


def test_a_short_write_keeps_each_old_export_and_the_user_sees_why(window, tmp_path, monkeypatch):
    from core import fileio

    exports = window.exports
    window.surface_lab.seek(STEPS)
    for action, suffix in (("png_view", ".png"), ("svg_lab", ".svg"), ("csv", ".csv")):
        path = tmp_path / f"old{suffix}"
        path.write_bytes(b"the export from last week")
        monkeypatch.setattr(exports, "_ask", lambda *args, p=path: str(p))
        window.statusBar().clearMessage()
        with monkeypatch.context() as disk:
            short_writes(disk)
            exports.actions[action].trigger()
        assert fileio.os.write is os.write
        assert path.read_bytes() == b"the export from last week", suffix
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
        texts = _error_texts(window)
        assert texts and "full" in texts[-1] and str(path) in texts[-1], suffix
        assert not window.statusBar().currentMessage().startswith("Wrote"), suffix
        for box in window.findChildren(QMessageBox, "error_box"):
            box.close()


def test_a_gif_that_cannot_be_written_is_an_error_not_a_status_line(window, tmp_path, qtbot):
    path = tmp_path / "old.gif"
    path.write_bytes(b"GIF89a from last week")
    with pytest.MonkeyPatch.context() as disk:
        short_writes(disk)
        recorder = window.exports.start_gif(path, frames=3)
        with qtbot.waitSignal(recorder.failed, timeout=60_000) as failure:
            pass
    assert "full" in failure.args[0] and not failure.args[0].startswith("ExportError")
    assert path.read_bytes() == b"GIF89a from last week"
    texts = _error_texts(window)
    assert texts and "full" in texts[-1]
    assert window.exports.progress is None  # the progress dialog is gone


# --- losslab render -----------------------------------------------------------------------------


def test_render_writes_a_png_of_the_requested_size_without_a_display(tmp_path, start_scene):
    out = tmp_path / "slide.png"
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY")}
    command = ["render", str(start_scene), "--out", str(out), "--size", "800x500", "--steps", "10"]
    done = subprocess.run(
        [sys.executable, "-m", "desktop_app.main", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "step 10 of 30" in done.stdout
    image = QImage(str(out))
    assert (image.width(), image.height()) == (800, 500)
    assert colours(image) > 50


@pytest.mark.parametrize(
    ("scene", "extra", "message"),
    [
        ("broken", [], "invalid JSON"),
        ("missing", [], "no such file"),
        ("good", ["--size", "big"], "--size must look like 1600x900"),
        ("good", ["--size", "10x10"], "--size must be between"),
        ("good", ["--steps", "-1"], "--steps must be 0 or more"),
    ],
)
def test_render_refuses_bad_input_with_exit_2_and_writes_nothing(
    tmp_path, start_scene, capsys, scene, extra, message
):
    from desktop_app.main import main

    paths = {"good": start_scene, "missing": tmp_path / "missing.json"}
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    paths["broken"] = broken
    out = tmp_path / "slide.png"
    assert main(["render", str(paths[scene]), "--out", str(out), *extra]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert message in err[-1] and err[-1].startswith("losslab: error:")
    assert not out.exists()


def test_render_refuses_an_unknown_picture_kind(tmp_path, start_scene, capsys):
    from desktop_app.main import main

    assert main(["render", str(start_scene), "--out", str(tmp_path / "slide.bmp")]) == 2
    assert "--out must end in .png, .svg, .gif" in capsys.readouterr().err
    assert not (tmp_path / "slide.bmp").exists()


# --- every picture names its runs -------------------------------------------------------------


def test_each_picture_of_the_surface_lab_names_every_run_in_a_legend(window, tmp_path, monkeypatch):
    from desktop_app import export

    lab = window.surface_lab
    lab.seek(STEPS)
    seen: dict[str, list[str]] = {}

    def recording(write):
        def wrapper(widgets, path, *args, **kwargs):
            seen[Path(path).name] = legend_labels(widgets)
            return write(widgets, path, *args, **kwargs)

        return wrapper

    monkeypatch.setattr(export, "write_png", recording(export.write_png))
    monkeypatch.setattr(export, "write_svg", recording(export.write_svg))
    before = legend_labels([lab])
    for kind in ("png", "svg"):
        for target in ("view", "lab", "window"):
            window.exports.save_picture(kind, target, tmp_path / f"{target}.{kind}")
    assert len(seen) == 6
    for name, labels in seen.items():
        assert {"GD", "swarm"} <= set(labels), name  # the swarm too, not only the paths
        assert labels.count("GD") == 1, name  # named once, not in two legends
    assert legend_labels([lab]) == before  # what was added for the picture is gone again


RACE = {
    "format": 1,
    "title": "Race",
    "surface": {"formula": "x**2 + 10*y**2", "x_range": [-3, 3], "y_range": [-3, 3]},
    "runs": [
        {
            "label": label,
            "optimizer": {"name": "sgd", "lr": lr},
            "start": [2.0, 1.0],
            "steps": 20,
            "color": colour,
        }
        for label, lr, colour in (
            ("slow SGD", 0.005, "#d55e00"),
            ("fast SGD", 0.04, "#0072b2"),
            ("middle SGD", 0.02, "#009e73"),
        )
    ],
}


@pytest.mark.parametrize("view", ["map", "lab"])
def test_render_draws_a_legend_with_each_runs_label_and_colour(qapp, tmp_path, monkeypatch, view):
    import pyqtgraph as pg

    from desktop_app import export
    from desktop_app.main import main

    scene = tmp_path / "race.json"
    scene.write_text(json.dumps(RACE), encoding="utf-8")
    drawn: list[list[tuple[str, str]]] = []
    render_image = export.render_image

    def recording(widgets):
        entries = []
        for widget in widgets:
            views = [widget, *widget.findChildren(pg.GraphicsView)]
            for graphics in views:
                if not isinstance(graphics, pg.GraphicsView) or not graphics.isVisible():
                    continue
                for item in graphics.scene().items():
                    if isinstance(item, pg.LegendItem) and item.isVisible():
                        entries += [
                            (label.text, sample.item.opts["pen"].color().name())
                            for sample, label in item.items
                        ]
        drawn.append(entries)
        return render_image(widgets)

    monkeypatch.setattr(export, "render_image", recording)
    out = tmp_path / "race.png"
    args = ["render", str(scene), "--out", str(out), "--size", "800x600", "--view", view]
    assert main([*args, "--lang", "en"]) == 0
    assert out.exists() and drawn
    expected = {(run["label"], run["color"]) for run in RACE["runs"]}
    assert expected <= set(drawn[-1]), drawn[-1]
