"""The 3D surface view: fallback without OpenGL, the lifting maths, and a real render under Xvfb."""

from __future__ import annotations

import os
import shutil
import socket
import struct
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel

from desktop_app.surface_lab.view3d import LIFT, SurfaceView3D, _Normaliser, _sample_indices

ROOT = Path(__file__).resolve().parents[2]


def _bowl(n: int = 200):
    xs = np.linspace(-2.0, 2.0, n)
    ys = np.linspace(-1.0, 1.0, n // 2)
    x, y = np.meshgrid(xs, ys)
    return xs, ys, x**2 + 3.0 * y**2


def _exercise_api(view: SurfaceView3D) -> None:
    xs, ys, z = _bowl()
    path = np.column_stack([np.linspace(-1.8, 0.0, 40), np.linspace(0.9, 0.0, 40)])
    loss = path[:, 0] ** 2 + 3.0 * path[:, 1] ** 2
    view.set_trajectories([path], [(255, 0, 0)], [loss])  # before any surface: kept for later
    view.set_surface(xs, ys, z, (0.0, 7.0))
    view.set_surface(xs, ys, z, (-3.0, 0.9), log_scale=True, colormap="inferno")
    view.set_surface(xs, ys, np.full_like(z, 2.0), (2.0, 2.0), colormap="no-such-map")
    view.set_trajectories(
        [path, path[:1], path[:0]], [(0, 255, 0), (1, 2, 3), (4, 5, 6)], [loss, loss[:1], loss[:0]]
    )
    view.set_trajectories([], [], [])
    bad = path.copy()
    bad[3] = np.nan
    view.set_trajectories([bad * 1e30], [(9, 9, 9)], [np.full(len(bad), np.inf)])
    view.set_points(path, loss, (255, 255, 255))
    view.set_points(None, None, None)
    view.reset_camera()


def test_offscreen_shows_the_fallback_and_accepts_every_call(qtbot):
    view = SurfaceView3D()
    qtbot.addWidget(view)
    view.show()
    platform = QGuiApplication.platformName()
    if platform not in ("offscreen", "minimal"):
        pytest.skip(f"the fallback is tested on the offscreen platform, not {platform!r}")

    assert view.available is False
    assert view.gl_view is None
    assert view.unavailable_reason
    labels = view.findChildren(QLabel)
    assert len(labels) == 1
    assert "OpenGL" in labels[0].text()
    assert "3D view unavailable" in labels[0].text()
    assert view.unavailable_reason in labels[0].text()

    _exercise_api(view)
    assert view.available is False


def test_the_module_imports_neither_torch_nor_core():
    code = (
        "import sys, desktop_app.surface_lab.view3d\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('torch', 'core')]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def _normaliser(xs, ys, z, levels, log_scale=False) -> _Normaliser:
    """As SurfaceView3D.set_surface builds it, without any GL."""
    norm = _Normaliser(xs, ys, z, levels, log_scale)
    jx, iy = _sample_indices(len(xs), 16), _sample_indices(len(ys), 16)
    norm.mesh_x, norm.mesh_y = norm.x(xs[jx]), norm.y(ys[iy])
    norm.mesh_z = norm.height(z[np.ix_(iy, jx)]).T
    return norm


def test_box_normalisation_keeps_aspect_and_clips_heights():
    xs, ys, z = _bowl()
    norm = _normaliser(xs, ys, z, (0.0, 4.0))
    assert norm.x([-2.0, 2.0]).tolist() == [-1.0, 1.0]
    assert norm.y([-1.0, 1.0]).tolist() == [-0.5, 0.5]  # the short side keeps its aspect
    heights = norm.height(np.array([-1.0, 0.0, 2.0, 4.0, 100.0, np.nan, np.inf]))
    assert heights.tolist() == [0.0, 0.0, 0.5, 1.0, 1.0, 1.0, 1.0]


def test_lifted_paths_never_sink_under_the_coarse_mesh():
    xs, ys, z = _bowl(400)
    norm = _normaliser(xs, ys, z, (0.0, 7.0))  # 16 x 16 mesh: chords lie well above the bowl
    rng = np.random.default_rng(1)
    xy = rng.uniform([-2.0, -1.0], [2.0, 1.0], size=(500, 2))
    true_loss = xy[:, 0] ** 2 + 3.0 * xy[:, 1] ** 2
    lifted = norm.lift(xy, true_loss, LIFT)
    mesh = norm.mesh_height(lifted[:, 0].astype(float), lifted[:, 1].astype(float))
    assert np.all(lifted[:, 2] >= mesh + LIFT - 1e-5)
    assert np.all(lifted[:, 2] >= norm.height(true_loss) + LIFT - 1e-5)
    # At the mesh vertices the triangulation is exact: the lift is the loss itself.
    corner = norm.lift(np.array([[xs[0], ys[0]]]), np.array([z[0, 0]]), 0.0)
    assert corner[0, 2] == pytest.approx(norm.height(z[0, 0]), abs=1e-6)
    # Non-finite positions are dropped, far-away ones clamped.
    out = norm.lift(np.array([[np.nan, 0.0], [1e30, 0.0]]), np.array([1.0, 1.0]), 0.0)
    assert out.shape == (1, 3) and np.isfinite(out).all()


def test_log_scale_matches_the_2d_maps_display_values():
    raster = pytest.importorskip("core.surfaces.raster")
    xs, ys, z = _bowl()
    z = z + 5.0
    shown = raster.display_values(z, log_scale=True)
    levels = raster.robust_levels(shown, log_scale=True)
    norm = _normaliser(xs, ys, z, levels, log_scale=True)
    expected = np.clip((shown - levels[0]) / (levels[1] - levels[0]), 0.0, 1.0)
    np.testing.assert_allclose(norm.height(z), expected, atol=1e-12)


# ---------------------------------------------------------------- real OpenGL under Xvfb

RENDER_SCRIPT = textwrap.dedent(
    """
    import sys
    import numpy as np
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    from desktop_app.surface_lab.view3d import SurfaceView3D

    view = SurfaceView3D()
    view.resize(640, 480)
    view.show()
    if not view.available:
        print("UNAVAILABLE:", view.unavailable_reason)
        sys.exit(77)
    xs = np.linspace(-2.0, 2.0, 300)
    ys = np.linspace(-1.0, 3.0, 260)
    x, y = np.meshgrid(xs, ys)
    f = lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2
    view.set_surface(xs, ys, f(x, y), (0.0, float(np.percentile(f(x, y), 95))))
    t = np.linspace(0.0, 1.0, 120)
    path = np.column_stack([-1.5 + 2.5 * t, 2.2 - 1.2 * np.sqrt(t)])
    view.set_trajectories([path], [(255, 40, 40)], [f(path[:, 0], path[:, 1])])
    for _ in range(10):
        app.processEvents()
    image = view.gl_view.grabFramebuffer()
    image.save(sys.argv[1])
    print("SIZE", image.width(), image.height())

    # Awkward input must neither raise nor break painting (pyqtgraph only prints paint errors).
    bad = path.copy()
    bad[5] = np.nan
    view.set_trajectories([bad * 1e30, path[:1], path[:0]], [(1, 2, 3)] * 3,
                          [np.full(len(bad), np.inf), np.ones(1), np.ones(0)])
    view.set_points(path, np.full(len(path), np.nan), (255, 255, 255))
    view.set_surface(xs[::-1], ys, np.full((len(ys), len(xs)), np.nan), (1.0, 1.0), True)
    view.gl_view.grabFramebuffer()
    view.set_points(None, None, None)
    view.set_trajectories([], [], [])
    view.reset_camera()
    view.gl_view.grabFramebuffer()
    print("EDGE CASES OK")
    """
)


def _start_xvfb(log: Path):
    """Start Xvfb on a free display number; (process, ':N') or skip the test."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb) - the real GL render is skipped")
    for number in range(99, 140):
        if Path(f"/tmp/.X{number}-lock").exists() or Path(f"/tmp/.X11-unix/X{number}").exists():
            continue
        with log.open("wb") as err:
            process = subprocess.Popen(
                [xvfb, f":{number}", "-screen", "0", "800x600x24", "-nolisten", "tcp"],
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
        deadline = time.monotonic() + 15.0
        while process.poll() is None and time.monotonic() < deadline:
            if _x_server_answers(number):
                return process, f":{number}"
            time.sleep(0.05)
        process.kill()
        process.wait()
        message = log.read_text(errors="replace")
        if "already active" not in message:  # lost a race for this number: try the next
            pytest.skip(f"Xvfb did not start: {message[-400:]}")
    pytest.skip("Xvfb: no free display number in :99-:139")


def _x_server_answers(number: int) -> bool:
    """Send an X11 connection setup over the local socket; True when the server accepts it."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(2.0)
            sock.connect(f"/tmp/.X11-unix/X{number}")
            # byte order 'l' (little endian), protocol 11.0, no authorisation
            sock.sendall(struct.pack("<BxHHHHxx", ord("l"), 11, 0, 0, 0))
            return sock.recv(1) == b"\x01"  # 1 = Success
    except OSError:
        return False


def test_real_gl_render_under_xvfb(tmp_path):
    if not sys.platform.startswith("linux"):
        pytest.skip("the Xvfb render test is for Linux")
    xvfb, display = _start_xvfb(tmp_path / "xvfb.log")
    try:
        env = dict(os.environ)
        env.update(
            QT_QPA_PLATFORM="xcb",
            DISPLAY=display,
            LIBGL_ALWAYS_SOFTWARE="1",
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        )
        png = tmp_path / "view3d.png"
        script = tmp_path / "render.py"
        script.write_text(RENDER_SCRIPT, encoding="utf-8")
        result = subprocess.run(
            [sys.executable, str(script), str(png)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)
    output = result.stdout + result.stderr
    if "platform plugin" in output and result.returncode != 0:
        pytest.skip(
            f"Qt's xcb platform could not start (missing system libraries?): {output[-600:]}"
        )
    if result.returncode == 77:
        pytest.skip(f"no OpenGL under Xvfb here: {output[-600:]}")
    assert result.returncode == 0, output
    assert "EDGE CASES OK" in output and "Error while drawing" not in output, output
    if os.environ.get("LOSSLAB_VIEW3D_PNG"):
        shutil.copy(png, os.environ["LOSSLAB_VIEW3D_PNG"])

    from PySide6.QtGui import QImage

    image = QImage(str(png)).convertToFormat(QImage.Format.Format_RGBA8888)
    assert (image.width(), image.height()) == (640, 480)
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(480, image.bytesPerLine() // 4, 4)
    rgb = pixels[:, :640, :3].reshape(-1, 3).astype(int)
    colours, counts = np.unique(rgb, axis=0, return_counts=True)
    assert len(colours) > 50, "the frame is (nearly) a single colour"
    background = colours[counts.argmax()]
    covered = np.mean(np.abs(rgb - background).sum(axis=1) > 30)
    assert 0.1 < covered < 0.9, f"the surface covers {covered:.0%} of the frame"
    red = (rgb[:, 0] > 180) & (rgb[:, 1] < 90) & (rgb[:, 2] < 90)
    assert red.sum() > 30, "the red trajectory is not visible above the surface"
