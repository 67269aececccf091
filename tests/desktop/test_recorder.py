"""The recorder's memory per step: a swarm stored as compactly as the engine computed it."""

import numpy as np
import torch

from core.engine import PointRun, RunConfig
from core.surfaces import make_surface
from desktop_app.surface_lab.recorder import GRAD_MAX_POINTS, Recorder

SURFACE = make_surface({"builtin": "rosenbrock"})


def _records(n_points: int, steps: int, dtype: torch.dtype):
    starts = np.random.default_rng(0).uniform(-2, 2, (n_points, 2))
    config = RunConfig("adam", {"lr": 0.01}, starts, steps=steps)
    return list(PointRun(SURFACE, config, dtype=dtype, record_state=False).records())


def _bytes(track) -> int:
    arrays = (track.positions, track.loss, track.grad_norm, track.grad, track.diverged)
    return sum(a.nbytes for a in (*arrays, *track.state.values()))


def test_a_big_swarm_is_stored_in_float32_without_gradient_vectors():
    n, steps = GRAD_MAX_POINTS * 3, 30
    records = _records(n, steps, torch.float32)
    track = Recorder().reset("swarm", n, steps=steps)
    for i in range(0, len(records), 7):
        track.extend(records[i : i + 7])
    assert track.count == steps + 1
    assert track.positions.dtype == np.float32 and track.loss.dtype == np.float32
    assert not track.keeps_grad and track.grad.size == 0
    # exactly the run's rows, reserved once: 4 + 4 + 4 bytes (positions, loss, norm) + 1 per point
    assert len(track.lr) == steps + 1
    assert _bytes(track) == (steps + 1) * n * (8 + 4 + 4 + 1)
    # nothing lost: the values are the engine's own
    np.testing.assert_array_equal(track.positions[steps], records[-1].positions)
    np.testing.assert_array_equal(track.loss[steps], records[-1].loss)
    norms = np.linalg.norm(records[-1].grad, axis=-1)
    np.testing.assert_allclose(track.grad_norm[steps], norms, rtol=1e-6)
    np.testing.assert_allclose(track.grad_norm_median[steps], np.median(norms), rtol=1e-6)


def test_a_single_run_keeps_float64_and_its_gradients():
    records = _records(1, 100, torch.float64)
    track = Recorder().reset("run", 1)
    track.extend(records[:40])
    track.extend(records[40:])
    assert track.positions.dtype == np.float64 and track.keeps_grad
    np.testing.assert_array_equal(track.grad[100], records[-1].grad)
    np.testing.assert_array_equal(
        track.positions[: track.count, 0], [r.positions[0] for r in records]
    )
    # "continue from here": truncate and extend from an earlier step replaces the rest
    track.truncate(10)
    track.extend(records[11:20])
    assert track.count == 20
