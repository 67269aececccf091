"""The Surface Lab's jobs: engine streams submitted to the compute service, batches received
into the recorder, restarts and "continue from here".

A mixin of :class:`desktop_app.surface_lab.page.SurfaceLabPage` (it uses the page's runs, whose
specs are in the lab model, ``recorder``, ``service`` and views). The keys below name the
worker's streams.
"""

from __future__ import annotations

import copy
import time
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication

from core.engine import PointRun, RunConfig

if TYPE_CHECKING:
    from desktop_app.surface_lab.runs import RunState

SURFACE_KEY = "surface"
# Worker streams of the Hessian panel: per-run curvature (+ run id), a clicked point, the finder.
CURVATURE_PREFIX = "curvature:"
INSPECT_KEY = "inspect"
CRITICAL_KEY = "critical"


def _cached(folder, surface_config, config, dtype, device, record_state, compute):
    """The run's records from the cache of computed runs in ``folder`` (core.record_cache) or
    the shipped seeds of the start-up lesson (core.shipped_runs), or computed and then kept in
    ``folder``. In the worker: these modules import torch."""
    from core.record_cache import RecordCache, run_key, seed_key
    from core.shipped_runs import seed_folder

    inputs = {"dtype": dtype, "device": device, "record_state": record_state}
    cache = RecordCache(folder, seeds=[seed_folder()])
    return cache.records(
        run_key(surface_config, config, **inputs),
        compute,
        seed_key=seed_key(surface_config, config, **inputs),
    )


class JobsMixin:
    """Submitting, continuing and receiving the runs' engine streams."""

    def _engine(self, run: RunState, starts, steps: int, offset: int):
        self._clear_failed(run)  # every (re)start computes the run anew
        # The spec is read here, in the GUI thread: the generator runs in the worker.
        config = replace(RunConfig.from_spec(run.spec), starts=starts, steps=steps)
        surface, device, swarm = self.surface, self.device, run.swarm
        # A whole run may come from the cache of computed runs; a continued one is computed.
        cache = self.run_cache if offset == 0 else None
        surface_config = copy.deepcopy(self.model.surface)
        run.computed = False

        def records():
            from core.shipped_runs import run_precision

            dtype, record_state = run_precision(swarm)

            def compute():
                run.computed = True
                engine = PointRun(
                    surface, config, device=device, dtype=dtype, record_state=record_state
                )
                return engine.records()

            source = (
                compute()
                if cache is None
                else _cached(
                    cache, surface_config, config, str(dtype), str(device), record_state, compute
                )
            )
            for record in source:
                if offset and record.step == 0:
                    continue  # the step we continue from is recorded already
                record.step += offset
                yield record

        return records()

    def _restart_run(self, run_id: str) -> None:
        run = self.runs[run_id]
        self.service.bump(run_id)
        self.recorder.reset(run_id, len(run.starts))
        run.engine, run.offset, run.done = self._engine(run, run.starts, run.steps, 0), 0, False
        self._dirty = True
        self._resume_jobs()

    def _continue_run(self, run_id: str, step: int) -> None:
        run = self.runs[run_id]
        track = self.recorder.get(run_id)
        if track is None or track.count == 0:
            self._restart_run(run_id)
            return
        step = min(step, track.last_step())
        self.service.bump(run_id)
        track.truncate(step)
        remaining = max(run.steps - step, 0)
        start = track.positions[step].tolist()
        run.engine, run.offset, run.done = self._engine(run, start, remaining, step), step, False
        self._dirty = True
        self._resume_jobs()

    def _restart_all(self) -> None:
        for run_id in self.runs:
            run = self.runs[run_id]
            self.service.bump(run_id)
            self.recorder.reset(run_id, len(run.starts))
            run.engine, run.offset, run.done = self._engine(run, run.starts, run.steps, 0), 0, False
        self._clear_basins()
        self._dirty = True
        self._resume_jobs()

    def _compute_runs(self, run_ids: list[str]) -> None:
        for run_id in run_ids:
            run = self.runs[run_id]
            self.service.bump(run_id)
            self.recorder.reset(run_id, len(run.starts))
            run.engine, run.offset, run.done = self._engine(run, run.starts, run.steps, 0), 0, False
        self._resume_jobs()

    def _resume_jobs(self) -> None:
        """(Re)start one job over every unfinished run, continuing each engine where it is."""
        streams = [
            (run.id, self.service.generation(run.id), lambda engine=run.engine: engine)
            for run in self.runs.values()
            if not run.done and run.engine is not None
        ]
        self.service.submit(streams)

    def _on_batch(self, batch) -> None:
        if batch.key.startswith(CURVATURE_PREFIX) or batch.key in (INSPECT_KEY, CRITICAL_KEY):
            self._on_curvature_batch(batch)
            return
        if batch.key == SURFACE_KEY:
            if batch.items:
                self.raster = batch.items[-1]
                self._raster_key = self._raster_pending
                self.map.set_raster(self.raster)
                if self.view3d is not None:
                    self._update_3d_surface()
            return
        run = self.runs.get(batch.key)
        track = self.recorder.get(batch.key)
        if run is None or track is None:
            return
        if track.count == 0:
            self._last_draw = 0.0  # a run's first records: drawn at the next tick, unthrottled
        track.extend(batch.items)
        if batch.done:
            run.done = track.finished = True
            if run.swarm:
                self._show_basins(run)
        if not run.swarm:
            self._curvature_after_batch(run.id, batch.items, batch.done)
        self._dirty = True

    # -- failures ---------------------------------------------------------------------------------

    def _on_failed(self, key: str, message: str) -> None:
        """A stream of the worker raised: that run stops, marked failed (its row and the status
        bar say why); the other runs go on."""
        run = self._states.get(key)
        if run is None:
            self.statusMessage.emit(f"{key}: {message}")
            return
        run.done = True
        run.extra["failed"] = message
        track = self.recorder.get(key)
        if track is not None:
            track.finished = True
        text = QCoreApplication.translate("SurfaceLabPage", "{0} failed: {1}").format(
            run.label, message
        )
        item = self._item_for(key)
        if item is not None:  # a warning sign for its colour swatch, the message as its tip
            style = self.style()
            item.setIcon(style.standardIcon(style.StandardPixmap.SP_MessageBoxWarning))
            item.setToolTip(text)
        self._dirty = True
        self.statusMessage.emit(text)

    def _clear_failed(self, run: RunState) -> None:
        if run.extra.pop("failed", None) is not None:
            item = self._item_for(run.id)
            if item is not None:
                item.setIcon(self._swatch(run.color))
                item.setToolTip("")

    def wait_idle(self, timeout_s: float = 10.0) -> bool:
        """Process events until every job has finished (tests, render, bench)."""
        from PySide6.QtWidgets import QApplication

        deadline = time.perf_counter() + timeout_s
        while time.perf_counter() < deadline:
            QApplication.processEvents()
            busy = self.service.busy() or any(not r.done for r in self.runs.values())
            if not busy and self.raster is not None:
                return True
            time.sleep(0.002)
        return False
