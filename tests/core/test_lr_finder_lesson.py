"""The lesson "network_lr_range_test": what its beats say about the range test on its task holds
(the suggestion sits before the smoothed minimum, trains well, and the minimum's own rate is
too large), and its tool beat opens the range test."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from core.beats import OpenToolAction
from core.lessons import lesson_path
from core.nets.lr_finder import trainer_range_test
from core.nets.spec import setup_from_spec
from core.nets.trainer import EpochRecord, Trainer
from core.scene import load_scene

EPOCHS = 30  # what each "train" beat plays


@pytest.fixture(scope="module")
def lesson():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors on a shared machine: one thread is faster
    scene = load_scene(lesson_path("network_lr_range_test"))
    setup = setup_from_spec(scene.network)
    yield scene, setup, trainer_range_test(Trainer(setup.dataset(), setup.model, setup.train))
    torch.set_num_threads(threads)


def final_loss(setup, lr: float) -> float:
    """The training loss after the beats' 30 epochs at ``lr`` (as the window applies it: three
    significant digits)."""
    optimizer = {**setup.train.optimizer, "lr": float(f"{lr:.3g}")}
    train = replace(setup.train, optimizer=optimizer, epochs=EPOCHS)
    records = list(Trainer(setup.dataset(), setup.model, train).records())
    return [r for r in records if isinstance(r, EpochRecord)][-1].train_loss


def test_the_lesson_opens_the_range_test_in_the_hyperparameters_chapter(lesson):
    scene, _setup, _result = lesson
    assert scene.chapter == "hyperparameters"
    tools = [b.action.tool for b in scene.beats if isinstance(b.action, OpenToolAction)]
    assert tools == ["lr_range_test"]


def test_both_suggestions_sit_left_of_the_minimum_where_the_curve_falls(lesson):
    _scene, _setup, result = lesson
    lowest = int(np.argmin(result.smoothed))
    assert not result.stopped_early and len(result.lrs) == 100
    slopes = np.gradient(result.smoothed, np.log(result.lrs))
    index = int(np.flatnonzero(result.lrs == result.steepest)[0])
    assert index < lowest and slopes[index] < 0
    assert result.suggestion("min/10") < result.lowest_lr and result.steepest < result.lowest_lr


def test_the_suggestion_trains_and_the_minimums_rate_is_too_large(lesson):
    _scene, setup, result = lesson
    start = final_loss(setup, setup.train.optimizer["lr"])
    suggested = final_loss(setup, result.steepest)
    at_minimum = final_loss(setup, result.lowest_lr)
    assert suggested < 0.1 and suggested < 0.25 * start  # far better than 0.0003
    assert final_loss(setup, result.suggestion("min/10")) < 0.25 * start
    assert at_minimum > 10 * suggested and at_minimum > 0.3  # it does not settle
