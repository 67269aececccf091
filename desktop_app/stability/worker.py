"""The configurations in the background (``core.nets.stability``): the edge-of-stability
comparison (four) or SAM against SGD (two).

:func:`plan_stability` turns the Network Lab's settings (``page.model.settings``) and the window's
choices into a :class:`StabilityPlan` (validated on the GUI thread, so a refused setting shows at
once). :class:`StabilityRunner` trains each configuration as its own stream of one
:class:`~desktop_app.workers.ComputeService` (one worker thread, the streams advanced in turn), so
a configuration that raises stops alone and the others finish.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop_app.workers import Batch, ComputeService

KEY_PREFIX = "stability-"
ADAM_NAMES = ("adam", "adamw")
EDGE, SAM = "edge", "sam"  # the comparisons: edge of stability, SAM against SGD
COMPARISONS = (EDGE, SAM)


@dataclass(frozen=True)
class StabilityPlan:
    """What the window trains: the Network Lab's data (and clicked points), model and training
    (``base``: loss and seed), the configurations, epochs (a multiple of ``every``) and how often
    the Hessian is measured."""

    data: dict[str, Any]  # core.nets.datasets.make_dataset's arguments
    points: tuple[tuple[float, float, int], ...]
    model: Any  # core.nets.models.ModelConfig
    base: Any  # core.nets.trainer.TrainConfig
    configs: tuple[Any, ...]  # core.nets.stability.StabilityConfig
    epochs: int
    every: int
    comparison: str = EDGE

    def expected(self) -> int:
        """Records per configuration when none blows up: epoch 0 and every ``every``-th."""
        return self.epochs // self.every + 1


def plan_stability(
    settings: dict[str, Any],
    epochs: int,
    every: int,
    *,
    comparison: str = EDGE,
    rho: float | None = None,
) -> StabilityPlan:
    """The plan on the Network Lab's ``settings``. ``EDGE``: GD at its learning rate, GD and
    minibatch SGD (its batch size, 32 when it trains full batch) at the edge learning rate, and
    Adam at its learning rate when it trains with Adam (0.01 otherwise). ``SAM``: minibatch SGD
    and SAM of radius ``rho`` (0.05 when None) at its learning rate and momentum when it trains
    with SGD (or SAM around SGD), else at 0.2 without momentum; its batch size or 32. Raises
    ``ValueError`` for settings the scene format refuses."""
    from core.nets.stability import DEFAULT_ADAM_LR, DEFAULT_SGD_BATCH, default_configs
    from desktop_app.network_lab.settings import setup_of_settings

    if comparison not in COMPARISONS:
        raise ValueError(f"unknown comparison {comparison!r}: one of {COMPARISONS}")
    setup = setup_of_settings(settings)
    every = max(int(every), 1)
    epochs = max(math.ceil(int(epochs) / every) * every, every)
    optimizer = setup.train.optimizer
    batch = setup.train.batch_size or DEFAULT_SGD_BATCH
    if comparison == SAM:
        configs = _sam_configs(optimizer, batch, rho)
    else:
        lr = float(optimizer.get("lr", 0.01))
        adam_lr = lr if optimizer.get("name") in ADAM_NAMES else DEFAULT_ADAM_LR
        configs = default_configs(lr, batch_size=batch, adam_lr=adam_lr)
    base = replace(setup.train, per_step=False, patience=None)
    points = tuple((float(x), float(y), int(c)) for x, y, c in settings.get("points", []))
    return StabilityPlan(setup.data, points, setup.model, base, configs, epochs, every, comparison)


def _sam_configs(optimizer: dict[str, Any], batch: int, rho: float | None) -> tuple[Any, ...]:
    """SGD and SAM on the task's SGD settings (plain SGD, or SAM's SGD base) or the defaults."""
    from core.nets.stability import DEFAULT_RHO, DEFAULT_SGD_LR, sam_configs

    name = optimizer.get("name")
    on_sgd = name == "sgd" or (name == "sam" and optimizer.get("base", "sgd") == "sgd")
    lr = float(optimizer.get("lr", DEFAULT_SGD_LR)) if on_sgd else DEFAULT_SGD_LR
    momentum = float(optimizer.get("momentum", 0.0)) if on_sgd else 0.0
    radius = DEFAULT_RHO if rho is None else float(rho)
    return sam_configs(lr, rho=radius, momentum=momentum, batch_size=batch)


def config_stream(plan: StabilityPlan, config: Any, device: str = "cpu") -> Iterator[Any]:
    """One configuration's records (runs in the worker thread)."""
    from core.nets.stability import config_records
    from desktop_app.tuning.worker import plan_dataset

    data = plan_dataset(plan)
    yield from config_records(
        data, plan.model, plan.base, config, epochs=plan.epochs, every=plan.every, device=device
    )


class StabilityRunner(QObject):
    """The plan's configurations in a worker thread: ``records(list)`` with the records of one
    batch, ``config_failed(key, message)`` when one configuration raised (the others go on),
    ``config_done(key)`` when one ended well, ``finished()`` when none is left."""

    records = Signal(object)
    config_failed = Signal(str, str)
    config_done = Signal(str)
    finished = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = ComputeService(self)
        self.service.batchReady.connect(self._on_batch)
        self.service.failed.connect(self._on_failed)
        self._running: set[str] = set()  # the configurations still training

    def running(self) -> bool:
        return bool(self._running)

    def start(self, plan: StabilityPlan, device: str = "cpu") -> None:
        """Train every configuration of ``plan`` (a run in flight is stopped first)."""
        self.stop()
        streams = []
        for config in plan.configs:
            key = KEY_PREFIX + config.key
            generation = self.service.bump(key)
            streams.append(
                (key, generation, lambda c=config: config_stream(plan, c, device)),
            )
            self._running.add(config.key)
        self.service.start(streams)

    def stop(self) -> None:
        """Stop between two batches; the batches still on their way are dropped."""
        if not self._running:
            return
        for key in self._running:
            self.service.bump(KEY_PREFIX + key)
        self._running.clear()
        self.service.abort()

    def wait(self, msecs: int = 5000) -> bool:
        return self.service.wait(msecs)

    def shutdown(self) -> None:
        self.stop()
        self.service.wait(10000)

    def _end(self, key: str) -> None:
        self._running.discard(key)
        if not self._running:
            self.finished.emit()

    def _on_batch(self, batch: Batch) -> None:
        key = batch.key.removeprefix(KEY_PREFIX)
        if key not in self._running:
            return
        if batch.items:
            self.records.emit(list(batch.items))
        if batch.done:
            self.config_done.emit(key)
            self._end(key)

    def _on_failed(self, stream: str, message: str) -> None:
        key = stream.removeprefix(KEY_PREFIX)
        if key not in self._running:
            return
        self.config_failed.emit(key, message)
        self._end(key)
