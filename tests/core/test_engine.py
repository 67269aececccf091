import numpy as np
import pytest
import torch

from core.engine import PointRun, RunConfig
from core.surfaces import make_surface

QUADRATIC = make_surface({"formula": "x**2 + 10*y**2", "x_range": [-3, 3], "y_range": [-3, 3]})


def run(optimizer, starts, steps, surface=QUADRATIC, schedule=None, **hyper):
    config = RunConfig(optimizer, hyper, starts, steps, schedule)
    engine = PointRun(surface, config, device="cpu", dtype=torch.float64)
    return engine, list(engine.records())


def test_gradient_descent_follows_the_closed_form():
    lr = 0.02
    _, records = run("sgd", [[2.0, 1.0]], 25, lr=lr)
    t = np.arange(26)
    expected = np.stack([2.0 * (1 - 2 * lr) ** t, 1.0 * (1 - 20 * lr) ** t], axis=1)
    got = np.array([r.positions[0] for r in records])
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert [r.step for r in records] == list(range(26))
    assert np.isnan(records[0].lr) and all(r.lr == lr for r in records[1:])
    np.testing.assert_allclose(records[5].grad[0], [2 * got[5, 0], 20 * got[5, 1]])


def test_points_in_one_batch_move_as_if_alone():
    starts = [[2.0, 1.0], [-1.0, 0.5], [0.3, -2.0]]
    _, together = run("adam", starts, 40, lr=0.1, betas=(0.8, 0.99))
    for i, start in enumerate(starts):
        _, alone = run("adam", [start], 40, lr=0.1, betas=(0.8, 0.99))
        np.testing.assert_allclose(together[-1].positions[i], alone[-1].positions[0], rtol=1e-12)


def test_state_is_torch_state_in_one_vocabulary():
    engine, records = run("sgd", [[2.0, 1.0], [1.0, -1.0]], 3, lr=0.01, momentum=0.9)
    buffer = engine.optimizers[0].state[engine.params[0]]["momentum_buffer"].numpy()
    last = records[-1]
    np.testing.assert_allclose(last.state["velocity"], buffer)
    np.testing.assert_allclose(last.state["update"], last.positions - records[-2].positions)
    np.testing.assert_allclose(last.state["grad"], records[-2].grad)
    assert last.state["update"].shape == (2, 2)


def test_diverging_points_freeze_and_others_go_on():
    engine, records = run(
        "sgd", [[2.0, 1.0], [0.1, 0.0]], 50, lr=0.11
    )  # 1-20*lr = -1.2: y blows up
    assert engine.diverged_at[0] > 0 and engine.diverged_at[1] == -1
    frozen = [r.positions[0] for r in records[engine.diverged_at[0] :]]
    assert all(np.array_equal(p, frozen[0]) for p in frozen)
    assert np.all(np.isfinite([r.loss for r in records]))
    assert records[-1].positions[1, 0] < 0.1 * 0.8**10  # the stable point kept converging
    assert records[-1].diverged.tolist() == [True, False]


def test_lbfgs_runs_per_point_and_finds_rosenbrock_minimum():
    surface = make_surface({"builtin": "rosenbrock"})
    _, records = run(
        "lbfgs", [[-1.5, 2.0], [0.0, 0.0]], 15, surface, lr=1.0, line_search_fn="strong_wolfe"
    )
    np.testing.assert_allclose(records[-1].positions, [[1.0, 1.0], [1.0, 1.0]], atol=1e-5)


def test_newton_solves_a_quadratic_in_one_step():
    _, records = run("newton", [[2.0, 1.0], [-3.0, 0.7]], 1, lr=1.0)
    np.testing.assert_allclose(records[1].positions, 0.0, atol=1e-12)


def test_schedule_sets_the_lr_of_each_step():
    _, records = run(
        "sgd", [[1.0, 1.0]], 6, schedule={"name": "step", "step_size": 2, "gamma": 0.5}, lr=0.04
    )
    assert [r.lr for r in records[1:]] == pytest.approx([0.04, 0.04, 0.02, 0.02, 0.01, 0.01])


def test_float32_and_bad_starts():
    engine = PointRun(QUADRATIC, RunConfig("sgd", {"lr": 0.1}, [[1, 1]], 2), dtype=torch.float32)
    assert next(engine.records()).positions.dtype == np.float32
    with pytest.raises(ValueError, match="shape"):
        PointRun(QUADRATIC, RunConfig("sgd", {"lr": 0.1}, [[1, 1, 1]], 2))


def test_lbfgs_with_a_single_start():
    surface = make_surface({"builtin": "rosenbrock"})
    _, records = run("lbfgs", [[-1.0, 2.0]], 5, surface, lr=1.0, line_search_fn="strong_wolfe")
    assert records[-1].positions.shape == (1, 2)
    assert records[-1].loss[0] < records[0].loss[0]


@pytest.mark.parametrize(
    ("formula", "good", "bad", "minimum", "bad_step"),
    [
        # sqrt(x) and its derivatives are NaN for x < 0: the bad start's loss is NaN at step 0
        ("x - 2*sqrt(x) + y^2", [0.5, 1.0], [-1.0, 1.0], [1.0, 0.0], 0),
        # |x - 2|^1.5: finite loss and gradient at x = 2, infinite curvature
        ("x^2 + y^2 + 0.1*abs(x - 2)^1.5", [0.5, 0.5], [2.0, 1.0], None, 1),
    ],
)
def test_newton_marks_points_with_nan_or_infinite_curvature_diverged(
    formula, good, bad, minimum, bad_step
):
    surface = make_surface({"formula": formula})
    engine, records = run("newton", [good, bad], 12, surface, lr=1.0)
    last = records[-1]
    assert last.diverged.tolist() == [False, True]
    assert engine.diverged_at[1] == bad_step
    np.testing.assert_array_equal(last.positions[1], bad)  # frozen where it was
    assert np.all(np.isfinite(last.positions))
    assert abs(last.grad[0]).max() < 1e-10  # the good start converged
    if minimum is not None:
        np.testing.assert_allclose(last.positions[0], minimum, atol=1e-10)


def test_big_swarms_record_no_per_point_optimizer_state():
    from core.engine import STATE_MAX_POINTS

    rng = np.random.default_rng(0)
    big = rng.uniform(-2, 2, (STATE_MAX_POINTS + 1, 2))
    engine = PointRun(QUADRATIC, RunConfig("adam", {"lr": 0.1}, big, 2), dtype=torch.float32)
    records = list(engine.records())
    assert not engine.record_state and records[-1].state == {}
    assert records[-1].positions.shape == (STATE_MAX_POINTS + 1, 2)
    small = PointRun(QUADRATIC, RunConfig("adam", {"lr": 0.1}, big[:100], 2))
    assert set(list(small.records())[-1].state) >= {"grad", "update", "second_moment"}
