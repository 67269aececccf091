"""SAM's ascent step as the engine records it (every SAM run, with or without the rest of the
optimizer state), as ``losslab run`` reports it, and the segment the Surface Lab's map draws."""

import numpy as np
import pytest

from core.engine import PointRun, RunConfig, run_to_end
from core.optim.sam import ascent_segment
from core.runner import run_scene
from core.scene import Scene
from core.surfaces import make_surface

RHO = 0.3
STARTS = [[-1.0, 0.7], [2.0, -1.5]]


@pytest.mark.parametrize("record_state", [True, False])
def test_the_recorded_ascent_is_rho_g_over_norm_g_from_the_previous_point(record_state):
    surface = make_surface({"builtin": "two_basins"})
    config = RunConfig("sam", {"lr": 0.05, "rho": RHO, "momentum": 0.5}, STARTS, steps=25)
    records = run_to_end(PointRun(surface, config, record_state=record_state))
    assert "ascent" not in records[0].state
    for before, after in zip(records[:-1], records[1:], strict=True):
        grad = before.grad
        expected = RHO * grad / np.linalg.norm(grad, axis=1, keepdims=True)
        np.testing.assert_allclose(after.state["ascent"], expected, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(np.linalg.norm(after.state["ascent"], axis=1), RHO)
    assert ("update" in records[-1].state) == record_state


def test_other_optimizers_record_no_ascent():
    surface = make_surface({"builtin": "two_basins"})
    records = run_to_end(PointRun(surface, RunConfig("sgd", {"lr": 0.05}, STARTS, steps=3)))
    assert all("ascent" not in r.state for r in records)


def test_losslab_run_reports_a_sam_runs_ascent():
    scene = Scene.model_validate(
        {
            "format": 1,
            "surface": {"builtin": "bowl"},
            "runs": [
                {"optimizer": {"name": "sam", "lr": 0.1, "rho": RHO}, "start": [2, 1], "steps": 5},
                {"optimizer": {"name": "sgd", "lr": 0.1}, "start": [2, 1], "steps": 5},
            ],
        }
    )
    sam, sgd = run_scene(scene)["runs"]
    assert "ascent" not in sgd
    assert sam["ascent"][0] == [None, None]
    grad = np.array(sam["grad"][2])  # the bowl's gradient is the point itself
    np.testing.assert_allclose(sam["ascent"][3], RHO * grad / np.linalg.norm(grad))


def test_the_segment_drawn_at_a_step_starts_at_its_point():
    positions = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]])
    ascent = np.array([[np.nan, np.nan], [0.1, 0.0], [0.0, 0.2]])
    np.testing.assert_allclose(ascent_segment(positions, ascent, 1), [[1.0, 0.0], [1.0, 0.2]])
    np.testing.assert_allclose(ascent_segment(positions, ascent, 0), [[0.0, 0.0], [0.1, 0.0]])
    assert ascent_segment(positions, ascent, 2) is None  # the last point: no step from it
    assert ascent_segment(positions, ascent, -1) is None
