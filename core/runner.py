"""Run a whole scene headless and collect the result as plain JSON data (``losslab run``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from core.device import resolve_device
from core.engine import PointRun, RunConfig, StepRecord
from core.lab import TrajectoryStore
from core.scene import Scene
from core.surfaces import make_surface


def _finite_or_none(array: np.ndarray) -> Any:
    """JSON has no NaN/Inf: write them as null."""
    array = np.asarray(array, dtype=float)
    finite = np.isfinite(array)
    if finite.all():
        return array.tolist()
    cleaned = array.astype(object)
    cleaned[~finite] = None
    return cleaned.tolist()


def run_result(label: str, records: list[StepRecord], many: bool, diverged_at: np.ndarray) -> dict:
    """One run's JSON, read from the same trajectory store the GUI pages record into."""
    store = TrajectoryStore.from_records(records)
    positions = store.column("positions")  # (steps+1, N, 2)
    loss, grad = store.column("loss"), store.column("grad")
    if not many:
        positions, loss, grad = positions[:, 0], loss[:, 0], grad[:, 0]
    diverged = bool((diverged_at >= 0).any())
    result = {
        "label": label,
        "status": "diverged" if diverged else "ok",
        "positions": _finite_or_none(positions),
        "loss": _finite_or_none(loss),
        "grad": _finite_or_none(grad),
        "lr": _finite_or_none(store.column("lr")[1:]),
    }
    if diverged:
        steps = [int(s) if s >= 0 else None for s in diverged_at]
        result["diverged_at"] = steps if many else steps[0]
    return result


def ascents(records: list[StepRecord], many: bool = True) -> np.ndarray:
    """A SAM run's ascent steps, row ``t`` the one the update into step ``t`` took from step
    ``t - 1``'s point (NaN at step 0): ``(steps + 1, N, 2)``, or ``(steps + 1, 2)`` for a single
    start point (``many=False``)."""
    rows = [r.state.get("ascent", np.full_like(r.positions, np.nan)) for r in records]
    out = np.stack(rows) if rows else np.empty((0, 1, 2))
    return out if many else out[:, 0]


def _data_fields(surface, run: PointRun, records: list[StepRecord], many: bool) -> dict:
    """What a run on a data surface adds: epochs, the batch size used, the test loss, notes."""
    from core.surfaces.data import DataSurface

    fields: dict[str, Any] = {}
    if run.notes:
        fields["notes"] = list(run.notes)
    if not isinstance(surface, DataSurface):
        return fields
    fields["batch_size"] = run.batch_size  # None (null): full batch
    fields["updates_per_epoch"] = run.updates_per_epoch
    fields["epoch"] = [r.epoch for r in records]
    loss = test_losses(surface, np.stack([r.positions for r in records]))  # (S+1, N)
    if loss is not None:
        fields["test_loss"] = _finite_or_none(loss if many else loss[:, 0])
    return fields


def test_losses(surface: Any, positions: np.ndarray) -> np.ndarray | None:
    """The test loss at recorded points ``positions`` (..., 2) on a data surface with a shift
    (the train/test lessons: the test surface is the training surface moved by the shift), in
    float64 and of the points' leading shape; None for any other surface."""
    from core.surfaces.data import DataSurface

    config = getattr(surface, "config", {})
    shifted = isinstance(surface, DataSurface) and any(config.get("shift", (0.0, 0.0)))
    if not shifted or config.get("split") == "test" or positions.size == 0:
        return None
    points = torch.as_tensor(np.asarray(positions, dtype=np.float64).reshape(-1, 2))
    with torch.no_grad():
        loss = surface.shifted()(points)
    return loss.numpy().reshape(positions.shape[:-1])


def run_scene(
    scene: Scene,
    *,
    steps: int | None = None,
    device: str = "auto",
    dtype: torch.dtype = torch.float64,
) -> dict[str, Any]:
    """Compute every run of ``scene``; ``steps`` overrides each run's own step count.

    A network scene (``scene.network``) trains its network instead (``steps``: its epochs); see
    ``core.nets.spec`` for that result. ``"auto"`` trains a network on the CPU, where the Network
    Lab trains it and the scene budget counts it (these small networks: the compiled epoch beats
    a GPU's cost per call); name ``"cuda"`` for the GPU.
    """
    if scene.network is not None:
        network_device = resolve_device("cpu" if device == "auto" else device)
        return _run_network_scene(scene, steps, network_device, dtype)
    torch_device = resolve_device(device)
    surface = make_surface(scene.surface.to_config())
    runs = []
    for index, spec in enumerate(scene.runs):
        config = RunConfig.from_spec(spec)
        if steps is not None:
            config = RunConfig(**{**config.__dict__, "steps": steps})
        run = PointRun(surface, config, device=torch_device, dtype=dtype, record_state=False)
        records = list(run.records())
        label = spec.label or f"run {index + 1}"
        result = run_result(label, records, spec.starts is not None, run.diverged_at)
        result.update(_data_fields(surface, run, records, spec.starts is not None))
        if run.records_ascent:
            result["ascent"] = _finite_or_none(ascents(records, spec.starts is not None))
        runs.append(result)
    return {
        "format": 1,
        "device": torch_device.type,
        "dtype": str(dtype).removeprefix("torch."),
        "runs": runs,
    }


def _run_network_scene(
    scene: Scene, epochs: int | None, device: torch.device, dtype: torch.dtype
) -> dict[str, Any]:
    from core.nets.spec import run_network, setup_from_spec
    from core.scene import SceneError

    try:
        result = run_network(
            setup_from_spec(scene.network), epochs=epochs, device=device, dtype=dtype
        )
    except ValueError as error:  # a combination the schema cannot see (e.g. BN with batch 1)
        raise SceneError(str(error), path="network") from None
    dtype_name = str(dtype).removeprefix("torch.")
    return {"format": 1, "device": device.type, "dtype": dtype_name, **result}
