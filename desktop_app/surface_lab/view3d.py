"""A rotatable 3D view of a loss surface, with optimizer trajectories lifted onto it.

Built on ``pyqtgraph.opengl``. Everything is normalised into a box of about 2 x 2 x 1 whatever
the loss scale: the longer side of the parameter window spans [-1, 1], the loss (clipped to the
colour levels, optionally on the 2D map's log scale) spans [0, 1]. Items are created once and
updated with ``setData``; trajectories and their end dots come from a pool that only grows.

OpenGL is optional. On Qt's ``offscreen``/``minimal`` platforms, without a driver, or when a GL
context cannot be created, the widget shows an explanatory label instead and every method
accepts its arguments and does nothing. The decision is made before any ``QOpenGLWidget``
exists, because one broken GL widget can blank the whole window it lives in.

Inputs are plain numpy arrays; this module imports neither torch nor ``core``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QGuiApplication, QOpenGLContext, QSurfaceFormat, QVector3D
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

__all__ = ["SurfaceView3D", "opengl_unavailable_reason"]

MAX_MESH = 128  # mesh vertices per side at most (the 2D raster is often 384-512)
LIFT = 0.012  # lines and dots float this far above the mesh (box height is 1)
DOT_LIFT = 0.02
# Same floor as core.surfaces.raster.LOG_FLOOR (copied: this module must not import core).
LOG_FLOOR = 1e-6
LIGHT = (-0.35, -0.45, 1.0)  # towards the light, in box coordinates
XY_CLAMP = 5.0  # a diverged run is drawn up to this far out (normalised units), not to 1e30

BACKGROUND = (20, 22, 28)
GRID_COLOR = (150, 160, 180, 60)
DEFAULT_CENTER = (0.0, 0.0, 0.3)
DEFAULT_DISTANCE = 3.7
DEFAULT_ELEVATION = 30.0
DEFAULT_AZIMUTH = -60.0

# Qt platforms that never provide OpenGL to widgets.
_NO_GL_PLATFORMS = frozenset({"offscreen", "minimal", "linuxfb", "vnc"})

_probe_cache: dict[str, str | None] = {}
_view_class = None


def opengl_unavailable_reason() -> str | None:
    """Why a GL view cannot work here (translated, short), or None when it should.

    Cheap and side-effect free apart from a throw-away QOpenGLContext; cached per platform.
    """
    if QGuiApplication.instance() is None:
        return QCoreApplication.translate("SurfaceView3D", "no Qt GUI application is running")
    platform = QGuiApplication.platformName()
    if platform in _probe_cache:
        return _probe_cache[platform]
    reason = _probe(platform)
    _probe_cache[platform] = reason
    return reason


def _probe(platform: str) -> str | None:
    if platform in _NO_GL_PLATFORMS:
        return QCoreApplication.translate(
            "SurfaceView3D", "the Qt platform '{0}' has no OpenGL"
        ).format(platform)
    try:
        import OpenGL.GL  # noqa: F401
        import pyqtgraph.opengl  # noqa: F401
    except Exception as exc:  # ImportError, or PyOpenGL failing to load libGL
        return QCoreApplication.translate(
            "SurfaceView3D", "PyOpenGL could not be loaded: {0}"
        ).format(exc)
    try:
        context = QOpenGLContext()
        context.setFormat(QSurfaceFormat.defaultFormat())
        if not context.create():
            return QCoreApplication.translate("SurfaceView3D", "no OpenGL context could be created")
        fmt = context.format()
        version = (fmt.majorVersion(), fmt.minorVersion())
        if not context.isOpenGLES() and version < (2, 1):
            return QCoreApplication.translate(
                "SurfaceView3D", "OpenGL {0}.{1} is older than the 2.1 needed"
            ).format(*version)
    except Exception as exc:
        return QCoreApplication.translate("SurfaceView3D", "OpenGL check failed: {0}").format(exc)
    return None


def _get_view_class():
    """GLViewWidget that reports initialisation errors instead of printing them."""
    global _view_class
    if _view_class is None:
        import pyqtgraph.opengl as gl

        class _GLView(gl.GLViewWidget):
            failed = Signal(str)

            def initializeGL(self):
                try:
                    super().initializeGL()
                except Exception as exc:
                    self.failed.emit(str(exc))

        _view_class = _GLView
    return _view_class


def _hillshade(heights: np.ndarray, mesh_x: np.ndarray, mesh_y: np.ndarray) -> np.ndarray:
    """Brightness factor per vertex (about 0.6-1.07) from a fixed light above the front left.

    Baked into the vertex colours: pyqtgraph would otherwise compute vertex normals in a Python
    loop (about 0.2 s for a 128 x 128 mesh on every surface change), and its 'shaded' program
    darkens faces turned from its light to 20%, which makes the colormap unreadable. Flat
    ground stays within 2% of the 2D map's colour.
    """
    if len(mesh_x) < 2 or len(mesh_y) < 2:
        return np.ones_like(heights)
    dzdx = np.gradient(heights, mesh_x, axis=0)
    dzdy = np.gradient(heights, mesh_y, axis=1)
    normal = np.stack([-dzdx, -dzdy, np.ones_like(heights)], axis=-1)
    normal /= np.linalg.norm(normal, axis=-1, keepdims=True)
    light = np.array(LIGHT) / np.linalg.norm(LIGHT)
    return 0.6 + 0.47 * np.clip(normal @ light, 0.0, 1.0)


def _rgba(color) -> tuple[float, float, float, float]:
    """(r, g, b[, a]) in 0-255, a QColor or a colour name -> floats in 0-1."""
    if isinstance(color, QColor):
        return color.getRgbF()
    if isinstance(color, str):
        return QColor(color).getRgbF()
    values = [float(c) for c in color]
    if len(values) == 3:
        values.append(255.0)
    return tuple(min(max(v / 255.0, 0.0), 1.0) for v in values[:4])


def _sample_indices(n: int, limit: int = MAX_MESH) -> np.ndarray:
    """At most `limit` evenly spread indices into range(n), always keeping both ends."""
    if n <= limit:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, limit).round().astype(int))


class _Normaliser:
    """Maps parameter coordinates and losses into the view box, and the mesh height under a point.

    ``levels`` are levels of the displayed values, as in ``core.surfaces.raster.Raster``: the
    loss itself, or with ``log_scale`` ``log10(loss - min + floor)`` where ``min`` is the
    surface's finite minimum (the 2D map's log scale), so they come straight from the raster.
    """

    def __init__(self, xs, ys, z, levels, log_scale):
        self.x0, self.x1 = float(xs[0]), float(xs[-1])
        self.y0, self.y1 = float(ys[0]), float(ys[-1])
        half = max(abs(self.x1 - self.x0), abs(self.y1 - self.y0)) / 2.0
        self.half = half if half > 0 else 1.0
        self.cx = (self.x0 + self.x1) / 2.0
        self.cy = (self.y0 + self.y1) / 2.0
        self.log_scale = bool(log_scale)
        finite = z[np.isfinite(z)]
        self.low = float(finite.min()) if finite.size else 0.0
        lo, hi = float(levels[0]), float(levels[1])
        if not np.isfinite(lo):
            lo = 0.0
        if not (np.isfinite(hi) and hi > lo):
            hi = lo + 1.0
        self.lo, self.hi = lo, hi
        self.mesh_x = None  # set by the view: normalised grid and heights of the mesh
        self.mesh_y = None
        self.mesh_z = None  # (len(mesh_x), len(mesh_y)), as GLSurfacePlotItem wants it

    def x(self, values):
        return (np.asarray(values, dtype=np.float64) - self.cx) / self.half

    def y(self, values):
        return (np.asarray(values, dtype=np.float64) - self.cy) / self.half

    @property
    def extent(self) -> tuple[float, float]:
        return abs(self.x1 - self.x0) / self.half, abs(self.y1 - self.y0) / self.half

    def height(self, loss) -> np.ndarray:
        """Loss -> [0, 1]; NaN/+inf (diverged) sit on the top, -inf on the floor."""
        loss = np.asarray(loss, dtype=np.float64)
        if self.log_scale:
            with np.errstate(invalid="ignore"):
                shown = np.log10(
                    np.maximum(loss - self.low, 0.0) + LOG_FLOOR * max(1.0, abs(self.low))
                )
        else:
            shown = loss
        with np.errstate(invalid="ignore"):
            unit = (shown - self.lo) / (self.hi - self.lo)
        unit = np.nan_to_num(unit, nan=1.0, posinf=1.0, neginf=0.0)
        return np.clip(unit, 0.0, 1.0)

    def mesh_height(self, px: np.ndarray, py: np.ndarray) -> np.ndarray:
        """Height of the drawn triangles under normalised points (-inf outside the mesh).

        Interpolates exactly like GLSurfacePlotItem triangulates each cell: triangles
        (i, j), (i, j+1), (i+1, j) and (i+1, j), (i, j+1), (i+1, j+1), with i along x.
        Bilinear interpolation would put points inside convex valleys below the mesh.
        """
        gx, gy, gz = self.mesh_x, self.mesh_y, self.mesh_z
        out = np.full(px.shape, -np.inf)
        if gz is None or len(gx) < 2 or len(gy) < 2:
            return out
        ascending_x, ascending_y = gx[-1] > gx[0], gy[-1] > gy[0]
        if not ascending_x:
            gx, px = -gx, -px
        if not ascending_y:
            gy, py = -gy, -py
        inside = (px >= gx[0]) & (px <= gx[-1]) & (py >= gy[0]) & (py <= gy[-1])
        if not inside.any():
            return out
        qx, qy = px[inside], py[inside]
        i = np.clip(np.searchsorted(gx, qx, side="right") - 1, 0, len(gx) - 2)
        j = np.clip(np.searchsorted(gy, qy, side="right") - 1, 0, len(gy) - 2)
        u = (qx - gx[i]) / (gx[i + 1] - gx[i])
        v = (qy - gy[j]) / (gy[j + 1] - gy[j])
        z00, z10, z01, z11 = gz[i, j], gz[i + 1, j], gz[i, j + 1], gz[i + 1, j + 1]
        lower = z00 + u * (z10 - z00) + v * (z01 - z00)
        upper = z11 + (1 - u) * (z01 - z11) + (1 - v) * (z10 - z11)
        out[inside] = np.where(u + v <= 1.0, lower, upper)
        return out

    def lift(self, xy: np.ndarray, loss: np.ndarray, offset: float) -> np.ndarray:
        """(T, 2) parameter points + (T,) losses -> (T', 3) points in the box.

        Rows with a non-finite position are dropped. A point is never below the mesh under it,
        so a line is not swallowed where the triangulation overshoots the true loss.
        """
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        loss = np.asarray(loss, dtype=np.float64).reshape(-1)
        n = min(len(xy), len(loss))
        xy, loss = xy[:n], loss[:n]
        keep = np.isfinite(xy).all(axis=1)
        xy, loss = xy[keep], loss[keep]
        px = np.clip(self.x(xy[:, 0]), -XY_CLAMP, XY_CLAMP)
        py = np.clip(self.y(xy[:, 1]), -XY_CLAMP, XY_CLAMP)
        pz = np.maximum(self.height(loss), self.mesh_height(px, py)) + offset
        return np.column_stack([px, py, pz]).astype(np.float32)


class SurfaceView3D(QWidget):
    """The loss surface in 3D, trajectories on top; drag to rotate, wheel to zoom.

    ``available`` is False when OpenGL cannot be used; the widget then shows why, and the
    ``set_*`` methods do nothing.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._view = None
        self._fallback: QLabel | None = None
        self._reason: str | None = None
        self._norm: _Normaliser | None = None
        self._surface = None
        self._grid = None
        self._lines: list = []
        self._dots: list = []
        self._swarm = None
        self._trajectories: tuple | None = None  # last arguments, re-lifted on a new surface
        self._points: tuple | None = None
        self._checked_valid = False

        reason = opengl_unavailable_reason()
        if reason is None:
            try:
                self._build_view()
            except Exception as exc:
                self._discard_view()
                reason = self.tr("the 3D widget could not be created: {0}").format(exc)
        if reason is not None:
            self._show_fallback(reason)

    # ------------------------------------------------------------------ state

    @property
    def available(self) -> bool:
        return self._view is not None

    @property
    def unavailable_reason(self) -> str | None:
        """Why the 3D view is off (None while it is available)."""
        return self._reason

    @property
    def gl_view(self):
        """The underlying ``GLViewWidget`` (None when unavailable), e.g. to grab a frame."""
        return self._view

    # ------------------------------------------------------------------ building

    def _build_view(self) -> None:
        import pyqtgraph.opengl as gl

        view = _get_view_class()(self)
        view.failed.connect(self._on_gl_failed, Qt.ConnectionType.QueuedConnection)
        view.setBackgroundColor(QColor(*BACKGROUND))
        self._view = view

        self._grid = gl.GLGridItem(color=GRID_COLOR, glOptions="translucent")
        self._grid.setSize(2, 2, 0)
        self._grid.setSpacing(0.25, 0.25, 1)
        self._grid.translate(0, 0, -0.002)
        self._grid.setDepthValue(-10)
        view.addItem(self._grid)

        # Plain per-vertex colours (lighting is baked in by _hillshade); no normals needed.
        self._surface = gl.GLSurfacePlotItem(
            shader=None, smooth=True, computeNormals=False, glOptions="opaque"
        )
        self._surface.setDepthValue(0)
        self._surface.setVisible(False)
        view.addItem(self._surface)

        self._swarm = gl.GLScatterPlotItem(size=3, pxMode=True, glOptions="translucent")
        self._swarm.setDepthValue(20)
        self._swarm.setVisible(False)
        view.addItem(self._swarm)

        self.reset_camera()
        self._layout.addWidget(view)

    def _discard_view(self) -> None:
        if self._view is not None:
            self._view.hide()
            self._view.setParent(None)
            self._view.deleteLater()
        self._view = None
        self._surface = self._grid = self._swarm = None
        self._lines, self._dots = [], []

    def _show_fallback(self, reason: str) -> None:
        self._reason = reason
        if self._fallback is None:
            label = QLabel(self)
            label.setObjectName("view3dFallback")
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setWordWrap(True)
            label.setMargin(24)
            self._layout.addWidget(label)
            self._fallback = label
        self._fallback.setText(
            self.tr(
                "3D view unavailable: OpenGL could not be started on this display ({0}). "
                "The 2D map and everything else work."
            ).format(reason)
        )
        self._fallback.show()

    def _on_gl_failed(self, message: str) -> None:
        self._switch_to_fallback(self.tr("OpenGL initialisation failed: {0}").format(message))

    def _switch_to_fallback(self, reason: str) -> None:
        if self._view is None:
            return
        self._discard_view()
        self._show_fallback(reason)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._view is not None and not self._checked_valid:
            # The probe context worked, but the widget's own context may still fail (Qt then
            # only prints "QOpenGLWidget: Failed to create context"); look once it had a chance.
            QTimer.singleShot(1000, self, self._check_context)

    def _check_context(self) -> None:
        view = self._view
        if view is None or self._checked_valid or not view.isVisible():
            return
        handle = view.window().windowHandle()
        if handle is None or not handle.isExposed():
            return  # not on screen yet; the next showEvent tries again
        self._checked_valid = True
        if not view.isValid():
            self._switch_to_fallback(self.tr("the widget's OpenGL context could not be created"))

    # ------------------------------------------------------------------ camera

    def reset_camera(self) -> None:
        """Back to the default view: 30 degrees up, from the front left, whole box in view."""
        if self._view is None:
            return
        self._view.setCameraPosition(
            pos=QVector3D(*DEFAULT_CENTER),
            distance=DEFAULT_DISTANCE,
            elevation=DEFAULT_ELEVATION,
            azimuth=DEFAULT_AZIMUTH,
        )

    # ------------------------------------------------------------------ data

    def set_surface(
        self,
        xs: np.ndarray,
        ys: np.ndarray,
        z: np.ndarray,
        levels: tuple[float, float],
        log_scale: bool = False,
        colormap: str = "viridis",
    ) -> None:
        """Show the loss ``z[i, j]`` at ``(xs[j], ys[i])``, coloured like the 2D map.

        ``levels`` are the 2D map's colour levels of the displayed values (``Raster.levels``:
        in log10 units when ``log_scale``); heights and colours are clipped to them.
        """
        if self._view is None:
            return
        xs = np.asarray(xs, dtype=np.float64).reshape(-1)
        ys = np.asarray(ys, dtype=np.float64).reshape(-1)
        z = np.asarray(z, dtype=np.float64)
        if z.shape != (len(ys), len(xs)) or len(xs) < 2 or len(ys) < 2:
            raise ValueError(
                f"z must have shape (len(ys), len(xs)) with both >= 2, got {z.shape} "
                f"for {len(xs)} xs and {len(ys)} ys"
            )
        norm = _Normaliser(xs, ys, z, levels, log_scale)
        jx, iy = _sample_indices(len(xs)), _sample_indices(len(ys))
        mesh_x = norm.x(xs[jx])
        mesh_y = norm.y(ys[iy])
        heights = norm.height(z[np.ix_(iy, jx)]).T  # (len(mesh_x), len(mesh_y))
        norm.mesh_x, norm.mesh_y, norm.mesh_z = mesh_x, mesh_y, heights
        self._norm = norm

        rgba = _colormap(colormap).map(heights.reshape(-1), mode="float").astype(np.float64)
        rgba[:, :3] *= _hillshade(heights, mesh_x, mesh_y).reshape(-1, 1)
        colors = np.clip(np.round(rgba * 255.0), 0, 255).astype(np.uint8)
        self._surface.setData(
            x=mesh_x.astype(np.float32),
            y=mesh_y.astype(np.float32),
            z=heights.astype(np.float32),
            colors=colors,
        )
        self._surface.setVisible(True)

        wx, wy = norm.extent
        self._grid.setSize(wx, wy, 0)
        self._grid.resetTransform()
        self._grid.translate((mesh_x[0] + mesh_x[-1]) / 2, (mesh_y[0] + mesh_y[-1]) / 2, -0.002)
        self._grid.setSpacing(wx / 8, wy / 8, 1)

        if self._trajectories is not None:
            self.set_trajectories(*self._trajectories)
        if self._points is not None:
            self.set_points(*self._points)

    def set_trajectories(
        self,
        paths: Sequence[np.ndarray],
        colors: Sequence[tuple[int, int, int]],
        loss: Sequence[np.ndarray],
    ) -> None:
        """One line per run, ``paths[k]`` (T, 2) in parameter units with losses ``loss[k]`` (T,).

        The end of each path gets a dot. Before a surface is set the paths are kept and drawn
        once it arrives.
        """
        if self._view is None:
            return
        paths = [] if paths is None else list(paths)
        colors = [] if colors is None else list(colors)
        loss = [] if loss is None else list(loss)
        self._trajectories = (paths, colors, loss)
        if self._norm is None:
            return
        import pyqtgraph.opengl as gl

        count = min(len(paths), len(colors), len(loss))
        while len(self._lines) < count:
            line = gl.GLLinePlotItem(width=2.5, antialias=True, glOptions="translucent")
            line.setDepthValue(10)
            dot = gl.GLScatterPlotItem(size=10, pxMode=True, glOptions="translucent")
            dot.setDepthValue(15)
            self._view.addItem(line)
            self._view.addItem(dot)
            self._lines.append(line)
            self._dots.append(dot)
        for k, (line, dot) in enumerate(zip(self._lines, self._dots, strict=True)):
            if k >= count:
                line.setVisible(False)
                dot.setVisible(False)
                continue
            points = self._norm.lift(paths[k], loss[k], LIFT)
            color = _rgba(colors[k])
            if len(points) >= 2:
                line.setData(pos=points, color=color)
                line.setVisible(True)
            else:
                line.setVisible(False)
            if len(points) >= 1:
                end = points[-1:].copy()
                end[:, 2] += DOT_LIFT - LIFT
                dot.setData(pos=end, color=color)
                dot.setVisible(True)
            else:
                dot.setVisible(False)

    def set_points(self, xy: np.ndarray | None, loss: np.ndarray | None, color=None) -> None:
        """Swarm mode: many particles as small dots; ``set_points(None, None, None)`` hides them."""
        if self._view is None:
            return
        if xy is None or loss is None:
            self._points = None
            self._swarm.setVisible(False)
            return
        self._points = (xy, loss, color)
        if self._norm is None:
            return
        points = self._norm.lift(xy, loss, LIFT)
        if len(points) == 0:
            self._swarm.setVisible(False)
            return
        rgba = _rgba(color) if color is not None else (1.0, 1.0, 1.0, 1.0)
        self._swarm.setData(pos=points, color=rgba, size=3)
        self._swarm.setVisible(True)


def _colormap(name: str):
    from pyqtgraph import colormap

    try:
        cmap = colormap.get(name)
    except Exception:
        cmap = None
    return cmap if cmap is not None else colormap.get("viridis")
