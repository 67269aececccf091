"""The flowchart assistant: diagnose a training run as the notes teach.

:class:`DiagnosePanel` takes curves from three sources -- the Network Lab's current run, a CSV or
JSON file the student brings (``core.diagnose.load_curves``; a bad file shows its ``FILE:LINE``
message here and nothing else changes) and the examples LossLab ships in ``resources/curves`` --
walks ``core.diagnose``'s flowchart on them, and shows the path on the drawn flowchart, the curves
(best epoch marked), the verdict with its evidence numbers, the remedies (each with a button that
opens its lesson through the ``open_lesson`` callback) and the experiments the walk asks for,
which run in the background with the Network Lab's settings and feed the walk their result.

The panel knows the Network Lab only through ``network_lab()`` (a callable returning the page or
None) and its public attributes (``history``, ``view_run``, ``datasets``, ``model.settings``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from core.diagnose import (
    CurveError,
    Curves,
    Diagnosis,
    Walk,
    baseline_loss,
    diagnose,
    load_curves,
    make_curves,
    walk,
)
from core.diagnose.curves import MIN_ROWS
from core.diagnose.shipped import SHIPPED, path_of
from desktop_app.diagnose.curves_plot import CurvesPlot
from desktop_app.diagnose.experiments_box import (
    CANCELLED,
    DONE,
    FAILED,
    RUNNING,
    ExperimentsBox,
)
from desktop_app.diagnose.flowchart_view import FlowchartView
from desktop_app.diagnose.texts import core_text, language
from desktop_app.diagnose.worker import ExperimentRunner, walk_result
from desktop_app.widgets.labels import ERROR_COLOUR, coloured, hint
from desktop_app.widgets.retranslating import Retranslating


class DiagnosePanel(Retranslating, QWidget):
    """Curves in, the flowchart walked, the verdict and what to do about it out."""

    def __init__(
        self,
        open_lesson: Callable[[str], Any] | None = None,
        network_lab: Callable[[], Any] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.open_lesson = open_lesson
        self.network_lab = network_lab or (lambda: None)
        self.curves: Curves | None = None
        self.source = ""  # the file's name, or the Network Lab's run label (from_lab)
        self.from_lab = False
        self.results: dict[str, Any] = {}  # experiment kind -> what walk() takes
        self.kfold: dict[str, np.ndarray] | None = None  # k-fold's summary (also in results)
        self.diagnosis: Diagnosis | None = None
        self.walk: Walk | None = None
        self.error = ""  # the last bad file's message
        self.remedy_buttons: list[QPushButton] = []
        self.runner = ExperimentRunner(self)
        self.runner.progressed.connect(self._experiment_progress)
        self.runner.finished.connect(self._experiment_finished)
        self.runner.failed.connect(self._experiment_failed)
        self._build_ui()
        self.retranslate()

    # -- layout ----------------------------------------------------------------------------------

    def _build_ui(self) -> None:
        self.examples = QComboBox()
        self.examples.setObjectName("examples")
        for curve in SHIPPED:
            self.examples.addItem(path_of(curve).name, str(path_of(curve)))
        self.examples.activated.connect(lambda _index: self.load_example())
        self.examples_label = QLabel()
        self.lab_button = QPushButton()
        self.lab_button.setObjectName("use_network_lab")
        self.lab_button.clicked.connect(self.use_network_lab)
        self.import_button = QPushButton()
        self.import_button.setObjectName("import_curves")
        self.import_button.clicked.connect(self.import_dialog)
        sources = QHBoxLayout()
        sources.addWidget(self.examples_label)
        sources.addWidget(self.examples)
        sources.addWidget(self.lab_button)
        sources.addWidget(self.import_button)
        sources.addStretch(1)
        self.source_label = hint(QLabel())
        self.source_label.setObjectName("source")
        self.error_label = coloured(QLabel(), ERROR_COLOUR)
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.setVisible(False)

        self.flowchart = FlowchartView()
        self.plot = CurvesPlot()
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self.plot)
        lower.addWidget(self._build_verdict())
        lower.setSizes([500, 600])
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.flowchart)
        split.addWidget(lower)
        split.setSizes([380, 420])
        layout = QVBoxLayout(self)
        layout.addLayout(sources)
        layout.addWidget(self.source_label)
        layout.addWidget(self.error_label)
        layout.addWidget(split, 1)

    def _build_verdict(self) -> QScrollArea:
        self.verdict_label = QLabel()
        self.verdict_label.setObjectName("verdict")
        self.verdict_label.setWordWrap(True)
        self.evidence_label = QLabel()
        self.evidence_label.setObjectName("evidence")
        self.evidence_label.setWordWrap(True)
        self.evidence_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.experiments = ExperimentsBox()
        for row in self.experiments.rows.values():
            row.runRequested.connect(self.run_experiment)
            row.cancelRequested.connect(lambda _kind: self.cancel_experiment())
        self.remedies_box = QGroupBox()
        self.remedies_layout = QVBoxLayout(self.remedies_box)
        content = QWidget()
        column = QVBoxLayout(content)
        column.addWidget(self.verdict_label)
        column.addWidget(self.evidence_label)
        column.addWidget(self.experiments)
        column.addWidget(self.remedies_box)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(content)
        return scroll

    # -- sources ---------------------------------------------------------------------------------

    def set_curves(self, curves: Curves, source: str, from_lab: bool = False) -> None:
        """Diagnose ``curves`` (``source``: a file name, or with ``from_lab`` the Network Lab's
        run label): experiments of the old curves are cancelled and their results forgotten."""
        self.cancel_experiment()
        self.curves, self.source, self.from_lab = curves, source, from_lab
        self.results, self.kfold = {}, None
        for row in self.experiments.rows.values():
            row.set_state("idle")
        self._show_error("")
        self._walk()

    def load_file(self, path: str | Path) -> bool:
        """Read a curve file; on a problem show its ``FILE:LINE`` message and keep the curves
        shown. Returns whether the file was read."""
        try:
            curves = load_curves(path)
        except CurveError as error:
            self._show_error(str(error))
            return False
        self.set_curves(curves, Path(path).name)
        return True

    def load_example(self, index: int | None = None) -> bool:
        """A shipped example (the combo's current one, or ``index``)."""
        if index is not None:
            self.examples.setCurrentIndex(index)
        return self.load_file(self.examples.currentData())

    def import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Import curves"),
            "",
            self.tr("Curves (*.csv *.json *.txt);;All files (*)"),
        )
        if path:
            self.load_file(path)

    def network_curves(self) -> tuple[Curves | None, str]:
        """The Network Lab's run on view as curves, or None and why not."""
        page = self.network_lab()
        if page is None:
            return None, self.tr("The Network Lab is not ready yet.")
        label = page.view_run
        history = page.history.get(label)
        if history is None or len(history) < MIN_ROWS:
            return None, self.tr(
                "Train the Network Lab's network for at least {0} epochs first."
            ).format(MIN_ROWS)
        # A copy: the history's columns are views of buffers the lab goes on writing.
        columns = {name: np.array(values, dtype=float) for name, values in history.columns.items()}
        dataset = page.datasets.get(label)
        baseline = None
        if dataset is not None:
            loss = page.model.settings.get("loss", "cross_entropy")
            baseline = baseline_loss(dataset.y_train, dataset.task, loss)
        curves = make_curves(
            columns["train_loss"],
            columns["val_loss"],
            epoch=columns["epoch"],
            train_acc=columns["train_accuracy"],
            val_acc=columns["val_accuracy"],
            baseline=baseline,
            source=label,
        )
        return curves, ""

    def use_network_lab(self) -> bool:
        curves, why = self.network_curves()
        if curves is None:
            self._show_error(why)
            return False
        self.set_curves(curves, curves.source, from_lab=True)
        return True

    def _show_error(self, text: str) -> None:
        self.error = text
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    # -- the walk --------------------------------------------------------------------------------

    def _walk(self) -> None:
        self.diagnosis = None if self.curves is None else diagnose(self.curves)
        self.walk = None if self.diagnosis is None else walk(self.diagnosis, self.results)
        self.flowchart.show_walk(self.walk)
        verdict = None if self.walk is None else self.walk.verdict
        self.plot.show_curves(self.curves, None if verdict is None else verdict.best_epoch)
        self._show_verdict()

    def _show_verdict(self) -> None:
        self._show_source()
        if self.walk is None:
            self.verdict_label.setText(self.tr("Choose curves to diagnose."))
            self.evidence_label.setText("")
            self.experiments.show_kinds(set())
            self._show_remedies([])
            return
        verdict = self.walk.verdict
        self.verdict_label.setText(
            f"<big><b>{verdict.title(language())}</b></big> · "
            + self.tr("confidence {0:.2f}").format(verdict.confidence)
        )
        lines = [f"<li>{text}</li>" for text in verdict.lines(language())]
        if verdict.best_epoch is not None:
            best = self.tr("Best epoch: {0} (the epoch early stopping would keep)")
            lines.append(f"<li><b>{best.format(verdict.best_epoch)}</b></li>")
        if self.diagnosis is not None:
            for other in self.diagnosis.also:
                also = self.tr("Also: {0}").format(other.title(language()))
                lines.append(f"<li>{also}</li>")
        self.evidence_label.setText(f"<ul>{''.join(lines)}</ul>")
        kinds = {request.kind for request in self.walk.pending} | set(self.results)
        kinds |= {k for k, row in self.experiments.rows.items() if row.state != "idle"}
        self.experiments.show_kinds(kinds)
        self._update_availability()
        self._show_remedies(list(verdict.remedies))

    def _show_source(self) -> None:
        if self.curves is None:
            self.source_label.setText("")
            return
        self.source_label.setText(
            self.tr("Curves: {0} · {1} epochs").format(self.source_text(), len(self.curves))
        )

    def source_text(self) -> str:
        """What the curves are, in the current language."""
        if self.from_lab:
            return self.tr("the Network Lab's run “{0}”").format(self.source)
        return self.source

    def _show_remedies(self, remedies: list) -> None:
        while self.remedies_layout.count():
            row = self.remedies_layout.takeAt(0).widget()
            if row is not None:
                row.setParent(None)
                row.deleteLater()
        self.remedy_buttons = []
        self.remedies_box.setVisible(bool(remedies))
        for remedy in remedies:
            text = QLabel(core_text(remedy.text))
            text.setWordWrap(True)
            button = QPushButton(self.tr("Open the lesson"))
            button.setObjectName(f"lesson_{remedy.key}")
            button.setProperty("lesson", remedy.lesson)
            button.setToolTip(remedy.lesson)
            button.setEnabled(self.open_lesson is not None)
            button.clicked.connect(lambda _=False, lesson=remedy.lesson: self.open_lesson(lesson))
            row = QWidget()
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            line.addWidget(text, 1)
            line.addWidget(button)
            self.remedies_layout.addWidget(row)
            self.remedy_buttons.append(button)

    # -- experiments -----------------------------------------------------------------------------

    def experiment_setup(self) -> Any:
        """The Network Lab's current settings as a ``NetworkSetup`` (None: no Network Lab);
        raises ``ValueError`` for settings the scene format refuses."""
        page = self.network_lab()
        if page is None:
            return None
        from desktop_app.network_lab.settings import setup_of_settings

        return setup_of_settings(page.model.settings)

    def _update_availability(self) -> None:
        available = self.network_lab() is not None
        why = self.tr("The Network Lab is not ready yet.")
        for row in self.experiments.rows.values():
            row.set_available(available, why)

    def run_experiment(self, kind: str) -> bool:
        """Start experiment ``kind`` in the background; False (and the reason on its row) when it
        cannot start."""
        row = self.experiments.rows[kind]
        if self.curves is None:
            return False
        try:
            setup = self.experiment_setup()
        except ValueError as error:
            row.set_state(FAILED, str(error))
            return False
        if setup is None:
            row.set_state(FAILED, self.tr("The Network Lab is not ready yet."))
            return False
        if self.runner.running():
            self.cancel_experiment()
        row.set_state(RUNNING)
        self.runner.start(kind, setup)
        return True

    def cancel_experiment(self) -> None:
        kind = self.runner.kind
        self.runner.cancel()
        if kind is not None:
            self.experiments.rows[kind].set_state(CANCELLED)

    def _experiment_progress(self, kind: str, done: int, total: int) -> None:
        self.experiments.rows[kind].set_progress(done, total)

    def _experiment_finished(self, kind: str, records: list) -> None:
        row = self.experiments.rows[kind]
        if not records:
            row.set_state(FAILED, self.tr("it trained no epoch"))
            return
        try:
            result = walk_result(kind, self.curves, records)
        except (ValueError, ArithmeticError) as error:
            row.set_state(FAILED, str(error))
            return
        if kind == "kfold":
            self.kfold = result
        self.results[kind] = result  # walk() reads each experiment's result
        self._walk()
        row.set_state(DONE, self._result_text(kind))

    def _experiment_failed(self, kind: str, message: str) -> None:
        self.experiments.rows[kind].set_state(FAILED, message)

    def _result_text(self, kind: str) -> str:
        if kind == "kfold" and self.kfold is not None:
            mean, std = self.kfold["mean"], self.kfold["std"]
            best = int(np.nanargmin(mean))
            return self.tr(
                "k-fold ({0} folds): the mean validation loss is lowest at epoch {1} "
                "({2:.3g} ± {3:.3g})."
            ).format(
                int(self.kfold["folds"].max()),
                int(self.kfold["epoch"][best]),
                mean[best],
                std[best],
            )
        result = self.results.get(kind)
        if kind == "shallower_model" and result is not None:
            return core_text(result.text)
        if kind == "hold_out" and result is not None and self.walk is not None:
            for evidence in self.walk.verdict.evidence:
                if evidence.key == "hold_out_loss":
                    return core_text(evidence.text)
        return self.tr("Done.")

    def shutdown(self) -> None:
        """Stop the experiment in flight and wait for the worker (closing)."""
        self.runner.shutdown()

    # -- language --------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.examples_label.setText(self.tr("Example curves:"))
        self.examples.setToolTip(self.tr("Real curves made by the Network Lab's engine"))
        self.lab_button.setText(self.tr("Use the Network Lab's run"))
        self.import_button.setText(self.tr("Import curves…"))
        self.import_button.setToolTip(
            self.tr(
                "A CSV or JSON file with epoch, train_loss, val_loss (for example a homework log)"
            )
        )
        self.remedies_box.setTitle(self.tr("Remedies from the notes"))
        for row in self.experiments.rows.values():
            if row.state == DONE:
                row.set_state(DONE, self._result_text(row.kind))
        self._show_verdict()
