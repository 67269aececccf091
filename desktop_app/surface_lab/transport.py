"""Play/pause, step, timeline slider, speed and reset."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSlider,
    QSpinBox,
    QStyle,
    QStyleOptionSlider,
    QToolButton,
    QWidget,
)

from desktop_app.style import tinted_icon


class JumpSlider(QSlider):
    """A slider that jumps to the step under a click (Qt's default moves a page towards it),
    then drags from there as usual."""

    def value_at(self, x: float) -> int:
        """The value whose handle centre sits at ``x`` (widget pixels) on a horizontal slider."""
        option = QStyleOptionSlider()
        self.initStyleOption(option)
        style = self.style()
        groove = style.subControlRect(
            QStyle.ComplexControl.CC_Slider, option, QStyle.SubControl.SC_SliderGroove, self
        )
        handle = style.subControlRect(
            QStyle.ComplexControl.CC_Slider, option, QStyle.SubControl.SC_SliderHandle, self
        )
        span = max(groove.width() - handle.width(), 1)
        position = round(x - groove.x() - handle.width() / 2)
        return QStyle.sliderValueFromPosition(
            self.minimum(), self.maximum(), min(max(position, 0), span), span, option.upsideDown
        )

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt naming)
        if event.button() == Qt.MouseButton.LeftButton and self.orientation() == (
            Qt.Orientation.Horizontal
        ):
            option = QStyleOptionSlider()
            self.initStyleOption(option)
            on_handle = self.style().hitTestComplexControl(
                QStyle.ComplexControl.CC_Slider, option, event.position().toPoint(), self
            )
            if on_handle != QStyle.SubControl.SC_SliderHandle:
                self.setValue(self.value_at(event.position().x()))
        super().mousePressEvent(event)  # on the handle now: a drag starts from here


class _StepLabel(QLabel):
    """The "step k / n" label: ``refit()`` runs when its font changes (presenter mode)."""

    def __init__(self, refit) -> None:
        super().__init__()
        self._refit = refit

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt naming)
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._refit()


class Transport(QWidget):
    playToggled = Signal(bool)
    stepRequested = Signal(int)  # +1 or -1
    scrubbed = Signal(int)
    speedChanged = Signal(int)
    resetRequested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.play = QToolButton()
        self.play.setCheckable(True)
        self.play.setToolTip(self.tr("Play / pause (Space)"))
        self.play.toggled.connect(self._play_toggled)
        self.back = QToolButton()
        self.back.setToolTip(self.tr("One step back (Left)"))
        self.back.clicked.connect(lambda: self.stepRequested.emit(-1))
        self.forward = QToolButton()
        self.forward.setToolTip(self.tr("One step forward (Right)"))
        self.forward.clicked.connect(lambda: self.stepRequested.emit(1))
        self.reset = QToolButton()
        self.reset.setToolTip(self.tr("Back to the start (R)"))
        self.reset.clicked.connect(self.resetRequested)
        self.slider = JumpSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.slider.valueChanged.connect(self._slider_moved)
        self.step_label = _StepLabel(lambda: self.show_step(*self._shown))
        # (template, digits, font) the label's fixed size is for; a font change (presenter
        # mode) refits it (_StepLabel)
        self._label_fit: tuple[str, int, str] | None = None
        self.speed = QSpinBox()
        self.speed.setRange(1, 2000)
        self.speed.setValue(40)
        self.speed.setSuffix(self.tr(" steps/s"))
        self.speed.setToolTip(self.tr("Playback speed"))
        self.speed.valueChanged.connect(self.speedChanged)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        for widget in (self.reset, self.back, self.play, self.forward):
            layout.addWidget(widget)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.step_label)
        layout.addWidget(self.speed)
        self._setting = False
        self._shown = (0, 0)
        self.show_step(0, 0)
        self._update_icons()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt naming)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        elif event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self._update_icons()  # the theme: icons in the new button-text colour
        super().changeEvent(event)

    def _update_icons(self) -> None:
        pixmaps = QStyle.StandardPixmap
        play = pixmaps.SP_MediaPause if self.play.isChecked() else pixmaps.SP_MediaPlay
        self.play.setIcon(tinted_icon(play, self))
        self.back.setIcon(tinted_icon(pixmaps.SP_MediaSeekBackward, self))
        self.forward.setIcon(tinted_icon(pixmaps.SP_MediaSeekForward, self))
        self.reset.setIcon(tinted_icon(pixmaps.SP_MediaSkipBackward, self))

    def retranslate(self) -> None:
        self.play.setToolTip(self.tr("Play / pause (Space)"))
        self.back.setToolTip(self.tr("One step back (Left)"))
        self.forward.setToolTip(self.tr("One step forward (Right)"))
        self.reset.setToolTip(self.tr("Back to the start (R)"))
        self.speed.setSuffix(self.tr(" steps/s"))
        self.speed.setToolTip(self.tr("Playback speed"))
        self.show_step(*self._shown)

    def _play_toggled(self, playing: bool) -> None:
        self._update_icons()
        self.playToggled.emit(playing)

    def _slider_moved(self, value: int) -> None:
        if not self._setting:
            self.scrubbed.emit(value)

    def set_playing(self, playing: bool) -> None:
        if self.play.isChecked() != playing:
            self.play.setChecked(playing)

    def show_step(self, step: int, maximum: int) -> None:
        """Reflect the cursor without emitting ``scrubbed``."""
        self._setting = True
        self.slider.setMaximum(max(maximum, 0))
        self.slider.setValue(step)
        self._setting = False
        self._shown = (step, maximum)
        template = self.tr("step {0} / {1}")
        self._fit_step_label(template, len(str(max(maximum, 0))))
        text = template.format(step, maximum)
        if text != self.step_label.text():
            self.step_label.setText(text)

    def _fit_step_label(self, template: str, digits: int) -> None:
        """A fixed size for the widest text the scene can show: a label whose size follows its
        text asks the whole window for a new layout (and a full repaint) at every frame."""
        key = (template, digits, self.step_label.font().key())
        if self._label_fit == key:
            return
        self._label_fit = key
        widest = "8" * digits
        metrics = self.step_label.fontMetrics()
        width = metrics.horizontalAdvance(template.format(widest, widest))
        width += metrics.averageCharWidth()
        self.step_label.setFixedSize(max(width, 110), metrics.height() + 4)
