"""The engine: run an optimizer from many start points on a surface, one step record at a time.

``PointRun.records()`` is a plain generator; it knows nothing of threads or views. The CLI drains it
into JSON, the GUI's worker forwards its records to a recorder, the benchmark times it.

All start points of a run live in one ``(N, 2)`` tensor, so an element-wise optimizer (SGD, Adam,
...) moves them all in one ``torch.optim`` step while keeping them independent. L-BFGS couples the
coordinates it sees, so it gets one optimizer per point; Newton solves each row's 2x2 system itself.

On a :class:`core.surfaces.data.DataSurface` a run with a ``batch_size`` takes each step with a
minibatch gradient: the examples are shuffled every epoch (a ``torch.Generator`` seeded with the
run's ``seed``) and cut into ``ceil(N / batch_size)`` batches, one per update. The records still
carry the full-batch loss and gradient at each point; ``state["grad"]`` is the minibatch
gradient the step used.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from core.optim import build_optimizer, is_per_point, needs_closure, read_state
from core.schedules import build_scheduler
from core.surfaces import Surface

# A point is marked diverged when it leaves the view by more than this many view sizes.
ESCAPE_FACTOR = 100.0
# Above this many points a run records no per-point optimizer state (five (N, 2) arrays a step:
# 8 MB a step for 100,000 float64 points), whatever ``record_state`` says. Nothing reads a
# swarm's state: the internals views show single runs.
STATE_MAX_POINTS = 10_000


@dataclass
class StepRecord:
    """One step of one run. ``step`` 0 is the start.

    ``positions``, ``loss`` and ``grad`` are at this step's point. ``lr`` and ``state`` belong to
    the update that led here (``lr`` is NaN and ``state`` empty at step 0). ``state`` uses the
    vocabulary of :mod:`core.optim.state` (``grad``, ``velocity``, ``second_moment``,
    ``effective_lr``, ``update``), one ``(N, 2)`` array each, or empty when the run records no
    state (``record_state=False``, or more than ``STATE_MAX_POINTS`` points); a SAM run always
    records ``ascent`` (:mod:`core.optim.state`: the ascent step ``rho g / ||g||`` taken from the
    previous step's point, where SAM took its second gradient). ``epoch`` is the
    number of passes over the data so far (``step / updates per epoch``) on a data surface, NaN
    on other surfaces.
    """

    step: int
    positions: np.ndarray  # (N, 2)
    loss: np.ndarray  # (N,)
    grad: np.ndarray  # (N, 2)
    lr: float
    diverged: np.ndarray  # (N,) bool: frozen at or before this step
    state: dict[str, np.ndarray] = field(default_factory=dict)
    epoch: float = float("nan")


@dataclass(frozen=True)
class RunConfig:
    optimizer: str
    hyper: dict[str, Any]
    starts: Sequence[Sequence[float]]
    steps: int = 200
    schedule: dict[str, Any] | None = None
    label: str = ""
    batch_size: int | None = None  # data surfaces only: None = full batch
    seed: int = 0  # shuffles the examples every epoch

    @classmethod
    def from_spec(cls, spec: Any) -> RunConfig:
        """From a validated ``core.scene.RunSpec``."""
        return cls(
            optimizer=spec.optimizer.name,
            hyper=spec.optimizer.hyper(),
            starts=spec.start_points(),
            steps=spec.steps,
            schedule=spec.schedule.to_config() if spec.schedule else None,
            label=spec.label,
            batch_size=getattr(spec, "batch_size", None),
            seed=getattr(spec, "seed", 0),
        )


def _numpy(tensor: torch.Tensor) -> np.ndarray:
    return tensor.detach().to("cpu", copy=True).numpy()


class PointRun:
    """One optimizer (with its schedule) driving N independent points over a surface."""

    def __init__(
        self,
        surface: Surface,
        config: RunConfig,
        *,
        device: torch.device | str = "cpu",
        dtype: torch.dtype = torch.float64,
        record_state: bool = True,
    ) -> None:
        self.surface, self.config = surface, config
        starts = torch.as_tensor(np.asarray(config.starts, dtype=float), dtype=dtype, device=device)
        if starts.ndim != 2 or starts.shape[1] != 2:
            raise ValueError(f"starts must have shape (N, 2), got {tuple(starts.shape)}")
        self.record_state = record_state and len(starts) <= STATE_MAX_POINTS
        # SAM's ascent step is recorded even without the rest of the state (the map draws it;
        # ``losslab run`` reports it): one (N, 2) array a step.
        self.records_ascent = config.optimizer == "sam" and len(starts) <= STATE_MAX_POINTS
        self.steps = int(config.steps)
        (x0, x1), (y0, y1) = surface.x_range, surface.y_range
        cx, cy, half = (x0 + x1) / 2, (y0 + y1) / 2, max(x1 - x0, y1 - y0) / 2
        self._box = (cx, cy, half * ESCAPE_FACTOR)
        self._closure = needs_closure(config.optimizer)
        self._per_point = is_per_point(config.optimizer)
        if self._per_point:
            self.params = [starts[i].clone().requires_grad_(True) for i in range(len(starts))]
        else:
            self.params = [starts.clone().requires_grad_(True)]
        self.optimizers = [
            build_optimizer(config.optimizer, [p], **config.hyper) for p in self.params
        ]
        self.schedulers = [
            build_scheduler(opt, config.schedule, max(self.steps, 1)) for opt in self.optimizers
        ]
        self.diverged = torch.zeros(len(starts), dtype=torch.bool, device=device)
        self.diverged_at = np.full(len(starts), -1, dtype=np.int64)
        self.notes: list[str] = []  # warnings about the settings, e.g. a batch size above N
        self._setup_batches(config.batch_size, config.seed, device)

    # -- minibatches ------------------------------------------------------------------------------

    def _setup_batches(self, batch_size: int | None, seed: int, device) -> None:
        """Decide full batch or minibatches; ``batch_size`` above N becomes full batch (a note)."""
        from core.surfaces.data import DataSurface

        self.batch_size: int | None = None  # None: every update uses all examples
        self.updates_per_epoch = 1
        self._batch: torch.Tensor | None = None  # the examples of the current update
        self._updates = 0
        self._is_data = isinstance(self.surface, DataSurface)
        n = self.surface.n_examples if self._is_data else 0
        if batch_size is not None and (isinstance(batch_size, bool) or int(batch_size) < 1):
            raise ValueError(f"batch size must be a whole number >= 1, got {batch_size!r}")
        if not n:
            if batch_size is not None:
                self.notes.append(
                    "batch size ignored: this surface is not made of training examples"
                )
            return
        if batch_size is not None and batch_size >= n:
            if batch_size > n:
                self.notes.append(
                    f"batch size {batch_size} is larger than the {n} examples: using the full batch"
                )
            return
        if batch_size is None:
            return
        self.batch_size = int(batch_size)
        self.updates_per_epoch = math.ceil(n / self.batch_size)
        self._n_examples = n
        self._generator = torch.Generator().manual_seed(int(seed))
        self._order = torch.empty(0, dtype=torch.long)
        self._device = torch.device(device)

    def _next_batch(self) -> torch.Tensor:
        """The next minibatch of example indices; a new shuffle at the start of every epoch."""
        position = self._updates % self.updates_per_epoch
        if position == 0:
            self._order = torch.randperm(self._n_examples, generator=self._generator)
        self._updates += 1
        start = position * self.batch_size
        return self._order[start : start + self.batch_size].to(self._device)

    def _objective(self, points: torch.Tensor) -> torch.Tensor:
        """What the optimizer descends: the current minibatch's loss, or the full loss."""
        if self._batch is None:
            return self.surface(points)
        return self.surface.batch_loss(points, self._batch)

    # -- helpers ----------------------------------------------------------------------------------

    def positions(self) -> torch.Tensor:
        if not self._per_point:
            return self.params[0].detach()
        return torch.stack([p.detach() for p in self.params])

    def _set_positions(self, points: torch.Tensor) -> None:
        with torch.no_grad():
            if not self._per_point:
                self.params[0].copy_(points)
            else:
                for p, row in zip(self.params, points, strict=True):
                    p.copy_(row)

    def _loss_and_grad(self, points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        points = points.detach().requires_grad_(True)
        loss = self.surface(points)
        (grad,) = torch.autograd.grad(loss.sum(), points)
        return loss.detach(), grad

    def _escaped(self, points: torch.Tensor, loss: torch.Tensor) -> torch.Tensor:
        cx, cy, limit = self._box
        far = ((points[:, 0] - cx).abs() > limit) | ((points[:, 1] - cy).abs() > limit)
        return far | ~torch.isfinite(loss) | ~torch.isfinite(points).all(dim=1)

    def _step_optimizers(self, grad: torch.Tensor) -> None:
        for index, (param, opt, sched) in enumerate(
            zip(self.params, self.optimizers, self.schedulers, strict=True)
        ):
            if self._per_point and bool(self.diverged[index]):
                continue
            if self._closure:
                opt.step(self._closure_for(param, opt))
            else:
                param.grad = grad[index] if self._per_point else grad
                opt.step()
            sched.step()

    def _closure_for(self, param: torch.Tensor, opt: torch.optim.Optimizer):
        # Newton differentiates the loss itself (it needs the graph); L-BFGS wants .grad filled.
        newton = self.config.optimizer == "newton"

        def closure() -> torch.Tensor:
            opt.zero_grad()
            value = self._objective(param.reshape(-1, 2)).sum()
            if not newton:
                value.backward()
            return value

        return closure

    def current_lr(self) -> float:
        return float(self.optimizers[0].param_groups[0]["lr"])

    # -- the generator ----------------------------------------------------------------------------

    def records(self) -> Iterator[StepRecord]:
        """Yield ``steps + 1`` records: the start, then one per optimizer step."""
        points = self.positions().clone()
        loss, grad = self._loss_and_grad(points)
        self._mark(points, loss, step=0)
        self._updates = 0
        yield self._record(0, points, loss, grad, float("nan"), {})
        for step in range(1, self.steps + 1):
            lr = self.current_lr()
            before = points
            step_grad = grad
            if self.batch_size is not None:
                self._batch = self._next_batch()
                step_grad = self._minibatch_grad(points)
            used_grad = step_grad.masked_fill(self.diverged[:, None], 0.0)
            self._step_optimizers(used_grad)
            points = self.positions().clone()
            # Frozen points stay where they were, whatever the optimizer did to them.
            points = torch.where(self.diverged[:, None], before, points)
            new_loss, new_grad = self._loss_and_grad(points)
            escaped = self._mark(points, new_loss, step=step)
            if bool(escaped.any()):
                points = torch.where(escaped[:, None], before, points)
                new_loss = torch.where(escaped, loss, new_loss)
                new_grad = torch.where(escaped[:, None], grad, new_grad)
            self._set_positions(points)
            state: dict[str, np.ndarray] = {}
            if self.record_state:
                state = self._state(used_grad, points - before)
            elif self.records_ascent:
                state = {"ascent": self._ascent()}
            loss, grad = new_loss, new_grad
            yield self._record(step, points, loss, grad, lr, state)

    def _minibatch_grad(self, points: torch.Tensor) -> torch.Tensor:
        points = points.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(self._objective(points).sum(), points)
        return grad

    def _mark(self, points: torch.Tensor, loss: torch.Tensor, step: int) -> torch.Tensor:
        """Freeze points that just left the box or became non-finite; return that mask."""
        escaped = self._escaped(points, loss) & ~self.diverged
        if bool(escaped.any()):
            self.diverged_at[_numpy(escaped)] = step
            self.diverged |= escaped
        return escaped

    def _state(self, grad: torch.Tensor, update: torch.Tensor) -> dict[str, np.ndarray]:
        if not self._per_point:
            raw = read_state(self.optimizers[0], self.params[0], grad, update)
            return {key: _numpy(value.expand_as(update)) for key, value in raw.items()}
        rows = [
            read_state(opt, param, grad[i], update[i])
            for i, (opt, param) in enumerate(zip(self.optimizers, self.params, strict=True))
        ]
        keys = set.intersection(*(set(r) for r in rows)) if rows else set()
        return {k: _numpy(torch.stack([r[k].expand(2) for r in rows])) for k in sorted(keys)}

    def _ascent(self) -> np.ndarray:
        """SAM's last ascent step ``rho g / ||g||`` per point ``(N, 2)`` (NaN before any)."""
        rows = []
        for opt, param in zip(self.optimizers, self.params, strict=True):
            ascent = opt.state.get(param, {}).get("ascent")
            nan = torch.full_like(param, float("nan"))
            rows.append((nan if ascent is None else ascent).reshape(-1, 2))
        return _numpy(torch.cat(rows))

    def _record(self, step, points, loss, grad, lr, state) -> StepRecord:
        return StepRecord(
            step=step,
            positions=_numpy(points),
            loss=_numpy(loss),
            grad=_numpy(grad),
            lr=lr,
            diverged=_numpy(self.diverged),
            state=state,
            epoch=step / self.updates_per_epoch if self._is_data else float("nan"),
        )


def run_to_end(run: PointRun) -> list[StepRecord]:
    """Drain a run into a list (the headless path)."""
    return list(run.records())
