"""What the batch-size experiment's summary may name (core.experiments.compare_batches): a
diverged batch size is left out, equal sharpnesses name no flattest batch."""

import math

from core.experiments import compare_batches, run_diverged


def _row(label, test_loss, sharpness, train_loss=0.5, diverged=False, losses=(1.0, 0.5)):
    return {
        "label": label,
        "batch_size": None if label == "full" else int(label),
        "train_loss": train_loss,
        "test_loss": test_loss,
        "sharpness": sharpness,
        "diverged": diverged,
        "losses": list(losses),
    }


def test_a_run_diverged_by_flag_by_a_non_finite_loss_or_by_an_exploded_loss():
    assert not run_diverged(_row("8", 1.0, 2.0))
    assert run_diverged(_row("8", 1.0, 2.0, diverged=True))
    assert run_diverged(_row("8", math.nan, 2.0))
    assert run_diverged(_row("8", 1.0, 2.0, train_loss=1001.0, losses=(1.0, 5.0)))
    assert not run_diverged(_row("8", 1.0, 2.0, train_loss=999.0, losses=(1.0, 5.0)))


def test_the_lowest_and_flattest_leave_out_diverged_batch_sizes():
    rows = [_row("1", 0.1, 1.0, diverged=True), _row("8", 0.3, 3.0), _row("full", 0.2, 5.0)]
    assert compare_batches(rows) == {
        "diverged": ["1"],
        "lowest": "full",
        "flattest": "8",
        "same_sharpness": False,
    }


def test_equal_sharpnesses_name_no_flattest_and_all_diverged_names_nothing():
    tie = compare_batches([_row("1", 0.3, 18.26), _row("8", 0.2, 18.26 * (1 + 1e-9))])
    assert tie["same_sharpness"] and tie["flattest"] is None and tie["lowest"] == "8"
    gone = compare_batches([_row("1", 0.3, 1.0, diverged=True), _row("8", math.inf, 2.0)])
    assert gone == {
        "diverged": ["1", "8"],
        "lowest": None,
        "flattest": None,
        "same_sharpness": False,
    }
