"""What the model does: a decision-boundary heatmap (2D data), the fitted curve (1D data), or a
confusion matrix with sample predictions (the digits).

Items are created once; :meth:`ModelView.show_data` places the data points when a dataset is
chosen and :meth:`ModelView.show_snapshot` updates the model's picture (``setImage`` with explicit
levels, ``setData``) from the newest :class:`~desktop_app.network_lab.session.Snapshot`.
Clicking the 2D plot adds a training point: a plain click adds class 0 (blue), Shift-click class 1
(orange). With 3 or more classes (``core.nets.datasets.MULTICLASS_2D``) each grid cell takes its
most likely class's colour (``core.palette.class_colours``), paler where the model is less sure,
and a legend names the classes.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from core.palette import BINARY_CLASS_COLOURS, CLASS_COLOURS, class_colours
from desktop_app.network_lab.curves import cache_axes
from desktop_app.style import appearance
from desktop_app.widgets.axes import readable_axes, style_legend
from desktop_app.widgets.labels import hint
from desktop_app.widgets.retranslating import Retranslating

# Indexable by any class label (the race view colours points with it); 2 classes: blue, orange.
CLASS_COLORS = (*BINARY_CLASS_COLOURS, *CLASS_COLOURS[2:])
FITTED_COLOR = "#d62728"
# P(class 1) from 0 to 1: blue through white to orange, like the point colours.
BOUNDARY_MAP = pg.ColorMap([0.0, 0.5, 1.0], [(84, 140, 200), (250, 250, 250), (250, 160, 80)])
CONFUSION_MAP = pg.ColorMap([0.0, 1.0], [(255, 255, 255), (30, 90, 170)])


def _plot_widget() -> tuple[pg.GraphicsLayoutWidget, pg.PlotItem]:
    widget = pg.GraphicsLayoutWidget()
    plot = widget.addPlot()
    readable_axes(plot)
    plot.setMenuEnabled(False)
    widget.setBackground(appearance().plot_background())
    appearance().register_plot(plot)  # restyled on every presenter-mode or theme change
    cache_axes(plot)
    return widget, plot


class BoundaryView(Retranslating, QWidget):
    pointAdded = Signal(float, float, int)  # x, y, class

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.widget, self.plot = _plot_widget()
        self.plot.setAspectLocked(True)
        self.plot.setLabel("bottom", "x₁")
        self.plot.setLabel("left", "x₂")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setLookupTable(BOUNDARY_MAP.getLookupTable(0.0, 1.0, 256))
        self.plot.addItem(self.image)
        self.image.setVisible(False)
        self._image_rect: tuple[float, float, float, float] | None = None  # as last set
        # 3 or more classes: an RGB picture of the most likely class per cell (no lookup table)
        self.class_image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.class_image)
        self.class_image.setVisible(False)
        self.classes = 2
        self.last_snapshot = None  # redrawn in a new theme (the picture blends into the background)
        self.boundary = pg.PlotDataItem(connect="finite")
        self.plot.addItem(self.boundary)
        self.train_points = pg.ScatterPlotItem()
        self.val_points = pg.ScatterPlotItem(brush=pg.mkBrush(None), symbol="o")
        self.data = None
        self.plot.addItem(self.train_points)
        self.plot.addItem(self.val_points)
        self.legend = QLabel()  # the classes' colours, for 3 or more classes
        self.legend.setObjectName("class_legend")
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setVisible(False)
        self.hint = hint = QLabel()
        hint.setWordWrap(True)
        hint.setTextFormat(Qt.TextFormat.RichText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.widget, 1)
        layout.addWidget(self.legend)
        layout.addWidget(hint)
        self.widget.scene().sigMouseClicked.connect(self._clicked)
        self.bounds: tuple[tuple[float, float], tuple[float, float]] | None = None
        self.retranslate()
        self.apply_style()
        appearance().changed.connect(self.apply_style)

    def apply_style(self) -> None:
        """Line width and marker sizes of the current mode (presenter mode: thicker, bigger)."""
        self._style_boundary()
        if self.data is not None:
            self._show_points(self.data)
        if self.last_snapshot is not None and self.last_snapshot.winner is not None:
            self._show_classes(self.last_snapshot)

    def _style_boundary(self) -> None:
        """Dark on the 2-class map (white at its boundary); with more classes the line runs
        between two coloured regions, so it takes the theme's foreground (light on dark)."""
        look = appearance()
        colour = (40, 40, 40) if self.classes <= 2 else look.plot_foreground()
        self.boundary.setPen(look.pen(colour, 2 if self.classes <= 2 else 1.5))

    def retranslate(self) -> None:
        if self.classes <= 2:
            blue, orange = BINARY_CLASS_COLOURS
            self.hint.setText(
                self.tr(
                    "<span style='color:{0}'>●</span> class 0 · <span style='color:{1}'>●</span> "
                    "class 1 (training) · ○ validation · <b>—</b> decision boundary (p = 0.5). "
                    "Background: the model's probability of class 1, blue 0 · white 0.5 · "
                    "orange 1.<br>Click to add a class 0 training point, Shift-click for class 1."
                ).format(blue, orange)
            )
            return
        self._show_legend()
        self.hint.setText(
            self.tr(
                "● training · ○ validation · <b>—</b> where the most likely class changes. "
                "Background: the most likely class, paler where the model is less sure."
                "<br>Click to add a class 0 training point, Shift-click for class 1."
            )
        )

    def _show_legend(self) -> None:
        """Each class's colour and name; once trained, the share of its validation points the
        network gets right (the confusion matrix's diagonal over its rows)."""
        right = self.per_class_right()
        entries = []
        for index, colour in enumerate(class_colours(self.classes)):
            entry = self.tr("class {0}").format(index)
            if right is not None:
                entry += f" {right[index]:.0%}"
            # one class's entry never breaks across lines
            entries.append(
                f"<span style='color:{colour}'>●</span>&nbsp;" + entry.replace(" ", "&nbsp;")
            )
        text = " · ".join(entries)
        if right is not None:
            text += " — " + self.tr("validation points right per class")
        self.legend.setText(text)

    def per_class_right(self) -> np.ndarray | None:
        """The share of each class's validation points the shown model gets right (tests)."""
        confusion = getattr(self.last_snapshot, "confusion", None)
        if confusion is None or len(confusion) != self.classes:
            return None
        return np.diag(confusion) / np.maximum(confusion.sum(1), 1)

    def legend_classes(self) -> list[tuple[int, str]]:
        """The legend's (class, colour) pairs, empty for 2 classes (tests)."""
        if not self.legend.isVisibleTo(self):
            return []
        return [
            (k, c) for k, c in enumerate(class_colours(self.classes)) if c in self.legend.text()
        ]

    def show_data(self, data) -> None:
        self.bounds = data.bounds
        self.data = data
        self._show_points(data)
        (x0, x1), (y0, y1) = data.bounds
        self.plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        self.classes = data.classes
        self.legend.setVisible(data.classes > 2)
        self._style_boundary()
        self.retranslate()
        self.clear_predictions()

    def _show_points(self, data) -> None:
        """The training (filled) and validation (hollow) points, in the mode's sizes."""
        look = appearance()
        size = look.marker(7)
        for item, x, y, hollow in (
            (self.train_points, data.x_train, data.y_train, False),
            (self.val_points, data.x_val, data.y_val, True),
        ):
            palette = class_colours(max(data.classes, 2))
            colors = [QColor(palette[int(c)]) for c in y]
            if hollow:
                pens = [look.pen(c, 1.5) for c in colors]
                item.setData(x[:, 0], x[:, 1], pen=pens, brush=None, size=size)
            else:
                brushes = [pg.mkBrush(c) for c in colors]
                pen = look.pen("w", 0.8)
                item.setData(x[:, 0], x[:, 1], brush=brushes, pen=pen, size=size)

    def show_snapshot(self, snapshot) -> None:
        x, y, w, h = snapshot.rect
        if snapshot.winner is not None:
            self.last_snapshot = snapshot
            self._show_classes(snapshot)
            self._show_legend()
            self.class_image.setRect(QRectF(x, y, w, h))
        else:
            self.image.setImage(snapshot.grid, levels=(0.0, 1.0), autoLevels=False)
            if self._image_rect != snapshot.rect:  # setRect re-lays the item out
                self._image_rect = snapshot.rect
                self.image.setRect(QRectF(x, y, w, h))
        self.image.setVisible(snapshot.winner is None)
        self.class_image.setVisible(snapshot.winner is not None)
        line = snapshot.boundary
        if line is not None and len(line):
            self.boundary.setData(line[:, 0], line[:, 1])
        else:
            self.boundary.setData([], [])

    def _show_classes(self, snapshot) -> None:
        """Each cell in its most likely class's colour, blended into the plot's background as
        the model's probability of that class falls towards chance (1/K)."""
        rgb = class_picture(
            snapshot.winner,
            snapshot.confidence,
            class_colours(self.classes),
            appearance().plot_background().getRgb()[:3],
        )
        self.class_image.setImage(rgb, levels=(0, 255), autoLevels=False)

    def shown_classes(self) -> np.ndarray | None:
        """The class each cell of the shown K-class picture is coloured as (tests); ``None``
        when there is no such picture."""
        image = self.class_image.image
        if image is None or not self.class_image.isVisible():
            return None
        background = np.array(appearance().plot_background().getRgb()[:3], float)
        colours = np.array([QColor(c).getRgb()[:3] for c in class_colours(self.classes)], float)
        towards = image.astype(float) - background  # each cell: alpha * (colour - background)
        directions = colours - background
        # the colour whose direction the cell lies on: the largest cosine
        cosine = towards @ directions.T
        cosine /= np.linalg.norm(directions, axis=1) * np.maximum(
            np.linalg.norm(towards, axis=-1, keepdims=True), 1e-9
        )
        return cosine.argmax(-1)

    def clear_predictions(self) -> None:
        """No probabilities and no boundary (their model is gone); the data points stay."""
        self.image.clear()
        self.image.setVisible(False)
        self.class_image.clear()
        self.class_image.setVisible(False)
        self.last_snapshot = None
        self.boundary.setData([], [])
        if self.classes > 2:
            self._show_legend()  # no shares right without a model

    def image_sum(self) -> float:
        """Sum of the shown probabilities (tests: the picture changes); with 3 or more classes
        the most likely class's probability per cell."""
        if self.last_snapshot is not None and self.class_image.isVisible():
            return float(np.sum(self.last_snapshot.confidence))
        image = self.image.image
        return float(np.sum(image)) if image is not None else 0.0

    def _clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self.bounds is None:
            return
        if not self.plot.vb.sceneBoundingRect().contains(event.scenePos()):
            return
        point = self.plot.vb.mapSceneToView(event.scenePos())
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        self.pointAdded.emit(point.x(), point.y(), 1 if shift else 0)


def class_picture(
    winner: np.ndarray,
    confidence: np.ndarray,
    colours: tuple[str, ...],
    background: tuple[int, int, int],
) -> np.ndarray:
    """An RGB uint8 ``(H, W, 3)`` picture: each cell the colour of its class ``winner``, mixed
    with ``background`` by how sure the model is (chance 1/K: 15 % colour; certain: 60 %, so that
    the points, in the full colour, stand out)."""
    classes = len(colours)
    palette = np.array([QColor(c).getRgb()[:3] for c in colours], float)
    sure = np.clip((confidence - 1.0 / classes) / (1.0 - 1.0 / classes), 0.0, 1.0)
    share = (0.15 + 0.45 * sure)[..., None]
    picture = share * palette[winner] + (1.0 - share) * np.asarray(background, float)
    return np.round(picture).astype(np.uint8)


class CurveView(Retranslating, QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.widget, self.plot = _plot_widget()
        self.plot.setLabel("bottom", "x")
        self.plot.setLabel("left", "y")
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.legend = legend = self.plot.addLegend(offset=(6, 6), brush=(255, 255, 255, 200))
        self.target = self.plot.plot()
        self.train_points = pg.ScatterPlotItem(brush=CLASS_COLORS[0], pen=None)
        self.val_points = pg.ScatterPlotItem(brush=None)
        self.plot.addItem(self.train_points)
        self.plot.addItem(self.val_points)
        self.fitted = self.plot.plot()
        for item in (self.target, self.train_points, self.val_points, self.fitted):
            legend.addItem(item, "")  # named in retranslate()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.widget)
        self.retranslate()
        self.apply_style()
        appearance().changed.connect(self.apply_style)

    def apply_style(self) -> None:
        """Pens, marker sizes and legend text of the current mode."""
        look = appearance()
        self.target.setPen(look.pen((150, 150, 150), 1.5, style=Qt.PenStyle.DashLine))
        self.fitted.setPen(look.pen(FITTED_COLOR, 2.5))
        self.train_points.setSize(look.marker(6))
        self.val_points.setSize(look.marker(7))
        self.val_points.setPen(look.pen(CLASS_COLORS[1], 1.5))
        style_legend(self.legend)

    def retranslate(self) -> None:
        names = {
            self.target: self.tr("true function"),
            self.train_points: self.tr("training points"),
            self.val_points: self.tr("validation points"),
            self.fitted: self.tr("the network"),
        }
        for sample, label in self.legend.items:
            if sample.item in names:
                label.setText(names[sample.item])
        self.legend.updateSize()

    def show_data(self, data) -> None:
        from core.nets.datasets import sinc_target, sine_target

        (low, high) = data.bounds[0]
        xs = np.linspace(low, high, 400)
        target = sinc_target if data.name == "sinc" else sine_target
        self.target.setData(xs, target(xs))
        self.train_points.setData(data.x_train[:, 0], data.y_train)
        self.val_points.setData(data.x_val[:, 0], data.y_val)
        self.fitted.setData([], [])
        ys = np.concatenate([data.y_train, data.y_val])
        # Python floats: numpy float32 bounds overflow inside pyqtgraph's range checks
        bottom, top = float(ys.min()) - 0.2, float(ys.max()) + 0.2
        self.plot.setRange(xRange=(float(low), float(high)), yRange=(bottom, top))

    def show_snapshot(self, snapshot) -> None:
        self.fitted.setData(snapshot.xs, snapshot.fitted)

    def clear_predictions(self) -> None:
        self.fitted.setData([], [])


class DigitsView(Retranslating, QWidget):
    """A confusion matrix over the validation set, and 12 validation digits with the guesses."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.widget = pg.GraphicsLayoutWidget()
        self.widget.setBackground(appearance().plot_background())
        self.matrix_plot = self.widget.addPlot(row=0, col=0, colspan=6)
        self.matrix_plot.setMenuEnabled(False)
        self.matrix_plot.setMouseEnabled(x=False, y=False)
        self.matrix_plot.hideButtons()
        self.matrix_plot.invertY(True)
        self.matrix_plot.setAspectLocked(True)
        readable_axes(self.matrix_plot)
        ticks = [[(i + 0.5, str(i)) for i in range(10)]]
        for side in ("left", "bottom"):
            self.matrix_plot.getAxis(side).setTicks(ticks)
        appearance().register_plot(self.matrix_plot)
        cache_axes(self.matrix_plot)
        self.matrix = pg.ImageItem(axisOrder="row-major")
        self.matrix.setLookupTable(CONFUSION_MAP.getLookupTable(0.0, 1.0, 256))
        self.matrix_plot.addItem(self.matrix)
        self.matrix.setImage(np.zeros((10, 10)), levels=(0.0, 1.0), autoLevels=False)
        self.matrix.setRect(QRectF(0, 0, 10, 10))
        self.matrix_plot.setRange(xRange=(0, 10), yRange=(0, 10), padding=0)
        self.matrix_plot.disableAutoRange()
        self.counts: list[pg.TextItem] = []
        for row in range(10):
            for col in range(10):
                text = pg.TextItem("", anchor=(0.5, 0.5), color=(40, 40, 40))
                text.setPos(col + 0.5, row + 0.5)
                self.matrix_plot.addItem(text)
                self.counts.append(text)
        self.samples: list[tuple[pg.PlotItem, pg.ImageItem]] = []
        for index in range(12):
            box = self.widget.addPlot(row=1 + index // 6, col=index % 6)
            box.hideAxis("left")
            box.hideAxis("bottom")
            box.hideButtons()
            box.setMouseEnabled(x=False, y=False)
            box.setMenuEnabled(False)
            box.invertY(True)
            box.setAspectLocked(True)
            image = pg.ImageItem(axisOrder="row-major")
            box.addItem(image)
            self.samples.append((box, image))
        self.widget.ci.layout.setRowStretchFactor(0, 5)
        self.widget.ci.layout.setRowStretchFactor(1, 1)
        self.widget.ci.layout.setRowStretchFactor(2, 1)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        hint(self.caption)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.widget, 1)
        layout.addWidget(self.caption)
        self.retranslate()
        self.apply_style()
        appearance().changed.connect(self.apply_style)

    def apply_style(self) -> None:
        """Counts and the digits' captions in the current mode's font."""
        font = appearance().font(-1)
        for text in self.counts:
            text.setFont(font)
        for box, _image in self.samples:
            label = box.titleLabel
            self._caption(box, label.text, label.opts.get("color"))

    @staticmethod
    def _caption(box: pg.PlotItem, text: str, color=None) -> None:
        """A digit's caption ("true → guess (confidence)") in the mode's size."""
        options = {"color": color} if color is not None else {}
        box.setTitle(text, size=f"{appearance().point_size(-1):.1f}pt", **options)

    def retranslate(self) -> None:
        self.matrix_plot.setTitle(self.tr("confusion matrix on the validation set"))
        self.matrix_plot.setLabel("left", self.tr("true digit"))
        self.matrix_plot.setLabel("bottom", self.tr("predicted digit"))
        appearance().style_plot(self.matrix_plot)  # the title's size and colour
        self.caption.setText(
            self.tr(
                "Row: the true digit, column: the network's guess; the diagonal is right. Below: "
                "validation digits as 'true → guess (confidence)', green right, red wrong."
            )
        )

    def show_data(self, data) -> None:
        images = data.x_val[:12].reshape(-1, 8, 8)
        for (box, image), pixels, label in zip(self.samples, images, data.y_val[:12], strict=False):
            image.setImage(1.0 - pixels, levels=(0.0, 1.0), autoLevels=False)
            self._caption(box, f"{int(label)} → ?")
        self.matrix.setImage(np.zeros((10, 10)), levels=(0.0, 1.0), autoLevels=False)
        for text in self.counts:
            text.setText("")

    def show_snapshot(self, snapshot) -> None:
        confusion = snapshot.confusion
        totals = np.maximum(confusion.sum(1, keepdims=True), 1)
        self.matrix.setImage(confusion / totals, levels=(0.0, 1.0), autoLevels=False)
        for index, text in enumerate(self.counts):
            value = int(confusion.flat[index])
            text.setText(str(value) if value else "")
            share = confusion.flat[index] / totals.flat[index // 10]
            text.setColor((255, 255, 255) if share > 0.55 else (40, 40, 40))
        for index, (box, image) in enumerate(self.samples):
            if index >= len(snapshot.sample_truth):
                break
            truth, guess = int(snapshot.sample_truth[index]), int(snapshot.sample_predicted[index])
            confidence = float(snapshot.sample_confidence[index])
            color = "#2e7d32" if truth == guess else "#c62828"
            self._caption(box, f"{truth} → {guess} ({confidence:.0%})", color)
            image.setImage(1.0 - snapshot.sample_images[index], levels=(0.0, 1.0), autoLevels=False)

    def clear_predictions(self) -> None:
        """An empty confusion matrix and no guesses under the digits."""
        self.matrix.setImage(np.zeros((10, 10)), levels=(0.0, 1.0), autoLevels=False)
        for text in self.counts:
            text.setText("")
        for box, _image in self.samples:
            box.setTitle("")

    def accuracy(self) -> float:
        """Mean of the diagonal of the row-normalized matrix (tests)."""
        image = self.matrix.image
        return float(np.trace(image) / 10) if image is not None else 0.0


class ModelView(QStackedWidget):
    """The view that fits the dataset: boundary (2D), curve (1D) or digits; a race's small
    multiples (:class:`~desktop_app.network_lab.race_view.RaceView`) for a race."""

    def __init__(self, parent=None) -> None:
        from desktop_app.network_lab.race_view import RaceView  # it takes this module's colours

        super().__init__(parent)
        self.boundary = BoundaryView()
        self.curve = CurveView()
        self.digits = DigitsView()
        self.race = RaceView()
        self.views = {"boundary": self.boundary, "curve": self.curve, "digits": self.digits}
        for view in (*self.views.values(), self.race):
            self.addWidget(view)
        # How often the pictures were emptied: the page redraws a snapshot it drew before then.
        self.resets = 0

    def show_data(self, data) -> None:
        self.resets += 1
        kind = (
            "digits"
            if data.image_shape is not None
            else ("boundary" if data.input_dim == 2 else "curve")
        )
        self.setCurrentWidget(self.views[kind])
        self.views[kind].show_data(data)

    def show_race(self, labels: list[str], data) -> None:
        """A race: one small picture per member, side by side."""
        self.resets += 1
        self.setCurrentWidget(self.race)
        self.race.set_members(labels, data)

    def show_snapshot(self, snapshot, record=None) -> None:
        if self.currentWidget() is self.race:
            self.race.show_snapshot(snapshot, record)
        else:
            self.views[snapshot.kind].show_snapshot(snapshot)

    def clear_predictions(self) -> None:
        """Every view without the model's predictions."""
        self.resets += 1
        for view in (*self.views.values(), self.race):
            view.clear_predictions()
