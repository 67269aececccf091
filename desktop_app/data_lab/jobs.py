"""The Data & batches page's computations: surfaces, rasters, runs and the two experiments, all
in the page's ComputeService worker, and their batches arriving in the GUI thread.

Every job reads the page's lab model (``self.model.settings``), never a widget; what comes back
goes into the page's state (``surfaces``, ``rasters``, ``histories``, the experiment views) and
the frame timer draws it. Keys: ``surface:<side>``, ``run:<side>``, ``cloud:<side>`` (the
minibatch gradients at the shown point), ``batch_experiment``, ``timing``; a bumped key drops
what is still in flight for it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QApplication

from core.data_lab import (
    EXPERIMENT_SEEDS,
    RunHistory,
    chosen_batch_size,
    comparison_run_sides,
    experiment_batch_sizes,
    gradient_cloud,
    records_with_test_loss,
    run_info,
    settings_configs,
    settings_run_config,
)
from core.engine import PointRun, RunConfig
from core.experiments import batch_label, batch_size_experiment, timing_experiment
from core.surfaces import make_surface
from core.surfaces.raster import rasterize
from desktop_app.data_lab.layout import SIDES

#: Every key this page submits to its worker.
RUN_KEYS = tuple(f"run:{side}" for side in SIDES)
SURFACE_KEYS = tuple(f"surface:{side}" for side in SIDES)
CLOUD_KEYS = tuple(f"cloud:{side}" for side in SIDES)
EXPERIMENT_KEYS = ("batch_experiment", "timing")


class JobsMixin:
    """Submits the page's jobs and takes their batches (``self`` is the DataLabPage)."""

    # -- starting -------------------------------------------------------------------------------

    def showEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().showEvent(event)
        if not self._started:
            self._started = True  # nothing is computed until the page is first shown
            self.window().installEventFilter(self)  # stop the worker when the window closes
            self._apply_settings()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt naming)
        if watched is self.window() and event.type() == QEvent.Type.Close:
            self.service.abort()  # the job stops between two batches; nothing blocks here
        return False

    def _forget_results(self, keys: tuple[str, ...]) -> None:
        """Drop what is in flight for ``keys`` (their batches arrive for an older generation)."""
        for key in keys:
            self.service.bump(key)

    def _rebuild_surfaces(self) -> None:
        """New dataset or comparison: rebuild both surfaces (in the worker), then rerun."""
        self.surfaces.clear()
        self.error_label.clear()
        self._forget_clouds()
        self._forget_results(RUN_KEYS)
        self.histories.clear()
        streams = []
        for side, config in settings_configs(self.model.settings).items():
            key = f"surface:{side}"
            streams.append((key, self.service.bump(key), _surface_job(config, self.device)))
        self._dirty = True
        self.service.submit(streams)

    def _rerun(self) -> None:
        """New optimizer, start or batch settings: rerun on the surfaces we have."""
        if all(side in self.surfaces for side in SIDES):
            self._start_runs()

    def _start_runs(self) -> None:
        settings = self.model.settings
        comparison = settings["comparison"]
        test = self.surfaces["right"] if comparison == "generalization" else None
        self._forget_results(RUN_KEYS)
        self.histories.clear()
        streams = []
        for side in comparison_run_sides(comparison):
            config = settings_run_config(settings, self.start_of(side))
            self.histories[side] = RunHistory(config.steps)
            key = f"run:{side}"
            job = _run_job(self.surfaces[side], config, test)
            streams.append((key, self.service.generation(key), job))
        self._show_batch_note()
        self.cursor = 0.0
        self._dirty = True
        self.service.submit(streams)
        self.set_playing(True)

    def _request_cloud(self, side: str, point: tuple[float, float], batch_size: int) -> None:
        """Compute ``side``'s cloud of minibatch gradients at ``point`` (once per point and
        batch size: a request in flight is not repeated)."""
        wanted = (point, batch_size)
        if self._cloud_requested.get(side) == wanted:
            return
        self._cloud_requested[side] = wanted
        surface = self.surfaces[side]
        key = f"cloud:{side}"

        def make() -> Iterator[Any]:
            yield gradient_cloud(surface, point, batch_size)

        self.service.submit([(key, self.service.bump(key), _lazy(make))])

    def _forget_clouds(self) -> None:
        """No cloud: the surfaces changed (the next draw asks for new ones)."""
        self._forget_results(CLOUD_KEYS)
        self.clouds.clear()
        self._cloud_requested.clear()

    def run_batch_experiment(self) -> None:
        """The batch-size table on the left panel's surface (test: shifted by the test shift)."""
        surface = self.surfaces.get("left")
        if surface is None:
            self._show_error(
                QCoreApplication.translate(
                    "DataLabPage", "wait for the surfaces to be ready, then run it again"
                )
            )
            return
        settings = self.model.settings
        run, shift = settings["run"], tuple(settings["shift"])
        start = self.start_of("left")
        sizes = experiment_batch_sizes(surface.n_examples)
        self.batch_view.start(
            [batch_label(size) for size in sizes], len(sizes) * len(EXPERIMENT_SEEDS)
        )
        self.bottom.setCurrentWidget(self.batch_view)

        def make() -> Iterator[dict[str, Any]]:
            return batch_size_experiment(
                surface,
                test=surface.shifted(shift),
                optimizer=run["optimizer"],
                schedule=run.get("schedule"),
                steps=run["steps"],
                start=start,
                batch_sizes=sizes,
                seeds=EXPERIMENT_SEEDS,
            )

        generation = self.service.bump("batch_experiment")
        self.service.submit([("batch_experiment", generation, _lazy(make))])

    def run_timing_experiment(self, **sizes: Any) -> None:
        """Time updates and epochs per batch size on this page's device (``sizes``: tests)."""
        self.timing_view.start(0)
        self.bottom.setCurrentWidget(self.timing_view)
        device = self.device

        def make() -> Iterator[dict[str, Any]]:
            return timing_experiment(device=device, **sizes)

        generation = self.service.bump("timing")
        self.service.submit([("timing", generation, _lazy(make))])

    # -- results --------------------------------------------------------------------------------

    def _on_batch(self, batch) -> None:
        key = batch.key
        if key.startswith("surface:"):
            for item in batch.items:
                self._surface_item(key.split(":", 1)[1], item)
        elif key.startswith("run:"):
            history = self.histories.get(key.split(":", 1)[1])
            if history is not None:
                for item in batch.items:
                    self._run_item(history, item)
                history.done = history.done or batch.done
        elif key.startswith("cloud:"):
            side = key.split(":", 1)[1]
            for cloud in batch.items:
                self.clouds[side] = cloud
            if batch.done:
                self._cloud_requested.pop(side, None)
        else:
            view = {"batch_experiment": self.batch_view, "timing": self.timing_view}.get(key)
            if view is not None:
                for row in batch.items:
                    view.add_row(row)
                if batch.done:
                    view.finish()
        self._dirty = True

    def _surface_item(self, side: str, item: tuple[str, Any]) -> None:
        kind, value = item
        view = self.maps[side]
        if kind == "surface":
            self.surfaces[side] = value
            view.set_critical_points([(p.x, p.y, p.kind) for p in value.critical_points])
            view.plot.setLabel("bottom", value.axis_names[0])
            view.plot.setLabel("left", value.axis_names[1])
            if all(s in self.surfaces for s in SIDES):
                self._start_runs()
        else:
            self.rasters[side] = value
            view.set_raster(value)

    @staticmethod
    def _run_item(history: RunHistory, item: tuple) -> None:
        if item[0] == "info":
            history.set_info(item[1])
        else:
            _, record, test_loss = item
            history.add(record, test_loss)

    def _show_batch_note(self) -> None:
        """The note of a batch larger than the dataset (derived from the model, so it follows
        the language); also said in the status bar when it appears."""
        requested = chosen_batch_size(self.model.settings)
        surface = self.surfaces.get("left")
        note = ""
        if requested is not None and surface is not None and requested > surface.n_examples:
            note = QCoreApplication.translate(
                "DataLabPage",
                "batch size {0} is larger than the {1} examples: using the full batch",
            ).format(requested, surface.n_examples)
        if note and note != self.batch_note.text():
            self.statusMessage.emit(note)
        self.batch_note.setText(note)

    def _show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.statusMessage.emit(message)

    def _on_failed(self, key: str, message: str) -> None:
        if key == "batch_experiment":
            self.batch_view.finish(message)
        elif key == "timing":
            self.timing_view.finish(message)
        elif key.startswith("run:"):
            history = self.histories.get(key.split(":", 1)[1])
            if history is not None:
                history.done = True  # that run stops where it failed; the other side goes on
        elif key.startswith("cloud:"):
            self._cloud_requested.pop(key.split(":", 1)[1], None)
        self._show_error(message)

    def wait_idle(self, timeout_s: float = 30.0) -> bool:
        """Process events until every job has finished (tests and rendering)."""
        deadline = time.perf_counter() + timeout_s
        while time.perf_counter() < deadline:
            QApplication.processEvents()
            runs_done = all(h.done for h in self.histories.values())
            ready = all(s in self.surfaces and s in self.rasters for s in SIDES)
            ready = ready and not self._cloud_requested  # every cloud asked for has come
            if not self.service.busy() and not self.service.has_pending() and runs_done and ready:
                return True
            time.sleep(0.005)
        return False

    def shutdown(self) -> None:
        self.frame_timer.stop()
        self.service.abort()
        self.service.wait(5000)


# -- worker-side generators (they run in the ComputeService thread) -----------------------------


def _lazy(make: Callable[[], Any]) -> Callable[[], Iterator[Any]]:
    """A ``make`` for ComputeService that builds the generator once and then continues it."""
    holder: dict[str, Any] = {}

    def get() -> Iterator[Any]:
        if "it" not in holder:
            holder["it"] = iter(make())
        return holder["it"]

    return get


def _surface_job(config: dict[str, Any], device: str) -> Callable[[], Iterator[Any]]:
    from desktop_app.data_lab import page  # tests set page.RASTER_RESOLUTION for coarse maps

    resolution = page.RASTER_RESOLUTION

    def items() -> Iterator[tuple[str, Any]]:
        surface = make_surface(config)
        yield ("surface", surface)
        yield ("raster", rasterize(surface, resolution, log_scale=True, device=device))

    return _lazy(items)


def _run_job(surface, config: RunConfig, test) -> Callable[[], Iterator[Any]]:
    def items() -> Iterator[tuple]:
        import torch

        engine = PointRun(surface, config, dtype=torch.float64, record_state=True)
        yield ("info", run_info(engine))
        for record, test_loss in records_with_test_loss(engine, test):
            yield ("step", record, test_loss)

    return _lazy(items)
