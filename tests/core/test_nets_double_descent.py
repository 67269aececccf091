"""Double descent (core.nets.double_descent): min-norm random-features regression peaks at the
interpolation threshold p = n x outputs and descends again past it."""

import numpy as np
import pytest

from core.nets.double_descent import (
    DoubleDescentTask,
    WidthResult,
    default_widths,
    double_descent_sweep,
    draw,
    fit_min_norm,
    interpolation_threshold,
)


@pytest.fixture(scope="module")
def sweep():
    task = DoubleDescentTask(train_points=20, seeds=(0, 1, 2, 3, 4), widths=default_widths(200, 20))
    return task, {result.width: result for result in double_descent_sweep(task)}


def test_the_threshold_is_parameters_equal_to_training_targets():
    assert interpolation_threshold(20) == 20
    assert interpolation_threshold(20, outputs=3) == 60
    assert DoubleDescentTask(train_points=35).threshold == 35


def test_the_test_error_peaks_at_the_threshold(sweep):
    task, results = sweep
    peak = results[task.threshold].test_error
    assert peak > 5 * results[5].test_error  # a much smaller model
    assert peak > 5 * results[200].test_error  # a much larger one
    # The second descent goes below the best under-parametrized model.
    below = min(results[w].test_error for w in results if w < task.threshold)
    assert results[200].test_error < below
    assert max(results, key=lambda w: results[w].test_error) == task.threshold


def test_training_error_is_zero_from_the_threshold_on(sweep):
    task, results = sweep
    for width, result in results.items():
        if width >= task.threshold:
            assert result.train_error < 1e-20
        else:
            assert result.train_error > 1e-4
    assert results[1].train_error > results[10].train_error > results[19].train_error


def test_results_stream_in_width_order_and_average_the_seeds(sweep):
    task, results = sweep
    assert list(results) == list(task.widths) and {19, 20, 21} <= set(task.widths)
    result = results[30]
    assert isinstance(result, WidthResult) and result.parameters == 30
    assert len(result.test_errors) == 5
    assert result.test_error == pytest.approx(np.mean(result.test_errors))
    sample = draw(task, 0)
    weights = fit_min_norm(sample.train_features[:, :30], sample.train_y)
    test = np.mean((sample.test_features[:, :30] @ weights - sample.test_y) ** 2)
    assert result.test_errors[0] == pytest.approx(test)


def test_bad_tasks_are_refused():
    with pytest.raises(ValueError, match="training points"):
        DoubleDescentTask(train_points=1)
    with pytest.raises(ValueError, match="noise"):
        DoubleDescentTask(noise=-1)
    with pytest.raises(ValueError, match="largest width"):
        default_widths(0)
    with pytest.raises(ValueError, match="seed"):
        DoubleDescentTask(seeds=())
